"""Recovering lost revenue after submit: recorded plans, the opportunities a rep works, team
weights, the ranked action plan and progress.

* :mod:`~bot.flows.recovery.service`: the work, reading and writing through bot/store/recovery.py
  and doing its maths in bot/domain.
* :mod:`~bot.flows.recovery.actions`: the prefill, the plan message, its progress menu and the
  `/recover` subcommands.
* :mod:`~bot.flows.recovery.messages`: a plan view as text and Block Kit.
* :mod:`~bot.flows.recovery.reports`: progress in App Home and the weekly summary.
"""

from __future__ import annotations

from bot.flows.hooks import (ActionHook, FlowExtensions, FlowTools, HomeStartHook, ModalHook, PrefillHook,
                             SubcommandHook)

PLAYBOOK = "recover"
COMMAND = "/recover"


def extensions(tools: FlowTools) -> FlowExtensions:
    from bot.flows.recovery import messages
    from bot.flows.recovery.accounts import AccountMaps
    from bot.flows.recovery.actions import RecoveryActions
    from bot.flows.recovery.book import Books
    from bot.flows.recovery.reports import RecoveryReports
    from bot.flows.recovery.service import Recovery
    from bot.flows.recovery import import_modal, rate_modal, weights_modal

    recovery = Recovery(tools.store, tools.teams)
    accounts = AccountMaps(tools.store, tools.renderer, recovery.today_for)
    books = Books(tools.store, tools.teams, tools.renderer, recovery.threshold)
    actions = RecoveryActions(recovery, tools.store, tools.teams, tools.renderer)
    reports = RecoveryReports(recovery, tools.teams, tools.renderer)
    weights = weights_modal.WeightsModal(recovery)
    upload = import_modal.ImportModal(recovery, tools.renderer, tools.slack)
    rate = rate_modal.RateModal(recovery, tools.store, tools.renderer)
    verbs = {"weights": actions.weights_command, "import": actions.import_command,
             "threshold": actions.threshold_command, "plan": actions.plan_command, "account": accounts.command,
             "rate": actions.rate_command}
    return FlowExtensions(
        after_submit=(recovery.record_plan,),
        prefills=(PrefillHook(PLAYBOOK, actions.prefill),),
        after_summary=(actions.post_plan,),
        actions=(ActionHook(messages.PROGRESS_ACTION, actions.on_progress),),
        subcommands=tuple(SubcommandHook(COMMAND, verb, actions.guarded(handler)) for verb, handler in verbs.items()),
        home_sections=(reports.home_sections, accounts.home_sections, books.home_sections),
        summary_sections=(reports.summary_section, books.summary_section),
        # A bare `/recover weights` opens number inputs per factor; typed weights still work.
        # A bare `/recover import` opens a file upload (the CSV export); a paste after it still works.
        # ... and the plan offers the weights modal while nobody on the team has given weights.
        modals=(ModalHook(weights_modal.CALLBACK_ID, weights.view, weights.submit, command=COMMAND, verb="weights",
                          action_id=messages.WEIGHTS_ACTION),
                ModalHook(import_modal.CALLBACK_ID, upload.view, upload.submit, command=COMMAND, verb="import"),
                # The team's own factors asked per opportunity: a bare `/recover rate` or the plan's button.
                ModalHook(rate_modal.CALLBACK_ID, rate.view, rate.submit, command=COMMAND, verb="rate",
                          action_id=rate_modal.RATE_ACTION)),
        home_starts=(HomeStartHook(PLAYBOOK, "Recovery plan", order=40),),
        open_items=(reports.open_items,),
    )
