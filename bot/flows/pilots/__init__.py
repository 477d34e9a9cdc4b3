"""Pilots agreed with /pilot-plan, followed from the agreement to the recorded outcome.

* :mod:`bot.flows.pilots.agreement`: facts, versions and the shareable document of a plan.
* :mod:`bot.flows.pilots.messages`: the Block Kit of the team card and the outcome and cost forms.
* :mod:`bot.flows.pilots.service`: what happens on submit, on the end date and on each click.
* :mod:`bot.flows.pilots.reports`: the weekly summary section and the quarter view.

``bot.flows.pilots.flow.register`` plugs them into the services.
"""

from __future__ import annotations

PLAYBOOK = "pilot-plan"

# The outcome matrix of playbooks/pilot-plan.yml: (outcome key, label). Each key has the
# steps ``<key>_action`` and ``<key>_decider``.
OUTCOMES: tuple[tuple[str, str], ...] = (
    ("all_met", "All criteria met"),
    ("partly_met", "Partly met"),
    ("not_met", "Not met"),
    ("inconclusive", "Inconclusive"),
    ("blocked", "Blocked from outside"),
)
OUTCOME_LABELS = dict(OUTCOMES)

# Agreed actions that end the pilot without the full deal: the deal is lost (stop) or only
# partly saved (re-scope), so the cost of the mistake is recorded and a debrief offered.
LOSING_ACTIONS = ("stop", "re_scope")


def register(services) -> None:
    from bot.flows.pilots.flow import register as register_pilots

    register_pilots(services)
