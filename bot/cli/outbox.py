"""`rebound outbox ...` (registered on the main group by bot.cli.main): acting on what the
outbox holds. ``retry`` re-queues messages Slack refused for a reason that has since been
fixed (the bot was invited to the channel, a scope was added), so nobody has to re-enter
them. Thin: bot.store.outbox reads and re-queues; this module only checks and reports.
"""

from __future__ import annotations

import click

from bot.cli.common import _settings


@click.group("outbox")
def outbox_group() -> None:
    """Messages queued for Slack: re-queue the ones that failed.

    `rebound status` lists what is waiting and what failed, with Slack's reason.

    \b
    Example:
      rebound outbox retry --failed
    """


@outbox_group.command("retry")
@click.argument("keys", nargs=-1)
@click.option("--failed", "all_failed", is_flag=True, help="Re-queue every failed message.")
def retry(keys: tuple[str, ...], all_failed: bool) -> None:
    """Re-queue failed messages (by KEY, as `rebound status` shows them, or all with --failed)
    once their reason is fixed, e.g. after inviting @Rebound to the channel. They get a fresh
    count of attempts; `rebound serve` sends them within a second, once each.

    \b
    Examples:
      rebound outbox retry summary:west:2026-W47:post
      rebound outbox retry --failed
    """
    from bot.store import outbox
    from bot.store.db import open_store

    if bool(keys) == all_failed:
        raise click.UsageError("give the KEY of a failed message (see `rebound status`), or --failed for all of them")
    settings = _settings()
    store = open_store(settings.db_path)
    try:
        if keys:
            problems = []
            for key in keys:
                item = outbox.get(store, key)
                if item is None:
                    problems.append(f"{key}: no such message in the outbox")
                elif item.status != "failed":
                    problems.append(f"{key}: it is {item.status}, not failed; only failed messages are re-queued")
            if problems:
                raise click.ClickException("; ".join(problems))
        requeued = outbox.requeue_failed(store, list(keys) if keys else None)
    finally:
        store.close()
    if not requeued:
        click.echo("No failed messages: nothing to re-queue.")
        return
    click.echo(f"Re-queued {len(requeued)} message(s); `rebound serve` sends them:")
    for key in requeued:
        click.echo(f"  {key}")


COMMANDS = (outbox_group,)
