"""What one delivery did besides its replies: whether it was new, and whether a click was taken.

Telegram marks the choice a click took and answers a callback query only on its first delivery;
both come from the handler's own turn, with no extra reads around it.
"""

from __future__ import annotations

from wipbot.handlers.factory_chat import Handled, handle_delivery
from wipbot.handlers.messages import Inbound
from wipbot.store.db import SessionFactory, transaction

from .factory_seed import NOW, Chat, seed


async def deliver(factory: SessionFactory, inbound: Inbound) -> Handled:
    async with transaction(factory) as session:
        return await handle_delivery(session, inbound, now=NOW)


async def test_a_click_that_answers_the_question_moves_on(session_factory: SessionFactory) -> None:
    await seed(session_factory)
    chat = Chat(session_factory)
    await chat.say("/checkin")

    handled = await deliver(session_factory, chat.inbound(choice="m:sewing"))

    assert handled.first and handled.moved_on
    assert "How many pieces are sewn" in handled.replies[0].text


async def test_a_stale_click_is_answered_but_takes_nothing(session_factory: SessionFactory) -> None:
    await seed(session_factory)
    chat = Chat(session_factory)
    await chat.say("/checkin")
    await chat.tap("m:sewing")

    handled = await deliver(session_factory, chat.inbound(choice="x:keep"))

    assert handled.first and not handled.moved_on
    assert "earlier question" in handled.replies[0].text


async def test_a_delivery_seen_before_does_nothing(session_factory: SessionFactory) -> None:
    await seed(session_factory)
    chat = Chat(session_factory)
    await chat.say("/checkin")
    click = chat.inbound(choice="m:sewing")
    await deliver(session_factory, click)

    again = await deliver(session_factory, click)

    assert again == Handled([], first=False, moved_on=False)


async def test_a_click_from_an_unknown_chat_moves_nothing(session_factory: SessionFactory) -> None:
    await seed(session_factory)
    stranger = Chat(session_factory, chat_id="999")

    handled = await deliver(session_factory, stranger.inbound(choice="m:sewing"))

    assert handled.first and not handled.moved_on
    assert "not linked" in handled.replies[0].text
