"""The teams file: who is on which team, who manages it, where its summaries go.

Roles (rep, manager, head of sales) come from here, so every permission check reads this
one validated model.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.domain.money import plain_number
from bot.errors import ConfigFilesInvalid, Problem
from bot.files.fields import must_match
from bot.files.yaml_source import YamlSource, load_yaml, validate_source

CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
DEFAULT_SCHEDULE = "monday 09:00"

log = logging.getLogger("rebound.teams")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _channel(value: str | None) -> str | None:
    if value is not None and not CHANNEL_ID.match(value):
        raise ValueError(f"{value!r} is not a Slack channel id (like C0123ABCD; copy it from the channel's details)")
    return value


def _users(values: list[str]) -> list[str]:
    for value in values:
        if not USER_ID.match(value):
            raise ValueError(f"{value!r} is not a Slack user id (like U0123ABCD; copy it from the person's profile)")
    return values


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as America/Los_Angeles)") from None
    return value


class HourlyCost(_Strict):
    """What an hour of the team's time costs, for `rebound costs` (hours put into lost deals)."""

    amount: Decimal = Field(gt=0, description="Per hour, e.g. 150.")
    currency: str = Field(pattern=r"^[A-Z]{3}$")

    def as_amount(self) -> dict[str, Any]:
        return {"amount": plain_number(self.amount), "currency": self.currency}


BUILT_IN_FACTORS = ("revenue", "probability", "time_to_close", "strategic_fit", "relationship", "effort")


class Factor(_Strict):
    """A ranking factor a team adds to the built-in ones: a 1-5 rating per opportunity,
    read from a CSV column of the CRM export or asked per opportunity."""

    name: str = Field(description="snake_case, e.g. `partner_influence`; what `/recover weights` calls it.")
    label: str | None = Field(default=None, description="Shown in the plan; defaults to the name with spaces.")
    default_weight: float = Field(ge=0, le=10, description="Points from 0 to 10, like a member's weights.")
    source: Literal["column", "asked"] = Field(description="`column` (a CSV column) or `asked` per opportunity.")
    column: str | None = Field(default=None, description="The CSV header the value comes from (source `column`).")
    higher_is_better: bool = Field(default=True, description="False for a factor like effort: a 5 is worst.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise ValueError(f"factor name {value!r} must be snake_case, like partner_influence")
        if value in BUILT_IN_FACTORS:
            raise ValueError(f"{value!r} is a built-in factor already; give yours another name")
        return value

    @model_validator(mode="after")
    def _column(self) -> Factor:
        if self.source == "column" and not (self.column or "").strip():
            raise ValueError(f"factor {self.name!r} comes from a column: name it, e.g. column: Partner score")
        if self.source == "asked" and self.column:
            raise ValueError(f"factor {self.name!r} is asked per opportunity, so it has no column; remove it")
        return self

    @property
    def shown(self) -> str:
        return self.label or self.name.replace("_", " ")


class Team(_Strict):
    id: str = Field(description="snake_case id used by `rebound summary --team`.")
    name: str
    summary_channel: str = Field(description="Channel id where the team's summaries are posted.")
    # Coaching is private: the per-seller view goes here when set, else to each manager's DM.
    managers_channel: str | None = Field(default=None, description="Channel id for the per-seller coaching view.")
    managers: list[str] = Field(default_factory=list)
    members: list[str] = Field(default_factory=list)
    timezone: str = "UTC"
    summary_schedule: str = Field(default=DEFAULT_SCHEDULE, description="`monday 09:00` or a cron expression.")
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    coverage_multiple: float = Field(default=3.0, gt=0, le=20)
    post_empty_weeks: bool = Field(default=True, description="Post a short 'no losses this week' note.")
    max_pilot_days: int = Field(default=90, ge=1)
    debrief_reminder_days: int = Field(default=2, ge=1, le=20, description=(
        "Business days after the CRM nudge before the one reminder; after it the deal is overdue."))
    hourly_cost: HourlyCost | None = Field(default=None, description="`{amount: 150, currency: USD}`: prices the hours.")
    factors: list[Factor] = Field(default_factory=list, description="Ranking factors the team adds.")

    _id = field_validator("id")(must_match(r"[a-z][a-z0-9_-]*",
                                           "team id {value!r} must be lower case letters, digits, - or _"))
    _summary_channel = field_validator("summary_channel", "managers_channel")(classmethod(lambda cls, v: _channel(v)))
    _people = field_validator("managers", "members")(classmethod(lambda cls, v: _users(v)))
    _tz = field_validator("timezone")(classmethod(lambda cls, v: _timezone(v)))

    @field_validator("summary_schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        from bot.jobs.schedule import WeeklySchedule

        WeeklySchedule.parse(value, "UTC")  # raises ValueError with a clear message
        return value

    @property
    def coaching_targets(self) -> list[str]:
        """Where the per-seller coaching view goes: the managers' channel, or each manager's DM."""
        return [self.managers_channel] if self.managers_channel else list(self.managers)

    @field_validator("factors")
    @classmethod
    def _factors(cls, value: list[Factor]) -> list[Factor]:
        names = [factor.name for factor in value]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"factor {twice[0]!r} is defined twice")
        columns = [(factor.column or "").strip().lower() for factor in value if factor.column]
        if len(columns) != len(set(columns)):
            raise ValueError("two factors read the same column; give each its own")
        return value


class Routing(_Strict):
    product_channel: str | None = None
    enablement_channel: str | None = None
    # Loss reason -> who hears about it (product, enablement, manager); rows given here replace
    # the default table's (bot.domain.routing.DEFAULT_TABLE). Checked in _rule_problems.
    by_reason: dict[str, list[str]] = Field(default_factory=dict)

    _channels = field_validator("product_channel", "enablement_channel")(classmethod(lambda cls, v: _channel(v)))


class Leadership(_Strict):
    """The head of sales and the channel for the weekly roll-up of all teams."""

    heads: list[str] = Field(default_factory=list)
    rollup_channel: str | None = None
    timezone: str = "UTC"
    summary_schedule: str = DEFAULT_SCHEDULE

    _heads = field_validator("heads")(classmethod(lambda cls, v: _users(v)))
    _channel = field_validator("rollup_channel")(classmethod(lambda cls, v: _channel(v)))
    _tz = field_validator("timezone")(classmethod(lambda cls, v: _timezone(v)))


class TeamsFile(_Strict):
    teams: list[Team] = Field(default_factory=list)
    routing: Routing = Field(default_factory=Routing)
    leadership: Leadership = Field(default_factory=Leadership)
    # CRM owner emails Slack can't find (a different address in the CRM): email -> Slack user id.
    emails: dict[str, str] = Field(default_factory=dict)
    # The CRM's loss reasons on Rebound's taxonomy, e.g. {"Went dark": no_decision}.
    crm_reasons: dict[str, str] = Field(default_factory=dict)

    @field_validator("emails")
    @classmethod
    def _emails(cls, value: dict[str, str]) -> dict[str, str]:
        for email, user in value.items():
            if not EMAIL.match(email):
                raise ValueError(f"{email!r} is not an email address (the CRM owner's, e.g. jane@acme.com)")
            _users([user])
        return {email.strip().lower(): user for email, user in value.items()}

    @field_validator("crm_reasons")
    @classmethod
    def _crm_reasons(cls, value: dict[str, str]) -> dict[str, str]:
        from bot.domain.taxonomy import LOSS_REASON_KEYS

        for reason, key in value.items():
            if key not in LOSS_REASON_KEYS:
                raise ValueError(f"{reason!r} maps to {key!r}, which is not a loss reason; use one of "
                                 + ", ".join(LOSS_REASON_KEYS))
        return value

    @model_validator(mode="after")
    def _unique(self) -> TeamsFile:
        ids: set[str] = set()
        for team in self.teams:
            if team.id in ids:
                raise ValueError(f"team id {team.id!r} is used twice")
            ids.add(team.id)
        return self


# The settings a team's managers may change in Slack (App Home → Settings), layered over the file.
SLACK_SETTINGS = ("summary_channel", "summary_schedule", "managers", "members", "coverage_multiple", "max_pilot_days")

# Reads the overrides stored in Slack: () -> {team id: {setting name: value}}.
OverridesSource = Callable[[], Mapping[str, Mapping[str, Any]]]


class Teams:
    """Lookups over a validated teams file, with the settings managers changed in Slack on top.

    The merged view is built once and kept until :meth:`invalidate` (the settings modal calls it
    after every save), so a lookup costs no query and a change takes effect without a restart.
    """

    def __init__(self, data: TeamsFile | None = None, overrides: OverridesSource | None = None):
        self.file = data or TeamsFile()
        self._overrides = overrides
        self._merged: tuple[TeamsFile, dict[str, Team]] | None = None

    def use_overrides(self, overrides: OverridesSource | None) -> None:
        self._overrides = overrides
        self.invalidate()

    def invalidate(self) -> None:
        self._merged = None

    def _view(self) -> tuple[TeamsFile, dict[str, Team]]:
        merged = self._merged
        if merged is None:
            data = self.file
            stored = self._overrides() if self._overrides is not None else {}
            if stored:
                data = self.file.model_copy(update={"teams": [merge(team, stored.get(team.id, {})) for team in self.file.teams]})
            merged = self._merged = (data, {m: t for t in data.teams for m in t.members})
        return merged

    @property
    def data(self) -> TeamsFile:
        return self._view()[0]

    @property
    def _member_team(self) -> dict[str, Team]:
        return self._view()[1]

    @property
    def teams(self) -> list[Team]:
        return list(self.data.teams)

    @property
    def routing(self) -> Routing:
        return self.data.routing

    @property
    def routing_table(self) -> dict[str, tuple[str, ...]]:
        """The company's routing table: the shipped default with the file's rows over it."""
        from bot.domain.routing import table_with

        return table_with(self.data.routing.by_reason)

    @property
    def leadership(self) -> Leadership:
        return self.data.leadership

    def get(self, team_id: str) -> Team | None:
        return next((t for t in self.data.teams if t.id == team_id), None)

    def from_file(self, team_id: str) -> Team | None:
        """The team as the teams file has it, before any change made in Slack."""
        return next((t for t in self.file.teams if t.id == team_id), None)

    def team_of(self, user_id: str) -> Team | None:
        """The team a rep belongs to, or the first team a manager manages."""
        if user_id in self._member_team:
            return self._member_team[user_id]
        managed = self.managed_by(user_id)
        return managed[0] if managed else None

    def managed_by(self, user_id: str) -> list[Team]:
        return [t for t in self.data.teams if user_id in t.managers]

    def user_for_email(self, email: str | None) -> str | None:
        """The Slack user the teams file's ``emails:`` map gives a CRM owner's email."""
        return self.data.emails.get(email.strip().lower()) if email else None

    def is_head(self, user_id: str) -> bool:
        return user_id in self.data.leadership.heads

    def can_see(self, viewer: str, owner: str, owner_team: str | None) -> bool:
        """A rep sees their own runs; a manager their team's; the head of sales everyone's."""
        if viewer == owner or self.is_head(viewer):
            return True
        return owner_team is not None and any(t.id == owner_team for t in self.managed_by(viewer))


def merge(team: Team, changes: Mapping[str, Any]) -> Team:
    """``team`` with the settings changed in Slack; a stored value the model refuses (a file edited
    since) is left out, so the file's value stands rather than the team failing to load."""
    usable = {name: value for name, value in changes.items() if name in SLACK_SETTINGS}
    if not usable:
        return team
    try:
        return Team.model_validate({**team.model_dump(), **usable})
    except ValidationError:
        log.warning("ignored team settings of %s stored in Slack that no longer validate", team.id)
        good = {}
        for name, value in usable.items():
            try:
                Team.model_validate({**team.model_dump(), name: value})
            except ValidationError:
                continue
            good[name] = value
        return Team.model_validate({**team.model_dump(), **good})


def _rule_problems(source: YamlSource, data: TeamsFile) -> list[Problem]:
    problems = []
    first_team: dict[str, str] = {}
    for index, team in enumerate(data.teams):
        for member_index, member in enumerate(team.members):
            if member in first_team and first_team[member] != team.id:
                problems.append(
                    source.problem(
                        ("teams", index, "members", member_index),
                        f"{member} is a member of both {first_team[member]!r} and {team.id!r}; a rep belongs to one team",
                    )
                )
            first_team.setdefault(member, team.id)
    return problems + _routing_problems(source, data)


def _routing_problems(source: YamlSource, data: TeamsFile) -> list[Problem]:
    """Every row of ``routing.by_reason`` names a loss reason (or single_handed) and known owners."""
    from bot.domain.routing import ROUTE_KEYS
    from bot.domain.taxonomy import OWNERS

    problems = []
    for key, owners in data.routing.by_reason.items():
        where = ("routing", "by_reason", key)
        if key not in ROUTE_KEYS:
            problems.append(source.problem(where, f"{key!r} is not a loss reason; use one of: {', '.join(ROUTE_KEYS)}"))
        for index, owner in enumerate(owners):
            if owner not in OWNERS:
                problems.append(source.problem((*where, index),
                                               f"{owner!r} is not someone a loss goes to; use one of: {', '.join(OWNERS)}"))
    return problems


def check_teams_file(path: str | Path) -> tuple[Teams | None, list[Problem]]:
    source = load_yaml(path)
    data, problems = validate_source(source, TeamsFile)
    if data is None:
        return None, problems
    problems = _rule_problems(source, data)
    return (None if problems else Teams(data)), problems


def load_teams(path: str | Path, *, required: bool) -> Teams:
    """The teams, or an empty set when the file is absent and not required (the terminal)."""
    if not Path(path).exists():
        if required:
            raise ConfigFilesInvalid(
                [Problem(str(path), None, "", "the teams file does not exist (copy teams.example.yml, or set REBOUND_TEAMS)")]
            )
        return Teams()
    teams, problems = check_teams_file(path)
    if problems:
        raise ConfigFilesInvalid(problems)
    return teams
