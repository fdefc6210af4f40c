"""The append-only audit log (UPDATE and DELETE are refused by database triggers)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, DateTime, ForeignKey, String
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
