"""Raw-socket clients that are slow on purpose: what the slow-client tests send."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

HOLD_LIMIT = 15.0
"""Longer than any deadline the tests configure: a connection still open then is held for good."""


@dataclass(frozen=True)
class Closed:
    """How long the server kept the connection, and everything it sent before closing it."""

    seconds: float
    answer: bytes


async def read_to_close(reader: asyncio.StreamReader) -> bytes:
    """What the server sends until it closes; a reset after the answer ends it the same way."""
    received = b""
    try:
        while chunk := await reader.read(65536):
            received += chunk
    except ConnectionError:
        pass
    return received


async def trickle(port: int, head: bytes, drip: bytes, every: float = 0.2) -> Closed:
    """Send `head` at once, then `drip` a byte at a time every `every` seconds (repeating it),
    until the server closes the connection; timed from the moment `head` went out."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head)
        await writer.drain()
        started = time.monotonic()
        closing = asyncio.create_task(read_to_close(reader))
        async with asyncio.timeout(HOLD_LIMIT):
            position = 0
            while not closing.done():
                if drip:
                    try:
                        writer.write(drip[position % len(drip) : position % len(drip) + 1])
                        await writer.drain()
                    except ConnectionError:
                        pass
                    position += 1
                await asyncio.wait({closing}, timeout=every)
            answer = await closing
        return Closed(time.monotonic() - started, answer)
    finally:
        writer.close()


async def open_partial(port: int, data: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection that sent `data` and then nothing: a request head never finished."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    return reader, writer


async def closed_by_server(reader: asyncio.StreamReader, within: float = 0.5) -> bool:
    """Whether the server has closed this connection (it sends nothing on a slow head)."""
    try:
        async with asyncio.timeout(within):
            await read_to_close(reader)
    except TimeoutError:
        return False
    return True
