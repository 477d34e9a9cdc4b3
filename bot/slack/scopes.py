"""The OAuth scopes and events Rebound's code relies on. manifest.yml must grant them all.

``bot.files.manifest.check_manifest`` reports a scope or event missing from the manifest, and a
test keeps the manifest from asking for more than this (least privilege). Add a scope here
in the same change that starts calling a method needing it.
"""

from __future__ import annotations

BOT_SCOPES_USED: tuple[str, ...] = (
    # Receiving /debrief, /graceful-no, /pilot-plan and /recover at all.
    "commands",
    # chat.postMessage (questions, summaries, reminders, weekly summaries), chat.update
    # (redrawing a question once answered), chat.postEphemeral and chat.delete.
    "chat:write",
    # The `message.im` event: the person's typed answers in their DM with the bot.
    "im:history",
    # conversations.open: start a DM with a seller (reminders, hand-over to a debrief).
    "im:write",
    # files.getUploadURLExternal + files.completeUploadExternal (files_upload_v2): CSV exports.
    "files:write",
    # users.info: the person's time zone, for reminders and dates typed as "next Friday".
    "users:read",
)
# views.publish (App Home) and views.open/update (modals) need no scope; app_home_opened
# needs none either.

BOT_EVENTS_USED: tuple[str, ...] = (
    "app_home_opened",  # draw the Home tab: open and recent runs
    "message.im",  # the person's answers typed in the DM
)
