"""Users, roles and recorded consents."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pfdo import clock
from pfdo.db import IntPk, Timestamp, db
from pfdo.enums import LabelledEnum


class Role(LabelledEnum):
    PARENT = "parent", "Родитель (законный представитель)"
    PROVIDER = "provider_staff", "Сотрудник поставщика"
    COORDINATOR = "coordinator", "Муниципальный координатор"
    HOTLINE = "hotline", "Оператор горячей линии"
    ADMIN = "admin", "Администратор"

    @classmethod
    def staff(cls) -> list[Role]:
        return [cls.PROVIDER, cls.COORDINATOR, cls.HOTLINE, cls.ADMIN]


ROLE_LABELS = Role.labels()


class User(UserMixin, db.Model):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL
    __table_args__ = (
        CheckConstraint(
            "role IN ('parent', 'provider_staff', 'coordinator', 'hotline', 'admin')", "role_known"
        ),
        CheckConstraint("session_version >= 1", "session_version_positive"),
        CheckConstraint("email = lower(email)", "email_lower_case"),
    )

    id: Mapped[IntPk]
    #: login e-mail, stored lower-case (a CHECK makes sure), so UNIQUE is case-insensitive
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: +7XXXXXXXXXX; families may log in with it instead of the e-mail
    phone: Mapped[str | None] = mapped_column(String(12), unique=True)
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20), index=True)
    #: argon2id hash; None until a staff member sets a password through the invitation link
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: False blocks the account and ends its sessions
    active: Mapped[bool] = mapped_column(default=True)
    #: bumped by logout, password change and reset: every cookie carrying an older one is refused
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[Timestamp]
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: the login before the last one, shown to the user ("предыдущий вход")
    previous_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    consents: Mapped[list[Consent]] = relationship(
        back_populates="user", order_by="Consent.given_at.desc()"
    )

    def get_id(self) -> str:
        # Flask-Login stores this in the cookie; the loader refuses an outdated version.
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self) -> str:
        """Иванова А. П."""
        initials = " ".join(f"{p[0]}." for p in (self.first_name, self.middle_name) if p)
        return f"{self.last_name} {initials}".strip()

    def has_role(self, *roles: Role | str) -> bool:
        return self.role in {str(r) for r in roles}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class Consent(db.Model):
    """A consent to personal-data processing, with the version of the text agreed to."""

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: what was agreed to: "personal_data" (152-ФЗ) for now
    kind: Mapped[str] = mapped_column(String(40))
    #: version of the consent text shown at that moment, e.g. "2026-01"
    text_version: Mapped[str] = mapped_column(String(20))
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    ip: Mapped[str | None] = mapped_column(String(45))
    #: set when the parent withdrew it in the cabinet (pfdo.privacy): processing stops
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: set when the data it covered was erased (anonymised) after the withdrawal
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(back_populates="consents")


class PendingRegistration(db.Model):
    """A parent's registration waiting for its e-mail link: the account is created from it
    only when the link is opened. The password is kept here as its argon2 hash (never in the
    link); the link's random token is kept only as its SHA-256, so the database cannot
    rebuild a working link."""

    id: Mapped[IntPk]
    #: SHA-256 (hex) of the token in the link
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: normalised, as the account would have it
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(12))
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    #: cleared when the link is used
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: the consent given on the form, with its text's version
    consent_version: Mapped[str] = mapped_column(String(20))
    ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[Timestamp]
    #: set when the link was used: it works once
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
