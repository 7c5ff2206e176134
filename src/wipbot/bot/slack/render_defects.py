"""The App Home's quality section: the loop back to design, in a few lines."""

from __future__ import annotations

from wipbot.production.defects import DefectReport

from .blocks import Block, context, escape, section

TOP = 5


def quality_blocks(report: DefectReport) -> list[Block]:
    overall = report.overall
    fpy = overall.first_pass_yield
    blocks: list[Block] = [
        section(
            "*Quality · the loop back to design*\n"
            f"{overall.defects} defects in {overall.sampled:,} pieces sampled "
            f"({overall.per_hundred} per 100) · first-pass yield of finals "
            + (f"{fpy} %" if fpy is not None else "-")
        )
    ]
    worst = [r for r in report.styles if r.defects][:TOP]
    if worst:
        lines = "\n".join(
            f"• *{escape(r.key)}* {escape(r.name)} · {r.per_hundred} per 100 · "
            f"{r.defects} defects in {r.inspections} inspection(s)"
            for r in worst
        )
        blocks.append(section(f"*Styles with the most defects*\n{lines}"))
    if report.repeated:
        lines = "\n".join(
            f"• *{escape(r.style)}* {escape(r.category)} at {', '.join(r.factories)} ({r.defects})"
            for r in report.repeated[:TOP]
        )
        blocks.append(section(f"*Repeats across factories: fix the style*\n{lines}"))
    blocks.append(context("`wipbot report defects --season S` for the full report · `/qc PO`"))
    return blocks
