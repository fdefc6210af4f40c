"""The offer (договор-оферта, docs/domain.md §8 points 3–4): made when the provider accepts a
request or when a seat is freed for the first of the waitlist; accepted by the family in one
transaction (the seat, the conversion to a financing certificate within the quota, the
reserve of the current period's months into the contract's escrow) or declined; lapsing when
its time runs out. Two accepts racing for the last seat or the last rouble: exactly one wins,
the other is refused with a clear message and changes nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.audit import services as audit
from pfdo.certificates import financing
from pfdo.certificates.models import Certificate, CertificateStatus
from pfdo.children.models import Child
from pfdo.db import db, unit_of_work
from pfdo.enrollments import notices, terms
from pfdo.enrollments.models import (
    Contract,
    ContractMonth,
    ContractStatus,
    EnrollmentRequest,
    MonthStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from pfdo.enrollments.notices import genitive
from pfdo.errors import DomainError
from pfdo.formatting import month_range
from pfdo.ledger import escrow
from pfdo.ledger import services as ledger
from pfdo.ledger.models import AccountKind
from pfdo.municipality import services as municipality
from pfdo.periods import services as periods
from pfdo.programs import groups as seats
from pfdo.programs.models import Group

DEFAULT_ACCEPT_DAYS = 5


class TermsChanged(DomainError):
    """The split is no longer the one the family read (the balance, the month or the quota
    changed): nothing was done; the page shows the new terms."""


class QuotaGone(DomainError):
    """The financing places ran out: the family may accept paying the full price."""


def first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def accept_by(today: date) -> date:
    period = periods.current_period(today)
    days = period.offer_accept_days if period is not None else DEFAULT_ACCEPT_DAYS
    return municipality.add_working_days(today, days)


def make_offer(child: Child, group: Group, *, parent: User, certificate: Certificate,
               today: date, request: EnrollmentRequest | None = None,
               holds_seat: bool = False, first_month: date | None = None) -> Contract:
    """An offer for `child` in `group` (the caller's transaction; flushes). Refuses: a live
    offer or contract for the program already (even made at once)."""
    start = max(group.starts_on.replace(day=1), today.replace(day=1),
                first_month or date.min)
    contract = Contract(
        request_id=request.id if request is not None else None, parent_id=parent.id,
        child_id=child.id, certificate_id=certificate.id, group_id=group.id,
        program_id=group.program_id, provider_id=group.program.provider_id,
        status=ContractStatus.OFFERED, first_month=start, offered_at=clock.now(),
        accept_by=accept_by(today), holds_seat=holds_seat)
    db.session.add(contract)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise DomainError(f"Для {genitive(child)} по этой программе уже есть оферта или "
                          "договор") from error
    program = group.program
    if holds_seat:
        text = (f"Освободилось место в группе «{group.name}» программы «{program.title}» для "
                f"{genitive(child)}. Место за вами до {contract.accept_by:%d.%m.%Y}: примите "
                "оферту или откажитесь.")
        subject, template = "Освободилось место в группе", "emails/waitlist_seat.txt"
    else:
        text = (f"Поставщик принял заявку: оферта на «{program.title}» для {genitive(child)} "
                f"ждёт вашего ответа до {contract.accept_by:%d.%m.%Y}.")
        subject, template = "Оферта ждёт вашего ответа", "emails/offer_waiting.txt"
    notices.to_parent(parent, text, endpoint="enrollments.contract", contract_id=contract.id,
                      subject=subject, template=template, contract=contract)
    return contract


def _claim(contract: Contract, status: str) -> bool:
    """Move an offer to `status` with a guarded UPDATE: of two answers at once exactly one
    wins (on PostgreSQL the second waits for the first, then finds the offer answered)."""
    values = {"status": status}
    if status == ContractStatus.ACTIVE:
        values["accepted_at"] = clock.now()
    else:
        values["closed_at"] = clock.now()
    done = db.session.execute(
        update(Contract).where(Contract.id == contract.id,
                               Contract.status == ContractStatus.OFFERED)
        .values(**values).execution_options(synchronize_session=False)).rowcount
    if done:  # what the UPDATE wrote, without reading the row back
        for name, value in values.items():
            set_committed_value(contract, name, value)
    return bool(done)


def quote(contract: Contract, *, today: date) -> tuple[terms.Context, object]:
    """The offer's terms as they stand today: (context, breakdown)."""
    ctx = terms.context(contract.program, contract.child, contract.certificate, today=today)
    return ctx, terms.breakdown_for(ctx, contract.group, today=today,
                                    first_month=contract.first_month)


def accept(contract: Contract, *, actor: User, today: date, fingerprint: str | None,
           pay_in_full: bool = False) -> Contract:
    """The family accepts the offer, in one transaction: the seat is taken (unless the offer
    holds it), a record certificate becomes a financing one within the quota when the program
    is certified, the months are written with their split and the current period's share is
    reserved into the contract's escrow.

    Refuses, changing nothing: answered already, lapsed, the certificate not active, the group
    full (GroupFull), the quota gone since the family read the offer (QuotaGone: accept with
    `pay_in_full` or decline), the terms changed (`fingerprint` is the split the family read:
    TermsChanged), the balance spent meanwhile by a racing acceptance (TermsChanged)."""
    if contract.parent_id != actor.id:
        raise DomainError("Это не ваша оферта")
    with unit_of_work():
        if contract.accept_by < today and contract.status == ContractStatus.OFFERED:
            raise DomainError("Срок оферты истёк: её нельзя принять")
        if not _claim(contract, ContractStatus.ACTIVE):
            raise DomainError("Оферта уже принята или отклонена")
        certificate, group = contract.certificate, contract.group
        if certificate.status != CertificateStatus.ACTIVE:
            raise DomainError(f"Сертификат № {certificate.number} {certificate.status_label}: "
                              "принять оферту нельзя")
        if not contract.holds_seat:
            seats.take_seat(group)
        ctx, split = quote(contract, today=today)
        if fingerprint is not None and fingerprint != terms.fingerprint(split):
            raise TermsChanged("Условия оферты изменились, пока вы её читали: проверьте новый "
                               "расчёт и примите ещё раз")
        if not split.months:
            raise DomainError("Занятия группы уже закончились: принять оферту нельзя")
        if ctx.kind == terms.Kind.NO_PLACES and not pay_in_full:
            raise QuotaGone("Места на сертификаты ПФ закончились: сертификат за эту программу "
                            "не платит. Можно принять оферту с оплатой полной стоимости или "
                            "отказаться", field="pay_in_full")
        if ctx.kind == terms.Kind.CONVERSION:
            try:
                financing.grant_financing(certificate, actor=actor, today=today,
                                          source="enrolment")
            except periods.QuotaExhausted as error:
                raise QuotaGone("Места на сертификаты ПФ только что закончились: сертификат "
                                "за эту программу платить не будет. Можно принять оферту с "
                                "оплатой полной стоимости или отказаться",
                                field="pay_in_full") from error
        contract.pay_in_full = ctx.kind == terms.Kind.NO_PLACES
        _write_months(contract, split)
        _reserve(contract, split, ctx, actor=actor)
        _resolve_waitlist(contract, WaitlistStatus.ENROLLED)
        audit.record(actor, "contract.accepted", contract,
                     {"reserved": split.reserved_now, "months": len(split.months),
                      "pay_in_full": contract.pay_in_full})
        notices.to_provider(
            contract.provider, f"Семья приняла оферту {contract.number}: «{contract.program.title}»"
            f", группа «{group.name}». Договор действует.",
            endpoint="enrollments.provider_contract", contract_id=contract.id,
            subject="Оферта принята", template="emails/contract_accepted.txt", contract=contract)
    return contract


def _write_months(contract: Contract, split) -> None:
    for month in split.months:
        db.session.add(ContractMonth(
            contract_id=contract.id, month=month.month, price=month.price,
            certificate_share=month.certificate, family_share=month.family,
            status=MonthStatus.RESERVED if month.in_current_period else MonthStatus.PLANNED))
    db.session.flush()


def _reserve(contract: Contract, split, ctx: terms.Context, *, actor: User) -> None:
    if split.reserved_now <= 0:
        return
    current = [m.month for m in split.months if m.in_current_period and m.certificate]
    account = ledger.get_or_create_account(contract.certificate.account_code,
                                           AccountKind.CERTIFICATE)
    held = ledger.get_or_create_account(contract.escrow_code, AccountKind.ESCROW)
    try:
        escrow.reserve(account, held, split.reserved_now,
                       key=f"reserve:{contract.id}:{ctx.period.id}", ref=contract.ledger_ref,
                       actor=actor,
                       reason=f"Резерв по договору {contract.number}: «{contract.program.title}»"
                              f", {month_range(current[0], current[-1])}")
    except ledger.InsufficientFunds as error:
        raise TermsChanged("Баланс сертификата изменился: его только что потратили на другой "
                           "договор. Проверьте новый расчёт и примите ещё раз") from error


def _resolve_waitlist(contract: Contract, status: str) -> None:
    entry = db.session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.child_id == contract.child_id, WaitlistEntry.group_id == contract.group_id,
        WaitlistEntry.status.in_((WaitlistStatus.WAITING, WaitlistStatus.OFFERED)))).first()
    if entry is not None:
        entry.status, entry.resolved_at = status, clock.now()
        db.session.flush()


def decline(contract: Contract, *, actor: User, today: date) -> Contract:
    """The family declines the offer; a seat it held goes to the next of the waitlist."""
    if contract.parent_id != actor.id:
        raise DomainError("Это не ваша оферта")
    with unit_of_work():
        if not _claim(contract, ContractStatus.DECLINED):
            raise DomainError("Оферта уже принята или отклонена")
        contract.closed_by_id = actor.id
        _give_back_seat(contract, WaitlistStatus.CANCELLED, today=today)
        audit.record(actor, "contract.declined", contract)
        notices.to_provider(
            contract.provider, f"Семья отказалась от оферты {contract.number}: "
            f"«{contract.program.title}», группа «{contract.group.name}».",
            endpoint="enrollments.provider_contract", contract_id=contract.id,
            subject="Оферта отклонена семьёй", template="emails/offer_declined.txt",
            contract=contract)
    return contract


def lapse(contract: Contract, *, today: date) -> bool:
    """An offer whose time ran out (the job): closed, a seat it held passed on. False when it
    was answered meanwhile."""
    with unit_of_work():
        if contract.accept_by >= today or not _claim(contract, ContractStatus.LAPSED):
            return False
        _give_back_seat(contract, WaitlistStatus.LAPSED, today=today)
        audit.record(None, "contract.lapsed", contract)
        notices.to_parent(
            contract.parent, f"Срок оферты {contract.number} на «{contract.program.title}» для "
            f"{genitive(contract.child)} истёк: место больше не закреплено.",
            endpoint="enrollments.mine", subject="Срок оферты истёк",
            template="emails/offer_lapsed.txt", contract=contract)
    return True


def _give_back_seat(contract: Contract, waitlist_status: str, *, today: date) -> None:
    _resolve_waitlist(contract, waitlist_status)
    if contract.holds_seat:
        seats.free_seat(contract.group)
        advance(contract.group, today=today)


def advance(group: Group, *, today: date) -> list[Contract]:
    """Offer the group's free seats to its waitlist in order (the caller's transaction): each
    offer holds its seat and starts next month. An entry that can no longer enrol (the
    certificate closed, the child enrolled elsewhere in the program) leaves the queue."""
    made = []
    while group.is_open and group.seats_taken < group.capacity:
        entry = db.session.scalars(
            select(WaitlistEntry).where(WaitlistEntry.group_id == group.id,
                                        WaitlistEntry.status == WaitlistStatus.WAITING)
            .order_by(WaitlistEntry.id).limit(1)).first()
        if entry is None:
            break
        start = max(group.starts_on.replace(day=1), first_of_next_month(today))
        if start > group.ends_on or entry.certificate.status != CertificateStatus.ACTIVE \
                or _has_live_contract(entry):
            entry.status, entry.resolved_at = WaitlistStatus.CANCELLED, clock.now()
            db.session.flush()
            continue
        seats.take_seat(group)
        contract = make_offer(entry.child, group, parent=entry.child.parent,
                              certificate=entry.certificate, today=today, holds_seat=True,
                              first_month=start)
        entry.status, entry.contract_id = WaitlistStatus.OFFERED, contract.id
        db.session.flush()
        made.append(contract)
    return made


def _has_live_contract(entry: WaitlistEntry) -> bool:
    return db.session.scalar(select(Contract.id).where(
        Contract.child_id == entry.child_id, Contract.program_id == entry.program_id,
        Contract.status.in_((ContractStatus.OFFERED, ContractStatus.ACTIVE))).limit(1)) \
        is not None
