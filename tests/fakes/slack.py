"""A local Slack: Web API methods, response_url, Socket Mode WebSocket, and a signed-request sender.

It enforces Slack's rules with no off switch: tokens (invalid_auth), Block Kit limits (invalid_blocks),
unknown, archived or not-joined channels, a per-channel rate limit (a burst of 5, then 1 msg/s; 429 with
Retry-After), at most 5 replies per response_url, and the 3 s ack deadline for commands and actions.
Extra 429s and errors can be scripted with `throttle()`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.server import serve
from tests.fakes.slack_rules import PING, WEB_TARGET, block_errors, live_links

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
SIGNING_SECRET = "test-signing-secret"
CLIENT_ID = "111.222"
CLIENT_SECRET = "test-client-secret"
ACK_DEADLINE = 3.0


class AckTimeout(AssertionError):
    """The bot did not acknowledge within Slack's 3 seconds (Slack would show the user an error)."""


@dataclass
class Channel:
    id: str
    team: str = "T1"
    archived: bool = False
    member: bool = True
    name: str = "general"
    messages: list[dict[str, Any]] = field(default_factory=list)
    # thread replies by their parent's ts: like Slack, they are not in conversations.history
    replies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    bucket: float = 5.0
    refilled: float = field(default_factory=time.monotonic)


@dataclass
class FakeSlack:
    channels: dict[str, Channel] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=lambda: {BOT_TOKEN: "T1"})  # bot token -> its workspace
    revoked: set[str] = field(default_factory=set)  # tokens an admin revoked: every call says token_revoked
    oauth_codes: dict[str, str] = field(default_factory=dict)  # code -> workspace it installs into
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    rejected: list[tuple[str, list[str]]] = field(default_factory=list)
    scripted: dict[str, list[tuple[int, dict[str, Any], dict[str, str]]]] = field(default_factory=dict)
    workspace_per_minute: int | None = None  # chat.postMessage across the workspace (bench: real values)
    ratelimited: int = 0  # 429s answered, of every kind
    post_latency: float = 0.0  # seconds chat.postMessage takes; the message is visible only after it
    url: str = ""
    api_url: str = ""
    _runner: web.AppRunner | None = None
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _acks: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _clock: float = field(default_factory=lambda: 1_780_000_000.0)
    socket_connected: asyncio.Event = field(default_factory=asyncio.Event)
    _workspace_bucket: float = 0.0
    _workspace_refilled: float = 0.0

    # -- set-up ------------------------------------------------------------------------------------------

    def add_channel(self, channel_id: str, **kwargs: Any) -> Channel:
        channel = Channel(channel_id, **kwargs)
        self.channels[channel_id] = channel
        return channel

    def throttle(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """The next `times` calls of `method` get 429 with Retry-After."""
        entry = (429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
        self.scripted.setdefault(method, []).extend([entry] * times)

    def script_error(self, method: str, error: str, times: int = 1) -> None:
        self.scripted.setdefault(method, []).extend([(200, {"ok": False, "error": error}, {})] * times)

    def thread(self, channel_id: str, ts: str) -> list[dict[str, Any]]:
        """The replies in the thread of message `ts` (not the parent)."""
        return self.channels[channel_id].replies.get(ts, [])

    def messages(self, channel_id: str) -> list[dict[str, Any]]:
        return self.channels[channel_id].messages

    def _posted_texts(self) -> list[str]:
        """Every mrkdwn/plain string the bot got shown: messages (text and blocks) and response_url replies."""
        texts: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, str):
                texts.append(node)
            elif isinstance(node, dict):
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        for channel in self.channels.values():
            for message in channel.messages:
                walk(message.get("blocks", []))
                walk(message.get("text", ""))
        for replies in self.responses.values():
            walk(replies)
        return texts

    def pings(self) -> list[str]:
        """Every posted text or block text that would notify someone."""
        return [m.group(0) for text in self._posted_texts() for m in PING.finditer(text)]

    def links(self) -> list[tuple[str, str]]:
        """Every live link or mention in what was posted, as (target, label)."""
        return [link for text in self._posted_texts() for link in live_links(text)]

    def unsafe_links(self) -> list[tuple[str, str]]:
        """Live markup whose target is not a plain web address (channel links, javascript:, mailto:...)."""
        return [(target, label) for target, label in self.links() if not WEB_TARGET.match(target)]

    # -- Web API -----------------------------------------------------------------------------------------

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(dict(await request.post()))
        for key in ("blocks", "metadata"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        self.calls.append((method, args))
        header = request.headers.get("Authorization", "")
        if method == "oauth.v2.access":
            return await self._oauth_v2_access(args, header)
        token = header.removeprefix("Bearer ").strip() or args.get("token", "")
        if token in self.revoked:
            return web.json_response({"ok": False, "error": "token_revoked"})
        valid = token == APP_TOKEN if method == "apps.connections.open" else token in self.tokens
        if not valid:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        args["_team"] = self.tokens.get(token, "")
        if self.scripted.get(method):
            status, body, headers = self.scripted[method].pop(0)
            self.ratelimited += status == 429
            return web.json_response(body, status=status, headers=headers)
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"}, status=404)
        return await handler(args)

    async def _auth_test(self, args: dict[str, Any]) -> web.Response:
        team = args["_team"]
        return web.json_response(
            {"ok": True, "team_id": team, "team": "Lab", "user_id": "UBOT", "bot_id": "B1"}
        )

    async def _oauth_v2_access(self, args: dict[str, Any], header: str) -> web.Response:
        auth = aiohttp.BasicAuth.decode(header) if header.startswith("Basic ") else None
        client_id = auth.login if auth else args.get("client_id")
        secret = auth.password if auth else args.get("client_secret")
        if (client_id, secret) != (CLIENT_ID, CLIENT_SECRET):
            return web.json_response({"ok": False, "error": "invalid_client_id"})
        team = self.oauth_codes.pop(str(args.get("code", "")), None)
        if team is None:
            return web.json_response({"ok": False, "error": "invalid_code"})
        token = f"xoxb-{team.lower()}-installed"
        self.tokens[token] = team
        return web.json_response(
            {
                "ok": True,
                "access_token": token,
                "token_type": "bot",
                "scope": "commands,chat:write",
                "bot_user_id": f"UB{team}",
                "app_id": "A1",
                "team": {"id": team, "name": f"Team {team}"},
                "enterprise": None,
                "is_enterprise_install": False,
                "authed_user": {"id": "UINSTALLER"},
            }
        )

    async def _users_info(self, args: dict[str, Any]) -> web.Response:
        user = self.users.get(args.get("user", ""))
        if user is None:
            return web.json_response({"ok": False, "error": "user_not_found"})
        return web.json_response({"ok": True, "user": {"id": args["user"], **user}})

    async def _apps_connections_open(self, args: dict[str, Any]) -> web.Response:
        return web.json_response({"ok": True, "url": self.url.replace("http://", "ws://") + "/socket"})

    def _workspace_allows(self, now: float) -> bool:
        if self.workspace_per_minute is None:
            return True
        rate = self.workspace_per_minute / 60
        capacity = max(10.0, 2 * rate)
        if self._workspace_refilled == 0.0:
            self._workspace_bucket, self._workspace_refilled = capacity, now
        self._workspace_bucket = min(
            capacity, self._workspace_bucket + (now - self._workspace_refilled) * rate
        )
        self._workspace_refilled = now
        return self._workspace_bucket >= 1.0

    def _channel_error(self, channel_id: str, team: str) -> str | None:
        channel = self.channels.get(channel_id)
        if (
            channel is None or channel.team != team
        ):  # another workspace's channel does not exist for this token
            return "channel_not_found"
        if channel.archived:
            return "is_archived"
        if not channel.member:
            return "not_in_channel"
        return None

    async def _chat_postMessage(self, args: dict[str, Any]) -> web.Response:
        channel_id = str(args.get("channel", ""))
        error = self._channel_error(channel_id, args["_team"])
        if error:
            return web.json_response({"ok": False, "error": error})
        if not args.get("text") and not args.get("blocks"):
            return web.json_response({"ok": False, "error": "no_text"})
        if "blocks" in args:
            problems = block_errors(args["blocks"])
            if problems:
                self.rejected.append(("invalid_blocks", problems))
                return web.json_response({"ok": False, "error": "invalid_blocks", "errors": problems})
        channel = self.channels[channel_id]
        parent = args.get("thread_ts")
        if parent is not None and not any(m["ts"] == parent for m in channel.messages):
            # a reply must name a top-level message of this very channel
            self.rejected.append(("thread_not_found", [str(parent)]))
            return web.json_response({"ok": False, "error": "thread_not_found"})
        now = time.monotonic()
        channel.bucket = min(5.0, channel.bucket + (now - channel.refilled))
        channel.refilled = now
        if channel.bucket < 1.0 or not self._workspace_allows(now):
            self.ratelimited += 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"}
            )
        channel.bucket -= 1.0
        self._workspace_bucket -= 1.0
        if self.post_latency:
            await asyncio.sleep(self.post_latency)
        self._clock += 1.0
        ts = f"{self._clock:.6f}"
        message = {"ts": ts, "text": args.get("text", ""), "blocks": args.get("blocks", [])}
        for key in ("metadata", "unfurl_links", "unfurl_media", "link_names", "parse", "thread_ts"):
            if key in args:
                message[key] = args[key]
        if parent is not None:
            channel.replies.setdefault(str(parent), []).append(message)
        else:
            channel.messages.append(message)
        return web.json_response({"ok": True, "channel": channel_id, "ts": ts, "message": message})

    async def _conversations_history(self, args: dict[str, Any]) -> web.Response:
        channel_id = str(args.get("channel", ""))
        if self._channel_error(channel_id, args["_team"]) == "channel_not_found":
            return web.json_response({"ok": False, "error": "channel_not_found"})
        with_meta = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        limit = int(args.get("limit", 100))
        messages = []
        for message in reversed(self.channels[channel_id].messages[-limit:]):
            shown = dict(message)
            if not with_meta:
                shown.pop("metadata", None)
            messages.append(shown)
        return web.json_response({"ok": True, "messages": messages, "has_more": False})

    async def _conversations_replies(self, args: dict[str, Any]) -> web.Response:
        channel_id = str(args.get("channel", ""))
        if self._channel_error(channel_id, args["_team"]) == "channel_not_found":
            return web.json_response({"ok": False, "error": "channel_not_found"})
        channel = self.channels[channel_id]
        ts = str(args.get("ts", ""))
        parent = [m for m in channel.messages if m["ts"] == ts]
        if not parent:
            return web.json_response({"ok": False, "error": "thread_not_found"})
        with_meta = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        messages = []
        for message in [*parent, *channel.replies.get(ts, [])]:
            shown = dict(message)
            if not with_meta:
                shown.pop("metadata", None)
            messages.append(shown)
        return web.json_response({"ok": True, "messages": messages, "has_more": False})

    async def _conversations_info(self, args: dict[str, Any]) -> web.Response:
        channel_id = str(args.get("channel", ""))
        if self._channel_error(channel_id, args["_team"]) == "channel_not_found":
            return web.json_response({"ok": False, "error": "channel_not_found"})
        channel = self.channels[channel_id]
        return web.json_response(
            {
                "ok": True,
                "channel": {
                    "id": channel.id,
                    "name": channel.name,
                    "is_channel": True,
                    "is_archived": channel.archived,
                    "is_member": channel.member,
                },
            }
        )

    async def _response_url(self, request: web.Request) -> web.Response:
        rid = request.match_info["rid"]
        replies = self.responses.setdefault(rid, [])
        if len(replies) >= 5:
            return web.Response(status=404, text="used_url")
        replies.append(await request.json())
        return web.Response(text="ok")

    # -- Socket Mode -------------------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}})
        self.socket_connected.set()
        async for msg in ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                data = json.loads(msg.data)
                future = self._acks.get(data.get("envelope_id", ""))
                if future and not future.done():
                    future.set_result(data)
        self._sockets.remove(ws)
        return ws

    async def socket_request(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send an envelope over Socket Mode; return the ack, or raise AckTimeout after 3 s."""
        await asyncio.wait_for(self.socket_connected.wait(), 10)
        envelope_id = f"env-{next(self._ids)}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = future
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": True,
        }
        await self._sockets[-1].send_json(envelope)
        try:
            return await asyncio.wait_for(future, ACK_DEADLINE)
        except TimeoutError:
            raise AckTimeout(f"no ack for {kind} within {ACK_DEADLINE}s") from None

    # -- what Slack sends to the bot ---------------------------------------------------------------------

    def response_url(self) -> tuple[str, str]:
        rid = f"r{next(self._ids)}"
        return rid, f"{self.url}/response/{rid}"

    def command_payload(
        self, text: str, channel: str = "C1", user: str = "U1", team: str = "T1"
    ) -> tuple[str, dict[str, str]]:
        rid, url = self.response_url()
        return rid, {
            "token": "legacy",
            "team_id": team,
            "team_domain": "lab",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": "ada",
            "command": "/papers",
            "text": text,
            "api_app_id": "A1",
            "response_url": url,
            "trigger_id": "trig",
        }

    def action_payload(
        self, action_id: str, value: str, channel: str = "C1", user: str = "U1"
    ) -> tuple[str, dict[str, Any]]:
        rid, url = self.response_url()
        return rid, {
            "type": "block_actions",
            "user": {"id": user, "name": "ada", "username": "ada", "team_id": "T1"},
            "api_app_id": "A1",
            "token": "legacy",
            "team": {"id": "T1", "domain": "lab"},
            "channel": {"id": channel, "name": "general"},
            "container": {"type": "message", "is_ephemeral": True},
            "trigger_id": "trig",
            "response_url": url,
            "actions": [
                {"action_id": action_id, "block_id": "b1", "type": "button", "value": value, "action_ts": "1"}
            ],
        }

    @staticmethod
    def sign(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}

    async def http_request(
        self, bot_url: str, form: dict[str, str], headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        """POST a form to the bot's /slack/events, signed unless headers are given; 3 s to answer."""
        body = urllib.parse.urlencode(form)
        headers = self.sign(body) if headers is None else headers
        return await self.raw_request(bot_url, body.encode(), headers, "application/x-www-form-urlencoded")

    async def raw_request(
        self, bot_url: str, body: bytes, headers: dict[str, str], content_type: str
    ) -> tuple[int, str]:
        """POST exactly these bytes to the bot's /slack/events; 3 s to answer."""
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.post(
                    f"{bot_url}/slack/events",
                    data=body,
                    headers={**headers, "Content-Type": content_type},
                    timeout=aiohttp.ClientTimeout(total=ACK_DEADLINE),
                ) as response,
            ):
                return response.status, await response.text()
        except TimeoutError:
            raise AckTimeout(f"no HTTP answer within {ACK_DEADLINE}s") from None

    # -- life cycle --------------------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{rid}", self._response_url)
        app.router.add_get("/socket", self._socket)
        self._runner, self.url = await serve(app)
        self.api_url = f"{self.url}/api/"
        return self.url

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner:
            await self._runner.cleanup()
