"""The conversation service: one person's pass through a playbook, persisted at every step.

The terminal and Slack call the same methods. Each method loads the run from SQLite, asks
the pure engine for the next state, and stores the result in one transaction, so a crash or
restart resumes exactly where the person was. Ownership is checked here, once, for every
surface: a person acts only on their own runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from bot import clock
from bot.engine import answers as answer_parsing
from bot.engine import forms, runner
from bot.engine.model import Playbook, Step
from bot.errors import ActionRefused, AnswerRejected, Forbidden, NotFound
from bot.store import runs as run_store
from bot.store.db import Store
from bot.store.runs import ActiveRunExists, Run
from bot.files.teams import Teams


@dataclass
class Turn:
    """What a surface needs to show next: the run, the question on screen (None at review)."""

    run: Run
    playbook: Playbook
    state: runner.RunState
    question: Step | None
    answered: str | None = None
    value: Any = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class Started:
    turn: Turn
    resumed_existing: Run | None = None  # set when an active run already existed (offer Resume / Start over)
    prefill_error: str | None = None


class Conversations:
    def __init__(self, store: Store, playbooks: Mapping[str, Playbook], teams: Teams,
                 today: Callable[[str | None], date] = clock.today_in):
        self.store = store
        self.playbooks = playbooks
        self.teams = teams
        self._today = today

    # -- lookups ---------------------------------------------------------------------------

    def playbook(self, playbook_id: str) -> Playbook:
        try:
            return self.playbooks[playbook_id]
        except KeyError:
            raise NotFound("playbook", playbook_id) from None

    def playbook_for_command(self, command: str) -> Playbook:
        for playbook in self.playbooks.values():
            if playbook.command == command:
                return playbook
        raise NotFound("command", command)

    def load(self, run_id: str, user_id: str, *, allow_view: bool = False) -> Run:
        """The run, if ``user_id`` owns it (or, with ``allow_view``, may see it as manager/head)."""
        run = run_store.get_run(self.store, run_id)
        if run.user_id != user_id and not (allow_view and self.teams.can_see(user_id, run.user_id, run.team)):
            raise Forbidden(user_id, run_id)
        return run

    def env_for(self, run: Run | None, user_id: str | None = None) -> dict[str, Any]:
        """What expressions may read besides answers: today in the team's zone and the team's settings."""
        team = None
        if run is not None and run.team:
            team = self.teams.get(run.team)
        elif user_id is not None:
            team = self.teams.team_of(user_id)
        settings = {"currency": "USD", "coverage_multiple": 3.0, "max_pilot_days": 90, "asked_factors": []}
        if team is not None:
            settings = {"currency": team.currency, "coverage_multiple": team.coverage_multiple,
                        "max_pilot_days": team.max_pilot_days,
                        # the team's own ranking factors rated per opportunity (teams file, `source: asked`)
                        "asked_factors": [{"id": f.name, "label": f.shown} for f in team.factors if f.source == "asked"]}
        return {"today": self._today(team.timezone if team else None).isoformat(), "settings": settings,
                # A run started from a CRM deal shows the deal's facts (account, close date, id) it was prefilled with.
                "from_crm": bool(run is not None and run.meta.get("crm_deal"))}

    def state_of(self, run: Run) -> runner.RunState:
        return runner.RunState(answers=run.answers, skipped=frozenset(run.skipped), cursor=run.cursor,
                               env=self.env_for(run))

    def turn(self, run: Run, **extra: Any) -> Turn:
        playbook = self.playbook(run.playbook)
        state = self.state_of(run)
        question = runner.current(playbook, state) if run.active else None
        return Turn(run, playbook, state, question, **extra)

    def today_for(self, run: Run) -> date:
        team = self.teams.get(run.team) if run.team else None
        return self._today(team.timezone if team else None)

    def currency_for(self, run: Run) -> str:
        team = self.teams.get(run.team) if run.team else None
        return team.currency if team else "USD"

    # -- actions ---------------------------------------------------------------------------

    def start(self, playbook_id: str, user_id: str, *, source: str = "terminal", prefill: str | None = None,
              start_over: bool = False, meta: Mapping[str, Any] | None = None,
              prefill_answers: Mapping[str, Any] | None = None) -> Started:
        """Start a run; if one is active already, return it (the surface offers Resume / Start over)."""
        playbook = self.playbook(playbook_id)
        existing = run_store.find_active(self.store, user_id, playbook_id)
        if existing is not None:
            if not start_over:
                return Started(self.turn(existing), resumed_existing=existing)
            run_store.mark_cancelled(self.store, existing.id)
        team = self.teams.team_of(user_id)
        state = runner.start(playbook, self.env_for(None, user_id))
        try:
            run = run_store.create_run(
                self.store, playbook=playbook.id, playbook_version=playbook.version, user_id=user_id,
                team=team.id if team else None, cursor=state.cursor, source=source, meta=meta,
            )
        except ActiveRunExists as exc:  # a double click raced us: treat like an existing run
            return Started(self.turn(exc.run), resumed_existing=exc.run)
        for step_id, raw in (prefill_answers or {}).items():
            run = self._prefill_step(run, step_id, raw)
        prefill_error = None
        if prefill and prefill.strip():
            turn = self.turn(run)
            if turn.question is not None and turn.question.type in ("text", "long_text", "currency", "number", "date",
                                                                     "choice", "user"):
                try:
                    turn = self.answer(run.id, user_id, prefill)
                    run = turn.run
                except runner.AnswerRejected as exc:
                    prefill_error = exc.message
        return Started(self.turn(run), prefill_error=prefill_error)

    def _prefill_step(self, run: Run, step_id: str, raw: Any) -> Run:
        """Answer a step from another run's facts (a debrief prefilled from a pilot); a misfit is left for the person."""
        playbook = self.playbook(run.playbook)
        state = self.state_of(run)
        if step_id not in {q.id for q in runner.visible_questions(playbook, state)}:
            return run
        try:
            result = runner.answer(playbook, runner.edit(playbook, state, step_id), raw,
                                   today=self.today_for(run), default_currency=self.currency_for(run))
        except (runner.AnswerRejected, ActionRefused):
            return run
        cursor = runner.next_question(playbook, result.state)
        run_store.save_answer(self.store, run.id, step_id, result.value,
                              cursor=cursor.id if cursor else None, skipped=result.state.skipped)
        return run_store.get_run(self.store, run.id)

    def _active(self, run_id: str, user_id: str) -> tuple[Run, Playbook, runner.RunState]:
        run = self.load(run_id, user_id)
        if not run.active:
            raise ActionRefused(run.status, f"This {self.playbook(run.playbook).title.lower()} is already {run.status}.")
        return run, self.playbook(run.playbook), self.state_of(run)

    def answer(self, run_id: str, user_id: str, raw: Any, *, step_id: str | None = None) -> Turn:
        """Answer the question on screen. ``step_id`` (from a button) must match it, so a stale click is refused."""
        run, playbook, state = self._active(run_id, user_id)
        on_screen = runner.current(playbook, state)
        if step_id is not None and (on_screen is None or on_screen.id != step_id):
            raise ActionRefused("stale", "That question was already answered.")
        result = runner.answer(playbook, state, raw, today=self.today_for(run), default_currency=self.currency_for(run))
        run_store.save_answer(self.store, run.id, result.step_id, result.value,
                              cursor=result.state.cursor, skipped=result.state.skipped)
        return self.turn(run_store.get_run(self.store, run.id), answered=result.step_id, value=result.value,
                         warnings=result.warnings)

    def answer_page(self, run_id: str, user_id: str, form_id: str, raw: Mapping[str, Any], *,
                    partial: bool = False) -> tuple[Turn, forms.PageResult]:
        """Answer a form page at once (``bot.engine.forms.answer_page``) and store every answer as a DM
        answer is stored, with its history; nothing is stored when a field fails, unless ``partial``
        (a page closed or left with Back keeps what parsed). The cursor stays on the page."""
        run, playbook, state = self._active(run_id, user_id)
        form = self._form(playbook, form_id)
        result = forms.answer_page(playbook, state, form, raw, today=self.today_for(run),
                                   default_currency=self.currency_for(run), partial=partial)
        if result.saved or result.skipped:
            new_state = result.state
            with self.store.transaction():
                for step_id, value in result.saved.items():
                    run_store.save_answer(self.store, run.id, step_id, value, cursor=state.cursor,
                                          skipped=new_state.skipped)
                for step_id in result.skipped:
                    run_store.save_position(self.store, run.id, cursor=state.cursor, skipped=new_state.skipped,
                                            drop_answer=step_id)
        return self.turn(run_store.get_run(self.store, run.id), warnings=result.warnings), result

    def move_to(self, run_id: str, user_id: str, step_id: str | None) -> Turn:
        """Put the cursor on ``step_id`` (a form page's first step), or on the next unanswered question."""
        run, playbook, state = self._active(run_id, user_id)
        new_state = runner.edit(playbook, state, step_id) if step_id else replace(
            state, cursor=(lambda step: step.id if step else None)(runner.next_question(playbook, state)))
        run_store.save_position(self.store, run.id, cursor=new_state.cursor, skipped=new_state.skipped)
        return self.turn(run_store.get_run(self.store, run.id))

    @staticmethod
    def _form(playbook: Playbook, form_id: str):
        try:
            return playbook.form(form_id)
        except KeyError:
            raise ActionRefused("stale", "That form isn't part of this conversation any more.") from None

    def skip(self, run_id: str, user_id: str) -> Turn:
        run, playbook, state = self._active(run_id, user_id)
        skipped_step = runner.current(playbook, state)
        new_state = runner.skip(playbook, state)
        run_store.save_position(self.store, run.id, cursor=new_state.cursor, skipped=new_state.skipped,
                                drop_answer=skipped_step.id if skipped_step else None)
        return self.turn(run_store.get_run(self.store, run.id))

    def back(self, run_id: str, user_id: str) -> Turn:
        run, playbook, state = self._active(run_id, user_id)
        new_state = runner.back(playbook, state)
        run_store.save_position(self.store, run.id, cursor=new_state.cursor, skipped=new_state.skipped)
        return self.turn(run_store.get_run(self.store, run.id))

    def edit(self, run_id: str, user_id: str, step_id: str) -> Turn:
        run, playbook, state = self._active(run_id, user_id)
        new_state = runner.edit(playbook, state, step_id)
        run_store.save_position(self.store, run.id, cursor=new_state.cursor, skipped=new_state.skipped)
        return self.turn(run_store.get_run(self.store, run.id))

    def cancel(self, run_id: str, user_id: str) -> Run:
        run = self.load(run_id, user_id)
        run_store.mark_cancelled(self.store, run.id)
        return run_store.get_run(self.store, run.id)

    def review(self, run: Run) -> list[runner.ReviewItem]:
        return runner.review(self.playbook(run.playbook), self.state_of(run))

    def missing(self, run: Run) -> list[Step]:
        return runner.missing_required(self.playbook(run.playbook), self.state_of(run))

    def values(self, run: Run) -> dict[str, Any]:
        return runner.final_values(self.playbook(run.playbook), self.state_of(run))

    def suggestion(self, turn: Turn) -> tuple[str, str] | None:
        """The answer an empty reply stands for, as (what to send, what to show): the step's default
        or its ``suggest:`` ("Usually Pepper Potts"), when it parses; None when nothing is offered."""
        step = turn.question
        if step is None:
            return None
        offered = runner.suggestion(turn.playbook, turn.state, step)
        if offered is None:
            return None
        try:
            value = answer_parsing.parse_answer(step, offered, today=self.today_for(turn.run),
                                                earlier=runner.context(turn.playbook, turn.state),
                                                default_currency=self.currency_for(turn.run))
        except AnswerRejected:
            return None
        if isinstance(offered, bool):
            raw = "yes" if offered else "no"
        else:
            raw = str(offered)
        # A default is shown as written ("next quarter"); a suggestion as its answer ("Budget").
        return raw, raw if step.default is not None else answer_parsing.format_answer(step, value)

    def progress(self, turn: Turn) -> runner.Progress | None:
        """Where the question on screen sits: core questions counted apart from optional ones."""
        if turn.question is None:
            return None
        return runner.progress(turn.playbook, turn.state, turn.question)

    def check_list_item(self, turn: Turn, raw: str, number: int) -> dict[str, Any]:
        """One typed item of the list question on screen, checked alone (AnswerRejected names the field)."""
        step = turn.question
        if step is None or step.type != "list":
            raise ActionRefused("not_a_list", "The question on screen doesn't take a list.")
        return answer_parsing.parse_list_item(step, raw, number, today=self.today_for(turn.run),
                                              earlier=runner.context(turn.playbook, turn.state),
                                              default_currency=self.currency_for(turn.run))

    def template_context(self, run: Run) -> dict[str, Any]:
        """Everything a summary template may use: answers and computed values by id, their display
        text, the run, the team and the playbook."""
        playbook = self.playbook(run.playbook)
        state = self.state_of(run)
        ctx = runner.context(playbook, state)
        team = self.teams.get(run.team) if run.team else None
        ctx.update(
            display=runner.display_values(playbook, state),
            run={"id": run.id, "user_id": run.user_id, "team": run.team, "started_at": run.started_at,
                 "submitted_at": run.submitted_at, "status": run.status},
            team={"id": team.id, "name": team.name} if team else None,
            playbook={"id": playbook.id, "title": playbook.title},
        )
        return ctx
