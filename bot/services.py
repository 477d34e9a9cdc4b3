"""Wiring: builds the store, playbooks, teams, renderer and services from settings.

The only module that knows every layer. Nothing here runs at import time.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.conversations import Conversations
from bot.engine.loader import load_playbooks
from bot.engine.model import Playbook
from bot.errors import ConfigFilesInvalid
from bot.render.templates import Renderer
from bot.store.db import Store, open_store
from bot.submissions import Submissions
from bot.teams import Teams, load_teams
from bot.validate import check_templates


def template_globals() -> dict:
    """Domain helpers templates may call (formatting stays in templates; the maths lives in domain/)."""
    from bot.domain import taxonomy

    return {
        "coaching_focus": taxonomy.coaching_focus,
        "manager_questions": taxonomy.manager_questions,
    }


@dataclass
class Services:
    settings: Settings
    store: Store
    playbooks: dict[str, Playbook]
    teams: Teams
    renderer: Renderer
    conversations: Conversations
    submissions: Submissions

    def close(self) -> None:
        self.store.close()


def build_services(settings: Settings, *, teams_required: bool = False) -> Services:
    """Validate every edited file up front (all problems at once), then open and migrate the database."""
    playbooks = load_playbooks(settings.playbooks_dir)
    renderer = Renderer(settings.prompts_dir, extra_globals=template_globals())
    problems = check_templates(renderer, playbooks)
    if problems:
        raise ConfigFilesInvalid(problems)
    teams = load_teams(settings.teams_path, required=teams_required)
    store = open_store(settings.db_path)
    conversations = Conversations(store, playbooks, teams)
    submissions = Submissions(conversations, renderer, teams)
    return Services(settings, store, playbooks, teams, renderer, conversations, submissions)
