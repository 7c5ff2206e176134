"""A webhook's JSON body as the rest of the code may safely assume it: or nothing at all.

Everything a platform really sends passes unchanged. What it never sends is refused here, before
any handler sees it, so a hostile body is answered 400 instead of failing deep inside (JSON nested
past the interpreter's recursion limit, integers wider than a database column, bytes that are not
text). Lone UTF-16 surrogates ("\\ud800", valid JSON but not valid Unicode) and NUL characters
are replaced with U+FFFD rather than refused: a contact's message with a broken emoji still
deserves an answer, and neither the database drivers nor the platforms accept them back (a NUL
typed as a check-in's note made PostgreSQL refuse the check-in at every confirmation after).
"""

from __future__ import annotations

import json
from typing import Any

from wipbot.store.fitting import storable

MAX_DEPTH = 32
"""Deeper than any platform's payload (Telegram's and Meta's nest well under 10)."""
INT64 = 2**63


class Unreadable(ValueError):
    """The body is not a JSON object this product can read; answer 400."""


def read_json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise Unreadable(f"not JSON: {type(error).__name__}") from None
    if not isinstance(data, dict):
        raise Unreadable("not a JSON object")
    return clean_object(data)


def clean_object(data: dict[str, Any]) -> dict[str, Any]:
    """A parsed JSON object as `read_json_object` passes it on, or Unreadable."""
    cleaned: dict[str, Any] = _clean(data, 0)
    return cleaned


def clean_text(text: str) -> str:
    """`storable`, without a pass of a regular expression over text with nothing to replace."""
    if "\x00" in text:
        return storable(text)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return storable(text)
    return text


def _clean(value: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise Unreadable("nested too deeply")
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        if not -INT64 <= value < INT64:
            raise Unreadable("an integer wider than 64 bits")
        return value
    if isinstance(value, list):
        return [_clean(item, depth + 1) for item in value]
    return {clean_text(key): _clean(item, depth + 1) for key, item in value.items()}
