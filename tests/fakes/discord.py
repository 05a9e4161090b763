"""A local Discord: the REST routes paperbot uses and a gateway WebSocket, on 127.0.0.1.

Gateway: HELLO, heartbeat ACK, IDENTIFY -> READY (with resume_gateway_url), RESUME -> RESUMED, and
RECONNECT on demand; it dispatches INTERACTION_CREATE. REST enforces Discord's rules with no off switch:
the bot token (401), Content-Type exactly application/json on every answer, embed limits (400/50035),
the 3 s first-response deadline (404/10062) and a single first response (400/40060), the 15-minute
interaction token, nonce de-duplication with enforce_nonce, unknown or forbidden channels
(10003/50001/50013), and scripted 429s carrying retry_after (with a Via header, as Discord's own have).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.discord_rules import (
    BOT_DEFAULT,
    component_errors,
    embed_errors,
    guild_payload,
    interaction_payload,
    live_links,
    mentions,
    message_payload,
    message_texts,
)
from tests.fakes.server import serve

BOT_TOKEN = "discord-test-token"
APP_ID = "1100000000000000001"
BOT_ID = "1100000000000000002"
GUILD_ID = "1200000000000000001"
FIRST_RESPONSE_DEADLINE = 3.0
TOKEN_LIFETIME = 15 * 60


def reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly application/json: discord.py only parses a body whose Content-Type is that string.
    return web.Response(
        body=json.dumps(body).encode(), status=status, content_type="application/json", headers=headers
    )


@dataclass
class Interaction:
    id: str
    token: str
    created: float
    payload: dict[str, Any]
    responses: list[dict[str, Any]] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)
    answered: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class FakeDiscord:
    channels: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    forbidden: dict[str, tuple[int, int, str]] = field(
        default_factory=dict
    )  # channel -> (status, code, message)
    interactions: dict[str, Interaction] = field(default_factory=dict)
    bot_permissions: dict[str, int] = field(default_factory=dict)  # channel -> the bot's permission bits
    commands: list[dict[str, Any]] = field(default_factory=list)
    command_puts: int = 0
    identifies: int = 0
    shards_seen: list[Any] = field(default_factory=list)
    resumes: int = 0
    rejected: list[list[str]] = field(default_factory=list)
    scripted_429: int = 0
    requests: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _seq: int = 0
    _session: str = "session-1"
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1300000000000000001))
    connected: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def api_base(self) -> str:
        return f"{self.url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/gateway"

    def _shown(self) -> list[dict[str, Any]]:
        """Everything the bot got shown: channel messages, interaction responses and follow-ups."""
        shown = [m for messages in self.channels.values() for m in messages]
        for interaction in self.interactions.values():
            shown += [r.get("data") or {} for r in interaction.responses]
            shown += interaction.followups
        return shown

    def links(self) -> list[tuple[str, str]]:
        """Every live masked link in what was shown, as (label, url)."""
        return [link for m in self._shown() for text in message_texts(m) for link in live_links(text)]

    def pings(self) -> list[str]:
        """Every mention in what was shown that would notify someone."""
        return [found for m in self._shown() for found in mentions(m)]

    def snowflake(self) -> str:
        return str(next(self._ids))

    def user(self, user_id: str = BOT_ID, name: str = "paperbot", bot: bool = True) -> dict[str, Any]:
        return {
            "id": user_id,
            "username": name,
            "discriminator": "0",
            "global_name": name,
            "avatar": None,
            "bot": bot,
        }

    # -- REST ----------------------------------------------------------------------------------------------

    @web.middleware
    async def _auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        public = request.path.startswith(("/api/v10/interactions/", "/api/v10/webhooks/", "/gateway"))
        if not public and request.headers.get("Authorization") != f"Bot {BOT_TOKEN}":
            return reply({"message": "401: Unauthorized", "code": 0}, status=401)
        if self.scripted_429 and request.path.startswith("/api/v10/channels/") and request.method == "POST":
            self.scripted_429 -= 1
            body = {"message": "You are being rate limited.", "retry_after": 0.2, "global": False}
            headers = {"Via": "1.1 google", "Retry-After": "1", "X-RateLimit-Scope": "user"}
            return reply(body, status=429, headers=headers)
        return await handler(request)

    async def _me(self, request: web.Request) -> web.Response:
        return reply({**self.user(), "flags": 0, "mfa_enabled": False, "verified": True, "locale": "en-US"})

    async def _application(self, request: web.Request) -> web.Response:
        owner = self.user("1000000000000000001", "owner", bot=False)
        return reply(
            {
                "id": APP_ID,
                "name": "paperbot",
                "icon": None,
                "description": "",
                "rpc_origins": [],
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": owner,
                "summary": "",
                "verify_key": "0" * 64,
                "team": None,
                "flags": 0,
                "interactions_endpoint_url": None,
            }
        )

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return reply({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _put_commands(self, request: web.Request) -> web.Response:
        if request.match_info["app"] != APP_ID:
            return reply({"message": "Unknown Application", "code": 10002}, status=404)
        self.command_puts += 1
        body = await request.json()
        self.commands = [
            {
                **c,
                "id": self.snowflake(),
                "application_id": APP_ID,
                "version": self.snowflake(),
                "type": c.get("type", 1),
            }
            for c in body
        ]
        return reply(self.commands)

    def _message(self, channel_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return message_payload(self.snowflake(), channel_id, body, self.user())

    def _invalid(self, message: dict[str, Any]) -> web.Response | None:
        """400/50035 for a message outside Discord's limits; None when it is fine."""
        problems = embed_errors(message.get("embeds") or [], message.get("content") or "")
        problems += component_errors(message.get("components") or [])
        if not problems:
            return None
        self.rejected.append(problems)
        return reply({"message": "Invalid Form Body", "code": 50035, "errors": problems}, status=400)

    async def _create_message(self, request: web.Request) -> web.Response:
        channel_id = request.match_info["channel"]
        if channel_id in self.forbidden:
            status, code, message = self.forbidden[channel_id]
            return reply({"message": message, "code": code}, status=status)
        if channel_id not in self.channels:
            return reply({"message": "Unknown Channel", "code": 10003}, status=404)
        body = await request.json()
        invalid = self._invalid(body)
        if invalid is not None:
            return invalid
        refused = self._bad_reference(channel_id, body.get("message_reference"))
        if refused is not None:
            return refused
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            for existing in self.channels[channel_id]:
                if existing.get("nonce") == nonce:
                    return reply(existing)  # Discord returns the message already created with this nonce
        message = self._message(channel_id, body)
        self.channels[channel_id].append(message)
        return reply(message)

    def _bad_reference(self, channel_id: str, reference: Any) -> web.Response | None:
        """A reply must name a message of this channel (Discord: 400/50035 Unknown message), unless it
        says fail_if_not_exists: false, when it is sent as a plain message."""
        if reference is None:
            return None
        mid = str(reference.get("message_id", ""))
        same = str(reference.get("channel_id", channel_id)) == channel_id
        if same and any(m["id"] == mid for m in self.channels[channel_id]):
            return None
        if reference.get("fail_if_not_exists") is False:
            return None
        problem = {"message_reference": {"_errors": [{"code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE"}]}}
        self.rejected.append(["message_reference: unknown message"])
        return reply({"message": "Invalid Form Body", "code": 50035, "errors": problem}, status=400)

    async def _channel(self, request: web.Request) -> web.Response:
        channel_id = request.match_info["channel"]
        status, code, message = self.forbidden.get(channel_id, (200, 0, ""))
        if code == 50001:  # Missing Access: the bot cannot see the channel at all
            return reply({"message": message, "code": code}, status=status)
        if channel_id not in self.channels:
            return reply({"message": "Unknown Channel", "code": 10003}, status=404)
        position = list(self.channels).index(channel_id)
        return reply(
            {
                "id": channel_id,
                "type": 0,
                "guild_id": GUILD_ID,
                "name": f"papers-{position}",
                "position": position,
                "permission_overwrites": [],
            }
        )

    async def _history(self, request: web.Request) -> web.Response:
        channel_id = request.match_info["channel"]
        if channel_id not in self.channels:
            return reply({"message": "Unknown Channel", "code": 10003}, status=404)
        limit = int(request.query.get("limit", "50"))
        newest_first = list(reversed(self.channels[channel_id]))[:limit]
        return reply([{k: v for k, v in m.items() if k != "nonce"} for m in newest_first])

    async def _callback(self, request: web.Request) -> web.Response:
        interaction = self.interactions.get(request.match_info["iid"])
        if interaction is None or interaction.token != request.match_info["token"]:
            return reply({"message": "Unknown interaction", "code": 10062}, status=404)
        if time.monotonic() - interaction.created > FIRST_RESPONSE_DEADLINE:
            return reply({"message": "Unknown interaction", "code": 10062}, status=404)
        if interaction.responses:
            return reply({"message": "Interaction has already been acknowledged.", "code": 40060}, status=400)
        body = await request.json()
        data = body.get("data") or {}
        invalid = self._invalid(data)
        if invalid is not None:
            return invalid
        interaction.responses.append(body)
        interaction.answered.set()
        ephemeral = bool((data.get("flags") or 0) & 64)
        resource: dict[str, Any] = {"type": body["type"]}
        if body["type"] in (4, 5, 7):
            message = self._message(interaction.payload.get("channel_id", ""), data)
            resource["message"] = message
            if body["type"] == 4 and not ephemeral:
                self.channels.setdefault(interaction.payload.get("channel_id", ""), []).append(message)
        return reply(
            {
                "interaction": {
                    "id": interaction.id,
                    "type": interaction.payload["type"],
                    "activity_instance_id": None,
                    "response_message_id": resource.get("message", {}).get("id"),
                    "response_message_loading": body["type"] == 5,
                    "response_message_ephemeral": ephemeral,
                },
                "resource": resource,
            }
        )

    def _by_token(self, request: web.Request) -> Interaction | None:
        if request.match_info["app"] != APP_ID:
            return None
        for interaction in self.interactions.values():
            alive = time.monotonic() - interaction.created <= TOKEN_LIFETIME
            if interaction.token == request.match_info["token"] and alive and interaction.responses:
                return interaction
        return None

    async def _followup(self, request: web.Request) -> web.Response:
        interaction = self._by_token(request)
        if interaction is None:
            return reply({"message": "Unknown Webhook", "code": 10015}, status=404)
        body = await request.json()
        invalid = self._invalid(body)
        if invalid is not None:
            return invalid
        interaction.followups.append(body)
        return reply(self._message(interaction.payload.get("channel_id", ""), body))

    # -- gateway -------------------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            op = data.get("op")
            if op == 1:
                await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif op == 2:
                if data["d"].get("token") != BOT_TOKEN:
                    await ws.close(code=4004, message=b"Authentication failed.")
                    break
                self.identifies += 1
                self.shards_seen.append(data["d"].get("shard"))
                self._sockets.append(ws)
                ready = self._ready()
                if data["d"].get("shard"):
                    ready["shard"] = data["d"]["shard"]
                await self._dispatch(ws, "READY", ready)
                await self._dispatch(ws, "GUILD_CREATE", guild_payload(GUILD_ID, list(self.channels)))
                self.connected.set()
            elif op == 6:
                if data["d"].get("session_id") != self._session:
                    await ws.send_json({"op": 9, "d": False, "s": None, "t": None})
                    continue
                self.resumes += 1
                self._sockets.append(ws)
                await self._dispatch(ws, "RESUMED", {})
                self.connected.set()
        if ws in self._sockets:
            self._sockets.remove(ws)
        return ws

    def _ready(self) -> dict[str, Any]:
        return {
            "v": 10,
            "user": {**self.user(), "flags": 0, "mfa_enabled": False, "verified": True},
            "guilds": [{"id": GUILD_ID, "unavailable": True}],
            "session_id": self._session,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": APP_ID, "flags": 0},
            "private_channels": [],
            "relationships": [],
        }

    async def _dispatch(self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        self._seq += 1
        await ws.send_json({"op": 0, "t": event, "s": self._seq, "d": data})

    async def reconnect(self) -> None:
        """Ask the bot to reconnect (op 7); it should RESUME on resume_gateway_url."""
        self.connected.clear()
        ws = self._sockets[-1]
        await ws.send_json({"op": 7, "d": None, "s": None, "t": None})

    # -- what users do -------------------------------------------------------------------------------------

    def _base(self, kind: int, channel_id: str, user_id: str, manage: bool) -> dict[str, Any]:
        user = self.user(user_id, "ada", bot=False)
        allowed = self.bot_permissions.get(channel_id, BOT_DEFAULT)
        return interaction_payload(
            self.snowflake(), APP_ID, GUILD_ID, kind, channel_id, user, manage, allowed
        )

    async def _send(self, payload: dict[str, Any]) -> Interaction:
        await asyncio.wait_for(self.connected.wait(), 10)
        interaction = Interaction(payload["id"], payload["token"], time.monotonic(), payload)
        self.interactions[interaction.id] = interaction
        await self._dispatch(self._sockets[-1], "INTERACTION_CREATE", payload)
        return interaction

    async def slash(
        self,
        query: str | None,
        channel_id: str = "2000000000000000001",
        manage: bool = False,
        user_id: str = "3000000000000000001",
    ) -> Interaction:
        payload = self._base(2, channel_id, user_id, manage)
        command_id = self.commands[0]["id"] if self.commands else self.snowflake()
        options = [{"name": "query", "type": 3, "value": query}] if query is not None else []
        payload["data"] = {
            "id": command_id,
            "name": "papers",
            "type": 1,
            "options": options,
        }
        return await self._send(payload)

    async def press(
        self, custom_id: str, channel_id: str = "2000000000000000001", manage: bool = False
    ) -> Interaction:
        payload = self._base(3, channel_id, "3000000000000000001", manage)
        payload["data"] = {"custom_id": custom_id, "component_type": 2}
        # The message the button sits on, as Discord sends it: its components include the pressed button.
        button = {"type": 2, "style": 2, "label": "button", "custom_id": custom_id}
        message = {
            "content": "earlier results",
            "flags": 64,
            "components": [{"type": 1, "components": [button]}],
        }
        payload["message"] = self._message(channel_id, message)
        return await self._send(payload)

    async def autocomplete(self, current: str, channel_id: str = "2000000000000000001") -> Interaction:
        payload = self._base(4, channel_id, "3000000000000000001", False)
        options = [{"name": "query", "type": 3, "value": current, "focused": True}]
        payload["data"] = {"id": self.commands[0]["id"], "name": "papers", "type": 1, "options": options}
        return await self._send(payload)

    async def answered(
        self, interaction: Interaction, followups: int = 0, timeout: float = 10
    ) -> Interaction:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if interaction.responses and len(interaction.followups) >= followups:
                return interaction
            await asyncio.sleep(0.02)
        raise AssertionError(f"interaction not answered: {interaction.responses} {interaction.followups}")

    # -- life cycle ----------------------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(middlewares=[self._auth])
        app.router.add_get("/api/v10/users/@me", self._me)
        app.router.add_get("/api/v10/oauth2/applications/@me", self._application)
        app.router.add_put("/api/v10/applications/{app}/commands", self._put_commands)
        app.router.add_get("/api/v10/gateway/bot", self._gateway_bot)
        app.router.add_get("/api/v10/channels/{channel}", self._channel)
        app.router.add_post("/api/v10/channels/{channel}/messages", self._create_message)
        app.router.add_get("/api/v10/channels/{channel}/messages", self._history)
        app.router.add_post("/api/v10/interactions/{iid}/{token}/callback", self._callback)
        app.router.add_post("/api/v10/webhooks/{app}/{token}", self._followup)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/gateway/", self._gateway)
        self._runner, self.url = await serve(app)
        return self.url

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner:
            await self._runner.cleanup()
