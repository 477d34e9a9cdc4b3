"""POST /crm/closed-lost over real HTTP: signed like Slack's requests with REBOUND_CRM_SECRET,
401 for a bad or stale signature (nothing stored), 400 naming the field, 200 with the deal's
status, one record per CRM id on a repeat, and 404 while the secret is not set."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from bot.store import deals as deal_store
from bot.store import reminders
from tests.support.rebound_app import start_app
from tests.support.slack_api import SlackApiStandIn
from tests.support.slack_requests import sign

SECRET = "crm-test-secret"
DEAL = {"crm_id": "006ACME", "name": "Acme renewal", "account": "Acme Corp", "amount": 120000, "currency": "USD",
        "close_date": "2026-11-30", "owner_slack_id": "U0REP1", "stage": "Closed Lost", "reason": "Price"}


@pytest.fixture(scope="module")
def crm_server(tmp_path_factory):
    """One app with the webhook on, for the whole module (starting one per test costs a second)."""
    api = SlackApiStandIn().start()
    running = start_app(tmp_path_factory.mktemp("crm"), api, env={"REBOUND_CRM_SECRET": SECRET})
    try:
        yield running
    finally:
        running.stop()
        api.stop()


@pytest.fixture
def crm_app(crm_server):
    """The module's app with no deals, nudges or queued calls left from the test before."""
    with crm_server.services.store.transaction() as db:
        for table in ("crm_deals", "crm_owner_emails", "reminders", "outbox"):
            db.execute(f"DELETE FROM {table}")
    return crm_server


def post(url: str, body: bytes | dict, *, secret: str = SECRET, timestamp: int | None = None,
         headers: dict | None = None, method: str = "POST"):
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    sent = {"Content-Type": "application/json", "X-Rebound-Request-Timestamp": stamp,
            "X-Rebound-Signature": sign(secret, stamp, data), **(headers or {})}
    request = urllib.request.Request(url + "/crm/closed-lost", data=data if method == "POST" else None,
                                      headers=sent, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_signature_is_v0_hmac_of_timestamp_and_body_like_slacks():
    import hashlib
    import hmac

    expected = "v0=" + hmac.new(b"s", b"v0:1700000000:{}", hashlib.sha256).hexdigest()
    assert sign("s", 1700000000, b"{}") == expected


def test_good_deal_is_stored_once_and_a_repeat_is_unchanged(crm_app):
    assert post(crm_app.url, DEAL) == (200, {"ok": True, "deal": "006ACME", "status": "new"})
    assert post(crm_app.url, DEAL) == (200, {"ok": True, "deal": "006ACME", "status": "unchanged"})
    assert post(crm_app.url, {**DEAL, "amount": "$130,000"}) == (200, {"ok": True, "deal": "006ACME",
                                                                        "status": "updated"})
    store = crm_app.services.store
    (deal,) = deal_store.listed(store)
    assert (deal["amount_cents"], deal["currency"], deal["user_id"], deal["team"], deal["source"]) == (
        13_000_000, "USD", "U0REP1", "west", "webhook")
    # one nudge scheduled, however often the deal arrives
    assert [r.key for r in reminders.upcoming(store, kind="crm_nudge")] == ["crm-nudge:006ACME"]


def test_won_later_takes_the_deal_out_of_the_loop(crm_app):
    post(crm_app.url, DEAL)
    assert post(crm_app.url, {**DEAL, "stage": "Closed Won"}) == (200, {"ok": True, "deal": "006ACME",
                                                                         "status": "updated"})
    store = crm_app.services.store
    assert deal_store.get(store, "006ACME")["status"] == "out"
    assert reminders.upcoming(store, kind="crm_nudge") == []
    # an open deal the loop never had is not stored
    assert post(crm_app.url, {**DEAL, "crm_id": "006NEW", "stage": "Negotiation"})[1]["status"] == "unchanged"
    assert deal_store.get(store, "006NEW") is None


@pytest.mark.parametrize("tamper", ["wrong_secret", "stale", "future", "missing", "body_changed"])
def test_bad_or_stale_signature_is_401_and_stores_nothing(crm_app, tamper):
    now = int(time.time())
    body = json.dumps(DEAL).encode()
    if tamper == "wrong_secret":
        status, answer = post(crm_app.url, body, secret="not-it")
    elif tamper == "stale":
        status, answer = post(crm_app.url, body, timestamp=now - 301)
    elif tamper == "future":
        status, answer = post(crm_app.url, body, timestamp=now + 301)
    elif tamper == "missing":
        status, answer = post(crm_app.url, body, headers={"X-Rebound-Signature": ""})
    else:
        stamp = str(now)
        status, answer = post(crm_app.url, body.replace(b"120000", b"1"),
                              headers={"X-Rebound-Signature": sign(SECRET, stamp, body),
                                       "X-Rebound-Request-Timestamp": stamp})
    assert (status, answer) == (401, {"ok": False, "error": "invalid_signature"})
    assert deal_store.listed(crm_app.services.store) == []


def test_timestamp_just_inside_five_minutes_is_accepted(crm_app):
    assert post(crm_app.url, DEAL, timestamp=int(time.time()) - 240)[0] == 200  # a minute of slack for a busy machine


@pytest.mark.parametrize("body, field", [
    ({**DEAL, "close_date": "yesterday-ish"}, "close_date"),
    ({**DEAL, "amount": "lots"}, "amount"),
    ({k: v for k, v in DEAL.items() if k != "name"}, "name"),
    ({**DEAL, "crm_id": {"id": 1}}, "crm_id"),
    ({**DEAL, "owner": "x"}, "owner"),
    ({**DEAL, "close_date": "2099-01-01"}, "close_date"),
])
def test_malformed_deal_is_400_naming_the_field(crm_app, body, field):
    status, answer = post(crm_app.url, body)
    assert status == 400 and answer["ok"] is False and answer["field"] == field
    assert deal_store.listed(crm_app.services.store) == []


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b'"deal"', b"\xff\xfe", b"null", b"{" * 5000,
                                 b'{"crm_id": "X", "name": "\\ud800", "close_date": "2026-11-30"}'])
def test_malformed_body_is_400_never_a_5xx(crm_app, raw):
    status, answer = post(crm_app.url, raw)
    assert status == 400 and answer["ok"] is False


def test_oversized_body_is_413_unread(crm_app):
    status, answer = post(crm_app.url, b" " * (64 * 1024 + 1))
    assert (status, answer["error"]) == (413, "payload_too_large")


def test_get_is_405(crm_app):
    assert post(crm_app.url, b"", method="GET")[0] == 405


def test_without_secret_the_endpoint_is_404(app):
    status, answer = post(app.url, DEAL)
    assert (status, answer) == (404, {"ok": False, "error": "not_found"})


@pytest.mark.skipif(not (shutil.which("openssl") and shutil.which("curl")), reason="needs openssl and curl")
def test_readme_curl_example_is_accepted_as_written(crm_app):
    from bot.config import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text()
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", readme, re.S | re.M)
    script = next(block for block in blocks if "openssl dgst" in block)
    script = script.replace("https://rebound.example.com", crm_app.url)
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30,
                          env={"PATH": os.environ["PATH"], "REBOUND_CRM_SECRET": SECRET})
    assert json.loads(done.stdout) == {"ok": True, "deal": "0065g00000AcmeRn", "status": "new"}, done.stderr
