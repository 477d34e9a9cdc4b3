"""The debrief: a rep's look back at a lost deal, its managers' review and the weekly numbers.

* :mod:`~bot.flows.debrief.service`: the managers' review DM on submit, their buttons, ``/debrief show``.
* :mod:`~bot.flows.debrief.messages`: the Block Kit of the review DM.
* :mod:`~bot.flows.debrief.one_on_one`: "Schedule 1:1 review" asks the day and reminds the manager on it.
* :mod:`~bot.flows.debrief.costs`: `rebound costs`, what lost deals and pilots cost in a quarter.
* :mod:`~bot.flows.debrief.facts`: the facts of each debrief the weekly numbers add up.
* :mod:`~bot.flows.debrief.home`: managers' App Home: reviews waiting, the last summary's link.
* :mod:`~bot.flows.debrief.reports`: a team's weekly summary (with every flow's sections);
  :mod:`~bot.flows.debrief.digests`: the head of sales' roll-up and the product and enablement digests.
"""

from __future__ import annotations

from bot.flows.hooks import ActionHook, FlowExtensions, FlowTools, HomeStartHook, ModalHook, ReminderHook, SubcommandHook

PLAYBOOK = "debrief"


def extensions(tools: FlowTools) -> FlowExtensions:
    from bot.flows.debrief.digests import InsightDigests, Rollup
    from bot.flows.debrief.home import DebriefHome
    from bot.flows.debrief.messages import REVIEW_DONE, REVIEW_REMIND_ON, REVIEW_SCHEDULE
    from bot.flows.debrief.one_on_one import KIND as ONE_ON_ONE_REMINDER
    from bot.flows.debrief.reports import WeeklySummaries
    from bot.flows.debrief.review_notes import CALLBACK_ID, NOTES_ACTION, ReviewNotes
    from bot.flows.debrief.service import DebriefFlow

    flow = DebriefFlow(tools)
    notes = ReviewNotes(tools, PLAYBOOK)
    command = tools.playbooks[PLAYBOOK].command if PLAYBOOK in tools.playbooks else "/debrief"
    return FlowExtensions(
        after_submit=(flow.after_submit,),
        actions=(ActionHook(REVIEW_DONE, flow.on_review), ActionHook(REVIEW_SCHEDULE, flow.on_review),
                 ActionHook(REVIEW_REMIND_ON, flow.one_on_one.on_pick)),
        reminders=(ReminderHook(ONE_ON_ONE_REMINDER, flow.one_on_one.on_due),),
        subcommands=(SubcommandHook(command, "show", flow.show),),
        modals=(ModalHook(CALLBACK_ID, notes.view, notes.submit, action_id=NOTES_ACTION),),
        tick_tasks=(WeeklySummaries(tools).tick, Rollup(tools).tick, InsightDigests(tools).tick),
        home_starts=(HomeStartHook(PLAYBOOK, "Debrief a loss", order=10),),
        home_sections=(DebriefHome(tools.store, tools.teams, tools.renderer).home_sections,),
    )
