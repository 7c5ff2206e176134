"""A Slack Web API stand-in that prints: `wipbot demo` shows Slack without a workspace.

It answers the calls SlackTransport makes the way Slack does (a channel and a `ts`), and prints
each message as it reads in Slack. Past the first few new posts of a channel it prints one line
each, so a busy alerts channel does not drown the story; updates and thread replies, which are
the point of showing, are always printed in full.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from wipbot.bot.slack.blocks import clip
from wipbot.bot.slack.text import message_to_text


class ConsoleSlack:
    def __init__(
        self,
        write: Callable[[str], None],
        *,
        names: Mapping[str, str] | None = None,
        full_posts_per_channel: int = 2,
    ) -> None:
        self._write = write
        self._names = dict(names or {})
        self._full_posts = full_posts_per_channel
        self._posts: Counter[str] = Counter()
        self._ts = itertools.count(1)
        self._homes_shown = 0
        self.calls: list[str] = []

    async def chat_postMessage(
        self,
        *,
        channel: str,
        text: str = "",
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        ts = f"1764000000.{next(self._ts):06d}"
        self.calls.append("chat.postMessage")
        if thread_ts:
            self._show(f"#{channel} · reply in the thread", text, blocks)
        else:
            self._posts[channel] += 1
            if self._posts[channel] <= self._full_posts:
                self._show(f"#{channel} · new message", text, blocks)
            else:
                self._write(f"#{channel} · new message: {clip(text, 80)}")
        return {"ok": True, "channel": channel, "ts": ts}

    async def chat_update(
        self,
        *,
        channel: str,
        ts: str,
        text: str = "",
        blocks: list[dict[str, Any]] | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        self.calls.append("chat.update")
        self._show(f"#{channel} · message updated in place", text, blocks)
        return {"ok": True, "channel": channel, "ts": ts}

    async def views_publish(self, *, user_id: str, view: Any, **_: Any) -> dict[str, Any]:
        self.calls.append("views.publish")
        who = self._names.get(user_id, user_id)
        self._homes_shown += 1
        if self._homes_shown == 1:
            self._show(f"App Home of @{who} · refreshed", "", view.get("blocks"))
        else:
            self._write(f"App Home of @{who} · refreshed")
        return {"ok": True, "view": view}

    def _show(self, title: str, text: str, blocks: list[dict[str, Any]] | None) -> None:
        self._write(title)
        body = {"text": text, "blocks": blocks or []}
        self._write(message_to_text(body, names=self._names))
