"""One API for the audit log: `record(actor, action, obj, details)`."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

from pfdo.audit.models import AuditEvent
from pfdo.db import db

if TYPE_CHECKING:  # the account is above; only its name is needed here
    from pfdo.accounts.models import User

#: the actions of the personal-data access log (pfdo.audit.access_log), one filter of the
#: admin's view (its value PERSONAL_DATA)
PERSONAL_DATA_ACTIONS = ("child.viewed", "child.searched", "user.viewed", "user.list_viewed",
                         "hotline.searched", "hotline.certificate_viewed",
                         "hotline.field_revealed", "audit.searched",
                         "privacy.deletion_viewed")
PERSONAL_DATA = "personal_data"

#: where the current action comes from (the client's address), set by the web layer for each
#: request and empty for CLI jobs: the log needs it, and services must not read the request
origin: ContextVar[str | None] = ContextVar("audit_origin", default=None)


def record(actor: User | None, action: str, obj=None, details: dict | None = None) -> AuditEvent:
    """Append one event to the log in the caller's transaction: it commits or rolls back with it."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_role=actor.role if actor is not None else None,
        ip=origin.get(),
        action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=str(obj.id) if obj is not None and getattr(obj, "id", None) is not None else None,
        details=details or {},
    )
    db.session.add(event)
    db.session.flush()
    return event
