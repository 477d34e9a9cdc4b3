"""/recover end to end over real HTTP: the loss prefilled from the latest debrief, the plan
posted after the summary, progress from its ⋯ menus, App Home, and the subcommands
(weights, import, threshold, plan)."""

from __future__ import annotations

import json


from bot.flows.recovery.messages import PROGRESS_ACTION
from bot.store import recovery as rs
from bot.store import runs as run_store
from tests.support.dm_driver import DmDriver
from tests.support.modal_driver import ModalDriver

REP, REP2, MGR = "U0REP1", "U0REP2", "U0MGR1"

CSV = """Opportunity Name,Account,Amount,Probability,Close Date
Dispatch analytics,Cascade Cold Chain,60000,40,2027-01-29
New logo,Summit Building Supply,lots,20,2027-03-31
Fleet expansion,Pinecrest Foods,45000,70%,2026-12-18"""


def usd(amount):
    return {"amount": amount, "currency": "USD"}


def debrief(app, user: str = REP) -> str:
    """A submitted debrief of a lost renewal, as the debrief flow stores it."""
    store = app.services.store
    run = run_store.create_run(store, playbook="debrief", playbook_version=1, user_id=user, team="west", cursor=None)
    for step, value in (("deal", "Northwind renewal"), ("amount", usd(120000)), ("lost_renewal", True),
                        ("retained_amount", usd(35000))):
        run_store.save_answer(store, run.id, step, value, cursor=None, skipped=[])
    run_store.mark_submitted(store, run.id)
    return run.id


def finish(dm: DmDriver, user: str, answers: dict) -> None:
    """Answer what is on screen: DM questions by typing, form pages in their modal; then Submit.
    A list given as typed lines (``name | amount | ...``) is put into the form's item fields."""
    playbook = dm.app.services.playbooks["recover"]
    for _ in range(len(playbook.steps) * 2):
        screen = dm.screen(user)
        if screen.step_id == "review":
            dm.click(user, "Submit")
            return
        if screen.step_id.startswith("form:"):
            given = dict(answers)
            for step in playbook.questions:
                if step.type == "list" and isinstance(given.get(step.id), str):
                    ids_ = [f.id for f in step.fields]
                    given[step.id] = [dict(zip(ids_, (part.strip() for part in line.split("|"))))
                                      for line in given[step.id].splitlines() if line.strip()]
            ModalDriver(dm).complete(user, playbook, given)
            continue
        if answers.get(screen.step_id) is not None:
            dm.type(user, answers[screen.step_id])
        else:
            dm.click(user, "Skip")
    raise AssertionError("never reached the review card")


def plan_message(slack_api, user: str = REP) -> tuple[str, dict]:
    """(ts, message) of the newest plan message in the user's DM, as Slack holds it now."""
    for (channel, ts), message in sorted(slack_api.messages.items(), key=lambda kv: kv[0][1], reverse=True):
        if channel == "D" + user and "Your recovery action plan" in json.dumps(message.get("blocks")):
            return ts, message
    raise AssertionError("no plan message")


def menu_block(message: dict, name: str) -> dict:
    return next(b for b in message["blocks"] if b.get("accessory", {}).get("type") == "overflow"
                and name in b["text"]["text"])


def test_recover_from_the_latest_debrief_to_a_ranked_plan(app, dm, slack_api):
    source = debrief(app)
    reply = dm.command(REP, "/recover")
    assert reply.status == 200
    texts = dm.dm_texts(REP)
    assert "A loss leaves a hole" in texts[0]
    assert "I took the loss from your debrief of *Northwind renewal*" in texts[1]
    assert "USD 120,000 lost, USD 35,000 kept" in texts[1]
    assert dm.screen(REP).step_id == "form:numbers"  # lost and kept are filled in
    # the command's trigger opened the numbers page, what the debrief gave already in it
    (opened,) = slack_api.calls_to("views.open")
    numbers = {b["block_id"]: b["element"] for b in opened.params["view"]["blocks"] if b["type"] == "input"}
    assert list(numbers) == ["s|retained_amount", "s|quota", "s|current_pipeline", "s|win_rate"]
    assert numbers["s|retained_amount"]["initial_value"] == "35000 USD"
    finish(dm, REP, {"opportunities": "Summit Building Supply – new logo | 90k | 20% | 2027-03-31 | 5 | 2 | 4\n"
                                      "Pinecrest Foods – fleet | 45k | 70% | 2026-12-18 | 3 | 5 | 1\n"
                                      "Cascade – analytics | 60k | 40% | 2027-01-29 | 4 | 3 | 2"})

    run = run_store.list_runs(app.services.store, user_id=REP, playbook="recover")[0]
    assert run.status == "submitted" and run.meta["from_debrief"] == source
    plan = rs.get_plan(app.services.store, run.id)
    assert plan.lost == usd(120000) and plan.unrecovered == usd(85000) and plan.source_run_id == source
    texts = dm.dm_texts(REP)
    summary_at = next(i for i, t in enumerate(texts) if "*The arithmetic*" in t)
    plan_at = next(i for i, t in enumerate(texts) if "Your recovery action plan" in t)
    assert summary_at < plan_at  # the ranked plan follows the summary
    _, message = plan_message(slack_api)
    text = json.dumps(message["blocks"], ensure_ascii=False)
    assert "Add USD 255,000" not in text and "gap left *USD 85,000*" in text
    assert "Pipeline still to build for the loss: *USD 255,000* (3x the gap left)" in text
    rows = [b["text"]["text"] for b in message["blocks"] if b.get("accessory", {}).get("type") == "overflow"]
    assert [row.split("*")[1] for row in rows] == [
        "Pinecrest Foods – fleet", "Cascade – analytics", "Summit Building Supply – new logo"]
    # a second /recover does not offer the same debrief again
    dm.command(REP, "/recover")
    assert dm.screen(REP).step_id == "lost_amount"


def test_one_shortfall_figure_from_summary_to_action_plan_with_the_exact_multiple(app, dm, slack_api):
    dm.command(REP, "/recover", "$3.3M")
    finish(dm, REP, {"retained_amount": "0", "quota": "$11.3M", "current_pipeline": "$40M", "win_rate": "30%",
                     "opportunities": "Pinecrest | 6M | 70%\nCascade | 2M | 40%"})
    post = next(p for p in dm.posts_to(REP) if "*The arithmetic*" in json.dumps(p.get("blocks")))
    summary = "\n".join(b["text"]["text"] for b in post["blocks"] if b.get("type") == "section")
    # 1 / 30% = 3.333...: 3,300,000 x 3.333... = 11,000,000 exactly (3.33 would give 10,989,000)
    assert "× 3.33 (one over your 30% win rate)" in summary
    assert "Add USD 11,000,000 of new pipeline" in summary
    # 11,300,000 x 3.333... = 37,666,666.67, shown in whole units; + 11,000,000 = 48,666,667
    assert ("USD 37,666,667 for the quota (3.33 × USD 11,300,000) + USD 11,000,000 for the loss = "
            "*USD 48,666,667* of pipeline needed") in summary
    assert "Pipeline shortfall (quota and loss): USD 8,666,667." in summary  # 48,666,667 - 40,000,000
    _, message = plan_message(slack_api)
    text = json.dumps(message["blocks"], ensure_ascii=False)
    # the action plan quotes the same shortfall under the same name, and the loss's pipeline unrounded
    assert "Pipeline shortfall when you made this plan (quota and loss): *USD 8,666,667*" in text
    assert "Pipeline still to build for the loss: *USD 11,000,000* (3.33x the gap left)" in text
    # the other figure has its own name: what the top 2 leave of the 11,000,000
    assert "The top 2 add up to USD 8,000,000: USD 3,000,000 of the pipeline still to build is left after them." in text
    assert ".67" not in summary + text and "10,989,000" not in text
    [plan] = rs.plans(app.services.store, user_id=REP)
    assert plan.pipeline_to_add == usd(11000000) and plan.multiple == 100 / 30


def test_progress_from_the_plan_menu_updates_the_plan_home_and_summary(app, dm, slack_api):
    dm.command(REP, "/recover", "$100k")
    finish(dm, REP, {"retained_amount": "$20k", "opportunities": "Pinecrest | 45k | 70%\nCascade | 60k | 40%"})
    ts, message = plan_message(slack_api)
    block = menu_block(message, "Pinecrest")
    options = [o["value"] for o in block["accessory"]["options"]]
    assert options == ["won", "lost", "moved"]
    dm.sender.action(REP, PROGRESS_ACTION, block_id=block["block_id"], selected_option="won", message_ts=ts)
    app.drain()

    [pinecrest] = [o for o in rs.opportunities(app.services.store, user_id=REP) if o.name == "Pinecrest"]
    assert pinecrest.status == "won"
    _, updated = plan_message(slack_api)
    text = json.dumps(updated["blocks"], ensure_ascii=False)
    assert "recovered so far *USD 45,000* · gap left *USD 35,000*" in text
    assert "*Won:* Pinecrest (USD 45,000)" in text
    assert any("Won: *Pinecrest*" in t and "USD 35,000 left to replace" in t for t in dm.dm_texts(REP))

    # the same click again (a double click with a new action_ts) changes nothing
    updates = len(slack_api.calls_to("chat.update"))
    dm.sender.action(REP, PROGRESS_ACTION, block_id=block["block_id"], selected_option="won", message_ts=ts)
    app.drain()
    assert len(slack_api.calls_to("chat.update")) == updates

    # someone else's click is refused
    cascade = menu_block(updated, "Cascade")
    dm.sender.action(REP2, PROGRESS_ACTION, block_id=cascade["block_id"], selected_option="won", message_ts=ts)
    app.drain()
    assert all(o.status != "won" for o in rs.opportunities(app.services.store, user_id=REP) if o.name == "Cascade")
    assert any("someone else" in t for t in dm.dm_texts(REP2))

    dm.sender.event({"type": "app_home_opened", "user": REP, "tab": "home", "channel": "D" + REP})
    dm.sender.event({"type": "app_home_opened", "user": MGR, "tab": "home", "channel": "D" + MGR})
    app.drain()
    published = {c.params["user_id"]: json.dumps(c.params["view"], ensure_ascii=False)
                 for c in slack_api.calls_to("views.publish")}
    assert "Recovering lost revenue" in published[REP] and "gap left *USD 35,000*" in published[REP]
    # and in the rep's open items, one line
    assert "Recovery plan: recovered *USD 45,000* of USD 100,000 lost, gap left *USD 35,000*" in published[REP]
    assert "West Enterprise: recovery" in published[MGR] and "<@U0REP1>" in published[MGR]


def test_mixed_currencies_are_refused_in_the_conversation(app, dm):
    dm.command(REP, "/recover", "€100k")
    assert dm.screen(REP).step_id == "form:numbers"
    modal = ModalDriver(dm)
    modal.open(REP)
    modal.fill("s|retained_amount", "$20k")
    body = modal.submit(REP).json()
    assert body["response_action"] == "errors" and list(body["errors"]) == ["s|retained_amount"]
    assert "Please give it in EUR, like the lost amount" in body["errors"]["s|retained_amount"]
    assert "retained_amount" not in run_store.find_active(app.services.store, REP, "recover").answers
    modal.fill("s|retained_amount", "20k")
    modal.submit(REP)
    run = run_store.find_active(app.services.store, REP, "recover")
    assert run.answers["retained_amount"] == {"amount": 20000, "currency": "EUR"}


def test_weights_subcommand_average_lock_and_refusals(app, dm):
    reply = dm.command(REP, "/recover", "weights revenue 9 probability 6 time 0 fit 3 relationship 1 effort 1").json()
    assert "Saved your weights" in reply["text"] and "the average of 1 member" in reply["text"]
    dm.command(REP2, "/recover", "weights revenue 1 probability 4 time 6 fit 3 relationship 3 effort 3")
    shown = dm.command(REP, "/recover", "weights show").json()["text"]
    assert "the average of 2 members" in shown and "revenue: 25%" in shown and "effort: 10%" in shown
    assert "Only a team's manager" in dm.command(REP, "/recover", "weights lock").json()["text"]
    locked = dm.command(MGR, "/recover", "weights lock").json()["text"]
    assert "Locked" in locked and "locked by <@U0MGR1>" in locked
    after = dm.command(REP2, "/recover", "weights revenue 10 probability 0").json()["text"]
    assert "locked by your manager" in after and "revenue: 25%" in after
    bad = dm.command(REP, "/recover", "weights vibes 3").json()["text"]
    assert "unknown ranking factor 'vibes'" in bad
    assert "not on a team" in dm.command("U0STRANGER", "/recover", "weights").json()["text"]
    assert run_store.list_runs(app.services.store) == []  # none of this starts a conversation


def test_weights_each_member_counts_equally_and_sees_their_own_percentages(app, dm):
    # raw points averaged would give revenue 10 / 11 = 91%; shares of 100% first give 50/50
    mine = dm.command(REP, "/recover", "weights revenue 10").json()["text"]
    # factors left out count as 0 for the member: "revenue 10" alone is revenue 100%, not 40%
    assert "which count as revenue 100% · probability 0% · time to close 0% · fit 0% · relationship 0% · effort 0%" in mine
    assert "• revenue: 100%" in mine and "• probability: 0%" in mine
    theirs = dm.command(REP2, "/recover", "weights probability 1").json()["text"]
    assert "which count as revenue 0% · probability 100%" in theirs
    assert "the average of 2 members" in theirs
    assert "• revenue: 50%" in theirs and "• probability: 50%" in theirs and "• effort: 0%" in theirs


def test_weights_modal_number_inputs_per_factor_with_the_resulting_percentages(app, dm, slack_api):
    dm.command(REP2, "/recover", "weights revenue 1 probability 4 time 6 fit 3 relationship 3 effort 3")
    reply = dm.command(REP, "/recover", "weights").json()
    assert "Opened it in a window" in reply["text"]
    (opened,) = slack_api.calls_to("views.open")
    view = opened.params["view"]
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [(b["block_id"], b["element"]["type"], b["element"]["initial_value"]) for b in inputs] == [
        ("w|revenue", "number_input", "5"), ("w|probability", "number_input", "5"), ("w|time_to_close", "number_input", "3"),
        ("w|strategic_fit", "number_input", "3"), ("w|relationship", "number_input", "2"), ("w|effort", "number_input", "2")]
    assert "West Enterprise* ranks with the average of 1 member(s) now: revenue 5% · probability 20% · " \
           "time to close 30% · fit 15% · relationship 15% · effort 15%" in view["blocks"][-1]["elements"][0]["text"]
    points = {"revenue": "9", "probability": "6", "time_to_close": "0", "strategic_fit": "3", "relationship": "1",
              "effort": "12"}
    state = {f"w|{k}": {"v": {"type": "number_input", "value": v}} for k, v in points.items()}
    body = dm.sender.view_submission(REP, "rb_weights", state, private_metadata="west").json()
    assert body["response_action"] == "errors" and list(body["errors"]) == ["w|effort"]
    assert "10" in body["errors"]["w|effort"]  # the number parser's own words about the maximum
    state["w|effort"] = {"v": {"type": "number_input", "value": "1"}}
    body = dm.sender.view_submission(REP, "rb_weights", state, private_metadata="west").json()
    assert body["response_action"] == "update"
    text = json.dumps(body["view"], ensure_ascii=False)
    assert "Your points make: revenue 45% \u00b7 probability 30% \u00b7 time to close 0% \u00b7 fit 15%" in text
    assert "The team now ranks with: revenue 25%" in text
    shown = dm.command(REP, "/recover", "weights show").json()["text"]
    assert "the average of 2 members" in shown and "revenue: 25%" in shown


def test_import_subcommand_keeps_good_rows_and_lists_bad_ones(app, dm):
    reply = dm.command(REP, "/recover", "import\n" + CSV).json()["text"]
    assert "Imported 2 opportunities (2 new, 0 updated) in USD" in reply
    assert "line 3: Amount 'lots' is not a number" in reply
    assert [o.name for o in rs.opportunities(app.services.store, user_id=REP)] == ["Dispatch analytics", "Fleet expansion"]
    assert "Opened it in a window" in dm.command(REP, "/recover", "import").json()["text"]  # the upload modal
    assert "No recovery plan yet" in dm.command(REP, "/recover", "plan").json()["text"]
    # the next plan ranks them, and /recover plan posts it again
    dm.command(REP, "/recover", "$10k")
    finish(dm, REP, {"retained_amount": "0"})
    assert "posted your action plan" in dm.command(REP, "/recover", "plan").json()["text"]
    _, message = plan_message(dm.slack_api)
    assert "Fleet expansion" in json.dumps(message["blocks"])


def test_threshold_subcommand_is_for_managers(app, dm):
    assert "holds more than 50% of a book" in dm.command(REP, "/recover", "threshold").json()["text"]
    assert "Only a team's manager" in dm.command(REP, "/recover", "threshold 20%").json()["text"]
    assert "holds more than 40% of a book" in dm.command(MGR, "/recover", "threshold 40%").json()["text"]
    assert rs.team_settings(app.services.store, "west").concentration_threshold == 0.4
    assert "expected a percentage such as 40%" in dm.command(MGR, "/recover", "threshold lots").json()["text"]


def test_import_in_slack_takes_an_uploaded_csv_file(app, dm, slack_api):
    assert "Opened it in a window" in dm.command(REP, "/recover", "import").json()["text"]
    (opened,) = slack_api.calls_to("views.open")
    (block,) = opened.params["view"]["blocks"]
    assert block["element"]["type"] == "file_input" and block["element"]["filetypes"] == ["csv", "txt"]
    # no file: said beside the input
    body = dm.sender.view_submission(REP, "rb_import", {"file": {"v": {"type": "file_input", "files": []}}}).json()
    assert body == {"response_action": "errors", "errors": {"file": "Please add the CSV file."}}
    # every row bad: nothing imported, the first reason beside the input
    bad = slack_api.add_file("bad.csv", b"Opportunity Name,Amount\nDispatch analytics,lots\n")
    body = dm.sender.view_submission(REP, "rb_import", {"file": {"v": {"type": "file_input", "files": [bad]}}}).json()
    assert body["response_action"] == "errors"
    assert body["errors"]["file"] == "Nothing imported: line 2: Amount 'lots' is not a number"
    good = slack_api.add_file("export.csv", CSV.encode())
    body = dm.sender.view_submission(REP, "rb_import", {"file": {"v": {"type": "file_input", "files": [good]}}}).json()
    assert body["response_action"] == "update"
    text = json.dumps(body["view"], ensure_ascii=False)
    assert "Imported 2 opportunities (2 new, 0 updated) in USD" in text and "line 3: Amount 'lots' is not a number" in text
    assert [o.name for o in rs.opportunities(app.services.store, user_id=REP)] == ["Dispatch analytics", "Fleet expansion"]
    # the file was read with files.info and the bot token on the private URL
    assert [c.params["file"] for c in slack_api.calls_to("files.info")] == [bad["id"], good["id"]]
    downloads = slack_api.calls_to("file_download")
    assert [c.token for c in downloads] == [slack_api.token, slack_api.token]


def plan_buttons(message: dict) -> dict[str, dict]:
    return {element["text"]["text"]: element for block in message["blocks"] if block["type"] == "actions"
            for element in block["elements"]}


def test_the_plan_offers_the_weights_while_nobody_on_the_team_has_given_any(app, dm, slack_api):
    """Issue 16: weighting is offered inside /recover the first time a team has no weights: the
    plan ranked on the defaults carries a button opening the weights modal; once a member has
    given theirs, a new plan no longer offers it."""
    debrief(app)
    dm.command(REP, "/recover")
    finish(dm, REP, {"opportunities": "Pinecrest Foods – fleet | 45k | 70% | 2026-12-18 | 3 | 5 | 1"})
    ts, message = plan_message(slack_api)
    assert "the default weights (nobody on your team has given theirs yet)" in json.dumps(message["blocks"])
    offer = plan_buttons(message)["Set your team's weights"]
    block = next(b for b in message["blocks"] if b["type"] == "actions")
    opened_before = len(slack_api.calls_to("views.open"))
    dm.sender.action(REP, offer["action_id"], value=offer["value"], block_id=block["block_id"], message_ts=ts,
                     channel_id="D" + REP)
    app.drain()
    opened = slack_api.calls_to("views.open")
    assert len(opened) == opened_before + 1 and opened[-1].params["view"]["callback_id"] == "rb_weights"

    dm.command(REP2, "/recover", "weights revenue 9 probability 6 time 0 fit 3 relationship 1 effort 1")
    dm.command(REP, "/recover", "plan")
    _, again = plan_message(slack_api)
    assert "your team’s average weights" in json.dumps(again["blocks"], ensure_ascii=False)
    assert "Set your team's weights" not in plan_buttons(again)
