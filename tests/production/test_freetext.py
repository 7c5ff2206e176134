from __future__ import annotations

from datetime import date

import pytest

from wipbot.production.freetext import (
    EXAMPLES,
    DraftCheckin,
    Reason,
    TextNotUnderstood,
    parse_checkin_text,
    says_not_started,
)
from wipbot.production.language import (
    SUPPORTED,
    fold,
    normalize_language,
    prepare_text,
    to_ascii_digits,
)
from wipbot.production.milestones import IssueFlag, Milestone
from wipbot.production.progress import ReportedIssue

WEDNESDAY = date(2026, 11, 18)
M = Milestone
F = IssueFlag


def parse(text: str, language: str) -> DraftCheckin:
    result = parse_checkin_text(text, language, WEDNESDAY)
    assert isinstance(result, DraftCheckin), result
    return result


def issues(*pairs: tuple[IssueFlag, int | None]) -> tuple[ReportedIssue, ...]:
    return tuple(ReportedIssue(flag, delay_days=days) for flag, days in pairs)


@pytest.mark.parametrize(
    ("language", "text", "milestone", "quantity", "reported", "revised"),
    [
        # English
        ("en", "PO-1042 sewing 800 fabric late 5 days", M.SEWING, 800, [(F.FABRIC_LATE, 5)], None),
        ("en", "po 1042 sew 800 pcs", M.SEWING, 800, [], None),
        ("en", "PO1042 stitching 1,200", M.SEWING, 1200, [], None),
        ("en", "PO-1042 cut 1000", M.CUTTING, 1000, [], None),
        ("en", "PO-1042 fabric in", M.MATERIALS_IN, None, [], None),
        (
            "en",
            "PO-1042 materials in, trims late +3",
            M.MATERIALS_IN,
            None,
            [(F.TRIMS_LATE, 3)],
            None,
        ),
        ("en", "PO-1042 packing 600 capacity +2", M.FINISHING, 600, [(F.CAPACITY, 2)], None),
        ("en", "PO-1042 finishing 600 line full", M.FINISHING, 600, [(F.CAPACITY, None)], None),
        (
            "en",
            "PO-1042 QC 1000 failed inspection",
            M.INSPECTION,
            1000,
            [(F.QC_REJECTION, None)],
            None,
        ),
        ("en", "#1042 final qc reject 2 days", M.INSPECTION, None, [(F.QC_REJECTION, 2)], None),
        ("en", "PO-1042 shipped", M.SHIPPED, None, [], None),
        ("en", "PO-1042 loaded 3000", M.SHIPPED, 3000, [], None),
        ("en", "PO-1042 vessel delay 4d", None, None, [(F.SHIPPING_DELAY, 4)], None),
        ("en", "PO-1042 resample", None, None, [(F.SAMPLE_REAPPROVAL, None)], None),
        ("en", "PO-1042 sample re-approval 1 week", None, None, [(F.SAMPLE_REAPPROVAL, 7)], None),
        ("en", "PO-1042 accessories late", None, None, [(F.TRIMS_LATE, None)], None),
        ("en", "PO-1042 fabric 5 days late", None, None, [(F.FABRIC_LATE, 5)], None),
        ("en", "PO-1042 fabric late 5-7 days", None, None, [(F.FABRIC_LATE, 7)], None),
        ("en", "PO-1042 delay 3 days", None, None, [(F.OTHER, 3)], None),
        ("en", "PO-1042 +5", None, None, [(F.OTHER, 5)], None),
        ("en", "PO-1042 sewing 800 new date 15/12", M.SEWING, 800, [], date(2026, 12, 15)),
        ("en", "PO 1042 sewing 800 ex-factory Dec 15", M.SEWING, 800, [], date(2026, 12, 15)),
        ("en", "PO-1042 sewing 800 next Friday", M.SEWING, 800, [], date(2026, 11, 27)),
        ("en", "PO-1042 sewing 800 in 5 days", M.SEWING, 800, [], date(2026, 11, 23)),
        (
            "en",
            "PO-1042 fabric late in 5 days",
            None,
            None,
            [(F.FABRIC_LATE, None)],
            date(2026, 11, 23),
        ),
        (
            "en",
            "PO-1042 sewing 800 fabric late 5 days trims late 2 days",
            M.SEWING,
            800,
            [(F.FABRIC_LATE, 5), (F.TRIMS_LATE, 2)],
            None,
        ),
        ("en", "PO-1042 cutting 1000 sewing 800", M.SEWING, 800, [], None),
        ("en", "PO-1042 sewing 800/1000", M.SEWING, 800, [], None),
        ("en", "PO-1042 800", None, 800, [], None),
        ("en", "PO-1042 SEWING 800 FABRIC LATE 5 DAYS", M.SEWING, 800, [(F.FABRIC_LATE, 5)], None),
        ("pt-BR", "PO-1042 sewing 800", M.SEWING, 800, [], None),
        # Chinese
        ("zh-Hans", "PO-1042 车缝 800件 面料延迟5天", M.SEWING, 800, [(F.FABRIC_LATE, 5)], None),
        (
            "zh",
            "PO-1042 车缝800件，面料延迟5天，新日期12月15日",
            M.SEWING,
            800,
            [(F.FABRIC_LATE, 5)],
            date(2026, 12, 15),
        ),
        (
            "zh-CN",
            "PO-1042 裁床 1000 辅料延迟3天 船期延误",
            M.CUTTING,
            1000,
            [(F.TRIMS_LATE, 3), (F.SHIPPING_DELAY, None)],
            None,
        ),
        ("zh", "订单1042 验货不合格", None, None, [(F.QC_REJECTION, None)], None),
        ("zh", "PO-1042 QC退货", None, None, [(F.QC_REJECTION, None)], None),
        ("zh", "PO-1042 验货 500", M.INSPECTION, 500, [], None),
        ("zh", "PO-1042 已出货", M.SHIPPED, None, [], None),
        ("zh", "PO-1042 物料到齐", M.MATERIALS_IN, None, [], None),
        ("zh", "PO-1042 整烫 300 重新批样", M.FINISHING, 300, [(F.SAMPLE_REAPPROVAL, None)], None),
        ("zh", "ＰＯ－１０４２ 缝制 ８００", M.SEWING, 800, [], None),
        ("zh", "PO-1042 车缝 下周五", M.SEWING, None, [], date(2026, 11, 27)),
        # Vietnamese
        ("vi", "PO-1042 may 800 vải trễ 5 ngày", M.SEWING, 800, [(F.FABRIC_LATE, 5)], None),
        ("vi", "PO-1042 may 800 vai tre 5 ngay", M.SEWING, 800, [(F.FABRIC_LATE, 5)], None),
        (
            "vi",
            "PO-1042 cắt 1000, phụ liệu trễ 3 ngày, ngày 15/12",
            M.CUTTING,
            1000,
            [(F.TRIMS_LATE, 3)],
            date(2026, 12, 15),
        ),
        ("vi", "PO-1042 đã xuất hàng", M.SHIPPED, None, [], None),
        (
            "vi",
            "PO-1042 đóng gói 500 trễ tàu 7 ngày",
            M.FINISHING,
            500,
            [(F.SHIPPING_DELAY, 7)],
            None,
        ),
        (
            "vi",
            "PO-1042 kiểm hàng QC không đạt",
            M.INSPECTION,
            None,
            [(F.QC_REJECTION, None)],
            None,
        ),
        ("vi", "PO-1042 duyet lai mau", None, None, [(F.SAMPLE_REAPPROVAL, None)], None),
        ("vi", "PO-1042 vải về", M.MATERIALS_IN, None, [], None),
        ("vi", "PO-1042 máy 800", None, 800, [], None),  # "machine", not "sew"
        ("vi", "PO-1042 may 800 thứ sáu tuần sau", M.SEWING, 800, [], date(2026, 11, 27)),
        # Bengali
        ("bn", "PO-1042 সেলাই ৮০০ কাপড় ৫ দিন দেরি", M.SEWING, 800, [(F.FABRIC_LATE, 5)], None),
        ("bn", "PO-1042 সেলাই ৮০০ কাপড় দেরি ৫ দিন", M.SEWING, 800, [(F.FABRIC_LATE, 5)], None),
        (
            "bn-BD",
            "PO-1042 কাটিং ১২০০ পিস ট্রিমস দেরি ৩ দিন নতুন তারিখ ১৫ ডিসেম্বর",
            M.CUTTING,
            1200,
            [(F.TRIMS_LATE, 3)],
            date(2026, 12, 15),
        ),
        ("bn", "PO-1042 শিপড", M.SHIPPED, None, [], None),
        ("bn", "PO-1042 ফিনিশিং ৫০০ কিউসি বাতিল", M.FINISHING, 500, [(F.QC_REJECTION, None)], None),
        ("bn", "PO-1042 কাপড় এসেছে", M.MATERIALS_IN, None, [], None),
        ("bn", "PO-1042 শিপিং দেরি ৪ দিন", None, None, [(F.SHIPPING_DELAY, 4)], None),
        # Turkish
        ("tr", "PO-1042 dikim 800 kumaş 5 gün gecikti", M.SEWING, 800, [(F.FABRIC_LATE, 5)], None),
        (
            "tr",
            "PO-1042 dikimde 800 adet, kumaş gecikmesi 5 gün, yeni tarih 15 Aralık",
            M.SEWING,
            800,
            [(F.FABRIC_LATE, 5)],
            date(2026, 12, 15),
        ),
        ("tr", "PO-1042 DİKİM 800 KUMAŞ GECİKTİ 5 GÜN", M.SEWING, 800, [(F.FABRIC_LATE, 5)], None),
        ("tr", "PO-1042 kesim 1.200 adet", M.CUTTING, 1200, [], None),
        (
            "tr",
            "PO-1042 ütü-paket 600 kalite red 3 gün",
            M.FINISHING,
            600,
            [(F.QC_REJECTION, 3)],
            None,
        ),
        ("tr", "PO-1042 sevk edildi", M.SHIPPED, None, [], None),
        ("tr", "PO-1042 kumaş geldi", M.MATERIALS_IN, None, [], None),
        (
            "tr",
            "PO-1042 aksesuar gecikti, numune onayı",
            None,
            None,
            [(F.TRIMS_LATE, None), (F.SAMPLE_REAPPROVAL, None)],
            None,
        ),
        ("tr", "PO-1042 kontrol 900 gelecek cuma", M.INSPECTION, 900, [], date(2026, 11, 20)),
    ],
)
def test_shortcuts(
    language: str,
    text: str,
    milestone: Milestone | None,
    quantity: int | None,
    reported: list[tuple[IssueFlag, int | None]],
    revised: date | None,
) -> None:
    draft = parse(text, language)
    assert draft.po_ref == "PO-1042"
    assert (draft.milestone, draft.quantity) == (milestone, quantity)
    assert draft.issues == issues(*reported)
    assert draft.revised_exf == revised


@pytest.mark.parametrize(
    ("language", "text", "po_ref"),
    [
        ("en", "PO-1042 sewing", "PO-1042"),
        ("en", "po 1042 sewing", "PO-1042"),
        ("en", "PO1042 sewing", "PO-1042"),
        ("en", "PO#1042 sewing", "PO-1042"),
        ("en", "P.O. 1042 sewing", "PO-1042"),
        ("en", "po no. 1042 sewing", "PO-1042"),
        ("en", "PO-1042-A sewing", "PO-1042-A"),
        ("en", "po-1042-a sewing", "PO-1042-A"),
        ("en", "PO-2026-0042 sewing", "PO-2026-0042"),
        ("en", "#1042 sewing", "PO-1042"),
        ("en", "sewing PO-1042", "PO-1042"),
        ("en", "sewing 800 for PO-1042", "PO-1042"),
        ("en", "PO-1042 PO-1042 sewing", "PO-1042"),
        ("zh", "订单1042 车缝", "PO-1042"),
        ("zh", "PO1042车缝800件", "PO-1042"),
        ("vi", "đơn hàng 1042 may", "PO-1042"),
        ("tr", "sipariş 1042 dikim", "PO-1042"),
        ("bn", "পিও ১০৪২ সেলাই", "PO-1042"),
    ],
)
def test_po_references(language: str, text: str, po_ref: str) -> None:
    assert parse(text, language).po_ref == po_ref


@pytest.mark.parametrize(
    ("language", "text", "reason"),
    [
        ("en", "", "empty"),
        ("en", "   ", "empty"),
        ("en", "sewing 800 fabric late 5 days", "no_po"),
        ("en", "hello", "no_po"),
        ("en", "asdf qwer zxcv", "no_po"),
        ("en", "pocket 5", "no_po"),
        ("zh", "车缝 800件", "no_po"),
        ("vi", "may 800", "no_po"),
        ("bn", "সেলাই ৮০০", "no_po"),
        ("tr", "dikim 800", "no_po"),
        ("en", "PO-1042", "no_content"),
        ("en", "PO-1042 hello world", "no_content"),
        ("en", "PO-1042 asdf!!", "no_content"),
        ("zh", "PO-1042 你好", "no_content"),
        ("vi", "PO-1042 máy", "no_content"),
        ("en", "PO-1042 and PO-1043 sewing", "many_po"),
        ("en", "PO-1042 sewing 800 new date 31/02", "bad_date"),
        ("zh", "PO-1042 车缝 2月30日", "bad_date"),
        ("tr", "PO-1042 dikim 31 Şubat", "bad_date"),
    ],
)
def test_not_understood(language: str, text: str, reason: Reason) -> None:
    assert parse_checkin_text(text, language, WEDNESDAY) == TextNotUnderstood(reason)


@pytest.mark.parametrize(
    ("text", "unparsed"),
    [
        ("PO-1042 sewing 800 fabric late 5 days", ""),
        ("PO-1042 sewing 800 machine broken", "machine broken"),
        ("PO-1042 cutting 1000 sewing 800", "1000"),
        ("PO-1042 sewing 800, and new date: 15/12", ""),
    ],
)
def test_unparsed_words_are_reported(text: str, unparsed: str) -> None:
    assert parse(text, "en").unparsed == unparsed


def test_every_shipped_language_has_an_example() -> None:
    assert set(EXAMPLES) == set(SUPPORTED)


@pytest.mark.parametrize("language", SUPPORTED)
def test_examples_parse_to_the_same_check_in(language: str) -> None:
    draft = parse(EXAMPLES[language], language)
    assert draft == DraftCheckin(
        po_ref="PO-1042",
        milestone=Milestone.SEWING,
        quantity=800,
        issues=issues((F.FABRIC_LATE, 5)),
        revised_exf=None,
    )


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("en", "en"),
        ("en-GB", "en"),
        ("zh", "zh-Hans"),
        ("zh-CN", "zh-Hans"),
        ("zh_Hans", "zh-Hans"),
        ("zh-hans", "zh-Hans"),
        ("ZH-TW", "zh-Hans"),
        ("vi", "vi"),
        ("vi-VN", "vi"),
        ("bn-BD", "bn"),
        ("bn_IN", "bn"),
        ("tr-TR", "tr"),
        ("pt-BR", "en"),
        ("de", "en"),
        ("", "en"),
        (None, "en"),
        ("  ", "en"),
    ],
)
def test_normalize_language(code: str | None, language: str) -> None:
    assert normalize_language(code) == language


@pytest.mark.parametrize(
    ("text", "ascii"),
    [
        ("৮০০", "800"),
        ("১৫/১২", "15/12"),
        ("０１２３４５６７８９", "0123456789"),
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
        ("۱۲", "12"),
        ("१२", "12"),
        ("PO-1042 車 ৫ দিন", "PO-1042 車 5 দিন"),
        ("²", "²"),
    ],
)
def test_to_ascii_digits(text: str, ascii: str) -> None:
    assert to_ascii_digits(text) == ascii


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Vải TRỄ", "vai tre"),
        ("YARIN", "yarin"),
        ("DİKİM", "dikim"),
        ("Đóng gói", "dong goi"),
        ("কাপড় দেরি", prepare_text("কাপড় দেরি")),
        ("车缝", "车缝"),
    ],
)
def test_fold_keeps_length_and_drops_latin_diacritics(text: str, folded: str) -> None:
    prepared = prepare_text(text)
    assert fold(prepared) == folded
    assert len(fold(prepared)) == len(prepared)


def test_prepare_text_is_idempotent() -> None:
    text = "ＰＯ－１０４２\u200b  车缝\t৮০০  Vải\u0300"
    assert prepare_text(prepare_text(text)) == prepare_text(text)
    assert prepare_text(text).startswith("PO-1042 车缝 800")


@pytest.mark.parametrize(
    ("language", "text", "flag", "days"),
    [
        ("en", "PO-1042 not started fabric late 7 days", IssueFlag.FABRIC_LATE, 7),
        ("zh-Hans", "PO-1042 还没开始 面料延迟7天", IssueFlag.FABRIC_LATE, 7),
        ("vi", "PO-1042 chưa bắt đầu vải trễ 7 ngày", IssueFlag.FABRIC_LATE, 7),
        ("bn", "PO-1042 এখনো শুরু হয়নি কাপড় ৭ দিন দেরি", IssueFlag.FABRIC_LATE, 7),
        ("tr", "PO-1042 henüz başlamadı kumaş 7 gün gecikti", IssueFlag.FABRIC_LATE, 7),
        ("en", "PO-1042 not started yet trims late +3", IssueFlag.TRIMS_LATE, 3),
    ],
)
def test_not_started_yet_in_every_language(
    language: str, text: str, flag: IssueFlag, days: int
) -> None:
    result = parse_checkin_text(text, language, date(2026, 11, 26))
    assert isinstance(result, DraftCheckin)
    assert (result.not_started, result.milestone, result.quantity) == (True, None, None)
    assert result.issues == (ReportedIssue(flag, days),)
    assert result.unparsed == ""


@pytest.mark.parametrize(
    ("language", "text", "says"),
    [
        ("en", "not started yet", True),
        ("zh-Hans", "还没开始", True),
        ("vi", "chưa bắt đầu", True),
        ("bn", "এখনো শুরু হয়নি", True),
        ("tr", "henüz başlamadı", True),
        ("en", "not started, fabric late", False),
        ("en", "sewing", False),
    ],
)
def test_says_not_started_only_when_that_is_the_whole_answer(
    language: str, text: str, says: bool
) -> None:
    assert says_not_started(text, language) is says
