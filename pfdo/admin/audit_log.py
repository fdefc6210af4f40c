"""The administrator's reading of the audit log: newest first, by action, by the actor's
e-mail, by the municipality's days, and — for a personal-data complaint — by whose data a
staff member saw and which hidden field was revealed. A look-up by person is itself a look-up
of personal data: it is written to the access log before the records are shown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, union

from pfdo.accounts.models import User
from pfdo.admin.audit_person import Person
from pfdo.audit import access_log
from pfdo.audit.models import AuditEvent, AuditSubject
from pfdo.audit.services import PERSONAL_DATA, PERSONAL_DATA_ACTIONS
from pfdo.children.models import Child
from pfdo.db import db
from pfdo.masking import REVEALABLE, Field, Rule, present
from pfdo.municipality import services as municipality

#: the only access record that names a field: the hotline's reveal (pfdo.hotline.card)
REVEAL = "hotline.field_revealed"
#: how many people of one record the page names before «и ещё N»
WHOM_SHOWN = 5


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""  # e-mail or a part of it
    person: Person | None = None  # whose data (admin.audit_person.find_person)
    field: str = ""  # a revealed field (pfdo.masking.Field)
    date_from: date | None = None
    date_to: date | None = None


def search(flt: AuditFilter, *, actor: User, page: int = 1, per_page: int = 50):
    """The admin's view of the log: newest first, filtered, paginated, with whose data each
    access record showed (as the admin's role sees it, a list's short names). Returns
    (pagination, whom(...) of its items)."""
    _log_look_up(actor, flt, {"page": page})
    pagination = db.paginate(_filtered(select(AuditEvent).order_by(AuditEvent.id.desc()), flt),
                             page=page, per_page=per_page, error_out=False)
    return pagination, whom(pagination.items, role=actor.role)


def rows(flt: AuditFilter, *, actor: User, label: Callable[[str], str],
         describe: Callable[[dict], list[tuple[str, str]]]):
    """The filtered log as export rows, newest first, read in chunks: when, who (e-mail), role,
    address, action (by `label`), whose data (as the admin's role sees it), object, details (by
    `describe`, as «ключ: значение»). A look-up by person is logged before anything is read."""
    _log_look_up(actor, flt, {"export": True})
    query = (select(AuditEvent.id, AuditEvent.created_at, User.email, AuditEvent.actor_role,
                    AuditEvent.ip, AuditEvent.action, AuditEvent.object_type,
                    AuditEvent.object_id, AuditEvent.details)
             .outerjoin(User, AuditEvent.actor_id == User.id)
             .order_by(AuditEvent.id.desc()))
    result = db.session.execute(_filtered(query, flt, joined=True)
                                .execution_options(yield_per=1000))

    def generate():
        for chunk in result.partitions():
            names = _names_by_event([row.id for row in chunk], actor.role)
            for (event_id, at, email, role, ip, action, obj_type, obj_id,
                 details) in chunk:
                yield (at, email or "система", role, ip, label(action),
                       ", ".join(names.get(event_id, ())) or None,
                       f"{obj_type} {obj_id}" if obj_type else None,
                       "; ".join(f"{k}: {v}" for k, v in describe(details)))

    return generate()


def whom(events, *, role: str) -> dict[int, tuple[list[str], int]]:
    """Event id -> (the first WHOM_SHOWN names of the people it showed, how many more)."""
    names = _names_by_event([event.id for event in events], role)
    return {event_id: (listed[:WHOM_SHOWN], max(0, len(listed) - WHOM_SHOWN))
            for event_id, listed in names.items()}


def _names_by_event(event_ids: list[int], role: str) -> dict[int, list[str]]:
    """The people each event showed, by name as `role` may see it in a list (at most masked:
    «Смирнова А. С.»), children first, in one query."""
    if not event_ids:
        return {}
    found: dict[int, list[str]] = {}
    for event_id, child, user in db.session.execute(
            select(AuditSubject.event_id, Child, User)
            .outerjoin(Child, Child.id == AuditSubject.child_id)
            .outerjoin(User, User.id == AuditSubject.user_id)
            .where(AuditSubject.event_id.in_(event_ids))
            .order_by(AuditSubject.event_id, AuditSubject.child_id.is_(None), AuditSubject.id)):
        if child is not None:
            name = present(role, Field.CHILD_NAME, child, at_most=Rule.MASK)
            shown = f"{name} (ребёнок)" if name else "ребёнок"
        else:
            name = present(role, Field.PARENT_NAME, user, at_most=Rule.MASK)
            shown = f"{name} (учётная запись)" if name else "учётная запись"
        found.setdefault(event_id, []).append(shown)
    return found


def _log_look_up(actor: User, flt: AuditFilter, details: dict) -> None:
    """Write the admin's look-up by person to the access log, naming the people it found."""
    if flt.person is not None:
        access_log.record_access(actor, "audit.searched", None,
                                 {"query": flt.person.logged, **details},
                                 children=flt.person.children, users=flt.person.users)


def _filtered(query, flt: AuditFilter, *, joined: bool = False):
    if flt.action == PERSONAL_DATA:
        query = query.where(AuditEvent.action.in_(PERSONAL_DATA_ACTIONS))
    elif flt.action:
        query = query.where(AuditEvent.action == flt.action)
    if flt.actor:
        if not joined:
            query = query.join(User, AuditEvent.actor_id == User.id)
        query = query.where(User.email.contains(flt.actor.strip().lower(), autoescape=True))
    if flt.person is not None:
        # A union, not an OR: PostgreSQL then reads each subject index for the family's ids
        # instead of filtering every subject row.
        query = query.where(AuditEvent.id.in_(union(
            select(AuditSubject.event_id).where(AuditSubject.child_id.in_(flt.person.children)),
            select(AuditSubject.event_id).where(AuditSubject.user_id.in_(flt.person.users)))))
    if flt.field in REVEALABLE:
        query = query.where(AuditEvent.action == REVEAL,
                            AuditEvent.details["field"].as_string() == flt.field)
    # The municipality's days as UTC bounds: SQLite would compare a local wall time.
    start, end = municipality.local_day_bounds(flt.date_from, flt.date_to)
    if start is not None:
        query = query.where(AuditEvent.created_at >= start)
    if end is not None:
        query = query.where(AuditEvent.created_at < end)
    return query
