"""Which provider a signed-in user acts for. Every provider-cabinet view loads its objects
through these, so a member of provider A gets 404 for anything of provider B."""

from __future__ import annotations

from sqlalchemy import select

from pfdo.db import db
from pfdo.errors import NotFound
from pfdo.providers.models import Provider, ProviderStaff


def provider_of(user) -> Provider | None:
    """The provider the user works for, or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalars(
        select(Provider).join(ProviderStaff).where(ProviderStaff.user_id == user.id)
    ).first()


def own_provider_or_404(user) -> Provider:
    provider = provider_of(user)
    if provider is None:
        raise NotFound("Учётная запись не связана с поставщиком")
    return provider
