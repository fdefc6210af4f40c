"""Providers (поставщики образовательных услуг): the registry, its applications and documents."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pfdo.accounts.models import User
from pfdo.db import IntPk, Timestamp, db, length_check, one_of
from pfdo.enums import LabelledEnum
from pfdo.storage import StoredFile


class LegalForm(StrEnum):
    MBU_DO = "mbu_do"
    MAU_DO = "mau_do"
    MBOU = "mbou"
    GBU_DO = "gbu_do"
    ANO = "ano"
    CHU_DO = "chu_do"
    OOO = "ooo"
    IP = "ip"

    @property
    def label(self) -> str:
        return LEGAL_FORM_LABELS[self][0]

    @property
    def title(self) -> str:
        return LEGAL_FORM_LABELS[self][1]

    @property
    def ownership(self) -> str:
        return LEGAL_FORM_LABELS[self][2]

    @property
    def is_individual(self) -> bool:
        return self is LegalForm.IP


#: code -> (short label, full name, ownership kind)
LEGAL_FORM_LABELS = {
    LegalForm.MBU_DO: ("МБУ ДО", "муниципальное бюджетное учреждение дополнительного образования",
                       "municipal"),
    LegalForm.MAU_DO: ("МАУ ДО", "муниципальное автономное учреждение дополнительного образования",
                       "municipal"),
    LegalForm.MBOU: ("МБОУ", "муниципальное бюджетное общеобразовательное учреждение",
                     "municipal"),
    LegalForm.GBU_DO: ("ГБУ ДО", "государственное бюджетное учреждение дополнительного "
                                 "образования", "state"),
    LegalForm.ANO: ("АНО", "автономная некоммерческая организация", "private"),
    LegalForm.CHU_DO: ("ЧУ ДО", "частное учреждение дополнительного образования", "private"),
    LegalForm.OOO: ("ООО", "общество с ограниченной ответственностью", "private"),
    LegalForm.IP: ("ИП", "индивидуальный предприниматель", "individual"),
}

OWNERSHIP_LABELS = {
    "municipal": "муниципальная организация",
    "state": "государственная организация",
    "private": "частная организация",
    "individual": "индивидуальный предприниматель",
}


class ProviderStatus(LabelledEnum):
    #: the application waits for the coordinator
    SUBMITTED = "submitted", "заявка на рассмотрении"
    #: the coordinator rejected it with a reason; the provider may fix and resubmit
    REJECTED = "rejected", "заявка отклонена"
    #: in the registry: may publish programs
    APPROVED = "approved", "в реестре"


PROVIDER_STATUS_LABELS = ProviderStatus.labels()


#: the longest texts of a provider, in characters (the forms and providers.services refuse
#: longer ones with a message)
DESCRIPTION_MAX = 2000
REJECTION_REASON_MAX = 1000
#: a history comment: a rejection reason or the list of changed fields
EVENT_COMMENT_MAX = 2000


class Provider(db.Model):
    """A provider and its registry application: one row, whose status is the application's."""

    __table_args__ = (
        length_check("description", DESCRIPTION_MAX, new_table=False),
        length_check("rejection_reason", REJECTION_REASON_MAX, new_table=False),
        one_of("status", ProviderStatus, "status_known"),
        CheckConstraint("length(inn) IN (10, 12)", "inn_length"),
        CheckConstraint("length(ogrn) IN (13, 15)", "ogrn_length"),
        # An organisation needs a licence; an individual entrepreneur teaching alone does not.
        CheckConstraint("licence_number IS NOT NULL OR legal_form = 'ip'", "licence_required"),
    )

    id: Mapped[IntPk]
    full_name: Mapped[str] = mapped_column(String(300))
    short_name: Mapped[str] = mapped_column(String(150))
    legal_form: Mapped[str] = mapped_column(String(10))
    #: 10 digits for an organisation, 12 for an individual entrepreneur (checksums in validation)
    inn: Mapped[str] = mapped_column(String(12), unique=True)
    #: ОГРН (13 digits) or ОГРНИП (15 digits)
    ogrn: Mapped[str] = mapped_column(String(15), unique=True)
    address: Mapped[str] = mapped_column(String(300))
    district: Mapped[str | None] = mapped_column(String(100))
    #: who answers for the provider: the head or the contact person
    contact_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(12))
    email: Mapped[str] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(200))
    licence_number: Mapped[str | None] = mapped_column(String(50))
    licence_date: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=ProviderStatus.SUBMITTED, index=True)
    #: the coordinator's reason for the last rejection (kept in the history too)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[Timestamp]
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[Timestamp]

    staff: Mapped[list[ProviderStaff]] = relationship(back_populates="provider")
    documents: Mapped[list[ProviderDocument]] = relationship(
        back_populates="provider", order_by="ProviderDocument.id",
        cascade="all, delete-orphan")
    events: Mapped[list[ProviderEvent]] = relationship(
        back_populates="provider", order_by="ProviderEvent.id")

    @property
    def form(self) -> LegalForm:
        return LegalForm(self.legal_form)

    @property
    def status_label(self) -> str:
        return PROVIDER_STATUS_LABELS[ProviderStatus(self.status)]

    @property
    def is_approved(self) -> bool:
        return self.status == ProviderStatus.APPROVED

    @property
    def display_name(self) -> str:
        """«ИП Кузнецова А. В.» or the organisation's short name as registered."""
        return self.short_name


class ProviderStaff(db.Model):
    """A user who acts for a provider. One user belongs to at most one provider."""

    id: Mapped[IntPk]
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    created_at: Mapped[Timestamp]

    provider: Mapped[Provider] = relationship(back_populates="staff")
    user: Mapped[User] = relationship()


class DocumentKind(StrEnum):
    CHARTER = "charter"
    EGRUL = "egrul"
    LICENCE = "licence"
    OTHER = "other"


DOCUMENT_KIND_LABELS = {
    DocumentKind.CHARTER: "устав (для ИП — свидетельство о регистрации)",
    DocumentKind.EGRUL: "выписка из ЕГРЮЛ / ЕГРИП",
    DocumentKind.LICENCE: "лицензия на образовательную деятельность",
    DocumentKind.OTHER: "другой документ",
}


class ProviderDocument(db.Model):
    """A copy of a document attached to the provider's application (a PDF in private storage)."""

    __table_args__ = (
        CheckConstraint("kind IN ('charter', 'egrul', 'licence', 'other')", "kind_known"),
    )

    id: Mapped[IntPk]
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"), unique=True)
    created_at: Mapped[Timestamp]

    provider: Mapped[Provider] = relationship(back_populates="documents")
    file: Mapped[StoredFile] = relationship()

    @property
    def kind_label(self) -> str:
        return DOCUMENT_KIND_LABELS[DocumentKind(self.kind)]


class ProviderEvent(db.Model):
    """One step of the application's history: submitted, resubmitted, approved, rejected."""

    __table_args__ = (
        length_check("comment", EVENT_COMMENT_MAX, new_table=False),
    )

    id: Mapped[IntPk]
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    #: submitted | resubmitted | approved | rejected | updated
    action: Mapped[str] = mapped_column(String(20))
    #: the status after this step
    status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[Timestamp]

    provider: Mapped[Provider] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    @property
    def label(self) -> str:
        return PROVIDER_EVENT_LABELS.get(self.action, self.action)


PROVIDER_EVENT_LABELS = {
    "submitted": "Заявка подана",
    "resubmitted": "Заявка исправлена и подана повторно",
    "approved": "Поставщик включён в реестр",
    "rejected": "Заявка отклонена",
    "updated": "Сведения о поставщике изменены",
}
