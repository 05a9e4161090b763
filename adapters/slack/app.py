"""Slack adapter: slack-bolt AsyncApp in Socket Mode or HTTP mode, translating to and from the core.

Adapters only translate: a slash command becomes a `Command`, the core's `Reply` becomes Block Kit.
Slack wants an ack within 3 s: a reply ready within the core's ack budget (bot.deadline) goes in the
ack, otherwise the ack says "working on it" and the reply follows through `respond()` (the command's
response_url). Buttons are acknowledged the same way.

Why this module is longer than ~300 lines: bolt binds every command and button handler to one App, so
they live on one adapter class; everything pure is in render.py and http.py.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from paperbot.adapters.slack import render
from paperbot.adapters.slack.http import OAuthConfig, signed
from paperbot.bot.commands import sub_command
from paperbot.bot.deadline import within
from paperbot.bot.models import ChannelRef, Command, Digest, Reply, ReplyKind
from paperbot.bot.ports import AdapterFatal, ChannelUnavailable, PostKey
from paperbot.bot.service import Service

logger = logging.getLogger(__name__)


class _NoTokenNotice(logging.Filter):
    # Bolt reads SLACK_BOT_TOKEN from the environment itself and then warns that our client (which
    # carries the same token, plus SLACK_API_URL and retry handlers) takes precedence: expected here.
    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


_bolt_logger = logging.getLogger(f"{__name__}.bolt")
_bolt_logger.addFilter(_NoTokenNotice())

EVENT_TYPE = "paperbot_digest"
CHANNEL_GONE = {"channel_not_found", "not_in_channel", "is_archived", "access_denied", "restricted_action"}
AUTH_DEAD = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}


class SlackConfigError(Exception):
    """Slack refused the configured credentials; the message is one line without the secret."""


class SlackAdapter:
    platform = "slack"

    def __init__(
        self,
        core: Service,
        *,
        bot_token: str | None,
        api_url: str,
        app_token: str | None = None,
        signing_secret: str | None = None,
        oauth: OAuthConfig | None = None,
        admins_only: bool = False,
        rate_limit_retries: int = 5,
    ) -> None:
        if not app_token and not signing_secret:
            raise SlackConfigError("set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)")
        if oauth is not None and (app_token or not signing_secret):
            raise SlackConfigError(
                "the multi-workspace install flow runs in HTTP mode: set SLACK_SIGNING_SECRET only"
            )
        if oauth is None and not bot_token:
            raise SlackConfigError(
                "set SLACK_BOT_TOKEN, or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to install"
            )
        self.core = core
        self.admins_only = admins_only
        self.installations = oauth.installation_store() if oauth else None
        self.client = AsyncWebClient(
            token=bot_token,
            base_url=api_url if api_url.endswith("/") else api_url + "/",
            retry_handlers=[
                AsyncConnectionErrorRetryHandler(max_retry_count=2),
                AsyncRateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
            ],
        )
        self.socket_mode = bool(app_token)
        self.app = AsyncApp(
            client=self.client,
            signing_secret=signing_secret or "unused-in-socket-mode",
            request_verification_enabled=not self.socket_mode,
            oauth_settings=oauth.settings(self.installations) if oauth and self.installations else None,
            logger=_bolt_logger,
        )
        self._socket = AsyncSocketModeHandler(self.app, app_token) if app_token else None
        self._verifier = SignatureVerifier(signing_secret) if signing_secret and not app_token else None
        self.bot_user: str | None = None
        self._register()

    # -- life cycle ---------------------------------------------------------------------------------------

    async def start(self) -> None:
        if self.installations is not None:
            logger.info("slack multi-workspace mode: install at /slack/install")
            return
        try:
            auth = await self.client.auth_test()
        except SlackApiError as exc:
            raise SlackConfigError(f"Slack rejected SLACK_BOT_TOKEN ({exc.response.get('error')})") from None
        self.bot_user = auth.get("user_id")
        logger.info("slack connected team=%s bot=%s mode=%s", auth.get("team_id"), self.bot_user, self.mode)
        if self._socket is not None:
            await self._socket.connect_async()

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()

    @property
    def mode(self) -> str:
        return "socket" if self.socket_mode else "http"

    def routes(self) -> list[web.RouteDef]:
        """HTTP mode's endpoint, served by the bot's HTTP listener."""
        if self.socket_mode:
            return []

        async def events(request: web.Request) -> web.Response:
            # Checked here, before bolt: bolt logs an unsigned request's whole body at INFO, and answers a
            # non-numeric timestamp or a signed body it cannot parse with a 500 and a traceback.
            try:
                body = (await request.read()).decode("utf-8")
            except UnicodeDecodeError:
                return web.Response(status=400, text="request body is not UTF-8 text")
            if self._verifier is None or not signed(self._verifier, request.headers, body):
                return web.Response(status=401, text="invalid request signature")
            try:
                bolt_request = await to_bolt_request(request)
            except (ValueError, TypeError, AttributeError) as exc:  # a bad encoding or JSON: the sender's bug
                logger.info("slack: signed request with a malformed body rejected (%s)", type(exc).__name__)
                return web.Response(status=400, text="malformed request body")
            if not isinstance(bolt_request.body, dict) or not all(
                isinstance(bolt_request.body.get(k, {}), dict) for k in ("event", "team", "user", "channel")
            ):
                logger.info("slack: signed request without a usable payload rejected")
                return web.Response(status=400, text="malformed request body")
            return await to_aiohttp_response(await self.app.async_dispatch(bolt_request))

        routes = [web.post("/slack/events", events)]
        flow = self.app.oauth_flow
        if flow is not None:

            async def install(request: web.Request) -> web.Response:
                return await to_aiohttp_response(
                    await flow.handle_installation(await to_bolt_request(request))
                )

            async def redirect(request: web.Request) -> web.Response:
                return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

            routes += [web.get(flow.install_path, install), web.get(flow.redirect_uri_path, redirect)]
        return routes

    async def _token_for(self, ref: ChannelRef) -> str | None:
        """The bot token of the channel's workspace (multi-workspace installs), else the configured one."""
        if self.installations is None:
            return None
        bot = await self.installations.async_find_bot(enterprise_id=None, team_id=ref.workspace or None)
        if bot is None:
            raise ChannelUnavailable(
                f"workspace {ref.workspace or '?'} has no installation (reinstall the app)"
            )
        return str(bot.bot_token)

    # -- commands and buttons -----------------------------------------------------------------------------

    def _register(self) -> None:
        self.app.command("/papers")(self._on_command)
        self.app.action(render.ACTION_MORE_LIKE)(self._on_more_like)
        self.app.action(render.ACTION_NEXT)(self._on_next)
        self.app.action(render.ACTION_SHARE)(self._on_share)
        # Every paperbot_vote_* id, so a forged or stale one still gets an answer rather than silence.
        self.app.action(re.compile("^" + re.escape(render.ACTION_VOTE)))(self._on_vote)

    async def _can_manage(self, client: AsyncWebClient, user_id: str) -> bool:
        if not self.admins_only:
            return True
        try:
            info = await client.users_info(user=user_id)
        except SlackApiError as exc:
            logger.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
            return False
        user = info.get("user") or {}
        return bool(user.get("is_admin") or user.get("is_owner"))

    async def _cannot_post(self, client: AsyncWebClient, channel: str) -> str | None:
        """Why the bot could not post its digest here, with the fix; None when it can or can't tell."""
        try:
            info = await client.conversations_info(channel=channel)
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            if error in CHANNEL_GONE:
                return f"I can't see this channel ({error}): invite me first with /invite @paperbot"
            return None  # e.g. missing_scope on an old install: the delivery will say if it fails
        if not (info.get("channel") or {}).get("is_member", True):
            return "I'm not a member of this channel: invite me first with /invite @paperbot"
        return None

    async def _reply_for(self, client: AsyncWebClient, body: dict[str, Any]) -> Reply:
        ref = ChannelRef("slack", str(body.get("channel_id", "")), str(body.get("team_id", "")))
        user = str(body.get("user_id", ""))
        text = str(body.get("text", ""))
        can_manage = await self._can_manage(client, user)
        sub, _ = sub_command(text)
        cannot_post = await self._cannot_post(client, ref.channel) if sub and sub.registers else None
        return await self.core.handle(Command(ref, user, text, can_manage, cannot_post))

    # Handlers take bolt's per-request `client`: in multi-workspace mode it carries that workspace's token.
    async def _on_command(
        self, ack: Any, command: dict[str, Any], respond: Any, client: AsyncWebClient
    ) -> None:
        async def working() -> None:
            await ack(response_type="ephemeral", text="Working on it…")

        reply, late = await within(self._reply_for(client, command), working)
        if late:
            await respond(**render.reply_payload(reply))
        else:
            await ack(**render.reply_payload(reply))

    async def _answer_action(self, ack: Any, work: Awaitable[Reply]) -> Reply:
        reply, late = await within(work, ack)
        if not late:
            await ack()
        return reply

    async def _on_more_like(self, ack: Any, action: dict[str, Any], respond: Any) -> None:
        reply = await self._answer_action(ack, self.core.more_like(str(action.get("value", ""))))
        await respond(**render.reply_payload(reply), replace_original=False)

    async def _on_vote(self, ack: Any, action: dict[str, Any], body: dict[str, Any], respond: Any) -> None:
        value = render.VOTES.get(str(action.get("action_id", "")).removeprefix(render.ACTION_VOTE))
        channel = str((body.get("channel") or {}).get("id", ""))
        team = str((body.get("team") or {}).get("id", ""))
        user = str((body.get("user") or {}).get("id", ""))
        if value is None or not channel:
            reply = Reply("That button is not one paperbot made; nothing was recorded.", ReplyKind.ERROR)
            await ack()
        else:
            ref = ChannelRef("slack", channel, team)
            work = self.core.vote(ref, str(action.get("value", "")), user, value)
            reply = await self._answer_action(ack, work)
        await respond(**render.reply_payload(reply), replace_original=False)

    async def _on_next(self, ack: Any, action: dict[str, Any], respond: Any) -> None:
        query, offset = _page_value(action)
        reply = await self._answer_action(ack, self.core.page(query, offset))
        await respond(**render.reply_payload(reply), replace_original=True)

    async def _on_share(
        self, ack: Any, action: dict[str, Any], body: dict[str, Any], respond: Any, client: AsyncWebClient
    ) -> None:
        query, offset = _page_value(action)
        reply = await self._answer_action(ack, self.core.page(query, offset))
        if reply.digest is None:
            await respond(**render.reply_payload(reply), replace_original=False)
            return
        channel = str((body.get("channel") or {}).get("id", ""))
        sharer = str((body.get("user") or {}).get("name") or "someone")
        (message, *_) = render.digest_messages(reply.digest, per_message=render.MAX_CARDS)
        text = f"{render.escape(sharer)} shared: {message['text']}"
        try:
            await client.chat_postMessage(
                channel=channel, text=text, blocks=message["blocks"], unfurl_links=False, unfurl_media=False
            )
        except SlackApiError as exc:
            await respond(text=f"Could not share here: {exc.response.get('error')}", replace_original=False)
            return
        await respond(text="Shared in the channel.", replace_original=False, response_type="ephemeral")

    # -- daily posts --------------------------------------------------------------------------------------

    async def post(self, ref: ChannelRef, digest: Digest, key: PostKey) -> list[str]:
        token = await self._token_for(ref)
        messages = render.digest_messages(digest)
        ids: list[str] = []
        for part, message in enumerate(messages, 1):
            metadata = {
                "event_type": EVENT_TYPE,
                "event_payload": {"key": key.token, "part": part, "parts": len(messages)},
            }
            try:
                response = await self.client.chat_postMessage(
                    token=token,
                    channel=ref.channel,
                    text=message["text"],
                    blocks=message["blocks"],
                    unfurl_links=False,
                    unfurl_media=False,
                    metadata=metadata,
                )
            except SlackApiError as exc:
                raise _translate(exc) from exc
            ids.append(str(response.get("ts")))
        return ids

    async def reply(self, ref: ChannelRef, thread: str, text: str, key: PostKey) -> list[str]:
        metadata = {"event_type": EVENT_TYPE, "event_payload": {"key": key.token, "part": 1, "parts": 1}}
        try:
            response = await self.client.chat_postMessage(
                token=await self._token_for(ref),
                channel=ref.channel,
                thread_ts=thread,
                text=render.escape(text),
                unfurl_links=False,
                unfurl_media=False,
                metadata=metadata,
            )
        except SlackApiError as exc:
            raise _translate(exc) from exc
        return [str(response.get("ts"))]

    async def find_posted(self, ref: ChannelRef, key: PostKey) -> list[str] | None:
        try:
            if key.thread:  # replies are not in the channel's history, only in their thread
                response = await self.client.conversations_replies(
                    token=await self._token_for(ref),
                    channel=ref.channel,
                    ts=key.thread,
                    limit=200,
                    include_all_metadata=True,
                )
            else:
                response = await self.client.conversations_history(
                    token=await self._token_for(ref),
                    channel=ref.channel,
                    limit=200,
                    include_all_metadata=True,
                )
        except SlackApiError as exc:
            error = _translate(exc)
            if isinstance(error, ChannelUnavailable):
                raise error from exc
            logger.warning("reading messages failed channel=%s: %s", ref.key, exc.response.get("error"))
            return None
        found = [
            str(m.get("ts"))
            for m in response.get("messages") or []
            if (m.get("metadata") or {}).get("event_type") == EVENT_TYPE
            and (m.get("metadata") or {}).get("event_payload", {}).get("key") == key.token
        ]
        return sorted(found)


def _page_value(action: dict[str, Any]) -> tuple[str, int]:
    try:
        value = json.loads(str(action.get("value", "")))
        return str(value["q"]), int(value["o"])
    except (ValueError, KeyError, TypeError):
        return "", 0


def _translate(exc: SlackApiError) -> Exception:
    error = str(exc.response.get("error", ""))
    if error in CHANNEL_GONE:
        return ChannelUnavailable(error)
    if error in AUTH_DEAD:
        logger.critical("slack credentials stopped working (%s); stopping the Slack adapter", error)
        return AdapterFatal("slack", error)
    return exc
