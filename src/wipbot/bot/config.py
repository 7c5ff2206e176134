"""Settings from the environment or `.env`; names are part of the outside contract (DESIGN.md)."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from wipbot.production.checkin_cadence import MIDWEEK_WINDOW_DAYS
from wipbot.scheduler.config import MAX_MIDWEEK_DAYS, RateLimit, SchedulerConfig, SenderConfig
from wipbot.store.db import DEFAULT_DATABASE_URL

TELEGRAM_SEND_TIMEOUT_SECONDS = 20.0
"""How long the outbox sender waits for Telegram's answer to a message it sent. With PTB's 5 s,
an answer slower than that, for a message Telegram had delivered, had it sent again; 20 s leaves
a slow Telegram room while a send still ends well inside the sender's 60 s lease on its row.
Past it the message is recorded `unconfirmed` and not sent again (`store.outbox.Unconfirmed`);
meanwhile the send holds one of the sender's `WIPBOT_OUTBOX_CONCURRENCY` slots."""

SLACK_SEND_TIMEOUT_SECONDS = 20.0
"""The same for Slack's Web API (the SDK's own was 30 s for the whole request, connecting
included): past it a post is recorded `unconfirmed`, an update is tried again."""


class ConfigError(RuntimeError):
    """A setting that makes a channel unsafe or unusable; `wipbot run` says which and stops."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field(default=DEFAULT_DATABASE_URL, alias="DATABASE_URL")
    host: str = Field(default="127.0.0.1", alias="WIPBOT_HOST")
    port: int = Field(default=8000, alias="WIPBOT_PORT")
    # Slow or hostile clients (bot/slow_clients.py): a request's head and body must arrive in
    # time, its answer must be read, an idle kept-alive connection is closed, and only so many
    # connections are open.
    head_timeout_seconds: float = Field(default=10, gt=0, alias="WIPBOT_HEAD_TIMEOUT_SECONDS")
    body_timeout_seconds: float = Field(default=30, gt=0, alias="WIPBOT_BODY_TIMEOUT_SECONDS")
    response_timeout_seconds: float = Field(
        default=30, gt=0, alias="WIPBOT_RESPONSE_TIMEOUT_SECONDS"
    )
    keep_alive_seconds: int = Field(default=5, ge=1, alias="WIPBOT_KEEP_ALIVE_SECONDS")
    max_connections: int = Field(default=512, ge=1, alias="WIPBOT_MAX_CONNECTIONS")
    public_url: str | None = Field(default=None, alias="WIPBOT_PUBLIC_URL")
    media_secret: SecretStr | None = Field(default=None, alias="WIPBOT_MEDIA_SECRET")

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
    whatsapp_api_version: str = Field(default="v23.0", alias="WHATSAPP_API_VERSION")
    # Approved message templates for prompts outside the 24-hour window ({{1}} contact name,
    # {{2}} open orders); the languages map our languages to WhatsApp's template codes.
    whatsapp_template_checkin: str = Field(
        default="wipbot_checkin", alias="WHATSAPP_TEMPLATE_CHECKIN"
    )
    whatsapp_template_reminder: str = Field(
        default="wipbot_reminder", alias="WHATSAPP_TEMPLATE_REMINDER"
    )
    whatsapp_template_languages: dict[str, str] = Field(
        default_factory=lambda: {
            "en": "en_US",
            "zh-Hans": "zh_CN",
            "vi": "vi",
            "bn": "bn",
            "tr": "tr",
        },
        alias="WHATSAPP_TEMPLATE_LANGUAGES",
    )

    # By the clock (scheduler/): reminders, escalation, scans, sending, leader election.
    reminder_hours: float = Field(default=24, gt=0, alias="WIPBOT_REMINDER_HOURS")
    escalate_hours: float = Field(default=48, gt=0, alias="WIPBOT_ESCALATE_HOURS")
    prompt_grace_hours: float = Field(default=72, gt=0, alias="WIPBOT_PROMPT_GRACE_HOURS")
    # Orders due ex-factory within this many days (or late) are asked mid-week too; 0: off.
    midweek_checkin_days: int = Field(
        default=MIDWEEK_WINDOW_DAYS,
        ge=0,
        le=MAX_MIDWEEK_DAYS,
        alias="WIPBOT_MIDWEEK_CHECKIN_DAYS",
    )
    risk_scan_hours: float = Field(default=6, gt=0, alias="WIPBOT_RISK_SCAN_HOURS")
    outbox_max_attempts: int = Field(default=8, ge=1, alias="WIPBOT_OUTBOX_MAX_ATTEMPTS")
    outbox_concurrency: int = Field(default=8, ge=1, alias="WIPBOT_OUTBOX_CONCURRENCY")
    outbox_max_age_hours: float = Field(default=24, gt=0, alias="WIPBOT_OUTBOX_MAX_AGE_HOURS")
    telegram_rate: float = Field(default=30, gt=0, alias="WIPBOT_TELEGRAM_RATE")
    telegram_chat_rate: float = Field(default=1, gt=0, alias="WIPBOT_TELEGRAM_CHAT_RATE")
    # At most half the sender's lease on a row: a send still waiting for its answer must not be
    # claimed, and sent again, by another sender.
    telegram_send_timeout_seconds: float = Field(
        default=TELEGRAM_SEND_TIMEOUT_SECONDS,
        gt=0,
        le=SenderConfig.claim_seconds / 2,
        alias="WIPBOT_TELEGRAM_SEND_TIMEOUT_SECONDS",
    )
    slack_send_timeout_seconds: float = Field(
        default=SLACK_SEND_TIMEOUT_SECONDS,
        gt=0,
        le=SenderConfig.claim_seconds / 2,
        alias="WIPBOT_SLACK_SEND_TIMEOUT_SECONDS",
    )
    slack_channel_rate: float = Field(default=1, gt=0, alias="WIPBOT_SLACK_CHANNEL_RATE")
    whatsapp_rate: float = Field(default=80, gt=0, alias="WIPBOT_WHATSAPP_RATE")
    whatsapp_chat_rate: float = Field(default=1, gt=0, alias="WIPBOT_WHATSAPP_CHAT_RATE")
    leader_poll_seconds: float = Field(default=3, gt=0, alias="WIPBOT_LEADER_POLL_SECONDS")

    def scheduler_config(self) -> SchedulerConfig:
        """Rates are messages per second: overall per platform, and per chat or channel."""
        return SchedulerConfig(
            reminder_after=timedelta(hours=self.reminder_hours),
            escalate_after=timedelta(hours=self.escalate_hours),
            prompt_grace=timedelta(hours=self.prompt_grace_hours),
            midweek_days=self.midweek_checkin_days,
            risk_scan_every=timedelta(hours=self.risk_scan_hours),
            sender=SenderConfig(
                max_attempts=self.outbox_max_attempts,
                max_age=timedelta(hours=self.outbox_max_age_hours),
                concurrency=self.outbox_concurrency,
                platform_limits={
                    "telegram": RateLimit(self.telegram_rate),
                    "whatsapp": RateLimit(self.whatsapp_rate, max(1, int(self.whatsapp_rate))),
                },
                chat_limits={
                    "telegram": RateLimit(self.telegram_chat_rate),
                    "slack": RateLimit(self.slack_channel_rate),
                    "whatsapp": RateLimit(self.whatsapp_chat_rate, 3),
                },
            ),
        )

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
