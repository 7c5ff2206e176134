"""The demo's quality act: an inspection in chat with its photo, fail then pass, the alert in
Slack, /qc, /landed with estimates against actual, and the defects report."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from sqlmodel import select

from wipbot.bot.config import Settings
from wipbot.demo.command import act_spreadsheets_to_board, run_demo
from wipbot.demo.qc_act import act_qc_and_landed_cost
from wipbot.demo.quality_act import act_quality
from wipbot.store.db import make_engine, make_session_factory
from wipbot.store.models import QcPhoto


async def test_the_quality_act(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    out = Console(record=True, width=120, file=io.StringIO())
    acts = [act_spreadsheets_to_board, act_qc_and_landed_cost, act_quality]
    await run_demo(Settings(database_url=sqlite_url), out=out, acts=acts)
    text = out.export_text()
    assert "Act 3 · Quality: an inspection reported in chat" in text
    assert "--role inspector" in text
    assert "Sample size: 125 pieces. Accepted at most: critical 0, major 7, minor 10." in text
    assert "📷 console-photo-open-seam.jpg" in text and "Photo added to this inspection." in text
    assert "FAIL: PO-1036-B, Final inspection, sample 125. Over the limit: Major 11 > 7." in text
    assert "QC failed: PO-1036-B" in text
    assert "PASS: PO-1036-B, Final inspection, sample 125." in text
    assert "Resolved" in text
    assert "/qc PO-1036" in text and "console `console-photo-open-seam.jpg`" in text
    assert "open seam: " in text
    assert "Estimate against actual" in text and "all charges actual" in text
    assert "Repeating across factories" in text or "No defect repeats" in text
    assert "First-pass yield of final inspections: 0.00 %" in text

    engine = make_engine(sqlite_url)
    try:
        async with make_session_factory(engine)() as session:
            photos = (await session.exec(select(QcPhoto))).all()
    finally:
        await engine.dispose()
    assert [(p.platform, p.file_id) for p in photos] == [("console", "console-photo-open-seam.jpg")]
