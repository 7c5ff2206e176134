"""One brief wait on Slack's rate limit for answers to a person, never a long or unreadable one.

slack_sdk's AsyncRateLimitErrorRetryHandler sleeps for whatever Retry-After says: an hour's
Retry-After on a refusal's ephemeral kept that listener asleep for the hour, and with it the
shutdown, which waits for listener work (SIGTERM did not stop `wipbot run`); one in words
("soon") raised ValueError from inside the SDK. A person is waiting and a modal's trigger_id
lasts 3 seconds, so a wait longer than that is not worth waiting: the call fails as a 429, and
the listener tells the person, as for any other failure.
"""

from __future__ import annotations

import asyncio
import math
import random

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

LONGEST_WAIT_SECONDS = 3.0


def retry_after(response: HttpResponse) -> float | None:
    """Retry-After in seconds when it is a readable, finite, non-negative number."""
    for name, values in response.headers.items():
        if name.lower() != "retry-after":
            continue
        value = values[0] if isinstance(values, list) and values else values
        try:
            seconds = float(str(value))
        except ValueError:
            return None
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    return 1.0  # Slack always names a wait; without one, its documented least


class BriefRateLimitRetry(AsyncRetryHandler):
    """Retries a 429 once, only when Slack asks for at most `longest` seconds."""

    def __init__(self, longest: float = LONGEST_WAIT_SECONDS) -> None:
        super().__init__(max_retry_count=1)
        self.longest = longest

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = retry_after(response)
        return wait is not None and wait <= self.longest

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        wait = retry_after(response) if response is not None else None
        state.next_attempt_requested = True
        await asyncio.sleep(min(wait or 0.0, self.longest) + random.random() / 10)
        state.increment_current_attempt()
