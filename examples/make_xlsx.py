"""Write the XLSX twin of a sample CSV, with real dates and numbers as Excel would keep them.

    python examples/make_xlsx.py                # pos.csv -> pos.xlsx
    python examples/make_xlsx.py checkins.csv   # any other sample

The XLSX doubles as a template for merchandisers: bold header, frozen first row, date columns
formatted as dates. Importing it gives exactly what importing the CSV gives.
"""

from __future__ import annotations

import csv
import re
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")
INTEGER = re.compile(r"^\d+$")
DECIMAL = re.compile(r"^\d+\.\d+$")


def typed(text: str) -> object:
    """The value a person typing `text` into Excel would end up with."""
    if DATE.match(text):
        return date.fromisoformat(text)
    if DATETIME.match(text):
        return datetime.fromisoformat(text)
    if INTEGER.match(text):
        return int(text)
    if DECIMAL.match(text):
        return Decimal(text)
    return text or None


def convert(source: Path, target: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = source.stem
    with source.open(newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            sheet.append(row if number == 1 else [typed(cell) for cell in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    for column in sheet.columns:
        width = max(len(str(c.value)) if c.value is not None else 0 for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(width, 10) + 2, 48)
    sheet.freeze_panes = "A2"
    workbook.save(target)


def main(names: list[str]) -> None:
    for name in names or ["pos.csv"]:
        source = (HERE / name) if not Path(name).is_absolute() else Path(name)
        convert(source, source.with_suffix(".xlsx"))
        print(f"{source.name} -> {source.with_suffix('.xlsx').name}")


if __name__ == "__main__":
    main(sys.argv[1:])
