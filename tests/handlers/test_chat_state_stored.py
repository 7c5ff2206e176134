"""The conversation state is stored exactly as before it was typed.

`stored_chat_states.jsonl` was recorded from the untyped code (state.data as a plain dict): one
line per delivery of the conversation below, [flow, step, data] as stored (ids and the start
time as placeholders). The typed state must
leave the same JSON, key for key and in the same order.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import select

from wipbot.store.db import SessionFactory
from wipbot.store.models import ConversationState

from .factory_seed import NOW, Chat, seed

RECORDED = Path(__file__).with_name("stored_chat_states.jsonl")
SAID = [
    "/checkin",
    "tap m:sewing",
    "800 pcs",
    "tap i:fabric_late",
    "tap i:trims_late",
    "tap i:done",
    "5",
    "tap d:7",
    "mill shipped the fabric late",
    "tap x:new",
    "20/4",
    "tap c:edit",
    "tap e:note",
    "tap n:skip",
    "tap c:confirm",
    "tap m:shipped",
    "tap q:all",
    "tap s:yesterday",
    "tap i:clear",
    "tap m:sewing",  # a button of an earlier question: nothing changes
    "/cancel",
    "PO-1042 sewing 900 fabric late 3 days",  # the typed shortcut, idle: a new conversation
    "tap c:confirm",
    "/qc",
    "tap qc:o:ORDER_1",
    "tap qc:k:final",
    "500",
    "tap qc:d:stain",
    "tap qc:s:major",
    "2",
    "tap qc:d:done",
    "/cancel",
]


async def stored(factory: SessionFactory, contact_id: int) -> str:
    async with factory() as session:
        state = (
            await session.exec(
                select(ConversationState).where(ConversationState.contact_id == contact_id)
            )
        ).one()
        return json.dumps([state.flow, state.step, state.data])


async def test_a_conversation_stores_what_the_untyped_code_stored(
    session_factory: SessionFactory,
) -> None:
    seeded = await seed(session_factory)
    first, second = seeded.order_ids
    chat = Chat(session_factory, language_hint="en")
    expected = [
        line.replace("ORDER_1", str(first))
        .replace("ORDER_2", str(second))
        .replace("STARTED_AT", NOW.isoformat())
        for line in RECORDED.read_text().splitlines()
    ]
    assert len(expected) == len(SAID)
    for said, want in zip(SAID, expected, strict=True):
        said = said.replace("ORDER_1", str(first))
        if said.startswith("tap "):
            await chat.tap(said.removeprefix("tap "))
        else:
            await chat.say(said)
        assert await stored(session_factory, seeded.contact_id) == want, said
