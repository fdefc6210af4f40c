"""A contract's end (docs/domain.md §8 point 5): terminated by the family or the provider with a
reason, it ends on the last day of the current month; the reserve for the later months goes
back to the certificate, the seat to the first of the waitlist. A provider disbanding a group
ends all of its contracts the same way, and closes its offers, requests and waitlist."""

from __future__ import annotations

import calendar
from datetime import date

from sqlalchemy import select, update

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.audit import services as audit
from pfdo.db import db, unit_of_work
from pfdo.enrollments import notices, offers
from pfdo.enrollments.models import (
    REASON_MAX,
    Contract,
    ContractStatus,
    EnrollmentRequest,
    MonthStatus,
    RequestStatus,
    TerminatedBy,
    WaitlistEntry,
    WaitlistStatus,
)
from pfdo.enrollments.notices import genitive
from pfdo.errors import DomainError
from pfdo.formatting import month_range
from pfdo.ledger import escrow
from pfdo.ledger import services as ledger
from pfdo.money import format_rub
from pfdo.programs import groups as seats
from pfdo.programs.models import Group


def last_day_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Укажите причину расторжения", field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(f"Не длиннее {REASON_MAX} символов", field="reason")
    return reason


def _quoted(reason: str, limit: int = 200) -> str:
    """The reason as a notice quotes it (a notice holds 500 characters)."""
    return reason if len(reason) <= limit else reason[:limit - 1].rstrip() + "…"


def terminate(contract: Contract, *, actor: User | None, by: str, reason: str, today: date,
              advance_waitlist: bool = True) -> Contract:
    """End an active contract at the end of the current month. The months after it are
    released: their reserved share returns to the certificate in one transfer, the planned
    ones are dropped; the current month stays reserved until the monthly close. The seat goes
    to the waitlist. Refuses: a contract that is not active (ended meanwhile), no reason."""
    by = TerminatedBy(by)
    reason = _reason(reason)
    with unit_of_work():
        ends_on = last_day_of_month(today)
        done = db.session.execute(
            update(Contract).where(Contract.id == contract.id,
                                   Contract.status == ContractStatus.ACTIVE)
            .values(status=ContractStatus.TERMINATED, ends_on=ends_on, terminated_by=by,
                    termination_reason=reason, closed_at=clock.now(),
                    closed_by_id=actor.id if actor is not None else None)
            .execution_options(synchronize_session=False)).rowcount
        if not done:
            raise DomainError("Договор уже расторгнут")
        db.session.refresh(contract)
        released = _release_after(contract, ends_on, actor=actor)
        seats.free_seat(contract.group)
        if advance_waitlist:
            offers.advance(contract.group, today=today)
        audit.record(actor, "contract.terminated", contract,
                     {"by": str(by), "reason": reason, "released": released})
        _tell(contract, by, released)
    return contract


def _release_after(contract: Contract, ends_on: date, *, actor: User | None) -> int:
    later = [m for m in contract.months if m.month > ends_on
             and m.status in (MonthStatus.RESERVED, MonthStatus.PLANNED)]
    amount = sum(m.certificate_share for m in later if m.status == MonthStatus.RESERVED)
    now = clock.now()
    for month in later:
        month.status = MonthStatus.RELEASED if month.status == MonthStatus.RESERVED \
            else MonthStatus.DROPPED
        month.settled_at = now
    db.session.flush()
    if amount > 0:
        reserved = [m.month for m in later if m.certificate_share]
        held = ledger.find_account(contract.escrow_code)
        escrow.release(held, amount, key=f"release:{contract.id}:terminated",
                       ref=contract.ledger_ref, actor=actor,
                       reason=f"Возврат по договору {contract.number} («{contract.program.title}»,"
                              f" {month_range(reserved[0], reserved[-1])}): договор расторгнут")
    return amount


def _tell(contract: Contract, by: TerminatedBy, released: int) -> None:
    back = f" На сертификат возвращено {format_rub(released)}." if released else ""
    text = (f"Договор {contract.number} на «{contract.program.title}» для "
            f"{genitive(contract.child)} расторгнут ({by.label}): занятия до "
            f"{contract.ends_on:%d.%m.%Y}.{back}")
    notices.to_parent(contract.parent, text, endpoint="enrollments.contract",
                      contract_id=contract.id, subject="Договор расторгнут",
                      template="emails/contract_ended.txt", contract=contract,
                      released=released)
    if by == TerminatedBy.PARENT:
        notices.to_provider(contract.provider, text, endpoint="enrollments.provider_contract",
                            contract_id=contract.id, subject="Семья расторгла договор",
                            template="emails/contract_ended_provider.txt", contract=contract)


def disband(group: Group, *, actor: User, reason: str, today: date) -> int:
    """The provider disbands the group: closed for requests, every contract terminated (at
    the end of the month), offers closed, pending requests rejected and the waitlist
    cancelled, with the reason; every family concerned is told. Returns how many contracts
    were ended."""
    reason = _reason(reason)
    with unit_of_work():
        group.is_open = False
        db.session.flush()
        ended = 0
        for contract in db.session.scalars(select(Contract).where(
                Contract.group_id == group.id, Contract.status == ContractStatus.ACTIVE)).all():
            terminate(contract, actor=actor, by=TerminatedBy.GROUP_CLOSED, reason=reason,
                      today=today, advance_waitlist=False)
            ended += 1
        for contract in db.session.scalars(select(Contract).where(
                Contract.group_id == group.id, Contract.status == ContractStatus.OFFERED)).all():
            contract.status, contract.closed_at = ContractStatus.LAPSED, clock.now()
            contract.termination_reason, contract.closed_by_id = reason, actor.id
            if contract.holds_seat:
                seats.free_seat(group)
            notices.to_parent(
                contract.parent,
                f"Группа «{group.name}» программы «{group.program.title}» расформирована: "
                f"оферта {contract.number} для {genitive(contract.child)} закрыта. "
                f"Причина: {_quoted(reason)}",
                endpoint="enrollments.contract", contract_id=contract.id,
                subject="Группа расформирована", template="emails/group_disbanded.txt",
                group=group)
        for request in db.session.scalars(select(EnrollmentRequest).where(
                EnrollmentRequest.group_id == group.id,
                EnrollmentRequest.status == RequestStatus.PENDING)).all():
            request.status, request.reason = RequestStatus.REJECTED, f"Группа закрыта: {reason}"
            request.answered_at, request.answered_by_id = clock.now(), actor.id
            notices.to_parent(
                request.parent,
                f"Заявка на «{group.program.title}» для {genitive(request.child)} "
                f"отклонена: группа «{group.name}» расформирована. "
                f"Причина: {_quoted(reason)}",
                endpoint="enrollments.mine", subject="Заявка на обучение отклонена",
                template="emails/group_disbanded.txt", group=group)
        for entry in db.session.scalars(select(WaitlistEntry).where(
                WaitlistEntry.group_id == group.id,
                WaitlistEntry.status.in_((WaitlistStatus.WAITING, WaitlistStatus.OFFERED)))).all():
            was_waiting = entry.status == WaitlistStatus.WAITING
            entry.status, entry.resolved_at = WaitlistStatus.CANCELLED, clock.now()
            if not was_waiting:
                continue  # its offer was closed above, and the family told
            notices.to_parent(
                entry.child.parent,
                f"Группа «{group.name}» программы «{group.program.title}» расформирована: "
                f"очередь в неё для {genitive(entry.child)} отменена. "
                f"Причина: {_quoted(reason)}",
                endpoint="enrollments.mine", subject="Группа расформирована",
                template="emails/group_disbanded.txt", group=group)
        db.session.flush()
        audit.record(actor, "group.disbanded", group, {"reason": reason, "contracts": ended})
    return ended
