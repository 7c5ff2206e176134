"""Two deliveries of one chat in two processes (PostgreSQL behind a load balancer) take turns on
the contact's row; the one that waited must read the conversation the other wrote.

READ COMMITTED re-reads only the locked row after a wait: a conversation read by the locking
statement itself was the one from before the wait, so the second turn wrote back its
predecessor's state with its own change and the first tap was lost (seen as a flaky
`test_simultaneous_taps_of_one_chat_are_both_kept`). Here the first turn holds the lock until
the second is certainly waiting for it.
"""

from __future__ import annotations

import asyncio

from wipbot.handlers.chat_turn import StoredState, end_turn, load_state, make_turn, open_chat
from wipbot.store.db import SessionFactory, transaction

from .factory_seed import NOW, seed

WAITING = 0.3
"""Long enough for the second transaction to have sent its statement and wait for the lock."""


async def open_state(session_factory: SessionFactory) -> StoredState:
    async with transaction(session_factory) as session:
        opened = await open_chat(session, "telegram", "100", NOW)
        assert opened is not None
        return opened[2]


async def loaded_state(session_factory: SessionFactory, contact_id: int) -> StoredState:
    async with transaction(session_factory) as session:
        return await load_state(session, contact_id, NOW)


async def test_a_turn_that_waited_for_the_chat_reads_what_the_turn_before_wrote(
    session_factory: SessionFactory,
) -> None:
    seeded = await seed(session_factory)
    for step, read_after_the_wait in (
        ("first", lambda: open_state(session_factory)),
        ("second", lambda: loaded_state(session_factory, seeded.contact_id)),
    ):
        async with transaction(session_factory) as session:
            opened = await open_chat(session, "telegram", "100", NOW)
            assert opened is not None
            turn = make_turn(session, *opened, now=NOW)
            turn.go(f"{step}-step")
            waiting = asyncio.create_task(read_after_the_wait())
            await asyncio.sleep(WAITING)
            assert not waiting.done()
            await end_turn(turn)
        assert (await waiting).step == f"{step}-step"
