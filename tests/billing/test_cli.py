"""`flask close-month` and `flask billing remind` as cron runs them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.billing import reports
from pfdo.db import db
from pfdo.notifications.models import Notice
from tests.billing.conftest import march_report

TODAY = date(2026, 4, 2)


def _submit(app, billing):
    report_id = march_report(app, billing)
    with app.app_context():
        report = reports.load(report_id)
        marks = [reports.Mark(line.id, True) for line in report.lines]
        reports.submit(report, marks, actor=db.session.get(User, billing.world.staff.id),
                       today=TODAY)


def _notices(app, user_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Notice.text).where(Notice.user_id == user_id)
                                       .order_by(Notice.id)))


def test_close_month_says_what_it_did_and_a_rerun_moves_nothing(app, billing):
    _submit(app, billing)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["close-month", "2026-03"])
    assert first.exit_code == 0, first.output
    assert "март 2026" in first.output
    assert "approved by this run: 1" in first.output
    assert "paid: 2 contract-months, 2\u00a0400,00\u00a0₽" in first.output
    second = runner.invoke(args=["close-month", "2026-03"])
    assert second.exit_code == 0
    assert "paid before this run: 1" in second.output
    assert "Nothing to do" in second.output
    check = runner.invoke(args=["ledger-check"])
    assert check.exit_code == 0, check.output


def test_close_month_refuses_a_bad_or_unfinished_month(app, billing):
    runner = app.test_cli_runner()
    bad = runner.invoke(args=["close-month", "2026-13"])
    assert bad.exit_code != 0 and "ГГГГ-ММ" in bad.output
    early = runner.invoke(args=["close-month", "2026-04"])
    assert early.exit_code != 0 and "ещё не закончился" in early.output


def test_close_month_names_the_late_provider(app, billing):
    clock.set_frozen(datetime(2026, 4, 9, 3, 0, tzinfo=UTC))
    result = app.test_cli_runner().invoke(args=["close-month", "2026-03"])
    assert result.exit_code == 0
    assert "not reported (late):" in result.output


def test_remind_before_the_due_day_then_once_overdue(app, billing):
    runner = app.test_cli_runner()
    staff = billing.world.staff.id
    clock.set_frozen(datetime(2026, 4, 2, 3, 0, tzinfo=UTC))  # due 05.04: too early
    assert "Reminded 0" in runner.invoke(args=["billing", "remind"]).output
    clock.set_frozen(datetime(2026, 4, 3, 3, 0, tzinfo=UTC))
    assert "Reminded 1" in runner.invoke(args=["billing", "remind"]).output
    clock.set_frozen(datetime(2026, 4, 5, 3, 0, tzinfo=UTC))
    assert "Reminded 0" in runner.invoke(args=["billing", "remind"]).output
    clock.set_frozen(datetime(2026, 4, 6, 3, 0, tzinfo=UTC))
    assert "Reminded 1" in runner.invoke(args=["billing", "remind"]).output
    assert "Reminded 0" in runner.invoke(args=["billing", "remind"]).output
    texts = _notices(app, staff)
    billing_texts = [t for t in texts if "Отчёт за март" in t or "отчёт за март" in t]
    assert billing_texts == [
        "Отправьте отчёт за март 2026 до 05.04.2026 включительно: без него месяц не будет "
        "оплачен.",
        "Отчёт за март 2026 просрочен: срок был 05.04.2026. Отправьте его, чтобы получить "
        "оплату."]


def test_no_reminder_for_a_provider_that_reported(app, billing):
    _submit(app, billing)
    clock.set_frozen(datetime(2026, 4, 6, 3, 0, tzinfo=UTC))
    assert "Reminded 0" in app.test_cli_runner().invoke(args=["billing", "remind"]).output
