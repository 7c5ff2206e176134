"""Deadlines for a request's head and body, and a cap on open connections, for `wipbot run`.

uvicorn 0.54 arms a timer on a connection only once a response has gone out (its keep-alive), and
cancels it at the first byte received: a client that sends its request head a byte every few
seconds, or declares a body and trickles it, kept its socket and its task for ever, and a few
thousand of them exhausted the file descriptors. Here each connection has one timer, for the
phase it is in:

- waiting for a request head, since the connection opened or the previous response went out:
  closed when `head_seconds` pass (uvicorn's own keep-alive still closes a silent one sooner);
- the head is in but not the whole declared body: answered 408 and closed when `body_seconds`
  pass, and the app's `receive` says the client is gone rather than waiting for ever;
- the request is in and the app is answering: no deadline for the app itself, but
- the answer must leave: while the transport's write buffer is above its high-water mark
  (asyncio's `pause_writing`), or holds what is left of a finished response, it must shrink at
  least once every `send_seconds`, or the connection is aborted. A client that sends a request
  and never reads the answer (its TCP window shut) otherwise kept the socket, the response
  buffered in memory and, for a streamed one, the app's task and its upstream download, for ever:
  a graceful close waits on that same buffer, so uvicorn's keep-alive and the head deadline
  could not end it either. Any progress restarts the clock (as nginx's `send_timeout`), so a
  slow but steady reader is never cut, whatever the size of the response.

A request head may also not grow past `MAX_HEAD_BYTES`: uvicorn's httptools parser keeps every
header byte it is sent, so within the head deadline one fast client could make the process hold
a hundred megabytes (108 MB for 79 MB of one header, measured) and a few hundred such clients
all of its memory. A head still unfinished past the limit is answered 431 and closed (h11 stops
at 16 KiB by itself; the platforms send a few).

And at most `max_connections` are open. A newcomer beyond that makes room by closing the
connection that has waited longest on its client: without delivering a request (a head first,
then a body), or else the one whose answer has been stuck longest in its write buffer (aborted:
its client was not reading). Only when every open connection has a whole request in the app's
hands and its answer moving is the newcomer refused, with a 503 that the platforms retry. A
connection closing with its answer still unsent counts against the cap until it is gone.
uvicorn's `limit_concurrency` is not used: it counts connections that never sent a head, so a few
slow clients would have had every honest request answered 503, and it closes nothing, so it bounds
no file descriptors.

Each way a connection is closed or refused here is counted (`ConnectionStats`, on /metrics as
`wipbot_connections_closed_total`), so that a campaign shows up before it exhausts anything.

The hook is a subclass of each of uvicorn's HTTP protocols, handed to it as `Config(http=...)`.
Both keep the request in flight as `cycle`; the phase is read from it after every event that can
move it on (bytes in, a response out), so nothing of the parsers is touched; the write buffer is
followed through the protocol's `pause_writing`/`resume_writing` and the transport's
`get_write_buffer_size()`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, cast
from typing import Protocol as Shape

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

DEFAULT_HEAD_SECONDS = 10.0
"""A platform sends its request head in one packet; ten seconds is a hundred round trips on a bad
link, and what a slowloris client can hold a connection for."""
DEFAULT_BODY_SECONDS = 30.0
"""Webhook bodies are a few kilobytes (media come by id, fetched by us), so 30 s lets one in at
about 100 bytes a second, a WhatsApp callback on a very bad link, while a trickle ends."""
DEFAULT_SEND_SECONDS = 30.0
"""A reader that takes in nothing of its answer for this long is gone or hostile: a phone on a
very bad link still acknowledges a TCP segment within a few seconds."""
SEND_CHECKS = 4
"""How often per `send_seconds` a stuck write buffer is looked at: a client is cut between one
and one and a quarter deadlines after it last read."""
CLOCK_SLACK = 0.001
"""asyncio runs a timer up to its clock's resolution early: a check due at the deadline is it."""
DEFAULT_KEEP_ALIVE_SECONDS = 5
"""uvicorn's own default: an idle connection after a response, silent all along, is closed."""
DEFAULT_MAX_CONNECTIONS = 512
"""Eight times the 64 requests in flight the webhook bench drives, and above what the platforms
open (Telegram at most 100 webhook connections, 40 by default); far below the open-file limit."""
MAX_HEAD_BYTES = 64 * 1024
"""The most a request head may take before it is refused: four times h11's own limit."""
FD_RESERVE = 128
"""Descriptors kept for everything but inbound connections: the database pool, the clients to the
platforms, the listening socket, log and SQLite files."""

REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 26\r\nconnection: close\r\n\r\nrequest body took too long"
)
HEAD_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 23\r\nconnection: close\r\n\r\nrequest head too large"
)
SERVICE_UNAVAILABLE = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 20\r\nretry-after: 1\r\nconnection: close\r\n\r\ntoo many connections"
)

Phase = Literal["head", "body", "app"]

log = logging.getLogger("uvicorn.error")


@dataclass(frozen=True)
class ConnectionLimits:
    head_seconds: float = DEFAULT_HEAD_SECONDS
    body_seconds: float = DEFAULT_BODY_SECONDS
    send_seconds: float = DEFAULT_SEND_SECONDS
    max_connections: int = DEFAULT_MAX_CONNECTIONS


@dataclass
class ConnectionStats:
    """What /metrics shows of the connections closed or refused here, by reason; one per
    process, shared by every connection."""

    head_timeouts: int = 0
    """No whole request head within `head_seconds`: closed without an answer."""
    body_timeouts: int = 0
    """The declared body not all in within `body_seconds`: answered 408 and closed."""
    evicted: int = 0
    """Closed at the cap to make room for a newcomer (a body in progress answered 408)."""
    refused: int = 0
    """Newcomers answered 503 at the cap: every open connection had a request in the app."""
    head_too_large: int = 0
    """Heads still unfinished past `MAX_HEAD_BYTES`: answered 431 and closed."""
    slow_readers: int = 0
    """Answers whose write buffer did not shrink within `send_seconds`: aborted."""


def open_file_ceiling(wanted: int) -> int:
    """`wanted` connections, or fewer if this process may not open that many files (with the
    reserve kept): past the limit, accept() fails and asyncio stops accepting for a second."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Unix
        return wanted
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - FD_RESERVE))


class _Cycle(Shape):
    """What both uvicorn protocols keep of the request in flight, and all that is read of it."""

    response_started: bool
    response_complete: bool
    more_body: bool
    disconnected: bool
    message_event: asyncio.Event


class Watch:
    """One connection's deadlines: the phase it is in, since when, and the timer that ends it;
    and, apart from the phase, whether its answer is leaving (`stalled_since`, `send_timer`)."""

    def __init__(
        self,
        transport: asyncio.Transport,
        loop: asyncio.AbstractEventLoop,
        limits: ConnectionLimits,
        stats: ConnectionStats,
    ) -> None:
        self.transport = transport
        self.limits = limits
        self.stats = stats
        self.loop = loop
        self.phase: Phase = "app"
        self.cycle: _Cycle | None = None
        self.since = self.loop.time()
        self.timer: asyncio.TimerHandle | None = None
        self.head_bytes = 0
        self.write_paused = False
        self.stalled_since: float | None = None
        """Since when the write buffer has not shrunk, while it is watched; None otherwise."""
        self.unsent = 0
        """The write buffer's size when it last shrank (or the watch began)."""
        self.send_timer: asyncio.TimerHandle | None = None

    def follow(self, cycle: _Cycle | None) -> None:
        """After anything that may have moved the connection on: start the new phase's clock."""
        phase: Phase
        if cycle is None or cycle.response_complete:
            phase = "head"
        elif cycle.more_body:
            phase = "body"
        else:
            phase = "app"
        if phase == self.phase and cycle is self.cycle:
            return
        self.cancel()
        self.phase, self.cycle, self.since = phase, cycle, self.loop.time()
        self.head_bytes = 0
        if self.unread:
            self.watch_send()  # a finished answer still to leave: a graceful close would wait
        if self.transport.is_closing():
            return
        if phase == "head" and self.stalled_since is None:
            # The next head is awaited once the previous answer has left (`send_done`).
            self.timer = self.loop.call_later(self.limits.head_seconds, self.time_out)
        elif phase == "body":
            self.timer = self.loop.call_later(self.limits.body_seconds, self.time_out)

    def time_out(self) -> None:
        """The phase's deadline passed."""
        if self.phase == "head":
            self.stats.head_timeouts += 1
        else:
            self.stats.body_timeouts += 1
        self.expire()

    def evict(self) -> None:
        """Closed at the cap, for a newcomer."""
        self.stats.evicted += 1
        self.expire()

    def expire(self) -> None:
        """The phase ran out (or the connection is evicted): a body is owed a 408, a head not;
        an answer stuck unsent is dropped, since a close would wait for it to leave."""
        self.cancel()
        cycle = self.cycle
        if self.phase == "body" and cycle is not None:
            if not cycle.response_started:
                self.transport.write(REQUEST_TIMEOUT)
            cycle.disconnected = True  # what connection_lost would say, said before it runs
            cycle.message_event.set()
        if self.unread:
            self.forget()
            self.transport.abort()
        else:
            self.transport.close()

    def received(self, size: int) -> None:
        """Bytes read while the head is still unfinished all belong to it: past the limit, 431."""
        if self.phase != "head" or self.transport.is_closing():
            return
        self.head_bytes += size
        if self.head_bytes > MAX_HEAD_BYTES:
            self.stats.head_too_large += 1
            self.close_with(HEAD_TOO_LARGE)

    def close_with(self, response: bytes) -> None:
        """Answer before any request reached the app, and close."""
        self.cancel()
        self.transport.write(response)
        self.transport.close()

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def paused(self) -> None:
        """The write buffer went above its high-water mark: from now on it must keep shrinking."""
        self.write_paused = True
        self.watch_send(restart=True)

    def resumed(self) -> None:
        """It fell below the low-water mark: the client read, so the clock starts again."""
        self.write_paused = False
        self.watch_send(restart=True)
        self.check_send()  # an empty buffer ends the watch now, not a check later

    def watch_send(self, restart: bool = False) -> None:
        """Start watching the write buffer, or (`restart`) count from now and its size now."""
        if self.stalled_since is None or restart:
            self.stalled_since = self.loop.time()
            self.unsent = self.transport.get_write_buffer_size()
        if self.send_timer is None:
            self.send_timer = self.loop.call_later(
                self.limits.send_seconds / SEND_CHECKS, self.check_send
            )

    def check_send(self) -> None:
        """Has the buffer shrunk since it was last looked at? If not for `send_seconds`, abort.
        Watched while writes are paused (the app waits on the client), or while what is left of
        a finished answer leaves (no write adds to it then, so shrinking is the client reading)."""
        if self.stalled_since is None:
            return
        unsent = self.transport.get_write_buffer_size()
        if not self.write_paused and (unsent == 0 or self.writing):
            self.send_done()
            return
        now = self.loop.time()
        if unsent < self.unsent:
            self.stalled_since, self.unsent = now, unsent
        remaining = self.stalled_since + self.limits.send_seconds - now
        if remaining <= CLOCK_SLACK:
            self.stats.slow_readers += 1
            log.warning(
                "Aborted a connection whose client read none of its answer for %.1f s, %d bytes "
                "unsent (WIPBOT_RESPONSE_TIMEOUT_SECONDS).",
                now - self.stalled_since,
                unsent,
            )
            self.cancel()
            self.forget()
            self.transport.abort()
            return
        if self.send_timer is not None:
            self.send_timer.cancel()
        step = self.limits.send_seconds / SEND_CHECKS
        self.send_timer = self.loop.call_later(min(step, remaining), self.check_send)

    def send_done(self) -> None:
        """The answer has left (or the app is writing again): the next head may be awaited."""
        self.forget()
        if self.phase == "head" and self.timer is None and not self.transport.is_closing():
            self.since = self.loop.time()
            self.timer = self.loop.call_later(self.limits.head_seconds, self.time_out)

    def forget(self) -> None:
        """Stop watching the write buffer."""
        self.stalled_since = None
        if self.send_timer is not None:
            self.send_timer.cancel()
            self.send_timer = None

    @property
    def writing(self) -> bool:
        """The app may still add to the answer: a buffer that grows or stays is not stuck."""
        return self.phase == "app" and not self.transport.is_closing()

    @property
    def unread(self) -> bool:
        """Its answer waits on the client: writes paused, or what is left of an answer that no
        more will be added to still in the buffer. Only an abort ends such a connection."""
        if self.write_paused:
            return True
        return not self.writing and self.transport.get_write_buffer_size() > 0

    @property
    def gone(self) -> bool:
        """Closing with nothing left to send: its slot is as good as free."""
        return self.transport.is_closing() and not self.unread

    @property
    def waiting(self) -> bool:
        """Waiting on its client, for a whole request or to read its answer: may be closed to
        let a newcomer in."""
        return not self.gone and (self.phase != "app" or self.unread)

    @property
    def rank(self) -> tuple[int, float]:
        """Which waiting connection gives way first: a head, then a body, then an answer stuck
        in its buffer; each the one that has waited longest."""
        if self.unread:
            return (2, self.since if self.stalled_since is None else self.stalled_since)
        return (0 if self.phase == "head" else 1, self.since)


def _make_room(newcomer: Watch, connections: Collection[object]) -> None:
    """Keep at most `max_connections` open: close the one that has waited longest on its client
    (`Watch.rank`), or refuse the newcomer if none waits."""
    cap = newcomer.limits.max_connections
    if len(connections) <= cap:
        return
    watches = [w for c in connections if (w := _watch_of(c)) is not None and w is not newcomer]
    if sum(not w.gone for w in watches) < cap:
        return
    waiting = [w for w in watches if w.waiting]
    if not waiting:
        log.warning("Refused a connection: all %d are busy (WIPBOT_MAX_CONNECTIONS).", cap)
        newcomer.stats.refused += 1
        newcomer.close_with(SERVICE_UNAVAILABLE)
        return
    min(waiting, key=lambda w: w.rank).evict()


def _watch_of(connection: object) -> Watch | None:
    watch = getattr(connection, "watch", None)
    return watch if isinstance(watch, Watch) else None


class _Guarded:
    """The deadlines and the cap, for either of uvicorn's HTTP protocols: listed first among the
    bases, so that each method runs around the protocol's own."""

    limits: ClassVar[ConnectionLimits] = ConnectionLimits()
    stats: ClassVar[ConnectionStats] = ConnectionStats()
    watch: Watch
    # The protocol's own, typed there.
    cycle: Any
    loop: asyncio.AbstractEventLoop
    connections: Any

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self.watch = Watch(cast(asyncio.Transport, transport), self.loop, self.limits, self.stats)
        self.watch.follow(self.cycle)
        _make_room(self.watch, self.connections)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)  # type: ignore[misc]
        self.watch.follow(self.cycle)
        self.watch.received(len(data))

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        self.watch.follow(self.cycle)

    def pause_writing(self) -> None:
        super().pause_writing()  # type: ignore[misc]
        self.watch.paused()

    def resume_writing(self) -> None:
        super().resume_writing()  # type: ignore[misc]
        self.watch.resumed()

    def connection_lost(self, exc: Exception | None) -> None:
        self.watch.cancel()
        self.watch.forget()
        super().connection_lost(exc)  # type: ignore[misc]


class GuardedH11Protocol(_Guarded, H11Protocol):
    """uvicorn's h11 protocol with a deadline per phase and a share of `max_connections`."""


class GuardedHttpToolsProtocol(_Guarded, HttpToolsProtocol):
    """The same over httptools: uvicorn's "auto" choice, and wipbot's."""


Implementation = Literal["auto", "h11", "httptools"]


def guarded_protocol(
    limits: ConnectionLimits,
    implementation: Implementation = "auto",
    stats: ConnectionStats | None = None,
) -> type[asyncio.Protocol]:
    """The class for `uvicorn.Config(http=...)` with these limits, counting into `stats` (its
    own if not given): httptools for "auto", as uvicorn chooses when it is installed (a
    dependency of wipbot), or the one named."""
    base: type[asyncio.Protocol] = (
        GuardedH11Protocol if implementation == "h11" else GuardedHttpToolsProtocol
    )
    own = {"limits": limits, "stats": stats if stats is not None else ConnectionStats()}
    guarded: type[asyncio.Protocol] = type(base.__name__, (base,), own)
    return guarded
