"""Certificate applications, certificates, number serials, financing grants and the queue."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.children.models import Child
from pfdo.db import IntPk, Kopecks, Timestamp, db, one_of
from pfdo.enums import LabelledEnum
from pfdo.periods.models import FinancingPeriod


class ApplicationStatus(LabelledEnum):
    SUBMITTED = "submitted", "на рассмотрении"
    CONFIRMED = "confirmed", "подтверждено"
    REFUSED = "refused", "отказано"
    #: the parent withdrew the consent to personal-data processing (pfdo.privacy): not to be
    #: decided; it returns to the queue if the consent is given again
    WITHDRAWN = "withdrawn", "отозвано заявителем"


APPLICATION_STATUS_LABELS = ApplicationStatus.labels()


class CertificateKind(LabelledEnum):
    RECORD = "record", "сертификат учёта"
    FINANCING = "financing", "сертификат персонифицированного финансирования"


KIND_LABELS = CertificateKind.labels()


class CertificateStatus(LabelledEnum):
    ACTIVE = "active", "действует"
    SUSPENDED = "suspended", "приостановлен"
    CLOSED = "closed", "закрыт"


CERTIFICATE_STATUS_LABELS = CertificateStatus.labels()


class CertificateApplication(db.Model):
    """A parent's application for a child's certificate (заявление на получение сертификата).

    The identity columns are a snapshot taken when it was filed: the duplicate rule ("one child,
    one certificate") is enforced by partial unique indexes over them, so two racing
    applications cannot both get through."""

    __table_args__ = (
        one_of("status", ApplicationStatus, "status_known"),
        CheckConstraint("status <> 'refused' OR refusal_reason IS NOT NULL", "refusal_has_reason"),
        Index("uq_certificate_application_snils_live", "snils", unique=True,
              sqlite_where=text("status <> 'refused'"),
              postgresql_where=text("status <> 'refused'")),
        Index("uq_certificate_application_identity_live", "identity_key", unique=True,
              sqlite_where=text("status <> 'refused'"),
              postgresql_where=text("status <> 'refused'")),
        Index("uq_certificate_application_document_live", "document_key", unique=True,
              sqlite_where=text("status <> 'refused'"),
              postgresql_where=text("status <> 'refused'")),
    )

    id: Mapped[IntPk]
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=ApplicationStatus.SUBMITTED,
                                        index=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now,
                                                   index=True)
    #: the version of the consent text agreed to with this application
    consent_version: Mapped[str] = mapped_column(String(20))
    #: ASCII digits (families.validation)
    snils: Mapped[str] = mapped_column(String(11))
    #: «фамилия|имя|yyyy-mm-dd», case-folded, «ё» as «е» (families.identity): no отчество
    identity_key: Mapped[str] = mapped_column(String(320))
    #: «kind|series|number» of the identity document, normalised (families.identity)
    document_key: Mapped[str] = mapped_column(String(60))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    refusal_reason: Mapped[str | None] = mapped_column(String(500))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))

    child: Mapped[Child] = relationship()
    applicant: Mapped[User] = relationship(foreign_keys=[applicant_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    certificate: Mapped[Certificate | None] = relationship()

    @property
    def status_label(self) -> str:
        return APPLICATION_STATUS_LABELS[ApplicationStatus(self.status)]


class Certificate(db.Model):
    __table_args__ = (
        one_of("kind", CertificateKind, "kind_known"),
        one_of("status", CertificateStatus, "status_known"),
        CheckConstraint("length(number) = 10", "number_ten_digits"),
    )

    id: Mapped[IntPk]
    #: 10 digits: region, municipality, serial, Luhn check digit; never reused
    number: Mapped[str] = mapped_column(String(10), unique=True)
    #: one child, one certificate, ever
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(10), default=CertificateKind.RECORD)
    status: Mapped[str] = mapped_column(String(10), default=CertificateStatus.ACTIVE, index=True)
    issued_at: Mapped[Timestamp]
    #: the child's 18th birthday: the certificate closes that day
    valid_until: Mapped[date] = mapped_column(Date)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    child: Mapped[Child] = relationship()
    grants: Mapped[list[FinancingGrant]] = relationship(back_populates="certificate",
                                                        order_by="FinancingGrant.id")

    @property
    def account_code(self) -> str:
        return f"certificate:{self.id}"

    @property
    def ledger_ref(self) -> str:
        """The `ref` of transfers made for this certificate (top-ups, returns to the fund)."""
        return f"certificate:{self.id}"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[CertificateKind(self.kind)]

    @property
    def status_label(self) -> str:
        return CERTIFICATE_STATUS_LABELS[CertificateStatus(self.status)]

    @property
    def is_financing(self) -> bool:
        return self.kind == CertificateKind.FINANCING


class NumberSerial(db.Model):
    """The serials of a region + municipality: a counter walked through a keyed permutation of
    00001–99999 (pfdo.certificates.numbering), so a serial is never reused and consecutive
    certificates get unrelated numbers."""

    prefix: Mapped[str] = mapped_column(String(4), primary_key=True)
    #: how many positions of the permutation are taken; only ever incremented
    last_position: Mapped[int] = mapped_column(default=0)
    #: the permutation's key (hex), random, made on first use; never derived from SECRET_KEY
    #: (which may rotate: the numbers must not)
    permutation_key: Mapped[str | None] = mapped_column(String(64))
    #: serials 1..this were handed out in order before the permutation: never handed out again
    sequential_until: Mapped[int] = mapped_column(default=0, server_default="0")


class FinancingGrant(db.Model):
    """A certificate financed in a period: the quota place it took and the sum topped up."""

    __table_args__ = (
        UniqueConstraint("certificate_id", "period_id",
                         name="uq_financing_grant_certificate_period"),
        CheckConstraint("months > 0", "months_positive"),
        CheckConstraint("amount > 0", "amount_positive"),
    )

    id: Mapped[IntPk]
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("financing_period.id"), index=True)
    granted_at: Mapped[Timestamp]
    #: months of the period it covers (the rest of the period when granted late)
    months: Mapped[int]
    #: the sum topped up, kopecks (the nominal, pro-rated)
    amount: Mapped[Kopecks]
    #: why: "request" (the parent asked), "queue", "period_open", "enrolment"
    source: Mapped[str] = mapped_column(String(20))
    #: the idempotency key of the parent's confirmation form that made the grant (None for
    #: grants by the queue or a job, and before 0010): a replay of that form gets this grant
    request_key: Mapped[str | None] = mapped_column(String(64))
    #: set when the place was given back (the certificate closed during the period)
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    certificate: Mapped[Certificate] = relationship(back_populates="grants")
    period: Mapped[FinancingPeriod] = relationship()


class QueueEntry(db.Model):
    """A family waiting for a freed financing place in a period, first come first served."""

    __table_args__ = (
        CheckConstraint("status IN ('waiting', 'granted', 'cancelled')", "status_known"),
        Index("uq_queue_entry_waiting", "certificate_id", "period_id", unique=True,
              sqlite_where=text("status = 'waiting'"),
              postgresql_where=text("status = 'waiting'")),
    )

    id: Mapped[IntPk]
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("financing_period.id"), index=True)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    status: Mapped[str] = mapped_column(String(10), default="waiting")
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    certificate: Mapped[Certificate] = relationship()
