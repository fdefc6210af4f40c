"""The call log: an operator starts a call when picking up and finishes it with a topic, an
outcome, a comment and the certificate it was about; figures for today and the week (the
municipality's days), the operator's own or — for the coordinator — everyone's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.audit import services as audit
from pfdo.certificates.models import Certificate
from pfdo.db import db, unit_of_work
from pfdo.errors import DomainError, NotFound
from pfdo.hotline.models import COMMENT_MAX, CallOutcome, CallTopic, HotlineCall
from pfdo.masking import initials_name
from pfdo.municipality.services import local_day_bounds

PAGE_SIZE = 50


def open_call(operator: User) -> HotlineCall | None:
    """The operator's call still going on, if any (the newest)."""
    return db.session.scalars(
        select(HotlineCall).where(HotlineCall.operator_id == operator.id,
                                  HotlineCall.ended_at.is_(None))
        .order_by(HotlineCall.started_at.desc(), HotlineCall.id.desc()).limit(1)).first()


def start_call(operator: User, *, certificate_id: int | None = None) -> HotlineCall:
    """Open a call (or return the one already open: a double click opens one call)."""
    with unit_of_work():
        call = open_call(operator)
        if call is None:
            call = HotlineCall(operator_id=operator.id, started_at=clock.now(),
                               certificate_id=_certificate_id(certificate_id))
            db.session.add(call)
            db.session.flush()
        elif certificate_id is not None and call.certificate_id is None:
            call.certificate_id = _certificate_id(certificate_id)
    return call


@dataclass(frozen=True)
class Finish:
    topic: str
    outcome: str
    comment: str
    certificate_id: int | None = None


def finish_call(operator: User, call_id: int, data: Finish) -> HotlineCall:
    """Finish the operator's own open call. Refuses someone else's call, one finished already,
    an unknown topic or outcome, a comment over the limit, a certificate that does not exist."""
    with unit_of_work():
        call = db.session.get(HotlineCall, call_id)
        if call is None or call.operator_id != operator.id:
            raise NotFound("Звонок не найден")
        if call.ended_at is not None:
            raise DomainError("Этот звонок уже завершён")
        if data.topic not in set(CallTopic):
            raise DomainError("Выберите тему звонка", field="topic")
        if data.outcome not in set(CallOutcome):
            raise DomainError("Выберите, чем закончился звонок", field="outcome")
        comment = " ".join((data.comment or "").split()) or None
        if comment and len(comment) > COMMENT_MAX:
            raise DomainError(f"Не длиннее {COMMENT_MAX} символов", field="comment")
        call.topic, call.outcome, call.comment = data.topic, data.outcome, comment
        if data.certificate_id is not None:
            call.certificate_id = _certificate_id(data.certificate_id)
        call.ended_at = max(clock.now(), clock.aware(call.started_at))
        audit.record(operator, "hotline.call_logged", call,
                     {"topic": call.topic, "outcome": call.outcome})
    return call


def _certificate_id(certificate_id: int | None) -> int | None:
    if certificate_id is None:
        return None
    if db.session.get(Certificate, certificate_id) is None:
        raise DomainError("Сертификат не найден", field="certificate")
    return certificate_id


@dataclass(frozen=True)
class Figures:
    today: int
    week: int
    #: the week's finished calls by topic, in the topics' order, zero ones included
    week_by_topic: list[tuple[str, int]]
    #: the mean length of the week's finished calls, in seconds (None: none finished)
    week_mean_seconds: int | None


def figures(today: date, operator: User | None = None) -> Figures:
    """Calls taken today and in the last seven days (local days, today included): the
    operator's, or everyone's when `operator` is None."""
    day_start, day_end = local_day_bounds(today, today)
    week_start, _ = local_day_bounds(today - timedelta(days=6), None)
    scope = [HotlineCall.started_at >= week_start, HotlineCall.started_at < day_end]
    if operator is not None:
        scope.append(HotlineCall.operator_id == operator.id)
    today_count, week_count = db.session.execute(select(
        func.count().filter(HotlineCall.started_at >= day_start), func.count())
        .where(*scope)).one()
    by_topic = dict(db.session.execute(
        select(HotlineCall.topic, func.count()).where(*scope, HotlineCall.topic.is_not(None))
        .group_by(HotlineCall.topic)).all())
    ended = [row for row in db.session.execute(
        select(HotlineCall.started_at, HotlineCall.ended_at)
        .where(*scope, HotlineCall.ended_at.is_not(None)))]
    mean = (int(sum((clock.aware(e) - clock.aware(s)).total_seconds() for s, e in ended)
                / len(ended))
            if ended else None)
    return Figures(today=today_count or 0, week=week_count or 0,
                   week_by_topic=[(topic.label, by_topic.get(topic.value, 0))
                                  for topic in CallTopic],
                   week_mean_seconds=mean)


@dataclass(frozen=True)
class CallFilter:
    operator_id: int | None = None
    topic: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def list_calls(flt: CallFilter, *, page: int = 1, operator: User | None = None):
    """Calls newest first, filtered; only the operator's own when `operator` is given."""
    stmt = (select(HotlineCall)
            .options(joinedload(HotlineCall.operator), joinedload(HotlineCall.certificate))
            .order_by(HotlineCall.started_at.desc(), HotlineCall.id.desc()))
    return db.paginate(_filtered(stmt, flt, operator), page=page, per_page=PAGE_SIZE,
                       error_out=False)


def _filtered(stmt, flt: CallFilter, operator: User | None):
    if operator is not None:
        stmt = stmt.where(HotlineCall.operator_id == operator.id)
    elif flt.operator_id is not None:
        stmt = stmt.where(HotlineCall.operator_id == flt.operator_id)
    if flt.topic:
        stmt = stmt.where(HotlineCall.topic == flt.topic)
    start, end = local_day_bounds(flt.date_from, flt.date_to)
    if start is not None:
        stmt = stmt.where(HotlineCall.started_at >= start)
    if end is not None:
        stmt = stmt.where(HotlineCall.started_at < end)
    return stmt


def call_rows(flt: CallFilter, *, operator: User | None = None):
    """The filtered calls as export rows, newest first, read in chunks: start, end, operator,
    topic, outcome, certificate number, comment."""
    stmt = (select(HotlineCall.started_at, HotlineCall.ended_at, User.last_name,
                   User.first_name, User.middle_name, HotlineCall.topic, HotlineCall.outcome,
                   Certificate.number, HotlineCall.comment)
            .join(User, User.id == HotlineCall.operator_id)
            .outerjoin(Certificate, Certificate.id == HotlineCall.certificate_id)
            .order_by(HotlineCall.started_at.desc(), HotlineCall.id.desc())
            .execution_options(yield_per=1000))
    stmt = _filtered(stmt, flt, operator)
    for start, end, last, first, middle, topic, outcome, number, comment in db.session.execute(
            stmt):
        yield (start, end, initials_name(last, first, middle),
               CallTopic(topic).label if topic else None,
               CallOutcome(outcome).label if outcome else None, number, comment)


def operators() -> list[User]:
    """The hotline's staff, for the coordinator's filter."""
    return list(db.session.scalars(select(User).where(User.role == "hotline")
                                   .order_by(User.last_name, User.first_name)))
