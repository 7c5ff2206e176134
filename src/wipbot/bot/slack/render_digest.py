"""The Monday digest in Block Kit: the headline message and one thread reply per section."""

from __future__ import annotations

from datetime import date

from wipbot.handlers.digest import SECTION_TITLES, SECTIONS, Digest

from .blocks import Block, SlackMessage, context, escape, fields_section, header, section

ICONS = {
    "moved": "➡️",
    "new_risks": "🟠",
    "resolved_risks": "✅",
    "missed_checkins": "📭",
    "gates_waiting": "⏳",
}
DETAIL_LIMIT = 40


def digest_headline(digest: Digest) -> SlackMessage:
    monday = date.fromisoformat(digest.week_of)
    blocks: list[Block] = [
        header(f"Monday digest · {digest.brand} · week of {monday:%d %b %Y}"),
        fields_section(
            [f"{ICONS[name]} *{SECTION_TITLES[name]}*\n{digest.count(name)}" for name in SECTIONS]
        ),
    ]
    quiet = not any(digest.count(name) for name in SECTIONS)
    blocks.append(
        context(
            "A quiet week: nothing moved, nothing waits." if quiet else "Details in the thread."
        )
    )
    counts = ", ".join(f"{SECTION_TITLES[n].lower()} {digest.count(n)}" for n in SECTIONS)
    return SlackMessage(text=f"Monday digest for {digest.brand}: {counts}", blocks=blocks)


def digest_detail(digest: Digest, name: str) -> SlackMessage:
    lines = digest.sections.get(name, [])
    shown = "\n".join(
        f"• *{escape(line.subject)}* {escape(line.text)}" for line in lines[:DETAIL_LIMIT]
    )
    more = len(lines) - DETAIL_LIMIT
    text = f"{ICONS[name]} *{SECTION_TITLES[name]}* ({len(lines)})\n{shown}"
    blocks: list[Block] = [section(text)]
    if more > 0:
        blocks.append(context(f"…and {more} more"))
    return SlackMessage(text=f"{SECTION_TITLES[name]}: {len(lines)}", blocks=blocks)
