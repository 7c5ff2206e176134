"""What a check-in step costs the database: its statements, one transaction per delivery.

A Monday morning is thousands of these steps, each inside a webhook, and on PostgreSQL every
statement is a round trip and a wait of the event loop. The counts below are what the steps
need (see README, "A step reads what it needs"); a change that adds a read or a write to the
way in shows up here instead of as a slower benchmark weeks later. The counts are SQLite's;
PostgreSQL takes one more a step, the conversation read after the chat's row lock is held.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.statements import statements_run
from wipbot.handlers.inbound_pipeline import InboundPipeline
from wipbot.handlers.messages import Inbound
from wipbot.store.db import SessionFactory

from .factory_seed import NOW, seed, text

STEPS: list[tuple[str, str, int]] = [
    # (kind, what, statements): the benchmark's check-in of one order
    ("text", "/checkin", 8),  # seen id, chat, last inbound, round's orders, their check-ins,
    # the first order's view (its check-ins were read for the round), new conversation, outbox
    ("choice", "m:sewing", 6),  # seen id, chat, order view, its check-ins, conversation, outbox
    ("choice", "q:all", 6),
    ("choice", "i:none", 6),
    ("choice", "x:keep", 6),
    ("choice", "c:confirm", 10),  # + the check-in, its audit entry, the next order's view and
    # check-ins
]


async def test_a_check_in_step_takes_the_statements_it_needs(
    session_factory: SessionFactory,
) -> None:
    await seed(session_factory)
    pipeline = InboundPipeline(session_factory)
    engine = session_factory.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    counts: list[int] = []
    commits: list[int] = []
    replies = []
    try:
        with statements_run(session_factory) as executed:
            for number, (kind, what, _) in enumerate(STEPS):
                inbound = Inbound(
                    platform="telegram",
                    chat_id="100",
                    inbound_id=f"step-{number}",
                    received_at=NOW,
                    text=what if kind == "text" else None,
                    choice=what if kind == "choice" else None,
                )
                executed.clear()
                before = pipeline.commits
                replies.append(await pipeline.handle(inbound))
                counts.append(len(executed))
                commits.append(pipeline.commits - before)
    finally:
        await pipeline.close()

    assert "Saved: PO-1042-1" in text(replies[-1])
    assert "PO-1043-1" in text(replies[-1])
    assert commits == [1] * len(STEPS)
    # PostgreSQL reads the conversation after the contact's lock is held (handlers/chat_turn.py)
    extra = 0 if engine.dialect.name == "sqlite" else 1
    assert counts == [expected + extra for _, _, expected in STEPS]
