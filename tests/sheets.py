"""An XLSX download opened back with openpyxl, to compare with the list on screen.

    sheet = sheet_of(client.get("/coordinator/providers.xlsx"))
    header, *rows = rows_of(sheet)
"""

from __future__ import annotations

import io

import openpyxl

from pfdo import xlsx

#: query strings that have broken list pages: a huge page number and id, NUL (raw and
#: percent-encoded), other scripts' digits, a long text, impossible dates
HOSTILE_QUERIES = [
    "page=99999999999999999999999",
    "page=-1&status=" + "9" * 30,
    "q=a%00b",
    "status=%00&direction=%00&legal_form=%00",
    "q=%D9%A1%D9%A2%D9%A3",            # ١٢٣: Arabic-Indic digits
    "q=%EF%BC%91%EF%BC%92",            # １２: full-width digits
    "q=" + "x" * 5000,
    "date_from=9999-12-31&date_to=0001-01-01",
    "date_from=%D9%A2%D9%A0%D9%A2%D9%A6-01-01",
    "provider=99999999999999999999&status=all",
]


def sheet_of(response):
    """The download's first sheet, after checking it is an XLSX attachment."""
    assert response.status_code == 200, response.status_code
    assert response.mimetype == xlsx.MIME
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    return openpyxl.load_workbook(io.BytesIO(response.get_data())).active


def rows_of(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))
