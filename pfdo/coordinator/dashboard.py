"""The coordinator's dashboard beyond the headline cards (services.dashboard): the money of the
current period by the ledger (granted, reserved, paid), enrolments by direction and by
provider, payments by month, every queue that waits for the coordinator with the age of its
oldest item, and the warnings. Each figure is one aggregate query over indexed columns, so the
page costs the same at a hundred contracts and at a hundred and fifty thousand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, or_, select

from pfdo.billing import months as billing_months
from pfdo.billing import overview
from pfdo.billing.models import Invoice, InvoiceStatus
from pfdo.certificates.models import ApplicationStatus, CertificateApplication
from pfdo.db import db
from pfdo.enrollments.models import (
    Contract,
    ContractMonth,
    ContractStatus,
    EnrollmentRequest,
    MonthStatus,
    RequestStatus,
)
from pfdo.ledger.models import AccountKind, LedgerAccount
from pfdo.municipality import services as municipality
from pfdo.periods.models import DIRECTION_LABELS, Direction, FinancingPeriod
from pfdo.programs.models import Program, ProgramStatus
from pfdo.programs.revision_models import ProgramRevision
from pfdo.providers.models import Provider, ProviderStatus

TOP_PROVIDERS = 10


@dataclass(frozen=True)
class Queue:
    label: str
    count: int
    #: whole days the oldest item has waited (None: nothing waits)
    oldest_days: int | None
    endpoint: str
    #: the count is of items past their deadline (shown as a warning)
    overdue: bool = False


@dataclass(frozen=True)
class Money:
    granted: int
    reserved: int
    paid: int


@dataclass
class Figures:
    money: Money
    by_direction: list[tuple[str, int]]
    by_provider: list[tuple[str, int]]
    #: (month, kopecks paid for the month's delivered contract-months)
    by_month: list[tuple[date, int]]
    queues: list[Queue]
    active_contracts: int
    #: providers with contracts in the last month who have not reported it by its due day
    late_providers: list[str] = field(default_factory=list)
    late_month: date | None = None


def _days(moment: datetime | None, today: date) -> int | None:
    return municipality.days_since(moment, today) if moment is not None else None


def _balance_sum(kind: AccountKind) -> int:
    """What the accounts of `kind` hold now, by the ledger (credits − debits)."""
    return int(db.session.scalar(
        select(func.coalesce(func.sum(LedgerAccount.credits_posted
                                      - LedgerAccount.debits_posted), 0))
        .where(LedgerAccount.kind == kind)) or 0)


def money(period: FinancingPeriod | None, granted: int) -> Money:
    """Granted to certificates in the period; reserved in contracts' escrows; paid out to
    providers (their payable accounts, corrections netted) — all from the ledger."""
    return Money(granted=granted if period is not None else 0,
                 reserved=_balance_sum(AccountKind.ESCROW),
                 paid=_balance_sum(AccountKind.PAYABLE))


def enrolments_by_direction() -> list[tuple[str, int]]:
    counts = dict(db.session.execute(
        select(Program.direction, func.count()).join(Contract, Contract.program_id == Program.id)
        .where(Contract.status == ContractStatus.ACTIVE).group_by(Program.direction)).all())
    return [(DIRECTION_LABELS[d], int(counts.get(d.value, 0))) for d in Direction]


def enrolments_by_provider(limit: int = TOP_PROVIDERS) -> list[tuple[str, int]]:
    rows = db.session.execute(
        select(Provider.short_name, func.count().label("n"))
        .join(Contract, Contract.provider_id == Provider.id)
        .where(Contract.status == ContractStatus.ACTIVE)
        .group_by(Provider.id, Provider.short_name)
        .order_by(func.count().desc(), Provider.short_name).limit(limit)).all()
    return [(name, int(n)) for name, n in rows]


def payments_by_month(period: FinancingPeriod | None) -> list[tuple[date, int]]:
    """The certificate shares paid for each month of the period, every month listed."""
    if period is None:
        return []
    paid = dict(db.session.execute(
        select(ContractMonth.month, func.sum(ContractMonth.certificate_share))
        .where(ContractMonth.status == MonthStatus.PAID,
               ContractMonth.month >= period.starts_on, ContractMonth.month <= period.ends_on)
        .group_by(ContractMonth.month)).all())
    result, month = [], period.starts_on.replace(day=1)
    while month <= period.ends_on:
        result.append((month, int(paid.get(month, 0) or 0)))
        month = billing_months.next_month(month)
    return result


def queues(today: date) -> list[Queue]:
    """What waits for the coordinator, each with its oldest item's age."""
    applications = db.session.execute(
        select(func.count(), func.min(CertificateApplication.submitted_at))
        .where(CertificateApplication.status == ApplicationStatus.SUBMITTED)).one()
    providers = db.session.execute(
        select(func.count(), func.min(Provider.submitted_at))
        .where(Provider.status == ProviderStatus.SUBMITTED)).one()
    sent = func.coalesce(ProgramRevision.submitted_at, Program.submitted_at)
    programs = db.session.execute(
        select(func.count(func.distinct(Program.id)), func.min(sent))
        .select_from(Program)
        .outerjoin(ProgramRevision, (ProgramRevision.program_id == Program.id)
                   & (ProgramRevision.status == ProgramStatus.SUBMITTED))
        .where(or_(Program.status == ProgramStatus.SUBMITTED,
                   ProgramRevision.id.is_not(None)))).one()
    invoices = db.session.execute(
        select(func.count(), func.min(Invoice.submitted_at))
        .where(Invoice.status == InvoiceStatus.SUBMITTED)).one()
    overdue = db.session.execute(
        select(func.count(), func.min(EnrollmentRequest.created_at))
        .where(EnrollmentRequest.status == RequestStatus.PENDING,
               EnrollmentRequest.answer_due_on < today)).one()
    return [
        Queue("Заявления на сертификаты", applications[0], _days(applications[1], today),
              "coordinator.applications"),
        Queue("Заявки поставщиков в реестр", providers[0], _days(providers[1], today),
              "providers.queue"),
        Queue("Программы на модерации", programs[0], _days(programs[1], today),
              "programs.moderation"),
        Queue("Счета на проверке", invoices[0], _days(invoices[1], today),
              "billing.coordinator_invoices"),
        Queue("Заявки на обучение без ответа поставщика в срок", overdue[0],
              _days(overdue[1], today), "enrollments.provider_deadlines", overdue=True),
    ]


def figures(today: date, *, period: FinancingPeriod | None, granted: int) -> Figures:
    late_month = billing_months.previous_month(today)
    rows = overview.month_rows(late_month, today=today)
    active = db.session.scalar(select(func.count()).select_from(Contract).where(
        Contract.status == ContractStatus.ACTIVE)) or 0
    return Figures(
        money=money(period, granted),
        by_direction=enrolments_by_direction(),
        by_provider=enrolments_by_provider(),
        by_month=payments_by_month(period),
        queues=queues(today),
        active_contracts=int(active),
        late_providers=[r.provider_name for r in rows if r.late and r.invoice_status is None],
        late_month=late_month,
    )
