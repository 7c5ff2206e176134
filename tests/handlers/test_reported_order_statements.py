"""A check-in step on an order with a history costs what a step on a new order costs: its view
and its check-ins with their issues, two statements. The issues were a third, read after the
check-ins, on every tap of every order reported before (most orders, most weeks)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.statements import statements_run
from wipbot.handlers.inbound_pipeline import InboundPipeline
from wipbot.handlers.messages import Inbound
from wipbot.store.db import SessionFactory

from .factory_seed import NOW, Chat, seed, text

STEPS = ("m:sewing", "q:all", "i:none", "x:keep")


async def _step_counts(factory: SessionFactory, now: Any, tag: str) -> tuple[list[int], str]:
    pipeline = InboundPipeline(factory)
    counts = []
    replies = []
    try:
        await pipeline.handle(_inbound(f"{tag}-start", now, text="/checkin"))
        with statements_run(factory) as executed:
            for number, step in enumerate(STEPS):
                executed.clear()
                replies = await pipeline.handle(_inbound(f"{tag}-{number}", now, choice=step))
                counts.append(len(executed))
    finally:
        await pipeline.close()
    return counts, text(replies)


def _inbound(inbound_id: str, now: Any, **what: str | None) -> Inbound:
    return Inbound(
        platform="telegram", chat_id="100", inbound_id=inbound_id, received_at=now, **what
    )


async def test_a_step_on_a_reported_order_reads_no_more_than_on_a_new_one(
    session_factory: SessionFactory,
) -> None:
    await seed(session_factory)
    new_order, summary = await _step_counts(session_factory, NOW, "first")
    assert "PO-1042-1" in summary
    chat = Chat(session_factory)  # the first order's check-in saved, with two issues
    await chat.say("/checkin")
    for value in ("m:sewing", "q:all", "i:fabric_late", "i:trims_late", "i:done", "d:7"):
        await chat.tap(value)
    for value in ("n:skip", "x:keep", "c:confirm"):
        await chat.tap(value)
    reported, summary = await _step_counts(session_factory, NOW + timedelta(days=7), "next")
    assert "PO-1042-1" in summary
    assert reported == new_order
