"""bot/slow_clients.py under uvicorn, over both of its HTTP parsers: httptools (what `wipbot run`
uses) and h11. A probe app records what each request's `receive` said, so that a body cut off
at its deadline is seen to reach the app as a disconnect and not as a hang. Deadlines are short
here (a second or so); the clients are raw sockets sending a byte at a time, or reading their
answer slowly or not at all through a small receive buffer."""

from __future__ import annotations

import asyncio
import logging
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs

import httpx
import pytest
import uvicorn
from starlette.types import Receive, Scope, Send

from tests.fakes import listening_socket
from wipbot.bot.slow_clients import (
    FD_RESERVE,
    MAX_HEAD_BYTES,
    ConnectionLimits,
    ConnectionStats,
    Implementation,
    Watch,
    guarded_protocol,
)

from .slow_sockets import (
    closed_by_server,
    eventually,
    open_partial,
    read_slowly,
    read_to_close,
    request_reading_nothing,
    trickle,
)

HEAD = 1.0
BODY = 1.5
SEND = 0.5
SERVER_SEND_BUFFER = 16 * 1024
KEEP_ALIVE = 1
LATE = 0.6
"""How far past its deadline a connection may still be closed (a loaded machine's scheduling)."""
EARLY = 0.1
IMPLEMENTATIONS = pytest.mark.parametrize("implementation", ["httptools", "h11"])
CHUNKS = pytest.mark.parametrize("chunk", [0, 64 * 1024], ids=["one-write", "streamed"])
"""A large answer written at once (all of it in the write buffer, the response complete at
once), or streamed in 64 KiB pieces (the app waits on the buffer between writes, as /media/qc
does; Starlette's FileResponse writes pieces of that size)."""
PARTIAL_HEAD = b"POST /webhook HTTP/1.1\r\nHost: wipbot\r\n"


@dataclass
class Probe:
    """Answers 200 once it has read the whole body; /hold waits for `release` first, /large
    answers `size` bytes, in one write or (`chunk`) in writes of that many."""

    received: list[list[str]] = field(default_factory=list)
    finished: int = 0
    release: asyncio.Event = field(default_factory=asyncio.Event)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def until(self, done: Callable[[], bool]) -> None:
        async with asyncio.timeout(2), self.changed:
            await self.changed.wait_for(done)

    async def _note(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        messages: list[str] = []
        self.received.append(messages)
        await self._note()
        while True:
            message = await receive()
            messages.append(message["type"])
            if message["type"] == "http.disconnect" or not message.get("more_body"):
                break
        if scope["path"] == "/hold":
            await self.release.wait()
        query = {k: int(v) for k, [v] in parse_qs(scope["query_string"].decode()).items()}
        body = b"ok" if scope["path"] != "/large" else b"x" * query["size"]
        chunk = query.get("chunk") or len(body)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", str(len(body)).encode())],
            }
        )
        for start in range(0, len(body), chunk):
            more = start + chunk < len(body)
            piece = body[start : start + chunk]
            await send({"type": "http.response.body", "body": piece, "more_body": more})
        self.finished += 1
        await self._note()


@dataclass
class Served:
    port: int
    probe: Probe
    http: httpx.AsyncClient
    stats: ConnectionStats
    server: uvicorn.Server

    clients: list[asyncio.StreamWriter] = field(default_factory=list)

    async def honest(self, path: str = "/webhook") -> httpx.Response:
        return await self.http.post(f"http://127.0.0.1:{self.port}{path}", content=b'{"ok": 1}')

    async def partial(self, data: bytes) -> asyncio.StreamReader:
        """A connection that sent `data` and then nothing; closed when the server stops."""
        reader, writer = await open_partial(self.port, data)
        self.clients.append(writer)
        return reader


@asynccontextmanager
async def serving(
    implementation: Implementation, max_connections: int = 64, send: float = SEND
) -> AsyncIterator[Served]:
    limits = ConnectionLimits(
        head_seconds=HEAD, body_seconds=BODY, send_seconds=send, max_connections=max_connections
    )
    probe = Probe()
    stats = ConnectionStats()
    sock = listening_socket()
    # Inherited by every accepted socket: loopback would otherwise let the kernel take in
    # megabytes of an answer before uvicorn's write buffer holds any of it.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SERVER_SEND_BUFFER)
    config = uvicorn.Config(
        probe,
        http=guarded_protocol(limits, implementation, stats),
        timeout_keep_alive=KEEP_ALIVE,
        log_level="warning",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    clients: list[asyncio.StreamWriter] = []
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with httpx.AsyncClient(
            timeout=5, limits=httpx.Limits(max_keepalive_connections=0)
        ) as http:
            yield Served(sock.getsockname()[1], probe, http, stats, server, clients)
    finally:
        for writer in clients:  # uvicorn waits for them: a failed test must not hang
            writer.close()
        probe.release.set()  # a test that failed must not leave uvicorn waiting on /hold
        server.should_exit = True
        await task
        sock.close()


@IMPLEMENTATIONS
async def test_a_trickled_head_is_closed_at_its_deadline_while_others_are_answered(
    implementation: Implementation,
) -> None:
    async with serving(implementation) as served:
        slow = asyncio.create_task(
            trickle(served.port, b"P", PARTIAL_HEAD[1:] + b"X-Pad: aaaa\r\n")
        )
        await asyncio.sleep(0.3)
        response = await served.honest()
        assert response.status_code == 200
        assert not slow.done()  # answered while the slow one was still being held
        closed = await slow
    assert HEAD - EARLY <= closed.seconds <= HEAD + LATE
    assert closed.answer == b""
    assert served.probe.received == [["http.request"]]  # the slow one never reached the app
    assert served.stats == ConnectionStats(head_timeouts=1)


@IMPLEMENTATIONS
async def test_a_trickled_body_gets_408_and_the_app_sees_a_disconnect(
    implementation: Implementation,
) -> None:
    head = PARTIAL_HEAD + b"Content-Length: 200\r\n\r\n"
    async with serving(implementation) as served:
        closed = await trickle(served.port, head, b'{"a": 1}')
        await served.probe.until(lambda: served.probe.finished == 1)
    assert BODY - EARLY <= closed.seconds <= BODY + LATE
    assert closed.answer.startswith(b"HTTP/1.1 408 ")
    assert b"connection: close" in closed.answer
    [messages] = served.probe.received
    assert messages[-1] == "http.disconnect"
    assert set(messages[:-1]) == {"http.request"}
    assert served.probe.finished == 1  # it returned: no task left waiting for the rest
    assert served.stats == ConnectionStats(body_timeouts=1)


@IMPLEMENTATIONS
async def test_a_head_trickled_after_a_response_is_closed_at_the_head_deadline(
    implementation: Implementation,
) -> None:
    """uvicorn's keep-alive timer stops at the first byte; the head deadline does not."""
    request = b"GET /status HTTP/1.1\r\nHost: wipbot\r\n\r\n"
    async with serving(implementation) as served:
        closed = await trickle(served.port, request, PARTIAL_HEAD, every=0.1)
    assert closed.answer.startswith(b"HTTP/1.1 200 ")
    assert b"HTTP/1.1" not in closed.answer[10:]  # one answer: the second head never finished
    assert HEAD - EARLY <= closed.seconds <= HEAD + LATE
    assert served.stats == ConnectionStats(head_timeouts=1)


@IMPLEMENTATIONS
async def test_a_head_that_grows_past_the_limit_gets_431_long_before_its_deadline(
    implementation: Implementation,
) -> None:
    """Sent fast, an unfinished head would otherwise be kept whole until the head deadline."""
    async with serving(implementation) as served:
        reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
        started = time.monotonic()
        try:
            writer.write(PARTIAL_HEAD + b"X-Big: " + b"a" * (4 * MAX_HEAD_BYTES))
            await writer.drain()
        except ConnectionError:
            pass  # refused while still sending
        async with asyncio.timeout(HEAD):
            answer = await read_to_close(reader)
        writer.close()
        assert time.monotonic() - started < HEAD
        response = await served.honest()
    assert response.status_code == 200
    # h11 refuses such a head by itself (with its own 431 or 400); httptools only with the guard.
    assert answer.startswith((b"HTTP/1.1 431 ", b"HTTP/1.1 400 ")), answer[:80]
    if implementation == "httptools":
        assert answer.startswith(b"HTTP/1.1 431 ")
        assert served.stats == ConnectionStats(head_too_large=1)
    else:
        assert served.stats == ConnectionStats()  # h11's own answer, not the guard's
    assert served.probe.received == [["http.request"]]  # the big head never reached the app


@IMPLEMENTATIONS
async def test_heads_under_the_limit_and_bodies_sent_with_their_head_are_answered(
    implementation: Implementation,
) -> None:
    """Bytes read with the head that finish it belong to the body: never counted as head."""
    body = b"x" * (5 * MAX_HEAD_BYTES)
    h11_limit = 16 * 1024
    big_header = b"X-Pad: " + b"a" * (
        (h11_limit if implementation == "h11" else MAX_HEAD_BYTES) - 2048
    )
    async with serving(implementation) as served:
        for head_extra, content in ((big_header + b"\r\n", b"{}"), (b"", body)):
            reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
            writer.write(
                PARTIAL_HEAD
                + head_extra
                + f"Content-Length: {len(content)}\r\nConnection: close\r\n\r\n".encode()
                + content
            )
            await writer.drain()
            async with asyncio.timeout(HEAD + BODY):
                answer = await read_to_close(reader)
            writer.close()
            assert answer.startswith(b"HTTP/1.1 200 "), answer[:80]
        assert served.probe.finished == 2
        assert served.stats == ConnectionStats()


@IMPLEMENTATIONS
async def test_past_the_cap_the_longest_waiting_connections_make_room(
    implementation: Implementation,
) -> None:
    cap = 6
    async with serving(implementation, max_connections=cap) as served:
        slow = [await served.partial(PARTIAL_HEAD) for _ in range(cap + 3)]
        response = await served.honest()
        assert response.status_code == 200
        closed = await asyncio.gather(*(closed_by_server(reader, 0.3) for reader in slow))
        stats = replace(served.stats)
    # well before their head deadline: the 3 oldest for the 3 past the cap, the next for ours
    assert closed == [True] * 4 + [False] * (cap - 1)
    assert stats == ConnectionStats(evicted=4)


@IMPLEMENTATIONS
async def test_a_slow_body_gives_way_only_when_no_slow_head_can(
    implementation: Implementation,
) -> None:
    cap = 2
    async with serving(implementation, max_connections=cap) as served:
        body = await served.partial(PARTIAL_HEAD + b"Content-Length: 10\r\n\r\n{")
        await served.probe.until(lambda: len(served.probe.received) == 1)
        head = await served.partial(PARTIAL_HEAD)
        await served.partial(PARTIAL_HEAD)
        assert await closed_by_server(head, 0.3)  # younger than the body, but a head
        assert not await closed_by_server(body, 0.1)
        served.clients[-1].close()
        await asyncio.sleep(0.1)
        held = asyncio.create_task(served.honest("/hold"))  # a whole request: never evicted
        await served.probe.until(lambda: len(served.probe.received) == 2)
        await served.partial(PARTIAL_HEAD)
        answer = await asyncio.wait_for(read_to_close(body), 0.3)
        served.probe.release.set()
        assert (await held).status_code == 200
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert served.probe.received == [["http.request", "http.disconnect"], ["http.request"]]
    assert served.stats.evicted == 2  # the head, then the body (its 408 is not a timeout)
    assert (served.stats.body_timeouts, served.stats.refused) == (0, 0)


@IMPLEMENTATIONS
async def test_when_every_connection_has_a_request_in_hand_a_newcomer_gets_503(
    implementation: Implementation,
) -> None:
    cap = 3
    async with serving(implementation, max_connections=cap) as served:
        held = [asyncio.create_task(served.honest("/hold")) for _ in range(cap)]
        await served.probe.until(lambda: len(served.probe.received) == cap)
        reader = await served.partial(b"GET / HTTP/1.1\r\nHost: w\r\n\r\n")
        refused = await asyncio.wait_for(read_to_close(reader), 1.0)
        served.probe.release.set()
        answers = [(await task).status_code for task in held]
    assert refused.startswith(b"HTTP/1.1 503 ")
    assert b"retry-after: 1" in refused
    assert answers == [200] * cap  # the requests in hand were finished, not dropped
    assert served.stats == ConnectionStats(refused=1)


def test_the_cap_stays_under_the_open_file_limit() -> None:
    """In a child process: lowering this process's limit would starve the other tests."""
    script = (
        "import resource\n"
        "_, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (400, hard))\n"
        "from wipbot.bot.slow_clients import open_file_ceiling\n"
        "print(open_file_ceiling(512), open_file_ceiling(100))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=30
    )
    assert done.stdout.split() == [str(400 - FD_RESERVE), "100"]


def large(size: int, chunk: int, close: bool = False) -> bytes:
    """A request for /large; `close` asks the server to close once it has answered."""
    head = f"GET /large?size={size}&chunk={chunk} HTTP/1.1\r\nHost: wipbot\r\n"
    return (head + ("Connection: close\r\n" if close else "") + "\r\n").encode()


def watches(served: Served) -> list[Watch]:
    return [c.watch for c in served.server.server_state.connections if hasattr(c, "watch")]


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def server_log() -> Iterator[list[logging.LogRecord]]:
    """What uvicorn's error logger (the guard's) says meanwhile."""
    kept = Kept()
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(kept)
    try:
        yield kept.records
    finally:
        logger.removeHandler(kept)


@IMPLEMENTATIONS
@CHUNKS
async def test_an_answer_left_unread_is_aborted_at_the_send_deadline_while_others_are_answered(
    implementation: Implementation, chunk: int
) -> None:
    size = 1_000_000
    async with serving(implementation) as served:
        with server_log() as logged:
            sock = await request_reading_nothing(served.port, large(size, chunk))
            started = time.monotonic()
            try:
                response = await served.honest()
                assert response.status_code == 200
                assert served.stats.slow_readers == 0  # answered while the reader was held
                await eventually(lambda: served.stats.slow_readers == 1)
                seconds = time.monotonic() - started
                await served.probe.until(lambda: served.probe.finished == 2)
                answer = await asyncio.wait_for(read_slowly(sock, 65536, 0), 2)
            finally:
                sock.close()
        stats = replace(served.stats)
    assert SEND - EARLY <= seconds <= SEND * 1.25 + LATE
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert len(answer) < size  # cut off: what the kernels held, not the rest
    assert stats == ConnectionStats(slow_readers=1)  # not a head timeout as well
    [warning] = [r for r in logged if r.levelno >= logging.WARNING]
    assert "WIPBOT_RESPONSE_TIMEOUT_SECONDS" in warning.getMessage()
    assert warning.exc_info is None


@IMPLEMENTATIONS
@CHUNKS
async def test_a_slow_but_steady_reader_gets_the_whole_answer(
    implementation: Implementation, chunk: int
) -> None:
    """8 KiB every 0.1 s: the answer sits above the high-water mark for several send deadlines
    in all, yet the buffer keeps shrinking, so the clock keeps starting again."""
    size = 128 * 1024
    stuck = 0.0
    reading = True

    async def time_stuck(served: Served) -> None:
        nonlocal stuck
        while reading:
            await asyncio.sleep(0.02)
            stuck += 0.02 * any(w.write_paused for w in watches(served))

    async with serving(implementation) as served:
        sock = await request_reading_nothing(served.port, large(size, chunk, close=True))
        timing = asyncio.create_task(time_stuck(served))
        try:
            answer = await asyncio.wait_for(read_slowly(sock, 8192, 0.1), 4)
        finally:
            reading = False
            sock.close()
        await timing
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert answer.endswith(b"\r\n\r\n" + b"x" * size)
    assert stuck > 2 * SEND
    assert served.stats == ConnectionStats()
    assert served.probe.finished == 1


@IMPLEMENTATIONS
@CHUNKS
async def test_at_the_cap_an_unread_answer_gives_way_after_the_waiting_heads(
    implementation: Implementation, chunk: int
) -> None:
    """Even closing (the client asked for it), a connection with its answer stuck in the buffer
    holds a socket: it counts against the cap, and is aborted to make room."""
    cap = 3
    async with serving(implementation, max_connections=cap, send=10) as served:
        sock = await request_reading_nothing(served.port, large(1_000_000, chunk, close=True))
        try:
            await eventually(lambda: any(w.stalled_since is not None for w in watches(served)))
            held = [asyncio.create_task(served.honest("/hold"))]
            await served.probe.until(lambda: len(served.probe.received) == 2)
            head = await served.partial(PARTIAL_HEAD)
            held.append(asyncio.create_task(served.honest("/hold")))
            await served.probe.until(lambda: len(served.probe.received) == 3)
            assert await closed_by_server(head, 0.3)  # a waiting head went first
            assert served.stats == ConnectionStats(evicted=1)
            await served.partial(PARTIAL_HEAD)  # now only the unread answer waits on its client
            answer = await asyncio.wait_for(read_slowly(sock, 65536, 0), 1)
        finally:
            sock.close()
        served.probe.release.set()
        assert [(await task).status_code for task in held] == [200, 200]
    assert len(answer) < 1_000_000
    assert served.stats == ConnectionStats(evicted=2)  # aborted by the cap, not the deadline
    assert served.probe.finished == 3
