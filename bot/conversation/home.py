"""The App Home: buttons that start each flow in the DM, my open items (what the flows say is
owed or due), my conversations in progress, my recent submissions, what flows add (recovery
progress, check-backs), and for managers a settings button per team and their teams' submissions.

Published through the outbox once per ``app_home_opened`` delivery (a Slack retry is claimed
and dropped).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence

from bot import logs
from bot.conversation.conversations import Conversations
from bot.conversation.screens import offer_once
from bot.engine import answers as answer_parsing
from bot.files.teams import Teams
from bot.render import blocks as bk
from bot.render import slack_messages as sm
from bot.render.templates import Renderer
from bot.store import outbox
from bot.store import runs as run_store
from bot.store.runs import Run

# One App Home section: (title, [(mrkdwn line, run id to open or None)]).
HomeSection = tuple[str, list[tuple[str, "str | None"]]]
# A flow's sections for a person: provider(user_id) -> [HomeSection].
HomeProvider = Callable[[str], list[HomeSection]]
# A flow's lines in a person's "Your open items" (a pilot outcome due, a debrief owed): provider(user_id)
# -> [mrkdwn line, already escaped].
OpenItemsProvider = Callable[[str], list[str]]


class Home:
    def __init__(self, conversations: Conversations, renderer: Renderer, teams: Teams,
                 providers: Sequence[HomeProvider] = (), wake: Callable[[], None] = lambda: None, *,
                 starts: Sequence[tuple[str, str]] = (), open_items: Sequence[OpenItemsProvider] = ()):
        self.conversations = conversations
        self.renderer = renderer
        self.teams = teams
        self.store = conversations.store
        self.providers = providers
        self.wake = wake
        self.starts = starts  # (button label, playbook id), in the order shown
        self.open_items = open_items

    def publish(self, user_id: str, event_id: str | None) -> None:
        """Publish the App Home: my active runs, my recent runs, and for managers their team's."""
        with self.store.transaction():
            if event_id and not run_store.claim_delivery(self.store, f"event:{event_id}"):
                logs.bind(duplicate=True)
                return
            open_lines = [line for provider in self.open_items for line in provider(user_id)]
            sections = [("Your open items", [(line, None) for line in open_lines]),
                        ("Your conversations in progress", [
                (self._run_line(run), run.id) for run in
                run_store.list_runs(self.store, user_id=user_id, status="active", limit=10)]),
                ("Your recent submissions", [
                (self._run_line(run), None) for run in
                run_store.list_runs(self.store, user_id=user_id, status="submitted", limit=5)])]
            for provider in self.providers:
                sections.extend(provider(user_id))
            for team in self.teams.managed_by(user_id):
                rows = [(self._run_line(run, with_owner=True), None) for run in
                        run_store.list_runs(self.store, team=team.id, status="submitted", limit=10)]
                sections.append((f"{team.name}: recent submissions", rows))
            if self.teams.is_head(user_id):
                rows = [(self._run_line(run, with_owner=True), None) for run in
                        run_store.list_runs(self.store, status="submitted", limit=10)]
                sections.append(("All teams: recent submissions", rows))
            starts = [(label, playbook) for label, playbook in self.starts
                      if playbook in self.conversations.playbooks]
            settings = [(team.name, team.id) for team in self.teams.managed_by(user_id)]
            view = sm.home_view(sections, starts=starts, settings=settings)
            view["blocks"] = offer_once(view["blocks"])
            outbox.enqueue(self.store, f"home:{user_id}:{event_id or secrets.token_hex(6)}", "views.publish",
                           {"user_id": user_id, "view": view})
        self.wake()

    def _run_line(self, run: Run, *, with_owner: bool = False) -> str:
        playbook = self.conversations.playbooks.get(run.playbook)
        title = playbook.title if playbook else run.playbook
        first = ""
        if playbook is not None and playbook.questions:
            step = playbook.questions[0]
            if step.id in run.answers:
                first = answer_parsing.format_answer(step, run.answers[step.id])
        when = (run.submitted_at or run.started_at)[:10]
        owner = f" · {self.renderer.render_string('{{ u | mention }}', {'u': run.user_id})}" if with_owner else ""
        label = self.renderer.render_string("{{ t }}", {"t": bk.clip(first, 80)}) if first else ""
        return f"*{title}*{' — ' + label if label else ''}{owner} · {when}"
