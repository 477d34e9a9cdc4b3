"""The graceful no: the rep's notes of a customer's no, a draft reply and the check-back."""

from __future__ import annotations


def register(services) -> None:
    from bot.flows.graceful_no.service import register as register_graceful_no

    register_graceful_no(services)
