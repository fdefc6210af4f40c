"""A published program's revisions: the provider's changes waiting for the coordinator and
the versions that were published (see pfdo.programs.models' docstring)."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pfdo.db import IntPk, Kopecks, Timestamp, db, length_check, one_of
from pfdo.enums import LabelledEnum
from pfdo.programs.models import (
    ADDRESS_MAX,
    DESCRIPTION_MAX,
    DISTRICT_MAX,
    GROUP_NAME_MAX,
    REMARKS_MAX,
    TEACHER_MAX,
    TITLE_MAX,
    WEEKDAY_SHORT,
    Group,
    Program,
    ProgramContent,
    content_checks,
)
from pfdo.storage import StoredFile


class RevisionStatus(LabelledEnum):
    #: the provider's changes wait for the coordinator; families see the published version
    SUBMITTED = "submitted", "изменения на модерации"
    #: returned with remarks: the provider fixes and sends it again, or withdraws it
    RETURNED = "returned", "изменения возвращены на доработку"
    #: published: the program shows this version; the row never changes again
    PUBLISHED = "published", "изменения опубликованы"
    #: withdrawn by the provider: the published version stays
    WITHDRAWN = "withdrawn", "изменения отменены"


REVISION_STATUS_LABELS = RevisionStatus.labels()
#: a revision still being decided on: at most one per program (a partial unique index)
OPEN_REVISION = (RevisionStatus.SUBMITTED, RevisionStatus.RETURNED)
#: a revision's state machine; None is a revision not yet sent (the provider's first edit)
REVISION_TRANSITIONS = {
    None: {RevisionStatus.SUBMITTED},
    RevisionStatus.SUBMITTED: {RevisionStatus.PUBLISHED, RevisionStatus.RETURNED,
                               RevisionStatus.WITHDRAWN},
    RevisionStatus.RETURNED: {RevisionStatus.SUBMITTED, RevisionStatus.WITHDRAWN},
    RevisionStatus.PUBLISHED: set(),
    RevisionStatus.WITHDRAWN: set(),
}


class ProgramRevision(ProgramContent, db.Model):
    """A version of a published program's content with its groups: the provider's changes
    waiting for the coordinator, or a version that was published (then never changed again:
    the record of the terms families were offered). Its columns mirror Program's."""

    __table_args__ = (
        one_of("status", RevisionStatus, "status_known"),
        *content_checks(),
        length_check("description", DESCRIPTION_MAX),
        length_check("remarks", REMARKS_MAX),
        CheckConstraint("number >= 1 AND edits >= 0", "counters_valid"),
        UniqueConstraint("program_id", "number"),
        Index("uq_program_revision_open", "program_id", unique=True,
              sqlite_where=text("status IN ('submitted', 'returned')"),
              postgresql_where=text("status IN ('submitted', 'returned')")),
    )

    id: Mapped[IntPk]
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"))
    #: the version's number within its program: 1 is the first publication
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    direction: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    age_from: Mapped[int] = mapped_column(SmallInteger)
    age_to: Mapped[int] = mapped_column(SmallInteger)
    months: Mapped[int] = mapped_column(SmallInteger)
    hours_per_week: Mapped[int] = mapped_column(SmallInteger)
    funding: Mapped[str] = mapped_column(String(20))
    district: Mapped[str] = mapped_column(String(DISTRICT_MAX))
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX))
    teacher: Mapped[str] = mapped_column(String(TEACHER_MAX))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    #: the coordinator's remarks when it was returned
    remarks: Mapped[str | None] = mapped_column(Text)
    #: how many times the provider changed it after sending: the coordinator's decision names
    #: the count it saw, so a change made meanwhile is never published unseen
    edits: Mapped[int] = mapped_column(default=0)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: when it was published, returned or withdrawn (the last of them)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]

    program: Mapped[Program] = relationship()
    document: Mapped[StoredFile | None] = relationship()
    groups: Mapped[list[RevisionGroup]] = relationship(
        back_populates="revision", order_by="RevisionGroup.starts_on, RevisionGroup.id",
        cascade="all, delete-orphan")

    @property
    def status_label(self) -> str:
        return REVISION_STATUS_LABELS[RevisionStatus(self.status)]


class RevisionGroup(db.Model):
    """A group as a revision has it: an existing group's new terms, or a group the revision
    adds (no group_id until it is published). Whether it takes requests and the seats taken
    are the live group's: they change at once, without moderation."""

    __tablename__ = "revision_group"
    __table_args__ = (
        CheckConstraint("capacity BETWEEN 1 AND 200", "capacity_valid"),
        CheckConstraint("price_per_month >= 0", "price_not_negative"),
        CheckConstraint("ends_on > starts_on", "ends_after_start"),
        UniqueConstraint("revision_id", "group_id"),
    )

    id: Mapped[IntPk]
    revision_id: Mapped[int] = mapped_column(ForeignKey("program_revision.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("program_group.id"), index=True)
    name: Mapped[str] = mapped_column(String(GROUP_NAME_MAX))
    capacity: Mapped[int] = mapped_column(SmallInteger)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    price_per_month: Mapped[Kopecks]

    revision: Mapped[ProgramRevision] = relationship(back_populates="groups")
    group: Mapped[Group | None] = relationship()
    sessions: Mapped[list[RevisionSession]] = relationship(
        back_populates="revision_group",
        order_by="RevisionSession.weekday, RevisionSession.starts_at",
        cascade="all, delete-orphan")

    @property
    def is_new(self) -> bool:
        return self.group_id is None

    @property
    def is_open(self) -> bool:
        return self.group.is_open if self.group is not None else True

    @property
    def seats_taken(self) -> int:
        return self.group.seats_taken if self.group is not None else 0

    @property
    def seats_free(self) -> int:
        return self.capacity - self.seats_taken


class RevisionSession(db.Model):
    """One weekly class of a revision's group."""

    __tablename__ = "revision_session"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", "weekday_valid"),
        CheckConstraint("ends_at > starts_at", "ends_after_start"),
    )

    id: Mapped[IntPk]
    revision_group_id: Mapped[int] = mapped_column(ForeignKey("revision_group.id"),
                                                   index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)

    revision_group: Mapped[RevisionGroup] = relationship(back_populates="sessions")

    @property
    def weekday_short(self) -> str:
        return WEEKDAY_SHORT[self.weekday]
