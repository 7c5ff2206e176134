"""The typed conversation state reads what any earlier version stored and writes it back the
same; an unknown step or flow, or data it cannot read, is handled as the untyped code did."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from wipbot.handlers.chat_state import ChatState
from wipbot.handlers.checkin_draft import DraftAnswers
from wipbot.handlers.checkin_state import CheckinStep
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import ConversationState

from .factory_seed import NOW, Chat, buttons, seed, text

STORED_BY_THE_UNTYPED_CODE = [
    # /checkin: the hint follows the check-in's keys; issue_cursor was added after it
    '{"queue": [7, 9], "index": 1, "done": 1, "draft": {"milestone": "sewing", "quantity": 800,'
    ' "issues": [{"flag": "fabric_late", "delay_days": 5}], "note": "late", "exf": "keep",'
    ' "photos": ["AgAD"], "shipped_on": null}, "editing": true,'
    ' "started_at": "2026-03-02T03:00:00+00:00", "hint": "en", "issue_cursor": 0}',
    # the typed shortcut from idle: no started_at, the draft set last
    '{"queue": [7], "index": 0, "done": 0, "editing": false, "hint": "vi", "draft":'
    ' {"milestone": "not_started", "quantity": null, "issues": [], "note": "", "exf": "2026-04-20",'
    ' "photos": [], "shipped_on": null}}',
    # a QC inspection under way
    '{"hint": "en", "qc": {"order_id": 7, "order": "PO-1042-1", "quantity": 1200, "kind": "final",'
    ' "lot": 500, "defects": [["stain", "major", 2]], "category": "", "severity": "",'
    ' "photos": []}}',
    # idle, with and without the language a chat reported
    '{"hint": "bn"}',
    "{}",
    # a draft from before shipped days were asked, keys this version does not know, a null hint
    '{"hint": null, "queue": [3], "index": 0, "done": 0, "draft": {"milestone": "cutting",'
    ' "quantity": 10, "issues": [], "note": "", "exf": null, "photos": [], "future": 1},'
    ' "editing": false, "reminded": {"at": "2026-03-03"}}',
    # data no version reads: a draft and a QC draft that are not objects
    '{"queue": [3], "index": 0, "done": 0, "draft": null, "editing": false, "qc": "lost"}',
]


@pytest.mark.parametrize("stored", STORED_BY_THE_UNTYPED_CODE)
def test_a_stored_state_reads_back_byte_for_byte(stored: str) -> None:
    assert json.dumps(ChatState.from_json(json.loads(stored)).to_json()) == stored


def test_the_typed_state_reads_the_stored_answers() -> None:
    state = ChatState.from_json(json.loads(STORED_BY_THE_UNTYPED_CODE[0]))
    assert state.hint == "en" and state.checkin is not None and state.qc is None
    answers = state.checkin.answers
    assert (state.checkin.queue, state.checkin.index, state.checkin.cursor) == ([7, 9], 1, 0)
    assert answers.stage is not None and answers.stage.value == "sewing"
    finished = answers.finished()
    assert (finished.quantity, finished.revised_exf, finished.photos) == (800, None, ("AgAD",))
    assert [(i.flag.value, i.delay_days) for i in finished.issues] == [("fabric_late", 5)]


def test_a_key_the_stored_draft_lacked_is_added_once_it_is_answered() -> None:
    state = ChatState.from_json(json.loads(STORED_BY_THE_UNTYPED_CODE[5]))
    assert state.checkin is not None
    state.checkin.answers.shipped_on = "2026-03-01"
    draft = state.to_json()["draft"]
    assert list(draft)[-2:] == ["future", "shipped_on"]
    assert draft["shipped_on"] == "2026-03-01"


def test_restarting_keeps_only_the_hint() -> None:
    state = ChatState.from_json(json.loads(STORED_BY_THE_UNTYPED_CODE[5]))
    state.hint = "en"
    state.restart()
    assert state.to_json() == {"hint": "en"}
    state.hint = ""
    state.restart()
    assert state.to_json() == {}


def test_an_empty_draft_is_stored_whole() -> None:
    assert DraftAnswers().to_json() == {
        "milestone": None,
        "quantity": None,
        "issues": [],
        "note": "",
        "exf": None,
        "photos": [],
        "shipped_on": None,
    }


async def put_state(
    factory: SessionFactory, contact_id: int, flow: str, step: str, data: dict[str, object]
) -> None:
    async with transaction(factory) as session:
        session.add(
            ConversationState(
                contact_id=contact_id, flow=flow, step=step, data=data, updated_at=NOW
            )
        )


async def stored(factory: SessionFactory, contact_id: int) -> ConversationState:
    async with factory() as session:
        return (
            await session.exec(
                select(ConversationState).where(ConversationState.contact_id == contact_id)
            )
        ).one()


async def test_an_unknown_step_asks_the_first_question_again(
    session_factory: SessionFactory,
) -> None:
    seeded = await seed(session_factory)
    data = {"queue": [seeded.order_ids[0]], "index": 0, "done": 0, "editing": False, "x": [1]}
    await put_state(session_factory, seeded.contact_id, "checkin", "no_such_step", data)
    replies = await Chat(session_factory).say("/checkin")
    assert "continue where you left off" in text(replies)
    assert buttons(replies)[0] == "m:not_started"
    state = await stored(session_factory, seeded.contact_id)
    assert (state.flow, state.step, state.data) == ("checkin", CheckinStep.MILESTONE, data)


async def test_a_check_in_with_no_orders_left_ends(session_factory: SessionFactory) -> None:
    seeded = await seed(session_factory)
    await put_state(session_factory, seeded.contact_id, "checkin", "quantity", {"hint": "en"})
    replies = await Chat(session_factory).tap("q:all")
    assert "Nothing was saved this time" in text(replies)
    state = await stored(session_factory, seeded.contact_id)
    assert (state.flow, state.step, state.data) == ("idle", "", {"hint": "en"})


async def test_an_unknown_flow_counts_as_idle(session_factory: SessionFactory) -> None:
    seeded = await seed(session_factory)
    data = {"queue": [seeded.order_ids[0]], "qc": "lost", "hint": "en"}
    await put_state(session_factory, seeded.contact_id, "retired_flow", "x", data)
    replies = await Chat(session_factory).tap("m:sewing")
    assert "This check-in has ended" in text(replies)
    state = await stored(session_factory, seeded.contact_id)
    assert (state.flow, state.step, state.data) == ("retired_flow", "x", data)
