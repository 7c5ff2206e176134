"""A sending process for the SIGKILL test: optionally writes a fan-out, then runs the real
outbox sender against a fake platform over HTTP until it is killed."""

from __future__ import annotations

import argparse
import asyncio

import httpx

from wipbot.scheduler.config import RateLimit, SenderConfig
from wipbot.scheduler.sender import OutboxSender
from wipbot.store.db import make_engine, make_session_factory, transaction
from wipbot.store.outbox import Delivered, Outbound, PermanentFailure, RetryLater, enqueue

CONCURRENCY = 8
CLAIM_SECONDS = 2.0
"""Short, so that the next sender takes over a killed one's claimed messages within the test."""


class HttpTransport:
    """The network edge of the test: one POST per message to the fake platform."""

    platform = "telegram"

    def __init__(self, base_url: str) -> None:
        self.client = httpx.AsyncClient(base_url=base_url, timeout=10)

    async def deliver(self, message: Outbound) -> Delivered:
        response = await self.client.post(
            "/send", json={"chat_id": message.chat_id, "text": message.payload["text"]}
        )
        if response.status_code == 429:
            raise RetryLater("429", retry_after=float(response.headers["Retry-After"]))
        if response.status_code >= 500:
            raise RetryLater(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise PermanentFailure(f"HTTP {response.status_code}")
        return Delivered(str(response.json()["message_id"]))


async def main(database_url: str, server: str, fan_out: int, chats: int) -> None:
    engine = make_engine(database_url, pool_size=CONCURRENCY + 2)
    factory = make_session_factory(engine)
    if fan_out:
        async with transaction(factory) as session:
            for i in range(fan_out):
                payload = {"kind": "reply", "text": f"m{i}"}
                enqueue(session, "telegram", f"chat{i % chats}", payload, dedupe_key=f"fan:{i}")
    config = SenderConfig(
        concurrency=CONCURRENCY,
        poll_seconds=0.2,
        claim_seconds=CLAIM_SECONDS,
        platform_limits={"telegram": RateLimit(1000, 100)},
        chat_limits={"telegram": RateLimit(1000, 10)},
    )
    sender = OutboxSender(factory, {"telegram": HttpTransport(server)}, config=config)
    print("sending", flush=True)
    await sender.run_forever(asyncio.Event())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("server")
    parser.add_argument("--fan-out", type=int, default=0)
    parser.add_argument("--chats", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.database_url, args.server, args.fan_out, args.chats))
