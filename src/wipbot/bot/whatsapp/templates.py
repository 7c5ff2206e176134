"""Approved template messages: the only way to reach a contact whose 24-hour window is closed.

Templates are created in Meta's WhatsApp Manager and approved per language before use; their
names and our language -> WhatsApp language-code mapping come from the settings. Both templates
take two body parameters: {{1}} the contact's name, {{2}} how many orders the prompt asks about
(every open one, or for the mid-week check-in those due to leave soon).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from wipbot.handlers.i18n import resolve_language
from wipbot.production.language import DEFAULT_LANGUAGE

WINDOW = timedelta(hours=24)
# Meta measures the window when the message arrives, not when we send it: keep a little margin.
WINDOW_MARGIN = timedelta(minutes=5)

TEMPLATE_KINDS = ("checkin", "reminder")
FALLBACK_TEMPLATE_LANGUAGE = "en_US"


def within_window(last_inbound_at: datetime | None, now: datetime) -> bool:
    """True while free-form messages may still be sent to a contact who last wrote then."""
    closes = window_closes_at(last_inbound_at)
    return closes is not None and now < closes


def window_closes_at(last_inbound_at: datetime | None) -> datetime | None:
    """When free-form messages stop for a contact who last wrote then (None: they never did)."""
    return None if last_inbound_at is None else last_inbound_at + WINDOW - WINDOW_MARGIN


def template_kind(payload: Mapping[str, Any]) -> str | None:
    """Which template stands in for this payload outside the window; None: none may.

    The scheduler marks its prompts "checkin" or "reminder"; the webhook marks its replies None
    (an answer that comes too late is dropped, not turned into a prompt). A payload without the
    key is treated as a prompt, so an unmarked weekly prompt still reaches the contact.
    """
    if "template" not in payload:
        return "checkin"
    kind = payload["template"]
    return kind if kind in TEMPLATE_KINDS else None


def template_language(language: str | None, codes: Mapping[str, str]) -> str:
    """WhatsApp's code for the contact's language: the exact tag, then ours, then English."""
    for key in (language, resolve_language(language), DEFAULT_LANGUAGE):
        if key and key in codes:
            return codes[key]
    return FALLBACK_TEMPLATE_LANGUAGE


def template_parameter(value: str) -> str:
    """Meta refuses parameters with newlines, tabs or runs of spaces, and empty ones."""
    return " ".join(value.split()) or "-"


def template_message(
    *, to: str, name: str, language_code: str, parameters: Sequence[str]
) -> dict[str, Any]:
    template: dict[str, Any] = {"name": name, "language": {"code": language_code}}
    if parameters:
        template["components"] = [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": template_parameter(p)} for p in parameters],
            }
        ]
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": template,
    }
