"""UTF-16 saved without its byte-order mark, told from its first bytes.

Such a file is valid UTF-8 as well when its text is ASCII (a NUL beside every letter), so read as
UTF-8 every cell "contained a NUL character" and the file was refused for that. A file with the
mark is read by Python's own "utf-16" codec.
"""

from __future__ import annotations

UTF16_SNIFF = 4096
"""Bytes looked at: a header row or two."""


def bomless_utf16(head: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" when at least half the characters of `head` are ASCII with
    their NUL byte all on one side; None otherwise (UTF-8 text has no NUL at all)."""
    if len(head) < 4 or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = len(head) // 4
    if odd > half and even == 0:
        return "utf-16-le"
    if even > half and odd == 0:
        return "utf-16-be"
    return None
