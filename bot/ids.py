"""Action ids and the values buttons carry: one source for listeners and the renderer.

Every interactive element names the run and the question that was on screen when it was
drawn, so a stale or double click can be recognised and refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

ANSWER = "rb_answer"          # a button whose value is the answer (choice, yes/no, default)
SELECT = "rb_select"          # static select for a long choice list
MULTI_TOGGLE = "rb_multi"     # checkboxes / multi-select change: state only, answered by MULTI_DONE
MULTI_DONE = "rb_multi_done"
DATE = "rb_date"
USER = "rb_user"
BACK = "rb_back"
SKIP = "rb_skip"
CANCEL = "rb_cancel"
EDIT = "rb_edit"
SUBMIT = "rb_submit"
RESUME = "rb_resume"
START_OVER = "rb_start_over"
OPEN_RUN = "rb_open"          # App Home: jump back into a run
FORM_OPEN = "rb_form_open"    # "Open the form" / "Resume the form" in the DM: opens the run's form page
FORM_BACK = "rb_form_back"    # Back, in a form page (a modal)
FORM_ADD = "rb_form_add"      # "Add another" item of a list, in a form page
START = "rb_start"            # App Home: start a playbook in the DM (value: the playbook id)
SETTINGS = "rb_settings"      # App Home: open a team's settings modal (value: the team id)
TEAM_SETTINGS_VIEW = "rb_team_settings"  # the settings modal's callback_id (its own view_submission listener)

ACTION_PATTERN = re.compile(r"^rb_[a-z_]+(:\d+)?$")
ALL_ACTIONS = {ANSWER, SELECT, MULTI_TOGGLE, MULTI_DONE, DATE, USER, BACK, SKIP, CANCEL, EDIT, SUBMIT, RESUME,
               START_OVER, OPEN_RUN, FORM_OPEN, FORM_BACK, FORM_ADD, START, SETTINGS}


@dataclass(frozen=True)
class ActionValue:
    """What a button carries: the run, the question on screen, and (for answers) the value."""

    run_id: str
    step_id: str | None = None
    value: str | None = None

    def encode(self) -> str:
        data = {"r": self.run_id}
        if self.step_id is not None:
            data["s"] = self.step_id
        if self.value is not None:
            data["v"] = self.value
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def decode(cls, raw: object) -> ActionValue | None:
        """None for anything that isn't a value Rebound drew (forged or malformed payloads)."""
        if not isinstance(raw, str) or len(raw) > 2000:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("r"), str):
            return None
        step, value = data.get("s"), data.get("v")
        if step is not None and not isinstance(step, str):
            return None
        if value is not None and not isinstance(value, str):
            return None
        return cls(data["r"], step, value)


def base_action(action_id: str) -> str:
    """Action ids must be unique within a message, so repeated buttons get a ``:n`` suffix."""
    return action_id.split(":", 1)[0]
