"""Neutral buttons as inline keyboards: short labels share a row, long ones get their own."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from wipbot.handlers.messages import Button

MAX_PER_ROW = 3
ROW_WIDTH = 30
"""About what a phone shows on one row before Telegram starts cutting labels short."""

MAX_CALLBACK_BYTES = 64
SELECTED_MARK = "✓ "
INERT_VALUE = "wipbot:noop"
"""Callback data of a button that only shows a past choice (earlier versions reduced a clicked
keyboard to one); clicking it does nothing."""


def shown_label(button: Button) -> str:
    return SELECTED_MARK + button.label if button.selected else button.label


def layout_rows(labels: Sequence[str]) -> list[list[int]]:
    """Indexes of `labels` grouped into rows, in order: at most three a row, and a row's labels
    together no wider than a phone shows, so that no label gets cut."""
    rows: list[list[int]] = []
    width = 0
    for index, label in enumerate(labels):
        fits = rows and len(rows[-1]) < MAX_PER_ROW and width + len(label) <= ROW_WIDTH
        if fits:
            rows[-1].append(index)
            width += len(label)
        else:
            rows.append([index])
            width = len(label)
    return rows


def inline_keyboard(buttons: Sequence[Button]) -> dict[str, Any] | None:
    """The Bot API's `reply_markup` (an InlineKeyboardMarkup as JSON; the sender posts it
    as it is): None when there is nothing to click; ValueError for data Telegram would refuse."""
    if not buttons:
        return None
    for button in buttons:
        if not 1 <= len(button.value.encode()) <= MAX_CALLBACK_BYTES:
            raise ValueError(f"button value must be 1-64 bytes: {button.value!r}")
    labels = [shown_label(b) for b in buttons]
    return {
        "inline_keyboard": [
            [{"text": labels[i], "callback_data": buttons[i].value} for i in row]
            for row in layout_rows(labels)
        ]
    }


def clicked_label(markup: InlineKeyboardMarkup | None, value: str) -> str | None:
    """The label of the button that carries `value`, without a mark it had (None if absent)."""
    for button in _buttons(markup):
        if button.callback_data == value:
            return button.text.removeprefix(SELECTED_MARK)
    return None


def _buttons(markup: InlineKeyboardMarkup | None) -> Iterable[InlineKeyboardButton]:
    if markup is None:
        return ()
    return (button for row in markup.inline_keyboard for button in row)
