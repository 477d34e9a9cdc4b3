"""The extension points every flow may use, declared once.

A flow is a package of :mod:`bot.flows` whose ``__init__`` names its playbook and builds its
extensions (the :class:`Flow` protocol). It is handed the collaborators it may use
(:class:`FlowTools`), never the services object, and returns a :class:`FlowExtensions`: plain
records of what it adds. :func:`bot.services.build_services` collects every flow's records and
wires them into the chat, the submit, the App Home, the reminders and the ticker in one place,
refusing two flows that claim the same button, subcommand, prefill, review note or reminder kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from bot.conversation.chat import (ActionHandler, AfterSummary, CommandOffer, ModalView, PrefillProvider,
                                    SubcommandHandler, ViewHandler)
from bot.conversation.conversations import Conversations
from bot.conversation.home import HomeProvider, OpenItemsProvider
from bot.conversation.screens import ReviewNote, Screens
from bot.conversation.slack_calls import SlackCalls
from bot.conversation.submissions import AfterSubmit, Submissions
from bot.engine.model import Playbook
from bot.files.teams import Team, Teams
from bot.jobs.reminders import ReminderHandler
from bot.jobs.ticker import Task as TickTask
from bot.render.templates import Renderer
from bot.store.db import Store


@dataclass
class SummarySection:
    """A flow's part of a team's weekly summary (pilots, check-backs, recovery progress)."""

    key: str  # "pilots", "checkbacks", "recovery" ...
    title: str
    template: str  # under prompts/, rendered with ``context`` (escaping environment)
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50  # sections are shown by ascending order


# provider(team, week_start_monday, next_monday) -> SummarySection | None: the summary shows pilots
# and recovery progress without knowing how those flows store them.
SectionProvider = Callable[[Team, date, date], "SummarySection | None"]


# -- what a flow may add ------------------------------------------------------------------------

@dataclass(frozen=True)
class ActionHook:
    """A button or menu of the flow's own messages: ``action_id`` (its base, before any ``:``) -> handler."""

    action_id: str
    handler: ActionHandler


@dataclass(frozen=True)
class SubcommandHook:
    """``/<command> <verb> ...`` handled by the flow instead of starting the playbook."""

    command: str
    verb: str
    handler: SubcommandHandler


@dataclass(frozen=True)
class PrefillHook:
    """Answers a bare ``/<command>`` of ``playbook`` starts with (the loss from the latest debrief)."""

    playbook: str
    provider: PrefillProvider


@dataclass(frozen=True)
class OfferHook:
    """What ``/<command> [words]`` of ``playbook`` offers before starting a new run (a deal the CRM
    already sent, matched by the words); the offer returns None to let the run start as usual."""

    playbook: str
    offer: CommandOffer


@dataclass(frozen=True)
class ReviewNoteHook:
    """Extra text on ``playbook``'s review card, just above Submit."""

    playbook: str
    note: ReviewNote


@dataclass(frozen=True)
class ReminderHook:
    """What a reminder of ``kind`` (scheduled by the flow in the reminders table) does when due."""

    kind: str
    handler: ReminderHandler


@dataclass(frozen=True)
class ModalHook:
    """A modal of the flow's own (team weights, review notes, a file upload): opened by a bare
    ``/<command> <verb>`` (from the command's trigger) or by the button ``action_id``; ``view``
    draws it, or returns a :class:`Reply` saying why not; ``submit`` answers its view_submission
    inside Slack's 3 seconds (errors beside fields, another view, or close)."""

    callback_id: str  # starts with "rb_"
    view: ModalView
    submit: ViewHandler
    command: str | None = None
    verb: str | None = None
    action_id: str | None = None


@dataclass(frozen=True)
class HomeStartHook:
    """A button at the top of App Home that starts ``playbook`` in the DM, as its bare slash command would."""

    playbook: str
    label: str  # "Debrief a loss"
    order: int = 50  # buttons are shown by ascending order


@dataclass(frozen=True)
class FlowExtensions:
    """Everything one flow adds beyond asking its playbook's questions. Every field is optional."""

    actions: tuple[ActionHook, ...] = ()
    subcommands: tuple[SubcommandHook, ...] = ()
    prefills: tuple[PrefillHook, ...] = ()
    review_notes: tuple[ReviewNoteHook, ...] = ()
    after_submit: tuple[AfterSubmit, ...] = ()  # inside the submit transaction
    after_summary: tuple[AfterSummary, ...] = ()  # after the rep's summary is queued
    home_sections: tuple[HomeProvider, ...] = ()  # App Home sections for a person
    summary_sections: tuple[SectionProvider, ...] = ()  # weekly-summary sections for a team
    tick_tasks: tuple[TickTask, ...] = ()  # called with the UTC time on every scheduler tick
    reminders: tuple[ReminderHook, ...] = ()
    modals: tuple[ModalHook, ...] = ()
    home_starts: tuple[HomeStartHook, ...] = ()  # App Home's start buttons
    open_items: tuple[OpenItemsProvider, ...] = ()  # lines of a person's "Your open items" in App Home
    offers: tuple[OfferHook, ...] = ()


@dataclass(frozen=True)
class FlowTools:
    """The collaborators a flow may use. The wiring builds one; a flow keeps the parts it needs."""

    store: Store
    playbooks: Mapping[str, Playbook]
    teams: Teams
    renderer: Renderer
    conversations: Conversations
    submissions: Submissions  # where a destination name posts (post_text, destinations)
    screens: Screens  # show a run the flow started (begin) and the bot's shared lines (say)
    wake: Callable[[], None]  # nudge the outbox sender after queueing outside a request
    # Every flow's weekly-summary sections (the debrief's summary shows them all); filled by the wiring.
    summary_sections: Sequence[SectionProvider] = ()
    # The Web API calls made during a request (a modal's uploaded file); filled in by create_app.
    slack: SlackCalls = field(default_factory=SlackCalls)


class Flow(Protocol):
    """What each ``bot.flows.<name>`` package's ``__init__`` declares (a module satisfies it)."""

    PLAYBOOK: str  # the playbook id (file stem under playbooks/) the flow extends

    def extensions(self, tools: FlowTools) -> FlowExtensions: ...


# -- collecting them ----------------------------------------------------------------------------

class HookClash(ValueError):
    """Two flows claim one button, subcommand, prefill, review note or reminder kind."""


@dataclass
class Hooks:
    """Every flow's extensions merged, in the shapes the chat, submit, home and ticker read."""

    actions: dict[str, ActionHandler] = field(default_factory=dict)
    subcommands: dict[tuple[str, str], SubcommandHandler] = field(default_factory=dict)
    prefills: dict[str, PrefillProvider] = field(default_factory=dict)
    review_notes: dict[str, ReviewNote] = field(default_factory=dict)
    after_submit: list[AfterSubmit] = field(default_factory=list)
    after_summary: list[AfterSummary] = field(default_factory=list)
    home_sections: list[HomeProvider] = field(default_factory=list)
    summary_sections: list[SectionProvider] = field(default_factory=list)
    tick_tasks: list[TickTask] = field(default_factory=list)
    reminders: dict[str, ReminderHandler] = field(default_factory=dict)
    modals: dict[str, ModalHook] = field(default_factory=dict)  # callback id -> hook
    home_starts: dict[str, HomeStartHook] = field(default_factory=dict)  # playbook id -> its button
    open_items: list[OpenItemsProvider] = field(default_factory=list)
    offers: dict[str, CommandOffer] = field(default_factory=dict)

    def add(self, extensions: FlowExtensions, *, flow: str = "a flow") -> None:
        """Merge one flow's records; a key another flow already claimed raises :class:`HookClash`."""
        for hook in extensions.actions:
            _claim(self.actions, hook.action_id, hook.handler, flow, "button")
        for hook in extensions.subcommands:
            _claim(self.subcommands, (hook.command, hook.verb.lower()), hook.handler, flow, "subcommand")
        for hook in extensions.prefills:
            _claim(self.prefills, hook.playbook, hook.provider, flow, "prefill")
        for hook in extensions.review_notes:
            _claim(self.review_notes, hook.playbook, hook.note, flow, "review note")
        for hook in extensions.reminders:
            _claim(self.reminders, hook.kind, hook.handler, flow, "reminder kind")
        for hook in extensions.modals:
            _claim(self.modals, hook.callback_id, hook, flow, "modal")
        for hook in extensions.offers:
            _claim(self.offers, hook.playbook, hook.offer, flow, "command offer")
        self.after_submit.extend(extensions.after_submit)
        self.after_summary.extend(extensions.after_summary)
        self.home_sections.extend(extensions.home_sections)
        self.summary_sections.extend(extensions.summary_sections)
        self.tick_tasks.extend(extensions.tick_tasks)
        for start in extensions.home_starts:
            _claim(self.home_starts, start.playbook, start, flow, "App Home start button")
        self.open_items.extend(extensions.open_items)


def _claim(registry: dict, key: Any, value: Any, flow: str, what: str) -> None:
    if key in registry:
        raise HookClash(f"{flow} claims the {what} {key!r}, which another flow already handles")
    registry[key] = value
