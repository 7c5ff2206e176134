"""An inspection reported in the factory chat: plan before counting, verdict computed, the
qc_failed alert raised on a fail and resolved by the passing re-inspection; every language."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from wipbot.handlers.i18n import LANGUAGES
from wipbot.handlers.onboarding import InviteError, create_invite
from wipbot.handlers.reminders import linked_contacts
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import (
    Alert,
    CheckIn,
    ConversationState,
    Factory,
    QcDefect,
    QcInspection,
    QcPhoto,
)

from .factory_seed import NOW, Chat, buttons, seed, text


async def inspections(sessions: SessionFactory) -> list[QcInspection]:
    async with sessions() as session:
        return list((await session.exec(select(QcInspection).order_by(col(QcInspection.id)))).all())


async def qc_alerts(sessions: SessionFactory) -> list[Alert]:
    async with sessions() as session:
        return list((await session.exec(select(Alert).where(Alert.kind == "qc_failed"))).all())


async def report(
    chat: Chat, order_id: int, kind: str, lot: str, defects: list[tuple[str, str, str]]
) -> list[str]:
    """Taps and typing of one inspection; returns every reply's text, in order."""
    said = [text(await chat.say("/qc"))]
    said.append(text(await chat.tap(f"qc:o:{order_id}")))
    said.append(text(await chat.tap(f"qc:k:{kind}")))
    said.append(text(await chat.say(lot)))
    for category, severity, count in defects:
        said.append(text(await chat.tap(f"qc:d:{category}")))
        said.append(text(await chat.tap(f"qc:s:{severity}")))
        said.append(text(await chat.say(count)))
    said.append(text(await chat.tap("qc:d:done")))
    said.append(text(await chat.tap("qc:c:save")))
    return said


async def test_a_failed_final_then_the_passing_re_inspection(
    session_factory: SessionFactory,
) -> None:
    seeded = await seed(session_factory)
    chat = Chat(session_factory)
    start = await chat.say("/qc")
    assert "QC inspection for Saigon Knit" in text(start)
    assert buttons(start) == [f"qc:o:{i}" for i in seeded.order_ids]
    assert buttons(await chat.tap(f"qc:o:{seeded.order_ids[0]}")) == ["qc:k:inline", "qc:k:final"]
    assert buttons(await chat.tap("qc:k:final")) == ["qc:l:1200"]
    plan = text(await chat.tap("qc:l:1200"))
    assert "Sample size: 80 pieces. Accepted at most: critical 0, major 5, minor 7." in plan
    assert "Check the sample" in plan
    await chat.tap("qc:d:open_seam")
    assert buttons(await chat.tap("qc:s:major")) == ["qc:n:1", "qc:n:2", "qc:n:3", "qc:n:5"]
    assert "Defects: Open seam (Major) ×6" in text(await chat.say("6"))
    await chat.deliver(chat.inbound(photo="AgAC-open-seam"))
    await chat.tap("qc:d:other")
    await chat.say("Loose   Thread")
    await chat.tap("qc:s:minor")
    await chat.tap("qc:n:2")
    check = text(await chat.tap("qc:d:done"))
    assert "PO-1042-1 · Final · 1,200" in check and "loose thread (Minor) ×2" in check
    assert "Photos: 1" in check
    failed = await chat.tap("qc:c:save")
    assert "FAIL: PO-1042-1, Final inspection, sample 80. Over the limit: Major 6 > 5." in text(
        failed
    )
    assert "goes into rework" in text(failed)
    assert buttons(failed) == [f"qc:r:{seeded.order_ids[0]}:final"]

    (stored,) = await inspections(session_factory)
    assert (stored.kind, stored.lot_size, stored.sample_size, stored.passed) == (
        "final",
        1200,
        80,
        False,
    )
    assert stored.inspector == "Lan"
    async with session_factory() as session:
        defects = (await session.exec(select(QcDefect))).all()
        photos = (await session.exec(select(QcPhoto))).all()
    assert sorted((d.category, d.severity, d.count) for d in defects) == [
        ("loose thread", "minor", 2),
        ("open seam", "major", 6),
    ]
    assert [(p.platform, p.file_id) for p in photos] == [("telegram", "AgAC-open-seam")]
    (alert,) = await qc_alerts(session_factory)
    assert alert.resolved_at is None

    chat.now = chat.now.replace(hour=9)
    again = await chat.tap(f"qc:r:{seeded.order_ids[0]}:final")
    assert buttons(again) == ["qc:l:1200"]
    await chat.say("1200")
    await chat.tap("qc:d:stain")
    await chat.tap("qc:s:minor")
    await chat.tap("qc:n:1")
    await chat.tap("qc:d:done")
    passed = text(await chat.tap("qc:c:save"))
    assert "PASS: PO-1042-1, Final inspection, sample 80." in passed
    (alert,) = await qc_alerts(session_factory)
    assert alert.resolved_at is not None
    assert [i.passed for i in await inspections(session_factory)] == [False, True]


async def test_bad_input_is_corrected_and_stale_buttons_answered(
    sqlite_session_factory: SessionFactory,
) -> None:
    seeded = await seed(sqlite_session_factory)
    chat = Chat(sqlite_session_factory)
    await chat.say("/qc")
    await chat.tap(f"qc:o:{seeded.order_ids[1]}")
    await chat.tap("qc:k:inline")
    for bad in ("lots", "1", "9999999"):
        corrected = text(await chat.say(bad))
        assert "Please send the number of pieces, e.g. 800 (at most 500,000)" in corrected
    stale = text(await chat.tap("qc:k:final"))
    assert "belongs to an earlier question" in stale and "Lot size" in stale
    await chat.say("800")
    await chat.tap("qc:d:hole")
    await chat.tap("qc:s:critical")
    assert "at most 80" in text(await chat.say("81"))
    stopped = text(await chat.say("/cancel"))
    assert "nothing was saved" in stopped
    assert await inspections(sqlite_session_factory) == []
    async with sqlite_session_factory() as session:
        state = (await session.exec(select(ConversationState))).one()
    assert state.flow == "idle"
    assert "has ended" in text(await chat.tap("qc:d:done"))


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_language_walks_the_same_flow(
    sqlite_session_factory: SessionFactory, language: str
) -> None:
    seeded = await seed(sqlite_session_factory, language=language)
    chat = Chat(sqlite_session_factory)
    said = await report(chat, seeded.order_ids[0], "inline", "1200", [("stain", "major", "2")])
    assert all(said), said
    english = language == "en"
    assert ("Sample size" in said[3]) is english
    assert "80" in said[3] and "PO-1042-1" in said[-1]
    (stored,) = await inspections(sqlite_session_factory)
    assert (stored.kind, stored.passed) == ("inline", True)
    async with sqlite_session_factory() as session:
        (defect,) = (await session.exec(select(QcDefect))).all()
    assert (defect.category, defect.severity, defect.count) == ("stain", "major", 2)


async def test_an_inspector_is_invited_for_a_factory_and_only_reports_inspections(
    sqlite_session_factory: SessionFactory,
) -> None:
    await seed(sqlite_session_factory)
    async with transaction(sqlite_session_factory) as session:
        invite = await create_invite(
            session,
            factory_code="SGN1",
            name="Bureau Veritas — Minh",
            platform="whatsapp",
            now=NOW,
            role="inspector",
            language="en",
        )
        with pytest.raises(InviteError, match="unknown role 'boss'"):
            await create_invite(
                session, factory_code="SGN1", name="X", platform="telegram", now=NOW, role="boss"
            )
    chat = Chat(sqlite_session_factory, "84900000001", platform="whatsapp")
    welcome = await chat.say(invite.code)
    assert "QC inspection for Saigon Knit. Which production order?" in text(welcome)
    assert "Hello Bureau Veritas — Minh!" in text(welcome)
    assert "Each week" not in text(welcome) and "Weekly check-in" not in text(welcome)
    assert "QC inspection for" in text(await chat.say("/checkin"))
    assert "QC inspection for" in text(await chat.say("PO-1042 sewing 500"))
    async with sqlite_session_factory() as session:
        factory = (await session.exec(select(Factory).where(Factory.code == "SGN1"))).one()
        assert factory.id is not None
        prompted = [c.name for c in await linked_contacts(session, factory.id)]
        checkins = (await session.exec(select(CheckIn))).all()
    assert prompted == ["Lan"]
    assert checkins == []
