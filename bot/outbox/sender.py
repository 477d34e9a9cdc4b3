"""Sends the outbox to Slack: one Web API call per row, once, with honest retries.

The outbox is the retry loop. The :class:`~slack_sdk.WebClient` used here must have no
retry handlers of its own: a handler that re-sends after a dropped connection or a 429
would send again outside the outbox's bookkeeping (attempt counts, leases, Retry-After
stored in the row, survival across restarts). :func:`build_client` makes such a client, and
:class:`OutboxSender` strips handlers from a client it is given (on a copy).

Delivery is once per key as far as Slack allows: a row is claimed under a lease, sent, and
marked. If the process dies after Slack accepted a call but before the row is marked, or a
connection drops after the request went out, the row is sent again when its lease expires
or its retry is due: Slack's Web API has no idempotency key for ``chat.postMessage``, so
the only alternative would be to lose the message.
"""

from __future__ import annotations

import copy
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.client import HTTPException
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot import clock
from bot.outbox import response_urls, tiers
from bot.outbox.outcomes import (PERMANENT_ERRORS, UPLOAD_V2, Permanent, RateLimited, Transient, kept_result,
                                  retry_after)
from bot.outbox.pacing import Pacer
from bot.outbox.uploads import InvalidUpload, upload_args
from bot.store import outbox
from bot.store.db import Store
from bot.store.outbox import COSMETIC, OutboxItem

log = logging.getLogger("rebound.outbox")

# Payload field naming the outbox key of an earlier post: the sender fills in that post's
# ``channel`` and ``ts`` (e.g. ``chat.update`` of a message whose ts is not known yet).
UPDATE_OF = "_update_of"

# Payload field of a ``chat.update``: ``{"url": response_url, "ts": message ts}`` of a button
# click. When that ts is the message being updated, the sender posts the new content to the
# URL (no Tier 3 call) and falls back to ``chat.update`` when the URL no longer works (five
# uses, 30 minutes). The ts is checked here, once the post it updates has its ts.
RESPONSE_URL = "_response_url"

# A cosmetic call still waiting this long after it was queued is dropped rather than sent late.
COSMETIC_PATIENCE = 30.0


def build_client(token: str, *, base_url: str = WebClient.BASE_URL, timeout: int = 30) -> WebClient:
    """A WebClient for the outbox: no retry handlers, because the outbox retries (see module doc)."""
    return WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=[])


@dataclass
class DrainReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0  # waiting for the post they update (see ``UPDATE_OF``)
    paced: int = 0  # put back until their method (channel) may be called again
    ratelimited: int = 0  # Slack answered 429: put back without using an attempt
    skipped: int = 0  # made unnecessary: merged into a newer update, or cosmetic and dropped
    keys_failed: list[str] = field(default_factory=list)
    next_due: datetime | None = None  # the earliest moment a row put back here is due again

    def put_back(self, when: datetime) -> None:
        self.next_due = when if self.next_due is None else min(self.next_due, when)


class OutboxSender:
    """Drains due outbox rows to Slack.

    Safe to run in several threads or processes on one database: each row is claimed
    (``BEGIN IMMEDIATE`` + lease) before it is sent. ``lease_seconds`` must exceed the
    client's timeout; rows are claimed one at a time so a slow batch can't outlive its lease.
    """

    def __init__(
        self,
        store: Store,
        client: WebClient,
        *,
        max_attempts: int = 8,
        base_delay: float = 2.0,
        max_delay: float = 300.0,
        lease_seconds: float | None = None,
        rng: random.Random | None = None,
        pacer: Pacer | None = None,
        cosmetic_patience: float = COSMETIC_PATIENCE,
    ):
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, not {max_attempts}")
        if client.retry_handlers:
            client = copy.copy(client)  # don't change a client the Bolt app may share
            client.retry_handlers = []
        self.store = store
        self.client = client
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.lease_seconds = lease_seconds if lease_seconds is not None else max(60.0, 3.0 * (client.timeout or 30))
        self._rng = rng or random.Random()
        # Shared by every thread draining through this sender. Without one, nothing is paced
        # but Slack's 429 pauses are still kept (see bot.outbox.pacing).
        self.pacer = pacer if pacer is not None else Pacer(limits=None)
        self.cosmetic_patience = cosmetic_patience
        # Called as hook(item, reason) in the transaction that marks a row failed, e.g. to tell
        # a team's managers that Slack refused their summary (bot.outbox.notices).
        self.on_failure: list[Callable[[OutboxItem, str], None]] = []

    def backoff(self, attempt: int) -> float:
        """Seconds before retry number ``attempt`` (1-based): exponential, capped, with "equal jitter"
        (half fixed, half random) so many rows failing together don't retry together."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** max(0, attempt - 1)))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def drain(self, now: datetime | None = None, limit: int = 50,
              pause: Callable[[], None] | None = None) -> DrainReport:
        """Send up to ``limit`` due rows; return how many were sent, put back for retry, or failed.
        ``pause`` is called before each claim (the worker's: acknowledgements go first)."""
        report = DrainReport()
        for _ in range(limit):
            if pause is not None:
                pause()
            at = now or clock.now()
            # One row per claim: each lease starts right before its own send.
            claimed = outbox.claim_due(self.store, at, 1, lease_seconds=self.lease_seconds)
            if not claimed:
                break
            self._send(claimed[0], at, report)
        return report

    def _call(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        if method == response_urls.COMMAND_REPLY:  # a slash command's reply, after the ack
            return response_urls.post_reply(payload, api_base_url=self.client.base_url, timeout=self.client.timeout or 30)
        try:
            if method == UPLOAD_V2:
                try:
                    response = self.client.files_upload_v2(**upload_args(self.client, payload))
                except (TypeError, InvalidUpload) as error:  # a payload files_upload_v2 does not take
                    raise Permanent("invalid_payload", str(error)) from error
            else:
                # JSON body: blocks go as real arrays (form encoding would need JSON strings).
                response = self.client.api_call(method, json=payload)
        except SlackApiError as error:
            status = error.response.status_code
            reason = (error.response.data or {}).get("error") if isinstance(error.response.data, dict) else None
            if status == 429 or reason == "ratelimited":
                raise RateLimited(retry_after(error.response.headers)) from error
            if status >= 500:
                raise Transient(f"http_{status}") from error
            if reason in PERMANENT_ERRORS:
                # Slack explains invalid_blocks & co. with JSON pointers; keep them for `rebound status`.
                details = ((error.response.data or {}).get("response_metadata") or {}).get("messages") or []
                raise Permanent(reason, "; ".join(map(str, details))) from error
            raise Transient(reason or f"http_{status}") from error
        except (URLError, TimeoutError, ConnectionError, HTTPException) as error:
            raise Transient(f"network: {type(error).__name__}: {getattr(error, 'reason', error)}") from error
        except SlackRequestError as error:
            # files_upload_v2 reports both a failed HTTP upload (worth retrying) and a
            # payload it refuses (not worth it) this way; only the message tells them apart.
            if str(error).startswith("Failed to upload"):
                raise Transient(f"upload: {error}") from error
            raise Permanent("invalid_payload", str(error)) from error
        return response.data if isinstance(response.data, dict) else {}

    def _send(self, item: OutboxItem, now: datetime, report: DrainReport) -> None:
        if item.attempts > self.max_attempts:
            # Claimed again and again without an outcome: its senders died mid-send (or an
            # unexpected exception escaped). Stop here rather than loop forever.
            self._fail(item, f"gave up after {item.attempts - 1} attempts without an outcome", report)
            return
        newer = outbox.newer_update(self.store, item, UPDATE_OF)
        if newer is not None:  # only the newest content of a message need go out
            self._skip(item, f"merged into {newer}", report)
            return
        method = item.method
        bucket = tiers.bucket_of(method, item.payload)
        try:
            payload = self._resolve(item, now)
            if payload is None:
                report.deferred += 1
                report.put_back(datetime.fromisoformat(outbox.get(self.store, item.key).next_attempt_at))
                return
            cosmetic = bool(payload.pop(COSMETIC, False))
            clicked = payload.pop(RESPONSE_URL, None)
            response_url = clicked.get("url") if isinstance(clicked, dict) and clicked.get("ts") == payload.get("ts") \
                else None
            if isinstance(response_url, str) and self._respond(response_url, payload, now):
                self._sent(item, {"via": "response_url", **{k: payload[k] for k in ("channel", "ts") if k in payload}},
                           report)
                return
            if method == "chat.update" and (not payload.get("channel") or not payload.get("ts")):
                # A response_url update whose original is unknown (no _update_of): nothing to fall back on.
                raise Permanent("message_not_found", "the response_url did not work and no message is named")
            bucket = tiers.bucket_of(method, payload)
            queued_for = (now - datetime.fromisoformat(item.created_at)).total_seconds()
            wait = self.pacer.take(bucket, now.timestamp(), essential=not cosmetic, ticket=item.id,
                                   patience=self.cosmetic_patience - queued_for)
            if wait > 0:
                self._wait(item, now, wait, cosmetic and queued_for + wait > self.cosmetic_patience, report)
                return
            data = self._call(method, payload)
        except Permanent as error:
            self._fail(item, error.reason, report, error.details)
            return
        except RateLimited as error:
            self._rate_limited(item, bucket, now, error.retry_after, report)
            return
        except Transient as error:
            if item.attempts >= self.max_attempts:
                self._fail(item, f"gave up after {item.attempts} attempts: {error.reason}", report)
                return
            delay = error.retry_after if error.retry_after is not None else self.backoff(item.attempts)
            retry_at = now + timedelta(seconds=max(1.0, delay))
            outbox.mark_retry(self.store, item.id, retry_at, error.reason)
            report.retried += 1
            report.put_back(retry_at)
            self._log(logging.INFO, item, "retry", error.reason, retry_at=outbox.to_iso(retry_at))
            return
        self._sent(item, kept_result(method, data), report)

    def _sent(self, item: OutboxItem, result: dict[str, Any], report: DrainReport) -> None:
        if not outbox.mark_sent(self.store, item.id, result):
            # Another sender re-claimed this row after our lease ran out and sent it first.
            self._log(logging.WARNING, item, "sent_twice", "lease expired during send; raise lease_seconds")
        report.sent += 1
        self._log(logging.INFO, item, "sent", **({"via": "response_url"} if result.get("via") else {}))

    def _skip(self, item: OutboxItem, reason: str, report: DrainReport) -> None:
        outbox.mark_skipped(self.store, item.id, reason)
        report.skipped += 1
        self._log(logging.INFO, item, "skipped", reason)

    def _wait(self, item: OutboxItem, now: datetime, wait: float, drop: bool, report: DrainReport) -> None:
        """The pacer says not yet: put the row back until then (no attempt used), or drop a
        cosmetic row that could not go within its patience."""
        if drop:
            self._skip(item, f"dropped: cosmetic, {item.method} saturated", report)
            return
        when = now + timedelta(seconds=wait)
        outbox.defer(self.store, item.id, when, f"paced: {item.method}", precise=True)
        report.paced += 1
        report.put_back(when)
        self._log(logging.DEBUG, item, "paced", wait=f"{wait:.2f}s")

    def _rate_limited(self, item: OutboxItem, bucket: tuple[str, str], now: datetime, retry_after: float | None,
                      report: DrainReport) -> None:
        """Slack answered 429: pause the method (the channel, for chat.postMessage) for every sender
        until Retry-After has passed, and put the row back without using an attempt."""
        pause = max(1.0, retry_after if retry_after is not None else self.base_delay)
        until = now + timedelta(seconds=pause)
        self.pacer.pause(bucket, until.timestamp())
        outbox.hold(self.store, item.method, until, channel=bucket[1] or None)
        outbox.defer(self.store, item.id, until, "ratelimited")
        report.ratelimited += 1
        report.put_back(until)
        self._log(logging.INFO, item, "ratelimited", "ratelimited", retry_at=outbox.to_iso(until))

    def _respond(self, url: str, payload: dict[str, Any], now: datetime) -> bool:
        """Replace the clicked message through its response_url; False when ``chat.update`` must do it."""
        if not response_urls.trusted(url, self.client.base_url):
            log.warning("response_url not on Slack's host; using chat.update instead")
            return False
        if self.pacer.take(tiers.bucket_of("response_url", {"channel": url}), now.timestamp()) > 0:
            return False
        return response_urls.replace(url, payload, timeout=self.client.timeout or 30)

    def _resolve(self, item: OutboxItem, now: datetime) -> dict[str, Any] | None:
        """The payload to send, with ``_update_of`` replaced by the channel and ts the earlier post got.

        A ``chat.update`` is often queued in the same transaction as the post it edits, so the
        ts is not known yet. Returns None (and defers the row, without using an attempt) while
        that post is still on its way; fails the row if that post failed.
        """
        payload = dict(item.payload)
        of_key = payload.pop(UPDATE_OF, None)
        if of_key is None:
            return payload
        original = outbox.get(self.store, of_key)
        if original is None or original.status == "failed":
            state = original.status if original else "missing"
            raise Permanent("original_not_sent", f"{of_key} is {state}")
        if original.status != "sent":
            when = now + timedelta(seconds=2)
            if original.status == "pending":
                when = max(when, datetime.fromisoformat(original.next_attempt_at))
            outbox.defer(self.store, item.id, when, f"waiting for {of_key}")
            self._log(logging.DEBUG, item, "deferred", f"waiting for {of_key}")
            return None
        result = original.result or {}
        payload.setdefault("channel", result.get("channel"))
        payload.setdefault("ts", result.get("ts"))
        return payload

    def _fail(self, item: OutboxItem, reason: str, report: DrainReport, details: str = "") -> None:
        with self.store.transaction():
            if outbox.mark_failed(self.store, item.id, f"{reason}: {details}" if details else reason):
                for hook in self.on_failure:
                    hook(item, reason)
        report.failed += 1
        report.keys_failed.append(item.key)
        self._log(logging.WARNING, item, "failed", reason)

    @staticmethod
    def _log(level: int, item: OutboxItem, outcome: str, reason: str | None = None, **extra: str) -> None:
        # One line per send with identifiers only; message text never reaches INFO logs.
        parts = [
            f"outbox send key={item.key}",
            f"method={item.method}",
            f"outcome={outcome}",
            f"attempt={item.attempts}",
        ]
        parts.extend(f"{name}={value}" for name, value in (("run_id", item.run_id), ("team", item.team)) if value)
        if reason:
            parts.append(f"reason={reason!r}")
        parts.extend(f"{name}={value}" for name, value in extra.items())
        log.log(level, " ".join(parts))
