"""/graceful-no end to end over real HTTP, the draft reply's lint on every tone, the
check-back reminder at frozen times, and the debrief it hands over to."""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta

import pytest
from freezegun import freeze_time

from bot import clock
from bot.config import PROJECT_ROOT, load_settings
from bot.domain import graceful
from bot.domain.taxonomy import GRACEFUL_NO_KEYS
from bot.engine.conditions import next_quarter_start
from bot.render.templates import Renderer
from bot.services import build_services, template_globals
from bot.values.dates import format_date
from bot.store import reminders
from bot.store import runs as run_store
from tests.support.dm_driver import DmDriver
from tests.support.rebound_app import write_teams

REP = "U0REP1"
PLAYBOOK = "graceful-no"

ANSWERS = {
    "account": "Brightwater Health",
    "contact_name": "Dana",
    "their_reasons": '"The board froze all new software spend until the Epic migration is done. It\'s not about you."',
    "reason_category": "Budget",
    "their_situation": "the Epic migration",
    "obstacle_found": "yes",
    "obstacle": "Dana thought onboarding needed their IT team for six weeks. It's two, run by us.",
    "obstacle_answer": "Onboarding takes two weeks, and our team runs it.",
    "obstacle_owner": "<@U0SE01>",
    "useful_offer": "a copy of the readmission benchmark for your three hospitals",
    "tone": "Warm",
    "your_name": "Priya Rao",
    "their_timing": None,
    "check_back": "2027-04-01",
    "offer_debrief": "yes",
}


def walk(dm: DmDriver, user: str, answers: dict) -> None:
    """Type each answer for the question on screen, skip optional ones not given, until the review card."""
    playbook = dm.app.services.playbooks[PLAYBOOK]
    for _ in range(len(playbook.steps) * 2):
        screen = dm.screen(user)
        if screen.step_id == "review":
            return
        if answers.get(screen.step_id) is not None:
            dm.type(user, answers[screen.step_id])
        else:
            dm.click(user, "Skip")
        assert dm.screen(user).ts != screen.ts, f"{screen.step_id} was not accepted"
    raise AssertionError("never reached the review card")


def posted_texts(slack_api) -> list[str]:
    return [json.dumps(c.params, ensure_ascii=False) for c in slack_api.calls_to("chat.postMessage")]


# -- the reply and its lint ------------------------------------------------------------------


@pytest.fixture(scope="module")
def renderer():
    return Renderer(PROJECT_ROOT / "prompts", extra_globals=template_globals())


# What a run's context holds for the reply's other names when the rep skipped them.
REPLY_CONTEXT = {"their_situation": None, "obstacle_answer": None, "your_name": "Priya Rao", "their_timing": None,
                 "timing_check_back": None, "check_back": "2027-04-01", "check_back_on": "2027-04-01"}
REALISTIC_OFFERS = [None, "a copy of the readmission benchmark for your three hospitals", "our notes from the pilot"]
NAMES = ["Dana", "Dr. María-José O'Neil"]


@pytest.mark.parametrize(("tone", "reason", "obstacle_found", "offer", "name", "plain"), list(itertools.product(
    ["brief", "warm", "formal"], list(GRACEFUL_NO_KEYS), [True, False], REALISTIC_OFFERS, NAMES, [True, False])))
def test_reply_on_every_tone_passes_the_lint(renderer, tone, reason, obstacle_found, offer, name, plain):
    ctx = {**REPLY_CONTEXT, "tone": tone, "contact_name": name, "reason_category": reason,
           "obstacle_found": obstacle_found, "useful_offer": offer}
    reply = renderer.render("graceful-no/reply.md.j2", ctx, plain=plain)
    assert graceful.lint_reply(reply) == []
    # the five moves the issue asks for: thanks, acceptance, an open door, something useful, a check-back
    lowered = reply.lower()
    assert "thank you" in lowered
    assert "respect" in lowered or "understand" in lowered
    assert "door" in lowered or "stay in touch" in lowered
    assert (offer or "my notes from our conversations").lower() in lowered
    assert "april" in lowered and ("check" in lowered or "get in touch" in lowered)
    assert name.split()[0].lower() in lowered


@pytest.mark.parametrize("tone", ["brief", "warm", "formal"])
@pytest.mark.parametrize("reason", ["budget", "timing", "priority_changed"])
def test_reply_names_their_situation_clears_the_obstacle_and_is_signed(renderer, tone, reason):
    ctx = {**REPLY_CONTEXT, "tone": tone, "contact_name": "Dana", "reason_category": reason, "obstacle_found": True,
           "useful_offer": None, "their_situation": "the Epic migration",
           "obstacle_answer": "Onboarding takes two weeks, and our team runs it.",
           "their_timing": "after Q3", "timing_check_back": "2027-10-01", "check_back": None,
           "check_back_on": "2027-10-01"}
    reply = renderer.render("graceful-no/reply.md.j2", ctx, plain=True)
    assert graceful.lint_reply(reply) == []
    assert "the Epic migration" in reply  # their situation, in their words
    assert "under pressure everywhere" not in reply
    lines = [line for line in reply.splitlines() if line.strip()]
    # the obstacle is cleared in one plain line, the rep's own sentence, and nothing vaguer beside it
    (cleared,) = [line for line in lines if "Onboarding takes two weeks" in line]
    assert cleared.endswith(": Onboarding takes two weeks, and our team runs it.")
    assert "any question" not in reply and "open question" not in reply
    assert "October" in reply and "as you suggested" in reply  # their timing, not next quarter
    assert lines[-1] == "Priya Rao" and lines[-2] in ("Best,", "All the best,", "Kind regards,")


@pytest.mark.parametrize("tone", ["brief", "warm", "formal"])
def test_reply_without_their_situation_or_timing_falls_back_kindly(renderer, tone):
    ctx = {**REPLY_CONTEXT, "tone": tone, "contact_name": "Dana", "reason_category": "budget",
           "obstacle_found": True, "useful_offer": None}
    reply = renderer.render("graceful-no/reply.md.j2", ctx, plain=True)
    assert graceful.lint_reply(reply) == []
    assert "as you suggested" not in reply and "April" in reply
    assert "under pressure everywhere" not in reply
    assert [line for line in reply.splitlines() if line.strip()][-1] == "Priya Rao"


HOSTILE = {
    "their_reasons": "But you said this was the priority! You promised a decision. What changed? Quota's due.",
    "obstacle": "You promised us the budget, I'm disappointed and this was a waste of the quarter.",
    "contact_name": "Dana",
}


@pytest.mark.parametrize("tone", ["brief", "warm", "formal"])
def test_reply_never_repeats_hostile_notes_back_to_the_customer(renderer, tone):
    ctx = {**REPLY_CONTEXT, "tone": tone, "reason_category": "other", "obstacle_found": True, "useful_offer": None,
           "check_back": "2027-01-01", **HOSTILE}
    reply = renderer.render("graceful-no/reply.md.j2", ctx, plain=True)
    assert graceful.lint_reply(reply) == []
    assert "promised" not in reply and "quota" not in reply.lower()


@pytest.fixture
def services(tmp_path):
    write_teams(tmp_path)
    built = build_services(load_settings({"REBOUND_DB": str(tmp_path / "rebound.db"),
                                          "REBOUND_TEAMS": str(tmp_path / "teams.yml")}), teams_required=True)
    yield built
    built.close()


@pytest.mark.parametrize("tone", ["brief", "warm", "formal"])
def test_hostile_offer_is_flagged_in_the_summary_on_every_tone(services, tone):
    started = services.conversations.start(PLAYBOOK, REP, source="terminal")
    run_id = started.turn.run.id
    given = {**ANSWERS, "useful_offer": "a last chance discount before our quarter-end", "tone": tone}
    turn = started.turn
    while turn.question is not None:
        if given[turn.question.id] is None:
            turn = services.conversations.skip(run_id, REP)
        else:
            turn = services.conversations.answer(run_id, REP, given[turn.question.id], step_id=turn.question.id)
    summary = services.submissions.submit(run_id, REP, deliver=False).summary
    assert "Before you send it" in summary
    for phrase in ("last chance", "discount", "quarter-end"):
        assert f'"{phrase}"' in summary


def test_summary_has_no_warning_for_a_kind_reply(services):
    started = services.conversations.start(PLAYBOOK, REP, source="terminal")
    turn = started.turn
    while turn.question is not None:
        if ANSWERS[turn.question.id] is None:
            turn = services.conversations.skip(turn.run.id, REP)
        else:
            turn = services.conversations.answer(turn.run.id, REP, ANSWERS[turn.question.id], step_id=turn.question.id)
    summary = services.submissions.submit(turn.run.id, REP, deliver=False).summary
    assert "Before you send it" not in summary and "Hi Dana," in summary


# -- the conversation over HTTP ----------------------------------------------------------------


def test_graceful_no_from_command_to_summary_debrief_offer_and_reminder(app, dm, slack_api):
    reply = dm.command(REP, "/graceful-no")
    assert reply.status == 200
    intro = dm.posts_to(REP)[0]
    assert "Take a breath" in json.dumps(intro) and "No\\\" means no" in json.dumps(intro)
    # the category question suggests one from the customer's words
    for step in ("account", "contact_name", "their_reasons"):
        dm.type(REP, ANSWERS[step])
    assert dm.screen(REP).step_id == "reason_category"
    assert "sounds like *budget*" in dm.screen(REP).text()
    walk(dm, REP, ANSWERS)
    dm.click(REP, "Submit")

    run = run_store.list_runs(app.services.store, user_id=REP, playbook=PLAYBOOK)[0]
    assert run.status == "submitted" and run.answers["reason_category"] == "budget"
    texts = dm.dm_texts(REP)
    summary = next(t for t in texts if "Draft reply to Dana" in t)
    assert "readmission benchmark" in summary and "Before you send it" not in summary
    assert "Follow-up: <@U0SE01>" in summary
    # the debrief offer comes after the summary
    assert "Start the debrief" in texts[-1] and texts.index(summary) < len(texts) - 1
    # Rebound never posts anywhere but the rep's DM: no customer, no channel
    channels = {c.params["channel"] for c in slack_api.calls_to("chat.postMessage")}
    assert channels <= {REP, "D" + REP}
    # the check-back is scheduled at 09:30 in the team's zone (Los Angeles, PDT in April)
    reminder = reminders.get(app.services.store, f"reminder:{run.id}:check_back")
    assert reminder.due_at == "2027-04-01T16:30:00+00:00" and reminder.status == "pending"


def test_default_check_back_is_next_quarter(app, dm):
    dm.command(REP, "/graceful-no")
    given = {**ANSWERS, "check_back": None, "offer_debrief": "no"}
    playbook = app.services.playbooks[PLAYBOOK]
    for _ in range(len(playbook.steps) * 2):
        screen = dm.screen(REP)
        if screen.step_id == "review":
            break
        if screen.step_id == "check_back":
            dm.click(REP, "Use next quarter")
        elif given[screen.step_id] is None:
            dm.click(REP, "Skip")
        else:
            dm.type(REP, given[screen.step_id])
    dm.click(REP, "Submit")
    run = run_store.list_runs(app.services.store, user_id=REP, playbook=PLAYBOOK)[0]
    assert run.answers["check_back"] == next_quarter_start(clock.today_in("America/Los_Angeles"))
    assert not any("Start the debrief" in t for t in dm.dm_texts(REP))


def test_customers_timing_sets_the_check_back_instead_of_asking_a_date(app, dm, slack_api):
    today = clock.today_in("America/Los_Angeles")
    # "after Q3": 1 October of this year while Q3 is not over, else next year's; a weekend moves to Monday
    october = date(today.year if today <= date(today.year, 9, 30) else today.year + 1, 10, 1)
    expected = october + timedelta(days=(7 - october.weekday()) % 7 if october.weekday() >= 5 else 0)
    dm.command(REP, "/graceful-no")
    walk(dm, REP, {**ANSWERS, "their_timing": "after Q3", "check_back": None, "offer_debrief": "no"})
    dm.click(REP, "Submit")
    run = run_store.list_runs(app.services.store, user_id=REP, playbook=PLAYBOOK)[0]
    assert "check_back" not in run.answers  # never asked: their timing answered it
    assert run.answers["their_timing"] == "after Q3"
    summary = next(t for t in dm.dm_texts(REP) if "Draft reply to Dana" in t)
    assert f"*Check-back:* {format_date(expected)}, the first business day of their timing" in summary
    assert "around October, as you suggested" in summary
    assert "With the Epic migration, it makes sense" in summary
    assert "One thing I'd like to clear up, in case it helps: Onboarding takes two weeks, and our team runs it." in summary
    assert "All the best,\\nPriya Rao" in summary  # JSON text: the signature is the last line
    # 09:30 in Los Angeles (PDT in October)
    reminder = reminders.get(app.services.store, f"reminder:{run.id}:check_back")
    assert reminder.due_at == f"{expected.isoformat()}T16:30:00+00:00"


def test_unreadable_timing_asks_for_the_date_and_says_why(app, dm):
    dm.command(REP, "/graceful-no")
    given = {**ANSWERS, "their_timing": "when the stars align"}
    while dm.screen(REP).step_id != "check_back":
        step_id = dm.screen(REP).step_id
        assert step_id in given, f"passed the check-back: {step_id}"
        dm.type(REP, given[step_id]) if given[step_id] is not None else dm.click(REP, "Skip")
    assert "couldn't read a date from \\\"when the stars align\\\"" in dm.screen(REP).text()  # JSON text


def test_check_back_reminder_is_sent_once_at_its_time_with_the_context(app, dm, slack_api):
    dm.command(REP, "/graceful-no")
    walk(dm, REP, {**ANSWERS, "offer_debrief": "no"})
    dm.click(REP, "Submit")
    before = len(dm.posts_to(REP))
    with freeze_time("2027-04-01T16:29:00Z"):
        assert app.services.tick() == []
        app.drain()
    assert len(dm.posts_to(REP)) == before  # a minute early: nothing
    with freeze_time("2027-04-01T16:30:00Z"):
        app.services.tick()
        app.drain()
    with freeze_time("2027-04-02T08:00:00Z"):
        app.services.tick()  # a late tick after a restart: still once
        app.drain()
    sent = dm.posts_to(REP)[before:]
    assert len(sent) == 1
    text = json.dumps(sent[0], ensure_ascii=False)
    assert "check-back with *Dana* at *Brightwater Health*" in text
    assert "froze all new software spend" in text and "onboarding" in text and "readmission benchmark" in text


def test_debrief_button_starts_a_prefilled_debrief_and_shows_its_first_question(app, dm, slack_api):
    dm.command(REP, "/graceful-no")
    walk(dm, REP, ANSWERS)
    dm.click(REP, "Submit")
    offer = dm.posts_to(REP)[-1]
    ts = slack_api.calls_to("chat.postMessage")[-1].response["ts"]
    button = next(e for b in offer["blocks"] if b["type"] == "actions" for e in b["elements"])
    block_id = next(b["block_id"] for b in offer["blocks"] if b["type"] == "actions")
    dm.sender.action(REP, button["action_id"], value=button["value"], block_id=block_id, message_ts=ts)
    app.drain()

    debrief = run_store.find_active(app.services.store, REP, "debrief")
    assert debrief is not None and debrief.meta["from_run"]
    assert debrief.answers["deal"] == "Brightwater Health"
    assert debrief.answers["primary_reason"] == "budget_gone"
    assert "froze all new software spend" in debrief.answers["what_happened"]
    screen = dm.screen(REP)
    assert screen.run_id == debrief.id and screen.step_id not in debrief.answers
    assert any("I started your debrief of *Brightwater Health*" in t for t in dm.dm_texts(REP))
    # the offer is retired, and a second click starts nothing new
    updated = [c.params for c in slack_api.calls_to("chat.update") if "started below" in json.dumps(c.params)]
    assert updated
    posts = len(dm.posts_to(REP))
    dm.sender.action(REP, button["action_id"], value=button["value"], block_id=block_id, message_ts=ts)
    app.drain()
    assert len(run_store.list_runs(app.services.store, user_id=REP, playbook="debrief")) == 1
    assert len(dm.posts_to(REP)) <= posts + 1  # at most a resume offer, never a second debrief


def test_debrief_button_of_someone_elses_graceful_no_is_refused(app, dm):
    dm.command(REP, "/graceful-no")
    walk(dm, REP, ANSWERS)
    dm.click(REP, "Submit")
    offer = dm.posts_to(REP)[-1]
    button = next(e for b in offer["blocks"] if b["type"] == "actions" for e in b["elements"])
    dm.sender.action("U0REP2", button["action_id"], value=button["value"])
    app.drain()
    assert run_store.find_active(app.services.store, "U0REP2", "debrief") is None
    assert any("someone else" in t for t in dm.dm_texts("U0REP2"))


def test_check_backs_coming_due_show_in_the_weekly_summary_section(app, dm):
    dm.command(REP, "/graceful-no")
    walk(dm, REP, {**ANSWERS, "check_back": "2027-04-01", "offer_debrief": "no"})
    dm.click(REP, "Submit")
    services = app.services
    team = services.teams.get("west")
    # the summary posted on Monday 29 March 2027 covers the week before; check-backs due the week after
    sections = [provider(team, date(2027, 3, 22), date(2027, 3, 29)) for provider in services.summary_sections]
    section = next(s for s in sections if s is not None and s.key == "checkbacks")
    text = services.renderer.render(section.template, section.context)
    assert "Thu 1 Apr" in text and "<@U0REP1>" in text and "Dana" in text and "Brightwater Health" in text
    later = [provider(team, date(2027, 3, 29), date(2027, 4, 5)) for provider in services.summary_sections]
    assert all(s is None or s.key != "checkbacks" for s in later)
    other_team = services.teams.get("emea")
    assert all(s is None or s.key != "checkbacks"
               for s in (provider(other_team, date(2027, 3, 22), date(2027, 3, 29)) for provider in services.summary_sections))


def test_app_home_lists_the_reps_next_check_backs(app, dm, slack_api):
    soon = (clock.today_in("America/Los_Angeles") + timedelta(days=30)).isoformat()
    dm.command(REP, "/graceful-no")
    walk(dm, REP, {**ANSWERS, "check_back": soon, "offer_debrief": "no"})
    dm.click(REP, "Submit")
    dm.sender.event({"type": "app_home_opened", "user": REP, "tab": "home", "channel": "D" + REP})
    dm.sender.event({"type": "app_home_opened", "user": "U0REP2", "tab": "home", "channel": "DU0REP2"})
    app.drain()
    published = {c.params["user_id"]: json.dumps(c.params["view"]) for c in slack_api.calls_to("views.publish")}
    assert "Check-backs coming up" in published[REP] and "Brightwater Health" in published[REP]
    assert "Check-backs coming up" not in published["U0REP2"]


def test_outbox_never_addresses_anyone_outside_rebound_users(app, dm):
    dm.command(REP, "/graceful-no")
    walk(dm, REP, ANSWERS)
    dm.click(REP, "Submit")
    rows = app.services.store.db.execute("SELECT key, method, payload FROM outbox").fetchall()
    # the run did post: questions, the summary with its draft reply, all in the rep's DM
    assert len(rows) >= 3
    assert any(method == "chat.postMessage" and "Graceful no: Brightwater Health" in payload
               for _, method, payload in rows)
    for key, method, payload in rows:
        channel = json.loads(payload).get("channel")
        # a command's reply goes to its response_url: back to who typed it, where they typed it
        assert method in ("chat.postMessage", "chat.update", "views.publish", "response_url"), key
        assert channel in (None, REP, "D" + REP) or (method == "response_url" and channel.startswith(
            app.services.settings.slack_api_url.split("/api")[0])), key


def test_reps_name_is_asked_once_and_signs_the_next_reply(app, dm):
    dm.command(REP, "/graceful-no")
    walk(dm, REP, {**ANSWERS, "offer_debrief": "no"})
    dm.click(REP, "Submit")
    dm.command(REP, "/graceful-no")
    assert any("I'll sign the reply *Priya Rao*, as last time" in t for t in dm.dm_texts(REP))
    seen = []
    given = {**ANSWERS, "account": "Northwind", "your_name": None, "offer_debrief": "no"}
    while dm.screen(REP).step_id != "review":
        step_id = dm.screen(REP).step_id
        seen.append(step_id)
        dm.type(REP, given[step_id]) if given[step_id] is not None else dm.click(REP, "Skip")
    assert "your_name" not in seen and "tone" in seen
    dm.click(REP, "Submit")
    runs = run_store.list_runs(app.services.store, user_id=REP, playbook=PLAYBOOK)
    (latest,) = [r for r in runs if r.answers["account"] == "Northwind"]  # started in the same second: no order
    assert latest.status == "submitted" and latest.answers["your_name"] == "Priya Rao"
    summary = next(t for t in dm.dm_texts(REP) if "Graceful no: Northwind" in t)
    assert "All the best,\\nPriya Rao" in summary
