"""A CSV file's text: UTF-8 when it is, otherwise the encoding it was saved in, told reliably.

Excel on a Chinese, Vietnamese or Turkish Windows saves CSV in the local code page (GB18030,
cp1258, cp1254...). Reading such a file as cp1252 stores mojibake without a word. Short texts
decode cleanly in several code pages, though ("宁波针织厂" in GB18030 reads as Korean-and-Chinese
in cp949), so among the candidates charset-normalizer finds, the one whose words each keep to
one script wins; a file for which none does is refused, naming its first non-UTF-8 line.
UTF-16 is read with or without its byte-order mark.

The file is never decoded whole: its encoding is told from a sample, and the file is then read in
it a line at a time, as a UTF-8 file is (`store.importing.sheet`).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path
from typing import BinaryIO

from charset_normalizer import from_bytes

from .errors import ImportFailed, RowError
from .utf16 import UTF16_SNIFF, bomless_utf16

MAX_CHAOS = 0.2
"""charset-normalizer's measure of how garbled the decoded text looks (0 clean, 1 noise)."""
WORD = re.compile(r"\w+")
SAME_SCRIPT = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "CJK": "CJK", "HANGUL": "HANGUL"}
ODD_CATEGORIES = {"Co", "Cn", "Cs", "Cc"}
COMMON_CODE_PAGES = ("cp1252", "cp932", "gb18030", "big5", "cp949", "cp1258", "cp1254", "cp1250")
"""What Excel saves CSV in on the Windows of the brands' and factories' countries, most common
first: where single-byte pages read the same bytes as different plausible letters ("Sài" in
cp1252, "Sŕi" in cp1250), the more common page is the better guess."""


SAMPLE_BYTES = 64 * 1024
"""The encoding is told from the file's first 64 KiB and up to as much again of its later lines that
are not ASCII (the lines that tell code pages apart). A file that fits is told from all of it; a
longer one is read in the encoding so told, a line at a time, and each line is checked as the
whole file used to be (`LineCheck`), so memory does not grow with the file."""
BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
"""Byte-order marks, the longer first (UTF-32's little-endian mark begins with UTF-16's)."""
SEPARATORS = str.maketrans(',;\t"', "    ")
"""CSV's own separators, read as spaces: a token is then a word or a few, not a whole row."""
PLAUSIBLE_CACHE = 4096
"""Characters and whitespace-separated tokens a `LineCheck` remembers as plausible (then it
starts again)."""


def detect_encoding(path: Path, name: str) -> str:
    """The codec a CSV file not in UTF-8 was saved in; refused when it cannot be told."""
    with path.open("rb") as raw:
        head = raw.read(UTF16_SNIFF)
        for mark, encoding in BOMS:
            if head.startswith(mark):
                return encoding
        utf16 = bomless_utf16(head)
        if utf16 is not None:
            return utf16
        raw.seek(0)
        sample = _sample(raw)
    texts = [(m.encoding, str(m)) for m in from_bytes(sample) if m.chaos <= MAX_CHAOS]
    plausible = [
        (encoding, text)
        for encoding, text in texts
        if "\ufffd" not in text and _implausible_words(text) == 0
    ]
    if plausible:
        return min(plausible, key=_preference)[0]
    raise ImportFailed(
        [
            RowError(
                name,
                _first_non_utf8_line(path),
                "file",
                "not UTF-8, and its encoding cannot be told for certain; "
                "save it as 'CSV UTF-8' and import it again",
            )
        ]
    )


def _sample(raw: BinaryIO) -> bytes:
    """The first SAMPLE_BYTES to the end of their line, then later lines with a byte outside
    ASCII until as many again (a code page's bytes for "\\n" are "\\n" alone)."""
    parts = [raw.read(SAMPLE_BYTES), raw.readline(SAMPLE_BYTES)]
    size = 0
    while size < SAMPLE_BYTES and (line := raw.readline(SAMPLE_BYTES)):
        if not line.isascii():
            parts.append(line)
            size += len(line)
    return b"".join(parts)


class LineCheck:
    """A line of a file read in its detected encoding that is not that encoding (its bytes
    decode to U+FFFD) or that reads as mojibake in it: the reason it is refused, else None."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._plausible: set[str] = set()

    def __call__(self, line: str) -> str | None:
        if line.isascii():
            return None
        reason = (
            f"not UTF-8, and this line is not {self.encoding} as the lines before it are; "
            "save the file as 'CSV UTF-8' and import it again"
        )
        if "\ufffd" in line:
            return reason
        if len(self._plausible) > PLAUSIBLE_CACHE:
            self._plausible.clear()
        unseen = set(line)
        unseen -= self._plausible
        if any(not ch.isascii() and unicodedata.category(ch) in ODD_CATEGORIES for ch in unseen):
            return reason
        self._plausible |= unseen
        tokens = {token for token in line.translate(SEPARATORS).split() if not token.isascii()}
        tokens -= self._plausible  # a long file repeats its names: each is looked at once
        for token in tokens:
            if any(_implausible(word) for word in WORD.findall(token) if not word.isascii()):
                return reason
        self._plausible |= tokens
        return None


def _preference(candidate: tuple[str, str]) -> int:
    encoding = candidate[0]
    if encoding in COMMON_CODE_PAGES:
        return COMMON_CODE_PAGES.index(encoding)
    return len(COMMON_CODE_PAGES)


def _implausible_words(text: str) -> int:
    """Words mixing scripts no one mixes in a word, or holding unassigned or control code
    points: what a wrong code page makes of a name."""
    odd = sum(
        1 for ch in set(text) if ch not in "\r\n\t" and unicodedata.category(ch) in ODD_CATEGORIES
    )
    words = {word for word in WORD.findall(text) if not word.isascii()}
    return odd + sum(1 for word in words if _implausible(word))


def _implausible(word: str) -> bool:
    """Mixed scripts ("濾廉낍"), or a Latin word made mostly of accented letters ("ÄžØÕė")."""
    scripts = _scripts(word)
    if len(scripts) > 1:
        return True
    letters = [ch for ch in word if ch.isalpha()]
    accented = sum(1 for ch in letters if not ch.isascii())
    return scripts == {"LATIN"} and len(letters) >= 2 and accented * 2 > len(letters)


def _scripts(word: str) -> set[str]:
    scripts = set()
    for ch in word:
        if ch.isdigit() or ch == "_":
            continue
        first = unicodedata.name(ch, "UNKNOWN").split(" ")[0]
        scripts.add(SAME_SCRIPT.get(first, first))
    return scripts


def _first_non_utf8_line(path: Path) -> int:
    """Read a piece at a time, so that a file without line breaks is not read whole."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    number = 1
    with path.open("rb") as raw:
        while piece := raw.readline(SAMPLE_BYTES):
            try:
                decoder.decode(piece, final=piece.endswith(b"\n"))
            except UnicodeDecodeError:
                return number
            if piece.endswith(b"\n"):
                number += 1
                decoder.reset()
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return number
    return 1
