"""Programs (образовательные программы), their groups with schedules, moderation history,
revisions (versions of a published program's content), and the search terms the navigator
matches.

The Program row and its Group rows are the version families see. Once a program is published
they change only when the coordinator publishes a revision: the provider's edits wait in a
ProgramRevision (one open at a time) while the published version stays in the navigator. Every
published version is kept as a revision row that never changes again, so a contract can point
to the version (and its group's row) it was made under and keep those terms whatever is edited
later."""

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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pfdo.accounts.models import User
from pfdo.db import IntPk, Kopecks, Timestamp, db, length_check, one_of
from pfdo.enums import LabelledEnum
from pfdo.periods.models import DIRECTION_LABELS, Direction
from pfdo.providers.models import Provider
from pfdo.storage import StoredFile

#: academic weeks in a month: the school year is 36 weeks over 9 months
WEEKS_PER_MONTH = 4


class Funding(LabelledEnum):
    #: paid from a financing certificate (сертифицированная программа)
    CERTIFIED = "certified", "по сертификату ПФ"
    #: free: the municipal assignment pays (муниципальное задание); a record certificate suffices
    MUNICIPAL = "municipal", "бесплатно (муниципальное задание)"


FUNDING_LABELS = Funding.labels()


class ProgramStatus(LabelledEnum):
    DRAFT = "draft", "черновик"
    SUBMITTED = "submitted", "на модерации"
    PUBLISHED = "published", "опубликована"
    RETURNED = "returned", "возвращена на доработку"


PROGRAM_STATUS_LABELS = ProgramStatus.labels()

#: the moderation state machine: status -> statuses it may move to
PROGRAM_TRANSITIONS = {
    ProgramStatus.DRAFT: {ProgramStatus.SUBMITTED},
    ProgramStatus.SUBMITTED: {ProgramStatus.PUBLISHED, ProgramStatus.RETURNED},
    ProgramStatus.RETURNED: {ProgramStatus.SUBMITTED},
    # a published program stays published: its changes wait in a revision
    ProgramStatus.PUBLISHED: set(),
}


#: the longest texts, in characters: the forms and the services refuse longer ones with a
#: message, the String columns have these lengths, and the Text columns a CHECK (on SQLite a
#: trigger: a CHECK would rebuild tables that others reference)
TITLE_MAX = 200
DESCRIPTION_MAX = 5000
DISTRICT_MAX = 100
ADDRESS_MAX = 300
TEACHER_MAX = 200
GROUP_NAME_MAX = 100
REMARKS_MAX = 2000
#: a history comment: the coordinator's remarks or the list of changed fields
COMMENT_MAX = 2000

WEEKDAY_LABELS = ["понедельник", "вторник", "среда", "четверг", "пятница", "суббота",
                  "воскресенье"]
WEEKDAY_SHORT = ["пн", "вт", "ср", "чт", "пт", "сб", "вс"]


class ProgramContent:
    """What a family reads about a program, shared by the program (its published version)
    and its revisions (which have the columns these read)."""

    @property
    def direction_label(self) -> str:
        return DIRECTION_LABELS[Direction(self.direction)]

    @property
    def funding_label(self) -> str:
        return FUNDING_LABELS[Funding(self.funding)]

    @property
    def is_free(self) -> bool:
        return self.funding == Funding.MUNICIPAL

    @property
    def hours_per_month(self) -> int:
        return self.hours_per_week * WEEKS_PER_MONTH


def content_checks() -> tuple:
    """The CHECKs a program's content satisfies, on the program and on its revisions."""
    return (
        one_of("funding", Funding, "funding_known"),
        CheckConstraint("age_from >= 5 AND age_to <= 17 AND age_from <= age_to", "ages_valid"),
        CheckConstraint("months BETWEEN 1 AND 36", "months_valid"),
        CheckConstraint("hours_per_week BETWEEN 1 AND 20", "hours_valid"),
    )


class Program(ProgramContent, db.Model):
    __table_args__ = (
        one_of("status", ProgramStatus, "status_known"),
        *content_checks(),
        CheckConstraint("rating_count >= 0 AND rating_total >= 0", "rating_not_negative"),
        length_check("description", DESCRIPTION_MAX, new_table=False),
        length_check("remarks", REMARKS_MAX, new_table=False),
        Index("ix_program_status_direction", "status", "direction"),
    )

    id: Mapped[IntPk]
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    direction: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    #: the child's age in whole years on the group's start date, inclusive
    age_from: Mapped[int] = mapped_column(SmallInteger)
    age_to: Mapped[int] = mapped_column(SmallInteger)
    #: how long the program runs, in months
    months: Mapped[int] = mapped_column(SmallInteger)
    #: academic hours a week
    hours_per_week: Mapped[int] = mapped_column(SmallInteger)
    funding: Mapped[str] = mapped_column(String(20))
    district: Mapped[str] = mapped_column(String(DISTRICT_MAX), index=True)
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX))
    teacher: Mapped[str] = mapped_column(String(TEACHER_MAX))
    #: the program document (учебно-тематический план), public once the program is published
    document_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    status: Mapped[str] = mapped_column(String(20), default=ProgramStatus.DRAFT)
    #: the coordinator's remarks when it was last returned
    remarks: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: reviews' sum of stars and count, kept by the reviews service (the enrolment issue);
    #: the navigator sorts by their ratio without reading every review
    rating_total: Mapped[int] = mapped_column(default=0)
    rating_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]

    provider: Mapped[Provider] = relationship()
    document: Mapped[StoredFile | None] = relationship()
    groups: Mapped[list[Group]] = relationship(
        back_populates="program", order_by="Group.starts_on, Group.id",
        cascade="all, delete-orphan")
    events: Mapped[list[ProgramEvent]] = relationship(
        back_populates="program", order_by="ProgramEvent.id", cascade="all, delete-orphan")
    #: the provider's changes waiting for the coordinator (submitted or returned), if any
    open_revision: Mapped[ProgramRevision | None] = relationship(
        primaryjoin="and_(ProgramRevision.program_id == Program.id, "
                    "ProgramRevision.status.in_(('submitted', 'returned')))",
        viewonly=True, uselist=False)

    @property
    def status_label(self) -> str:
        return PROGRAM_STATUS_LABELS[ProgramStatus(self.status)]

    @property
    def is_published(self) -> bool:
        return self.status == ProgramStatus.PUBLISHED

    @property
    def rating(self) -> float | None:
        return self.rating_total / self.rating_count if self.rating_count else None


class Group(db.Model):
    __tablename__ = "program_group"  # "group" is an SQL keyword
    __table_args__ = (
        CheckConstraint("capacity BETWEEN 1 AND 200", "capacity_valid"),
        # the guarded counter: seats taken never exceed capacity (changed only by guarded
        # UPDATEs in the enrolment service)
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", "seats_within_capacity"),
        CheckConstraint("price_per_month >= 0", "price_not_negative"),
        CheckConstraint("ends_on > starts_on", "ends_after_start"),
    )

    id: Mapped[IntPk]
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    name: Mapped[str] = mapped_column(String(GROUP_NAME_MAX))
    capacity: Mapped[int] = mapped_column(SmallInteger)
    seats_taken: Mapped[int] = mapped_column(SmallInteger, default=0)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    #: open for enrolment requests
    is_open: Mapped[bool] = mapped_column(default=True)
    #: kopecks a month; 0 for a free (municipal assignment) program
    price_per_month: Mapped[Kopecks]
    created_at: Mapped[Timestamp]

    program: Mapped[Program] = relationship(back_populates="groups")
    sessions: Mapped[list[GroupSession]] = relationship(
        back_populates="group", order_by="GroupSession.weekday, GroupSession.starts_at",
        cascade="all, delete-orphan")

    @property
    def seats_free(self) -> int:
        return self.capacity - self.seats_taken


class GroupSession(db.Model):
    """One weekly class of a group: a day of the week and the time."""

    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", "weekday_valid"),
        CheckConstraint("ends_at > starts_at", "ends_after_start"),
        Index("ix_group_session_weekday_group", "weekday", "group_id"),
    )

    id: Mapped[IntPk]
    group_id: Mapped[int] = mapped_column(ForeignKey("program_group.id"), index=True)
    #: 0 = Monday … 6 = Sunday
    weekday: Mapped[int] = mapped_column(SmallInteger)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)

    group: Mapped[Group] = relationship(back_populates="sessions")

    @property
    def weekday_label(self) -> str:
        return WEEKDAY_LABELS[self.weekday]

    @property
    def weekday_short(self) -> str:
        return WEEKDAY_SHORT[self.weekday]


class ProgramEvent(db.Model):
    """One step of a program's moderation history."""

    __table_args__ = (
        length_check("comment", COMMENT_MAX, new_table=False),
    )

    id: Mapped[IntPk]
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    #: a key of PROGRAM_EVENT_LABELS
    action: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[Timestamp]

    program: Mapped[Program] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    @property
    def label(self) -> str:
        return PROGRAM_EVENT_LABELS.get(self.action, self.action)


PROGRAM_EVENT_LABELS = {
    "created": "Программа создана",
    "submitted": "Отправлена на модерацию",
    "published": "Опубликована",
    "returned": "Возвращена на доработку",
    # before revisions a change of ages or of a price unpublished the program (old history)
    "changed_to_moderation": "Изменены возраст или цена: снова на модерации",
    "updated": "Изменена",
    "revision_submitted": "Изменения отправлены на модерацию; семьи видят прежнюю версию",
    "revision_updated": "Изменения на модерации дополнены",
    "revision_resubmitted": "Исправленные изменения отправлены на модерацию",
    "revision_published": "Изменения опубликованы",
    "revision_returned": "Изменения возвращены на доработку",
    "revision_withdrawn": "Изменения отменены, осталась опубликованная версия",
}


class ProgramTerm(db.Model):
    """A stemmed word of a program's text, with the weight of the best place it occurs in
    (title > provider and direction > description). The navigator's word search matches query
    stems against this table with an index (exact or prefix), identically on both databases."""

    __table_args__ = (
        Index("ix_program_term_term_program", "term", "program_id"),
    )

    program_id: Mapped[int] = mapped_column(ForeignKey("program.id", ondelete="CASCADE"),
                                            primary_key=True)
    #: compared byte-wise on PostgreSQL ("C"), as SQLite does, so prefix ranges agree
    term: Mapped[str] = mapped_column(
        String(60).with_variant(String(60, collation="C"), "postgresql"), primary_key=True)
    weight: Mapped[int] = mapped_column(SmallInteger)


# The revisions' models refer to these and Program.open_revision to them: registered here.
from pfdo.programs.revision_models import (  # noqa: E402
    ProgramRevision,
    RevisionGroup,
    RevisionSession,
)

__all__ = ["ProgramRevision", "RevisionGroup", "RevisionSession"]
