"""The team settings modal (App Home → Settings): Block Kit built directly, with Slack's own
pickers (channel, people) and number inputs, so a manager picks rather than types ids."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot import ids
from bot.render import blocks as bk

CALLBACK_ID = ids.TEAM_SETTINGS_VIEW
ELEMENT = "value"  # every input's action_id: the block id names the setting


def _plain(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": bk.clip(text, limit), "emoji": True}


def _number(value: float | int, *, decimal: bool, low: str, high: str) -> dict[str, Any]:
    shown = f"{value:g}" if decimal else str(int(value))
    return {"type": "number_input", "action_id": ELEMENT, "is_decimal_allowed": decimal,
            "initial_value": shown, "min_value": low, "max_value": high}


def _input(block_id: str, label: str, element: dict[str, Any], hint: str | None = None,
           optional: bool = False) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "input", "block_id": block_id, "label": _plain(label, 2000), "element": element,
                             "optional": optional}
    if hint:
        block["hint"] = _plain(hint, 2000)
    return block


def settings_modal(team: Mapping[str, Any], threshold_percent: float, sources: Mapping[str, str]) -> dict[str, Any]:
    """``team``: the team's current settings (the file's, with what Slack changed); ``sources``:
    setting name -> "teams file" or "changed in Slack by … on …", shown under each input."""
    blocks: list[dict[str, Any]] = [
        bk.context(f"*{bk.clip(str(team['name']), 200)}*. The teams file is the starting point; what you save here "
                   "overrides it at once, for everyone."),
        _input("summary_channel", "Weekly summary channel",
               {"type": "channels_select", "action_id": ELEMENT, "initial_channel": team["summary_channel"]},
               sources.get("summary_channel")),
        _input("summary_schedule", "Summary schedule",
               {"type": "plain_text_input", "action_id": ELEMENT, "initial_value": team["summary_schedule"],
                "max_length": 100},
               f"`monday 09:00` or a cron expression, in {team['timezone']}. {sources.get('summary_schedule', '')}"),
        _input("managers", "Managers",
               {"type": "multi_users_select", "action_id": ELEMENT, "initial_users": list(team["managers"])},
               sources.get("managers")),
        _input("members", "Members",
               {"type": "multi_users_select", "action_id": ELEMENT, "initial_users": list(team["members"])},
               sources.get("members"), optional=True),
        _input("coverage_multiple", "Coverage multiple (pipeline needed per lost dollar)",
               _number(team["coverage_multiple"], decimal=True, low="0.1", high="20"), sources.get("coverage_multiple")),
        _input("max_pilot_days", "Longest pilot (days)",
               _number(team["max_pilot_days"], decimal=False, low="1", high="365"), sources.get("max_pilot_days")),
        _input("concentration_threshold", "Concentration threshold (% of a rep's book in one deal)",
               _number(round(threshold_percent, 2), decimal=True, low="1", high="100"),
               sources.get("concentration_threshold")),
    ]
    return {"type": "modal", "callback_id": CALLBACK_ID, "private_metadata": str(team["id"]),
            "title": _plain("Team settings", 24), "submit": _plain("Save", 24), "close": _plain("Cancel", 24),
            "blocks": blocks}
