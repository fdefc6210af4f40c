"""A parent's consent to personal-data processing (152-ФЗ): the one in force, and the refusal
every use case that processes a family's data raises while it is withdrawn."""

from __future__ import annotations

from sqlalchemy import select

from pfdo.accounts.models import Consent, User
from pfdo.db import db
from pfdo.errors import DomainError

PERSONAL_DATA = "personal_data"

WITHDRAWN = ("Вы отозвали согласие на обработку персональных данных, поэтому данные детей "
             "нельзя добавить, изменить или подать по ним заявление. Передумали — дайте "
             "согласие снова в разделе «Учётная запись».")


def latest(user: User) -> Consent | None:
    """The user's latest consent to personal-data processing (given or withdrawn)."""
    return db.session.scalars(select(Consent).where(
        Consent.user_id == user.id, Consent.kind == PERSONAL_DATA)
        .order_by(Consent.given_at.desc(), Consent.id.desc())).first()


def is_withdrawn(user: User) -> bool:
    consent = latest(user)
    return consent is not None and consent.withdrawn_at is not None


def require_consent(user: User) -> None:
    """Refuse to process the family's data while the parent's consent is withdrawn."""
    if is_withdrawn(user):
        raise DomainError(WITHDRAWN)
