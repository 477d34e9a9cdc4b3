"""Pilots agreed with /pilot-plan, followed from the agreement to the recorded outcome.

* :mod:`bot.flows.pilots.agreement`: facts, versions and the shareable document of a plan.
* :mod:`bot.flows.pilots.messages`: the Block Kit of the team card and the outcome and cost forms.
* :mod:`bot.flows.pilots.service`: what happens on submit, on the end date and on each click.
* :mod:`bot.flows.pilots.reports`: the weekly summary section and the quarter view.

:func:`extensions` plugs them in.
"""

from __future__ import annotations

from bot.flows.hooks import (
    ActionHook,
    FlowExtensions,
    FlowTools,
    HomeStartHook,
    ModalHook,
    ReminderHook,
    ReviewNoteHook,
    SubcommandHook,
)

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


def extensions(tools: FlowTools) -> FlowExtensions:
    """What /pilot-plan does beyond asking its questions:

    * on submit: the pilot (or its next version), the agreement as files in the rep's DM, the
      team card with an Edit button, and the outcome prompt on the end date;
    * on the review card: the open items, named before the rep submits;
    * `/pilot-plan edit | cancel | outcome | list`;
    * the outcome, action, cost and debrief buttons;
    * the pilots section of the weekly summary;
    * App Home: the "Plan a pilot" button, outcomes due and debriefs owed.
    """
    if PLAYBOOK not in tools.playbooks:
        return FlowExtensions()  # a playbooks folder without the pilot plan (tests, a trimmed install)
    from bot.flows.pilots import messages
    from bot.flows.pilots.home import PilotHome
    from bot.flows.pilots.outcomes import OutcomeRecorder
    from bot.flows.pilots.reports import weekly_provider
    from bot.flows.pilots.service import OUTCOME_KIND, SUBCOMMANDS, PilotFlow

    flow = PilotFlow(tools)
    recorder = OutcomeRecorder(flow)
    command = tools.playbooks[PLAYBOOK].command
    return FlowExtensions(
        after_submit=(flow.on_submit,),
        review_notes=(ReviewNoteHook(PLAYBOOK, flow.review_note),),
        subcommands=tuple(SubcommandHook(command, verb, flow.subcommand(verb)) for verb in SUBCOMMANDS),
        actions=(ActionHook(messages.EDIT, flow.on_edit_click), ActionHook(messages.ACTION, recorder.on_action),
                 ActionHook(messages.DEBRIEF, recorder.on_debrief)),
        # "Record the outcome" and "Record the cost" open modals (errors beside the field).
        modals=(ModalHook(messages.OUTCOME_MODAL, recorder.outcome_view, recorder.on_outcome,
                          action_id=messages.OUTCOME),
                ModalHook(messages.COST_MODAL, recorder.cost_view, recorder.on_cost, action_id=messages.COST)),
        reminders=(ReminderHook(OUTCOME_KIND, flow.on_outcome_due),),
        summary_sections=(weekly_provider(tools.store, tools.playbooks[PLAYBOOK]),),
        home_starts=(HomeStartHook(PLAYBOOK, "Plan a pilot", order=20),),
        open_items=(PilotHome(tools.store, tools.teams, tools.renderer).open_items,),
    )
