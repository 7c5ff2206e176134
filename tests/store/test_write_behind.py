"""A streamed import writes one batch while it reads the next: in order, one at a time, and a
failed write is never lost."""

from __future__ import annotations

import asyncio

import pytest

from wipbot.store.importing.write_behind import WriteBehind


class Writer:
    """Records what it wrote and how many writes were in flight at once."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.written: list[int] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.fail_on = fail_on

    async def write(self, batch: int) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.01)
            if batch == self.fail_on:
                raise RuntimeError(f"batch {batch} refused")
            self.written.append(batch)
        finally:
            self.in_flight -= 1


async def test_batches_are_written_in_order_one_at_a_time_while_the_caller_goes_on() -> None:
    writer = Writer()
    writes = WriteBehind(writer.write)
    await writes.submit(1)
    assert writer.written == []  # the caller reads on while batch 1 is written
    await writes.submit(2)
    assert writer.written == [1]
    await writes.submit(3)
    await writes.drain()
    assert (writer.written, writer.most_in_flight) == ([1, 2, 3], 1)


async def test_a_failed_write_is_raised_before_the_next_batch_is_handed_over() -> None:
    writer = Writer(fail_on=2)
    writes = WriteBehind(writer.write)
    await writes.submit(1)
    await writes.submit(2)
    with pytest.raises(RuntimeError, match="batch 2 refused"):
        await writes.submit(3)
    assert writer.written == [1]


async def test_abandoning_waits_for_the_write_in_flight_and_drops_its_failure() -> None:
    writer = Writer(fail_on=1)
    writes = WriteBehind(writer.write)
    await writes.submit(1)
    await writes.abandon()
    assert writer.in_flight == 0
    await writes.drain()  # nothing left to raise
