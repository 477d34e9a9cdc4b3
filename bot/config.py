"""Settings from the environment, read once and validated up front.

This is the only module that reads ``os.environ``. Secrets are ``SecretStr`` so they never
show in a repr, a log line or an error.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, SecretStr

from bot.errors import SettingError

# The checkout, when Rebound runs from one (pip install -e .): README, examples, tests.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# An installed wheel carries its playbooks/, prompts/ and manifest.yml here (setup.py copies
# them at build time); a checkout has no such folder and uses its own top-level ones.
BUNDLED_DIR = Path(__file__).resolve().parent / "bundled"
DATA_ROOT = BUNDLED_DIR if BUNDLED_DIR.is_dir() else PROJECT_ROOT

SLACK_HINTS = {
    "SLACK_BOT_TOKEN": "the xoxb- token under OAuth & Permissions in your Slack app's settings",
    "SLACK_SIGNING_SECRET": "Basic Information > App Credentials > Signing Secret in your Slack app's settings",
    "SLACK_APP_TOKEN": "an xapp- token with connections:write, under Basic Information > App-Level Tokens",
}


class Settings(BaseModel):
    """Everything Rebound is configured with. Build it with :func:`load_settings`."""

    model_config = ConfigDict(frozen=True)

    db_path: Path = Path("rebound.db")
    teams_path: Path = Path("teams.yml")
    playbooks_dir: Path = DATA_ROOT / "playbooks"
    prompts_dir: Path = DATA_ROOT / "prompts"
    manifest_path: Path = DATA_ROOT / "manifest.yml"
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    log_level: str = "INFO"
    # Signs POST /crm/closed-lost; without it the endpoint answers 404.
    crm_secret: SecretStr | None = None

    @property
    def inbox_db_path(self) -> Path:
        """Where acknowledged Slack requests wait to be worked (:mod:`bot.store.inbox`): a file of
        its own beside the database (``rebound.inbox.db``), so that storing one never waits for work."""
        return self.db_path.with_name(f"{self.db_path.stem}.inbox{self.db_path.suffix or '.db'}")

    def require_slack(self, socket_mode: bool = False) -> None:
        """Fail with one line per missing Slack setting, naming where to get it."""
        needed = ["SLACK_BOT_TOKEN"]
        needed.append("SLACK_APP_TOKEN" if socket_mode else "SLACK_SIGNING_SECRET")
        values = {
            "SLACK_BOT_TOKEN": self.slack_bot_token,
            "SLACK_SIGNING_SECRET": self.slack_signing_secret,
            "SLACK_APP_TOKEN": self.slack_app_token,
        }
        missing = [name for name in needed if values[name] is None]
        if missing:
            name = missing[0]
            others = f" (also missing: {', '.join(missing[1:])})" if missing[1:] else ""
            raise SettingError(name, "is not set" + others, "set it to " + SLACK_HINTS[name])
        token = self.slack_bot_token.get_secret_value()
        if not token.startswith("xoxb-"):
            raise SettingError("SLACK_BOT_TOKEN", "does not look like a bot token", "it starts with xoxb-")
        if socket_mode and not self.slack_app_token.get_secret_value().startswith("xapp-"):
            raise SettingError("SLACK_APP_TOKEN", "does not look like an app-level token", "it starts with xapp-")


def _path(env: Mapping[str, str], name: str, default: Path) -> Path:
    value = env.get(name)
    if value is None:
        return default
    if not value.strip():
        raise SettingError(name, "is set but empty", "unset it to use the default or give a file path")
    return Path(value)


def _secret(env: Mapping[str, str], name: str) -> SecretStr | None:
    value = env.get(name)
    return SecretStr(value.strip()) if value and value.strip() else None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from ``env`` (default ``os.environ``); raise :class:`SettingError` on the first bad one."""
    env = os.environ if env is None else env
    api_url = env.get("SLACK_API_URL", "https://slack.com/api/").strip()
    if not api_url.startswith(("http://", "https://")):
        raise SettingError("SLACK_API_URL", f"must be an http(s) URL, got {api_url!r}", "the default is https://slack.com/api/")
    if not api_url.endswith("/"):
        api_url += "/"
    level = env.get("REBOUND_LOG_LEVEL", "INFO").upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingError("REBOUND_LOG_LEVEL", f"unknown level {level!r}", "use DEBUG, INFO, WARNING or ERROR")
    return Settings(
        db_path=_path(env, "REBOUND_DB", Path("rebound.db")),
        teams_path=_path(env, "REBOUND_TEAMS", Path("teams.yml")),
        playbooks_dir=_path(env, "REBOUND_PLAYBOOKS", DATA_ROOT / "playbooks"),
        prompts_dir=_path(env, "REBOUND_PROMPTS", DATA_ROOT / "prompts"),
        manifest_path=_path(env, "REBOUND_MANIFEST", DATA_ROOT / "manifest.yml"),
        slack_bot_token=_secret(env, "SLACK_BOT_TOKEN"),
        slack_signing_secret=_secret(env, "SLACK_SIGNING_SECRET"),
        slack_app_token=_secret(env, "SLACK_APP_TOKEN"),
        slack_api_url=api_url,
        log_level=level,
        crm_secret=_secret(env, "REBOUND_CRM_SECRET"),
    )


# -- the files a setting points at ------------------------------------------------------------

CREATE_DB_DIR = "REBOUND_DB_CREATE_DIR"


def check_db_path(settings: Settings, env: Mapping[str, str] | None = None) -> None:
    """Refuse a ``REBOUND_DB`` that would quietly start an empty database somewhere unexpected.

    The database file itself may be missing (the first start creates it), but its folder
    must exist: a typo in the folder (``/var/lib/rebuond/rebound.db``) used to create a new
    empty database and lose sight of the real one. ``REBOUND_DB_CREATE_DIR=1`` asks for the
    folder to be created instead (a fresh volume, a first deploy).
    """
    env = os.environ if env is None else env
    path = settings.db_path
    if path.is_dir():
        raise SettingError("REBOUND_DB", f"{path} is a folder, not a database file",
                           f"give a file path inside it, like {path / 'rebound.db'}")
    folder = path.parent
    if not folder.exists():
        if env.get(CREATE_DB_DIR, "").strip().lower() not in ("1", "true", "yes"):
            raise SettingError("REBOUND_DB", f"the folder {folder} does not exist",
                               f"check the path for a typo, create the folder, or set {CREATE_DB_DIR}=1 "
                               "to have Rebound create it")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SettingError("REBOUND_DB", f"cannot create the folder {folder}: {exc.strerror}",
                               "create it yourself or choose a writable place") from None
    elif not folder.is_dir():
        raise SettingError("REBOUND_DB", f"{folder} is a file, not a folder", "fix the path")


def teams_path_given(env: Mapping[str, str] | None = None) -> bool:
    """True when ``REBOUND_TEAMS`` is set: a file named on purpose must exist (``rebound check``)."""
    env = os.environ if env is None else env
    return bool(env.get("REBOUND_TEAMS", "").strip())
