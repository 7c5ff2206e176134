"""Settings from the environment or `.env`; names are part of the outside contract (DESIGN.md)."""

from __future__ import annotations

from functools import cached_property

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from wipbot.store.db import DEFAULT_DATABASE_URL


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field(default=DEFAULT_DATABASE_URL, alias="DATABASE_URL")
    host: str = Field(default="127.0.0.1", alias="WIPBOT_HOST")
    port: int = Field(default=8000, alias="WIPBOT_PORT")
    public_url: str | None = Field(default=None, alias="WIPBOT_PUBLIC_URL")

    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_webhook_secret: SecretStr | None = Field(default=None, alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_api_url: str = Field(default="https://api.telegram.org/bot", alias="TELEGRAM_API_URL")

    whatsapp_access_token: SecretStr | None = Field(default=None, alias="WHATSAPP_ACCESS_TOKEN")
    whatsapp_phone_number_id: str | None = Field(default=None, alias="WHATSAPP_PHONE_NUMBER_ID")
    whatsapp_app_secret: SecretStr | None = Field(default=None, alias="WHATSAPP_APP_SECRET")
    whatsapp_verify_token: SecretStr | None = Field(default=None, alias="WHATSAPP_VERIFY_TOKEN")
    whatsapp_api_url: str = Field(default="https://graph.facebook.com", alias="WHATSAPP_API_URL")

    @cached_property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None and (
            self.slack_signing_secret is not None or self.slack_app_token is not None
        )

    @cached_property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None

    @cached_property
    def whatsapp_enabled(self) -> bool:
        return self.whatsapp_access_token is not None and self.whatsapp_phone_number_id is not None

    def channels(self) -> dict[str, str]:
        """What `wipbot run` says at start: each channel and how it is served."""
        return {
            "slack": (
                "off"
                if not self.slack_enabled
                else "socket mode"
                if self.slack_app_token
                else "http /slack/events"
            ),
            "telegram": (
                "off"
                if not self.telegram_enabled
                else "webhook"
                if self.public_url
                else "long polling"
            ),
            "whatsapp": "off" if not self.whatsapp_enabled else "webhook /whatsapp/webhook",
        }
