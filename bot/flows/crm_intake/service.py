"""Intake: closed-lost deals from a CSV export or the webhook become one record per CRM id,
with their owner resolved to a Slack user and a nudge scheduled once.

The owner is the CRM's ``owner_slack_id``, else the owner's email through
``users.lookupByEmail`` (queued in the outbox, since only the outbox talks to Slack, and
cached per email), else the teams file's ``emails:`` map. A lookup finishes on a later tick
(:meth:`CrmIntake.tick`), which then schedules the nudge; an owner nobody can find stays on
the deal as "unresolved" and is listed in ``rebound status`` and the team's summary.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pydantic import SecretStr

from bot import clock
from bot.domain import crm_deals
from bot.domain.csv_export import RowError
from bot.flows.hooks import FlowTools
from bot.store import deals as deal_store
from bot.store import outbox, reminders
from bot.values.money import cents_and_currency

log = logging.getLogger("rebound.crm")

NUDGE = "crm_nudge"
REMINDER = "crm_reminder"
# What the CRM says about a deal; a repeat delivery with the same values changes nothing.
CRM_FIELDS = ("name", "account", "close_date", "stage", "reason", "competitor", "owner_email",
              "owner_name", "owner_slack_id")
NUDGE_WITHIN_DAYS = 30  # older losses are recorded but not nudged


def lookup_key(email: str) -> str:
    return f"crm-lookup:{email}"


@dataclass
class ImportOutcome:
    """What ``rebound crm import`` did, for its report."""

    crm: str
    encoding: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    not_lost: int = 0  # rows in other stages (won, open), not taken
    taken_out: int = 0  # of those, deals that were in the loop and are out now
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()
    stage_column: bool = True

    @property
    def taken(self) -> int:
        return self.new + self.updated + self.unchanged


class CrmIntake:
    def __init__(self, tools: FlowTools, secret: SecretStr | None = None):
        self.store = tools.store
        self.teams = tools.teams
        self.wake = tools.wake
        # The webhook's signing secret (REBOUND_CRM_SECRET); None keeps POST /crm/closed-lost off (404).
        self.secret: str | None = secret.get_secret_value() if secret is not None else None

    # -- the two ways in ---------------------------------------------------------------------------

    def import_csv(self, data: bytes, *, encoding: str | None = None, mapping: dict[str, str] | None = None,
                   default_currency: str | None = None, team: str | None = None) -> ImportOutcome:
        """Read an export (raises ``EncodingProblem``) and take every closed-lost deal; the other
        rows are counted, and a known deal among them leaves the loop."""
        text, used = crm_deals.decode_export(data, encoding)
        parsed = crm_deals.parse_deals_csv(text, mapping=mapping, default_currency=default_currency or
                                           self.default_currency(), today=clock.now().date())
        outcome = ImportOutcome(parsed.crm, used, errors=list(parsed.errors), ignored_columns=parsed.ignored_columns,
                                stage_column=parsed.stage_column)
        with self.store.transaction():
            for deal in parsed.deals:
                status = self.take({**deal, "team": deal.get("team") or team}, "csv")
                setattr(outcome, status, getattr(outcome, status) + 1)
            for other in parsed.other_stages:
                outcome.not_lost += 1
                outcome.taken_out += self.leave_loop(other["crm_id"], other["outcome"])
        self.wake()
        return outcome

    def receive(self, body: bytes) -> tuple[int, dict[str, Any]]:
        """The webhook's answer to a signed body: (HTTP status, JSON). 400 names the field."""
        try:
            given = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return 400, {"ok": False, "error": "malformed_json", "message": "the body is not JSON in UTF-8"}
        if not isinstance(given, dict):
            return 400, {"ok": False, "error": "malformed_deal", "message": "the body must be one deal, a JSON object"}
        try:  # lone surrogates ("\ud800") are valid JSON but not text SQLite or Slack accept
            json.dumps(given, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return 400, {"ok": False, "error": "malformed_json", "message": "the body holds text that is not Unicode"}
        unknown = sorted(str(k)[:40] for k in given if k not in crm_deals.FIELDS)
        if unknown:
            return 400, {"ok": False, "error": "unknown_field", "field": unknown[0],
                         "message": f"{unknown[0]!r} is not a deal field; use {', '.join(crm_deals.FIELDS)}"}
        if "stage" not in given:
            given = {**given, "stage": "Closed Lost"}  # the endpoint's name says what the deal is
        deal, problems = crm_deals.read_deal(given, default_currency=self.default_currency(),
                                             today=clock.now().date())
        if problems:
            name, message = problems[0]
            return 400, {"ok": False, "error": "invalid_field", "field": name, "message": message}
        with self.store.transaction():
            if deal["outcome"] != "lost":
                taken_out = self.leave_loop(deal["crm_id"], deal["outcome"])
                status = "updated" if taken_out else "unchanged"
            else:
                status = self.take(deal, "webhook")
        self.wake()
        return 200, {"ok": True, "deal": deal["crm_id"], "status": status}

    def default_currency(self) -> str | None:
        """The teams' currency when they all share one; otherwise an amount must say its own."""
        currencies = {team.currency for team in self.teams.teams}
        return currencies.pop() if len(currencies) == 1 else None

    # -- one record per CRM id --------------------------------------------------------------------

    @staticmethod
    def fingerprint(deal: dict[str, Any]) -> str:
        amount = deal.get("amount") or {}
        values = {**{name: deal.get(name) for name in CRM_FIELDS}, "amount": amount.get("amount"),
                  "currency": amount.get("currency"), "team": deal.get("team")}
        return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:32]

    def take(self, deal: dict[str, Any], source: str) -> str:
        """Store a closed-lost deal: ``new``, ``updated`` or ``unchanged``. Call inside a transaction."""
        crm_id = deal["crm_id"]
        existing = deal_store.get(self.store, crm_id)
        print_ = self.fingerprint(deal)
        if existing is not None and existing["fingerprint"] == print_ and existing["status"] != deal_store.OUT:
            return "unchanged"
        amount = deal.get("amount") or {}
        fields = {name: deal.get(name) for name in CRM_FIELDS}
        cents, currency = cents_and_currency(amount)
        fields.update(amount_cents=cents, currency=currency, fingerprint=print_, source=source)
        if existing is None:
            row = {"crm_id": crm_id, **fields, "status": deal_store.WAITING, **self.owner_of(deal)}
            deal_store.insert(self.store, row)
            self.schedule_nudge(row)
            log.info("crm deal new crm_id=%s owner_via=%s", crm_id, row["owner_via"])
            return "new"
        changes = dict(fields)
        if existing["status"] == deal_store.OUT:
            changes["status"] = deal_store.WAITING  # lost again after being won or reopened
        owner_changed = (deal.get("owner_email"), deal.get("owner_slack_id")) != (
            existing["owner_email"], existing["owner_slack_id"])
        if existing["owner_via"] != "reassigned" and (owner_changed or existing["user_id"] is None):
            changes.update(self.owner_of({**deal, "team": deal.get("team") or existing["team"]}))
        deal_store.update(self.store, crm_id, changes)
        self.schedule_nudge(deal_store.get(self.store, crm_id))
        return "updated"

    def leave_loop(self, crm_id: str, outcome: str) -> int:
        """A deal the CRM now calls won or open: out of the loop, its nudges cancelled. 1 if it was in."""
        existing = deal_store.get(self.store, crm_id)
        if existing is None or existing["status"] == deal_store.OUT:
            return 0
        deal_store.update(self.store, crm_id, {"status": deal_store.OUT, "stage": outcome})
        deal_store.cancel_reminders(self.store, crm_id)
        log.info("crm deal out of the loop crm_id=%s outcome=%s", crm_id, outcome)
        return 1

    # -- owners -----------------------------------------------------------------------------------

    def owner_of(self, deal: dict[str, Any]) -> dict[str, Any]:
        """``user_id``, ``owner_via`` and ``team`` for a deal; may queue an email lookup."""
        user, via = None, deal_store.UNRESOLVED
        email = deal.get("owner_email")
        if deal.get("owner_slack_id"):
            user, via = deal["owner_slack_id"], "crm"
        elif email:
            cached = deal_store.cached_email(self.store, email)
            if cached is None:
                outbox.enqueue(self.store, lookup_key(email), "users.lookupByEmail", {"email": email})
                via = deal_store.PENDING
            elif cached[0] == "found":
                user, via = cached[1], "lookup"
            elif self.teams.user_for_email(email):
                user, via = self.teams.user_for_email(email), "emails_map"
        return {"user_id": user, "owner_via": via, "team": self.team_for(user, deal.get("team"))}

    def team_for(self, user: str | None, named: str | None) -> str | None:
        """The owner's team; for an owner not found, the team the import named, or the only team."""
        team = self.teams.team_of(user) if user else None
        if team is not None:
            return team.id
        if named and self.teams.get(named) is not None:
            return named
        return self.teams.teams[0].id if len(self.teams.teams) == 1 else None

    def tick(self, now=None) -> int:
        """Finish email lookups the outbox has answered; schedule those owners' nudges."""
        resolved = 0
        for deal in deal_store.listed(self.store, owner_via=deal_store.PENDING):
            email = deal["owner_email"]
            cached = deal_store.cached_email(self.store, email)
            if cached is None:
                item = outbox.get(self.store, lookup_key(email))
                if item is None or item.status not in ("sent", "failed"):
                    continue
                found = (item.result or {}).get("user_id") if item.status == "sent" else None
                deal_store.remember_email(self.store, email, found)
                cached = ("found", found) if found else ("not_found", None)
            with self.store.transaction():
                user, via = (cached[1], "lookup") if cached[0] == "found" else (
                    self.teams.user_for_email(email), "emails_map")
                if user is None:
                    via = deal_store.UNRESOLVED
                team = self.team_for(user, deal["team"])
                if deal_store.update(self.store, deal["crm_id"], {"user_id": user, "owner_via": via, "team": team},
                                     only_if_status=deal["status"]):
                    self.schedule_nudge(deal_store.get(self.store, deal["crm_id"]))
                    resolved += user is not None
        if resolved:
            self.wake()
        return resolved

    # -- the nudge ---------------------------------------------------------------------------------

    def schedule_nudge(self, deal: dict[str, Any] | None) -> bool:
        """Nudge the owner at the next tick, once per deal (the key makes a repeat a no-op).

        A deal that closed more than ``NUDGE_WITHIN_DAYS`` ago is recorded (it counts in its
        week's coverage) but nobody is nudged: a first import of last year's losses must not
        send a rep fifty DMs about deals they no longer remember."""
        if deal is None or deal["status"] != deal_store.WAITING or not deal["user_id"]:
            return False
        oldest = (clock.now().date() - timedelta(days=NUDGE_WITHIN_DAYS)).isoformat()
        if deal["close_date"] and deal["close_date"] < oldest:
            return False
        return reminders.schedule(self.store, f"crm-nudge:{deal['crm_id']}", NUDGE, clock.now(),
                                  {"crm_id": deal["crm_id"]}, team=deal["team"], user_id=deal["user_id"])

    def unresolved(self) -> list[dict[str, Any]]:
        """Deals waiting whose owner nobody could find (and lookups still on their way)."""
        return [d for d in deal_store.listed(self.store, status=deal_store.WAITING) if d["user_id"] is None]
