"""Translations and locale formatting for factory chats.

Catalogs are the gettext `.po` files under `wipbot/locale/<lang>/LC_MESSAGES/wipbot.po`
(`zh_Hans` for zh-Hans), English being the source. They are read with Babel and compiled in
memory on first use, so no compiled `.mo` file is ever committed or can drift from its `.po`.
Messages use `str.format` placeholders (`{po}`); a test checks they match in every language.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache
from gettext import GNUTranslations, NullTranslations
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from wipbot.production.language import DEFAULT_LANGUAGE, SUPPORTED, normalize_language

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "wipbot"
LANGUAGES: tuple[str, ...] = SUPPORTED


def catalog_language(tag: str | None) -> str | None:
    """The shipped language (BCP 47, as production.language spells it) for a tag, else None.

    None means "we ship nothing for it", so that the next candidate (say Telegram's language
    code after an empty record) gets its chance before English.
    """
    if not tag or not tag.strip():
        return None
    language = normalize_language(tag)
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    if language == DEFAULT_LANGUAGE and primary not in ("en", "eng"):
        return None
    return language


def resolve_language(*candidates: str | None) -> str:
    """The first candidate we have a catalog for (record, then platform hint, ...), else English."""
    for candidate in candidates:
        language = catalog_language(candidate)
        if language is not None:
            return language
    return DEFAULT_LANGUAGE


def catalog_dir(language: str) -> str:
    """gettext directory names use underscores: zh-Hans lives in zh_Hans/."""
    return language.replace("-", "_")


def po_path(language: str) -> Path:
    return LOCALE_DIR / catalog_dir(language) / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _translations(language: str) -> NullTranslations:
    path = po_path(language)
    if not path.is_file():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=catalog_dir(language), domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return GNUTranslations(buffer)


def translator(language: str | None) -> Callable[[str], str]:
    """`_` for one language; untranslated messages fall back to the English source text."""
    return _translations(resolve_language(language)).gettext


def babel_locale(language: str | None) -> Locale:
    return Locale.parse(catalog_dir(resolve_language(language)))


def format_date(d: date, language: str | None) -> str:
    """Day and month the way the locale writes them: "Dec 15", "12月15日", "15 thg 12"."""
    return format_skeleton("MMMd", d, locale=babel_locale(language))


def format_number(n: int | float, language: str | None) -> str:
    return format_decimal(n, locale=babel_locale(language))
