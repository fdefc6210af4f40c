"""The cron commands of the monthly close (docs/domain.md §9), through the Flask CLI runner:
`flask close-month YYYY-MM` says what it did and moves nothing the second time; a bad or
unfinished month is refused with the Russian message; `flask billing remind` tells a provider
that has not reported two days before the due day and once more the day after it, never one
that has reported."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.billing import invoices, reports
from pfdo.billing.models import InvoiceStatus
from pfdo.db import db
from pfdo.enrollments.models import ContractMonth, MonthStatus
from pfdo.ledger.checks import check_invariants
from pfdo.ledger.models import Transfer
from pfdo.money import format_rub
from pfdo.notifications.models import Notice, OutboxMessage
from pfdo.providers.models import Provider
from tests import factories
from tests.billing.conftest import MARCH, contract_row, march_report

#: the report for March is due on the 5th of April (the period's default report day)
DUE = date(2026, 4, 5)


def at(day: date) -> None:
    """The clock at 10:00 in the municipality on `day` (07:00 UTC is that day anywhere in
    Russia)."""
    clock.set_frozen(datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC))


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def second_provider(app, billing) -> tuple[int, int, str]:
    """Another provider with one contract running in March: (provider id, staff id, name)."""
    now = clock.now()
    clock.set_frozen(datetime(2026, 3, 15, 10, 0, tzinfo=UTC))
    staff = factories.user(app, "provider_staff")
    provider = factories.provider(app, staff=staff, short_name="ДЮЦ «Ракета»")
    program = factories.program(app, provider, title="Авиамоделирование")
    group = factories.group(app, program, starts_on=date(2026, 2, 1),
                            ends_on=date(2026, 12, 31), price=200_000)
    parent = factories.user(app, "parent")
    child = factories.child(app, parent, birth_date=date(2015, 2, 3))
    factories.certificate(app, parent, child, coordinator=billing.world.coordinator)
    factories.contract(app, parent, child, group, staff=staff)
    clock.set_frozen(now)
    return provider.id, staff.id, "ДЮЦ «Ракета»"


def submit_march(app, billing, *, undelivered: int | None = None) -> int:
    report_id = march_report(app, billing)
    with app.app_context():
        report = reports.load(report_id)
        marks = [reports.Mark(line.id, line.contract_id != undelivered,
                              "Педагог болел" if line.contract_id == undelivered else "")
                 for line in report.lines]
        staff = db.session.get(User, billing.world.staff.id)
        return reports.submit(report, marks, actor=staff, today=clock.today()).id


def march_share(contract_id: int) -> int:
    return next(m.certificate_share for m in contract_row(contract_id).months
                if m.month == MARCH)


def transfers() -> int:
    return db.session.scalar(select(func.count()).select_from(Transfer))


# --- flask close-month ---

def test_close_month_says_what_it_paid_released_and_who_is_late(app, billing):
    first, second = billing.contracts
    _, _, late_name = second_provider(app, billing)
    invoice_id = submit_march(app, billing, undelivered=second)
    at(date(2026, 4, 10))
    with app.app_context():
        paid, released = march_share(first), march_share(second)
        assert paid > 0 and released > 0

    result = cli(app, "close-month", "2026-03", "--batch", "1")

    assert result.exit_code == 0, result.output
    out = result.output
    assert "Closing март 2026 (2026-03): 1 invoice(s)." in out
    assert "approved by this run: 1; paid before this run: 0" in out
    assert f"paid: 1 contract-month, {format_rub(paid)}" in out
    assert f"released (not delivered): 1 contract-month, {format_rub(released)}" in out
    assert f"not reported (late): {late_name}" in out
    assert "Nothing to do" not in out
    with app.app_context():
        invoice = invoices.get(invoice_id)
        assert invoice.status == InvoiceStatus.PAID and invoice.approved_by_id is None
        statuses = {m.contract_id: m.status for m in db.session.scalars(
            select(ContractMonth).where(ContractMonth.month == MARCH))}
        assert statuses[first] == MonthStatus.PAID
        assert statuses[second] == MonthStatus.RELEASED
        assert check_invariants() == []
        moved = transfers()

    again = cli(app, "close-month", "2026-03")

    assert again.exit_code == 0, again.output
    assert "paid before this run: 1" in again.output
    assert f"paid: 0 contract-months, {format_rub(0)}" in again.output
    assert "Nothing to do: every reported month was settled before; nothing moved." \
        in again.output
    with app.app_context():
        assert transfers() == moved


def test_close_month_leaves_a_returned_invoice_to_the_provider(app, billing):
    invoice_id = submit_march(app, billing)
    with app.app_context():
        coordinator = db.session.get(User, billing.world.coordinator.id)
        invoice = invoices.return_(invoices.get(invoice_id), "Проверьте договоры",
                                   actor=coordinator)
        number = invoice.number
        name = db.session.get(Provider, billing.world.provider.id).short_name
        moved = transfers()
    at(date(2026, 4, 10))

    result = cli(app, "close-month", "2026-03")

    assert result.exit_code == 0, result.output
    assert f"returned, waiting for the provider: {number} ({name})" in result.output
    assert "Nothing to do" in result.output
    with app.app_context():
        assert transfers() == moved
        assert invoices.get(invoice_id).status == InvoiceStatus.RETURNED


def test_close_month_refuses_a_malformed_month_in_russian(app, billing):
    submit_march(app, billing)
    with app.app_context():
        moved = transfers()
    for bad in ("2026-13", "2026-3", "март", "2026-03-01", "9999-01", "2026-00"):
        result = cli(app, "close-month", bad)
        assert result.exit_code == 1, (bad, result.output)
        assert "Месяц указывается как ГГГГ-ММ, например 2026-10" in result.output, bad
    with app.app_context():
        assert transfers() == moved


def test_close_month_refuses_a_month_not_over(app, billing):
    at(date(2026, 4, 30))
    with app.app_context():
        moved = transfers()

    result = cli(app, "close-month", "2026-04")

    assert result.exit_code == 1
    assert "Апрель 2026 ещё не закончился: закрывать его рано" in result.output
    with app.app_context():
        assert transfers() == moved


# --- flask billing remind ---

def notices_of(user_id: int) -> list[str]:
    """The user's notices about the March report (not those about requests and offers)."""
    return [text for text in db.session.scalars(
        select(Notice.text).where(Notice.user_id == user_id).order_by(Notice.id))
        if "отчёт за март" in text.lower()]


def remind_on(app, day: date) -> str:
    at(day)
    result = cli(app, "billing", "remind")
    assert result.exit_code == 0, result.output
    return result.output


def test_remind_before_the_due_day_and_once_after_it_never_one_that_reported(app, billing):
    _, late_staff, _ = second_provider(app, billing)
    submit_march(app, billing)  # the first provider has reported on the 2nd of April
    reported_staff = billing.world.staff.id
    ahead = ("Отправьте отчёт за март 2026 до 05.04.2026 включительно: без него месяц не "
             "будет оплачен.")
    overdue = ("Отчёт за март 2026 просрочен: срок был 05.04.2026. Отправьте его, чтобы "
               "получить оплату.")

    assert remind_on(app, date(2026, 4, 2)) == "Reminded 0 provider(s) of their report.\n"
    assert remind_on(app, date(2026, 4, 3)) == "Reminded 1 provider(s) of their report.\n"
    with app.app_context():
        assert notices_of(late_staff) == [ahead]
        mail = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        assert mail.subject == "Отчёт за месяц"
        assert "Отправьте отчёт за март 2026 до 05.04.2026 включительно" in mail.body
    # the same day again, the day before and the due day itself: no second reminder
    for day in (date(2026, 4, 3), date(2026, 4, 4), DUE):
        assert "Reminded 0" in remind_on(app, day), day
    assert "Reminded 1" in remind_on(app, date(2026, 4, 6))
    with app.app_context():
        assert notices_of(late_staff) == [ahead, overdue]
        mail = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        assert "Отчёт за март 2026 просрочен: срок был 05.04.2026" in mail.body
    for day in (date(2026, 4, 6), date(2026, 4, 7), date(2026, 4, 20)):
        assert "Reminded 0" in remind_on(app, day), day
    with app.app_context():
        assert notices_of(late_staff) == [ahead, overdue]
        # the provider that reported hears nothing about the report (only its own submission)
        assert notices_of(reported_staff) == []


def test_a_first_reminder_after_the_due_day_is_the_overdue_one_and_only_one(app, billing):
    _, late_staff, _ = second_provider(app, billing)
    assert "Reminded 2" in remind_on(app, date(2026, 4, 8))
    assert "Reminded 0" in remind_on(app, date(2026, 4, 9))
    with app.app_context():
        assert notices_of(late_staff) == [
            "Отчёт за март 2026 просрочен: срок был 05.04.2026. Отправьте его, чтобы получить "
            "оплату."]
