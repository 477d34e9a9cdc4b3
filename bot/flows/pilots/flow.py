"""The pilots flow's extensions: what /pilot-plan does beyond asking its questions.

* on submit: the pilot (or its next version), the agreement as files in the rep's DM, the
  team card with an Edit button, and the outcome prompt on the end date;
* on the review card: the open items, named before the rep submits;
* `/pilot-plan edit | cancel | outcome | list`;
* the outcome, action, cost and debrief buttons;
* the pilots section of the weekly summary.

The work itself lives in :mod:`bot.flows.pilots`.
"""

from __future__ import annotations

from bot.flows.pilots import PLAYBOOK
from bot.flows.pilots import messages


def register(services) -> None:
    if PLAYBOOK not in services.playbooks:
        return  # a playbooks folder without the pilot plan (tests, a trimmed install)
    from bot.flows.pilots.service import OUTCOME_KIND, SUBCOMMANDS, PilotFlow
    from bot.flows.pilots.outcomes import OutcomeRecorder
    from bot.flows.pilots.reports import weekly_provider

    flow = PilotFlow(services)
    recorder = OutcomeRecorder(flow)
    command = services.playbooks[PLAYBOOK].command

    services.submissions.after_submit.append(flow.on_submit)
    services.chat.review_notes[PLAYBOOK] = flow.review_note
    for verb in SUBCOMMANDS:
        services.chat.subcommands[(command, verb)] = flow.subcommand(verb)
    services.chat.extra_actions.update({
        messages.EDIT: flow.on_edit_click,
        messages.OUTCOME: recorder.on_outcome,
        messages.ACTION: recorder.on_action,
        messages.COST: recorder.on_cost,
        messages.DEBRIEF: recorder.on_debrief,
    })
    if services.dispatcher is not None:
        services.dispatcher.handlers[OUTCOME_KIND] = flow.on_outcome_due
    services.summary_sections.append(weekly_provider(services.store, services.playbooks[PLAYBOOK]))
