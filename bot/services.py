"""Wiring: builds the store, playbooks, teams, renderer and services from settings.

The only module that knows every layer. Nothing here runs at import time.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot import ids
from bot.config import Settings
from bot.conversation.chat import Chat
from bot.conversation.conversations import Conversations
from bot.conversation.forms import Forms
from bot.conversation.home import Home
from bot.conversation.screens import Screens
from bot.conversation.slack_calls import SlackCalls
from bot.conversation.submissions import Submissions
from bot.conversation.team_settings import TeamSettings
from bot.engine.loader import load_playbooks
from bot.engine.model import Playbook
from bot.errors import ConfigFilesInvalid
from bot.files.teams import Teams, load_teams
from bot.files.validate import check_templates
from bot.flows.hooks import Flow, FlowTools, Hooks, SectionProvider
from bot.jobs.claims import StaleClaims
from bot.jobs.reminders import ReminderDispatcher
from bot.jobs.threads import AckPriority
from bot.jobs.ticker import Task as TickTask
from bot.jobs.ticker import Ticker
from bot.render.templates import Renderer
from bot.store import settings as settings_store
from bot.store.db import Store, open_store

if TYPE_CHECKING:  # the outbox brings slack_sdk; imported only when Slack is configured
    from bot.outbox.sender import OutboxSender
    from bot.outbox.worker import OutboxWorker
    from bot.slack.inbox_worker import InboxWorker


def template_globals() -> dict:
    """Domain helpers templates may call (formatting stays in templates; the maths lives in domain/)."""
    from bot.domain import graceful, taxonomy

    return {
        "coaching_focus": taxonomy.coaching_focus,
        "manager_questions": taxonomy.manager_questions,
        "lint_reply": graceful.lint_reply,
    }


def expression_functions() -> dict:
    """Domain maths playbooks' ``when:`` and ``compute:`` may call (the engine knows no sales words):
    /recover's arithmetic, and /graceful-no's category suggested from the customer's words and
    its check-back read from their timing."""
    from bot.domain import checkback, graceful, recovery

    return {"recovery_plan": recovery.plan_values, "suggest_reason": graceful.suggest_reason,
            "check_back_from_timing": checkback.check_back_iso}


def provide_expression_functions() -> None:
    """Hand :func:`expression_functions` to the engine; every entry point calls it before loading playbooks."""
    from bot.engine import conditions

    conditions.provide_functions(expression_functions())


@dataclass
class Services:
    settings: Settings
    store: Store
    playbooks: dict[str, Playbook]
    teams: Teams
    renderer: Renderer
    conversations: Conversations
    submissions: Submissions
    screens: Screens
    chat: Chat
    home: Home
    dispatcher: ReminderDispatcher
    tools: FlowTools  # what flows are built with (their jobs too, when the CLI runs one)
    hooks: Hooks  # every flow's extensions, merged (bot.flows.hooks)
    # Scheduled tasks: callables taking the current UTC time, run by the ticker in `rebound serve`;
    # each claims its work in SQLite, so two instances never act twice.
    tick_tasks: list[TickTask] = field(default_factory=list)
    sender: OutboxSender | None = None  # when Slack is configured
    worker: OutboxWorker | None = None  # when serving
    inbox: InboxWorker | None = None  # once create_app built the Bolt app it replays requests through
    background: list[OutboxWorker | Ticker | InboxWorker] = field(default_factory=list)
    forms: Forms | None = None  # form pages as modals
    team_settings: TeamSettings | None = None  # the managers' settings modal (App Home)
    acks: AckPriority = field(default_factory=AckPriority)  # requests being acknowledged go first
    _inbox_store: Store | None = field(default=None, repr=False)
    _inbox_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def inbox_store(self) -> Store:
        """The inbox file beside the database (:mod:`bot.store.inbox`), opened on first use; the
        requests an older database kept in its own ``inbox`` table move there then."""
        with self._inbox_lock:
            if self._inbox_store is None:
                from bot.store import inbox

                self._inbox_store = open_store(self.settings.inbox_db_path, inbox.INBOX_MIGRATIONS)
                inbox.adopt(self.store, self._inbox_store)
            return self._inbox_store

    @property
    def slack_calls(self) -> SlackCalls:
        """views.open and file reads, made during a request; create_app fills them in."""
        return self.tools.slack

    @property
    def summary_sections(self) -> list[SectionProvider]:
        """Every flow's weekly-summary sections (the list the debrief's weekly summary reads)."""
        return self.hooks.summary_sections

    def tick(self, now: datetime | None = None) -> list[str]:
        """Run every scheduled task once (reminders, summaries ...); returns error references."""
        from bot import clock

        return Ticker(1, self.tick_tasks).tick_once(now or clock.now())

    def wake(self) -> None:
        """Nudge the outbox worker after queueing (no-op in tests, which drain explicitly)."""
        if self.worker is not None:
            self.worker.wake()

    def drain(self, limit: int = 200):
        """Work the inbox's ready requests, then send everything due now (tests and `rebound outbox drain`)."""
        if self.inbox is not None:
            self.inbox.drain()
        return self.sender.drain(limit=limit)

    def close(self) -> None:
        for thing in reversed(self.background):
            thing.stop()
        if self._inbox_store is not None:
            self._inbox_store.close()
        self.store.close()


def build_services(settings: Settings, *, teams_required: bool = False, slack: bool = False,
                   flows: Sequence[Flow] | None = None) -> Services:
    """Open and migrate the database, then validate every edited file (all problems at once; the
    rule checks only when the files, or Rebound, changed since they last passed), then wire it all.

    ``flows`` defaults to every package of :mod:`bot.flows` (tests plug in one of their own)."""
    provide_expression_functions()
    store = open_store(settings.db_path)
    try:
        playbooks, renderer = _checked_files(settings, store)
        teams = load_teams(settings.teams_path, required=teams_required)
    except BaseException:
        store.close()
        raise
    teams.use_overrides(lambda: {team: {name: o.value for name, o in found.items()}
                                 for team, found in settings_store.overrides(store).items()})
    team_settings = TeamSettings(store, teams, wake=lambda: services.wake())
    conversations = Conversations(store, playbooks, teams)
    submissions = Submissions(conversations, renderer, teams)
    screens = Screens(conversations, renderer)

    def wake() -> None:
        services.wake()  # bound below; nothing queues before the services exist

    hooks = Hooks()
    tools = FlowTools(store, playbooks, teams, renderer, conversations, submissions, screens, wake,
                      summary_sections=hooks.summary_sections)
    for name, flow in _flows(flows):
        hooks.add(flow.extensions(tools), flow=name)
    # Every flow's extensions go in here, and nowhere else.
    submissions.after_submit = hooks.after_submit
    screens.review_notes = hooks.review_notes
    forms = Forms(conversations, screens, calls=tools.slack, wake=wake)
    chat = Chat(conversations, submissions, screens, teams, wake=wake, actions=hooks.actions,
                subcommands=hooks.subcommands, prefills=hooks.prefills, after_summary=hooks.after_summary,
                forms=forms, modals=hooks.modals, plain_actions={ids.SETTINGS: team_settings.open},
                offers=hooks.offers)
    home = Home(conversations, renderer, teams, hooks.home_sections, wake=wake,
                starts=[(hook.label, hook.playbook) for hook in sorted(hooks.home_starts.values(), key=lambda h: h.order)],
                open_items=hooks.open_items)
    dispatcher = ReminderDispatcher(store, conversations, renderer, submissions, handlers=hooks.reminders, wake=wake)
    services = Services(settings, store, playbooks, teams, renderer, conversations, submissions, screens, chat, home,
                        dispatcher, tools, hooks, tick_tasks=[StaleClaims(store).tick, dispatcher.tick, *hooks.tick_tasks],
                        forms=forms)
    services.team_settings = team_settings
    if slack:
        from bot.outbox.pacing import Pacer
        from bot.outbox.sender import OutboxSender, build_client

        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
        # Paced to Slack's tiers (bot/outbox/tiers.py) before Slack has to refuse a call.
        services.sender = OutboxSender(store, build_client(token, base_url=settings.slack_api_url, timeout=15),
                                       pacer=Pacer())
        # A post Slack refuses for a fixable reason (not_in_channel ...) is told to the team's managers.
        from bot.outbox.notices import FailureNotices

        services.sender.on_failure.append(FailureNotices(store, teams, renderer))
    return services


def _checked_files(settings: Settings, store: Store) -> tuple[dict[str, Playbook], Renderer]:
    """The playbooks and the prompts, checked: every rule, unless these very files (and this
    very code) passed them before, when the schema is checked alone (bot.files.fingerprint)."""
    from bot.files.fingerprint import fingerprint
    from bot.files.taxonomy_options import check_taxonomy_options
    from bot.store import checked

    files_print = fingerprint([settings.playbooks_dir, settings.prompts_dir])
    known_good = checked.passed(store, files_print)
    playbooks = load_playbooks(settings.playbooks_dir, rules=not known_good)
    renderer = Renderer(settings.prompts_dir, extra_globals=template_globals())
    if not known_good:
        problems = check_templates(renderer, playbooks) + check_taxonomy_options(playbooks, settings.playbooks_dir)
        if problems:
            raise ConfigFilesInvalid(problems)
        checked.remember(store, files_print)
    return playbooks, renderer


def _flows(flows: Sequence[Flow] | None) -> list[tuple[str, Flow]]:
    from bot.flows import load_flows

    chosen = load_flows() if flows is None else list(flows)
    return [(getattr(flow, "__name__", None) or type(flow).__name__, flow) for flow in chosen]


TICK_SECONDS = 30
# Threads sending the outbox. Each waits ~50 ms on Slack per call, so the count caps calls a
# second (4 gave ~67/s; 50 reps starting at once queue ~150 calls, whose first questions then
# took 2.4 s at p95); 12 keep that under a second on 2 cores. Pacing to Slack's tiers is the outbox's.
OUTBOX_THREADS = 12
SWITCH_INTERVAL_SECONDS = 0.001


def start_background(services: Services, *, inbox_threads: int | None = None) -> None:
    """The outbox worker, the scheduler ticker and the inbox workers for a running server."""
    import sys

    from bot.outbox.worker import OutboxWorker

    # Hand the interpreter lock over every 1 ms instead of 5: a request thread waiting to
    # acknowledge then waits behind a worker's CPU-bound work for 1 ms at a time, not 5.
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    worker = OutboxWorker(services.sender, threads=OUTBOX_THREADS, acks=services.acks).start()
    services.worker = worker
    services.background.append(worker)
    ticker = Ticker(TICK_SECONDS, services.tick_tasks)
    ticker.start()
    services.background.append(ticker)
    if services.inbox is not None:  # requests acknowledged before a restart are worked now
        services.background.append(services.inbox.start(inbox_threads))
