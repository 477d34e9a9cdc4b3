"""The Dockerfile and compose.yaml say what the README promises, read without Docker.

There is no Docker daemon where the tests run (and no registry for the base image), so the
image is not built here. These tests read the files instead: a slim Python 3.11+ base, a
non-root user, the database on a volume, a HEALTHCHECK on /healthz at the served port, every
install pinned by constraints.txt, and a build context holding what the image copies. The
image's own command, settings and health probe are then run here, with Slack unreachable.
tests/test_install.py builds and runs the same wheel the image installs.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import PurePosixPath

import pytest
import yaml
from dockerfile_parse import DockerfileParser

from bot.config import PROJECT_ROOT
from tests.support.rebound_app import SIGNING_SECRET, write_teams

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
COMPOSE = PROJECT_ROOT / "compose.yaml"


@pytest.fixture(scope="module")
def dockerfile() -> DockerfileParser:
    return DockerfileParser(path=str(DOCKERFILE))


def final_stage(dockerfile: DockerfileParser) -> list[dict]:
    """The instructions after the last FROM: what the running image is made of."""
    last_from = max(item["startline"] for item in dockerfile.structure if item["instruction"] == "FROM")
    return [item for item in dockerfile.structure if item["startline"] > last_from]


def instructions(dockerfile: DockerfileParser, name: str, *, final: bool = False) -> list[str]:
    items = final_stage(dockerfile) if final else dockerfile.structure
    return [item["value"] for item in items if item["instruction"] == name]


def exec_form(value: str) -> list[str]:
    return yaml.safe_load(value)  # JSON arrays are YAML


def test_every_stage_is_a_slim_python_3_11_or_newer(dockerfile):
    assert len(dockerfile.parent_images) == 2
    for image in dockerfile.parent_images:
        match = re.fullmatch(r"python:3\.(\d+)-slim(-\w+)?", image)
        assert match and int(match.group(1)) >= 11, image


def test_runs_as_a_non_root_user_after_installing(dockerfile):
    final = final_stage(dockerfile)
    users = [item for item in final if item["instruction"] == "USER"]
    runs = [item for item in final if item["instruction"] == "RUN"]

    assert [user["value"] for user in users] == ["rebound"]
    assert all(run["startline"] < users[0]["startline"] for run in runs)
    assert any("useradd" in run["value"] and "--uid 10001" in run["value"] for run in runs)


def test_database_lives_on_the_volume(dockerfile):
    (volume,) = instructions(dockerfile, "VOLUME", final=True)
    database = PurePosixPath(dockerfile.envs["REBOUND_DB"])

    assert str(database.parent) in exec_form(volume)
    assert dockerfile.envs["REBOUND_TEAMS"] == "/config/teams.yml"


def test_healthcheck_asks_healthz_on_the_port_served_and_exposed(dockerfile):
    (healthcheck,) = instructions(dockerfile, "HEALTHCHECK", final=True)
    (expose,) = instructions(dockerfile, "EXPOSE", final=True)
    (command,) = instructions(dockerfile, "CMD", final=True)
    (entrypoint,) = instructions(dockerfile, "ENTRYPOINT", final=True)
    served = exec_form(command)

    assert exec_form(entrypoint) == ["rebound"] and served[0] == "serve"
    port = served[served.index("--port") + 1]
    assert expose == port
    assert f"http://127.0.0.1:{port}/healthz" in healthcheck
    assert re.search(r"--interval=\d+s", healthcheck) and re.search(r"--timeout=\d+s", healthcheck)


def test_every_install_is_pinned_by_the_constraints_file(dockerfile):
    pip_runs = [run for run in instructions(dockerfile, "RUN") if "pip " in run]
    installs = [run for run in pip_runs if "pip install" in run]

    assert len(installs) == 2
    for run in installs:
        words = shlex.split(run)
        constraints = PurePosixPath(words[words.index("-c") + 1])
        assert constraints.name == "constraints.txt", run
    assert (PROJECT_ROOT / "constraints.txt").is_file()
    wheel = next(run for run in pip_runs if "pip wheel" in run)
    assert "--no-deps" in wheel and "--no-build-isolation" in wheel


def test_build_context_holds_what_the_image_copies(dockerfile):
    """.dockerignore excludes everything (``*``) and lets through only what is copied."""
    lines = [line.strip() for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()]
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    copied = set()
    for copy in instructions(dockerfile, "COPY"):
        words = [word for word in shlex.split(copy) if not word.startswith("--")]
        if "--from=" in copy:
            continue
        copied.update(word.rstrip("/") for word in words[:-1])

    assert "*" in lines
    assert copied == allowed
    assert all((PROJECT_ROOT / name).exists() for name in copied)
    # what setup.py bundles into the wheel is in the build stage
    assert {"playbooks", "prompts", "manifest.yml", "setup.py", "MANIFEST.in"} <= copied
    assert not {".venv", "tests", "bench", ".env"} & copied


def test_compose_runs_the_image_with_the_database_on_a_named_volume():
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    http, socket = compose["services"]["rebound"], compose["services"]["rebound-socket"]

    for service in (http, socket):
        assert service["build"] == "."
        assert "rebound-data:/data" in service["volumes"]
        assert "./teams.yml:/config/teams.yml:ro" in service["volumes"]
        assert {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"} <= set(service["environment"])
        assert service["restart"] == "unless-stopped"
    assert "rebound-data" in compose["volumes"]
    assert http["ports"] == ["3000:3000"] and "command" not in http
    assert socket["command"] == ["serve", "--socket"] and socket["healthcheck"] == {"disable": True}
    assert socket["profiles"] == ["socket"]


class Healthz(BaseHTTPRequestHandler):
    """Answers GET /healthz with the server's ``answer`` (status, body)."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        status, body = self.server.answer if self.path == "/healthz" else (404, b"")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def healthz():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Healthz)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def probe(dockerfile: DockerfileParser, port: int) -> subprocess.CompletedProcess[str]:
    """Run the image's HEALTHCHECK command here, pointed at ``port`` instead of 3000."""
    (healthcheck,) = instructions(dockerfile, "HEALTHCHECK", final=True)
    command = exec_form(healthcheck[healthcheck.index("CMD") + 3:])
    command = [sys.executable] + [part.replace("127.0.0.1:3000", f"127.0.0.1:{port}") for part in command[1:]]
    return subprocess.run(command, capture_output=True, text=True, timeout=30)


def test_health_probe_passes_on_200_and_shows_why_otherwise(dockerfile, healthz):
    port = healthz.server_address[1]
    healthz.answer = (200, b'{"ok": true}')
    assert probe(dockerfile, port).returncode == 0

    healthz.answer = (503, b'{"ok": false, "slack": "unreachable", "tries": 3}')
    failed = probe(dockerfile, port)
    assert (failed.returncode, failed.stderr) == (1, '503: {"ok": false, "slack": "unreachable", "tries": 3}\n')

    healthz.shutdown()
    healthz.server_close()
    refused = probe(dockerfile, port)
    assert refused.returncode == 1 and refused.stderr.startswith("no answer: ") and "Traceback" not in refused.stderr


def free_port() -> int:
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return probe_socket.getsockname()[1]


def test_the_image_command_starts_without_slack_and_its_health_check_says_so(dockerfile, tmp_path):
    """The image's ENV, ENTRYPOINT + CMD and HEALTHCHECK together, run here with Slack unreachable.

    /data and /config are moved under tmp_path and the port swapped for a free one; the rest
    is the Dockerfile's own."""
    (data, config) = (tmp_path / "data", tmp_path / "config")
    data.mkdir()
    config.mkdir()
    write_teams(config)
    image_env = {name: value.replace("/data/", f"{data}/").replace("/config/", f"{config}/")
                 for name, value in dockerfile.envs.items() if name.startswith("REBOUND_")}
    port, nowhere = free_port(), free_port()  # nothing listens on `nowhere`: Slack is unreachable
    (entrypoint,) = instructions(dockerfile, "ENTRYPOINT", final=True)
    (command,) = instructions(dockerfile, "CMD", final=True)
    args = [word.replace("3000", str(port)) for word in exec_form(command)]
    assert exec_form(entrypoint) == ["rebound"]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "REBOUND_"))}
    env.update(image_env, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SIGNING_SECRET,
               SLACK_API_URL=f"http://127.0.0.1:{nowhere}/api/")

    server = subprocess.Popen([sys.executable, "-m", "bot", *args], env=env, cwd=data,
                              stderr=subprocess.PIPE, text=True)
    try:
        for line in server.stderr:  # blocks until serve writes: no sleeping
            if "try 1 failed" in line:
                break
        checked = probe(dockerfile, port)
    finally:
        server.terminate()
        server.communicate(timeout=10)

    assert checked.returncode == 1
    assert checked.stderr.startswith('503: {"ok": false, "slack": "unreachable"')
    assert (data / "rebound.db").is_file()  # REBOUND_DB from the image: the database is on the volume
