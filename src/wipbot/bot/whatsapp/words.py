"""The few words of WhatsApp's own chrome: the list-opening button and the "more" row.

They belong to this adapter's idiom (Telegram has no list button), so they live here rather than
in the conversation's catalogs. Keys are the shipped languages of handlers.i18n.
"""

from __future__ import annotations

from wipbot.handlers.i18n import resolve_language

_WORDS: dict[str, dict[str, str]] = {
    "en": {"choose": "Choose", "more": "More…", "range": "{first}–{last} of {total}"},
    "zh-Hans": {"choose": "选择", "more": "更多…", "range": "第 {first}–{last} 项，共 {total} 项"},
    "vi": {"choose": "Chọn", "more": "Thêm…", "range": "{first}–{last} / {total}"},
    "bn": {"choose": "বেছে নিন", "more": "আরও…", "range": "{total}টির মধ্যে {first}–{last}"},
    "tr": {"choose": "Seçin", "more": "Daha fazla…", "range": "{first}–{last} / {total}"},
}


def word(key: str, language: str | None) -> str:
    return _WORDS.get(resolve_language(language), _WORDS["en"])[key]
