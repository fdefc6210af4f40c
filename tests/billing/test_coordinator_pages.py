"""The coordinator's side of the monthly close: the invoice queue and its filters, the month's
overview, approving, returning and correcting an invoice through its page, who may open these
pages, hostile input, and the period form's report day."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, date, datetime

import pytest

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.billing import reports
from pfdo.billing.models import Invoice, InvoiceStatus, ServiceReport, ServiceReportLine
from pfdo.db import db, unit_of_work
from pfdo.enrollments.models import ContractMonth, MonthStatus
from pfdo.money import format_rub
from pfdo.periods.models import FinancingPeriod
from tests import factories
from tests.billing.conftest import MARCH, march_report
from tests.conftest import form_post, login
from tests.queries import count_queries

TODAY = date(2026, 4, 2)
NBSP = "\u00a0"


def _text(response) -> str:
    return response.get_data(as_text=True)


def _plain(page: str) -> str:
    """The page's text as a person reads it: no tags, entities decoded, spaces collapsed."""
    text = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).replace(NBSP, " ")
                    .split())
    return re.sub(r" ([,.;:)])", r"\1", text)


def _submit(app, billing, *, undelivered: int | None = None) -> int:
    """The world's provider submits its March report (one contract not delivered, if given)."""
    report_id = march_report(app, billing)
    with app.app_context():
        report = reports.load(report_id)
        marks = [reports.Mark(line.id, line.contract_id != undelivered,
                              "" if line.contract_id != undelivered else "Педагог болел")
                 for line in report.lines]
        staff = db.session.get(User, billing.world.staff.id)
        return reports.submit(report, marks, actor=staff, today=TODAY).id


def _month(app, contract_id: int) -> ContractMonth:
    with app.app_context():
        return db.session.scalars(db.select(ContractMonth).where(
            ContractMonth.contract_id == contract_id, ContractMonth.month == MARCH)).one()


def _as_coordinator(client, billing):
    assert login(client, billing.world.coordinator.email).status_code == 302


def _invoice_row(app, provider_id: int, month: date, status: str, *, total: int = 100_000,
                 submitted: datetime | None = None, lines: int = 3) -> int:
    """An invoice written as rows (for the queue's filters: the flow itself is tested below)."""
    moment = submitted or datetime(month.year + month.month // 12, month.month % 12 + 1, 3,
                                   tzinfo=UTC)
    with app.app_context():
        with unit_of_work():
            report = ServiceReport(provider_id=provider_id, month=month)
            db.session.add(report)
            db.session.flush()
            invoice = Invoice(report_id=report.id, provider_id=provider_id, month=month,
                              status=status, certificate_total=total, delivered_count=lines,
                              submitted_at=moment, first_submitted_at=moment,
                              remarks="Проверьте" if status == "returned" else None)
            db.session.add(invoice)
        return invoice.id


def _numbers(page: str) -> list[str]:
    return re.findall(r'<tr class="invoice-row" data-invoice="(\d+)"', page)


# --- the queue ------------------------------------------------------------------------------

@pytest.fixture
def queue_world(app, billing):
    other = factories.provider(app, short_name="Дом юных техников")
    feb, mar = date(2026, 2, 1), MARCH
    ids = {
        "own_feb_paid": _invoice_row(app, billing.world.provider.id, feb, "paid",
                                     submitted=datetime(2026, 3, 4, 3, tzinfo=UTC)),
        "other_mar_late": _invoice_row(app, other.id, mar, "submitted",
                                       submitted=datetime(2026, 4, 7, 3, tzinfo=UTC)),
        "own_mar": _invoice_row(app, billing.world.provider.id, mar, "submitted",
                                submitted=datetime(2026, 4, 2, 3, tzinfo=UTC)),
        "other_feb_returned": _invoice_row(app, other.id, feb, "returned"),
    }
    return {"other": other, **{k: str(v) for k, v in ids.items()}}


def test_the_queue_shows_waiting_invoices_first_the_oldest_submission_first(
        app, client, billing, queue_world):
    _as_coordinator(client, billing)
    page = _text(client.get("/coordinator/invoices"))
    w = queue_world
    assert _numbers(page) == [w["own_mar"], w["other_mar_late"], w["own_feb_paid"],
                              w["other_feb_returned"]]
    text = _plain(page)
    assert "Найдены 4 счёта" in text
    # the late one says so; the one sent on the 2nd of April does not
    late_row = re.search(rf'data-invoice="{w["other_mar_late"]}">(.*?)</tr>', page, re.S)[1]
    own_row = re.search(rf'data-invoice="{w["own_mar"]}">(.*?)</tr>', page, re.S)[1]
    assert "с опозданием" in late_row and "с опозданием" not in own_row
    assert "Дом юных техников" in late_row and "март 2026" in _plain(late_row)
    assert format_rub(100_000).replace(NBSP, " ") in _plain(own_row)


@pytest.mark.parametrize(("query", "expected"), [
    ("month=2026-02", ["own_feb_paid", "other_feb_returned"]),
    ("status=submitted", ["own_mar", "other_mar_late"]),
    ("status=returned", ["other_feb_returned"]),
    ("month=2026-03&status=paid", []),
])
def test_the_queue_filters_by_month_and_status(app, client, billing, queue_world, query,
                                                expected):
    _as_coordinator(client, billing)
    page = _text(client.get(f"/coordinator/invoices?{query}"))
    assert _numbers(page) == [queue_world[k] for k in expected]
    if not expected:
        assert "Счетов с такими условиями нет." in page


def test_the_queue_filters_by_provider_and_answers_htmx_with_the_results_alone(
        app, client, billing, queue_world):
    _as_coordinator(client, billing)
    other = queue_world["other"].id
    response = client.get(f"/coordinator/invoices?provider={other}",
                          headers={"HX-Request": "true"})
    page = _text(response)
    assert page.lstrip().startswith('<div id="results"')
    assert _numbers(page) == [queue_world["other_mar_late"], queue_world["other_feb_returned"]]
    # the filter offers only months and providers that have invoices
    full = _text(client.get("/coordinator/invoices"))
    assert re.findall(r'<option value="(2026-\d\d)"', full) == ["2026-03", "2026-02"]


def test_a_made_up_filter_value_is_ignored(app, client, billing, queue_world):
    _as_coordinator(client, billing)
    response = client.get("/coordinator/invoices?month=2026-13&status=x&provider=99999999999")
    assert response.status_code == 200
    assert len(_numbers(_text(response))) == 4


def test_the_queue_takes_a_fixed_number_of_queries(app, client, billing):
    _as_coordinator(client, billing)

    def queries_for_page() -> int:
        with count_queries(app) as queries:
            assert client.get("/coordinator/invoices").status_code == 200
        return len(queries.selects)

    factories.period(app, title="2025 год", starts_on=date(2025, 1, 1),
                     ends_on=date(2025, 12, 31))
    _invoice_row(app, billing.world.provider.id, MARCH, "submitted")
    few = queries_for_page()
    for n in range(6):
        provider = factories.provider(app)
        _invoice_row(app, provider.id, date(2025, 5 + n, 1), "paid")
    assert len(_numbers(_text(client.get("/coordinator/invoices")))) == 7
    assert queries_for_page() == few


# --- the month's overview -------------------------------------------------------------------

def _second_provider_with_a_march_contract(app, billing):
    """Another provider with one contract running in March (made while March ran)."""
    clock.set_frozen(datetime(2026, 3, 15, 10, 0, tzinfo=UTC))
    staff = factories.user(app, "provider_staff")
    provider = factories.provider(app, staff=staff, short_name="Станция юных натуралистов")
    program = factories.program(app, provider, title="Юный натуралист")
    group = factories.group(app, program, starts_on=date(2026, 2, 1),
                            ends_on=date(2026, 12, 31))
    factories.contract(app, billing.world.parent, billing.world.child, group, staff=staff)
    clock.set_frozen(datetime(2026, 4, 2, 3, 0, tzinfo=UTC))
    return provider


def _figure(page: str, name: str) -> str:
    return _plain(re.search(rf'data-figure="{name}">(.*?)</p>', page, re.S)[1])


def test_the_overview_counts_one_provider_reported_and_one_late(app, client, billing):
    late = _second_provider_with_a_march_contract(app, billing)
    invoice_id = _submit(app, billing)
    clock.set_frozen(datetime(2026, 4, 10, 3, 0, tzinfo=UTC))  # past the 5th: the due day
    _as_coordinator(client, billing)

    page = _text(client.get("/coordinator/billing"))  # the previous month by default

    assert "Закрытие месяца: март 2026" in page
    with app.app_context():
        total = db.session.get(Invoice, invoice_id).certificate_total
    assert total > 0
    assert [_figure(page, n) for n in ("providers", "reported", "waiting", "approved",
                                       "returned", "late")] == ["2", "1", "1", "0", "0", "1"]
    assert _figure(page, "to_pay") == format_rub(total).replace(NBSP, " ")
    assert _figure(page, "paid") == format_rub(0).replace(NBSP, " ")
    late_row = re.search(rf'data-provider="{late.id}">(.*?)</tr>', page, re.S)[1]
    own_row = re.search(rf'data-provider="{billing.world.provider.id}">(.*?)</tr>', page,
                        re.S)[1]
    assert "просрочен" in late_row and "не подан" in late_row
    assert "просрочен" not in own_row and "на проверке" in own_row
    assert f"/coordinator/invoices/{invoice_id}" in own_row
    assert "05.04.2026" in late_row
    # the switcher: February before, April after (April has not ended: no May link)
    assert 'href="/coordinator/billing/2026-02"' in page
    assert 'href="/coordinator/billing/2026-04"' in page
    april = _text(client.get("/coordinator/billing/2026-04"))
    assert "Месяц ещё идёт" in april and 'href="/coordinator/billing/2026-05"' not in april


def test_the_due_day_of_the_period_sets_the_overview_deadline(app, client, billing):
    with app.app_context():
        with unit_of_work():
            db.session.scalars(db.select(FinancingPeriod)).one().report_due_day = 12
    clock.set_frozen(datetime(2026, 4, 10, 3, 0, tzinfo=UTC))
    _as_coordinator(client, billing)
    page = _text(client.get("/coordinator/billing/2026-03"))
    assert "12.04.2026" in page and _figure(page, "late") == "0"


# --- decisions through the invoice page -----------------------------------------------------

def _seen(page: str) -> str:
    return re.search(r'name="seen"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="seen"',
                     page).group(1)


def test_approving_through_the_page_pays_and_says_how_much(app, client, billing):
    first, second = billing.contracts
    invoice_id = _submit(app, billing, undelivered=second)
    share_1, share_2 = (_month(app, first).certificate_share,
                        _month(app, second).certificate_share)
    _as_coordinator(client, billing)
    url = f"/coordinator/invoices/{invoice_id}"
    page = _text(client.get(url))
    assert (f"Будет оплачено 1 месяц на {format_rub(share_1)}, возвращено на сертификаты "
            f"1 месяц на {format_rub(share_2)}").replace(NBSP, " ") in _plain(page)

    response = form_post(client, f"{url}/approve", {"seen": _seen(page)}, page=url,
                         follow_redirects=True)

    text = _plain(_text(response))
    assert (f"одобрен и оплачен: 1 месяц на {format_rub(share_1)}; на сертификаты возвращено "
            f"1 месяц на {format_rub(share_2)}").replace(NBSP, " ") in text
    assert _month(app, first).status == MonthStatus.PAID
    assert _month(app, second).status == MonthStatus.RELEASED
    with app.app_context():
        assert db.session.get(Invoice, invoice_id).status == InvoiceStatus.PAID


def test_an_approval_from_a_page_older_than_the_resubmission_is_refused(app, client, billing):
    invoice_id = _submit(app, billing)
    _as_coordinator(client, billing)
    url = f"/coordinator/invoices/{invoice_id}"
    response = form_post(client, f"{url}/approve", {"seen": "1:0.000000"}, page=url,
                         follow_redirects=True)
    assert "Страница устарела" in _text(response)
    with app.app_context():
        assert db.session.get(Invoice, invoice_id).status == InvoiceStatus.SUBMITTED


def test_returning_without_remarks_is_refused_beside_the_field(app, client, billing):
    invoice_id = _submit(app, billing)
    _as_coordinator(client, billing)
    url = f"/coordinator/invoices/{invoice_id}"
    response = form_post(client, f"{url}/return", {"remarks": "   "}, page=url)
    assert response.status_code == 422
    error = re.search(r'id="remarks-error" class="invalid-feedback">(.*?)</div>', _text(response),
                      re.S)
    assert error and "Напишите, что исправить" in error[1]
    with app.app_context():
        assert db.session.get(Invoice, invoice_id).status == InvoiceStatus.SUBMITTED


def test_returned_remarks_reach_the_provider(app, client, billing):
    invoice_id = _submit(app, billing)
    _as_coordinator(client, billing)
    url = f"/coordinator/invoices/{invoice_id}"
    response = form_post(client, f"{url}/return",
                         {"remarks": "Проверьте договор Д-000001: ребёнок выбыл"}, page=url,
                         follow_redirects=True)
    assert "возвращён поставщику" in _plain(_text(response))
    staff = app.test_client()
    assert login(staff, billing.world.staff.email).status_code == 302
    page = _plain(_text(staff.get(f"/provider/invoices/{invoice_id}")))
    assert "Замечания координатора Проверьте договор Д-000001: ребёнок выбыл" in page


def test_a_correction_through_the_page_reverses_a_paid_month(app, client, billing):
    first, _ = billing.contracts
    invoice_id = _submit(app, billing)
    _as_coordinator(client, billing)
    url = f"/coordinator/invoices/{invoice_id}"
    page = _text(client.get(url))
    form_post(client, f"{url}/approve", {"seen": _seen(page)}, page=url)
    with app.app_context():
        line_id = db.session.scalars(db.select(ServiceReportLine.id).where(
            ServiceReportLine.contract_id == first)).one()
    share = _month(app, first).certificate_share
    page = _text(client.get(url))
    assert "Отозвать оплату месяца" in page
    assert f'<option value="{line_id}">' in page

    missing = form_post(client, f"{url}/correct", {"line": str(line_id), "reason": ""},
                        page=url)
    assert missing.status_code == 422 and "Укажите причину исправления" in _text(missing)
    assert _month(app, first).status == MonthStatus.PAID

    response = form_post(client, f"{url}/correct",
                         {"line": str(line_id), "reason": "Ребёнок не посещал занятия"},
                         page=url, follow_redirects=True)
    text = _plain(_text(response))
    assert (f"Оплата за март 2026 по договору Д-{first:06d} ({format_rub(share)}) отозвана"
            ).replace(NBSP, " ") in text
    assert _month(app, first).status == MonthStatus.RELEASED
    # the month corrected is no longer offered; a made-up line is refused beside the field
    assert f'<option value="{line_id}">' not in _text(client.get(url))
    again = form_post(client, f"{url}/correct", {"line": str(line_id), "reason": "ещё раз"},
                      page=url)
    assert again.status_code == 422 and "выберите оплаченный месяц" in _text(again)


# --- who may open these pages, and hostile input --------------------------------------------

def _coordinator_urls(invoice_id: int) -> list[tuple[str, str]]:
    base = f"/coordinator/invoices/{invoice_id}"
    return [("GET", "/coordinator/invoices"), ("GET", base), ("POST", f"{base}/approve"),
            ("POST", f"{base}/return"), ("POST", f"{base}/correct"),
            ("GET", "/coordinator/billing"), ("GET", "/coordinator/billing/2026-03")]


@pytest.mark.parametrize("who", ["staff", "parent"])
def test_providers_and_parents_cannot_open_the_coordinator_pages(app, client, billing, who):
    invoice_id = _submit(app, billing)
    email = billing.world.staff.email if who == "staff" else billing.world.parent.email
    assert login(client, email).status_code == 302
    for method, url in _coordinator_urls(invoice_id):
        if method == "GET":
            status = client.get(url).status_code
        else:
            status = form_post(client, url, {"remarks": "x", "seen": "x"}, page="/").status_code
        assert status in (403, 404), f"{method} {url}: {status}"
    with app.app_context():
        assert db.session.get(Invoice, invoice_id).status == InvoiceStatus.SUBMITTED


@pytest.mark.parametrize("month", ["2026-13", "９９９９-01", "1999-12", "март", "9" * 40])
def test_a_hostile_month_in_the_address_is_not_found(app, client, billing, month):
    _as_coordinator(client, billing)
    assert client.get(f"/coordinator/billing/{month}").status_code == 404


@pytest.mark.parametrize("invoice_id", [2**31, 2**63, 10**30])
def test_ids_past_the_integer_range_are_not_found(app, client, billing, invoice_id):
    _as_coordinator(client, billing)
    assert client.get(f"/coordinator/invoices/{invoice_id}").status_code == 404
    response = form_post(client, f"/coordinator/invoices/{invoice_id}/approve", page="/")
    assert response.status_code == 404


def test_hostile_correction_values_do_not_break_the_page(app, client, billing):
    invoice_id = _submit(app, billing)
    _as_coordinator(client, billing)
    url = f"/coordinator/invoices/{invoice_id}"
    page = _text(client.get(url))
    form_post(client, f"{url}/approve", {"seen": _seen(page)}, page=url)
    for line in ["9" * 40, "a\x00b", "-1", "１"]:
        response = form_post(client, f"{url}/correct", {"line": line, "reason": "x\x00" * 300},
                             page=url)
        assert response.status_code == 422


# --- the period form's report day -----------------------------------------------------------

@pytest.mark.parametrize(("value", "message"), [
    ("0", "Число от 1 до 28"), ("29", "Число от 1 до 28"), ("", "Укажите число от 1 до 28"),
    ("пятое", "Введите целое число"), ("9" * 30, ""),
])
def test_the_period_form_refuses_a_report_day_outside_1_to_28(app, client, billing, value,
                                                               message):
    from tests.coordinator.test_periods import VALID, error_beside
    _as_coordinator(client, billing)
    response = form_post(client, "/coordinator/periods/new",
                         {**VALID, "report_due_day": value})
    assert response.status_code == 422
    error = error_beside(_text(response), "report_due_day")
    assert error and message in error
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(FinancingPeriod)) == 1


def test_the_period_form_saves_the_report_day(app, client, billing):
    from tests.coordinator.test_periods import VALID
    _as_coordinator(client, billing)
    response = form_post(client, "/coordinator/periods/new", {**VALID, "report_due_day": "10"})
    assert response.status_code == 302
    with app.app_context():
        period = db.session.scalars(db.select(FinancingPeriod).where(
            FinancingPeriod.title == "2027 год")).one()
        assert period.report_due_day == 10
        edit = f"/coordinator/periods/{period.id}/edit"
    assert re.search(r'name="report_due_day"[^>]*value="10"|value="10"[^>]*name="report_due_day"',
                     _text(client.get(edit)))


def test_the_queue_downloads_as_xlsx_in_its_order_and_filter(app, client, billing,
                                                             queue_world):
    import io

    import openpyxl

    from pfdo import xlsx
    _as_coordinator(client, billing)
    page = _text(client.get("/coordinator/invoices?status=submitted"))
    assert "/coordinator/invoices.xlsx?status=submitted" in page
    response = client.get("/coordinator/invoices.xlsx?status=submitted")
    assert response.mimetype == xlsx.MIME
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Номер", "Поставщик", "Месяц", "Статус")
    numbers = [row[0] for row in rows[1:]]
    assert [n.rsplit("-", 1)[1].lstrip("0") for n in numbers] == [
        queue_world["own_mar"], queue_world["other_mar_late"]]
    assert rows[2][1] == "Дом юных техников" and rows[2][3] == "на проверке"
    assert sheet.cell(row=2, column=5).number_format == xlsx.MONEY_FORMAT
