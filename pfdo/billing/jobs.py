"""The daily reminder of the monthly close: two days before the report for last month is due,
and again on the day after it, the staff of each provider that has contracts in that month and
has not submitted its report are told (once each)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import update

from pfdo import clock
from pfdo.billing import months, overview, reports
from pfdo.billing.models import ServiceReport
from pfdo.db import db, unit_of_work
from pfdo.enrollments import notices
from pfdo.municipality import services as municipality
from pfdo.providers.models import Provider

AHEAD = timedelta(days=2)


def remind(today: date) -> int:
    """Remind late or nearly late providers; returns how many were told. Idempotent: one
    reminder per report (the overdue one is the second, after the due day)."""
    month = months.previous_month(today)
    due = months.due_on(month)
    if today < due - AHEAD:
        return 0
    overdue = today > due
    told = 0
    for row in overview.month_rows(month, today=today):
        if row.invoice_status is not None:
            continue
        with unit_of_work():
            provider = db.session.get(Provider, row.provider_id)
            report = reports.ensure(provider, month)
            last = report.reminded_at
            if last is not None and (not overdue or municipality.local_date(last) > due):
                continue
            guard = (ServiceReport.reminded_at.is_(None) if last is None
                     else ServiceReport.reminded_at == last)
            claimed = db.session.execute(
                update(ServiceReport).where(ServiceReport.id == report.id, guard)
                .values(reminded_at=clock.now())
                .execution_options(synchronize_session=False)).rowcount
            if not claimed:
                continue
            label = reports.month_label(month)
            text = (f"Отчёт за {label} просрочен: срок был {due:%d.%m.%Y}. Отправьте его, "
                    "чтобы получить оплату." if overdue else
                    f"Отправьте отчёт за {label} до {due:%d.%m.%Y} включительно: без него "
                    "месяц не будет оплачен.")
            notices.to_provider(provider, text, endpoint="billing.provider_report",
                                report_id=report.id, subject="Отчёт за месяц",
                                template="emails/report_due.txt", month=label, due=due,
                                overdue=overdue)
        told += 1
    return told
