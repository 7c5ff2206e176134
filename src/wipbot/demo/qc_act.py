"""The demo act "QC and landed cost": a failed final inspection raises the `qc_failed` alert,
the passing re-inspection resolves it, and the landed cost of the same PO follows.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

from wipbot.cli.cost import cost_view
from wipbot.cli.qc import alert_line, inspection_view
from wipbot.handlers.landed_cost import LandedCostError, landed_cost
from wipbot.handlers.qc import QcError, parse_defect, record_inspection
from wipbot.store.db import transaction

if TYPE_CHECKING:
    from .context import DemoContext

DEMO_ORDER = "PO-1036-A"
DEMO_PO = "PO-1036"
DEMO_LOT = 3600
DEMO_INSPECTOR = "Thu Nguyen (QIMA)"
FAILED_DEFECTS = ("open seam:major:7", "broken stitch:major:5", "stain:minor:9")
PASSED_DEFECTS = ("open seam:major:3", "stain:minor:6")
DEMO_HOUR_UTC = time(3, 0)  # 10:00 in Ho Chi Minh City


async def act_qc_and_landed_cost(ctx: DemoContext) -> None:
    """A final inspection fails and raises an alert; the re-inspection passes and resolves it."""
    ctx.heading("QC and landed cost")
    brand_id = await ctx.brand_id()
    day_before = datetime.combine(ctx.today - timedelta(days=1), DEMO_HOUR_UTC, UTC)
    today = datetime.combine(ctx.today, DEMO_HOUR_UTC, UTC)
    for when, defects in ((day_before, FAILED_DEFECTS), (today, PASSED_DEFECTS)):
        shown = " ".join(f'--defect "{d}"' for d in defects)
        ctx.console.print()
        ctx.console.print(
            f"[dim]$ wipbot qc record {DEMO_ORDER} --kind final --lot {DEMO_LOT} {shown} "
            f'--inspector "{DEMO_INSPECTOR}"[/dim]',
            highlight=False,
        )
        try:
            async with transaction(ctx.sessions) as session:
                result = await record_inspection(
                    session,
                    brand_id=brand_id,
                    production_order_number=DEMO_ORDER,
                    kind="final",
                    lot_size=DEMO_LOT,
                    defects=[parse_defect(d) for d in defects],
                    inspector=DEMO_INSPECTOR,
                    inspected_at=when,
                )
        except QcError as error:
            ctx.console.print(f"[dim]{error}[/dim]", highlight=False)
            continue
        ctx.console.print(inspection_view(result.inspection))
        alert = alert_line(result)
        if alert is not None:
            ctx.console.print(alert)
    ctx.console.print()
    ctx.console.print(f"[dim]$ wipbot cost {DEMO_PO}[/dim]", highlight=False)
    try:
        async with ctx.sessions() as session:
            cost = await landed_cost(session, brand_id, DEMO_PO)
    except LandedCostError as error:
        ctx.console.print(f"[red]{error}[/red]", highlight=False)
        return
    ctx.console.print(cost_view(cost, width=ctx.console.width))
