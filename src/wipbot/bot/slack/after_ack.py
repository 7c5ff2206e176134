"""Work after the ack: Slack was answered already, so a failure is told to the person instead.

Bolt would log the error and answer nothing (a 404 once its ack timeout passes); the action
would be lost without a word. Here the person gets an ephemeral message saying what happened,
and the failure is logged once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from slack_bolt.async_app import AsyncRespond
from slack_sdk.errors import SlackApiError

from wipbot.store.models.widths import LARGEST_INTEGER

from ..unavailable import is_unavailable

log = logging.getLogger("wipbot.slack")

UNAVAILABLE = (
    "wipbot is briefly unavailable (it cannot reach its database), so this was not done. "
    "Please try again in a minute."
)
FAILED = "Sorry, wipbot could not finish this, and nothing was changed. Please try again."
STALE_BUTTON = "This button is no longer valid; open the latest message and try again."

Tell = Callable[[str], Awaitable[object]]
MAX_ID = LARGEST_INTEGER
"""Record ids are 32-bit INTEGER columns on PostgreSQL: a forged larger one would fail the
query (a logged error and "could not finish") instead of finding no such record."""
DIGITS = re.compile(r"[0-9]{1,10}")


@asynccontextmanager
async def told_on_failure(what: str, tell: Tell | None) -> AsyncIterator[None]:
    """Run the after-ack work; on failure, log once and tell the person (if they can be told)."""
    try:
        yield
    except Exception as error:
        if is_unavailable(error):
            log.warning("slack: %s not done, the database is unreachable: %s", what, error)
            text = UNAVAILABLE
        else:
            log.error("slack: %s failed", what, exc_info=error)
            text = FAILED
        if tell is not None:
            await tell_safely(tell, text)


async def tell_safely(tell: Tell, text: str) -> None:
    """Telling is best effort: Slack itself may be the thing that is down."""
    try:
        await tell(text)
    except (SlackApiError, OSError, TimeoutError, ValueError) as error:
        log.warning("slack: could not tell the user: %s", error)


def ephemeral(respond: AsyncRespond) -> Tell:
    """Tell the person privately, through the request's own response URL."""

    async def tell(text: str) -> object:
        return await respond(response_type="ephemeral", replace_original=False, text=text)

    return tell


def record_id(value: object) -> int | None:
    """A database id from a button value or modal metadata; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    if isinstance(value, str) and DIGITS.fullmatch(value):
        number = int(value)
        return number if 0 < number <= MAX_ID else None
    return None
