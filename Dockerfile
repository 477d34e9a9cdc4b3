# Rebound in a container: `rebound serve` over HTTP on port 3000, the database on a volume.
#
#   docker build -t rebound .
#   docker compose up        (compose.yaml: tokens from the environment, teams.yml mounted)
#
# Versions come from constraints.txt, the same pins CI runs the tests with.

ARG PYTHON_VERSION=3.11

# ---- build: a wheel of Rebound, with the playbooks, prompts and manifest inside (setup.py)
FROM python:${PYTHON_VERSION}-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY constraints.txt ./
RUN pip install -c constraints.txt setuptools
COPY pyproject.toml setup.py MANIFEST.in README.md manifest.yml ./
COPY bot/ bot/
COPY playbooks/ playbooks/
COPY prompts/ prompts/
RUN pip wheel --no-deps --no-build-isolation -w /wheels .

# ---- run: the wheel and its pinned dependencies, nothing else from the checkout
FROM python:${PYTHON_VERSION}-slim-bookworm
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
COPY constraints.txt /tmp/constraints.txt
COPY --from=build /wheels/ /tmp/wheels/
RUN pip install -c /tmp/constraints.txt /tmp/wheels/*.whl && rm -rf /tmp/wheels /tmp/constraints.txt

# A user without a login or a home of its own; it owns only the data folder.
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home --shell /usr/sbin/nologin rebound \
    && mkdir -p /data /config && chown rebound:rebound /data
USER rebound
WORKDIR /data

# The SQLite file (and its -wal/-shm) lives on the volume; the teams file is mounted read-only.
ENV REBOUND_DB=/data/rebound.db \
    REBOUND_TEAMS=/config/teams.yml
VOLUME ["/data"]
EXPOSE 3000

# /healthz answers 200 when Rebound can work, else an error whose body says why (the database,
# or Slack not reachable yet), which `docker inspect` then shows. HTTP mode only: Socket Mode
# serves no HTTP, so compose.yaml turns the check off there. The slim image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.error, urllib.request\ntry:\n    urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)\nexcept urllib.error.HTTPError as answer:\n    sys.exit(f'{answer.code}: {answer.read(300).decode(errors=\"replace\")}')\nexcept OSError as failure:\n    sys.exit(f'no answer: {failure}')"]

ENTRYPOINT ["rebound"]
CMD ["serve", "--host", "0.0.0.0", "--port", "3000"]
