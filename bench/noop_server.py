"""The baseline server: a minimal Bolt app whose listeners only acknowledge, served exactly as
``rebound serve`` serves Rebound (same settings, same WSGI wrapper, same waitress, same
logging, and the same ``process_before_response`` as ``bot.app.create_app`` uses by
default), so the difference to Rebound is Rebound's own work.

Run by the benchmarks as ``python -m bench.noop_server --port N``; it reads the same
settings as Rebound (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL).
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import time


def burn(milliseconds: float) -> None:
    """Keep this thread on the CPU (holding the GIL, as Python code does) for ``milliseconds``."""
    until = time.thread_time() + milliseconds / 1000
    while time.thread_time() < until:
        pass


class _AlwaysHealthy:
    """Stands in for the store: the no-op app has no database, /healthz just answers."""

    def ping(self) -> bool:
        return True


def rebound_process_before_response() -> bool:
    """Whether ``rebound serve`` runs listeners before answering Slack: ``create_app``'s default,
    which the CLI uses. Read from the code so the baseline follows any change to it."""
    import inspect

    from bot.app import create_app

    return bool(inspect.signature(create_app).parameters["process_before_response"].default)


def create_noop_app(settings, listener_cpu_ms: float = 0.0, process_before_response: bool | None = None):
    """Listeners that acknowledge and return; with ``listener_cpu_ms`` each also computes that
    long after its ack, like a listener doing real work (an explanatory baseline)."""
    from slack_bolt import App

    from bot.app import build_web_client

    if process_before_response is None:
        process_before_response = rebound_process_before_response()
    app = App(
        client=build_web_client(settings),
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        process_before_response=process_before_response,
        logger=logging.getLogger("rebound.bolt"),
    )

    @app.command(re.compile(".*"))
    def on_command(ack) -> None:  # noqa: ANN001 - Bolt passes arguments by name
        ack(text="ok", response_type="ephemeral")
        burn(listener_cpu_ms)

    @app.event("message")
    def on_message() -> None:
        burn(listener_cpu_ms)

    @app.action(re.compile(".*"))
    def on_action(ack) -> None:  # noqa: ANN001
        ack()
        burn(listener_cpu_ms)

    return app


def main(argv: list[str] | None = None) -> None:
    from bot.config import load_settings
    from bot.slack.http import create_wsgi_app, serve_http

    parser = argparse.ArgumentParser(prog="python -m bench.noop_server", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--listener-cpu-ms", type=float, default=0.0,
                        help="CPU each listener spends after its ack (default 0: a true no-op)")
    args = parser.parse_args(argv)
    settings = load_settings()
    settings.require_slack()
    # The same log configuration as `rebound serve`, so both write the same per-request line.
    logging.basicConfig(level=settings.log_level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_noop_app(settings, args.listener_cpu_ms)
    serve_http(create_wsgi_app(app, _AlwaysHealthy()), host="127.0.0.1", port=args.port, threads=args.threads)


if __name__ == "__main__":
    main()
