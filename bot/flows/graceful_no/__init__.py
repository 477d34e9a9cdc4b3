"""The graceful no: the rep's notes of a customer's no, a draft reply and the check-back.

* :mod:`~bot.flows.graceful_no.service`: the rep's name from their last reply, and the offer to debrief
  after the summary, with its button.
* :mod:`~bot.flows.graceful_no.messages`: the Block Kit of that offer.
* :mod:`~bot.flows.graceful_no.reports`: upcoming check-backs in App Home and the weekly summary.
"""

from __future__ import annotations

from bot.flows.hooks import ActionHook, FlowExtensions, FlowTools, HomeStartHook, PrefillHook

PLAYBOOK = "graceful-no"


def extensions(tools: FlowTools) -> FlowExtensions:
    from bot.flows.graceful_no.messages import START_DEBRIEF
    from bot.flows.graceful_no.reports import Checkbacks
    from bot.flows.graceful_no.service import GracefulNoFlow

    flow = GracefulNoFlow(tools)
    checkbacks = Checkbacks(tools.store, tools.teams, tools.renderer)
    return FlowExtensions(
        after_summary=(flow.offer_debrief,),
        actions=(ActionHook(START_DEBRIEF, flow.on_start_debrief),),
        prefills=(PrefillHook(PLAYBOOK, flow.prefill),),
        home_sections=(checkbacks.home_sections,),
        summary_sections=(checkbacks.summary_section,),
        home_starts=(HomeStartHook(PLAYBOOK, "Graceful no", order=30),),
        open_items=(checkbacks.open_items,),
    )
