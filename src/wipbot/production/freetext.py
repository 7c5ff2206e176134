"""Check-in shortcuts typed instead of tapping buttons: "PO-1042 sewing 800 fabric late 5 days".

The text is read in this order, each part removed before the next is looked for, so that one
number never means two things: the PO reference, date phrases (the revised ex-factory date),
delays ("5 days", "+5"), issue phrases, milestone words, and last the quantity (the first bare
number left). The first date phrase is the revised date. A delay belongs to the issue it sits
in ("kumaş 5 gün gecikti") or stands next to; when no issue is named at all, the first delay
is reported as an `other` issue ("PO-1042 +5").

Keywords of the contact's language and of English are both understood. Latin-script keywords
match without diacritics ("vai tre" for "vải trễ") but not with different ones: "máy"
(machine) is not "may" (sew). Turkish and Bengali keywords take case endings ("dikimde").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Generic, Literal, Protocol, TypeVar

from wipbot.production.dates import date_cue_spans, find_dates_in_folded
from wipbot.production.language import (
    WORD_CHARS,
    fold,
    is_word_char,
    lower_keep_marks,
    normalize_language,
    phrase_alternation,
    phrase_pattern,
    prepare_text,
    whole_number,
)
from wipbot.production.milestones import IssueFlag, Milestone
from wipbot.production.progress import ReportedIssue

Reason = Literal["empty", "no_po", "many_po", "bad_date", "no_content"]


@dataclass(frozen=True)
class DraftCheckin:
    """What a shortcut said, to be confirmed by the contact before it becomes a check-in.

    `unparsed` is the part of the text nothing was read from, so the bot can say so.
    """

    po_ref: str
    milestone: Milestone | None
    quantity: int | None
    issues: tuple[ReportedIssue, ...]
    revised_exf: date | None
    unparsed: str = ""
    not_started: bool = False
    """The text says production has not started (materials not in); `milestone` is then None."""


@dataclass(frozen=True)
class TextNotUnderstood:
    """Why nothing usable was read: empty, no_po, many_po, bad_date (e.g. 31/02), no_content."""

    reason: Reason


EXAMPLES: dict[str, str] = {
    "en": "PO-1042 sewing 800 fabric late 5 days",
    "zh-Hans": "PO-1042 车缝 800件 面料延迟5天",
    "vi": "PO-1042 may 800 vải trễ 5 ngày",
    "bn": "PO-1042 সেলাই ৮০০ কাপড় ৫ দিন দেরি",
    "tr": "PO-1042 dikim 800 kumaş 5 gün gecikti",
}


def parse_checkin_text(text: str, language: str, today: date) -> DraftCheckin | TextNotUnderstood:
    language = normalize_language(language)
    prepared = prepare_text(text)
    if not prepared:
        return TextNotUnderstood("empty")
    reading = _Reading(prepared)

    po_refs = set()
    for match in _PO_REF.finditer(reading.text()):
        po_refs.add("PO-" + prepared[match.start("ref") : match.end("ref")].upper())
        reading.take(*match.span())
    if not po_refs:
        return TextNotUnderstood("no_po")
    if len(po_refs) > 1:
        return TextNotUnderstood("many_po")

    dates = find_dates_in_folded(reading.text(), language, today)
    if any(found.value is None for found in dates):
        return TextNotUnderstood("bad_date")
    for found in dates:
        reading.take(found.start, found.end)
    revised_exf = dates[0].value if dates else None

    delays = _find_delays(reading.text())
    issues = _read_issues(reading, delays, language)

    not_started_spans = _non_overlapping(_find_keywords(reading, _not_started_keywords(language)))
    for span in not_started_spans:
        reading.take(span.start, span.end)

    milestone_spans = _non_overlapping(_find_keywords(reading, _milestone_keywords(language)))
    milestone = max((span.meaning for span in milestone_spans), default=None, key=lambda m: m.index)
    for span in milestone_spans:
        reading.take(span.start, span.end)

    not_started = bool(not_started_spans) and milestone is None
    quantity = None if not_started else _read_quantity(reading, delays, milestone_spans, milestone)

    if (
        milestone is None
        and quantity is None
        and not issues
        and revised_exf is None
        and not not_started
    ):
        return TextNotUnderstood("no_content")
    return DraftCheckin(
        po_ref=po_refs.pop(),
        milestone=milestone,
        quantity=quantity,
        issues=issues,
        revised_exf=revised_exf,
        unparsed=_unparsed(reading, language),
        not_started=not_started,
    )


def says_not_started(text: str, language: str) -> bool:
    """True when the whole answer is a "not started yet" phrase, typed at the stage question."""
    language = normalize_language(language)
    reading = _Reading(prepare_text(text))
    for span in _find_keywords(reading, _not_started_keywords(language)):
        reading.take(span.start, span.end)
    return any(reading.taken) and not _unparsed(reading, language)


class _Reading:
    """The prepared text with the parts already understood taken out (as spaces when matching)."""

    def __init__(self, prepared: str) -> None:
        self.prepared = prepared
        self.folded = fold(prepared)
        self.taken = [False] * len(prepared)

    def text(self, also_blank: Sequence[tuple[int, int]] = ()) -> str:
        chars = [
            " " if taken else char for char, taken in zip(self.folded, self.taken, strict=True)
        ]
        for start, end in also_blank:
            chars[start:end] = " " * (end - start)
        return "".join(chars)

    def take(self, start: int, end: int) -> None:
        self.taken[start:end] = [True] * (end - start)


# "PO-1042", "po 1042", "PO#1042-A", "P.O. 1042", "订单1042", "đơn hàng 1042", "#1042".
_REF = r"[a-z]{0,4}\d+[a-z]?(?:-[a-z0-9]{1,6})*"
_PO_REF = re.compile(
    rf"(?:(?:(?<![{WORD_CHARS}])(?:p\s*[./]?\s*o\.?|siparis|don(?:\s+hang)?|পিও)|订单号?|单号)"
    rf"\s*(?:no\.?|number)?\s*[-:#]?\s*|(?<![{WORD_CHARS}#])#\s*(?=\d))"
    rf"(?P<ref>{_REF})(?![{WORD_CHARS}])"
)


@dataclass(frozen=True)
class _Delay:
    start: int
    end: int
    days: int


_DELAY_UNIT_DAYS = {
    "d": 1, "day": 1, "days": 1, "ngay": 1, "gun": 1, "天": 1, "日": 1, "দিন": 1,
    "w": 7, "wk": 7, "wks": 7, "week": 7, "weeks": 7, "tuan": 7, "hafta": 7, "周": 7,
    "星期": 7, "সপ্তাহ": 7,
}  # fmt: skip
_DELAY_WITH_UNIT = re.compile(
    r"(?<![0-9a-z.,/])(?:\+\s*)?(?P<n>\d{1,3})(?:\s*[-~–]\s*(?P<upto>\d{1,3}))?\s*"
    r"(?P<unit>days?|d|weeks?|wks?|w|ngay|tuan|gun|hafta|天|日|周|星期|দিন|সপ্তাহ)(?![a-z])"
)
_DELAY_PLUS = re.compile(r"(?<![0-9a-z])\+\s*(?P<n>\d{1,3})(?![0-9a-z./])")


def _find_delays(text: str) -> list[_Delay]:
    found = []
    for match in _DELAY_WITH_UNIT.finditer(text):
        days = max(int(match["n"]), int(match["upto"] or 0))
        found.append(_Delay(*match.span(), days * _DELAY_UNIT_DAYS[match["unit"]]))
    found += [_Delay(*m.span(), int(m["n"])) for m in _DELAY_PLUS.finditer(text)]
    return _non_overlapping(found)


Meaning = TypeVar("Meaning", IssueFlag, Milestone)


@dataclass(frozen=True)
class _Keyword(Generic[Meaning]):
    meaning: Meaning
    spelling: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class _Found(Generic[Meaning]):
    start: int
    end: int
    meaning: Meaning


def _read_issues(
    reading: _Reading, delays: list[_Delay], language: str
) -> tuple[ReportedIssue, ...]:
    delay_spans = [(d.start, d.end) for d in delays]
    found = _non_overlapping(_find_keywords(reading, _issue_keywords(language), blank=delay_spans))
    binding = _bind_delays(found, delays, reading.text())
    issues: dict[IssueFlag, int | None] = {}
    for index, issue in enumerate(found):
        reading.take(issue.start, issue.end)
        delay = delays[binding[index]] if index in binding else None
        if delay is not None:
            reading.take(delay.start, delay.end)
        if issues.get(issue.meaning) is None:
            issues[issue.meaning] = delay.days if delay else None
    if not found and delays:
        reading.take(delays[0].start, delays[0].end)
        issues[IssueFlag.OTHER] = delays[0].days
    return tuple(ReportedIssue(flag, delay_days=days) for flag, days in issues.items())


# What may stand between an issue and its delay: "fabric late: 5 days", "面料延迟了5天".
_BINDING_GAP = re.compile(
    r"[\s,:;()=-]*(?:(?:by|for|about|around|approx|khoang|yaklasik|约|了|প্রায়)[\s,:;()=-]*)?"
)


def _bind_delays(
    issues: Sequence[_Found[IssueFlag]], delays: Sequence[_Delay], text: str
) -> dict[int, int]:
    """Issue index -> delay index: a delay inside the issue, else right after it, else before it."""
    binding: dict[int, int] = {}

    def inside(issue: _Found[IssueFlag], delay: _Delay) -> bool:
        return issue.start <= delay.start and delay.end <= issue.end

    def after(issue: _Found[IssueFlag], delay: _Delay) -> bool:
        return delay.start >= issue.end and bool(
            _BINDING_GAP.fullmatch(text[issue.end : delay.start])
        )

    def before(issue: _Found[IssueFlag], delay: _Delay) -> bool:
        return delay.end <= issue.start and bool(
            _BINDING_GAP.fullmatch(text[delay.end : issue.start])
        )

    for fits in (inside, after, before):
        for i, issue in enumerate(issues):
            if i in binding:
                continue
            for d, delay in enumerate(delays):
                if d not in binding.values() and fits(issue, delay):
                    binding[i] = d
                    break
    return binding


_QUANTITY = re.compile(
    r"(?<![0-9a-z+\-/.,#])(?P<n>\d{1,3}(?:[,.]\d{3})+|\d+)(?![.,]\d)"
    r"(?:\s*(?:pieces|piece|pcs|pc|units|unit|件|个|条|套|chiec|cai|san pham|sp|adet|parca"
    r"|পিস|টি|টা))?"
    rf"(?![{WORD_CHARS}])"
)


def _read_quantity(
    reading: _Reading,
    delays: Sequence[_Delay],
    milestone_spans: Sequence[_Found[Milestone]],
    milestone: Milestone | None,
) -> int | None:
    """The first bare number; when several stages are named, the first after the chosen one."""
    text = reading.text(also_blank=[(d.start, d.end) for d in delays])
    matches = list(_QUANTITY.finditer(text))
    if not matches:
        return None
    chosen = matches[0]
    if len({span.meaning for span in milestone_spans}) > 1:
        stage_end = next(s.end for s in milestone_spans if s.meaning == milestone)
        chosen = next((m for m in matches if m.start() >= stage_end), chosen)
    reading.take(*chosen.span())
    return whole_number(re.sub(r"[,.]", "", chosen["n"]))


_FILLERS: dict[str, tuple[str, ...]] = {
    "en": ("and", "also", "done", "completed", "complete", "but", "with", "pcs"),
    "zh-Hans": ("和", "及", "完成", "已", "了", "还有"),
    "vi": ("và", "xong", "đã", "rồi", "còn"),
    "bn": ("এবং", "ও", "শেষ", "হয়েছে"),
    "tr": ("ve", "bitti", "tamam", "tamamlandı"),
}


def _unparsed(reading: _Reading, language: str) -> str:
    text = reading.text()
    spans = list(date_cue_spans(text, language))
    spans += [m.span() for m in _filler_pattern(language).finditer(text)]
    for start, end in spans:
        reading.take(start, end)
    kept = "".join(
        " " if taken else c for c, taken in zip(reading.prepared, reading.taken, strict=True)
    )
    words = [w for w in kept.split() if not all(_is_punctuation(c) for c in w)]
    return " ".join(words)


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


@cache
def _filler_pattern(language: str) -> re.Pattern[str]:
    words = _FILLERS["en"] + (_FILLERS[language] if language != "en" else ())
    return re.compile(phrase_alternation(words, left_boundary=True, right_boundary=True))


def _find_keywords(
    reading: _Reading,
    keywords: Sequence[_Keyword[Meaning]],
    blank: Sequence[tuple[int, int]] = (),
) -> list[_Found[Meaning]]:
    text = reading.text(also_blank=blank)
    found = []
    for keyword in keywords:
        for match in keyword.pattern.finditer(text):
            typed = lower_keep_marks(
                "".join(reading.prepared[i] for i in range(*match.span("kw")) if text[i] != " ")
            )
            if _diacritics_agree(typed, keyword.spelling):
                found.append(_Found(match.start(), match.end(), keyword.meaning))
    return found


def _diacritics_agree(typed: str, spelling: str) -> bool:
    """Leaving diacritics out is fine; typing other ones makes another word ("máy" vs "may")."""
    typed_letters = [c for c in typed if c not in " -"]
    spelled_letters = [c for c in spelling if c not in " -"]
    return all(t == s or fold(t) == t for t, s in zip(typed_letters, spelled_letters, strict=False))


class _Span(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


Spanned = TypeVar("Spanned", bound=_Span)


def _non_overlapping(spans: Sequence[Spanned]) -> list[Spanned]:
    """Longest first, then leftmost: "fabric late" beats "late", "验货不合格" beats "验货"."""
    chosen: list[Spanned] = []
    for span in sorted(spans, key=lambda s: (s.start - s.end, s.start)):
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def _bounded(word: str, language: str) -> str:
    """A keyword pattern with its match in group "kw"; tr and bn keywords take case endings."""
    folded = fold(prepare_text(word))
    pattern = f"(?P<kw>{phrase_pattern(word)})"
    if is_word_char(folded[0]):
        pattern = f"(?<![{WORD_CHARS}])" + pattern
    if language == "tr" and folded[-1].isascii():
        pattern += r"[a-z]*(?:'[a-z]+)?"
    elif language == "bn" and "\u0980" <= folded[-1] <= "\u09ff":
        pattern += "[\u0980-\u09ff]*"
    if is_word_char(folded[-1]):
        pattern += f"(?![{WORD_CHARS}])"
    return pattern


def _compile(
    tables: Mapping[str, Mapping[Meaning, tuple[str, ...]]], language: str
) -> tuple[_Keyword[Meaning], ...]:
    keywords = []
    for lang in dict.fromkeys(("en", language)):
        for meaning, words in tables[lang].items():
            for word in words:
                spelling = lower_keep_marks(prepare_text(word))
                pattern = re.compile(_bounded(word, lang))
                keywords.append(_Keyword(meaning, spelling, pattern))
    return tuple(keywords)


@cache
def _issue_keywords(language: str) -> tuple[_Keyword[IssueFlag], ...]:
    return _compile(_ISSUE_WORDS, language)


@cache
def _not_started_keywords(language: str) -> tuple[_Keyword[Milestone], ...]:
    return _compile(_NOT_STARTED_WORDS, language)


@cache
def _milestone_keywords(language: str) -> tuple[_Keyword[Milestone], ...]:
    return _compile(_MILESTONE_WORDS, language)


def _late(*subjects: str) -> tuple[str, ...]:
    return tuple(f"{s} {late}" for s in subjects for late in ("late", "delay", "delayed"))


_MILESTONE_WORDS: dict[str, dict[Milestone, tuple[str, ...]]] = {
    "en": {
        Milestone.MATERIALS_IN: (
            "materials in", "material in", "fabric in", "trims in", "fabric arrived",
            "fabric received", "materials arrived", "materials received",
        ),
        Milestone.CUTTING: ("cutting", "cut"),
        Milestone.SEWING: ("sewing", "sew", "sewn", "stitching", "stitched"),
        Milestone.FINISHING: ("finishing", "packing", "packed", "ironing", "pressing"),
        Milestone.INSPECTION: ("inspection", "final inspection", "inspected", "qc", "final"),
        Milestone.SHIPPED: ("shipped", "shipment", "loaded", "dispatched"),
    },
    "zh-Hans": {
        Milestone.MATERIALS_IN: (
            "面料到", "面料已到", "面料到齐", "物料到齐", "物料到", "物料已到",
        ),
        Milestone.CUTTING: ("裁剪", "裁床", "开裁"),
        Milestone.SEWING: ("车缝", "缝制"),
        Milestone.FINISHING: ("后整", "整烫", "包装"),
        Milestone.INSPECTION: ("验货", "检验", "尾查"),
        Milestone.SHIPPED: ("出货", "已出货", "走货"),
    },
    "vi": {
        Milestone.MATERIALS_IN: (
            "vải về", "vải đã về", "nguyên liệu về", "nguyên phụ liệu về", "phụ liệu về",
        ),
        Milestone.CUTTING: ("cắt",),
        Milestone.SEWING: ("may",),
        Milestone.FINISHING: ("hoàn thiện", "đóng gói"),
        Milestone.INSPECTION: ("kiểm hàng", "kiểm tra hàng"),
        Milestone.SHIPPED: ("đã xuất hàng", "xuất hàng", "giao hàng", "đã giao hàng", "đã giao"),
    },
    "bn": {
        Milestone.MATERIALS_IN: ("কাপড় এসেছে", "ফেব্রিক এসেছে", "ম্যাটেরিয়াল এসেছে"),
        Milestone.CUTTING: ("কাটিং",),
        Milestone.SEWING: ("সেলাই", "সুইং"),
        Milestone.FINISHING: ("ফিনিশিং", "প্যাকিং"),
        Milestone.INSPECTION: ("পরিদর্শন", "ইন্সপেকশন", "কিউসি"),
        Milestone.SHIPPED: ("শিপড", "শিপমেন্ট", "পাঠানো হয়েছে", "শিপ হয়েছে"),
    },
    "tr": {
        Milestone.MATERIALS_IN: ("kumaş geldi", "kumaş girdi", "malzeme geldi"),
        Milestone.CUTTING: ("kesim",),
        Milestone.SEWING: ("dikim",),
        Milestone.FINISHING: ("ütü-paket", "son işlem", "paketleme", "ütü"),
        Milestone.INSPECTION: ("kontrol", "kalite kontrol", "final kontrol"),
        Milestone.SHIPPED: ("sevk edildi", "sevk", "yüklendi"),
    },
}  # fmt: skip

# "Not started yet": the order has not reached its first milestone, materials in.
_NOT_STARTED_WORDS: dict[str, dict[Milestone, tuple[str, ...]]] = {
    "en": {
        Milestone.MATERIALS_IN: (
            "not started", "not started yet", "not yet started", "no start yet",
            "not begun", "not yet begun",
        ),
    },
    "zh-Hans": {
        Milestone.MATERIALS_IN: ("未开始", "还没开始", "没开始", "尚未开始", "未开工", "还没开工"),
    },
    "vi": {Milestone.MATERIALS_IN: ("chưa bắt đầu", "chưa làm", "chưa sản xuất", "chưa chạy")},
    "bn": {
        Milestone.MATERIALS_IN: ("শুরু হয়নি", "এখনো শুরু হয়নি", "এখনও শুরু হয়নি", "শুরু হয় নি"),
    },
    "tr": {Milestone.MATERIALS_IN: ("başlamadı", "henüz başlamadı", "başlanmadı", "başlamadık")},
}  # fmt: skip

_ISSUE_WORDS: dict[str, dict[IssueFlag, tuple[str, ...]]] = {
    "en": {
        IssueFlag.FABRIC_LATE: (*_late("fabric"), "fabric not in", "fabric not arrived"),
        IssueFlag.TRIMS_LATE: _late("trims", "trim", "accessories", "accessory"),
        IssueFlag.SAMPLE_REAPPROVAL: (
            "sample re-approval", "re-approval", "resample", "re-sample", "sample rejected",
        ),
        IssueFlag.QC_REJECTION: (
            "qc reject", "qc rejected", "qc rejection", "qc fail", "qc failed", "failed qc",
            "failed inspection", "inspection failed", "final failed", "failed final",
        ),
        IssueFlag.SHIPPING_DELAY: _late("shipping", "shipment", "vessel", "booking"),
        IssueFlag.CAPACITY: ("capacity", "no capacity", "line full", "lines full", "overbooked"),
        IssueFlag.OTHER: ("late", "delay", "delayed"),
    },
    "zh-Hans": {
        IssueFlag.FABRIC_LATE: ("面料延迟", "面料晚到", "面料未到", "面料延误"),
        IssueFlag.TRIMS_LATE: ("辅料延迟", "辅料晚到", "辅料未到", "辅料延误"),
        IssueFlag.SAMPLE_REAPPROVAL: ("重新批样", "重批样", "样品重批", "重新打样"),
        IssueFlag.QC_REJECTION: (
            "验货不合格", "qc退货", "qc 退货", "验货没过", "验货失败", "查货不合格",
        ),
        IssueFlag.SHIPPING_DELAY: ("船期延误", "订舱延误", "船期延迟", "船期推迟"),
        IssueFlag.CAPACITY: ("产能不足", "产能", "产线满", "排不上"),
        IssueFlag.OTHER: ("延迟", "延误", "推迟", "晚了"),
    },
    "vi": {
        IssueFlag.FABRIC_LATE: ("vải trễ", "vải chậm", "vải về trễ", "vải về chậm", "vải chưa về"),
        IssueFlag.TRIMS_LATE: (
            "phụ liệu trễ", "phụ liệu chậm", "phụ liệu về trễ", "phụ liệu chưa về",
        ),
        IssueFlag.SAMPLE_REAPPROVAL: ("duyệt lại mẫu", "làm lại mẫu", "mẫu duyệt lại"),
        IssueFlag.QC_REJECTION: ("qc không đạt", "kiểm hàng không đạt", "rớt qc", "qc rớt"),
        IssueFlag.SHIPPING_DELAY: (
            "trễ tàu", "tàu trễ", "chậm tàu", "giao hàng trễ", "giao hàng chậm",
        ),
        IssueFlag.CAPACITY: ("quá tải", "thiếu chuyền", "chuyền đầy", "không đủ chuyền"),
        IssueFlag.OTHER: ("trễ", "chậm"),
    },
    "bn": {
        IssueFlag.FABRIC_LATE: ("কাপড় দেরি", "কাপড় দেরী", "ফেব্রিক দেরি", "কাপড় আসেনি"),
        IssueFlag.TRIMS_LATE: ("ট্রিমস দেরি", "ট্রিম দেরি", "এক্সেসরিজ দেরি", "এক্সেসরিস দেরি"),
        IssueFlag.SAMPLE_REAPPROVAL: (
            "নমুনা পুনঃঅনুমোদন", "স্যাম্পল পুনঃঅনুমোদন", "নমুনা আবার অনুমোদন", "রিস্যাম্পল",
        ),
        IssueFlag.QC_REJECTION: ("কিউসি বাতিল", "কিউসি ফেল", "ইন্সপেকশন ফেল", "পরিদর্শনে বাতিল"),
        IssueFlag.SHIPPING_DELAY: ("শিপিং দেরি", "শিপমেন্ট দেরি", "জাহাজ দেরি"),
        IssueFlag.CAPACITY: ("ক্যাপাসিটি", "লাইন ফুল", "লাইন খালি নেই"),
        IssueFlag.OTHER: ("দেরি", "দেরী"),
    },
    "tr": {
        IssueFlag.FABRIC_LATE: ("kumaş gecik", "kumaş gelmedi"),
        IssueFlag.TRIMS_LATE: ("aksesuar gecik", "aksesuar gelmedi"),
        IssueFlag.SAMPLE_REAPPROVAL: ("numune onay", "numune tekrar onay", "yeniden numune"),
        IssueFlag.QC_REJECTION: ("kalite red", "kalite ret", "kontrolden kal", "final red"),
        IssueFlag.SHIPPING_DELAY: ("sevkiyat gecik", "gemi gecik"),
        IssueFlag.CAPACITY: ("kapasite", "hat dolu", "bant dolu"),
        IssueFlag.OTHER: ("gecik",),
    },
}  # fmt: skip
