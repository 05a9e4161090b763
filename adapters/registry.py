"""Which adapters run: a plain dict built from settings. The only place that knows every platform."""

from __future__ import annotations

from paperbot.adapters.base import ChatAdapter
from paperbot.adapters.console import ConsoleAdapter
from paperbot.bot.config import ConfigError, Settings
from paperbot.bot.service import Core


def build_adapters(settings: Settings, core: Core | None) -> dict[str, ChatAdapter]:
    adapters: dict[str, ChatAdapter] = {"console": ConsoleAdapter()}
    multi_workspace = bool(settings.slack_client_id and settings.slack_client_secret)
    if settings.slack_bot_token or multi_workspace:
        if core is None:
            raise ConfigError("the Slack adapter needs the running bot (`paperbot run`)")
        from paperbot.adapters.slack.app import OAuthConfig, SlackAdapter, SlackConfigError

        oauth = None
        if multi_workspace and settings.slack_client_secret:
            oauth = OAuthConfig(
                str(settings.slack_client_id),
                settings.slack_client_secret.get_secret_value(),
                str(settings.paperbot_db),
            )
        try:
            adapters["slack"] = SlackAdapter(
                core,
                bot_token=settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None,
                oauth=oauth,
                api_url=settings.slack_api_url,
                app_token=settings.slack_app_token.get_secret_value() if settings.slack_app_token else None,
                signing_secret=(
                    settings.slack_signing_secret.get_secret_value()
                    if settings.slack_signing_secret
                    else None
                ),
                admins_only=settings.slack_admins_only,
            )
        except SlackConfigError as exc:
            raise ConfigError(f"Slack: {exc}") from None
    if settings.discord_token:
        if core is None:
            raise ConfigError("the Discord adapter needs the running bot (`paperbot run`)")
        from paperbot.adapters.discord.client import DiscordAdapter

        adapters["discord"] = DiscordAdapter(
            core,
            token=settings.discord_token.get_secret_value(),
            api_base=settings.discord_api_base,
            gateway_url=settings.discord_gateway_url or None,
            shards=settings.discord_shards,
        )
    return adapters
