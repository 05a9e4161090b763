"""What Slack's HTTP mode needs besides the app: request signatures checked before bolt sees a request,
and the multi-workspace install flow (OAuth) whose installations live in paperbot's own SQLite file."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore
from slack_sdk.oauth.state_store.sqlite3 import SQLite3OAuthStateStore
from slack_sdk.signature import SignatureVerifier

logger = logging.getLogger(__name__)

SCOPES = (
    "commands",
    "chat:write",
    "channels:history",
    "groups:history",
    "channels:read",
    "groups:read",
    "users:read",
)


@dataclass(frozen=True)
class OAuthConfig:
    """Several workspaces sharing one paperbot: installations live in the bot's own SQLite file."""

    client_id: str
    client_secret: str
    database: str

    def installation_store(self) -> SQLite3InstallationStore:
        return SQLite3InstallationStore(database=self.database, client_id=self.client_id, logger=logger)

    def settings(self, store: SQLite3InstallationStore) -> AsyncOAuthSettings:
        return AsyncOAuthSettings(
            client_id=self.client_id,
            client_secret=self.client_secret,
            scopes=list(SCOPES),
            installation_store=store,
            installation_store_bot_only=True,
            state_store=SQLite3OAuthStateStore(database=self.database, expiration_seconds=600, logger=logger),
        )


MAX_TIMESTAMP_DIGITS = 12  # seconds since 1970 have 10 digits until the year 2286


def signed(verifier: SignatureVerifier, headers: Mapping[str, str], body: str) -> bool:
    """Slack's v0 signature over this exact body, with a fresh numeric timestamp."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not signature or not timestamp.isdecimal() or len(timestamp) > MAX_TIMESTAMP_DIGITS:
        return False
    return verifier.is_valid(body, timestamp, signature)
