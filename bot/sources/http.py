"""One bounded GET for every source: a total deadline (connect, headers and the whole body) and a size cap.

httpx's timeout is per read: a server that trickles a byte a second never trips it. `asyncio.timeout`
around the whole exchange does, and the body is counted as it arrives (decoded, so a compressed bomb is
cut off too).
"""

from __future__ import annotations

import asyncio

import httpx

MAX_RESPONSE_BYTES = 16 * 1024 * 1024  # a real Daily Papers page is ~0.3 MB, an arXiv feed of 200 ~1 MB


class DeadlineExceeded(Exception):
    """The whole request took longer than its deadline."""


class ResponseTooLarge(Exception):
    """The body was larger than the cap; it was not read further."""


async def bounded_get(
    client: httpx.AsyncClient,
    url: str,
    params: dict[str, str | int],
    *,
    deadline: float,
    max_bytes: int = MAX_RESPONSE_BYTES,
) -> httpx.Response:
    """GET `url` within `deadline` seconds in total and at most `max_bytes` of body."""
    try:
        async with asyncio.timeout(deadline), client.stream("GET", url, params=params) as response:
            declared = response.headers.get("Content-Length", "")
            # More digits than any size needs is too large too (and int() refuses over 4,300 of them).
            if declared.isdecimal() and (len(declared) > 18 or int(declared) > max_bytes):
                shown = f"{int(declared):,}" if len(declared) <= 18 else f"{declared[:18]}…"
                raise ResponseTooLarge(f"{shown} bytes declared")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise ResponseTooLarge(f"more than {max_bytes:,} bytes")
    except TimeoutError:
        raise DeadlineExceeded(f"no complete answer within {deadline:g} s") from None
    return httpx.Response(
        response.status_code, headers=response.headers, content=bytes(body), request=response.request
    )
