"""Demo monthly close (docs/domain.md §9), on the enrolment timeline (pfdo.demo.enrollments).

For every month from the period's first up to two months before today's, each provider with
contracts in it submits its report between the 1st and the due day of the next month (now and
then a month not delivered, with the provider's comment) and the coordinator approves it a few
days later through `invoices.approve` (the bulk ledger path): those months are paid or
released. One paid month is corrected afterwards. The month before today's is open: about half
of the providers have submitted, the rest are due or late; the demo provider's invoice was
returned with remarks. The demo parent's first contract at the demo provider has one month not
delivered (released back to the certificate)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from pfdo.accounts.models import User
from pfdo.billing import invoices, months, reports
from pfdo.billing.models import Invoice, ServiceReportLine
from pfdo.db import db
from pfdo.demo.timeline import Plan, Story, Timeline
from pfdo.enrollments.models import Contract, ContractMonth, ContractStatus, MonthStatus
from pfdo.providers.models import Provider

#: why a group did not run in a month, as providers write it
NOT_DELIVERED = (
    "Педагог на больничном весь месяц, замену найти не удалось",
    "Занятия не проводились: ремонт кабинета",
    "Группа не занималась: карантин в школе",
    "Педагог уволился, новый приступает со следующего месяца",
)
REMARKS = "Проверьте договоры, расторгнутые в этом месяце: занятия по ним отмечены проведёнными"
CORRECTION = "Родитель сообщил, что ребёнок не посещал занятия: договор оплачен ошибочно"
#: a line is marked not delivered this often
UNDELIVERED_SHARE = 0.04


def add_stories(plan: Plan, timeline: Timeline, *, first_month: date, demo_provider: int | None,
                demo_parent: int) -> None:
    """One story per month to close (from `first_month` to the month before today's)."""
    last = months.previous_month(plan.today)
    month, state = first_month.replace(day=1), {"corrected": False, "released_demo": False}
    while month <= last:
        timeline.add(_month(plan, timeline, month, open_=month == last,
                            demo_provider=demo_provider, demo_parent=demo_parent,
                            state=state))
        month = months.next_month(month)


def _providers(month: date) -> list[int]:
    return list(db.session.scalars(
        select(Contract.provider_id).distinct()
        .join(ContractMonth, ContractMonth.contract_id == Contract.id)
        .where(ContractMonth.month == month, ContractMonth.status == MonthStatus.RESERVED,
               Contract.status.in_((ContractStatus.ACTIVE, ContractStatus.TERMINATED)))
        .order_by(Contract.provider_id)))


def _month(plan: Plan, timeline: Timeline, month: date, *, open_: bool,
           demo_provider: int | None, demo_parent: int, state: dict) -> Story:
    """On the 1st of the next month: a story for each provider with contracts in `month`."""
    first = months.next_month(month)
    yield plan.at(first)
    due = months.due_on(month)
    providers = _providers(month)
    for provider_id in providers:
        is_demo = provider_id == demo_provider
        if open_ and not is_demo and plan.rng.random() < 0.5:
            continue  # not submitted yet: due, or late
        day = first + timedelta(days=plan.rng.randint(0, (due - first).days))
        timeline.add(_report(plan, month, provider_id, min(day, plan.today), open_=open_,
                             demo=is_demo, demo_parent=demo_parent, state=state))


def _report(plan: Plan, month: date, provider_id: int, day: date, *, open_: bool, demo: bool,
            demo_parent: int, state: dict) -> Story:
    rng = plan.rng
    yield plan.at(day)
    provider = db.session.get(Provider, provider_id)
    staff = plan.staff.get(provider_id)
    actor = db.session.get(User, staff) if staff is not None else plan.no_account
    report = reports.open_report(provider, month, today=day)
    marks = []
    for line in report.lines:
        delivered = rng.random() >= UNDELIVERED_SHARE
        if demo and not open_ and not state["released_demo"] \
                and line.contract.parent_id == demo_parent:
            delivered, state["released_demo"] = False, True
        marks.append(reports.Mark(line.id, delivered,
                                  "" if delivered else rng.choice(NOT_DELIVERED)))
    invoice_id = reports.submit(report, marks, actor=actor, today=day).id
    if open_ and not demo:
        return  # waiting for the coordinator
    decided = min(day + timedelta(days=rng.randint(1, 4)), plan.today)
    yield plan.at(decided)
    coordinator = db.session.get(User, plan.coordinator_id)
    invoice = db.session.get(Invoice, invoice_id)
    if open_:
        invoices.return_(invoice, REMARKS, actor=coordinator)
        return
    report_id = invoice.report_id
    invoices.approve(invoice, actor=coordinator)
    if state["corrected"] or demo or plan.today - decided < timedelta(days=10):
        return
    yield plan.at(decided + timedelta(days=rng.randint(2, 6)))
    if state["corrected"]:
        return
    coordinator = db.session.get(User, plan.coordinator_id)
    line = db.session.scalars(
        select(ServiceReportLine).join(ContractMonth,
                                       ContractMonth.id == ServiceReportLine.contract_month_id)
        .where(ServiceReportLine.report_id == report_id, ServiceReportLine.delivered,
               ContractMonth.status == MonthStatus.PAID, ContractMonth.certificate_share > 0)
        .order_by(ServiceReportLine.id)).first()
    if line is not None:
        state["corrected"] = True
        invoices.correct(line, CORRECTION, actor=coordinator,
                         today=min(decided + timedelta(days=6), plan.today))
