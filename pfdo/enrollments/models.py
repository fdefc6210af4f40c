"""Enrolment: a parent's request for a seat, the provider's offer and the contract it becomes,
the contract's months with their split, the waitlist of a full group, and reviews.

One row is both the offer and the contract (`Contract`): the offer is a contract in status
`offered`; the parent's acceptance makes it `active`. Its months (`ContractMonth`) are written
at acceptance — the terms the family agreed to — and change status only (reserved → paid or
released), never their amounts; the one exception is a planned month of a later period, which
the roll-over (`enrollments.rollover`) reserves and, when the new balance falls short, re-splits.

Seats: `Group.seats_taken` is the one counter of a group's seats. An active contract holds a
seat; so does an offer made to the first of the waitlist (`holds_seat`), so that the seat it
was offered for cannot be taken by someone else while the family decides. An ordinary offer
holds none: the first family to accept takes the seat (a guarded UPDATE).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    cast,
    func,
    literal,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pfdo.accounts.models import User
from pfdo.certificates.models import Certificate
from pfdo.children.models import Child
from pfdo.db import IntPk, Kopecks, Timestamp, db, one_of
from pfdo.enums import LabelledEnum
from pfdo.programs.models import Group, Program
from pfdo.providers.models import Provider

REASON_MAX = 500
REVIEW_MAX = 2000


class RequestStatus(LabelledEnum):
    PENDING = "pending", "ожидает ответа"
    ACCEPTED = "accepted", "принята, направлена оферта"
    REJECTED = "rejected", "отклонена"
    EXPIRED = "expired", "истёк срок ответа"
    WITHDRAWN = "withdrawn", "отозвана"


class ContractStatus(LabelledEnum):
    OFFERED = "offered", "оферта ждёт ответа"
    ACTIVE = "active", "действует"
    DECLINED = "declined", "оферта отклонена"
    LAPSED = "lapsed", "срок оферты истёк"
    TERMINATED = "terminated", "расторгнут"


#: the statuses in which a contract counts for the child's program and schedule
LIVE_CONTRACT = (ContractStatus.OFFERED, ContractStatus.ACTIVE)


class TerminatedBy(LabelledEnum):
    PARENT = "parent", "родитель"
    PROVIDER = "provider", "поставщик"
    GROUP_CLOSED = "group_closed", "группа закрыта"
    #: the certificate closed (the child turned 18): the contract ends at the end of the month
    CERTIFICATE = "certificate", "сертификат закрыт"


class MonthStatus(LabelledEnum):
    #: the certificate share is held in the contract's escrow
    RESERVED = "reserved", "зарезервировано"
    #: a later period's month: its share is planned from that period's nominal
    PLANNED = "planned", "запланировано"
    PAID = "paid", "оплачено"
    #: the share went back to the certificate
    RELEASED = "released", "возвращено на сертификат"
    #: a planned month of a contract that ended before it: nothing was reserved for it
    DROPPED = "dropped", "не состоится"


class WaitlistStatus(LabelledEnum):
    WAITING = "waiting", "в очереди"
    OFFERED = "offered", "предложено место"
    ENROLLED = "enrolled", "зачислен"
    LAPSED = "lapsed", "срок предложения истёк"
    CANCELLED = "cancelled", "вышел из очереди"


class EnrollmentRequest(db.Model):
    """A parent's request for a seat in a group (заявка на обучение)."""

    __table_args__ = (
        one_of("status", RequestStatus, "status_known"),
        CheckConstraint("status <> 'rejected' OR reason IS NOT NULL", "rejection_has_reason"),
        # one pending request per child and program, even when two are sent at once
        Index("uq_enrollment_request_pending", "child_id", "program_id", unique=True,
              sqlite_where=text("status = 'pending'"),
              postgresql_where=text("status = 'pending'")),
        Index("ix_enrollment_request_provider_status", "provider_id", "status", "created_at"),
    )

    id: Mapped[IntPk]
    parent_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("program_group.id"), index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"))
    status: Mapped[str] = mapped_column(String(10), default=RequestStatus.PENDING)
    created_at: Mapped[Timestamp]
    #: the last local day the provider may answer (the period's working days from the request)
    answer_due_on: Mapped[date] = mapped_column(Date)
    #: the provider was reminded the day before the deadline
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: why the provider rejected it
    reason: Mapped[str | None] = mapped_column(String(REASON_MAX))
    #: the parent was warned that the schedule collides with another group and sent it anyway
    schedule_conflict: Mapped[bool] = mapped_column(default=False)
    #: the parent's note for the provider
    comment: Mapped[str | None] = mapped_column(String(REASON_MAX))

    parent: Mapped[User] = relationship(foreign_keys=[parent_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    child: Mapped[Child] = relationship()
    certificate: Mapped[Certificate] = relationship()
    group: Mapped[Group] = relationship()
    program: Mapped[Program] = relationship()
    provider: Mapped[Provider] = relationship()
    contract: Mapped[Contract | None] = relationship(back_populates="request", uselist=False)

    @property
    def status_label(self) -> str:
        return RequestStatus(self.status).label

    @property
    def is_pending(self) -> bool:
        return self.status == RequestStatus.PENDING


class Contract(db.Model):
    """The offer (договор-оферта) and, once the parent accepts it, the contract."""

    __table_args__ = (
        one_of("status", ContractStatus, "status_known"),
        CheckConstraint("terminated_by IS NULL OR terminated_by IN "
                        "('parent', 'provider', 'group_closed', 'certificate')",
                        "terminated_by_known"),
        CheckConstraint("status <> 'terminated' OR (ends_on IS NOT NULL AND "
                        "termination_reason IS NOT NULL)", "termination_complete"),
        # one live offer or contract per child and program
        Index("uq_contract_live", "child_id", "program_id", unique=True,
              sqlite_where=text("status IN ('offered', 'active')"),
              postgresql_where=text("status IN ('offered', 'active')")),
        Index("ix_contract_provider_status", "provider_id", "status"),
        Index("ix_contract_group_status", "group_id", "status"),
        # the dashboard's enrolments by program and provider: an index-only scan
        Index("ix_contract_status_program", "status", "program_id", "provider_id"),
    )

    id: Mapped[IntPk]
    #: the request it answers; None for an offer made to the first of a waitlist
    request_id: Mapped[int | None] = mapped_column(ForeignKey("enrollment_request.id"),
                                                   unique=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("program_group.id"))
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"))
    status: Mapped[str] = mapped_column(String(10), default=ContractStatus.OFFERED)
    #: the first month the offer covers (the first day); never before the group's start month
    first_month: Mapped[date] = mapped_column(Date)
    offered_at: Mapped[Timestamp]
    #: the last local day the parent may accept
    accept_by: Mapped[date] = mapped_column(Date)
    #: the offer was made to the first of the waitlist and holds the freed seat
    holds_seat: Mapped[bool] = mapped_column(default=False)
    #: the parent was reminded the day before the offer lapses
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: accepted without the certificate paying (the quota of financing places was exhausted)
    pay_in_full: Mapped[bool] = mapped_column(default=False)
    #: declined, lapsed or terminated
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: a terminated contract's last day (the end of the month it was terminated in)
    ends_on: Mapped[date | None] = mapped_column(Date)
    terminated_by: Mapped[str | None] = mapped_column(String(12))
    termination_reason: Mapped[str | None] = mapped_column(String(REASON_MAX))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    request: Mapped[EnrollmentRequest | None] = relationship(back_populates="contract")
    parent: Mapped[User] = relationship(foreign_keys=[parent_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    child: Mapped[Child] = relationship()
    certificate: Mapped[Certificate] = relationship()
    group: Mapped[Group] = relationship()
    program: Mapped[Program] = relationship()
    provider: Mapped[Provider] = relationship()
    months: Mapped[list[ContractMonth]] = relationship(
        back_populates="contract", order_by="ContractMonth.month",
        cascade="all, delete-orphan")
    review: Mapped[Review | None] = relationship(back_populates="contract", uselist=False)

    @property
    def status_label(self) -> str:
        return ContractStatus(self.status).label

    @property
    def number(self) -> str:
        """The contract's number as the family and the provider read it: «Д-000045»."""
        return f"Д-{self.id:06d}"

    @staticmethod
    def number_sql(contract_id, dialect: str):
        """`number` as an SQL expression of a contract id column (for set-based writes)."""
        text_id = cast(contract_id, String)
        if dialect == "postgresql":
            digits = func.lpad(text_id, func.greatest(6, func.length(text_id)), "0")
        else:
            digits = func.printf("%06d", contract_id)
        return literal("Д-", String) + digits

    @property
    def escrow_code(self) -> str:
        return f"escrow:{self.id}"

    @property
    def ledger_ref(self) -> str:
        return f"contract:{self.id}"

    @property
    def is_offer(self) -> bool:
        return self.status == ContractStatus.OFFERED

    @property
    def is_active(self) -> bool:
        return self.status == ContractStatus.ACTIVE


class ContractMonth(db.Model):
    """One month of a contract: its price and split, fixed at acceptance."""

    __table_args__ = (
        UniqueConstraint("contract_id", "month", name="uq_contract_month_contract_month"),
        one_of("status", MonthStatus, "status_known"),
        CheckConstraint("price >= 0 AND certificate_share >= 0 AND family_share >= 0",
                        "parts_not_negative"),
        CheckConstraint("certificate_share + family_share = price", "parts_sum_to_price"),
    )

    id: Mapped[IntPk]
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    #: the first day of the month
    month: Mapped[date] = mapped_column(Date)
    price: Mapped[Kopecks]
    certificate_share: Mapped[Kopecks]
    family_share: Mapped[Kopecks]
    status: Mapped[str] = mapped_column(String(10))
    #: when it was released (or paid, by the monthly close)
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    contract: Mapped[Contract] = relationship(back_populates="months")

    @property
    def status_label(self) -> str:
        return MonthStatus(self.status).label


class WaitlistEntry(db.Model):
    """A child waiting for a seat in a full group, first come first served."""

    __table_args__ = (
        one_of("status", WaitlistStatus, "status_known"),
        Index("uq_waitlist_entry_live", "group_id", "child_id", unique=True,
              sqlite_where=text("status IN ('waiting', 'offered')"),
              postgresql_where=text("status IN ('waiting', 'offered')")),
        Index("ix_waitlist_entry_group_status", "group_id", "status", "id"),
    )

    id: Mapped[IntPk]
    group_id: Mapped[int] = mapped_column(ForeignKey("program_group.id"))
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"))
    parent_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"))
    status: Mapped[str] = mapped_column(String(10), default=WaitlistStatus.WAITING)
    created_at: Mapped[Timestamp]
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: the offer made when a seat was freed
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"))

    group: Mapped[Group] = relationship()
    program: Mapped[Program] = relationship()
    child: Mapped[Child] = relationship()
    certificate: Mapped[Certificate] = relationship()
    contract: Mapped[Contract | None] = relationship()

    @property
    def status_label(self) -> str:
        return WaitlistStatus(self.status).label


class Review(db.Model):
    """A family's rating of a program (1–5 stars and text), once per contract."""

    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", "rating_valid"),
        CheckConstraint("hidden_at IS NULL OR hidden_reason IS NOT NULL", "hiding_has_reason"),
        Index("ix_review_program_visible", "program_id", "hidden_at", "created_at"),
    )

    id: Mapped[IntPk]
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), unique=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[Timestamp]
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_reason: Mapped[str | None] = mapped_column(String(REASON_MAX))
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    contract: Mapped[Contract] = relationship(back_populates="review")
    program: Mapped[Program] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None
