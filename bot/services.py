"""Wiring: builds the store, playbooks, teams, renderer and services from settings.

The only module that knows every layer. Nothing here runs at import time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.conversation.chat import Chat
from bot.config import Settings
from bot.conversation.conversations import Conversations
from bot.engine.loader import load_playbooks
from bot.engine.model import Playbook
from bot.errors import ConfigFilesInvalid
from bot.render.templates import Renderer
from bot.store.db import Store, open_store
from bot.conversation.submissions import Submissions
from bot.files.teams import Teams, load_teams
from bot.files.validate import check_templates


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
    /recover's arithmetic, and /graceful-no's category suggested from the customer's words."""
    from bot.domain import graceful, recovery

    return {"recovery_plan": recovery.plan_values, "suggest_reason": graceful.suggest_reason}


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
    chat: Chat
    sender: object | None = None  # OutboxSender, when Slack is configured
    worker: object | None = None  # OutboxWorker, when serving
    background: list = field(default_factory=list)
    dispatcher: object | None = None  # ReminderDispatcher
    # Scheduled tasks: callables taking the current UTC time, run by the ticker in `rebound serve`
    # each claims its work in SQLite, so two instances never act twice.
    tick_tasks: list = field(default_factory=list)
    # Weekly summary sections contributed by flows: see bot.flows.hooks.SectionProvider.
    summary_sections: list = field(default_factory=list)

    def tick(self, now=None) -> list[str]:
        """Run every scheduled task once (reminders, summaries ...); returns error references."""
        from bot import clock
        from bot.jobs.ticker import Ticker

        return Ticker(1, self.tick_tasks).tick_once(now or clock.now())

    def wake(self) -> None:
        """Nudge the outbox worker after queueing (no-op in tests, which drain explicitly)."""
        if self.worker is not None:
            self.worker.wake()

    def drain(self, limit: int = 200):
        """Send everything due now (tests and `rebound outbox drain`)."""
        return self.sender.drain(limit=limit)

    def close(self) -> None:
        for thing in reversed(self.background):
            thing.stop()
        self.store.close()


def build_services(settings: Settings, *, teams_required: bool = False, slack: bool = False) -> Services:
    """Validate every edited file up front (all problems at once), then open and migrate the database."""
    provide_expression_functions()
    playbooks = load_playbooks(settings.playbooks_dir)
    renderer = Renderer(settings.prompts_dir, extra_globals=template_globals())
    problems = check_templates(renderer, playbooks)
    if problems:
        raise ConfigFilesInvalid(problems)
    teams = load_teams(settings.teams_path, required=teams_required)
    store = open_store(settings.db_path)
    conversations = Conversations(store, playbooks, teams)
    submissions = Submissions(conversations, renderer, teams)
    chat = Chat(conversations, submissions, renderer, teams)
    services = Services(settings, store, playbooks, teams, renderer, conversations, submissions, chat)
    chat.wake = services.wake
    from bot.flows import register_all
    from bot.jobs.reminders import ReminderDispatcher

    services.dispatcher = ReminderDispatcher(services)
    services.tick_tasks.append(services.dispatcher.tick)
    register_all(services)
    if slack:
        from bot.outbox.sender import OutboxSender, build_client

        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
        services.sender = OutboxSender(store, build_client(token, base_url=settings.slack_api_url, timeout=15))
        # A post Slack refuses for a fixable reason (not_in_channel ...) is told to the team's managers.
        from bot.outbox.notices import FailureNotices

        services.sender.on_failure.append(FailureNotices(store, teams, renderer))
    return services


TICK_SECONDS = 30


def start_background(services: Services) -> None:
    """The outbox worker (and, once registered, the scheduler ticker) for a running server."""
    from bot.outbox.worker import OutboxWorker

    from bot.jobs.ticker import Ticker

    worker = OutboxWorker(services.sender).start()
    services.worker = worker
    services.background.append(worker)
    ticker = Ticker(TICK_SECONDS, services.tick_tasks)
    ticker.start()
    services.background.append(ticker)
