"""`paperbot doctor`: settings, database, platform tokens, channel rights and Hugging Face, one line each
with the fix for a failure. It talks HTTP itself (httpx, the same base URLs as the adapters), so it works
even when an adapter cannot start, and it never posts anything."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from paperbot.bot.cli_common import err, out
from paperbot.bot.config import ConfigError, Settings, load_settings, platform_notice
from paperbot.bot.embedding import semantic_search
from paperbot.bot.semantic import coverage, failure
from paperbot.storage import channels as channel_store
from paperbot.storage import health
from paperbot.storage import papers as paper_store
from paperbot.storage import vectors as vector_store
from paperbot.storage.db import SchemaTooNew, open_db

logger = logging.getLogger(__name__)

INVITE = "invite the bot there: `/invite @paperbot` in that channel, then `/papers resume` if it was paused"
DISCORD_RIGHTS = (
    "give the bot View Channel, Send Messages, Embed Links and Read Message History in that channel "
    "(channel settings -> Permissions), then `/papers query: resume` there if it was paused"
)


SLACK_NETWORK = (
    "check the network, a proxy (HTTPS_PROXY) and SLACK_API_URL (https://slack.com/api/), or retry later"
)
DISCORD_NETWORK = "check the network, a proxy (HTTPS_PROXY) and DISCORD_API_BASE, or retry later"
# What Slack answers when the token itself is the problem (rather than the network or a scope).
TOKEN_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"})


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        if self.ok:
            return f"ok    {self.name}: {self.detail}"
        return f"FAIL  {self.name}: {self.detail} -> fix: {self.fix}"


def check_settings(settings: Settings) -> Check:
    env = Path(".env").resolve()
    source = f".env read from {env.parent}" if env.exists() else f"no .env in {Path.cwd()} (environment only)"
    notice = platform_notice(settings)
    if notice is not None and notice.kind == "error":
        return Check("settings", False, source, notice.text)
    platforms = [
        name
        for name, on in (
            ("Slack", settings.slack_bot_token or settings.slack_client_id),
            ("Discord", settings.discord_token),
        )
        if on
    ]
    return Check("settings", True, f"{source}; platforms: {', '.join(platforms) or 'none (console only)'}")


def check_database(settings: Settings) -> tuple[Check, Any]:
    """The database check, and the open database for the channel checks (None when there is none)."""
    path = settings.paperbot_db
    if not path.parent.is_dir():
        return Check(
            "database", False, f"the folder {path.parent} does not exist: create it, or set PAPERBOT_DB"
        ), None
    if not path.exists():
        return Check(
            "database", True, f"{path} not created yet (the first fetch, import or run creates it)"
        ), None
    try:
        db = open_db(path)
        found = health.problems(db)
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            return Check("database", False, f"{path}: {exc}", f"restore {path} from a backup"), None
        return Check(
            "database",
            False,
            f"{path} is busy: another process is writing to it (an import, a fetch)",
            "run `paperbot doctor` again when it has finished",
        ), None
    except (sqlite3.DatabaseError, SchemaTooNew) as exc:
        fix = "upgrade paperbot" if isinstance(exc, SchemaTooNew) else f"restore {path} from a backup"
        return Check("database", False, f"{path}: {exc}", fix), None
    if found:
        fix = "`paperbot doctor --rebuild-index` (the papers are kept; only the index is re-made)"
        if any(p.startswith("SQLite") for p in found):
            fix = f"stop paperbot, copy {path} aside and restore it from a backup"
        return Check("database", False, f"{path}: {'; '.join(found)}", fix), db
    papers = paper_store.paper_count(db)
    channels = len(channel_store.list_channels(db))
    return Check(
        "database", True, f"{path}: sound, {papers:,} paper{'s' * (papers != 1)}, {channels} channels"
    ), db


async def _slack(client: httpx.AsyncClient, settings: Settings, method: str, **args: str) -> dict[str, Any]:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    base = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    response = await client.post(base + method, data=args, headers={"Authorization": f"Bearer {token}"})
    body = (
        response.json() if response.headers.get("content-type", "").startswith("application/json") else None
    )
    if not isinstance(body, dict):  # a proxy's error page, or SLACK_API_URL pointing somewhere else
        return {"ok": False, "error": f"HTTP {response.status_code} without a Slack API answer"}
    return body


async def check_slack(client: httpx.AsyncClient, settings: Settings, db: Any) -> list[Check]:
    if not settings.slack_bot_token:
        if settings.slack_client_id:
            return [Check("slack token", True, "multi-workspace installs: each workspace has its own token")]
        return []
    try:
        auth = await _slack(client, settings, "auth.test")
    except httpx.HTTPError as exc:
        detail = f"cannot reach Slack at {settings.slack_api_url} ({type(exc).__name__})"
        return [Check("slack token", False, detail, SLACK_NETWORK)]
    if not auth.get("ok") and auth.get("error") in TOKEN_ERRORS:
        fix = (
            "make a new bot token (api.slack.com/apps -> your app -> Install App -> Reinstall), "
            "put the xoxb-... token in SLACK_BOT_TOKEN and restart paperbot"
        )
        return [Check("slack token", False, f"Slack rejected SLACK_BOT_TOKEN ({auth.get('error')})", fix)]
    if not auth.get("ok"):
        return [Check("slack token", False, f"Slack answered {auth.get('error')}", SLACK_NETWORK)]
    team = str(auth.get("team_id", ""))
    checks = [Check("slack token", True, f"works (workspace {team}, bot user {auth.get('user_id')})")]
    for channel in channel_store.list_channels(db, "slack") if db is not None else []:
        if channel.ref.workspace and channel.ref.workspace != team:
            continue  # another workspace's channel (multi-workspace installs): not this token's to check
        checks.append(await _slack_channel(client, settings, channel))
    return checks


async def _slack_channel(
    client: httpx.AsyncClient, settings: Settings, channel: channel_store.ChannelSettings
) -> Check:
    name = f"slack channel {channel.ref.channel}"
    try:
        info = await _slack(client, settings, "conversations.info", channel=channel.ref.channel)
    except httpx.HTTPError as exc:
        return Check(name, False, f"cannot reach Slack ({type(exc).__name__})", SLACK_NETWORK)
    found = info.get("channel") or {}
    if not info.get("ok"):
        error = info.get("error")
        if error == "missing_scope":
            fix = "add the channels:read and groups:read scopes (slack/manifest.yaml) and reinstall the app"
        elif error == "channel_not_found":
            fix = f"the channel was deleted or is private without the bot: {INVITE}"
        else:
            fix = "check the Slack app's scopes against slack/manifest.yaml"
        return Check(name, False, f"Slack says {error}", fix)
    label = f"#{found.get('name', channel.ref.channel)}"
    if found.get("is_archived"):
        return Check(
            name, False, f"{label} is archived", "unarchive it, or stop its digest with `/papers pause`"
        )
    if not found.get("is_member"):
        return Check(name, False, f"the bot is not a member of {label}, so it cannot post there", INVITE)
    paused = f" (digest paused: {channel.pause_reason or 'by a user'})" if channel.paused else ""
    return Check(name, True, f"the bot can post in {label}{paused}")


async def check_discord(client: httpx.AsyncClient, settings: Settings, db: Any) -> list[Check]:
    if not settings.discord_token:
        return []
    base = settings.discord_api_base.rstrip("/")
    headers = {"Authorization": f"Bot {settings.discord_token.get_secret_value()}"}
    try:
        me = await client.get(f"{base}/users/@me", headers=headers)
    except httpx.HTTPError as exc:
        return [
            Check(
                "discord token",
                False,
                f"cannot reach Discord at {base} ({type(exc).__name__})",
                DISCORD_NETWORK,
            )
        ]
    if me.status_code != 200 and me.status_code != 401:
        detail = f"Discord answered HTTP {me.status_code}"
        return [Check("discord token", False, detail, DISCORD_NETWORK)]
    if me.status_code == 401:
        fix = (
            "reset the token (discord.com/developers -> your app -> Bot -> Reset Token) and set DISCORD_TOKEN"
        )
        return [Check("discord token", False, f"Discord rejected DISCORD_TOKEN (HTTP {me.status_code})", fix)]
    checks = [Check("discord token", True, f"works (bot {me.json().get('username')})")]
    for channel in channel_store.list_channels(db, "discord") if db is not None else []:
        name = f"discord channel {channel.ref.channel}"
        # Minimal check: the bot can see the channel. Send rights would need the guild's roles and the
        # channel's overwrites; a digest that is refused is paused with Discord's reason instead.
        try:
            response = await client.get(f"{base}/channels/{channel.ref.channel}", headers=headers)
        except httpx.HTTPError as exc:
            checks.append(Check(name, False, f"cannot reach Discord ({type(exc).__name__})", DISCORD_NETWORK))
            continue
        if response.status_code == 404:
            fix = "the channel was deleted; subscribe another channel (its digest here is paused at the next post)"
            checks.append(Check(name, False, "Discord says Unknown Channel", fix))
        elif response.status_code != 200:
            detail = f"the bot cannot see this channel (HTTP {response.status_code})"
            checks.append(Check(name, False, detail, DISCORD_RIGHTS))
        else:
            label = f"#{response.json().get('name', channel.ref.channel)}"
            paused = f" (digest paused: {channel.pause_reason or 'by a user'})" if channel.paused else ""
            checks.append(Check(name, True, f"the bot can see {label}{paused}"))
    return checks


async def check_hf(client: httpx.AsyncClient, settings: Settings) -> Check:
    base = settings.hf_api_url.rstrip("/")
    today = datetime.now(UTC).date().isoformat()
    try:
        response = await client.get(f"{base}/api/daily_papers", params={"date": today, "limit": 1})
    except httpx.HTTPError as exc:
        fix = "check the network or proxy (HTTPS_PROXY), or HF_API_URL; `paperbot fetch` retries on its own"
        return Check("hugging face", False, f"unreachable at {base} ({type(exc).__name__})", fix)
    if response.status_code != 200:
        fix = "wait and retry (Hugging Face may be down: status.huggingface.co); check HF_API_URL"
        return Check("hugging face", False, f"{base} answered HTTP {response.status_code}", fix)
    return Check("hugging face", True, f"{base} answers")


def check_semantic(settings: Settings, db: Any) -> list[Check]:
    """With PAPERBOT_SEMANTIC on: the extra is installed, the model loads and embeds, and how many papers
    have vectors."""
    if not settings.semantic:
        return []
    name = "semantic search"
    try:
        semantic = semantic_search(True)
    except ConfigError as exc:
        return [Check(name, False, str(exc), "install it, or unset PAPERBOT_SEMANTIC")]
    assert semantic is not None
    try:
        semantic.vectors(["a test sentence"])
    except Exception as exc:  # whatever a broken install raises, doctor reports it in one line
        fix = "reinstall it: pip install --force-reinstall 'paperbot[semantic]'"
        return [Check(name, False, f"the model does not load ({failure(exc)})"[:300], fix)]
    if db is None:
        return [Check(name, True, f"{semantic.model} loads and embeds")]
    have, total = vector_store.counts(db, semantic.model)
    if total and not have:  # on, and doing nothing: no paper can be blended or found by meaning
        return [
            Check(name, False, f"{semantic.model} loads, but {coverage(have, total)}", "run `paperbot embed`")
        ]
    return [Check(name, True, f"{semantic.model} loads and embeds; {coverage(have, total)}")]


async def run_checks(settings: Settings) -> list[Check]:
    checks = [check_settings(settings)]
    database, db = check_database(settings)
    checks.append(database)
    checks += check_semantic(settings, db)
    try:
        async with httpx.AsyncClient(timeout=settings.http_timeout) as client:
            checks += await check_slack(client, settings, db)
            checks += await check_discord(client, settings, db)
            checks.append(await check_hf(client, settings))
    finally:
        if db is not None:
            db.close()
    return checks


def doctor(
    rebuild_index: Annotated[
        bool, typer.Option("--rebuild-index", help="re-make the search index from the stored papers")
    ] = False,
) -> None:
    """Check settings, database, tokens, channel rights and Hugging Face; one line each, with the fix."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        out.print(f"FAIL  settings: {exc} -> fix: correct it in .env or the environment", highlight=False)
        raise typer.Exit(1) from None
    if rebuild_index:
        db = open_db(settings.paperbot_db)
        health.rebuild_search_index(db)
        db.close()
        err.print("search index rebuilt", highlight=False)
    checks = asyncio.run(run_checks(settings))
    for check in checks:
        out.print(check.line(), highlight=False, markup=False, soft_wrap=True)
    failed = [c for c in checks if not c.ok]
    if failed:
        out.print(f"{len(failed)} of {len(checks)} checks failed", highlight=False)
        raise typer.Exit(1)
