"""Gate use cases without Slack: request, checklist, decisions, who hears about them."""

from __future__ import annotations

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.bot.slack_fixtures import ADMIN, APPROVER, MERCHANDISER, NOW, VIEWER, seed
from wipbot.handlers.gates import (
    GATE_REQUEST_KIND,
    DecisionOutcome,
    RequestOutcome,
    decide_gate,
    may_prepare,
    parse_item,
    request_gate,
    tick_item,
)
from wipbot.production.gates import GateItem, GateRefusal, GateStatus
from wipbot.store.alerts import AlertKind, raise_alert
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import (
    Alert,
    AuditLog,
    Brand,
    Contact,
    ConversationState,
    OutboxMessage,
    ProductionOrder,
)

ORDER = "PO-1042-01"


@pytest.fixture
async def db(sqlite_session_factory: SessionFactory) -> SessionFactory:
    await seed(sqlite_session_factory)
    return sqlite_session_factory


@pytest.fixture
async def any_db(session_factory: SessionFactory) -> SessionFactory:
    """SQLite and PostgreSQL, for the tests whose subject includes the database."""
    await seed(session_factory)
    return session_factory


async def order_id(session: AsyncSession) -> int:
    order = (
        await session.exec(select(ProductionOrder).where(ProductionOrder.number == ORDER))
    ).one()
    assert order.id is not None
    return order.id


async def outbox(session: AsyncSession, platform: str = "slack") -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.platform == platform)
    return list((await session.exec(query.order_by(col(OutboxMessage.id)))).all())


async def gate_id(session: AsyncSession, *, ticked: tuple[GateItem, ...] = tuple(GateItem)) -> int:
    result = await request_gate(session, 1, ORDER, requested_by=MERCHANDISER, now=NOW)
    for item in ticked:
        await tick_item(session, 1, ORDER, item, by="Lan", now=NOW)
    assert result.card is not None
    return result.card.gate_id


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("golden_sample_sealed", GateItem.GOLDEN_SAMPLE_SEALED),
        ("golden", GateItem.GOLDEN_SAMPLE_SEALED),
        ("Tech pack", GateItem.TECH_PACK_SIGNED_OFF),
        ("techpack", GateItem.TECH_PACK_SIGNED_OFF),
        ("BOM", GateItem.BOM_SIGNED_OFF),
        ("fit-comments", GateItem.FIT_COMMENTS_CAPTURED),
    ],
)
def test_checklist_items_are_named_loosely(text: str, item: GateItem) -> None:
    assert parse_item(text) is item


def test_an_unknown_item_says_what_is_expected() -> None:
    with pytest.raises(ValueError, match="bom_signed_off"):
        parse_item("zipper")


async def test_a_request_creates_the_checklist_and_enqueues_the_approval_message(
    any_db: SessionFactory,
) -> None:
    session_factory = any_db
    async with transaction(session_factory) as session:
        result = await request_gate(session, 1, "po-1042", requested_by=MERCHANDISER, now=NOW)
        assert result.outcome is RequestOutcome.REQUESTED
        assert result.approvals_channel == "C0APPROVE"
        assert result.card is not None
        assert result.card.status is GateStatus.REQUESTED
        assert result.card.missing == tuple(GateItem)
        assert result.card.requested_by is not None
        assert result.card.requested_by.name == "Mia Chen"
        [message] = await outbox(session)
        assert (message.chat_id, message.action) == ("C0APPROVE", "send")
        assert message.payload == {"kind": GATE_REQUEST_KIND, "gate_id": result.card.gate_id}

        again = await request_gate(session, 1, ORDER, requested_by=MERCHANDISER, now=NOW)
        assert again.outcome is RequestOutcome.ALREADY_REQUESTED
        assert [m.action for m in await outbox(session)] == ["send", "update"]


@pytest.mark.parametrize(
    ("number", "outcome"),
    [("PO-9001-01", RequestOutcome.NOT_FOUND), ("PO-7777", RequestOutcome.NOT_FOUND)],
)
async def test_orders_of_other_brands_are_not_found(
    db: SessionFactory, number: str, outcome: RequestOutcome
) -> None:
    session_factory = db
    async with transaction(session_factory) as session:
        result = await request_gate(session, 1, number, requested_by=MERCHANDISER, now=NOW)
        assert result.outcome is outcome
        assert await outbox(session) == []


async def test_a_po_with_several_production_orders_asks_which(db: SessionFactory) -> None:
    session_factory = db
    async with transaction(session_factory) as session:
        first = await session.get(ProductionOrder, await order_id(session))
        assert first is not None
        session.add(
            ProductionOrder(
                po_id=first.po_id, factory_id=first.factory_id, number="PO-1042-02", quantity=5
            )
        )
        result = await request_gate(session, 1, "PO-1042", requested_by=MERCHANDISER, now=NOW)
        assert result.outcome is RequestOutcome.AMBIGUOUS
        assert result.choices == ("PO-1042-01", "PO-1042-02")
        exact = await request_gate(session, 1, "PO-1042-02", requested_by=MERCHANDISER, now=NOW)
        assert exact.outcome is RequestOutcome.REQUESTED


async def test_without_an_approvals_channel_nothing_is_posted(db: SessionFactory) -> None:
    session_factory = db
    async with transaction(session_factory) as session:
        brand = await session.get(Brand, 1)
        assert brand is not None
        brand.approvals_channel = None
        result = await request_gate(session, 1, ORDER, requested_by=MERCHANDISER, now=NOW)
        assert result.outcome is RequestOutcome.REQUESTED
        assert result.approvals_channel is None
        assert await outbox(session) == []


async def test_ticks_record_who_and_when_and_refresh_an_open_request(db: SessionFactory) -> None:
    session_factory = db
    async with transaction(session_factory) as session:
        await gate_id(session, ticked=())
        result = await tick_item(session, 1, ORDER, GateItem.BOM_SIGNED_OFF, by=APPROVER, now=NOW)
        assert result.card is not None
        [bom] = [line for line in result.card.checklist if line.item is GateItem.BOM_SIGNED_OFF]
        assert (bom.done, bom.at) == (True, NOW)
        assert bom.by is not None and bom.by.slack_user_id == APPROVER
        assert [m.action for m in await outbox(session)] == ["send", "update"]
        undone = await tick_item(
            session, 1, ORDER, GateItem.BOM_SIGNED_OFF, by=APPROVER, now=NOW, done=False
        )
        assert undone.card is not None
        assert GateItem.BOM_SIGNED_OFF in undone.card.missing


# role, complete checklist, approve, reason -> outcome, refusal
DECISIONS = [
    ("approver", True, True, None, DecisionOutcome.DECIDED, None),
    ("admin", True, True, None, DecisionOutcome.DECIDED, None),
    ("viewer", True, True, None, DecisionOutcome.REFUSED, GateRefusal.NOT_APPROVER),
    ("merchandiser", True, False, "no", DecisionOutcome.REFUSED, GateRefusal.NOT_APPROVER),
    ("approver", False, True, None, DecisionOutcome.REFUSED, GateRefusal.CHECKLIST_INCOMPLETE),
    ("approver", False, True, "why", DecisionOutcome.REFUSED, GateRefusal.CHECKLIST_INCOMPLETE),
    ("admin", False, True, None, DecisionOutcome.NEEDS_REASON, GateRefusal.CHECKLIST_INCOMPLETE),
    ("admin", False, True, "launch", DecisionOutcome.DECIDED, None),
    ("approver", True, False, None, DecisionOutcome.NEEDS_REASON, GateRefusal.REASON_REQUIRED),
    ("approver", False, False, "fix fit", DecisionOutcome.DECIDED, None),
]


@pytest.mark.parametrize(("role", "complete", "approve", "reason", "outcome", "refusal"), DECISIONS)
async def test_who_may_decide_what(
    db: SessionFactory,
    role: str,
    complete: bool,
    approve: bool,
    reason: str | None,
    outcome: DecisionOutcome,
    refusal: GateRefusal | None,
) -> None:
    session_factory = db
    user = {"approver": APPROVER, "admin": ADMIN, "viewer": VIEWER, "merchandiser": MERCHANDISER}
    async with transaction(session_factory) as session:
        gid = await gate_id(session, ticked=tuple(GateItem) if complete else ())
        result = await decide_gate(
            session, 1, gid, approve=approve, slack_user_id=user[role], reason=reason, now=NOW
        )
        assert (result.outcome, result.refusal) == (outcome, refusal)
        audits = (await session.exec(select(AuditLog.action))).all()
        decided = [
            a for a in audits if a in {"gate.approve", "gate.approve_override", "gate.reject"}
        ]
        assert len(decided) == (1 if outcome is DecisionOutcome.DECIDED else 0)
        assert result.override is (role == "admin" and not complete and reason is None and approve)


async def test_a_decision_tells_each_linked_contact_in_their_language(
    any_db: SessionFactory,
) -> None:
    session_factory = any_db
    async with transaction(session_factory) as session:
        saigon = (await session.exec(select(Contact).where(Contact.name == "Lan"))).one()
        session.add(
            Contact(
                factory_id=saigon.factory_id,
                name="Wei",
                platform="whatsapp",
                chat_id="+8613800000000",
                language="zh-Hans",
            )
        )
        session.add(
            Contact(
                factory_id=saigon.factory_id,
                name="Gone",
                platform="telegram",
                chat_id="1003",
                active=False,
            )
        )
        gid = await gate_id(session)
        await decide_gate(
            session, 1, gid, approve=True, slack_user_id=APPROVER, reason=None, now=NOW
        )
        told = {m.chat_id: m.payload["text"] for m in await outbox(session, "telegram")}
        told |= {m.chat_id: m.payload["text"] for m in await outbox(session, "whatsapp")}
    assert set(told) == {"1001", "+8613800000000"}
    assert told["1001"].startswith("PO-1042/PO-1042-01 đã được duyệt")
    assert "大货生产" in told["+8613800000000"]


async def test_a_decision_reaches_a_contact_in_the_language_of_their_chat(
    any_db: SessionFactory,
) -> None:
    """Lan's record has no language and the factory speaks Vietnamese, but Lan's chat reports
    English: the conversation is in English, so the decision is too."""
    async with transaction(any_db) as session:
        lan = (await session.exec(select(Contact).where(Contact.name == "Lan"))).one()
        lan.language = None
        assert lan.id is not None
        session.add(
            ConversationState(contact_id=lan.id, flow="idle", step="idle", data={"hint": "en"})
        )
        gid = await gate_id(session)
        await decide_gate(
            session, 1, gid, approve=True, slack_user_id=APPROVER, reason=None, now=NOW
        )
        [told] = await outbox(session, "telegram")
    assert told.payload["text"].startswith("Gate approved for PO-1042/PO-1042-01")


async def test_a_second_decision_is_refused_with_who_and_when(any_db: SessionFactory) -> None:
    session_factory = any_db
    async with transaction(session_factory) as session:
        gid = await gate_id(session)
        await decide_gate(
            session, 1, gid, approve=True, slack_user_id=APPROVER, reason=None, now=NOW
        )
        again = await decide_gate(
            session, 1, gid, approve=False, slack_user_id=ADMIN, reason="no", now=NOW
        )
    assert again.refusal is GateRefusal.ALREADY_DECIDED
    assert "already approved by Ada Okafor at 2026-03-02 09:00 UTC" in again.message


@pytest.mark.parametrize(
    ("approve", "still_open"),
    [(True, set()), (False, {AlertKind.GATE_BREACH.value})],
)
async def test_a_decision_resolves_gate_alerts(
    db: SessionFactory, approve: bool, still_open: set[str]
) -> None:
    session_factory = db
    async with transaction(session_factory) as session:
        gid = await gate_id(session)
        for kind in (AlertKind.GATE_PENDING, AlertKind.GATE_BREACH):
            await raise_alert(
                session,
                brand_id=1,
                kind=kind,
                subject=ORDER,
                summary=kind.value,
                production_order_id=await order_id(session),
            )
        await decide_gate(
            session, 1, gid, approve=approve, slack_user_id=APPROVER, reason="r", now=NOW
        )
        open_kinds = (
            await session.exec(select(Alert.kind).where(col(Alert.resolved_at).is_(None)))
        ).all()
    assert set(open_kinds) == still_open


async def test_a_rejected_gate_can_be_requested_again_as_a_fresh_message(
    db: SessionFactory,
) -> None:
    session_factory = db
    async with transaction(session_factory) as session:
        gid = await gate_id(session)
        await decide_gate(
            session, 1, gid, approve=False, slack_user_id=APPROVER, reason="fit", now=NOW
        )
        again = await request_gate(session, 1, ORDER, requested_by=MERCHANDISER, now=NOW)
        assert again.outcome is RequestOutcome.REQUESTED
        assert again.card is not None and again.card.decided_by is None
        assert (await outbox(session))[-1].action == "send"


@pytest.mark.parametrize(
    ("user", "allowed"),
    [(VIEWER, False), (MERCHANDISER, True), (APPROVER, True), (ADMIN, True), ("U0NOBODY", False)],
)
async def test_only_merchandisers_and_up_prepare_gates(
    db: SessionFactory, user: str, allowed: bool
) -> None:
    session_factory = db
    async with session_factory() as session:
        assert await may_prepare(session, 1, user) is allowed
