"""XLSX of a filtered list, written by openpyxl in write-only mode: rows go to disk as they
come (a list of 100 000 rows never sits in memory), then the file is sent in chunks.

Russian headers; money (kopecks) as numbers in roubles with a rouble format; dates and moments
as real dates in the municipality's time zone; the header row frozen and filtered."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import IO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

TEXT, INT, MONEY, DATE, DATETIME = "text", "int", "money", "date", "datetime"
MONEY_FORMAT = '#,##0.00 "₽"'
DATE_FORMAT = "DD.MM.YYYY"
DATETIME_FORMAT = "DD.MM.YYYY HH:MM"
MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: what a text cell may hold (Excel's own limit)
CELL_MAX = 32_767
#: a text that starts with + or - but holds only digits, spaces, brackets and dashes is a
#: number as people write it (a phone «+7 914 123-45-67»), not a formula: with no letter it
#: can call no function and name no cell, so it is kept as written
NUMBER_AS_WRITTEN = re.compile(r"[+-][0-9 ()\-]*")


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT
    #: the column's width in characters
    width: int = 16


def _value(kind: str, value, zone: ZoneInfo):
    if value is None:
        return None
    if kind == MONEY:
        return int(value) / 100
    if kind == INT:
        return int(value)
    if kind == DATETIME and isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return moment.astimezone(zone).replace(tzinfo=None)  # Excel has no time zones
    if kind == DATE and isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return moment.astimezone(zone).date()
    if isinstance(value, date):
        return value
    text = str(value)
    # a leading =, +, - or @ would make a spreadsheet read the cell as a formula
    if text[:1] in ("=", "+", "-", "@") and not NUMBER_AS_WRITTEN.fullmatch(text):
        text = "'" + text
    return text[:CELL_MAX]


FORMATS = {MONEY: MONEY_FORMAT, DATE: DATE_FORMAT, DATETIME: DATETIME_FORMAT, INT: "0"}


def write(title: str, columns: Sequence[Column], rows: Iterable[Sequence], *,
          timezone: str) -> IO[bytes]:
    """The workbook in a temporary file (deleted when closed), positioned at its start."""
    zone = ZoneInfo(timezone)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        cells = []
        for column, value in zip(columns, row, strict=True):
            cell = WriteOnlyCell(sheet, value=_value(column.kind, value, zone))
            if column.kind in FORMATS and value is not None:
                cell.number_format = FORMATS[column.kind]
            cells.append(cell)
        sheet.append(cells)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it after sending
    book.save(out)
    out.seek(0)
    return out
