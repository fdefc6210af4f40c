"""The administrator's reading of the audit log: newest first, by action, by the actor's
e-mail, by the municipality's days, and — for a complaint about who looked at a family's data —
by the certificate whose child and parent were looked at, and by the field revealed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, false, or_, select

from pfdo.accounts.models import User
from pfdo.audit.models import AuditEvent
from pfdo.audit.services import PERSONAL_DATA, PERSONAL_DATA_ACTIONS
from pfdo.certificates.models import Certificate
from pfdo.children.models import Child
from pfdo.db import db
from pfdo.identifiers import digits_or_none
from pfdo.municipality import services as municipality


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""  # e-mail or a part of it
    date_from: date | None = None
    date_to: date | None = None
    #: a certificate number: the events about it, its child or the child's parent
    subject: str = ""
    #: a personal field (pfdo.masking.Field): the reveals of that field
    field: str = ""


def _about(number: str):
    """The condition «the event is about this certificate, its child or its parent»."""
    digits = digits_or_none(number)
    found = db.session.execute(
        select(Certificate.id, Certificate.child_id, Child.parent_id)
        .join(Child, Child.id == Certificate.child_id)
        .where(Certificate.number == digits)).first() \
        if digits and len(digits) == 10 else None
    if found is None:
        return false()
    certificate_id, child_id, parent_id = found
    return or_(*(and_(AuditEvent.object_type == kind, AuditEvent.object_id == str(value))
                 for kind, value in (("Certificate", certificate_id), ("Child", child_id),
                                     ("User", parent_id))))


def search(flt: AuditFilter, *, page: int = 1, per_page: int = 50):
    """The admin's view of the log: newest first, filtered, paginated."""
    return db.paginate(_filtered(select(AuditEvent).order_by(AuditEvent.id.desc()), flt),
                       page=page, per_page=per_page, error_out=False)


def rows(flt: AuditFilter, *, label, describe):
    """The filtered log as export rows, newest first, read in chunks: when, who (e-mail), role,
    address, action (by `label`), object, details (by `describe`, as «ключ: значение»)."""
    query = (select(AuditEvent.created_at, User.email, AuditEvent.actor_role, AuditEvent.ip,
                    AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id,
                    AuditEvent.details)
             .outerjoin(User, AuditEvent.actor_id == User.id)
             .order_by(AuditEvent.id.desc()))
    for at, email, role, ip, action, obj_type, obj_id, details in db.session.execute(
            _filtered(query, flt, joined=True).execution_options(yield_per=1000)):
        yield (at, email or "система", role, ip, label(action),
               f"{obj_type} {obj_id}" if obj_type else None,
               "; ".join(f"{k}: {v}" for k, v in describe(details)))


def _filtered(query, flt: AuditFilter, *, joined: bool = False):
    if flt.action == PERSONAL_DATA:
        query = query.where(AuditEvent.action.in_(PERSONAL_DATA_ACTIONS))
    elif flt.action:
        query = query.where(AuditEvent.action == flt.action)
    if flt.subject:
        query = query.where(_about(flt.subject))
    if flt.field:
        query = query.where(AuditEvent.details["field"].as_string() == flt.field)
    if flt.actor:
        if not joined:
            query = query.join(User, AuditEvent.actor_id == User.id)
        query = query.where(User.email.contains(flt.actor.strip().lower(), autoescape=True))
    # The municipality's days as UTC bounds: SQLite would compare a local wall time.
    start, end = municipality.local_day_bounds(flt.date_from, flt.date_to)
    if start is not None:
        query = query.where(AuditEvent.created_at >= start)
    if end is not None:
        query = query.where(AuditEvent.created_at < end)
    return query
