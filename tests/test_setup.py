"""A new user's first steps: `.env.example` copied as it is, the settings it and the README list, and the
`paperbot run` start-up lines for a missing platform token."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from paperbot.bot.config import ConfigError, Settings, load_settings, platform_notice
from tests.conftest import PLATFORM_SETTINGS, shared_data

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / ".env.example"


def setting_names() -> set[str]:
    """Every environment name Settings reads."""
    return {(field.alias or name).upper() for name, field in Settings.model_fields.items()}


def run_in(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed CLI in a child process started in `folder`, with no paperbot setting inherited."""
    env = {k: v for k, v in os.environ.items() if k not in setting_names() and k not in PLATFORM_SETTINGS}
    return subprocess.run(
        [sys.executable, "-m", "paperbot.bot", *args],
        cwd=folder,
        env={**env, "COLUMNS": "80"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_env_example_copied_as_is_works(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(EXAMPLE.read_text())
    proc = run_in(tmp_path, "status")
    assert proc.returncode == 0, proc.stderr
    assert "Last fetch: never" in proc.stdout
    assert (tmp_path / "paperbot.db").exists()  # PAPERBOT_DB=./paperbot.db: the folder it started in


def test_every_setting_left_empty_means_unset(tmp_path: Path) -> None:
    # A user who uncomments every line and fills in only what they need: `NAME=` is "not set".
    (tmp_path / ".env").write_text("".join(f"{name}=\n" for name in sorted(setting_names())))
    proc = run_in(tmp_path, "status", "--settings")
    assert proc.returncode == 0, proc.stderr
    assert "DISCORD_SHARDS=\n" in proc.stdout and "PAPERBOT_HTTP_PORT=3000" in proc.stdout


def test_empty_environment_variable_is_unset(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_SHARDS", "")
    monkeypatch.setenv("PAPERBOT_DEFAULT_SIZE", "")
    cfg = load_settings()
    assert cfg.discord_shards is None and cfg.default_size == 5
    monkeypatch.setenv("DISCORD_SHARDS", "zero")  # a real value that is wrong still fails, in one line
    with pytest.raises(ConfigError, match="DISCORD_SHARDS"):
        load_settings()


def test_env_example_and_readme_list_every_setting() -> None:
    example = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", EXAMPLE.read_text(), re.MULTILINE))
    readme = (ROOT / "README.md").read_text()
    table = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", readme.split("## Configuration", 1)[1].split("\n## ")[0]))
    assert setting_names() - example == set()
    assert setting_names() - table == set()
    assert example - setting_names() == set()  # nothing documented that paperbot does not read


@pytest.mark.parametrize(
    ("env", "kind", "words"),
    [
        ({}, "warning", "no chat platform configured: running console-only"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "error", "SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not"),
        ({"SLACK_SIGNING_SECRET": "s"}, "error", "SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "error", "set SLACK_APP_TOKEN (Socket Mode, no public URL) or"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, None, ""),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, None, ""),
        ({"SLACK_APP_TOKEN": "xapp-1", "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "x"}, None, ""),
        ({"DISCORD_TOKEN": "d"}, None, ""),
    ],
)
def test_platform_notice(env: dict[str, str], kind: str | None, words: str) -> None:
    notice = platform_notice(Settings(_env_file=None, **{k.lower(): v for k, v in env.items()}))  # type: ignore[call-arg]
    if kind is None:
        assert notice is None
    else:
        assert notice is not None and notice.kind == kind and words in notice.text


def test_run_with_only_the_app_token_stops_with_one_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SLACK_APP_TOKEN=xapp-1\nPAPERBOT_HTTP_PORT=0\n")
    proc = run_in(tmp_path, "run")
    assert proc.returncode == 2
    assert "SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_run_without_tokens_warns_then_runs_console_only(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PAPERBOT_HTTP_PORT=0\nHF_API_URL=http://127.0.0.1:9\n")
    env = {k: v for k, v in os.environ.items() if k not in setting_names() and k not in PLATFORM_SETTINGS}
    proc = subprocess.Popen(
        [sys.executable, "-m", "paperbot.bot", "run"],
        cwd=tmp_path,
        env={**env, "COLUMNS": "80"},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        assert "warning: no chat platform configured: running console-only" in first
        assert "set SLACK_BOT_TOKEN or DISCORD_TOKEN" in first
        later = []
        for _ in range(15):  # it goes on to start, console only (after one log line per migration)
            later.append(proc.stderr.readline())
            if "paperbot running" in later[-1]:
                break
        assert "paperbot running adapters=console " in later[-1], later
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert proc.returncode == 0


# Each Slack Web API method paperbot calls, and the bot scopes it needs. A new method must be added here,
# which makes whoever adds it say which scope it needs.
METHOD_SCOPES = {
    "auth.test": set(),
    "apps.connections.open": set(),  # app-level token (connections:write), not a bot scope
    "chat.postMessage": {"chat:write"},
    "conversations.history": {"channels:history", "groups:history"},
    "conversations.replies": {"channels:history", "groups:history"},
    "conversations.info": {"channels:read", "groups:read"},
    "users.info": {"users:read"},
}


def test_slack_manifest_asks_for_exactly_the_scopes_the_code_uses() -> None:
    adapter = (ROOT / "adapters" / "slack" / "app.py").read_text()
    doctor = (ROOT / "bot" / "doctor.py").read_text()
    called = {
        m.replace("_", ".")
        for m in re.findall(r"client\.(auth_test|chat_\w+|conversations_\w+|users_\w+)\(", adapter)
    }
    called |= set(re.findall(r'_slack\(client, settings, "([\w.]+)"', doctor))
    assert called <= set(METHOD_SCOPES), called - set(METHOD_SCOPES)
    manifest = (ROOT / "slack" / "manifest.yaml").read_text()
    bot_scopes = manifest.split("    bot:\n", 1)[1].split("\nsettings:", 1)[0]
    listed = set(re.findall(r"^\s+- ([a-z:.]+)", bot_scopes, re.MULTILINE))
    needed = {"commands"}.union(*(METHOD_SCOPES[m] for m in called))
    assert listed == needed
    assert "three request URLs" not in manifest


def test_readme_search_examples_find_papers_on_the_recorded_data(tmp_path: Path) -> None:
    days = sorted((shared_data() / "hf_daily_papers").glob("*.json"))
    assert run_in(tmp_path, "import", *map(str, days)).returncode == 0
    readme = (ROOT / "README.md").read_text()
    examples = re.findall(r"^paperbot search (.+?)(?: --json)?\s+#", readme, re.MULTILINE)
    assert len(examples) >= 3, examples
    for example in examples:
        (query,) = shlex.split(example)
        proc = run_in(tmp_path, "search", query, "--json")
        assert proc.returncode == 0 and json.loads(proc.stdout), f"README example finds nothing: {query}"
