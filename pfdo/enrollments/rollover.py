"""The roll-over into the next calendar-year period (docs/domain.md §5): contracts run
September–May, so at acceptance only the current period's months are reserved and the next
period's are planned. When the next period opens, `reserve_continuing` turns a certificate's
planned months into reserved ones, from the new balance, in the same transaction as the
certificate's top-up (`open_period` hands it to `certificates.jobs.open_period` as its
callback), so no new enrolment can spend that money in between.

The planned split stands when the new balance covers every continuing contract's planned
certificate shares; otherwise the balance is spread over those months in proportion to what
was planned (largest remainder, `money.split`): no month's share grows, none goes negative,
each month's parts still sum to its price. A certificate without money in the period (record,
no financing place left, a contract accepted paying in full) reserves its months with a zero
share: the family pays the whole price. Each family is told its new split.

Idempotent: a second run finds no planned months left in the period and the ledger key
`reserve:<contract>:<period>` refuses a second reserve."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select

from pfdo.audit import services as audit
from pfdo.certificates import financing
from pfdo.certificates import jobs as period_jobs
from pfdo.certificates.models import Certificate
from pfdo.db import db
from pfdo.enrollments import notices
from pfdo.enrollments.models import Contract, ContractMonth, ContractStatus, MonthStatus
from pfdo.enrollments.notices import genitive
from pfdo.enrollments.pricing import MonthShare
from pfdo.enrollments.summary import MonthRange, group_months
from pfdo.formatting import month_name, month_range
from pfdo.ledger import escrow
from pfdo.ledger import services as ledger
from pfdo.ledger.models import AccountKind
from pfdo.money import format_rub, split
from pfdo.periods.models import FinancingPeriod
from pfdo.programs.models import Funding

#: the contracts that may still have months in a later period: running ones, and terminated
#: ones (their months after the end were dropped at termination; the last may be in it)
CONTINUING = (ContractStatus.ACTIVE, ContractStatus.TERMINATED)
#: an in-app notice's length (`Notice.text`)
NOTICE_MAX = 500


@dataclass
class RolledOver:
    """One contract's months in the period, reserved now."""

    contract: Contract
    months: list[ContractMonth]
    #: the certificate's shares planned at acceptance, and those reserved now
    planned: int
    reserved: int

    @property
    def resplit(self) -> bool:
        return self.reserved != self.planned


@dataclass
class RolloverResult:
    contracts: list[RolledOver] = field(default_factory=list)

    @property
    def reserved(self) -> int:
        return sum(c.reserved for c in self.contracts)


def _in_period(month: ContractMonth, contract: Contract, period: FinancingPeriod) -> bool:
    return (month.status == MonthStatus.PLANNED
            and period.starts_on <= month.month <= period.ends_on
            and (contract.ends_on is None or month.month <= contract.ends_on))


def continuing_contracts(certificate: Certificate, period: FinancingPeriod
                         ) -> list[tuple[Contract, list[ContractMonth]]]:
    """The certificate's contracts with planned months inside `period`, with those months."""
    contracts = db.session.scalars(
        select(Contract).where(Contract.certificate_id == certificate.id,
                               Contract.status.in_(CONTINUING),
                               or_(Contract.ends_on.is_(None),
                                   Contract.ends_on >= period.starts_on))
        .order_by(Contract.id)).all()
    found = []
    for contract in contracts:
        months = [m for m in contract.months if _in_period(m, contract, period)]
        if months:
            found.append((contract, months))
    return found


def continuing_certificates(period: FinancingPeriod) -> list[int]:
    """Ids of the certificates whose contracts have planned months inside `period`, in
    order: they are granted first at the period's opening, before any other certificate."""
    return list(db.session.scalars(
        select(Contract.certificate_id).distinct()
        .join(ContractMonth, ContractMonth.contract_id == Contract.id)
        .where(Contract.status.in_(CONTINUING),
               or_(Contract.ends_on.is_(None), Contract.ends_on >= ContractMonth.month),
               ContractMonth.status == MonthStatus.PLANNED,
               ContractMonth.month >= period.starts_on, ContractMonth.month <= period.ends_on)
        .order_by(Contract.certificate_id)))


def _pays(contract: Contract) -> bool:
    return contract.program.funding == Funding.CERTIFIED and not contract.pay_in_full


def _new_shares(paying: list[ContractMonth], available: int) -> list[int]:
    """Each month's share: as planned when the balance covers them all, else the balance
    spread in proportion to the plan (each part within a kopeck of available·planned/total,
    which is below `planned`, so never more than planned)."""
    planned = [m.certificate_share for m in paying]
    total = sum(planned)
    if total <= available:
        return planned
    if available <= 0 or total == 0:
        return [0] * len(paying)
    return split(available, planned)


def reserve_continuing(certificate: Certificate, period: FinancingPeriod, *,
                       today: date) -> RolloverResult:
    """Reserve the months inside `period` of the certificate's continuing contracts from its
    balance, re-splitting them when the balance falls short, and tell each family its split;
    one audit record per contract. Runs in the caller's transaction (flushes only); the
    caller tops the certificate up first. A certificate without a grant for the period pays
    nothing: its months are reserved with a zero share. Idempotent."""
    found = continuing_contracts(certificate, period)
    result = RolloverResult()
    if not found:
        return result
    has_money = financing.grant_for(certificate, period) is not None
    paying = [m for contract, months in found if has_money and _pays(contract) for m in months]
    account = ledger.get_or_create_account(certificate.account_code, AccountKind.CERTIFICATE) \
        if paying else None
    shares = dict(zip((m.id for m in paying),
                      _new_shares(paying, ledger.balance(account) if paying else 0),
                      strict=True))
    for contract, months in found:
        planned = sum(m.certificate_share for m in months)
        for month in months:
            share = shares.get(month.id, 0)
            month.certificate_share, month.family_share = share, month.price - share
            month.status = MonthStatus.RESERVED
        db.session.flush()
        rolled = RolledOver(contract, months, planned, sum(m.certificate_share for m in months))
        if rolled.reserved > 0:
            _reserve(contract, rolled, period, account)
        audit.record(None, "contract.rolled_over", contract,
                     {"period": period.title, "months": len(months), "planned": planned,
                      "reserved": rolled.reserved})
        _tell(rolled, period)
        result.contracts.append(rolled)
    return result


def _reserve(contract: Contract, rolled: RolledOver, period: FinancingPeriod,
             account) -> None:
    paid_months = [m.month for m in rolled.months if m.certificate_share]
    held = ledger.get_or_create_account(contract.escrow_code, AccountKind.ESCROW)
    escrow.reserve(account, held, rolled.reserved, key=f"reserve:{contract.id}:{period.id}",
                   ref=contract.ledger_ref,
                   reason=f"Резерв по договору {contract.number}: «{contract.program.title}», "
                          f"{month_range(paid_months[0], paid_months[-1])}")


def _ranges(months: Sequence[ContractMonth]) -> tuple[MonthRange, ...]:
    return group_months([MonthShare(m.month, m.price, m.certificate_share, m.family_share,
                                    in_current_period=True) for m in months])


def _since(day: date) -> str:
    """«С января 2027 года»."""
    return f"С {month_name(day, case='genitive')} {day.year} года"


def _split_words(part: MonthRange) -> str:
    if part.certificate == 0:
        return (f"сертификат не платит, вы платите полную стоимость — "
                f"{format_rub(part.family)} в месяц")
    if part.family == 0:
        return (f"сертификат платит {format_rub(part.certificate)} в месяц, "
                "доплачивать не нужно")
    return (f"сертификат платит {format_rub(part.certificate)} в месяц, вы доплачиваете "
            f"{format_rub(part.family)}")


def split_text(rolled: RolledOver) -> str:
    """The family's notice: «С января 2027 года по договору Д-000045 («Робототехника» для
    Анны) сертификат платит 1 000,00 ₽ в месяц, вы доплачиваете 1 500,00 ₽.»"""
    contract = rolled.contract
    about = f"по договору {contract.number} («{contract.program.title}» для " \
            f"{genitive(contract.child)})"
    ranges = _ranges(rolled.months)
    since = _since(ranges[0].first)
    if len(ranges) == 1:
        text = f"{since} {about} {_split_words(ranges[0])}."
    else:
        parts = "; ".join(f"{part.label}: {_split_words(part)}" for part in ranges)
        text = f"{since} {about}: {parts}."
    if rolled.resplit and rolled.reserved == 0:
        text += (" На сертификате нет средств на новый период: было запланировано "
                 f"{format_rub(rolled.planned)}.")
    elif rolled.resplit:
        text += (" Средств сертификата на новый период меньше, чем было запланировано "
                 f"({format_rub(rolled.planned)}): зарезервировано "
                 f"{format_rub(rolled.reserved)}.")
    if len(text) > NOTICE_MAX:  # many ranges or a long title: the totals, the months by mail
        family = sum(m.family_share for m in rolled.months)
        text = (f"{since} по договору {contract.number} сертификат платит "
                f"{format_rub(rolled.reserved)} за {len(rolled.months)} мес., вы доплачиваете "
                f"{format_rub(family)}. Суммы по месяцам — в договоре.")
    return text


def _tell(rolled: RolledOver, period: FinancingPeriod) -> None:
    if not any(m.price for m in rolled.months):
        return  # a free program: nothing to pay, nothing to tell
    contract = rolled.contract
    notices.to_parent(contract.parent, split_text(rolled), endpoint="enrollments.contract",
                      contract_id=contract.id, subject=f"Оплата договора {contract.number} "
                      f"на {period.title}", template="emails/contract_rolled_over.txt",
                      contract=contract, ranges=_ranges(rolled.months), rolled=rolled,
                      period=period)


def after_grant(certificate: Certificate, period: FinancingPeriod, *,
                today: date) -> tuple[int, int]:
    """The callback of `certificates.jobs.open_period`: (contracts rolled over, kopecks
    reserved) for the certificate."""
    result = reserve_continuing(certificate, period, today=today)
    return len(result.contracts), result.reserved


def open_period(*, today: date) -> period_jobs.JobReport:
    """Open the current period (`flask periods open`): continuing children first, each
    certificate topped up and its continuing contracts reserved in one transaction, then the
    contracts of certificates without a grant (record certificates) reserved at a zero share.
    Refuses what `certificates.jobs.open_period` refuses."""
    return period_jobs.open_period(today=today, first=continuing_certificates,
                                   after_grant=after_grant)
