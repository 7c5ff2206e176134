"""Raw-socket clients that are slow on purpose: what the slow-client tests send."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
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


SMALL_RECEIVE_BUFFER = 4096
"""A client's receive buffer (Linux doubles it): the server's write buffer fills past its
high-water mark after a few hundred kilobytes, not the megabytes loopback would take in."""


async def request_reading_nothing(port: int, request: bytes) -> socket.socket:
    """A connection that sent `request` through a small receive buffer, and reads nothing until
    told to: the server's answer piles up in its own write buffer."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SMALL_RECEIVE_BUFFER)  # before connect
    sock.setblocking(False)
    await loop.sock_connect(sock, ("127.0.0.1", port))
    await loop.sock_sendall(sock, request)
    return sock


async def read_slowly(sock: socket.socket, size: int, every: float) -> bytes:
    """At most `size` bytes every `every` seconds, until the server closes or resets."""
    loop = asyncio.get_running_loop()
    received = b""
    try:
        while chunk := await loop.sock_recv(sock, size):
            received += chunk
            await asyncio.sleep(every)
    except ConnectionError:
        pass
    return received


async def eventually(done: Callable[[], bool], within: float = 3.0) -> float:
    """Poll `done` (the server's state, which no event announces) until it holds; the seconds
    it took."""
    started = time.monotonic()
    while not done():
        if time.monotonic() - started > within:
            raise TimeoutError(f"not done within {within} s")
        await asyncio.sleep(0.01)
    return time.monotonic() - started
