"""The provider's «Отчёты и счета»: the months with their statuses, the report with a line not
delivered, the invoice document, a return and a resubmission, and another provider's staff."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.billing import invoices, reports
from pfdo.billing.models import Invoice, ServiceReport, ServiceReportLine
from pfdo.db import db
from pfdo.enrollments.models import ContractMonth
from pfdo.money import format_rub
from pfdo.programs.models import Group
from tests import factories
from tests.billing.conftest import MARCH, march_report
from tests.conftest import form_post, login
from tests.queries import count_queries

TODAY = date(2026, 4, 2)


def _text(response) -> str:
    return response.get_data(as_text=True)


def _lines(app, report_id: int) -> list[tuple[int, int]]:
    with app.app_context():
        return [(line.id, line.contract_id) for line in reports.load(report_id).lines]


def _marks(lines, *, undelivered: int | None = None, comment: str = "") -> dict:
    data: dict = {"line": [str(line_id) for line_id, _ in lines]}
    for line_id, contract_id in lines:
        if contract_id != undelivered:
            data[f"delivered-{line_id}"] = "1"
        else:
            data[f"comment-{line_id}"] = comment
    return data


def _post_report(client, report_id, data, action):
    url = f"/provider/reports/{report_id}"
    return form_post(client, url, {**data, "action": action}, page=url)


def _shares(app, contract_id: int) -> ContractMonth:
    with app.app_context():
        return db.session.scalars(db.select(ContractMonth).where(
            ContractMonth.contract_id == contract_id, ContractMonth.month == MARCH)).one()


def _row(html: str, month_key: str) -> str:
    match = re.search(rf'<tr class="report-month" data-month="{month_key}">(.*?)</tr>', html,
                      re.S)
    assert match, f"no row for {month_key}"
    return match.group(1)


def test_the_list_shows_each_month_with_its_status(app, client, billing):
    login(client, billing.world.staff.email)
    html = _text(client.get("/provider/reports"))
    assert "Отчёты и счета" in html
    assert "не начат" in _row(html, "2026-03")
    assert "Заполнить отчёт" in _row(html, "2026-03")
    assert "2026-02" not in html or "не начат" in _row(html, "2026-02")
    running = _row(html, "2026-04")
    assert "идёт, отчёт с 1 мая" in running
    assert "Заполнить отчёт" not in running
    assert "2026-05" not in html  # a contract's future months are not listed

    response = form_post(client, "/provider/reports/open", {"month": "2026-03"},
                         page="/provider/reports")
    assert response.status_code == 302
    with app.app_context():
        report = db.session.scalars(db.select(ServiceReport)).one()
    assert response.headers["Location"].endswith(f"/provider/reports/{report.id}")
    assert "черновик" in _row(_text(client.get("/provider/reports")), "2026-03")


def test_a_month_not_submitted_by_its_due_date_is_late(app, client, billing):
    login(client, billing.world.staff.email)
    row = _row(_text(client.get("/provider/reports")), "2026-03")
    assert "05.04.2026" in row and "просрочен" not in row
    clock.set_frozen(datetime(2026, 4, 6, 9, 0, tzinfo=UTC))
    client = app.test_client()  # the first session has expired meanwhile
    login(client, billing.world.staff.email)
    row = _row(_text(client.get("/provider/reports")), "2026-03")
    assert "просрочен" in row and "не начат" in row


def test_a_running_month_cannot_be_opened(app, client, billing):
    login(client, billing.world.staff.email)
    response = form_post(client, "/provider/reports/open", {"month": "2026-04"},
                         page="/provider/reports", follow_redirects=True)
    assert "можно заполнить с 1 мая 2026" in _text(response)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ServiceReport)) == 0


def test_a_line_not_delivered_needs_a_comment_and_nothing_is_saved(app, client, billing):
    first, second = billing.contracts
    report_id = march_report(app, billing)
    lines = _lines(app, report_id)
    login(client, billing.world.staff.email)
    page = _text(client.get(f"/provider/reports/{report_id}"))
    assert "2 договора, не проводились: 0" in page
    assert page.count('type="checkbox"') == 2 and page.count(" checked") == 2

    response = _post_report(client, report_id, _marks(lines, undelivered=second), "submit")
    assert response.status_code == 422
    html = _text(response)
    second_line = next(line_id for line_id, contract in lines if contract == second)
    assert re.search(rf'id="comment-{second_line}-error"[^>]*>Укажите, почему занятия не '
                     r"проводились", html)
    assert "не проводились: 1" in html  # the form is kept as posted
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Invoice)) == 0
        assert all(line.delivered for line in db.session.scalars(db.select(ServiceReportLine)))


def test_a_draft_keeps_the_marks(app, client, billing):
    _, second = billing.contracts
    report_id = march_report(app, billing)
    lines = _lines(app, report_id)
    login(client, billing.world.staff.email)
    response = _post_report(client, report_id,
                            _marks(lines, undelivered=second, comment="Педагог болел"), "save")
    assert response.status_code == 302
    html = _text(client.get(f"/provider/reports/{report_id}"))
    assert "Черновик отчёта сохранён" in html
    assert 'value="Педагог болел"' in html and html.count(" checked") == 1
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Invoice)) == 0


def test_submit_return_and_resubmit(app, client, billing):
    first, second = billing.contracts
    report_id = march_report(app, billing)
    lines = _lines(app, report_id)
    one = _shares(app, first)
    login(client, billing.world.staff.email)
    response = _post_report(client, report_id,
                            _marks(lines, undelivered=second, comment="Педагог болел"), "submit")
    assert response.status_code == 302
    with app.app_context():
        invoice = db.session.scalars(db.select(Invoice)).one()
        invoice_id, number = invoice.id, invoice.number
    assert response.headers["Location"].endswith(f"/provider/invoices/{invoice_id}")

    html = _text(client.get(f"/provider/invoices/{invoice_id}"))
    assert f"Счёт {number} за март 2026" in html
    assert number == f"С-2026-03-{invoice_id:06d}"
    assert "на проверке" in html
    total = re.search(r'invoice-certificate-total"><strong>([^<]+)<', html).group(1)
    assert total == format_rub(one.certificate_share)
    assert re.search(r'invoice-family-total">([^<]+)<', html).group(1) == \
        format_rub(one.family_share)
    assert "Оказанные услуги: 1 договор" in html
    assert "Не оказано: 1 договор" in html and "Комментарий поставщика: Педагог болел" in html
    assert "вернётся на сертификат после одобрения" in html
    assert "отправлен на проверку" in html  # the history

    report_page = _text(client.get(f"/provider/reports/{report_id}"))
    assert "Сохранить черновик" not in report_page and "Открыть счёт" in report_page
    refused = _post_report(client, report_id, _marks(lines), "submit")
    assert refused.status_code == 302
    assert "изменить его нельзя" in _text(client.get(refused.headers["Location"]))

    with app.app_context():
        coordinator = db.session.get(User, billing.world.coordinator.id)
        invoices.return_(invoices.get(invoice_id), "Проверьте март: группа занималась",
                         actor=coordinator)
    page = _text(client.get(f"/provider/reports/{report_id}"))
    assert "Координатор вернул отчёт на исправление" in page
    assert "Проверьте март: группа занималась" in page
    assert "Отправить отчёт" in page and " checked" in page
    returned = _text(client.get(f"/provider/invoices/{invoice_id}"))
    assert "Проверьте март" in returned and "invoice-changed" not in returned

    # a draft after the return: the invoice says its totals are the ones first sent
    assert _post_report(client, report_id, _marks(lines), "save").status_code == 302
    changed = _text(client.get(f"/provider/invoices/{invoice_id}"))
    both = format_rub(one.certificate_share + _shares(app, second).certificate_share)
    assert re.search(r"отметки в отчёте изменены: .*к оплате по ним "
                     + re.escape(both) + r"; итоги счёта \(" + re.escape(format_rub(
                         one.certificate_share)) + r"\) — как при отправке", changed)

    response = _post_report(client, report_id, _marks(lines), "submit")
    assert response.status_code == 302
    html = _text(client.get(f"/provider/invoices/{invoice_id}"))
    both = one.certificate_share + _shares(app, second).certificate_share
    assert re.search(r'invoice-certificate-total"><strong>([^<]+)<', html).group(1) == \
        format_rub(both)
    assert "Оказанные услуги: 2 договора" in html and "Не оказано" not in html
    assert html.count("отправлен на проверку") == 2 and "возвращён на исправление" in html
    row = _row(_text(client.get("/provider/reports")), "2026-03")
    assert "на проверке" in row and number in row and format_rub(both) in row


def test_a_paid_invoice_and_its_correction(app, client, billing):
    first, second = billing.contracts
    report_id = march_report(app, billing)
    with app.app_context():
        report = reports.load(report_id)
        marks = [reports.Mark(line.id, line.contract_id == first,
                              "" if line.contract_id == first else "Не ходил")
                 for line in report.lines]
        staff = db.session.get(User, billing.world.staff.id)
        invoice = reports.submit(report, marks, actor=staff, today=TODAY)
        coordinator = db.session.get(User, billing.world.coordinator.id)
        invoices.approve(invoice, actor=coordinator)
        line = next(line for line in report.lines if line.contract_id == first)
        invoices.correct(line, "Ребёнок не посещал", actor=coordinator, today=TODAY)
        invoice_id = invoice.id
    share = _shares(app, first).certificate_share
    login(client, billing.world.staff.email)
    html = _text(client.get(f"/provider/invoices/{invoice_id}"))
    assert "оплачен" in html
    assert "не оказано — " in html and "возвращено на сертификат" in html
    assert "Причина: Ребёнок не посещал" in html
    assert f"оплачено с учётом исправлений: <strong>{format_rub(0)}</strong>" in html
    assert format_rub(share) in html
    assert "исправление после оплаты" in html
    row = _row(_text(client.get("/provider/reports")), "2026-03")
    assert "оплачен" in row and "просрочен" not in row and "Открыть" in row


def test_money_is_shown_exactly(app, client, billing):
    first, second = billing.contracts
    with app.app_context():
        for month in db.session.scalars(db.select(ContractMonth).where(
                ContractMonth.month == MARCH)):
            month.price, month.certificate_share, month.family_share = 150_000, 120_000, 30_000
        db.session.commit()
    report_id = march_report(app, billing)
    login(client, billing.world.staff.email)
    _post_report(client, report_id, _marks(_lines(app, report_id)), "submit")
    with app.app_context():
        invoice_id = db.session.scalars(db.select(Invoice.id)).one()
    html = _text(client.get(f"/provider/invoices/{invoice_id}"))
    assert "invoice-certificate-total\"><strong>2\u00a0400,00\u00a0₽<" in html \
        or "invoice-certificate-total\"><strong>2 400,00 ₽<" in html
    assert "1\u00a0200,00\u00a0₽" in html or "1 200,00 ₽" in html


@pytest.fixture
def stranger(app, billing):
    staff = factories.user(app, "provider_staff")
    factories.provider(app, staff=staff)
    return staff


def test_another_providers_staff_get_404(app, client, billing, stranger):
    report_id = march_report(app, billing)
    lines = _lines(app, report_id)
    with app.app_context():
        report = reports.load(report_id)
        staff = db.session.get(User, billing.world.staff.id)
        invoice_id = reports.submit(report, [], actor=staff, today=TODAY).id
        invoices.return_(invoices.get(invoice_id), "Исправьте",
                         actor=db.session.get(User, billing.world.coordinator.id))
    login(client, stranger.email)
    assert client.get(f"/provider/reports/{report_id}").status_code == 404
    assert client.get(f"/provider/invoices/{invoice_id}").status_code == 404
    response = form_post(client, f"/provider/reports/{report_id}",
                         {**_marks(lines), "action": "submit"}, page="/provider/reports")
    assert response.status_code == 404
    # the open-report POST works on the stranger's own organisation only: no report of theirs
    # for March (they have no contracts), and the first provider's report is untouched
    response = form_post(client, "/provider/reports/open", {"month": "2026-03"},
                         page="/provider/reports", follow_redirects=True)
    assert "нет действующих договоров" in _text(response)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ServiceReport)) == 1
        assert invoices.get(invoice_id).status == "returned"
    assert "Отчётов" not in _text(client.get("/provider/reports"))


@pytest.mark.parametrize("month", ["２０２６-03", "2026-3", "2026-13", "март", "9" * 40,
                                   "2026-03\x00", ""])
def test_hostile_months_are_refused(app, client, billing, month):
    login(client, billing.world.staff.email)
    response = form_post(client, "/provider/reports/open", {"month": month},
                         page="/provider/reports", follow_redirects=True)
    assert response.status_code == 200
    assert "Месяц указывается как ГГГГ-ММ" in _text(response) \
        or "непечатаемые" in _text(response)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ServiceReport)) == 0


def test_hostile_report_lines_do_not_break_the_page(app, client, billing):
    report_id = march_report(app, billing)
    lines = _lines(app, report_id)
    login(client, billing.world.staff.email)
    data = _marks(lines)
    data["line"] = [*data["line"], str(2**31 + 5), "abc", "٣"]
    assert _post_report(client, report_id, data, "save").status_code == 302
    data = _marks(lines, undelivered=lines[0][1], comment="нет\x00занятий")
    response = _post_report(client, report_id, data, "save")
    assert response.status_code == 422 and "непечатаемые символы" in _text(response)
    data = _marks(lines, undelivered=lines[0][1], comment="x" * 10_000)
    assert _post_report(client, report_id, data, "save").status_code == 422
    data = {"line": [str(lines[0][0] + 1000)], "action": "save"}
    response = _post_report(client, report_id, data, "save")
    assert response.status_code == 422 and "обновите страницу" in _text(response)
    with app.app_context():
        assert all(line.delivered for line in db.session.scalars(db.select(ServiceReportLine)))


SURNAMES = ("Петрова", "Сидорова", "Кузнецова", "Смирнова", "Попова", "Волкова", "Козлова",
            "Лебедева", "Морозова", "Новикова")


def _add_contracts(app, billing, surnames) -> None:
    for surname in surnames:
        parent = factories.user(app, "parent")
        child = factories.child(app, parent, last_name=surname, birth_date=date(2015, 1, 1))
        factories.certificate(app, parent, child, coordinator=billing.world.coordinator)
        clock.set_frozen(datetime(2026, 3, 15, 10, 0, tzinfo=UTC))
        factories.contract(app, parent, child, billing.world.group, staff=billing.world.staff)
    clock.set_frozen(datetime(2026, 4, 2, 3, 0, tzinfo=UTC))


def _page_queries(app, client, url: str) -> int:
    with count_queries(app) as queries:
        assert client.get(url).status_code == 200
    return len(queries.selects)


def test_the_report_and_invoice_pages_take_a_fixed_number_of_queries(app, client, billing):
    """2 lines, then 10 (the invoice returned, eight more contracts, submitted again): the
    report page and the invoice page send as many queries as before."""
    login(client, billing.world.staff.email)
    report_id = march_report(app, billing)
    assert len(_lines(app, report_id)) == 2
    _post_report(client, report_id, _marks(_lines(app, report_id)), "submit")
    with app.app_context():
        invoice_id = db.session.scalars(db.select(Invoice.id)).one()
    invoice_small = _page_queries(app, client, f"/provider/invoices/{invoice_id}")
    with app.app_context():
        invoices.return_(invoices.get(invoice_id), "Добавьте новые договоры",
                         actor=db.session.get(User, billing.world.coordinator.id))
    report_small = _page_queries(app, client, f"/provider/reports/{report_id}")

    _add_contracts(app, billing, SURNAMES[:8])
    assert march_report(app, billing) == report_id
    lines = _lines(app, report_id)
    assert len(lines) == 10
    assert _page_queries(app, client, f"/provider/reports/{report_id}") == report_small
    assert _post_report(client, report_id, _marks(lines), "submit").status_code == 302
    html = _text(client.get(f"/provider/invoices/{invoice_id}"))
    assert "Оказанные услуги: 10 договоров" in html
    assert _page_queries(app, client, f"/provider/invoices/{invoice_id}") == invoice_small


def test_the_report_lists_the_lines_group_by_group(app, client, billing):
    """A provider with many groups finds each group's lines under its own heading, with its
    own count of months not delivered (the teachers keep their registers by group)."""
    world = billing.world
    chess = factories.program(app, world.provider, title="Шахматы")
    group = factories.group(app, chess, name="Группа А", starts_on=world.group.starts_on,
                            ends_on=world.group.ends_on)
    clock.set_frozen(datetime(2026, 3, 15, 10, 0, tzinfo=UTC))  # when the others were made
    third = factories.contract(app, world.parent, world.child, group, staff=world.staff)
    clock.set_frozen(datetime(2026, 4, 2, 3, 0, tzinfo=UTC))
    report_id = march_report(app, billing)
    lines = _lines(app, report_id)
    login(client, world.staff.email)
    response = _post_report(client, report_id,
                            _marks(lines, undelivered=third.id, comment="Педагог болел"), "save")
    assert response.status_code == 302
    html = _text(client.get(f"/provider/reports/{report_id}"))
    with app.app_context():
        first = db.session.get(Group, world.group.id)
        first = f"«{first.program.title}», {first.name}"
    sections = re.findall(r'<summary[^>]*><span class="report-group-title">(.*?)</span>'
                          r'\s*<span[^>]*>(.*?)</span>', html, re.S)
    assert [(title, " ".join(counts.split())) for title, counts in sections] == [
        (first, "— 2 договора"),
        ("«Шахматы», Группа А", "— 1 договор, не проводились: 1"),
    ]
    assert "3 договора, не проводились: 1" in html
