"""Concentration before the loss: `rebound book import FILE.csv` keeps each rep's signed book,
warns the rep and their manager (a DM through the outbox, once per contract per import) when
one contract carries more than the team's threshold of a book, and shows those contracts in
App Home and the team's weekly summary. Maths in bot/domain/book.py, rows in bot/store/book.py,
words in prompts/recover/book_*.md.j2."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.domain.book import HeavyContract, heavy_contracts, parse_book_csv
from bot.domain.csv_export import RowError
from bot.files.teams import Team, Teams
from bot.flows.hooks import SummarySection
from bot.render.blocks import fallback_text
from bot.render.slack_messages import note_blocks
from bot.render.templates import Renderer
from bot.store import book as book_store
from bot.store import outbox
from bot.store.db import Store


@dataclass(frozen=True)
class BookOutcome:
    kept: int
    owners: tuple[str, ...]
    errors: list[RowError]
    ignored_columns: tuple[str, ...]
    heavy: list[HeavyContract]
    warnings_queued: int


class Books:
    def __init__(self, store: Store, teams: Teams, renderer: Renderer, threshold_of):
        self.store = store
        self.teams = teams
        self.renderer = renderer
        self.threshold_of = threshold_of  # team id or None -> the team's concentration threshold

    def _team_id(self, owner: str) -> str | None:
        team = self.teams.team_of(owner)
        return team.id if team else None

    def heavy(self, contracts: list[dict[str, Any]]) -> list[HeavyContract]:
        """Heavy contracts, each owner's book judged by their own team's threshold."""
        by_team: dict[str | None, list[dict[str, Any]]] = {}
        for contract in contracts:
            by_team.setdefault(self._team_id(contract["owner"]), []).append(contract)
        found = [h for team, rows in by_team.items() for h in heavy_contracts(rows, self.threshold_of(team))]
        return sorted(found, key=lambda h: (-h.share, h.owner, h.account.casefold(), h.contract.casefold()))

    def import_book(self, text: str, *, default_owner: str | None = None,
                    default_currency: str | None = None) -> BookOutcome:
        """Keep the good rows (replacing their owners' books), then warn about each heavy contract.
        The import's id is the file's content, so running the same export twice warns once."""
        def owner_currency(owner: str) -> str | None:
            team = self.teams.team_of(owner)
            return team.currency if team else None

        parsed = parse_book_csv(text, default_currency=default_currency, default_owner=default_owner,
                                owner_currency=owner_currency)
        import_id = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        owners = tuple(dict.fromkeys(row["owner"] for row in parsed.rows))
        queued = 0
        with self.store.transaction():
            book_store.replace_books(self.store, parsed.rows, teams={o: self._team_id(o) for o in owners},
                                     import_id=import_id)
            heavy = self.heavy([c for owner in owners for c in book_store.contracts(self.store, owner=owner)])
            for contract in heavy:
                queued += self._warn(contract, import_id)
        return BookOutcome(len(parsed.rows), owners, parsed.errors, parsed.ignored_columns, heavy, queued)

    def _warn(self, heavy: HeavyContract, import_id: str) -> int:
        team = self.teams.team_of(heavy.owner)
        recipients = [(heavy.owner, "rep")] + [(m, "manager") for m in (team.managers if team else [])
                                               if m != heavy.owner]
        queued = 0
        for user_id, role in recipients:
            text = self.renderer.render("recover/book_warning.md.j2", {"c": heavy.to_dict(), "role": role})
            key = f"book-warn:{import_id}:{heavy.owner}:{heavy.account}|{heavy.contract}:{user_id}"
            queued += outbox.enqueue(self.store, key, "chat.postMessage",
                                     {"channel": user_id, "text": fallback_text(text), "blocks": note_blocks(text),
                                      "unfurl_links": False}, team=team.id if team else None)
        return queued

    # -- App Home and the weekly summary ------------------------------------------------------

    def home_sections(self, user_id: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
        heavy = self.heavy(book_store.contracts(self.store, owner=user_id))
        for team in self.teams.managed_by(user_id):
            heavy += [h for h in self.heavy(book_store.contracts(self.store, team=team.id)) if h.owner != user_id]
        if not heavy:
            return []
        text = self.renderer.render("recover/book_section.md.j2", {"heavy": [h.to_dict() for h in heavy],
                                                                   "viewer": user_id})
        return [("Concentration in your book", [(line, None) for line in text.splitlines() if line.strip()])]

    def summary_section(self, team: Team, week_start: date, next_monday: date) -> SummarySection | None:
        heavy = self.heavy(book_store.contracts(self.store, team=team.id))
        if not heavy:
            return None
        return SummarySection(key="book_concentration", title="Concentration in the signed book",
                              template="recover/book_section.md.j2",
                              context={"heavy": [h.to_dict() for h in heavy], "viewer": None}, order=65)


__all__ = ["Books", "BookOutcome"]
