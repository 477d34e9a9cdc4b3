"""The terminal surface of ``rebound try``: the same conversation as in Slack, typed at a prompt.

Questions are rendered from the playbook's templates in plain text. ``back``, ``skip``,
``cancel`` and ``review`` are typed as words (:mod:`bot.conversation.words`, shared with the DM);
a list is typed one item per line with its parts separated by ``|``, as the hint says. With an answers file the run is scripted
(demos, tests).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.conversation.conversations import Turn
from bot.conversation.words import bare_command, looks_like_command
from bot.engine import answers as answer_parsing
from bot.engine.model import Step
from bot.errors import ActionRefused, AnswerRejected
from bot.services import Services

class EndOfInput(Exception):
    """The person closed the input (Ctrl-D): everything so far is saved."""


class TerminalSession:
    def __init__(self, services: Services, user_id: str, *, read: Callable[[str], str] = input,
                 write: Callable[[str], None] = print):
        self.services = services
        self.conversations = services.conversations
        self.user_id = user_id
        self._read = read
        self.write = write

    def say(self, name: str, *args: Any) -> str:
        """A message from ``prompts/terminal/messages.j2`` (one macro per message)."""
        module = self.services.renderer.plain.get_template("terminal/messages.j2").module
        return str(getattr(module, name)(*args))

    def read(self, prompt: str) -> str:
        try:
            return self._read(prompt)
        except EOFError:
            raise EndOfInput() from None

    # -- shared --------------------------------------------------------------------------

    def _render(self, source: str, turn: Turn) -> str:
        return self.services.renderer.render_string(source, self.conversations.template_context(turn.run), plain=True)

    def _show_question(self, turn: Turn) -> None:
        step = turn.question
        progress = self.conversations.progress(turn)
        counter = self.say("counter", progress.core, progress.position, progress.total)
        self.write("")
        self.write(f"{counter} {self._render(step.ask, turn)}")
        if step.help:
            self.write(f"    {self._render(step.help, turn)}")
        for number, option in enumerate(step.options, 1):
            hint = f" — {option.hint}" if option.hint else ""
            self.write(f"    {number}. {option.label}{hint}")
        offered = self.conversations.suggestion(turn)
        self.write("    " + self.say("hints", answer_parsing.expected(step), offered[1] if offered else None,
                                     not step.required, step.type == "list"))
        previous = turn.state.answers.get(step.id)
        if previous is not None and step.id not in turn.state.skipped:
            self.write("    " + self.say("current_answer", answer_parsing.format_answer(step, previous)))

    def _question_label(self, turn: Turn, step: Step) -> str:
        text = " ".join(self._render(step.ask, turn).split())
        return text if len(text) <= 70 else text[:69] + "…"

    def _review_lines(self, turn: Turn) -> list[str]:
        lines = []
        for number, item in enumerate(self.conversations.review(turn.run), 1):
            text = "(skipped)" if item.skipped else item.display.replace("\n", "\n      ")
            lines.append(f"  {number:>2}. {self._question_label(turn, item.step)}\n      {text}")
        return lines

    def _confirm(self, prompt: str, *, default: bool) -> bool:
        """A real yes/no: anything else is asked again, never taken as an answer."""
        while True:
            choice = self.read(prompt).strip().lower()
            if choice in ("y", "yes") or (not choice and default):
                return True
            if choice in ("n", "no") or (not choice and not default):
                return False
            self.write(self.say("yes_or_no"))

    def _finish(self, turn: Turn) -> int:
        submitted = self.services.submissions.submit(turn.run.id, self.user_id, deliver=False)
        self.write("")
        self.write(submitted.summary)
        self.write("")
        self.write(self.say("saved_as", submitted.run.id))
        return 0

    def _start(self, playbook_id: str, *, start_over: bool, prefill: str | None) -> Turn:
        started = self.conversations.start(playbook_id, self.user_id, source="terminal", start_over=start_over,
                                           prefill=prefill)
        if started.resumed_existing is not None:
            run = started.resumed_existing
            title = started.turn.playbook.title
            self.write(self.say("resume_offer", title, run.started_at, len(run.answers)))
            if self._confirm(self.say("resume_prompt"), default=True):
                return started.turn
            started = self.conversations.start(playbook_id, self.user_id, source="terminal", start_over=True,
                                               prefill=prefill)
            self.write(self.say("started_over", title, len(run.answers)))
        self.write(self._render(started.turn.playbook.intro, started.turn))
        if started.prefill_error:
            self.write(self.say("prefill_rejected", repr(prefill), started.prefill_error))
        return started.turn

    # -- interactive ---------------------------------------------------------------------

    def run_interactive(self, playbook_id: str, *, prefill: str | None = None) -> int:
        try:
            turn = self._start(playbook_id, start_over=False, prefill=prefill)
            while True:
                if turn.question is None:
                    outcome = self._review(turn)
                    if isinstance(outcome, int):
                        return outcome
                    turn = outcome
                    continue
                turn = self._ask(turn)
                if turn is None:
                    return 0
        except EndOfInput:
            self.write("\n" + self.say("saved_for_later"))
            return 0

    def _ask(self, turn: Turn) -> Turn | None:
        self._show_question(turn)
        step = turn.question
        while True:
            raw = self._read_list(turn) if step.type == "list" else self.read("> ")
            word = bare_command(raw)
            try:
                if word == "cancel":
                    if not self._confirm(self.say("cancel_prompt", turn.playbook.title), default=False):
                        self.write(self.say("not_cancelled"))
                        continue
                    self.conversations.cancel(turn.run.id, self.user_id)
                    self.write(self.say("cancelled"))
                    return None
                if word == "back":
                    return self.conversations.back(turn.run.id, self.user_id)
                if word == "skip":
                    return self.conversations.skip(turn.run.id, self.user_id)
                if word == "review":
                    self.write("\n".join(self._review_lines(turn)))
                    continue
                if word in ("help", "submit", "edit"):
                    self.write(self.say("help"))
                    continue
                if looks_like_command(raw) and not self._confirm(self.say("command_in_answer", raw.strip()),
                                                                 default=False):
                    self.write(self.say("help"))
                    continue
                result = self.conversations.answer(turn.run.id, self.user_id, raw, step_id=step.id)
            except (AnswerRejected, ActionRefused) as exc:
                self.write(f"  ✗ {exc.message}")
                continue
            for warning in result.warnings:
                self.write(f"  ! {warning}")
            return result

    def _read_list(self, turn: Turn) -> str:
        """A list in the one format the question names: one item per line, parts separated by |,
        an empty line to finish. Each line is checked as it is typed, so a bad field is reported
        at once and only that item is typed again."""
        step = turn.question
        rules = step.validation
        least = max(1, rules.min_items or 0)
        lines: list[str] = []
        while True:
            line = self.read(self.say("list_prompt", len(lines) + 1)).strip()
            if not lines and (bare_command(line) or looks_like_command(line)):
                return line
            if not line:
                if len(lines) >= least:
                    return "\n".join(lines)
                self.write(self.say("list_too_short", least, answer_parsing.expected(step), not step.required))
                continue
            try:
                self.conversations.check_list_item(turn, line, len(lines) + 1)
            except AnswerRejected as exc:
                self.write(f"  ✗ {exc.message}")
                continue
            lines.append(line)
            if rules.max_items is not None and len(lines) >= rules.max_items:
                return "\n".join(lines)

    def _review(self, turn: Turn) -> Turn | int:
        self.write("")
        self.write(self.say("review_title"))
        self.write("\n".join(self._review_lines(turn)))
        missing = self.conversations.missing(turn.run)
        if missing:
            self.write(self.say("still_needed", [self._question_label(turn, step) for step in missing]))
        command = self.read(self.say("review_prompt")).strip().lower()
        items = self.conversations.review(turn.run)
        try:
            if command in ("submit", "s", ""):
                return self._finish(turn)
            if command == "back":
                return self.conversations.back(turn.run.id, self.user_id)
            if command == "cancel":
                if not self._confirm(self.say("cancel_prompt", turn.playbook.title), default=False):
                    self.write(self.say("not_cancelled"))
                    return turn
                self.conversations.cancel(turn.run.id, self.user_id)
                self.write(self.say("cancelled"))
                return 0
            if command.startswith("edit"):
                number = command.removeprefix("edit").strip()
                if number.isdigit() and 1 <= int(number) <= len(items):
                    return self.conversations.edit(turn.run.id, self.user_id, items[int(number) - 1].step.id)
                self.write(self.say("edit_which", len(items)))
                return turn
        except ActionRefused as exc:
            self.write(f"  ✗ {exc.message}")
            return turn
        self.write(self.say("not_understood"))
        return turn

    # -- scripted ------------------------------------------------------------------------

    def run_scripted(self, playbook_id: str, given: Mapping[str, Any]) -> int:
        """Answer from a mapping of step id → raw answer; stop with a clear error at the first misfit."""
        turn = self.conversations.start(playbook_id, self.user_id, source="terminal", start_over=True).turn
        unknown = set(given) - {step.id for step in turn.playbook.steps}
        if unknown:
            self.write(self.say("unknown_steps", playbook_id, sorted(unknown)))
            return 1
        for _ in range(len(turn.playbook.steps) * 2 + 2):
            step = turn.question
            if step is None:
                return self._finish(turn)
            raw = given.get(step.id)
            try:
                if raw is None or (isinstance(raw, str) and raw.strip().lower() == "skip"):
                    if not step.required:
                        turn = self.conversations.skip(turn.run.id, self.user_id)
                        continue
                    if step.default is None:
                        self.write(self.say("missing_required", step.id, answer_parsing.expected(step)))
                        return 1
                turn = self.conversations.answer(turn.run.id, self.user_id, raw, step_id=step.id)
            except AnswerRejected as exc:
                self.write(self.say("rejected", step.id, exc.message))
                return 1
        self.write(self.say("looping"))
        return 1
