"""One settings object, read from the environment or `.env`; bad values fail at start-up with one line."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line a user can act on."""


class Settings(BaseSettings):
    # An empty value (`DISCORD_SHARDS=` as .env.example has it) means "not set", never "bad value".
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    paperbot_db: Path = Field(default=Path("./paperbot.db"))
    hf_api_url: str = "https://huggingface.co"
    arxiv_api_url: str = "https://export.arxiv.org/api/query"
    http_timeout: float = Field(default=10.0, gt=0, alias="PAPERBOT_HTTP_TIMEOUT")
    retry_backoff: float = Field(default=1.0, ge=0, le=60, alias="PAPERBOT_RETRY_BACKOFF")

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_admins_only: bool = Field(default=False, alias="PAPERBOT_SLACK_ADMINS_ONLY")

    discord_token: SecretStr | None = None
    discord_api_base: str = "https://discord.com/api/v10"
    discord_gateway_url: str | None = None
    discord_shards: int | None = Field(default=None, ge=1, le=1000)

    paperbot_http_host: str = "127.0.0.1"
    paperbot_http_port: int = Field(default=3000, ge=0, le=65535)

    default_timezone: str = Field(default="UTC", alias="PAPERBOT_DEFAULT_TZ")
    default_post_time: str = Field(default="09:00", alias="PAPERBOT_DEFAULT_TIME")
    default_size: int = Field(default=5, ge=1, le=20, alias="PAPERBOT_DEFAULT_SIZE")
    log_level: str = Field(default="INFO", alias="PAPERBOT_LOG_LEVEL")
    catchup_grace_hours: float = Field(default=6.0, ge=0, le=48, alias="PAPERBOT_CATCHUP_GRACE_HOURS")
    partial_wait_minutes: float = Field(
        default=180.0, ge=0, le=24 * 60, alias="PAPERBOT_PARTIAL_WAIT_MINUTES"
    )
    min_papers: int = Field(default=5, ge=1, le=100, alias="PAPERBOT_MIN_PAPERS")
    # Search also by meaning (bot.semantic); needs `pip install 'paperbot[semantic]'`.
    semantic: bool = Field(default=False, alias="PAPERBOT_SEMANTIC")

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like Europe/Berlin)") from exc
        return value

    @field_validator("default_post_time")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        from paperbot.bot.schedule import parse_time

        parse_time(value)
        return value

    def masked(self) -> dict[str, str]:
        """Every setting as text with secrets masked, safe to print or log."""
        out: dict[str, str] = {}
        for name, value in self.model_dump(by_alias=True).items():
            if isinstance(value, SecretStr):
                out[name] = "********" if value.get_secret_value() else ""
            else:
                out[name] = "" if value is None else str(value)
        return out


@dataclass(frozen=True)
class Notice:
    kind: str  # "warning": start anyway; "error": refuse to start
    text: str


def platform_notice(settings: Settings) -> Notice | None:
    """What `paperbot run` must say about the chat platforms before it starts, if anything: half a Slack
    set-up is an error (it would silently run without Slack), none at all is worth one warning line."""
    slack_installs = bool(settings.slack_client_id and settings.slack_client_secret)
    if settings.slack_bot_token and not (settings.slack_app_token or settings.slack_signing_secret):
        return Notice(
            "error",
            "SLACK_BOT_TOKEN is set but Slack cannot reach paperbot: set SLACK_APP_TOKEN (Socket Mode, "
            "no public URL) or SLACK_SIGNING_SECRET (HTTP mode)",
        )
    if settings.slack_bot_token or slack_installs or settings.discord_token:
        return None
    for partial in ("slack_app_token", "slack_signing_secret"):
        if getattr(settings, partial):
            name = partial.upper()
            return Notice(
                "error",
                f"{name} is set but SLACK_BOT_TOKEN is not: add the bot token (xoxb-..., Slack app page "
                f"-> Install App) or remove {name}",
            )
    return Notice(
        "warning", "no chat platform configured: running console-only (set SLACK_BOT_TOKEN or DISCORD_TOKEN)"
    )


def load_settings(**overrides: object) -> Settings:
    """Read settings; turn pydantic's multi-line report into one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "settings"
        raise ConfigError(f"bad setting {where.upper()}: {first.get('msg', 'invalid value')}") from None
