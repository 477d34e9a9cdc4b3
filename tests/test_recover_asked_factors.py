"""A team's own factor asked per opportunity (teams file, `source: asked`): typed with each
opportunity in /recover (the form page, the DM and the terminal share the step), rated later on
the plan's opportunities in a modal, stored in SQLite, and ranked with the value given; "not
known yet" ranks as average until then, and the plan says which are unknown."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from bot.config import PROJECT_ROOT
from bot.engine import runner
from bot.engine.loader import load_playbooks
from bot.errors import AnswerRejected
from bot.flows.recovery import messages
from bot.flows.recovery.rate_modal import rate
from bot.flows.recovery.service import Recovery
from bot.store import recovery as rs
from tests.support.dm_driver import DmDriver
from tests.support.modal_driver import ModalDriver
from tests.support.rebound_app import TEAMS_YAML, start_app, write_teams

REP = "U0REP1"
TODAY = date(2026, 11, 20)
ASKED_TEAMS = TEAMS_YAML.replace("    timezone: America/Los_Angeles\n", """\
    timezone: America/Los_Angeles
    factors:
      - name: legal_risk
        label: Legal risk
        default_weight: 2
        source: asked
        higher_is_better: false
""", 1)
LEGAL = [{"id": "legal_risk", "label": "Legal risk"}]


@pytest.fixture
def app(tmp_path, slack_api):
    write_teams(tmp_path, ASKED_TEAMS)
    running = start_app(tmp_path, slack_api)
    yield running
    running.stop()


@pytest.fixture
def dm(app, slack_api) -> DmDriver:
    return DmDriver(app, slack_api)


# -- the step itself: the parsing the DM, the terminal and the form page share ---------------------


@pytest.fixture(scope="module")
def recover():
    return load_playbooks(PROJECT_ROOT / "playbooks")["recover"]


def answer_opportunities(recover, typed: str, asked: list[dict[str, Any]]) -> Any:
    state = runner.start(recover, {"today": TODAY.isoformat(),
                                   "settings": {"coverage_multiple": 3.0, "currency": "USD", "asked_factors": asked}})
    state = runner.answer(recover, state, "$100k", today=TODAY).state
    state = runner.answer(recover, state, "0", today=TODAY).state
    while runner.current(recover, state).id != "opportunities":
        state = runner.skip(recover, state)
    return runner.answer(recover, state, typed, today=TODAY).value


def test_a_typed_opportunity_takes_the_teams_factor_as_its_last_part(recover):
    got = answer_opportunities(recover, "Globex | 20k | 50% | 2027-01-31 | 4 | 3 | 2 | legal risk 2\n"
                                        "Acme | 40k |  |  |  |  |  | 4\n"
                                        "Initech | 10k", LEGAL)
    assert [item["factors"] for item in got] == [{"legal_risk": 2}, {"legal_risk": 4}, None]


@pytest.mark.parametrize("typed, message", [
    ("legal risk 6", 'Item 1, Your team\'s factors (1-5): Rate legal risk from 1 to 5 ("6" isn\'t one).'),
    ("high", 'Item 1, Your team\'s factors (1-5): Rate legal risk from 1 to 5 ("high" isn\'t one).'),
    ("legal risk", "Item 1, Your team's factors (1-5): Give legal risk a rating from 1 to 5, e.g. legal risk 3."),
    ("partner 3", 'Item 1, Your team\'s factors (1-5): I don\'t know "partner" here. Rate legal risk from 1 to 5, '
                  "e.g. legal risk 3."),
    ("legal risk 2, legal_risk 3", "Item 1, Your team's factors (1-5): Legal risk is rated twice; give it once."),
])
def test_a_bad_rating_is_refused_in_words_saying_what_to_type(recover, typed, message):
    with pytest.raises(AnswerRejected) as refused:
        answer_opportunities(recover, f"Globex | 20k | | | | | | {typed}", LEGAL)
    assert refused.value.message == message


def test_a_team_without_factors_of_its_own_has_nothing_to_rate(recover):
    with pytest.raises(AnswerRejected) as refused:
        answer_opportunities(recover, "Globex | 20k | | | | | | legal risk 2", [])
    assert refused.value.message == "Item 1, Your team's factors (1-5): There is nothing to rate here; leave this part empty."
    assert answer_opportunities(recover, "Globex | 20k", [])[0]["factors"] is None


# -- the ranking: the value given, or average until then --------------------------------------------


def test_the_ranking_uses_the_rating_given_and_average_until_then(app):
    services = app.services
    recovery = Recovery(services.store, services.teams)
    recovery.import_csv(REP, "Name,Amount,Currency\nAcme,100000,USD\nBeta,80000,USD\n")
    recovery.set_own_weights(REP, {"revenue": 5, "legal_risk": 5})  # 50% each
    acme, beta = rs.opportunities(services.store, user_id=REP)

    def ranked() -> list[tuple[str, Any, tuple[str, ...]]]:
        return [(e.name, e.score, e.missing) for e in recovery.view(REP, today=TODAY).ranking.entries]

    # unknown legal risk is average (0.5): Acme 0.5 x 1 + 0.5 x 0.5 = 75; Beta 0.5 x 0.8 + 0.25 = 65
    assert ranked() == [("Acme", 75, ("probability", "time_to_close", "strategic_fit", "relationship", "effort",
                                       "legal_risk")),
                        ("Beta", 65, ("probability", "time_to_close", "strategic_fit", "relationship", "effort",
                                      "legal_risk"))]
    # Beta's legal risk 1 (lower is better): (5 - 1) / 4 = 1, so 0.4 + 0.5 = 90, ahead of Acme
    assert rate(recovery, REP, beta.id, {"legal_risk": 1}) is True
    assert [(name, score) for name, score, _ in ranked()] == [("Beta", 90), ("Acme", 75)]
    assert "legal_risk" not in ranked()[0][2]
    # legal risk 5 is the worst: 0.4 + 0 = 40
    rate(recovery, REP, beta.id, {"legal_risk": 5})
    assert [(name, score) for name, score, _ in ranked()] == [("Acme", 75), ("Beta", 40)]
    # a re-import without the rating keeps it
    recovery.import_csv(REP, "Name,Amount,Currency\nBeta,80000,USD\n")
    assert rs.get_opportunity(services.store, beta.id).factors == {"legal_risk": 5}
    text = messages.plan_text(recovery.view(REP, today=TODAY), services.renderer)
    assert "_Not known yet on some opportunities: your team's legal risk. They rank as average until you rate " \
           "them with `/recover rate` in Slack._" in text


# -- typed in the /recover form, over real HTTP -----------------------------------------------------


def opportunities_page(dm: DmDriver, modal: ModalDriver) -> dict:
    dm.command(REP, "/recover", "$120k")
    modal.open(REP)
    modal.fill("s|retained_amount", "0")
    modal.submit(REP)
    for _ in range(3):
        if "l|opportunities|0|name" in modal.inputs():
            break
        modal.submit(REP)
    return modal.view


def test_the_form_page_asks_the_factor_refuses_a_bad_one_beside_it_and_stores_a_good_one(app, dm, slack_api):
    modal = ModalDriver(dm)
    page = opportunities_page(dm, modal)
    inputs = modal.inputs()
    factor = inputs["l|opportunities|0|factors"]
    assert factor["label"]["text"] == "Your team's factors (1-5)"
    assert factor["element"]["placeholder"]["text"] == "e.g. legal risk 3"
    assert "your team's own factors rated 1 to 5 (legal risk, e.g. legal risk 2)" in json.dumps(page)
    modal.fill("l|opportunities|0|name", "Globex")
    modal.fill("l|opportunities|0|amount", "20k")
    modal.fill("l|opportunities|0|factors", "legal risk 6")
    reply = modal.submit(REP).json()
    assert reply == {"response_action": "errors", "errors": {
        "l|opportunities|0|factors": 'Rate legal risk from 1 to 5 ("6" isn\'t one).'}}
    run = app.services.store.db.execute("SELECT id FROM runs WHERE playbook = 'recover'").fetchone()[0]
    assert app.services.store.db.execute(
        "SELECT COUNT(*) FROM answers WHERE run_id = ? AND step_id = 'opportunities'", [run]).fetchone()[0] == 0
    # what was typed stays in the modal (Slack keeps it on errors): fix the one part and save
    modal.fill("l|opportunities|0|factors", "2")
    modal.submit(REP)
    dm.click(REP, "Submit")
    [row] = app.services.store.db.execute("SELECT name, factors FROM recovery_opportunities").fetchall()
    assert row == ("Globex", '{"legal_risk": 2}')
    plan = json.dumps([m for (channel, _), m in slack_api.messages.items() if channel == "D" + REP],
                      ensure_ascii=False)
    assert "Not known yet on some opportunities" not in plan


def test_a_team_without_asked_factors_sees_no_input_for_them(tmp_path, slack_api):
    running = start_app(tmp_path, slack_api)  # the plain teams file
    try:
        modal = ModalDriver(DmDriver(running, slack_api))
        opportunities_page(modal.dm, modal)
        assert [b for b in modal.inputs() if b.endswith("|factors")] == []
        assert "own factors" not in json.dumps(modal.view)
    finally:
        running.stop()


# -- rated later, on the plan's opportunities, in a modal --------------------------------------------


def rate_button(slack_api) -> tuple[str, dict, dict]:
    for (channel, ts), message in sorted(slack_api.messages.items(), key=lambda kv: kv[0][1], reverse=True):
        if channel == "D" + REP and "Your recovery action plan" in json.dumps(message.get("blocks")):
            for block in message["blocks"]:
                for element in block.get("elements", []) if block["type"] == "actions" else []:
                    if element["text"]["text"] == "Rate your team's factors":
                        return ts, block, element
    raise AssertionError("no Rate button on the plan")


def test_rating_the_plans_opportunities_in_a_modal(app, dm, slack_api):
    modal = ModalDriver(dm)
    opportunities_page(dm, modal)
    modal.fill("l|opportunities|0|name", "Globex")
    modal.fill("l|opportunities|0|amount", "20k")
    modal.submit(REP)
    dm.click(REP, "Submit")
    dm.command(REP, "/recover", "import Name,Amount,Currency\nAcme,50000,USD")
    ts, block, element = rate_button(slack_api)
    text = json.dumps(slack_api.messages[("D" + REP, ts)], ensure_ascii=False)
    assert "_Not known yet on some opportunities: your team's legal risk." in text
    dm.sender.action(REP, element["action_id"], value=element["value"], block_id=block["block_id"], message_ts=ts,
                     channel_id="D" + REP)
    app.drain()
    opened = slack_api.calls_to("views.open")[-1]
    view = opened.params["view"]
    assert view["callback_id"] == "rb_recover_rate"
    acme, globex = sorted(rs.opportunities(app.services.store, user_id=REP), key=lambda o: o.name)
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [(b["block_id"], b["label"]["text"], b["element"]["type"]) for b in inputs] == [
        (f"r|{acme.id}|legal_risk", "Legal risk (1-5)", "number_input"),
        (f"r|{globex.id}|legal_risk", "Legal risk (1-5)", "number_input")]

    def submit(acme_value: str | None, globex_value: str | None) -> dict:
        state = {f"r|{acme.id}|legal_risk": {"v": {"type": "number_input", "value": acme_value}},
                 f"r|{globex.id}|legal_risk": {"v": {"type": "number_input", "value": globex_value}}}
        return dm.sender.view_submission(REP, "rb_recover_rate", state, private_metadata=view["private_metadata"]).json()

    message = "Please rate legal risk with a number from 1 to 5, or leave it empty if you don't know yet."
    assert submit("6", "high") == {"response_action": "errors", "errors": {
        f"r|{acme.id}|legal_risk": message, f"r|{globex.id}|legal_risk": message}}
    assert submit("5", "high")["response_action"] == "errors"  # all or nothing: Acme's 5 is not saved alone
    assert [o.factors for o in sorted(rs.opportunities(app.services.store, user_id=REP), key=lambda o: o.name)] == [
        {}, {}]
    body = submit("2", "   ")  # blank: not known yet
    assert body["response_action"] == "update" and "Saved" in json.dumps(body["view"])
    app.drain()
    assert rs.get_opportunity(app.services.store, acme.id).factors == {"legal_risk": 2}
    assert rs.get_opportunity(app.services.store, globex.id).factors == {}
    row = app.services.store.db.execute("SELECT factors FROM recovery_opportunities WHERE id = ?", [acme.id]).fetchone()
    assert row == ('{"legal_risk": 2}',)
    # the plan message is redrawn: Globex still unknown, Acme no longer
    rows = [b["text"]["text"] for b in slack_api.messages[("D" + REP, ts)]["blocks"]
            if b.get("accessory", {}).get("type") == "overflow"]
    acme_row = next(r for r in rows if "*Acme*" in r)
    globex_row = next(r for r in rows if "*Globex*" in r)
    assert "legal risk" not in acme_row and "legal risk" in globex_row
    # the same save again changes nothing
    assert "Nothing changed" in json.dumps(submit("2", None)["view"])


# -- the terminal: the same step, typed ---------------------------------------------------------------


def test_rebound_try_takes_the_factor_re_asks_a_bad_item_and_keeps_the_good_ones(tmp_path):
    from click.testing import CliRunner

    from bot.cli.main import main
    from bot.store import open_store

    env = {"REBOUND_DB": str(tmp_path / "rebound.db"), "REBOUND_TEAMS": str(write_teams(tmp_path, ASKED_TEAMS))}
    lines = ["$120k", "0", "skip", "skip", "skip", "skip",
             "Acme | 50k | | | | | | legal risk 2",
             "Globex | 20k | | | | | | legal risk high",  # refused at once; Acme stays
             "Globex | 20k | | | | | | 4",
             "", "submit"]
    result = CliRunner().invoke(main, ["try", "recover", "--user", REP], input="\n".join(lines) + "\n",
                                env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert 'Item 2, Your team\'s factors (1-5): Rate legal risk from 1 to 5 ("high" isn\'t one).' in result.output
    store = open_store(env["REBOUND_DB"])
    try:
        rows = store.db.execute("SELECT name, factors FROM recovery_opportunities ORDER BY name").fetchall()
    finally:
        store.close()
    assert rows == [("Acme", '{"legal_risk": 2}'), ("Globex", '{"legal_risk": 4}')]


def test_a_bare_recover_rate_opens_the_window_and_words_after_it_get_a_hint(app, dm, slack_api):
    reply = dm.command(REP, "/recover", "rate").json()
    assert "No open opportunities to rate yet" in reply["text"]  # nothing to rate: said, nothing opened
    dm.command(REP, "/recover", "import Name,Amount,Currency\nAcme,50000,USD")
    reply = dm.command(REP, "/recover", "rate").json()
    assert "Opened it in a window" in reply["text"]
    [opened] = [c for c in slack_api.calls_to("views.open") if c.params["view"]["callback_id"] == "rb_recover_rate"]
    assert [b["label"]["text"] for b in opened.params["view"]["blocks"] if b["type"] == "input"] == ["Legal risk (1-5)"]
    hint = dm.command(REP, "/recover", "rate Acme legal risk 2").json()["text"]
    assert "Type a bare `/recover rate` to open a window" in hint
    assert app.services.store.db.execute("SELECT COUNT(*) FROM runs WHERE playbook = 'recover'").fetchone() == (0,)


def test_rate_refuses_a_factor_the_team_lacks_a_bad_rating_and_someone_elses_opportunity(app):
    from bot.errors import ActionRefused, Forbidden

    services = app.services
    recovery = Recovery(services.store, services.teams)
    recovery.import_csv("U0REP2", "Name,Amount,Currency\nTheirs,1000,USD\n")
    recovery.import_csv(REP, "Name,Amount,Currency\nMine,1000,USD\n")
    theirs, mine = rs.opportunities(services.store)
    with pytest.raises(ActionRefused, match="'partner' is not one of your team's factors"):
        rate(recovery, REP, mine.id, {"partner": 3})
    for bad in (0, 5.5, True, "3"):
        with pytest.raises(ActionRefused, match="rate legal risk from 1 to 5"):
            rate(recovery, REP, mine.id, {"legal_risk": bad})
    with pytest.raises(Forbidden):
        rate(recovery, REP, theirs.id, {"legal_risk": 3})
    assert rate(recovery, REP, mine.id, {"legal_risk": 5}) is True
    assert rate(recovery, REP, mine.id, {"legal_risk": 1}) is True
    assert rs.get_opportunity(services.store, theirs.id).factors == {}
    assert rs.get_opportunity(services.store, mine.id).factors == {"legal_risk": 1}
