"""Text from outside kept within the column it is written to.

PostgreSQL refuses a value longer than its VARCHAR column, a NUL character, and (as the driver
cannot encode it) a lone UTF-16 surrogate; SQLite keeps all three. What a person typed as an
identifier is refused at the edge with a message naming the limit; what a platform or a failure
hands us to record (an error's text, a file path in the audit log) is made to fit here, since
refusing it would fail the work it records.
"""

from __future__ import annotations

import re
from typing import Any, Literal

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
"""NUL and unpaired UTF-16 surrogates: neither the database drivers nor the platforms take them."""
ELLIPSIS = "…"


def storable(text: str) -> str:
    """The text with NUL and lone surrogates replaced by U+FFFD, as a reader would see them."""
    return UNSTORABLE.sub("\ufffd", text)


def fitted(text: str, width: int, *, keep: Literal["start", "end"] = "start") -> str:
    """`storable(text)` within `width` characters: the start kept (an error says most first)
    or the end (a file path says most last), an ellipsis marking what was left out."""
    text = storable(text)
    if len(text) <= width:
        return text
    if keep == "end":
        return ELLIPSIS + text[len(text) - width + 1 :]
    return text[: width - 1] + ELLIPSIS


def width_of(column: Any) -> int:
    """The width of a model's text column (e.g. `OutboxMessage.last_error`), named once there."""
    width = column.property.columns[0].type.length
    assert isinstance(width, int), f"{column} has no width"
    return width


def kept_id(value: str | None, width: int) -> str | None:
    """A platform's id if it can be stored whole, else None: an id cut short would match
    nothing, and one the column cannot take would fail the row it is written with."""
    if value is None or len(value) > width or UNSTORABLE.search(value):
        return None
    return value
