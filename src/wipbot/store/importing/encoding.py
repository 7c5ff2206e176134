"""A CSV file's text: UTF-8 when it is, otherwise the encoding it was saved in, told reliably.

Excel on a Chinese, Vietnamese or Turkish Windows saves CSV in the local code page (GB18030,
cp1258, cp1254...). Reading such a file as cp1252 stores mojibake without a word. Short texts
decode cleanly in several code pages, though ("宁波针织厂" in GB18030 reads as Korean-and-Chinese
in cp949), so among the candidates charset-normalizer finds, the one whose words each keep to
one script wins; a file for which none does is refused, naming its first non-UTF-8 line.
UTF-16 is read with or without its byte-order mark.
"""

from __future__ import annotations

import re
import unicodedata

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


def decode_csv(raw: bytes, name: str) -> str:
    utf16 = _utf16_without_bom(raw)
    if utf16 is not None:
        return utf16
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    texts = [(m.encoding, str(m)) for m in from_bytes(raw) if m.chaos <= MAX_CHAOS]
    plausible = [
        (encoding, text)
        for encoding, text in texts
        if "\ufffd" not in text and _implausible_words(text) == 0
    ]
    if plausible:
        return min(plausible, key=_preference)[1]
    raise ImportFailed(
        [
            RowError(
                name,
                _first_non_utf8_line(raw),
                "file",
                "not UTF-8, and its encoding cannot be told for certain; "
                "save it as 'CSV UTF-8' and import it again",
            )
        ]
    )


def _utf16_without_bom(raw: bytes) -> str | None:
    encoding = bomless_utf16(raw[:UTF16_SNIFF])
    if encoding is None or len(raw) % 2:
        return None
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


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


def _first_non_utf8_line(raw: bytes) -> int:
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return number
    return 1
