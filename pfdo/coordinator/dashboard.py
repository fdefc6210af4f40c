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
from pfdo.billing.models import Invoice, InvoiceStatus, ServiceReport
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
from pfdo.privacy import deletion
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
    #: deletion requests due within privacy.deletion.DUE_SOON_DAYS days, or overdue
    deletions_due: int = 0
    deletions_due_days: int = deletion.DUE_SOON_DAYS


def _days(moment: datetime | None, today: date) -> int | None:
    return municipality.days_since(moment, today) if moment is not None else None


def money(period: FinancingPeriod | None, granted: int) -> Money:
    """Granted to certificates in the period; reserved in contracts' escrows; paid out to
    providers (their payable accounts, corrections netted) — all from the ledger, in one scan
    of the accounts."""
    held = dict(db.session.execute(
        select(LedgerAccount.kind, func.sum(LedgerAccount.credits_posted
                                            - LedgerAccount.debits_posted))
        .where(LedgerAccount.kind.in_((AccountKind.ESCROW, AccountKind.PAYABLE)))
        .group_by(LedgerAccount.kind)).all())
    return Money(granted=granted if period is not None else 0,
                 reserved=int(held.get(AccountKind.ESCROW, 0) or 0),
                 paid=int(held.get(AccountKind.PAYABLE, 0) or 0))


@dataclass(frozen=True)
class Enrolments:
    active: int
    by_direction: list[tuple[str, int]]
    by_provider: list[tuple[str, int]]


def enrolments(limit: int = TOP_PROVIDERS) -> Enrolments:
    """Active contracts: their number, by direction, and the providers with the most — one
    pass over the contracts (an index-only scan of ix_contract_status_program), counted by
    program and provider before the few resulting rows meet the programs' directions."""
    per_program = (select(Contract.program_id, Contract.provider_id,
                          func.count().label("n"))
                   .where(Contract.status == ContractStatus.ACTIVE)
                   .group_by(Contract.program_id, Contract.provider_id).subquery())
    counts = db.session.execute(
        select(Program.direction, per_program.c.provider_id, func.sum(per_program.c.n))
        .join(Program, Program.id == per_program.c.program_id)
        .group_by(Program.direction, per_program.c.provider_id)).all()
    directions: dict[str, int] = {}
    providers: dict[int, int] = {}
    for direction, provider_id, n in counts:
        directions[direction] = directions.get(direction, 0) + int(n)
        providers[provider_id] = providers.get(provider_id, 0) + int(n)
    names = dict(db.session.execute(select(Provider.id, Provider.short_name).where(
        Provider.id.in_(list(providers)))).all()) if providers else {}
    top = sorted(((names.get(pid, ""), n) for pid, n in providers.items()),
                 key=lambda item: (-item[1], item[0]))[:limit]
    return Enrolments(active=sum(directions.values()),
                      by_direction=[(DIRECTION_LABELS[d], directions.get(d.value, 0))
                                    for d in Direction],
                      by_provider=top)


def payments_by_month(period: FinancingPeriod | None) -> list[tuple[date, int]]:
    """What the paid invoices of each month of the period paid (the certificate shares of
    their delivered months as issued), every month listed: a row per provider and month, not
    per contract-month."""
    if period is None:
        return []
    paid = dict(db.session.execute(
        select(Invoice.month, func.sum(Invoice.certificate_total))
        .where(Invoice.status == InvoiceStatus.PAID,
               Invoice.month >= period.starts_on, Invoice.month <= period.ends_on)
        .group_by(Invoice.month)).all())
    result, month = [], period.starts_on.replace(day=1)
    while month <= period.ends_on:
        result.append((month, int(paid.get(month, 0) or 0)))
        month = billing_months.next_month(month)
    return result


def queues(today: date, deletions: deletion.Waiting | None = None) -> list[Queue]:
    """What waits for the coordinator, each with its oldest item's age."""
    deletions = deletions or deletion.waiting(today)
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
        Queue("Запросы на удаление данных семьи", deletions.count,
              _days(deletions.oldest, today), "deletions.index"),
    ]


def late_providers(month: date, today: date) -> list[str]:
    """Providers with contracts running in `month` that have not submitted its report, once
    its due day has passed — each provider checked by an EXISTS that stops at its first
    contract-month, not by counting them all."""
    if today <= billing_months.due_on(month):
        return []
    running = (select(ContractMonth.id).join(Contract, Contract.id == ContractMonth.contract_id)
               .where(Contract.provider_id == Provider.id, ContractMonth.month == month,
                      ContractMonth.status != MonthStatus.DROPPED,
                      Contract.status.in_((ContractStatus.ACTIVE, ContractStatus.TERMINATED)))
               .exists())
    submitted = (select(Invoice.id).join(ServiceReport, ServiceReport.id == Invoice.report_id)
                 .where(ServiceReport.provider_id == Provider.id, ServiceReport.month == month)
                 .exists())
    return list(db.session.scalars(select(Provider.short_name)
                                   .where(running, ~submitted)
                                   .order_by(Provider.short_name, Provider.id)))


def figures(today: date, *, period: FinancingPeriod | None, granted: int) -> Figures:
    late_month = billing_months.previous_month(today)
    counted = enrolments()
    deletions = deletion.waiting(today)
    return Figures(
        money=money(period, granted),
        by_direction=counted.by_direction,
        by_provider=counted.by_provider,
        by_month=payments_by_month(period),
        queues=queues(today, deletions),
        active_contracts=counted.active,
        late_providers=late_providers(late_month, today),
        late_month=late_month,
        deletions_due=deletions.due_soon,
    )
