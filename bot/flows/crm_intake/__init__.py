"""Every closed-lost deal gets its debrief: deals from the CRM (CSV export or webhook), the
owner's nudge and its one reminder, the debrief prefilled from the CRM, and coverage in the
weekly summary.

* :mod:`~bot.flows.crm_intake.service`: deals in (``rebound crm import``, ``POST /crm/closed-lost``), owners.
* :mod:`~bot.flows.crm_intake.nudges`: the nudge, its buttons, the prefilled debrief, the link on submit.
* :mod:`~bot.flows.crm_intake.messages`: the Block Kit of the nudge and of /debrief's offer.
* :mod:`~bot.flows.crm_intake.reports`: coverage in the weekly summary and ``rebound deals``.
"""

from __future__ import annotations

from bot.flows.hooks import ActionHook, FlowExtensions, FlowTools, OfferHook, ReminderHook

PLAYBOOK = "debrief"


def extensions(tools: FlowTools) -> FlowExtensions:
    from bot.flows.crm_intake import messages
    from bot.flows.crm_intake.nudges import Nudges
    from bot.flows.crm_intake.reports import CrmReports
    from bot.flows.crm_intake.service import NUDGE, REMINDER, CrmIntake

    intake = CrmIntake(tools)
    nudges = Nudges(tools)
    reports = CrmReports(tools.store, tools.renderer)
    return FlowExtensions(
        actions=(ActionHook(messages.DEBRIEF, nudges.on_debrief), ActionHook(messages.LATER, nudges.on_later),
                 ActionHook(messages.NOT_MINE, nudges.on_not_mine), ActionHook(messages.OWNER, nudges.on_owner),
                 ActionHook(messages.FRESH, nudges.on_fresh)),
        reminders=(ReminderHook(NUDGE, nudges.on_nudge), ReminderHook(REMINDER, nudges.on_reminder)),
        # An owner found by email on a tick is nudged on the next one (30 seconds): within a minute.
        tick_tasks=(intake.tick,),
        after_submit=(nudges.on_submit,),  # Slack and the terminal alike
        offers=(OfferHook(PLAYBOOK, nudges.offer),),
        summary_sections=(reports.summary_section,),
        open_items=(reports.open_items,),  # App Home: debriefs owed
    )
