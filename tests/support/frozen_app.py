"""The app started with time frozen at a moment a test module chooses, and a DM driver that
signs with that clock: for modules whose tests move time (reminders, follow-ups, schedules).

A module takes the three fixtures at once, ``frozen, app, dm = frozen_app(AT)``; ``frozen`` is
freezegun's clock (``frozen.move_to(...)``), ``app`` the real app over HTTP started at ``AT``.
"""

from __future__ import annotations

import time

import pytest
from freezegun import freeze_time

from tests.support.dm_driver import DmDriver
from tests.support.rebound_app import start_app


def driver(app, slack_api) -> DmDriver:
    dm = DmDriver(app, slack_api)
    # Sign with the (possibly frozen) clock Bolt checks against, looked up at each request.
    dm.sender = dm.sender._copy(clock=lambda: time.time())
    return dm


def frozen_app(at: str):
    """The fixtures ``frozen``, ``app`` and ``dm`` for an app that starts at ``at`` (UTC ISO)."""

    @pytest.fixture
    def frozen():
        with freeze_time(at) as clock:
            yield clock

    @pytest.fixture
    def app(tmp_path, slack_api, frozen):
        running = start_app(tmp_path, slack_api)
        yield running
        running.stop()

    @pytest.fixture
    def dm(app, slack_api):
        return driver(app, slack_api)

    return frozen, app, dm
