"""`rebound` subcommands for the ops area (registered on the main group by bot.cli.main):
``status`` (what is queued, failed and scheduled) and ``forget`` (a privacy request).

Thin: the store modules read and delete; this module only lays out what they return.
Nothing printed here can hold a secret: settings show only whether a token is set, and
every line passes the same redaction as the logs.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import click

from bot.cli.common import _services, _settings

MAX_LISTED = 20  # rows per section in the text view; --json has them all


def collect_status(services, now: datetime) -> dict[str, Any]:
    """Everything ``rebound status`` shows, as plain data (the --json output)."""
    from bot.jobs.schedule import WeeklySchedule
    from bot.store import deals as deal_store
    from bot.store import inbox, jobs, outbox, reminders

    settings = services.settings
    items = outbox.pending_and_failed(services.store)

    def row(item) -> dict[str, Any]:
        return {"key": item.key, "method": item.method, "status": item.status, "attempts": item.attempts,
                "next_attempt_at": item.next_attempt_at, "last_error": item.last_error, "team": item.team,
                "run_id": item.run_id, "channel": item.payload.get("channel") if isinstance(item.payload, dict) else None,
                "created_at": item.created_at}

    summaries = []
    for team in services.teams.teams:
        last = jobs.last_done(services.store, f"weekly_summary:{team.id}:")
        schedule = WeeklySchedule.parse(team.summary_schedule, team.timezone)
        upcoming = schedule.fire_times(now, now + timedelta(days=8))
        entry: dict[str, Any] = {"team": team.id, "name": team.name, "channel": team.summary_channel,
                                 "schedule": f"{team.summary_schedule} ({team.timezone})",
                                 "next_at": upcoming[0].isoformat() if upcoming else None, "last": None,
                                 "settings": _setting_sources(services, team.id)}
        if last is not None:
            keys = (last.detail or {}).get("keys") or []
            posted = [outbox.get(services.store, key) for key in keys]
            entry["last"] = {"job": last.key, "week": last.key.rsplit(":", 1)[-1], "done_at": last.done_at,
                             "posts": (last.detail or {}).get("posts", len(keys)),
                             "skipped_because": (last.detail or {}).get("reason"),
                             "post_status": sorted(p.status for p in posted if p is not None)}
        summaries.append(entry)
    rollup = jobs.last_done(services.store, "weekly_rollup:")
    return {
        "database": str(settings.db_path),
        "inbox_database": str(settings.inbox_db_path),
        "slack": {
            "api_url": settings.slack_api_url,
            "bot_token": "set" if settings.slack_bot_token else "not set",
            "signing_secret": "set" if settings.slack_signing_secret else "not set",
            "app_token": "set" if settings.slack_app_token else "not set",
        },
        "outbox": {
            "counts": outbox.counts(services.store),
            "failed": [row(i) for i in items if i.status == "failed"],
            "pending": [row(i) for i in items if i.status != "failed"],
        },
        "inbox": _inbox_status(inbox.backlog(services.inbox_store), now),
        "reminders": [{"key": r.key, "kind": r.kind, "due_at": r.due_at, "run_id": r.run_id, "team": r.team,
                       "user_id": r.user_id} for r in reminders.upcoming(services.store, limit=500)],
        "summaries": summaries,
        "rollup": {"job": rollup.key, "done_at": rollup.done_at} if rollup else None,
        # CRM deals whose owner Slack doesn't know yet (lookup on its way) or at all.
        "crm_unresolved": [{"crm_id": d["crm_id"], "name": d["name"], "owner_email": d["owner_email"],
                            "owner_name": d["owner_name"], "team": d["team"], "lookup": d["owner_via"]}
                           for d in deal_store.listed(services.store, status=deal_store.WAITING) if not d["user_id"]],
    }


def _setting_sources(services, team_id: str) -> list[dict[str, Any]]:
    """Each team setting with where it comes from: the teams file, Slack (who, when) or the default."""
    if services.team_settings is None:
        return []
    return [{"name": s.name, "value": s.value, "source": s.source, "changed_by": s.changed_by,
             "changed_at": s.changed_at} for s in services.team_settings.sources(team_id)]


def _setting_line(setting: dict[str, Any]) -> str:
    value = setting["value"]
    shown = ", ".join(value) if isinstance(value, list) else str(value)
    where = (f"Slack, by {setting['changed_by']} at {setting['changed_at']}" if setting["source"] == "Slack"
             else setting["source"])
    return f"      {setting['name']}: {shown or '(none)'} ({where})"


def format_status(status: dict[str, Any]) -> list[str]:
    slack = status["slack"]
    lines = [f"Database: {status['database']} (inbox: {status['inbox_database']})",
             f"Slack: {slack['api_url']} · bot token {slack['bot_token']} · signing secret {slack['signing_secret']}"
             f" · app token {slack['app_token']}", ""]
    box = status["outbox"]
    counts = box["counts"]
    lines.append(f"Outbox: {counts['pending']} pending, {counts['sending']} sending, {counts['failed']} failed, "
                 f"{counts['sent']} sent")
    for title, rows in (("Failed (Slack refused these; they will not be retried)", box["failed"]),
                        ("Waiting to be sent", box["pending"])):
        if not rows:
            continue
        lines.append(f"  {title}:")
        for item in rows[:MAX_LISTED]:
            where = " ".join(f"{name}={item[name]}" for name in ("channel", "team", "run_id") if item[name])
            when = "" if item["status"] == "failed" else f" next {item['next_attempt_at']}"
            error = f" · {item['last_error']}" if item["last_error"] else ""
            lines.append(f"    {item['key']} {item['method']} {where} · {item['attempts']} attempt(s){when}{error}")
        if len(rows) > MAX_LISTED:
            lines.append(f"    … and {len(rows) - MAX_LISTED} more (rebound status --json lists them all)")
    lines.extend(_format_inbox(status["inbox"]))
    lines.append("")
    lines.append(f"Scheduled reminders: {len(status['reminders'])}")
    for reminder in status["reminders"][:MAX_LISTED]:
        lines.append(f"    {reminder['due_at']} {reminder['kind']} {reminder['key']}"
                     + (f" team={reminder['team']}" if reminder["team"] else ""))
    lines.append("")
    lines.append("Weekly summaries:" if status["summaries"] else "Weekly summaries: no teams file, so none scheduled")
    for entry in status["summaries"]:
        last = entry["last"]
        if last is None:
            done = "none posted yet"
        else:
            done = f"last {last['week']} at {last['done_at']}: {last['posts']} post(s)"
            if last["post_status"]:
                done += " (" + ", ".join(f"{n} {s}" for s, n in _tally(last["post_status"])) + ")"
            if last["skipped_because"]:
                done += f", skipped: {last['skipped_because']}"
        lines.append(f"    {entry['team']} ({entry['name']}) to {entry['channel']}: {entry['schedule']}, "
                     f"next {entry['next_at'] or '?'}; {done}")
        if entry.get("settings"):
            lines.append("      settings (where each comes from):")
            lines.extend(_setting_line(setting) for setting in entry["settings"])
    if status["rollup"]:
        lines.append(f"    roll-up for the head of sales: last {status['rollup']['job']} at {status['rollup']['done_at']}")
    unresolved = status.get("crm_unresolved") or []
    if unresolved:
        lines.append("")
        lines.append(f"CRM deal owners not found in Slack: {len(unresolved)} (add them to the teams file's emails: map)")
        for deal in unresolved[:MAX_LISTED]:
            who = deal["owner_email"] or deal["owner_name"] or "no owner in the CRM"
            state = " (lookup on its way)" if deal["lookup"] == "pending" else ""
            lines.append(f"    {deal['crm_id']} {deal['name']}: {who}{state}" + (f" team={deal['team']}" if deal["team"] else ""))
    return lines


def _inbox_status(backlog: dict[str, Any], now: datetime) -> dict[str, Any]:
    oldest = backlog["oldest_waiting"]
    if oldest is not None:
        waited = now - datetime.fromisoformat(oldest["received_at"])
        oldest = {**oldest, "waiting_seconds": round(max(0.0, waited.total_seconds()), 1)}
    return {**backlog, "oldest_waiting": oldest}


def _format_inbox(inbox: dict[str, Any]) -> list[str]:
    """Requests acknowledged but not worked yet: a growing depth or an old oldest means the
    workers are behind or stuck; set-aside requests failed every try (see the log's ref)."""
    lines = [f"Inbox: {inbox['waiting']} waiting, {inbox['set_aside']} set aside, {inbox['done']} done"]
    oldest = inbox["oldest_waiting"]
    if oldest is not None:
        lines.append(f"  Oldest waiting: #{oldest['id']} {oldest['kind']} from {oldest['user_id'] or '?'}, received "
                     f"{oldest['received_at']} ({oldest['waiting_seconds']} s ago), {oldest['attempts']} tries")
    if inbox["recently_set_aside"]:
        lines.append("  Set aside (failed every try; the person was told):")
        for item in inbox["recently_set_aside"][:MAX_LISTED]:
            lines.append(f"    #{item['id']} {item['kind']} from {item['user_id'] or '?'} received {item['received_at']}"
                         f" · {item['last_error']}")
    return lines


def _tally(values: list[str]) -> list[tuple[str, int]]:
    return [(value, values.count(value)) for value in sorted(set(values))]


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON (for scripts and monitoring).")
def status(as_json: bool) -> None:
    """Show what Rebound has queued, failed and scheduled: outbox items waiting or failed
    (with Slack's reason), reminders due, each team's next and last weekly summary, and where
    each team setting comes from (the teams file, or Slack: who changed it and when).

    Never shows a token or the signing secret.

    \b
    Example:
      rebound status
    """
    from bot import clock
    from bot.logs import Redactor, settings_secrets

    settings = _settings()
    services = _services(settings)
    try:
        report = collect_status(services, clock.now())
    finally:
        services.close()
    redact = Redactor(settings_secrets(settings))
    text = json.dumps(report, indent=2, ensure_ascii=False) if as_json else "\n".join(format_status(report))
    click.echo(redact(text))


TABLE_WORDS = {"runs": "run", "answers": "answer", "answer_history": "earlier answer version",
               "outbox": "message (queued or sent)", "reminders": "reminder",
               "slack_requests": "Slack request (stored for its work)"}


def describe(counts: dict[str, int]) -> str:
    parts = []
    order = list(TABLE_WORDS) + sorted(set(counts) - set(TABLE_WORDS))
    for table, count in sorted(counts.items(), key=lambda item: order.index(item[0])):
        if not count:
            continue
        word = TABLE_WORDS.get(table)
        if word is None:
            parts.append(f"{count} row{'s' if count != 1 else ''} in {table}")
        else:
            plural = word.replace(" (", "s (", 1) if "(" in word else word + "s"
            parts.append(f"{count} {word if count == 1 else plural}")
    return ", ".join(parts)


@click.command()
@click.option("--user", "user_id", required=True, help="The person's Slack user id, e.g. U0123ABCD.")
@click.option("--yes", is_flag=True, help="Delete without asking (for scripts).")
def forget(user_id: str, yes: bool) -> None:
    """Delete everything Rebound stores about a person (a privacy request): their runs and
    answers, the messages and reminders queued for those runs, and their own rows in every
    other table. Asks first, then says how much was deleted.

    Run `rebound export --user U` first if they asked for a copy.

    \b
    Example:
      rebound forget --user U0123ABCD
    """
    from bot.store import inbox
    from bot.store import runs as run_store

    settings = _settings()
    services = _services(settings)
    try:
        found = run_store.count_user_data(services.store, user_id)
        # The requests they sent (what they typed) wait or linger in the inbox file for two days.
        found["slack_requests"] = inbox.count_of(services.inbox_store, user_id)
        if not any(found.values()):
            click.echo(f"Rebound stores nothing about {user_id}.")
            return
        if not yes:
            click.confirm(f"Delete everything Rebound stores about {user_id}: {describe(found)}?", abort=True)
        deleted = run_store.forget_user(services.store, user_id)
        deleted["slack_requests"] = inbox.forget(services.inbox_store, user_id)
    finally:
        services.close()
    click.echo(f"Deleted {describe(deleted)} for {user_id}.")


COMMANDS = (status, forget)
