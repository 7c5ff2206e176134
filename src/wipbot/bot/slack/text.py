"""Block Kit as it reads in Slack, in plain text: for `wipbot demo`, logs and tests.

It renders the very blocks sent to Slack, so what the demo prints is what Slack shows, down
to the buttons; `<@U…>` mentions become names when they are known.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Mapping
from typing import Any

_MENTION = re.compile(r"<@([A-Z0-9]+)>")
_DATE = re.compile(r"<!date\^[^|>]*\|([^>]*)>")
_LINK = re.compile(r"<([^@!|>][^|>]*)\|([^>]*)>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def blocks_to_text(
    blocks: Iterable[Mapping[str, Any]], *, names: Mapping[str, str] | None = None
) -> str:
    lines: list[str] = []
    for block in blocks:
        lines.extend(_block_lines(block, names or {}))
    return "\n".join(lines)


def message_to_text(
    message: Mapping[str, Any], *, names: Mapping[str, str] | None = None, width: int = 72
) -> str:
    """A message (or a Home view) framed like a chat bubble, fallback text when no blocks."""
    blocks = message.get("blocks") or []
    body = blocks_to_text(blocks, names=names) if blocks else _inline(message.get("text", ""), {})
    rule = "─" * width
    lines = [
        wrapped
        for line in body.splitlines()
        for wrapped in (textwrap.wrap(line, width - 2, subsequent_indent="  ") or [""])
    ]
    return f"┌{rule}\n" + "\n".join(f"│ {line}" for line in lines) + f"\n└{rule}"


def _block_lines(block: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        title = _inline(block["text"]["text"], names)
        return [title.upper(), "═" * min(len(title), 60)]
    if kind == "section":
        lines = _text_lines(block.get("text"), names)
        for field in block.get("fields", []):
            lines.extend(_field_lines(field, names))
        accessory = block.get("accessory")
        if accessory and accessory.get("type") == "button":
            lines.append(_button(accessory))
        return lines
    if kind == "context":
        return [" · ".join(_inline(e.get("text", ""), names) for e in block.get("elements", []))]
    if kind == "divider":
        return ["─" * 40]
    if kind == "actions":
        return ["  ".join(_button(e) for e in block.get("elements", []) if "text" in e)]
    if kind == "input":
        return [f"{_inline(block['label']['text'], names)}: [________]"]
    return []


def _text_lines(text: Mapping[str, Any] | None, names: Mapping[str, str]) -> list[str]:
    if not text:
        return []
    return _inline(text.get("text", ""), names).splitlines()


def _field_lines(field: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    label, _, value = _inline(field.get("text", ""), names).partition("\n")
    return [f"{label}: {value.replace(chr(10), ' / ')}" if value else label]


def _button(element: Mapping[str, Any]) -> str:
    return f"[ {element['text']['text']} ]"


def _inline(text: str, names: Mapping[str, str]) -> str:
    text = _DATE.sub(r"\1", text)
    text = _MENTION.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    text = _LINK.sub(r"\2", text)
    text = text.replace("```", "")
    text = _ITALIC.sub(r"\1", _BOLD.sub(r"\1", text))
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    return text
