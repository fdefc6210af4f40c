"""The administrator's reading of the audit log: newest first, by action, by the actor's
e-mail and by the municipality's days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from pfdo.accounts.models import User
from pfdo.audit.models import AuditEvent
from pfdo.audit.services import PERSONAL_DATA, PERSONAL_DATA_ACTIONS
from pfdo.db import db
from pfdo.municipality import services as municipality


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""  # e-mail or a part of it
    date_from: date | None = None
    date_to: date | None = None


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
