"""XLSX exports: opened back with openpyxl and compared with the list on screen; money as
numbers with the rouble format, dates as dates; 100 000 rows under a memory ceiling."""

from __future__ import annotations

import io
import tracemalloc
from datetime import UTC, date, datetime

import openpyxl
import pytest

from pfdo import xlsx
from tests import factories
from tests.conftest import login
from tests.enrollments.conftest import world  # noqa: F401 - the fixture


def _book(response):
    assert response.status_code == 200
    assert response.mimetype == xlsx.MIME
    assert "attachment" in response.headers["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(response.get_data())).active


def test_contracts_export_matches_the_filtered_list(app, client, world):  # noqa: F811
    factories.financing(app, world.certificate)
    contract = factories.contract(app, world.parent, world.child, world.group,
                                  staff=world.staff)
    other_staff = factories.user(app, "provider_staff")
    other = factories.provider(app, staff=other_staff)
    other_group = factories.group(app, factories.program(app, other, title="Шахматы"),
                                  starts_on=date(2026, 2, 1), ends_on=date(2026, 12, 31))
    second_child = factories.child(app, world.parent, first_name="Борис", sex="male",
                                   birth_date=date(2015, 1, 1))
    factories.certificate(app, world.parent, second_child, coordinator=world.coordinator)
    factories.offer(app, world.parent, second_child, other_group, staff=other_staff)
    login(client, world.coordinator.email)
    query = {"provider": world.provider.id}
    page = client.get("/coordinator/contracts", query_string=query).get_data(as_text=True)
    assert "Найден 1 договор" in page and contract.number in page
    assert "/coordinator/contracts.xlsx?provider=" in page
    sheet = _book(client.get("/coordinator/contracts.xlsx", query_string=query))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Номер", "Ребёнок", "Поставщик")
    assert len(rows) == 2  # the header and the one contract of that provider
    number, child, provider, program, *_ = rows[1]
    assert (number, child, provider, program) == (
        contract.number, "Иванова А. П.", world.provider.short_name, world.program.title)
    assert rows[1][5] == "действует"
    certificate_total = rows[1][10]
    assert isinstance(certificate_total, int | float) and certificate_total > 0
    assert sheet.cell(row=2, column=11).number_format == xlsx.MONEY_FORMAT
    assert isinstance(rows[1][6], datetime) and rows[1][6].date() == date(2026, 3, 1)
    everything = _book(client.get("/coordinator/contracts.xlsx"))
    assert everything.max_row == 3


def test_a_cell_that_looks_like_a_formula_stays_text():
    out = xlsx.write("t", [xlsx.Column("x")], [("=HYPERLINK(\"http://evil\")",)],
                     timezone="UTC")
    value = openpyxl.load_workbook(out).active["A2"].value
    assert value.startswith("'=")


def test_a_phone_number_is_not_taken_for_a_formula():
    values = ["+7 42663 2-10-00", "-5", "+1-1", "-2+SUM(A1)", "+7 914 CMD"]
    out = xlsx.write("t", [xlsx.Column("x")], [(v,) for v in values], timezone="UTC")
    shown = [row[0] for row in openpyxl.load_workbook(out).active.iter_rows(
        min_row=2, values_only=True)]
    assert shown == ["+7 42663 2-10-00", "-5", "+1-1", "'-2+SUM(A1)", "'+7 914 CMD"]


def test_moments_are_in_the_municipalitys_time_zone():
    out = xlsx.write("t", [xlsx.Column("when", xlsx.DATETIME)],
                     [(datetime(2026, 3, 1, 15, 30, tzinfo=UTC),)], timezone="Asia/Vladivostok")
    assert openpyxl.load_workbook(out).active["A2"].value == datetime(2026, 3, 2, 1, 30)


def test_a_hundred_thousand_rows_stay_under_a_memory_ceiling():
    columns = [xlsx.Column("Номер"), xlsx.Column("Ребёнок"), xlsx.Column("Сумма", xlsx.MONEY),
               xlsx.Column("Дата", xlsx.DATE)]
    rows = ((f"Д-{n:06d}", "Иванова А. П.", 120_000 + n, date(2026, 3, 1))
            for n in range(100_000))
    tracemalloc.start()
    try:
        out = xlsx.write("Договоры", columns, rows, timezone="UTC")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 30 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"
    size = out.seek(0, io.SEEK_END)
    assert size > 1_000_000  # the rows are really in it
    out.seek(0)
    sheet = openpyxl.load_workbook(out, read_only=True).active
    assert sum(1 for _ in sheet.iter_rows(values_only=True)) == 100_001


#: each coordinator's list and its download: refused alike to the other roles and to a guest
COORDINATOR_EXPORTS = [("/coordinator/applications", "/coordinator/applications.xlsx"),
                       ("/coordinator/providers", "/coordinator/providers.xlsx"),
                       ("/coordinator/programs", "/coordinator/programs.xlsx")]


@pytest.mark.parametrize("role", ["parent", "provider_staff", "hotline", "admin"])
@pytest.mark.parametrize(("page", "export"), COORDINATOR_EXPORTS)
def test_other_roles_are_refused_the_download_as_the_page(client, make, login_as, role, page,
                                                          export):
    make.municipality()
    login_as(role)
    assert client.get(page).status_code == 403
    assert client.get(export).status_code == 403


@pytest.mark.parametrize(("page", "export"), COORDINATOR_EXPORTS)
def test_a_guest_is_sent_to_sign_in_from_a_download(client, make, page, export):
    make.municipality()
    response = client.get(export)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_download_tells_the_page_it_is_ready_by_its_token_only(client, make, login_as):
    make.municipality()
    login_as("coordinator")
    ready = client.get("/coordinator/contracts.xlsx?download_token=a1b2c3d4e5f6a7b8")
    assert ready.status_code == 200
    cookie = ready.headers["Set-Cookie"]
    assert cookie.startswith("xlsx_ready=a1b2c3d4e5f6a7b8;") and "HttpOnly" not in cookie
    for hostile in ("x", "a1b2c3d4\r\nSet-Cookie: session=1", "a1b2c3d4;path=/evil", "é" * 10):
        response = client.get("/coordinator/contracts.xlsx", query_string={
            "download_token": hostile})
        assert response.status_code in (200, 400)  # control characters: refused at the door
        assert "xlsx_ready" not in response.headers.get("Set-Cookie", "")
