"""The playbook schema. ``extra="forbid"`` everywhere, so a typo is an error, not a silent no-op.

The README's playbook field reference is generated from these docstrings and field
descriptions; a test keeps the two in step.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.files.fields import must_match

STEP_TYPES = (
    "text",
    "long_text",
    "number",
    "currency",
    "percent",
    "date",
    "yes_no",
    "choice",
    "multi_choice",
    "user",
    "list",
)
StepType = Literal[
    "text", "long_text", "number", "currency", "percent", "date", "yes_no", "choice", "multi_choice", "user", "list"
]
FieldType = Literal[
    "text", "long_text", "number", "currency", "percent", "date", "yes_no", "choice", "multi_choice", "user", "ratings"
]
Destination = Literal["team_channel", "managers", "product_channel", "enablement_channel", "user"]

SNAKE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
PLAYBOOK_ID = re.compile(r"^[a-z][a-z0-9_-]*$")


SNAKE_ID_MESSAGE = "id {value!r} must be snake_case (a-z, 0-9, _), starting with a letter"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(Strict):
    """One choice of a ``choice`` or ``multi_choice`` step."""

    value: str = Field(description="Stored value, snake_case, at most 150 characters (Slack's limit).", max_length=150)
    label: str = Field(description="What the person sees, at most 75 characters (Slack's limit).", max_length=75)
    hint: str | None = Field(default=None, description="Optional one-line explanation shown beside the label.")


class Validation(Strict):
    """Extra rules an answer must meet. Each applies only to the types it makes sense for."""

    min_length: int | None = Field(default=None, description="text: fewest characters.", ge=0)
    max_length: int | None = Field(default=None, description="text: most characters.", ge=1)
    pattern: str | None = Field(default=None, description="text: a regular expression the whole answer must match.")
    pattern_hint: str | None = Field(default=None, description="text: what to tell the person when the pattern fails.")
    min: float | None = Field(default=None, description="number, currency, percent: smallest value.")
    max: float | None = Field(default=None, description="number, currency, percent: largest value.")
    not_before: str | None = Field(
        default=None, description="date: `today` or the id of an earlier date step the answer may not precede."
    )
    not_after: str | None = Field(default=None, description="date: `today` or the id of an earlier date step.")
    warn_after_days: int | str | None = Field(
        default=None,
        description="date: warn (not refuse) when the date is more than this many days after `not_before`: a number, "
        "or an expression over earlier answers and `settings`, e.g. `settings.max_pilot_days`.",
    )
    same_currency_as: str | None = Field(
        default=None,
        description="currency: the id of an earlier currency step this amount must share a currency with (an amount "
        "without one takes that step's); amounts in two currencies are refused, never converted.",
    )
    min_items: int | None = Field(default=None, description="list, multi_choice: fewest items.", ge=0)
    max_items: int | None = Field(default=None, description="list, multi_choice: most items.", ge=1)
    names_from: str | None = Field(
        default=None,
        description="ratings: an expression over earlier answers and `settings` giving what may be rated, as a list "
        "of `{id, label}`, e.g. `settings.asked_factors`; `min` and `max` bound each rating.",
    )

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"pattern does not compile: {exc}") from exc
        return value


class ListField(Strict):
    """One sub-field of a ``list`` step (a success criterion's metric, an opportunity's amount...)."""

    id: str = Field(description="snake_case id, unique within the list.")
    label: str = Field(description="Short name shown when asking for the field and in summaries.")
    type: FieldType = Field(default="text", description="Any step type except `list`; or `ratings`: a few named "
                            "ratings in one part (\"legal risk 2, partner 4\"), the names from `validation.names_from`.")
    required: bool = Field(default=True, description="Whether every item must give this field.")
    options: list[Option] = Field(default_factory=list, description="For choice fields.")
    validation: Validation = Field(default_factory=Validation, description="Extra rules for this field.")

    _snake = field_validator("id")(must_match(SNAKE_ID, SNAKE_ID_MESSAGE))

    @model_validator(mode="after")
    def _names(self) -> ListField:
        if (self.type == "ratings") != bool(self.validation.names_from):
            raise ValueError("a `ratings` field needs `validation.names_from`, and only a ratings field takes it")
        return self


class Step(Strict):
    """A question (``ask``) or a computed value (``compute``)."""

    id: str = Field(description="snake_case id, unique in the playbook; templates and `when` use it as a name.")
    ask: str | None = Field(default=None, description="The question, a Jinja2 template over earlier answers.")
    help: str | None = Field(default=None, description="One or two lines shown with the question.")
    type: StepType | None = Field(default=None, description="How the answer is parsed: " + ", ".join(STEP_TYPES) + ".")
    required: bool = Field(default=True, description="Optional steps can be skipped.")
    default: Any = Field(default=None, description="Offered answer, parsed like typed input.")
    validation: Validation = Field(default_factory=Validation, description="Extra rules for the answer.")
    options: list[Option] = Field(default_factory=list, description="Choices for `choice` and `multi_choice`.")
    fields: list[ListField] = Field(default_factory=list, description="Sub-fields of a `list` step.")
    when: str | None = Field(
        default=None, description="Jinja2 expression over earlier answers; the step is asked only when it is true."
    )
    compute: str | None = Field(
        default=None, description="Jinja2 expression over earlier answers; a computed value, never asked."
    )
    section: Literal["core", "detail"] = Field(
        default="core", description="`detail` steps are optional depth offered after the core ones."
    )
    suggest: str | None = Field(
        default=None,
        description="Jinja2 expression over earlier answers; its value is offered, and Enter or its button accepts it.",
    )

    _snake = field_validator("id")(must_match(SNAKE_ID, SNAKE_ID_MESSAGE))

    @model_validator(mode="after")
    def _shape(self) -> Step:
        if (self.ask is None) == (self.compute is None):
            raise ValueError("a step needs exactly one of `ask` (a question) or `compute` (a computed value)")
        if self.ask is not None and self.type is None:
            raise ValueError(f"step {self.id!r} asks a question but has no `type` (one of {', '.join(STEP_TYPES)})")
        if self.compute is not None and self.type not in (None, "number", "currency", "percent", "text", "date", "yes_no"):
            raise ValueError("a computed step's `type` can only describe a simple value")
        if self.type in ("choice", "multi_choice") and not self.options:
            raise ValueError(f"a {self.type} step needs `options`")
        if self.type == "list" and not self.fields:
            raise ValueError("a list step needs `fields`")
        if self.options and self.type not in ("choice", "multi_choice"):
            raise ValueError("`options` only apply to choice and multi_choice steps")
        return self

    @property
    def is_question(self) -> bool:
        return self.ask is not None


class Post(Strict):
    """A message posted when a run is submitted."""

    to: Destination = Field(description="Where: " + ", ".join(Destination.__args__) + ".")
    template: str = Field(description="Template under prompts/, e.g. `debrief/summary.md.j2`.")
    when: str | None = Field(default=None, description="Jinja2 expression over the answers; post only when true.")


class Reminder(Strict):
    """A follow-up scheduled on submit, sent once at its date in the team's time zone."""

    id: str = Field(description="snake_case id, unique in the playbook.")
    due: str = Field(description="Jinja2 expression giving the date (a date step id, or a computed date).")
    at: str = Field(default="09:00", description="Local time of day, HH:MM, in the team's time zone.")
    to: Destination = Field(default="user", description="Who is reminded.")
    template: str = Field(description="Template under prompts/ for the reminder text.")
    when: str | None = Field(default=None, description="Jinja2 expression; schedule only when true.")

    _hhmm = field_validator("at")(must_match(r"([01]\d|2[0-3]):[0-5]\d",
                                             "`at` must be HH:MM (24-hour), got {value!r}"))


class OnSubmit(Strict):
    """What happens when the run is submitted."""

    summary: str = Field(description="Template under prompts/ rendered as the run's summary.")
    posts: list[Post] = Field(default_factory=list, description="Messages posted on submit.")
    reminders: list[Reminder] = Field(default_factory=list, description="Follow-ups to schedule.")


class Form(Strict):
    """A modal page in Slack: steps asked together, each input derived from the step's type.

    The terminal and the DM ask the same steps one by one; only Slack shows them as a form.
    Consecutive forms are the pages of one modal, with Back and Next between them.
    """

    id: str = Field(description="snake_case id, unique in the playbook.")
    title: str = Field(description="The modal's title, at most 24 characters (Slack's limit).", max_length=24)
    steps: list[str] = Field(description="Ids of consecutive questions shown on this page, in playbook order.",
                             min_length=1)
    intro: str | None = Field(default=None, description="One line shown at the top of the page.")

    _snake = field_validator("id")(must_match(SNAKE_ID, SNAKE_ID_MESSAGE))


class Playbook(Strict):
    """A guided conversation: one YAML file in playbooks/, its file stem equal to its id."""

    id: str = Field(description="Same as the file stem, e.g. `debrief`.")
    title: str = Field(description="Human name, e.g. `Closed-lost debrief`.")
    description: str = Field(description="One line: what the conversation is for (used in help and the manifest).")
    version: int = Field(description="Bump when steps change; each run records the version it used.", ge=1)
    command: str = Field(description="The slash command that starts it, e.g. `/debrief`.")
    usage_hint: str | None = Field(default=None, description="Shown by Slack beside the command, e.g. `[deal name]`.")
    intro: str = Field(description="Template shown before the first question.")
    steps: list[Step] = Field(description="The questions and computed values, in order.", min_length=1)
    on_submit: OnSubmit = Field(description="Summary, posts and reminders.")
    forms: list[Form] = Field(
        default_factory=list, description="Steps Slack asks together in a modal page instead of one by one in the DM."
    )

    _id = field_validator("id")(must_match(PLAYBOOK_ID, "id {value!r} must be lower case letters, digits, - or _"))
    _command = field_validator("command")(must_match(
        r"/[a-z0-9][a-z0-9_-]{0,31}", "command {value!r} must look like /debrief (lower case, at most 32 characters)"))

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def form_of(self, step_id: str) -> Form | None:
        """The form that asks ``step_id`` in Slack, or None (asked in the DM)."""
        for form in self.forms:
            if step_id in form.steps:
                return form
        return None

    def form(self, form_id: str) -> Form:
        for form in self.forms:
            if form.id == form_id:
                return form
        raise KeyError(form_id)

    @property
    def questions(self) -> list[Step]:
        return [step for step in self.steps if step.is_question]
