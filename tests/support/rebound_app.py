"""The real app for tests: Bolt behind the WSGI adapter under waitress on a free port, a
real SQLite file, the real playbooks and prompts, and the Web API stand-in as Slack.

Tests send signed requests with :class:`SlackSender` and then ``drain()`` the outbox
explicitly, so nothing sleeps or polls.
"""

from __future__ import annotations

import textwrap
import threading
from dataclasses import dataclass
from pathlib import Path

from bot.app import create_app
from bot.config import load_settings
from bot.flows.crm_intake.service import CrmIntake
from bot.slack.http import create_wsgi_app
from bot.services import Services, build_services

SIGNING_SECRET = "test-signing-secret"

TEAMS_YAML = """\
teams:
  - id: west
    name: West Enterprise
    summary_channel: C0WEST
    managers: [U0MGR1]
    members: [U0REP1, U0REP2]
    timezone: America/Los_Angeles
  - id: emea
    name: EMEA Mid-Market
    summary_channel: C0EMEA
    managers: [U0MGR2]
    members: [U0REP3]
    timezone: Europe/Berlin
    currency: EUR
routing:
  product_channel: C0PROD
  enablement_channel: C0ENAB
leadership:
  heads: [U0HEAD]
  rollup_channel: C0LEAD
"""


def write_teams(tmp_path: Path, text: str = TEAMS_YAML) -> Path:
    path = tmp_path / "teams.yml"
    path.write_text(textwrap.dedent(text))
    return path


@dataclass
class RunningApp:
    services: Services
    url: str
    server: object
    thread: threading.Thread

    def stop(self) -> None:
        stop_server(self.server, self.thread)
        self.services.close()

    def drain(self):
        """Send everything the outbox holds (repeatedly, so follow-up calls go out too)."""
        total = 0
        for _ in range(20):
            report = self.services.drain()
            total += report.sent + report.failed
            if not (report.sent or report.failed or report.retried):
                break
        return total


def stop_server(server, thread: threading.Thread, timeout: float = 10) -> None:
    """Stop a waitress server started on ``thread`` and wait until its loop has returned.

    Everything in the loop's map (the listener, its trigger and every kept-alive connection) is
    closed from inside the loop: closing from this thread races the loop's select() into a "bad
    file descriptor" error, and closing only the listener left the loop serving open connections
    past the join, while the test went on to close the database under it.
    """
    from waitress import wasyncore

    try:
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
    except OSError:
        _stop_without_trigger(server, thread, timeout)
    thread.join(timeout)
    server.task_dispatcher.shutdown()
    assert not thread.is_alive(), "the test server's loop did not stop"


def _stop_without_trigger(server, thread: threading.Thread, timeout: float) -> None:
    """Stop a loop whose trigger cannot be pulled: its write end was found closed (EBADF) at
    teardown in about one full run of three, a different test each time, always after the test
    itself passed. Some earlier object closes a stale descriptor number that the trigger reused;
    which one is not found yet. The loop wakes on its own every ``asyncore_loop_timeout``
    (1 s): emptying its map makes it return, and its objects are closed once it has (their own
    descriptors only, never the trigger's write end, whose number may belong to someone else now)."""
    from waitress import wasyncore

    objects = list(server._map.values())
    server._map.clear()
    thread.join(timeout)
    trigger = server.trigger
    if not trigger._closed:
        trigger._closed = True  # the server's own close() closes it too: only once, and only this
        wasyncore.file_dispatcher.close(trigger)  # its dup of the read end; _fds left as they are
    for obj in objects:
        if obj is not trigger:
            obj.close()


def start_app(tmp_path: Path, slack_api, *, db_name: str = "rebound.db", env: dict | None = None,
              flows: list | None = None, paced: bool = False, inline: bool = True) -> RunningApp:
    """``flows`` replaces the packages of bot.flows (a test plugging in a flow of its own);
    ``paced`` keeps the production pacer (tests drain a frozen clock, so by default it is off);
    ``inline``: the request thread works the inbox before it answers, so a request's effects
    are in SQLite when it returns (production works it in background threads after the 200)."""
    import waitress

    teams = tmp_path / "teams.yml"
    if not teams.exists():
        write_teams(tmp_path)
    settings = load_settings({
        "REBOUND_DB": str(tmp_path / db_name),
        "REBOUND_TEAMS": str(teams),
        "SLACK_BOT_TOKEN": slack_api.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api.url,
        **(env or {}),
    })
    services = build_services(settings, teams_required=True, slack=True, flows=flows)
    if not paced:
        # Tests drain a frozen clock, where a paced row would never fall due; pacing and the
        # tier-enforcing stand-in have their own tests (tests/test_outbox_ratelimits.py).
        from bot.outbox.pacing import Pacer

        services.sender.pacer = Pacer(limits=None)
    app = create_app(settings, services, process_before_response=True, inline_inbox=inline)
    wsgi = create_wsgi_app(app, services.store, inbox=services.inbox,
                           crm=CrmIntake(services.tools, settings.crm_secret))
    server = waitress.create_server(wsgi, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return RunningApp(services, f"http://127.0.0.1:{server.effective_port}", server, thread)
