"""The monthly close: a provider's service report for a month, the invoice built from it, the
invoice's history, and corrections after payment.

One source of truth per fact:
- a report's workflow status is its invoice's (`ServiceReport.status`): no invoice yet — a
  draft; the invoice is submitted, returned, approved or paid;
- a report line marks one contract-month delivered or not; the money of that month is the
  `ContractMonth`'s split (fixed at acceptance), and whether it was paid or released is the
  month's status and the ledger's transfer under `pay:`/`release:<contract>:<YYYY-MM>`;
- an invoice's totals are the document as issued at its (re)submission: what the coordinator
  approved. A correction after payment is a new reversing transfer; the line records it, the
  invoice's issued totals stay as they were.
"""

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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pfdo.accounts.models import User
from pfdo.db import IntPk, Kopecks, Timestamp, db, one_of
from pfdo.enrollments.models import Contract, ContractMonth
from pfdo.enums import LabelledEnum
from pfdo.providers.models import Provider

COMMENT_MAX = 500


class InvoiceStatus(LabelledEnum):
    SUBMITTED = "submitted", "на проверке"
    RETURNED = "returned", "возвращён на исправление"
    #: approved: its months are being paid (by the approval itself or by `flask close-month`)
    APPROVED = "approved", "одобрен"
    PAID = "paid", "оплачен"


#: a report that has no invoice yet
DRAFT = "draft"
DRAFT_LABEL = "черновик"


class EventKind(LabelledEnum):
    SUBMITTED = "submitted", "отправлен на проверку"
    RETURNED = "returned", "возвращён на исправление"
    APPROVED = "approved", "одобрен"
    PAID = "paid", "оплачен"
    CORRECTED = "corrected", "исправление после оплаты"


class ServiceReport(db.Model):
    """A provider's register of its contracts for one month (реестр договоров за месяц)."""

    __table_args__ = (
        UniqueConstraint("provider_id", "month", name="uq_service_report_provider_month"),
        Index("ix_service_report_month", "month"),
    )

    id: Mapped[IntPk]
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"))
    #: the first day of the month reported
    month: Mapped[date] = mapped_column(Date)
    created_at: Mapped[Timestamp]
    #: the provider's staff were reminded that the report is due
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    provider: Mapped[Provider] = relationship()
    lines: Mapped[list[ServiceReportLine]] = relationship(
        back_populates="report", order_by="ServiceReportLine.id", cascade="all, delete-orphan")
    invoice: Mapped[Invoice | None] = relationship(back_populates="report", uselist=False)

    @property
    def status(self) -> str:
        return self.invoice.status if self.invoice is not None else DRAFT

    @property
    def status_label(self) -> str:
        if self.invoice is None:
            return DRAFT_LABEL
        return self.invoice.status_label

    @property
    def editable(self) -> bool:
        return self.invoice is None or self.invoice.status == InvoiceStatus.RETURNED


class ServiceReportLine(db.Model):
    """One contract-month of the report: delivered (the default) or not, with a comment; and,
    after payment, the correction that reversed it, if any."""

    __table_args__ = (
        CheckConstraint("delivered OR comment IS NOT NULL", "undelivered_has_comment"),
        CheckConstraint("corrected_at IS NULL OR correction_reason IS NOT NULL",
                        "correction_has_reason"),
        #: a report's lines in order: a batch of the close reads the first N still reserved,
        #: and a plan cached for any report (psycopg prepares repeated statements) must not
        #: walk every line of every report in id order to find them
        Index("ix_service_report_line_report_id_id", "report_id", "id"),
    )

    id: Mapped[IntPk]
    report_id: Mapped[int] = mapped_column(ForeignKey("service_report.id"))
    #: one month is reported once, in its provider's report for that month
    contract_month_id: Mapped[int] = mapped_column(ForeignKey("contract_month.id"), unique=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    delivered: Mapped[bool] = mapped_column(default=True)
    comment: Mapped[str | None] = mapped_column(String(COMMENT_MAX))
    corrected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    correction_reason: Mapped[str | None] = mapped_column(String(COMMENT_MAX))
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    report: Mapped[ServiceReport] = relationship(back_populates="lines")
    contract_month: Mapped[ContractMonth] = relationship()
    contract: Mapped[Contract] = relationship()
    corrected_by: Mapped[User | None] = relationship()


class Invoice(db.Model):
    """The provider's invoice for a month: the certificate shares of its delivered months.
    Built at the report's submission, rebuilt at each resubmission after a return."""

    __table_args__ = (
        one_of("status", InvoiceStatus, "status_known"),
        CheckConstraint("certificate_total >= 0 AND family_total >= 0", "totals_not_negative"),
        CheckConstraint("status <> 'returned' OR remarks IS NOT NULL", "return_has_remarks"),
        Index("ix_invoice_month_status", "month", "status"),
        Index("ix_invoice_provider_month", "provider_id", "month"),
    )

    id: Mapped[IntPk]
    report_id: Mapped[int] = mapped_column(ForeignKey("service_report.id"), unique=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"))
    month: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=InvoiceStatus.SUBMITTED)
    #: the certificate shares of the delivered months, as issued
    certificate_total: Mapped[Kopecks] = mapped_column(default=0)
    #: the families' co-pays of the delivered months (for information: families pay directly)
    family_total: Mapped[Kopecks] = mapped_column(default=0)
    delivered_count: Mapped[int] = mapped_column(default=0)
    undelivered_count: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: the first submission's date decides whether the report was late
    first_submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: the coordinator's remarks of the last return
    remarks: Mapped[str | None] = mapped_column(String(COMMENT_MAX))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: None with approved_at set: approved by `flask close-month`
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    report: Mapped[ServiceReport] = relationship(back_populates="invoice")
    provider: Mapped[Provider] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    events: Mapped[list[InvoiceEvent]] = relationship(
        back_populates="invoice", order_by="InvoiceEvent.id", cascade="all, delete-orphan")

    @property
    def number(self) -> str:
        """«С-2026-10-000012»: the month and the invoice's id."""
        return f"С-{self.month:%Y-%m}-{self.id:06d}"

    @property
    def ledger_ref(self) -> str:
        return f"invoice:{self.id}"

    @property
    def status_label(self) -> str:
        return InvoiceStatus(self.status).label


class InvoiceEvent(db.Model):
    """The invoice's history as the provider and the coordinator read it."""

    __table_args__ = (one_of("kind", EventKind, "kind_known"),)

    id: Mapped[IntPk]
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str | None] = mapped_column(String(COMMENT_MAX))
    #: None: the system (`flask close-month`)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[Timestamp]

    invoice: Mapped[Invoice] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    @property
    def kind_label(self) -> str:
        return EventKind(self.kind).label
