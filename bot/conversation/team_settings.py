"""Settings for a team's managers, changed in Slack: the modal opened from App Home, and its
submission checked field by field and stored over the teams file.

The submission is validated and saved before the listener acknowledges, because Slack shows
errors beside the fields only in the acknowledgement (``response_action: errors``); saving is
one small SQLite write. The merged teams are rebuilt on the next lookup (:meth:`Teams.invalidate`),
so the next summary, reminder or permission check uses the new values without a restart.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from bot import logs
from bot.conversation.inputs import ActionInput
from bot.domain.recovery import DEFAULT_THRESHOLD
from bot.files.teams import SLACK_SETTINGS, Team, Teams
from bot.jobs.schedule import WeeklySchedule
from bot.render import settings_view
from bot.store import outbox
from bot.store import recovery as recovery_store
from bot.store import runs as run_store
from bot.store import settings as settings_store
from bot.store.db import Store

log = logging.getLogger("rebound.settings")

THRESHOLD = "concentration_threshold"  # stored with the recovery flow's team settings, where it reads it
ALL_SETTINGS = (*SLACK_SETTINGS, THRESHOLD)


@dataclass(frozen=True)
class SettingSource:
    """Where one setting's value comes from, for `rebound status` and the modal's hints."""

    name: str
    value: Any
    source: str  # "teams file", "Slack" or "default"
    changed_by: str | None = None
    changed_at: str | None = None

    def describe(self) -> str:
        if self.source == "Slack":
            return f"changed in Slack by {self.changed_by} at {self.changed_at}"
        return f"from the {self.source}"


class TeamSettings:
    def __init__(self, store: Store, teams: Teams, wake: Callable[[], None] = lambda: None):
        self.store = store
        self.teams = teams
        self.wake = wake

    # -- reading ----------------------------------------------------------------------------

    def sources(self, team_id: str) -> list[SettingSource]:
        """Every setting of the team with where it comes from (file, Slack, or the default)."""
        team, file_team = self.teams.get(team_id), self.teams.from_file(team_id)
        if team is None or file_team is None:
            return []
        stored = settings_store.overrides(self.store).get(team_id, {})
        found = []
        for name in SLACK_SETTINGS:
            override = stored.get(name)
            value = getattr(team, name)
            if override is not None and override.value == value:
                found.append(SettingSource(name, value, "Slack", override.changed_by, override.changed_at))
            else:
                found.append(SettingSource(name, getattr(file_team, name), "teams file"))
        recovery = recovery_store.team_settings(self.store, team_id)
        if recovery.concentration_threshold is None:
            found.append(SettingSource(THRESHOLD, DEFAULT_THRESHOLD, "default"))
        else:
            by, at = settings_store.threshold_changed(self.store, team_id)
            found.append(SettingSource(THRESHOLD, recovery.concentration_threshold, "Slack", by, at))
        return found

    # -- the modal ----------------------------------------------------------------------------

    def open(self, action: ActionInput) -> None:
        """App Home's "Settings: <team>" button: the modal, for the team's managers only."""
        team = self.teams.get(action.value or "")
        if team is None or action.user_id not in team.managers:
            log.warning("refused team settings of %r to %s: not its manager", action.value, action.user_id)
            return
        if not action.trigger_id:
            return
        with self.store.transaction():
            if action.delivery_key and not run_store.claim_delivery(self.store, action.delivery_key):
                logs.bind(duplicate=True)
                return
            found = self.sources(team.id)
            sources = {s.name: s.describe()[:1].upper() + s.describe()[1:] + "." for s in found}
            threshold = next(s.value for s in found if s.name == THRESHOLD)
            view = settings_view.settings_modal(team.model_dump(), float(threshold) * 100, sources)
            # The trigger expires in 3 s: the sender is woken at once and views.open goes out first.
            outbox.enqueue(self.store, f"settings_open:{action.user_id}:{action.trigger_id}", "views.open",
                           {"trigger_id": action.trigger_id, "view": view})
        self.wake()

    def submit(self, user_id: str, view: Mapping[str, Any]) -> dict[str, str]:
        """Check and save a submitted settings modal; the errors by block id (empty when saved)."""
        team_id = view.get("private_metadata") if isinstance(view.get("private_metadata"), str) else ""
        team = self.teams.get(team_id)
        if team is None:
            return {"summary_channel": "This team is no longer in the teams file; close this and open App Home again."}
        if user_id not in team.managers:
            return {"summary_channel": "Only this team's managers can change its settings."}
        state = view.get("state") if isinstance(view.get("state"), Mapping) else {}
        values = state.get("values") if isinstance(state.get("values"), Mapping) else {}
        submitted, errors = read_values(values)
        if THRESHOLD in submitted and not 1 <= submitted[THRESHOLD] <= 100:
            errors[THRESHOLD] = "A share from 1 to 100 (percent of a rep's open book in one deal)."
        team_values = {name: value for name, value in submitted.items() if name in SLACK_SETTINGS}
        errors.update(self._check_team(team, team_values))
        if errors:
            return errors
        file_team = self.teams.from_file(team.id)
        changed = {n: v for n, v in team_values.items() if not _same(v, getattr(file_team, n))}
        back_to_file = [n for n in team_values if n not in changed]
        with self.store.transaction():
            settings_store.save(self.store, team.id, changed, back_to_file, user_id)
            if THRESHOLD in submitted:
                share = round(submitted[THRESHOLD] / 100, 6)
                current = recovery_store.team_settings(self.store, team.id).concentration_threshold
                if not math.isclose(share, DEFAULT_THRESHOLD if current is None else current):
                    recovery_store.set_threshold(self.store, team.id, share, user_id)  # unchanged keeps its source
        self.teams.invalidate()
        log.info("team settings of %s changed by %s: %s", team.id, user_id, sorted(changed) or "none")
        return {}

    def _check_team(self, team: Team, values: Mapping[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        if "managers" in values and not values["managers"]:
            errors["managers"] = "A team needs at least one manager."
        if "summary_schedule" in values:
            try:
                WeeklySchedule.parse(values["summary_schedule"], team.timezone)
            except ValueError as exc:
                errors["summary_schedule"] = str(exc)[:150]
        for member in values.get("members", []):
            other = self.teams.team_of(member)
            if other is not None and other.id != team.id and member in other.members:
                errors["members"] = f"<@{member}> is a member of {other.name} already; a rep belongs to one team."
                break
        if not errors:
            try:
                Team.model_validate({**team.model_dump(), **values})
            except ValidationError as exc:
                for error in exc.errors():
                    name = str(error["loc"][0]) if error["loc"] else "summary_channel"
                    errors.setdefault(name if name in ALL_SETTINGS else "summary_channel", str(error["msg"])[:150])
        return errors


def _same(submitted: Any, in_file: Any) -> bool:
    if isinstance(submitted, list) and isinstance(in_file, list):
        return sorted(submitted) == sorted(in_file)  # people in another order are the same people
    return submitted == in_file


def read_values(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The modal's state (block id -> {action id: element state}) as typed settings, and errors."""
    found: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def element(block: str) -> Mapping[str, Any]:
        inner = values.get(block)
        inner = inner.get(settings_view.ELEMENT) if isinstance(inner, Mapping) else None
        return inner if isinstance(inner, Mapping) else {}

    channel = element("summary_channel").get("selected_channel")
    if isinstance(channel, str) and channel:
        found["summary_channel"] = channel
    schedule = element("summary_schedule").get("value")
    if isinstance(schedule, str) and schedule.strip():
        found["summary_schedule"] = " ".join(schedule.split())
    for name in ("managers", "members"):
        if name in values:
            users = element(name).get("selected_users")
            found[name] = sorted({u for u in users if isinstance(u, str)}) if isinstance(users, list) else []
    for name, integral in (("coverage_multiple", False), ("max_pilot_days", True), (THRESHOLD, False)):
        raw = element(name).get("value")
        if raw is None or raw == "":
            continue
        try:
            number = float(raw)
        except (TypeError, ValueError):
            errors[name] = "Please enter a number."
            continue
        if not math.isfinite(number) or (integral and not number.is_integer()):
            errors[name] = "Please enter a whole number of days." if integral else "Please enter a number."
            continue
        found[name] = int(number) if integral else number
    return found, errors

