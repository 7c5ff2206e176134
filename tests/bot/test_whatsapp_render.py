"""Rendering a neutral Reply within WhatsApp's limits, losing nothing."""

from __future__ import annotations

import pytest

from tests.fakes.graph_api import refusal
from wipbot.bot.whatsapp.render import (
    MAX_INTERACTIVE_BODY,
    MorePage,
    head_and_tail,
    more_id,
    parse_more,
    render_reply,
    shorten,
    split_text,
)
from wipbot.handlers.messages import Button, Reply

SHORT = "Cutting"
LONG = "Sample re-approval from the brand's technical team"


def options(count: int, label: str = SHORT) -> tuple[Button, ...]:
    return tuple(Button(f"{label} {n}", f"v:{n}") for n in range(count))


def rendered_options(body: dict) -> list[dict[str, str]]:  # type: ignore[type-arg]
    interactive = body["interactive"]
    if interactive["type"] == "button":
        return [b["reply"] for b in interactive["action"]["buttons"]]
    return [r for s in interactive["action"]["sections"] for r in s["rows"]]


def all_pages(reply: Reply, language: str | None = "en") -> list[list[dict[str, str]]]:
    """Follow the "More…" rows from the first page to the last."""
    pages = []
    offset = 0
    while True:
        *_, body = render_reply(reply, to="1", language=language, message_id=41, offset=offset)
        assert refusal(body) is None
        page = rendered_options(body)
        pages.append(page)
        more = [parse_more(o["id"]) for o in page if parse_more(o["id"])]
        if not more:
            return pages
        assert more[0] is not None and more[0].message_id == 41
        offset = more[0].offset


@pytest.mark.parametrize(
    ("count", "label", "kind", "pages"),
    [
        (1, SHORT, "button", 1),
        (3, SHORT, "button", 1),
        (3, LONG, "list", 1),
        (4, SHORT, "list", 1),
        (6, SHORT, "list", 1),
        (10, SHORT, "list", 1),
        (11, SHORT, "list", 2),
        (19, LONG, "list", 2),
        (20, SHORT, "list", 3),
        (30, SHORT, "list", 4),
    ],
)
def test_choices_render_within_the_limits_and_lose_nothing(
    count: int, label: str, kind: str, pages: int
) -> None:
    reply = Reply("Which stage has it reached?", options(count, label))
    (body,) = render_reply(reply, to="8801711000001", language="en", message_id=41)
    assert body["interactive"]["type"] == kind
    walked = all_pages(reply)
    assert len(walked) == pages
    values = [o["id"] for page in walked for o in page if not o["id"].startswith("wa-more:")]
    assert values == [b.value for b in reply.buttons]


def test_a_shortened_row_keeps_its_whole_label_in_the_description() -> None:
    reply = Reply("Any issues?", (Button(LONG, "i:sample"), Button("None", "i:none")))
    (body,) = render_reply(reply, to="1", language="en", message_id=1)
    row = rendered_options(body)[0]
    assert len(row["title"]) <= 24 and row["title"].endswith("…")
    assert row["description"] == LONG


def test_selected_options_are_marked() -> None:
    reply = Reply("Issues", (Button("Fabric late", "i:f", selected=True), Button("Done", "i:d")))
    (body,) = render_reply(reply, to="1", language="en", message_id=1)
    assert [o["title"] for o in rendered_options(body)] == ["✓ Fabric late", "Done"]


def test_button_titles_that_would_collide_go_to_a_list() -> None:
    reply = Reply("Which?", (Button(LONG + " A", "a"), Button(LONG + " B", "b")))
    (body,) = render_reply(reply, to="1", language="en", message_id=1)
    assert body["interactive"]["type"] == "list"


@pytest.mark.parametrize(
    ("language", "button", "more"),
    [("en", "Choose", "More…"), ("tr", "Seçin", "Daha fazla…"), ("bn", "বেছে নিন", "আরও…")],
)
def test_list_chrome_speaks_the_contacts_language(language: str, button: str, more: str) -> None:
    (body,) = render_reply(Reply("?", options(12)), to="1", language=language, message_id=7)
    action = body["interactive"]["action"]
    assert action["button"] == button
    assert action["sections"][0]["rows"][-1]["title"] == more


def test_plain_text_is_one_text_message() -> None:
    (body,) = render_reply(
        Reply("Saved: PO-3001-A. Thank you!"), to="90532", language="en", message_id=1
    )
    assert body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "90532",
        "type": "text",
        "text": {"body": "Saved: PO-3001-A. Thank you!", "preview_url": False},
    }


def test_a_body_too_long_for_buttons_goes_first_as_text() -> None:
    lines = [f"line {n}: " + "x" * 60 for n in range(40)]
    text = "\n".join([*lines, "Confirm?"])
    bodies = render_reply(Reply(text, options(2)), to="1", language="en", message_id=1)
    assert [b["type"] for b in bodies] == ["text", "interactive"]
    assert all(refusal(b) is None for b in bodies)
    interactive = bodies[-1]["interactive"]["body"]["text"]
    assert len(interactive) <= MAX_INTERACTIVE_BODY and interactive.endswith("Confirm?")
    assert bodies[0]["text"]["body"] + "\n" + interactive == text


def test_a_later_page_does_not_repeat_the_long_text() -> None:
    text = "\n".join(["x" * 100] * 20 + ["Which line?"])
    bodies = render_reply(Reply(text, options(25)), to="1", language="en", message_id=1, offset=9)
    assert [b["type"] for b in bodies] == ["interactive"]


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Sewing", 20, "Sewing"),
        ("Sample re-approval from the brand", 20, "Sample re-approval…"),
        ("Überstundenzuschlagsberechnung", 12, "Überstunden…"),
        ("  spaced   out  ", 20, "spaced out"),
        ("PO-1042-1 · Polo Navy", 12, "PO-1042-1…"),
    ],
)
def test_shorten(text: str, limit: int, expected: str) -> None:
    assert shorten(text, limit) == expected
    assert len(shorten(text, limit)) <= limit


@pytest.mark.parametrize(
    ("text", "limit", "chunks"),
    [
        ("short", 10, ["short"]),
        ("aaaa\nbbbb\ncccc", 9, ["aaaa\nbbbb", "cccc"]),
        ("x" * 25, 10, ["x" * 10, "x" * 10, "x" * 5]),
        ("", 10, []),
    ],
)
def test_split_text(text: str, limit: int, chunks: list[str]) -> None:
    assert split_text(text, limit) == chunks


@pytest.mark.parametrize(
    ("text", "limit", "head", "tail"),
    [
        ("short", 10, "", "short"),
        ("aaaa\nbbbb\ncc", 8, "aaaa", "bbbb\ncc"),
        ("a\n" + "y" * 12, 10, "a\nyy", "y" * 10),
    ],
)
def test_head_and_tail(text: str, limit: int, head: str, tail: str) -> None:
    assert head_and_tail(text, limit) == (head, tail)


@pytest.mark.parametrize(
    ("choice", "page"),
    [
        (more_id(41, 9), MorePage(41, 9)),
        ("wa-more:7:18", MorePage(7, 18)),
        ("wa-more:x:18", None),
        ("wa-more:7", None),
        ("m:sewing", None),
        (None, None),
    ],
)
def test_parse_more(choice: str | None, page: MorePage | None) -> None:
    assert parse_more(choice) == page
