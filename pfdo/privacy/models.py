"""A parent's request to delete the family's data (152-ФЗ ст. 21; docs/domain.md §13): the
coordinator carries it out within DELETION_DAYS of the request."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.db import IntPk, db, one_of
from pfdo.enums import LabelledEnum

#: the law's time for carrying out a deletion request, counted from the request's day
DELETION_DAYS = 30
COMMENT_MAX = 500


class DeletionStatus(LabelledEnum):
    PENDING = "pending", "ждёт координатора"
    DONE = "done", "данные удалены"
    CANCELLED = "cancelled", "отменён родителем"


class DeletionRequest(db.Model):
    """One request: pending until the coordinator erases the data or the parent cancels."""

    __table_args__ = (
        one_of("status", DeletionStatus, "status_known"),
        CheckConstraint("status != 'done' OR (done_at IS NOT NULL)", "done_has_time"),
        # one pending request per parent: two clicks at once make one request
        Index("uq_deletion_request_pending_parent", "parent_id", unique=True,
              sqlite_where=text("status = 'pending'"),
              postgresql_where=text("status = 'pending'")),
        Index("ix_deletion_request_status_requested_at", "status", "requested_at"),
    )

    id: Mapped[IntPk]
    parent_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    #: the last day to carry it out (the municipality's date)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=DeletionStatus.PENDING)
    #: what the parent wrote (optional)
    comment: Mapped[str | None] = mapped_column(String(COMMENT_MAX))
    #: when the request was carried out or cancelled, and by whom
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: what was ended when it was carried out (kept: the parent's name is gone by then)
    children_erased: Mapped[int | None]
    contracts_ended: Mapped[int | None]
    certificates_closed: Mapped[int | None]

    parent: Mapped[User] = relationship(foreign_keys=[parent_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])

    @property
    def status_label(self) -> str:
        return DeletionStatus(self.status).label
