"""Meta's notifications read into neutral messages; signatures; the window and templates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.fakes.graph_api import payload
from wipbot.bot.whatsapp.notifications import StatusUpdate, parse_notification
from wipbot.bot.whatsapp.signature import sign, valid_signature, verification_challenge
from wipbot.bot.whatsapp.templates import (
    template_kind,
    template_language,
    template_message,
    within_window,
)

NOW = datetime(2025, 11, 26, 4, 0, tzinfo=UTC)
PHONE = "106540352242922"
LANGUAGES = {"en": "en_US", "zh-Hans": "zh_CN", "vi": "vi", "bn": "bn", "tr": "tr"}


@pytest.mark.parametrize(
    ("name", "text", "choice", "photo"),
    [
        ("message_text", "Hello", None, None),
        ("message_button_reply", None, "ms:sewing", None),
        ("message_list_reply", None, "ms:finishing", None),
        ("message_image", "Line 4 sewing", None, "1003383421387256"),
        ("message_template_button", "/checkin", None, None),
    ],
)
def test_messages_become_neutral_inbounds(
    name: str, text: str | None, choice: str | None, photo: str | None
) -> None:
    (inbound,) = parse_notification(payload(name), phone_number_id=PHONE, now=NOW).messages
    raw = payload(name)["entry"][0]["changes"][0]["value"]["messages"][0]
    assert (inbound.platform, inbound.chat_id, inbound.inbound_id) == (
        "whatsapp",
        "8801711000001",
        raw["id"],
    )
    assert (inbound.text, inbound.choice, inbound.photo_file_id) == (text, choice, photo)
    assert inbound.received_at == datetime.fromtimestamp(int(raw["timestamp"]), UTC)
    assert inbound.sender_name == "Rahima Akter"
    assert inbound.language_hint is None


def test_statuses_are_read_with_their_errors() -> None:
    delivered = parse_notification(payload("status_delivered"), phone_number_id=PHONE, now=NOW)
    failed = parse_notification(payload("status_failed"), phone_number_id=PHONE, now=NOW)
    assert delivered.messages == ()
    (status,) = delivered.statuses
    assert status == StatusUpdate(
        message_id="wamid.HBgNODgwMTcxMTAwMDAwMRUCABEYEjQ0QkE3RTQzRjEwNEQ5QjZBOQA=",
        status="delivered",
        at=datetime.fromtimestamp(1764144065, UTC),
        recipient_id="8801711000001",
    )
    assert failed.statuses[0].error == "131047 Re-engagement message"


def _with_message(**changes: Any) -> dict[str, Any]:
    notification = payload("message_text")
    notification["entry"][0]["changes"][0]["value"]["messages"][0].update(changes)
    return notification


@pytest.mark.parametrize(
    "notification",
    [
        {"object": "page", "entry": []},
        {"object": "whatsapp_business_account"},
        [],
        _with_message(type="reaction", reaction={"message_id": "wamid.X", "emoji": "👍"}),
        _with_message(id=None),
    ],
    ids=["other-object", "no-entries", "not-a-dict", "reaction", "no-id"],
)
def test_what_is_not_a_message_is_ignored(notification: Any) -> None:
    assert parse_notification(notification, phone_number_id=PHONE, now=NOW).messages == ()


def test_unreadable_kinds_still_arrive_with_their_type() -> None:
    notification = _with_message(type="audio", audio={"id": "77", "mime_type": "audio/ogg"})
    (inbound,) = parse_notification(notification, phone_number_id=PHONE, now=NOW).messages
    assert (inbound.text, inbound.choice, inbound.photo_file_id) == (None, None, None)
    assert inbound.extra == {"whatsapp_type": "audio"}


def test_other_business_numbers_are_ignored() -> None:
    notification = payload("message_text")
    assert parse_notification(notification, phone_number_id="999", now=NOW).messages == ()


SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
BENGALI = '{"text":{"body":"কাটিং শেষ, সেলাই চলছে"}}'.encode()


@pytest.mark.parametrize(
    ("body", "header", "valid"),
    [
        (BENGALI, sign(SECRET, BENGALI), True),
        (BENGALI, sign(SECRET, BENGALI).upper().replace("SHA256=", "sha256="), False),
        (BENGALI, sign(SECRET, BENGALI.decode().encode("utf-16")), False),
        (BENGALI, sign("other", BENGALI), False),
        (BENGALI, sign(SECRET, BENGALI)[len("sha256=") :], False),
        (BENGALI, None, False),
        (b"", sign(SECRET, b""), True),
    ],
    ids=["valid", "hex-case", "other-encoding", "other-secret", "no-prefix", "missing", "empty"],
)
def test_signature(body: bytes, header: str | None, valid: bool) -> None:
    assert valid_signature(SECRET, body, header) is valid


def test_signature_is_the_hmac_meta_documents() -> None:
    assert sign("secret", b"payload") == (
        "sha256=b82fcb791acec57859b989b430a826488ce2e479fdf92326bd0a2e8375a42ba4"
    )


@pytest.mark.parametrize(
    ("params", "challenge"),
    [
        ({"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "42"}, "42"),
        ({"hub.mode": "subscribe", "hub.verify_token": "tok2", "hub.challenge": "42"}, None),
        ({"hub.mode": "subscribe", "hub.challenge": "42"}, None),
        ({"hub.verify_token": "tok", "hub.challenge": "42"}, None),
    ],
)
def test_verification_challenge(params: dict[str, str], challenge: str | None) -> None:
    assert verification_challenge(params, "tok") == challenge


@pytest.mark.parametrize(
    ("last_inbound", "inside"),
    [
        (None, False),
        (NOW - timedelta(hours=1), True),
        (NOW - timedelta(hours=23, minutes=50), True),
        (NOW - timedelta(hours=23, minutes=58), False),
        (NOW - timedelta(days=3), False),
    ],
)
def test_window(last_inbound: datetime | None, inside: bool) -> None:
    assert within_window(last_inbound, NOW) is inside


@pytest.mark.parametrize(
    ("payload_", "kind"),
    [
        ({}, "checkin"),
        ({"template": "checkin"}, "checkin"),
        ({"template": "reminder"}, "reminder"),
        ({"template": None}, None),
        ({"template": "marketing"}, None),
    ],
)
def test_template_kind(payload_: dict[str, Any], kind: str | None) -> None:
    assert template_kind(payload_) == kind


@pytest.mark.parametrize(
    ("language", "code"),
    [
        ("en", "en_US"),
        ("zh-Hans", "zh_CN"),
        ("zh-CN", "zh_CN"),
        ("bn-BD", "bn"),
        ("tr", "tr"),
        ("vi", "vi"),
        ("de", "en_US"),
        (None, "en_US"),
    ],
)
def test_template_language(language: str | None, code: str) -> None:
    assert template_language(language, LANGUAGES) == code


def test_template_language_prefers_an_exact_mapping() -> None:
    assert template_language("pt-BR", {"pt-BR": "pt_BR", "en": "en_GB"}) == "pt_BR"
    assert template_language("pt-BR", {"en": "en_GB"}) == "en_GB"


def test_template_parameters_are_cleaned() -> None:
    body = template_message(
        to="90532", name="wipbot_checkin", language_code="tr", parameters=["Ayşe\tYılmaz\n", ""]
    )
    parameters = body["template"]["components"][0]["parameters"]
    assert [p["text"] for p in parameters] == ["Ayşe Yılmaz", "-"]
    assert body["type"] == "template" and body["to"] == "90532"
