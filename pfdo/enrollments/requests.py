"""The enrolment request (docs/domain.md §8 points 1–2): the parent asks for a seat, the
provider answers within the period's working days — an offer, or a refusal with a reason.

`eligibility` says, before anything is saved, why a child cannot ask for a group (every rule
of §8.1 in Russian) and which of the child's classes the group's schedule collides with (a
warning the parent may override); `submit` refuses with the same words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.audit import services as audit
from pfdo.certificates.models import Certificate, CertificateKind, CertificateStatus
from pfdo.children.models import Child
from pfdo.db import db, unit_of_work
from pfdo.enrollments import notices, offers, schedule
from pfdo.enrollments.models import (
    LIVE_CONTRACT,
    REASON_MAX,
    Contract,
    ContractStatus,
    EnrollmentRequest,
    RequestStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from pfdo.enrollments.notices import genitive
from pfdo.errors import DomainError, NotFound
from pfdo.formatting import plural
from pfdo.municipality import services as municipality
from pfdo.periods import services as periods
from pfdo.periods.models import FinancingPeriod
from pfdo.programs.models import Funding, Group, Program, ProgramStatus
from pfdo.providers.models import ProviderStatus

#: the answer deadline when there is no current period to set it
DEFAULT_ANSWER_DAYS = 5


class ScheduleConflict(DomainError):
    """The group's classes collide with the child's other classes: sent only when the parent
    confirms."""


@dataclass(frozen=True)
class Eligibility:
    #: why the child cannot ask for the group (empty: it can)
    refusals: list[str] = field(default_factory=list)
    #: the child's classes the group's schedule collides with («пн 15:00–16:30, Шахматы»)
    conflicts: list[str] = field(default_factory=list)
    #: no free seat: the parent may join the waitlist instead
    full: bool = False

    @property
    def ok(self) -> bool:
        return not self.refusals


def public_group_or_404(group_id: int) -> Group:
    """A group of a published program of a provider in the registry."""
    group = db.session.get(Group, group_id)
    if group is None or group.program.status != ProgramStatus.PUBLISHED \
            or group.program.provider.status != ProviderStatus.APPROVED:
        raise NotFound()
    return group


def own_child_or_404(parent: User, child_id: int | None) -> Child:
    child = db.session.get(Child, child_id) if child_id is not None else None
    if child is None or child.parent_id != parent.id:
        raise NotFound()
    return child


def certificate_of(child: Child) -> Certificate | None:
    return db.session.scalars(select(Certificate).where(Certificate.child_id == child.id)).first()


def _age_refusal(child: Child, program: Program, group: Group) -> str | None:
    age = child.age_on(group.starts_on)
    if program.age_from <= age <= program.age_to:
        return None
    return (f"Программа — для детей {program.age_from}–{program.age_to} лет, а на начало "
            f"занятий группы ({group.starts_on:%d.%m.%Y}) {child.first_name} будет "
            f"{age} {_years(age)}")


def _years(age: int) -> str:
    return plural(age, "год", "года", "лет")


def free_programs_held(certificate: Certificate) -> int:
    """Free (municipal assignment) programs the certificate holds now: live offers and
    contracts, and pending requests."""
    contracts = db.session.scalar(
        select(func.count()).select_from(Contract).join(Program, Program.id == Contract.program_id)
        .where(Contract.certificate_id == certificate.id, Contract.status.in_(LIVE_CONTRACT),
               Program.funding == Funding.MUNICIPAL))
    pending = db.session.scalar(
        select(func.count()).select_from(EnrollmentRequest)
        .join(Program, Program.id == EnrollmentRequest.program_id)
        .where(EnrollmentRequest.certificate_id == certificate.id,
               EnrollmentRequest.status == RequestStatus.PENDING,
               Program.funding == Funding.MUNICIPAL))
    return contracts + pending


def _program_refusal(child: Child, program: Program) -> str | None:
    live = db.session.scalars(select(Contract).where(
        Contract.child_id == child.id, Contract.program_id == program.id,
        Contract.status.in_(LIVE_CONTRACT))).first()
    if live is not None:
        if live.status == ContractStatus.ACTIVE:
            return f"{child.first_name} уже занимается по этой программе (договор {live.number})"
        return (f"Для {genitive(child)} по этой программе уже есть оферта: примите её или "
                "откажитесь в разделе «Мои записи»")
    if db.session.scalar(select(func.count()).select_from(EnrollmentRequest).where(
            EnrollmentRequest.child_id == child.id, EnrollmentRequest.program_id == program.id,
            EnrollmentRequest.status == RequestStatus.PENDING)):
        return ("Заявка на эту программу уже отправлена и ждёт ответа поставщика — "
                "её видно в разделе «Мои записи»")
    return None


def eligibility(child: Child, group: Group, *, today: date,
                for_waitlist: bool = False) -> Eligibility:
    """Why `child` cannot ask for a seat in `group` today (docs/domain.md §8 point 1), the
    collisions of the schedules, and whether the group is full."""
    program = group.program
    refusals: list[str] = []
    if not group.is_open or group.ends_on < today:
        refusals.append(f"Группа «{group.name}» закрыта для записи")
    certificate = certificate_of(child)
    period = periods.current_period(today)
    if certificate is None:
        refusals.append(f"У {genitive(child)} нет сертификата: сначала подайте заявление "
                        "на сертификат")
    elif certificate.status != CertificateStatus.ACTIVE:
        refusals.append(f"Сертификат № {certificate.number} {certificate.status_label}: "
                        "записаться с ним нельзя")
    else:
        if program.funding == Funding.CERTIFIED and period is None:
            refusals.append("Сейчас нет действующего периода финансирования: сертифицированную "
                            "программу сертификат оплатить не может")
        if program.funding == Funding.MUNICIPAL and certificate.kind == CertificateKind.RECORD:
            limit = _free_limit(period)
            if limit and free_programs_held(certificate) >= limit:
                refusals.append(f"С сертификатом учёта можно одновременно заниматься не более "
                                f"чем в {limit} бесплатных программах — лимит исчерпан")
    age = _age_refusal(child, program, group)
    if age:
        refusals.append(age)
    held = _program_refusal(child, program)
    if held:
        refusals.append(held)
    if for_waitlist and waitlist_entry(child, group) is not None:
        refusals.append(f"{child.first_name} уже в очереди в эту группу")
    return Eligibility(refusals=refusals, conflicts=schedule.conflicts(child, group),
                       full=group.seats_taken >= group.capacity)


def _free_limit(period: FinancingPeriod | None) -> int:
    return period.free_program_limit if period is not None else 0


def waitlist_entry(child: Child, group: Group) -> WaitlistEntry | None:
    return db.session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.child_id == child.id, WaitlistEntry.group_id == group.id,
        WaitlistEntry.status.in_((WaitlistStatus.WAITING, WaitlistStatus.OFFERED)))).first()


def answer_due(today: date) -> date:
    period = periods.current_period(today)
    days = period.provider_answer_days if period is not None else DEFAULT_ANSWER_DAYS
    return municipality.add_working_days(today, days)


def submit(parent: User, child: Child, group: Group, *, today: date,
           confirm_schedule: bool = False, comment: str | None = None) -> EnrollmentRequest:
    """Send the request. Refuses (nothing saved): every rule of `eligibility`; a full group
    (join the waitlist instead); a schedule collision unless `confirm_schedule`
    (ScheduleConflict); a second pending request for the program, even sent at once."""
    if child.parent_id != parent.id:
        raise NotFound()
    with unit_of_work():
        check = eligibility(child, group, today=today)
        if check.refusals:
            raise DomainError(check.refusals[0])
        if check.full:
            raise DomainError(f"В группе «{group.name}» нет свободных мест. Можно встать в "
                              "очередь: когда место освободится, придёт предложение")
        if check.conflicts and not confirm_schedule:
            raise ScheduleConflict("Занятия группы совпадают по времени с другими занятиями "
                                   f"{genitive(child)}: " + "; ".join(check.conflicts),
                                   field="confirm_schedule")
        request = EnrollmentRequest(
            parent_id=parent.id, child_id=child.id, certificate_id=certificate_of(child).id,
            group_id=group.id, program_id=group.program_id,
            provider_id=group.program.provider_id, status=RequestStatus.PENDING,
            created_at=clock.now(), answer_due_on=answer_due(today),
            schedule_conflict=bool(check.conflicts), comment=(comment or "").strip() or None)
        db.session.add(request)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError as error:
            raise DomainError("Заявка на эту программу уже отправлена и ждёт ответа "
                              "поставщика") from error
        audit.record(parent, "enrolment.requested", request,
                     {"group": group.id, "child": child.id})
        notices.to_provider(
            group.program.provider,
            f"Новая заявка на обучение: «{group.program.title}», группа «{group.name}». "
            f"Ответьте до {request.answer_due_on:%d.%m.%Y}.",
            endpoint="enrollments.provider_request", request_id=request.id,
            subject="Новая заявка на обучение", template="emails/enrolment_request_new.txt",
            request=request)
    return request


def withdraw(request: EnrollmentRequest, *, actor: User) -> EnrollmentRequest:
    """The parent takes back a request the provider has not answered yet."""
    if request.parent_id != actor.id:
        raise NotFound()
    with unit_of_work():
        if not _claim(request, RequestStatus.WITHDRAWN):
            raise DomainError("Заявку уже рассмотрели: отозвать её нельзя")
        audit.record(actor, "enrolment.withdrawn", request)
    return request


def _claim(request: EnrollmentRequest, status: str, **values) -> bool:
    """Move a pending request to `status` with a guarded UPDATE: of two answers at once (two
    staff members, or a staff member and the expiry job) exactly one wins. `values`: columns
    set in the same UPDATE (a rejection's reason, which its CHECK requires)."""
    done = db.session.execute(
        update(EnrollmentRequest)
        .where(EnrollmentRequest.id == request.id,
               EnrollmentRequest.status == RequestStatus.PENDING)
        .values(status=status, answered_at=clock.now(), **values)
        .execution_options(synchronize_session=False)).rowcount
    if done:
        db.session.refresh(request)
    return bool(done)


def reject(request: EnrollmentRequest, *, actor: User, reason: str) -> EnrollmentRequest:
    """The provider refuses the request with a reason the family reads."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Укажите причину отказа: её прочитает семья", field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(f"Не длиннее {REASON_MAX} символов", field="reason")
    with unit_of_work():
        # the reason goes in the same UPDATE: a rejected request always has one (a CHECK)
        if not _claim(request, RequestStatus.REJECTED, reason=reason, answered_by_id=actor.id):
            raise DomainError("Заявку уже рассмотрели или отозвали")
        audit.record(actor, "enrolment.rejected", request, {"reason": reason})
        notices.to_parent(
            request.parent,
            f"Заявка на «{request.program.title}» для {genitive(request.child)} отклонена: "
            f"{reason}",
            endpoint="enrollments.mine", subject="Заявка на обучение отклонена",
            template="emails/enrolment_request_answered.txt", request=request)
    return request


def accept(request: EnrollmentRequest, *, actor: User, today: date) -> Contract:
    """The provider accepts the request: an offer (договор-оферта) goes to the family, with
    the period's working days to accept it. Refuses: answered or withdrawn meanwhile, the
    deadline passed, the group closed or full."""
    group = request.group
    with unit_of_work():
        # an answered request says so first; the guarded claim below still settles a race
        if not request.is_pending:
            raise DomainError("Заявку уже рассмотрели или отозвали")
        if request.answer_due_on < today:
            raise DomainError("Срок ответа на заявку истёк: она будет закрыта")
        if not group.is_open or group.ends_on < today:
            raise DomainError(f"Группа «{group.name}» закрыта для записи: откройте её или "
                              "отклоните заявку с причиной")
        if group.seats_taken >= group.capacity:
            raise DomainError(f"В группе «{group.name}» нет свободных мест: отклоните заявку "
                              "с причиной или увеличьте число мест")
        if not _claim(request, RequestStatus.ACCEPTED):
            raise DomainError("Заявку уже рассмотрели или отозвали")
        request.answered_by_id = actor.id
        contract = offers.make_offer(request.child, group, parent=request.parent,
                                     certificate=request.certificate, today=today,
                                     request=request)
        audit.record(actor, "enrolment.accepted", request, {"contract": contract.id})
    return contract
