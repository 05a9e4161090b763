"""A local Hugging Face: GET /api/daily_papers?date=&limit=&p= served from recorded or generated days.

Like the real API it caps `limit` at 100 (400 above), pages with `p`, and answers a day it does not know
with an empty array. Faults are scripted per request: `fail(500, times=2)`, `throttle(retry_after=1)`,
`stall(seconds)`, `trickle(interval)` (the real answer, one byte every `interval` seconds).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.server import serve


@dataclass
class Fault:
    status: int = 500
    delay: float = 0.0
    retry_after: float | None = None
    trickle: float = 0.0  # seconds between the bytes of an otherwise normal answer


@dataclass
class FakeHF:
    days: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    raw: dict[str, bytes] = field(
        default_factory=dict
    )  # a day answered with these exact bytes (hostile JSON)
    requests: list[dict[str, Any]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None

    def fail(self, status: int = 500, times: int = 1) -> None:
        self.faults.extend(Fault(status=status) for _ in range(times))

    def throttle(self, retry_after: float) -> None:
        self.faults.append(Fault(status=429, retry_after=retry_after))

    def stall(self, seconds: float, times: int = 1) -> None:
        self.faults.extend(Fault(status=200, delay=seconds) for _ in range(times))

    def trickle(self, interval: float, times: int = 1) -> None:
        self.faults.extend(Fault(status=200, trickle=interval) for _ in range(times))

    async def _daily(self, request: web.Request) -> web.StreamResponse:
        self.requests.append({"at": time.monotonic(), **request.query})
        fault = self.faults.pop(0) if self.faults else None
        if fault is not None and not fault.trickle:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            elif fault.status == 429:
                return web.json_response(
                    {"error": "rate limited"}, status=429, headers={"Retry-After": str(fault.retry_after)}
                )
            else:
                return web.json_response({"error": "boom"}, status=fault.status)
        try:
            limit = int(request.query.get("limit", "50"))
            page = int(request.query.get("p", "0"))
        except ValueError:
            return web.json_response({"error": "bad parameter"}, status=400)
        if not 1 <= limit <= 100:
            return web.json_response({"error": "limit must be between 1 and 100"}, status=400)
        items = self.days.get(request.query.get("date", ""), [])
        body = (
            self.raw.get(request.query.get("date", ""))
            or json.dumps(items[page * limit : (page + 1) * limit]).encode()
        )
        if fault is not None and fault.trickle:
            return await self._trickle(request, body, fault.trickle)
        return web.Response(body=body, content_type="application/json")

    async def _trickle(self, request: web.Request, body: bytes, interval: float) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = len(body)
        await response.prepare(request)
        try:
            for n in range(len(body)):
                await response.write(body[n : n + 1])
                await asyncio.sleep(interval)
        except ConnectionResetError:
            pass  # the client gave up, as it should
        return response

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/api/daily_papers", self._daily)
        self._runner, self.url = await serve(app)
        return self.url

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
