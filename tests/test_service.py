"""Running paperbot as a service: the Dockerfile and compose.yaml agree with the CLI and the settings.

CI does not build the image (no registry access); these checks catch the drift that would make a built
image fail: a command the CLI lacks, a health check on the wrong path or port, a database off the volume.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest
from typer.testing import CliRunner

from paperbot.bot.app import Bot
from paperbot.bot.cli import app
from paperbot.bot.config import Settings
from tests.conftest import bot_env

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE = (ROOT / "compose.yaml").read_text()


def instruction(name: str) -> list[str]:
    """Every argument string of one Dockerfile instruction (continuation lines joined)."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [m.group(1).strip() for m in re.finditer(rf"^{name}\s+(.+)$", joined, re.MULTILINE)]


def env_values() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in instruction("ENV"):
        values.update(dict(pair.split("=", 1) for pair in shlex.split(line)))
    return values


def test_command_is_the_cli_run() -> None:
    (cmd,) = instruction("CMD")
    argv = json.loads(cmd)
    assert argv[0] == "paperbot" and argv[1:] == ["run"]
    result = CliRunner().invoke(app, [*argv[1:], "--help"])
    assert result.exit_code == 0 and "SIGTERM" in result.stdout
    assert instruction("STOPSIGNAL") == ["SIGTERM"]  # what `run` stops cleanly on


def test_listener_database_and_user() -> None:
    env = env_values()
    default_port = Settings.model_fields["paperbot_http_port"].default
    assert env["PAPERBOT_HTTP_HOST"] == "0.0.0.0"
    assert env["PAPERBOT_HTTP_PORT"] == str(default_port) and instruction("EXPOSE") == [str(default_port)]
    (volume,) = (json.loads(v) for v in instruction("VOLUME"))
    assert PurePosixPath(volume[0]) in PurePosixPath(env["PAPERBOT_DB"]).parents
    (user,) = instruction("USER")
    assert user not in ("root", "0")
    assert any(f"chown {user}:{user} {volume[0]}" in run for run in instruction("RUN"))  # it can write there
    assert instruction("WORKDIR")[-1] == volume[0]  # a relative PAPERBOT_DB or .env lands on the volume too
    assert f"- paperbot-data:{volume[0]}" in COMPOSE and f"PAPERBOT_DB: {env['PAPERBOT_DB']}" in COMPOSE
    assert "PAPERBOT_HTTP_HOST: 0.0.0.0" in COMPOSE and f':{default_port}"' in COMPOSE


def test_dockerignore_keeps_secrets_and_databases_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and "*.db" in ignored and ".venv" in ignored


async def test_the_healthcheck_command_passes_against_a_running_bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The image's exact HEALTHCHECK command, run against the bot as `paperbot run` wires it."""
    (check,) = instruction("HEALTHCHECK")
    argv = json.loads(check.split("CMD", 1)[1])
    assert argv[0] == "python" and "/healthz" in argv[-1]
    bot_env(monkeypatch, tmp_path)
    bot = Bot(Settings(), tick_seconds=3600)
    await bot.start()
    try:
        env = {"PAPERBOT_HTTP_PORT": str(bot.http_port), "PATH": "/usr/bin:/bin"}
        proc = await _run([sys.executable, *argv[1:]], env)
        assert proc.returncode == 0, proc.stderr
        bot.jobs.shutdown()  # what /healthz reports as unhealthy: the check must fail then
        proc = await _run([sys.executable, *argv[1:]], env)
        assert proc.returncode != 0 and "503" in proc.stderr
    finally:
        await bot.stop()


async def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    import asyncio

    proc = await asyncio.create_subprocess_exec(
        *argv, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await proc.communicate()
    return subprocess.CompletedProcess(argv, proc.returncode or 0, out.decode(), err.decode())


def test_readme_systemd_unit() -> None:
    readme = (ROOT / "README.md").read_text()
    (unit,) = re.findall(r"```ini\n(.*?)```", readme, re.DOTALL)
    keys = dict(line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#"))
    program, *args = keys["ExecStart"].split()
    assert PurePosixPath(program).name == "paperbot" and args == ["run"] and program.startswith("/")
    assert keys["Restart"] == "on-failure" and keys["EnvironmentFile"].startswith("/")
    assert keys["WorkingDirectory"] == keys["ReadWritePaths"]  # the database is written where it runs
    assert keys["User"] != "root"
