"""A child: the person a certificate is issued to, and the parent (legal representative) who
added them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pfdo.accounts.models import User
from pfdo.db import IntPk, Timestamp, db, one_of
from pfdo.enums import LabelledEnum


class Sex(LabelledEnum):
    MALE = "male", "мужской"
    FEMALE = "female", "женский"


class DocumentType(LabelledEnum):
    BIRTH_CERTIFICATE = "birth_certificate", "свидетельство о рождении"
    PASSPORT = "passport", "паспорт"


SEX_LABELS = Sex.labels()
DOCUMENT_LABELS = DocumentType.labels()


def age_on(birth_date: date, day: date) -> int:
    """Whole years on `day` of someone born on `birth_date`."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


class Child(db.Model):
    __table_args__ = (
        one_of("sex", Sex, "sex_known"),
        one_of("document_type", DocumentType, "document_known"),
        CheckConstraint("length(snils) = 11", "snils_eleven_digits"),
    )

    id: Mapped[IntPk]
    #: the parent (legal representative) who added the child; only they see it
    parent_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date, index=True)
    sex: Mapped[str] = mapped_column(String(6))
    document_type: Mapped[str] = mapped_column(String(20))
    #: as normalised by families.validation: «II-АБ» or a passport's 4 ASCII digits
    document_series: Mapped[str] = mapped_column(String(10))
    #: ASCII digits
    document_number: Mapped[str] = mapped_column(String(10), index=True)
    #: 11 ASCII digits without separators; shown masked to staff who do not need it
    snils: Mapped[str] = mapped_column(String(11), index=True)
    address: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[Timestamp]

    parent: Mapped[User] = relationship()

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self) -> str:
        initials = " ".join(f"{p[0]}." for p in (self.first_name, self.middle_name) if p)
        return f"{self.last_name} {initials}"

    @property
    def document_text(self) -> str:
        """«Свидетельство о рождении: серия II-АБ № 512345», the masking table's document."""
        label = DOCUMENT_LABELS.get(self.document_type, "").capitalize()
        return f"{label}: серия {self.document_series} № {self.document_number}"

    def age_on(self, day: date) -> int:
        return age_on(self.birth_date, day)

    def birthday(self, age: int) -> date:
        """The day the child turns `age` (born on 29 February: 1 March in other years)."""
        try:
            return self.birth_date.replace(year=self.birth_date.year + age)
        except ValueError:  # born on 29 February
            return date(self.birth_date.year + age, 3, 1)

    @property
    def eighteenth_birthday(self) -> date:
        return self.birthday(18)
