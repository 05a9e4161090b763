"""Slack HTTP mode's front door: unsigned, stale or malformed requests get 401/400 quickly, nothing of
their body reaches the log, and no traceback either (slack_bolt logs an unsigned request's whole body at
INFO and answers a non-numeric timestamp or signed junk with HTTP 500)."""

from __future__ import annotations

import json
import logging
import time
import urllib.parse

import pytest

from paperbot.bot.app import Bot
from tests.fakes.slack import FakeSlack
from tests.test_slack import env, slack  # noqa: F401  (fixtures: the Slack bot in HTTP mode)

MARKER = "UNSIGNED-BODY-MARKER"
FORM = "application/x-www-form-urlencoded"


def url(running: Bot) -> str:
    return f"http://127.0.0.1:{running.http_port}"


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({}, "unsigned"),
        ({"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"}, "non-numeric timestamp"),
        ({"X-Slack-Request-Timestamp": "1e99", "X-Slack-Signature": "v0=00"}, "absurd timestamp"),
        ({"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=beef"}, "bad sig"),
        ({"X-Slack-Request-Timestamp": str(int(time.time()) - 3600)}, "stale, no signature"),
    ],
)
async def test_unsigned_requests_get_401_and_their_body_is_not_logged(
    slack: FakeSlack,  # noqa: F811
    running: Bot,
    caplog: pytest.LogCaptureFixture,
    headers: dict[str, str],
    why: str,
) -> None:
    body = urllib.parse.urlencode({"command": "/papers", "text": MARKER * 40_000}).encode()  # ~800 KB
    with caplog.at_level(logging.DEBUG):
        started = time.monotonic()
        status, text = await slack.raw_request(url(running), body, headers, FORM)
    assert status == 401, (why, text)
    assert time.monotonic() - started < 2.0
    assert MARKER not in logged(caplog)
    assert "Traceback" not in logged(caplog)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xff\xfe\x00 not text", FORM),
        (b"payload=%7Bnot+json", FORM),
        (b"payload=%5B1%2C2%5D", FORM),
        (b"{not json", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b'{"type": 5, "event": null}', "application/json"),
    ],
)
async def test_signed_junk_gets_400_without_a_traceback(
    slack: FakeSlack,  # noqa: F811
    running: Bot,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    content_type: str,
) -> None:
    ts = str(int(time.time()))
    import hashlib
    import hmac

    from tests.fakes.slack import SIGNING_SECRET

    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}
    with caplog.at_level(logging.DEBUG):
        status, text = await slack.raw_request(url(running), body, headers, content_type)
    assert status in (400, 404), text
    assert "Traceback" not in logged(caplog)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], logged(caplog)


async def test_a_signed_command_still_works(slack: FakeSlack, running: Bot) -> None:  # noqa: F811
    _, form = slack.command_payload("moe")
    status, body = await slack.http_request(url(running), form)
    assert status == 200 and "Sparse Mixture-of-Experts" in json.dumps(json.loads(body))
