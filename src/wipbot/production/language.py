"""Which language a contact writes in, and the script clean-up every text parser needs first.

Parsers match on two aligned strings: the *prepared* text (Unicode-normalised, ASCII digits,
single spaces) and its *folded* twin (lower case, Latin diacritics removed), which has exactly
the same length so that a span found in one is the same span in the other.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

SUPPORTED: tuple[str, ...] = ("en", "zh-Hans", "vi", "bn", "tr")
DEFAULT_LANGUAGE = "en"

# Traditional Chinese (zh-Hant, zh-TW, zh-HK) also lands on zh-Hans: a Traditional reader
# understands Simplified far better than English. Three-letter codes appear in some phone locales.
_BY_PRIMARY_SUBTAG: dict[str, str] = {
    "en": "en",
    "eng": "en",
    "zh": "zh-Hans",
    "zho": "zh-Hans",
    "chi": "zh-Hans",
    "cmn": "zh-Hans",
    "vi": "vi",
    "vie": "vi",
    "bn": "bn",
    "ben": "bn",
    "tr": "tr",
    "tur": "tr",
}

# Characters in the letter classes of the folded text: ASCII letters and digits, the Latin
# letters fold leaves alone, and the Bengali block (whose vowel signs are not \w to `re`).
WORD_CHARS = "0-9a-z\u00c0-\u024f\u0980-\u09ff"
_WORD_CHAR = re.compile(f"[{WORD_CHARS}]")

_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")
_FOLD_SPECIAL = {"ı": "i", "đ": "d", "ø": "o", "ł": "l"}


def normalize_language(code: str | None) -> str:
    """Map a BCP 47-ish code ("zh_CN", "bn-BD", "pt-BR") to a shipped language, else English."""
    if not code or not code.strip():
        return DEFAULT_LANGUAGE
    primary = code.strip().replace("_", "-").split("-")[0].lower()
    return _BY_PRIMARY_SUBTAG.get(primary, DEFAULT_LANGUAGE)


def to_ascii_digits(text: str) -> str:
    """Bengali, full-width, Arabic-Indic and other decimal digits become 0-9; all else is kept."""
    return "".join(_ascii_digit(char) for char in text)


def _ascii_digit(char: str) -> str:
    if char.isascii() or not char.isdecimal():
        return char
    return str(unicodedata.decimal(char))


COUNT_CEILING = 10**18
"""Larger than any count of pieces or days: what a longer run of digits is read as."""


def whole_number(digits: str) -> int:
    """A run of ASCII digits as a number, read as `COUNT_CEILING` past it: the range checks
    after it refuse it like any other absurd count, and a 5,000-digit "quantity" never reaches
    int(), which refuses strings of more than 4,300 digits with a ValueError."""
    significant = digits.lstrip("0") or "0"
    if len(significant) > len(str(COUNT_CEILING)):
        return COUNT_CEILING
    return min(int(significant), COUNT_CEILING)


def prepare_text(text: str) -> str:
    """NFKC (full-width letters, composed Vietnamese), no invisible marks, ASCII digits, one space.

    Idempotent, so spans found in `prepare_text(prepare_text(x))` are spans of `prepare_text(x)`.
    """
    cleaned = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))
    return " ".join(to_ascii_digits(cleaned).split())


def fold(text: str) -> str:
    """Lower case without Latin diacritics, one character for one character ("Yarın" -> "yarin")."""
    return "".join(_fold_char(char) for char in text)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    lower = char.lower()[0]  # "İ".lower() is "i" plus a combining dot
    lower = _FOLD_SPECIAL.get(lower, lower)
    if "\u00c0" <= lower <= "\u024f" or "\u1e00" <= lower <= "\u1eff":
        return unicodedata.normalize("NFD", lower)[0]
    return lower


def lower_keep_marks(text: str) -> str:
    """Lower case that keeps diacritics and, like `fold`, one character for one character."""
    return "".join(char.lower()[0] for char in text)


def is_word_char(char: str) -> bool:
    return bool(_WORD_CHAR.fullmatch(char))


def phrase_pattern(phrase: str) -> str:
    """A regex for a phrase over folded text: a space matches a run of spaces; hyphens optional."""
    parts = []
    for char in fold(prepare_text(phrase)):
        if char == " ":
            parts.append(r"\s+")
        elif char == "-":
            parts.append(r"[\s-]?")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


def phrase_alternation(
    phrases: Iterable[str], *, left_boundary: bool = False, right_boundary: bool = False
) -> str:
    """One group matching any of the phrases, longest first so "cumartesi" beats "cuma".

    A boundary is only put at an edge that is a letter or digit: Chinese has no word spaces.
    """
    folded = sorted({fold(prepare_text(p)) for p in phrases}, key=lambda p: (-len(p), p))
    alternatives = []
    for phrase in folded:
        pattern = phrase_pattern(phrase)
        if left_boundary and is_word_char(phrase[0]):
            pattern = f"(?<![{WORD_CHARS}]){pattern}"
        if right_boundary and is_word_char(phrase[-1]):
            pattern = f"{pattern}(?![{WORD_CHARS}])"
        alternatives.append(pattern)
    return "(?:" + "|".join(alternatives) + ")"
