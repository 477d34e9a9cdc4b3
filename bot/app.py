"""create_app(settings, services) -> a Bolt App. Nothing is built at import time."""

from __future__ import annotations

import logging
import secrets

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from bot.config import Settings
from bot.slack.listeners import register

log = logging.getLogger("rebound.app")


def build_web_client(settings: Settings) -> WebClient:
    """The client Bolt hands listeners. slack_sdk reads no base URL from the environment, so
    SLACK_API_URL is passed here (GovSlack, or a local stand-in in tests)."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return WebClient(token=token, base_url=settings.slack_api_url, timeout=10)


def create_app(settings: Settings, services, *, process_before_response: bool = True,
               token_verification: bool = True, socket_mode: bool = False, inline_inbox: bool = False) -> App:
    """The Bolt app with every listener registered, and ``services.inbox`` that replays through it.

    Served over HTTP, listeners run after the ack: the HTTP layer (bot.slack.http) verifies
    the signature, stores the request in the inbox, commits and answers 200; the inbox worker
    (bot.slack.inbox_worker) then replays it through this app inside one transaction with its
    effects. So an acknowledged request survives ``kill -9`` and is worked once after a restart.
    ``process_before_response=True`` (the default) makes Bolt run a listener in the thread that
    dispatches, which is what puts its writes in the worker's transaction. ``inline_inbox=True``
    (tests) works the inbox in the request thread before answering, so tests need not wait.

    Bolt does not verify signatures itself: the HTTP layer has, before storing, and a replay
    after a restart would be older than Bolt's five minutes. (Socket Mode needs none.)
    """
    settings.require_slack(socket_mode=socket_mode)
    app = App(
        client=build_web_client(settings),
        signing_secret=settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None,
        process_before_response=process_before_response,
        token_verification_enabled=token_verification,
        logger=logging.getLogger("rebound.bolt"),
        # Bolt's own ssl-check and url_verification handling stay on (answered in the ack).
        request_verification_enabled=False,
    )
    register(app, services)
    from bot.slack import inbox_worker

    services.inbox = inbox_worker.InboxWorker(app, services, inline=inline_inbox)
    services.tick_tasks.append(services.inbox.prune)
    from bot.slack.files import FileFetcher
    from bot.slack.modals import ViewOpener

    # The two calls made during a request: views.open answers a trigger within 3 s, and a modal's
    # uploaded file is read before the modal is answered.
    services.slack_calls.open_view = ViewOpener(app.client)
    services.slack_calls.fetch_file = FileFetcher(app.client)

    @app.error
    def on_error(error, body, logger):  # noqa: ANN001 - Bolt passes these by name
        if inbox_worker.hand_back(error):  # replayed from the inbox: rolled back, tried again
            return BoltResponse(status=500, body="")
        reference = secrets.token_hex(4)
        user_id = _user_of(body)
        logger.exception("unexpected error ref=%s user=%s", reference, user_id, exc_info=error)
        if user_id:
            services.chat.apologise(user_id, reference)
        # The person has the apology; a 500 would only make Slack retry into the same bug
        # and show them a generic failure on top.
        return BoltResponse(status=200, body="")

    return app


def _user_of(body) -> str | None:
    if not isinstance(body, dict):
        return None
    user = body.get("user_id") or body.get("user") or (body.get("event") or {}).get("user")
    if isinstance(user, dict):
        user = user.get("id")
    return user if isinstance(user, str) else None
