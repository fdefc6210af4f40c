"""The append-only audit log (UPDATE and DELETE are refused by database triggers), and whose
personal data each access record showed."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pfdo import clock
from pfdo.db import IntPk, db

if TYPE_CHECKING:  # the account is above; only its name is needed here
    from pfdo.accounts.models import User


class AuditEvent(db.Model):
    id: Mapped[IntPk]
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, index=True
    )
    #: who acted; None for the system (cron jobs) and anonymous visitors
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: the actor's role at that moment (roles change; the log must not)
    actor_role: Mapped[str | None] = mapped_column(String(20))
    ip: Mapped[str | None] = mapped_column(String(45))
    #: dotted verb, e.g. "auth.login", "auth.login_failed", "user.role_changed"
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(40))
    #: details without personal data beyond what the action needs
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship("User")


class AuditSubject(db.Model):
    """Whose personal data an access record (pfdo.audit.access_log) showed: one row per child
    or account on the page, so that every access to one family's data is found by an index,
    a search result list included. Append-only like the log."""

    __table_args__ = (CheckConstraint("(child_id IS NULL) <> (user_id IS NULL)", "one_person"),)

    id: Mapped[IntPk]
    event_id: Mapped[int] = mapped_column(ForeignKey("audit_event.id"), index=True)
    #: the child whose data was shown: a card, a search result, a revealed field
    child_id: Mapped[int | None] = mapped_column(ForeignKey("child.id"), index=True)
    #: the account whose data was shown: the admin's user list and user page
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
