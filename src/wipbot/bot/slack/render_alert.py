"""Alert messages in the alerts channel, their thread follow-ups, and their resolved look."""

from __future__ import annotations

from collections.abc import Sequence

from wipbot.handlers.alert_cards import AlertCard

from .blocks import Block, SlackMessage, context, escape, fields_section, section, when

SEVERITY_ICONS = {"critical": "🔴", "danger": "🔴", "warning": "🟠", "info": "🔵"}


def alert_message(card: AlertCard) -> SlackMessage:
    title = escape(card.title)
    if card.resolved:
        blocks: list[Block] = [section(f"✅ *Resolved* ~{title}~")]
        if card.summary:
            blocks.append(context(f"~{escape(card.summary)}~"))
        closing = f"Resolved {when(card.resolved_at)}"
        if card.resolution:
            closing += f": {escape(card.resolution)}"
        blocks.append(context(closing, _origin(card)))
        return SlackMessage(text=f"Resolved: {card.title}", blocks=blocks)
    icon = SEVERITY_ICONS.get(card.severity, "🟠")
    blocks = [section(f"{icon} *{title}*\n{escape(card.summary)}")]
    if card.facts:
        blocks.append(
            fields_section([f"*{label}*\n{escape(value)}" for label, value in card.facts])
        )
    updated = f" · updated {when(card.updated_at)}" if card.revision > 1 else ""
    blocks.append(context(f"{_origin(card)} · opened {when(card.opened_at)}{updated}"))
    return SlackMessage(text=f"{card.title}: {card.summary}", blocks=blocks)


def alert_followup(card: AlertCard, changes: Sequence[str]) -> SlackMessage:
    """A thread reply saying what changed, so the channel sees movement, not just edits."""
    lead = "↻ Update"
    if card.resolved:
        lead = "✅ Resolved" + (f": {escape(card.resolution)}" if card.resolution else "")
        changes = [line for line in changes if not line.startswith("Resolved")]
    body = "\n".join(f"• {escape(line)}" for line in changes)
    return SlackMessage(
        text=f"{lead}: {card.title}", blocks=[section(f"*{lead}*\n{body}" if body else lead)]
    )


def _origin(card: AlertCard) -> str:
    parts = [p for p in (card.factory_name, card.po_number) if p]
    return " · ".join(escape(p) for p in parts) or escape(card.subject)
