"""The e-mail outbox: messages are written in the business transaction and sent later."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pfdo import clock
from pfdo.db import IntPk, Timestamp, db


class OutboxMessage(db.Model):
    id: Mapped[IntPk]
    created_at: Mapped[Timestamp]
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    #: None until delivered
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    #: the earliest moment of the next try (exponential back-off after a failure)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    last_error: Mapped[str | None] = mapped_column(String(500))


class Notice(db.Model):
    """An in-app notice: something a person must know or act on, shown in their cabinet."""

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[Timestamp]
    text: Mapped[str] = mapped_column(String(500))
    #: where to go to act on it (a path of this site)
    url: Mapped[str | None] = mapped_column(String(300))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
