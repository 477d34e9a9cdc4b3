"""Rule checks a schema cannot express: ids, references between steps, expressions that compile.

Each rule returns problems with the line of the offending field (Rasa-style: schema check,
then rule checks, all problems at once).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from jinja2 import Environment, TemplateSyntaxError, meta

from bot.engine import answers, conditions
from bot.engine.model import Playbook
from bot.errors import AnswerRejected, Problem
from bot.files.yaml_source import YamlSource

# Names a question template may use besides earlier step ids.
TEMPLATE_NAMES = {
    "display", "run", "team", "playbook", "user", "today", "settings", "mention", "link", "bar", "coaching_focus",
    "manager_questions",
}

# Names every expression may read besides step ids: supplied by the run's surroundings.
# ``from_crm``: the run was started from a deal the CRM sent (its facts are prefilled).
ENVIRONMENT_NAMES = {"today", "settings", "from_crm"}

_syntax_env = Environment()


def _template_names(source: str) -> set[str]:
    return meta.find_undeclared_variables(_syntax_env.parse(source))


def check_playbook(playbook: Playbook, source: YamlSource) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    order = {step.id: index for index, step in enumerate(playbook.steps)}

    def add(loc: tuple, message: str) -> None:
        problems.append(source.problem(loc, message))

    def check_references(loc: tuple, names: set[str], index: int, what: str, verb: str, why: str = "") -> None:
        """Every name is a step before ``index`` (a step can only use earlier answers)."""
        for name in sorted(names):
            if name not in order:
                add(loc, f"{what} {verb} {name!r}, which is not a step in this playbook")
            elif order[name] >= index:
                add(loc, f"{what} {verb} {name!r}, which comes later{why}")

    def check_expression(loc: tuple, expression: str, index: int, what: str) -> None:
        try:
            conditions.compile_expression(expression)
            names = conditions.names_in(expression)
        except TemplateSyntaxError as exc:
            add(loc, f"{what} does not compile: {exc.message}")
            return
        check_references(loc, names - ENVIRONMENT_NAMES, index, what, "names",
                         " (a step can only depend on earlier answers)")

    def check_template(loc: tuple, text: str, index: int, what: str) -> None:
        try:
            names = _template_names(text)
        except TemplateSyntaxError as exc:
            add(loc, f"{what} template does not compile: {exc.message}")
            return
        check_references(loc, names - TEMPLATE_NAMES, index, what, "uses")

    check_template(("intro",), playbook.intro, 0, "intro")
    for index, step in enumerate(playbook.steps):
        loc = ("steps", index)
        if step.id in seen:
            add(loc + ("id",), f"duplicate step id {step.id!r} (first used on line {seen[step.id]})")
        else:
            seen[step.id] = source.line(loc + ("id",)) or 0
        if step.when is not None:
            check_expression(loc + ("when",), step.when, index, "`when`")
        if step.compute is not None:
            check_expression(loc + ("compute",), step.compute, index, "`compute`")
        if step.suggest is not None:
            check_expression(loc + ("suggest",), step.suggest, index, "`suggest`")
        if step.ask is not None:
            check_template(loc + ("ask",), step.ask, index, "`ask`")
        if step.help is not None:
            check_template(loc + ("help",), step.help, index, "`help`")
        values: dict[str, int] = {}
        for option_index, option in enumerate(step.options):
            if option.value in values:
                add(loc + ("options", option_index, "value"), f"duplicate option value {option.value!r}")
            values[option.value] = option_index
        field_ids: set[str] = set()
        for field_index, list_field in enumerate(step.fields):
            if list_field.id in field_ids:
                add(loc + ("fields", field_index, "id"), f"duplicate field id {list_field.id!r}")
            field_ids.add(list_field.id)
            if list_field.type in ("choice", "multi_choice") and not list_field.options:
                add(loc + ("fields", field_index), f"a {list_field.type} field needs `options`")
            if list_field.validation.names_from:
                check_expression(loc + ("fields", field_index, "validation", "names_from"),
                                 list_field.validation.names_from, index, "`names_from`")
        for bound in ("not_before", "not_after"):
            target = getattr(step.validation, bound)
            if target is None or target == "today":
                continue
            if target not in order or order[target] >= index:
                add(loc + ("validation", bound), f"{bound} must be `today` or an earlier date step, got {target!r}")
            elif playbook.steps[order[target]].type != "date":
                add(loc + ("validation", bound), f"{bound} names {target!r}, which is not a date step")
        if isinstance(step.validation.warn_after_days, str):
            check_expression(loc + ("validation", "warn_after_days"), step.validation.warn_after_days, index,
                             "`warn_after_days`")
        for where, spec in [(loc, step)] + [(loc + ("fields", i), f) for i, f in enumerate(step.fields)]:
            target = spec.validation.same_currency_as
            if target is None:
                continue
            if target not in order or order[target] >= index:
                add(where + ("validation", "same_currency_as"), f"same_currency_as must name an earlier currency step, got {target!r}")
            elif playbook.steps[order[target]].type != "currency":
                add(where + ("validation", "same_currency_as"), f"same_currency_as names {target!r}, which is not a currency step")
        if step.default is not None and step.is_question:
            try:
                answers.parse_answer(step, step.default, today=date(2026, 1, 5), earlier={})
            except AnswerRejected as exc:
                add(loc + ("default",), f"the default does not fit the step: {exc.message}")
    end = len(playbook.steps)
    for index, post in enumerate(playbook.on_submit.posts):
        if post.when is not None:
            check_expression(("on_submit", "posts", index, "when"), post.when, end, "`when`")
    reminder_ids: set[str] = set()
    for index, reminder in enumerate(playbook.on_submit.reminders):
        loc = ("on_submit", "reminders", index)
        if reminder.id in reminder_ids:
            add(loc + ("id",), f"duplicate reminder id {reminder.id!r}")
        reminder_ids.add(reminder.id)
        check_expression(loc + ("due",), reminder.due, end, "`due`")
        if reminder.when is not None:
            check_expression(loc + ("when",), reminder.when, end, "`when`")
    problems += [source.problem(loc, message) for loc, message in form_problems(playbook)]
    return problems


def form_problems(playbook: Playbook) -> list[tuple[tuple, str]]:
    """Forms name existing questions, each step in one form, consecutive (the terminal and the
    DM ask them in the same order), no ``when`` that depends on its own page (the page is drawn
    before it is filled in), and a page that fits Slack's 100 blocks."""
    from bot.engine import forms as pages

    problems: list[tuple[tuple, str]] = []
    questions = [step.id for step in playbook.questions]
    owner: dict[str, str] = {}
    form_ids: set[str] = set()
    for index, form in enumerate(playbook.forms):
        loc = ("forms", index)
        if form.id in form_ids:
            problems.append((loc + ("id",), f"duplicate form id {form.id!r}"))
        form_ids.add(form.id)
        known = True
        for step_index, step_id in enumerate(form.steps):
            where = loc + ("steps", step_index)
            if step_id not in questions:
                is_computed = any(step.id == step_id for step in playbook.steps)
                problems.append((where, f"form {form.id!r} names {step_id!r}, which is "
                                 + ("a computed step, not a question" if is_computed else "not a step in this playbook")))
                known = False
            elif step_id in owner:
                problems.append((where, f"step {step_id!r} is already in form {owner[step_id]!r}; a step belongs to one form"))
                known = False
            else:
                owner[step_id] = form.id
        if not known:
            continue
        positions = [questions.index(step_id) for step_id in form.steps]
        if positions != list(range(positions[0], positions[0] + len(positions))):
            problems.append((loc + ("steps",), f"form {form.id!r} must list consecutive questions in playbook order "
                             "(the terminal and the DM ask them in that order)"))
        for step_id in form.steps:
            step = playbook.step(step_id)
            if step.when is None:
                continue
            try:
                names = conditions.names_in(step.when)
            except TemplateSyntaxError:
                continue  # reported on the step
            same_page = sorted(names & set(form.steps))
            if same_page:
                problems.append((loc + ("steps",), f"step {step_id!r} depends on {', '.join(same_page)} on the same form "
                                 f"page; put it on a later form or in the DM"))
        blocks = pages.smallest_page_blocks(playbook, form)
        if blocks > pages.MAX_VIEW_BLOCKS:
            problems.append((loc + ("steps",), f"form {form.id!r} needs {blocks} blocks; a Slack modal holds "
                             f"{pages.MAX_VIEW_BLOCKS}: split it into two forms"))
    return problems


def check_playbook_set(playbooks: Mapping[str, Playbook], files: Mapping[str, str]) -> list[Problem]:
    """Rules across playbooks: each slash command starts exactly one playbook."""
    problems = []
    owner: dict[str, str] = {}
    for playbook_id, playbook in sorted(playbooks.items()):
        if playbook.command in owner:
            problems.append(
                Problem(files[playbook_id], None, "command",
                        f"{playbook.command} is already the command of {owner[playbook.command]!r}")
            )
        owner.setdefault(playbook.command, playbook_id)
    return problems
