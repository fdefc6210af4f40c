"""Provider staff managed by the admin: a second (third …) employee for a registry provider,
created new or attached from an existing provider-staff account, and detached again.

A user acts for at most one provider (ProviderStaff.user_id is UNIQUE); which provider it is
is read on every request (providers.access), so attaching and detaching take effect at once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from pfdo import links
from pfdo.accounts.models import Role, User
from pfdo.accounts.services import StaffAccount, create_staff_user
from pfdo.audit import services as audit
from pfdo.db import db, unit_of_work
from pfdo.errors import DomainError
from pfdo.identifiers import record_id
from pfdo.notifications.services import notify
from pfdo.providers.models import Provider, ProviderStaff, ProviderStatus


@dataclass(frozen=True)
class StaffPlace:
    """Where a provider-staff account works, for the admin's user page."""

    provider: Provider | None
    colleagues: list[User]


def registry_choices() -> list[tuple[str, str]]:
    """The providers in the registry, for the admin's select: (id, «name, ИНН …»)."""
    providers = db.session.scalars(select(Provider).where(
        Provider.status == ProviderStatus.APPROVED).order_by(Provider.short_name, Provider.id))
    return [(str(p.id), f"{p.short_name}, ИНН {p.inn}") for p in providers]


def place_of(user: User) -> StaffPlace:
    link = db.session.scalars(select(ProviderStaff).where(ProviderStaff.user_id == user.id)
                              .options(selectinload(ProviderStaff.provider))).first()
    if link is None:
        return StaffPlace(None, [])
    colleagues = db.session.scalars(
        select(User).join(ProviderStaff, ProviderStaff.user_id == User.id)
        .where(ProviderStaff.provider_id == link.provider_id, User.id != user.id)
        .order_by(User.last_name, User.first_name)).all()
    return StaffPlace(link.provider, list(colleagues))


def _registry_provider(provider_id: str | int | None) -> Provider:
    number = record_id(provider_id)
    provider = db.session.get(Provider, number) if number is not None else None
    if provider is None or provider.status != ProviderStatus.APPROVED:
        raise DomainError("Выберите поставщика из реестра", field="provider_id")
    return provider


def _attach(user: User, provider: Provider, *, admin: User) -> None:
    if user.role != Role.PROVIDER:
        raise DomainError("К поставщику прикрепляют только учётную запись с ролью «Сотрудник "
                          "поставщика»", field="provider_id")
    current = db.session.scalars(select(ProviderStaff).where(
        ProviderStaff.user_id == user.id).options(selectinload(ProviderStaff.provider))).first()
    if current is not None:
        raise DomainError(f"Учётная запись уже прикреплена к поставщику "
                          f"«{current.provider.short_name}». Сначала открепите её",
                          field="provider_id")
    db.session.add(ProviderStaff(provider_id=provider.id, user_id=user.id))
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:  # attached by a concurrent request
        raise DomainError("Учётная запись уже прикреплена к поставщику",
                          field="provider_id") from error
    audit.record(admin, "provider.staff_attached", provider, {"user": user.id})
    notify(user, f"Вы подключены к кабинету поставщика «{provider.short_name}»",
           url=links.path("providers.cabinet"))


def attach_staff(user: User, provider_id: str | int | None, *, admin: User) -> Provider:
    """Attach an existing provider-staff account that has no provider to a registry provider.

    Refuses (field "provider_id"): a provider not in the registry, an account of another role,
    an account already attached to a provider."""
    with unit_of_work():
        provider = _registry_provider(provider_id)
        _attach(user, provider, admin=admin)
    return provider


def detach_staff(user: User, *, admin: User) -> Provider:
    """Take the account off its provider: from the next request on it no longer sees the
    provider's cabinet. Refuses an account attached to no provider."""
    with unit_of_work():
        link = db.session.scalars(select(ProviderStaff).where(ProviderStaff.user_id == user.id)
                                  .options(selectinload(ProviderStaff.provider))).first()
        if link is None:
            raise DomainError("Учётная запись не прикреплена к поставщику")
        provider = link.provider
        db.session.delete(link)
        db.session.flush()
        audit.record(admin, "provider.staff_detached", provider, {"user": user.id})
    return provider


def create_staff_member(account: StaffAccount, provider_id: str | None, *,
                        admin: User | None) -> User:
    """Create a staff account (an invitation is e-mailed) and, when a provider is chosen,
    attach it to that registry provider — both or neither.

    Refuses: whatever create_staff_user refuses; a provider for a role other than provider
    staff; a provider not in the registry."""
    if provider_id and account.role != Role.PROVIDER:
        raise DomainError("Поставщика выбирают только для роли «Сотрудник поставщика»",
                          field="provider_id")
    with unit_of_work():
        provider = _registry_provider(provider_id) if provider_id else None
        user = create_staff_user(account, actor=admin)
        if provider is not None:
            _attach(user, provider, admin=admin)
    return user
