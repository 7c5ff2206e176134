"""The App Home tab: the brand's WIP at a glance."""

from __future__ import annotations

from typing import Any

from wipbot.handlers.app_home import HomeSummary

from .blocks import Block, context, divider, fields_section, header, section
from .render_defects import quality_blocks
from .render_po import po_line


def home_view(summary: HomeSummary) -> dict[str, Any]:
    blocks: list[Block] = [
        header(f"WIP at a glance · {summary.brand_name}"),
        fields_section(
            [
                f"🔴 *Late*\n{summary.late}",
                f"🟠 *At risk*\n{summary.at_risk}",
                f"🟢 *On track*\n{summary.on_track}",
                f"*Open POs*\n{summary.total}",
            ]
        ),
        context(f"Judged on {summary.judged_on.isoformat()}"),
        divider(),
    ]
    if summary.urgent:
        blocks.append(section(f"*The {len(summary.urgent)} most urgent*"))
        blocks.extend(section(po_line(status)) for status in summary.urgent)
    else:
        blocks.append(section("No open POs yet."))
    blocks.append(context("`/po PO-NUMBER` for a card · `/po late` · `/po factory NAME`"))
    if summary.quality is not None:
        blocks.extend([divider(), *quality_blocks(summary.quality)])
    return {"type": "home", "blocks": blocks}


def not_connected_home() -> dict[str, Any]:
    return {
        "type": "home",
        "blocks": [
            section(
                "This workspace is not connected to a brand yet. An admin can connect it with "
                "`wipbot brand add BRAND --slack-team TEAM_ID`."
            )
        ],
    }
