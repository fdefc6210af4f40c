"""Providers: the registry application with documents and the provider's own changes.

A provider row is its application: submitted → approved, or submitted → rejected →
(fixed) submitted again. Every step is a ProviderEvent and an audit record; the
coordinator's decisions are in `providers.review`, input cleaning in `providers.cleaning`."""

from __future__ import annotations

from blinker import signal
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from pfdo import clock, links
from pfdo.accounts.models import Consent, Role, User
from pfdo.accounts.services import (
    CONSENT_VERSION,
    clean_name,
    create_account,
)
from pfdo.audit import services as audit
from pfdo.db import db, unit_of_work
from pfdo.errors import DomainError, NotFound
from pfdo.notifications.services import notify, queue_email
from pfdo.providers.cleaning import (
    DOCUMENT_FIELDS,
    FIELD_NAMES,
    IDENTITY_FIELDS,
    Application,
    ProviderData,
    clean_provider,
    missing_message,
    required_kinds,
    required_text,
)
from pfdo.providers.models import (
    DocumentKind,
    Provider,
    ProviderDocument,
    ProviderEvent,
    ProviderStaff,
    ProviderStatus,
)
from pfdo.storage import Upload, store

# --- The public application -----------------------------------------------------------------

#: sent inside the unit of work when a provider's public name changes (receiver: the provider)
provider_renamed = signal("pfdo.provider-renamed")


def apply(application: Application, *, ip: str | None = None) -> tuple[Provider, User]:
    """Create the provider (status submitted), its staff account with the recorded consent,
    the documents and the first history step; tell every coordinator and e-mail the
    applicant a receipt. All or nothing.

    Refuses (DomainError with the field): anything `_clean_provider` refuses; an invalid
    contact name; an e-mail or phone already registered; a weak password; no consent; a
    missing required document (charter, extract, licence unless ИП)."""
    with unit_of_work():
        values = clean_provider(application.provider, current=None)
        name = clean_name(application.contact)
        if not application.consent:
            raise DomainError("Без согласия на обработку персональных данных заявку не принять",
                              field="consent")
        documents = {DocumentKind(kind): upload
                     for kind, upload in application.documents.items() if upload is not None}
        for kind in required_kinds(values["legal_form"]):
            if kind not in documents:
                raise DomainError(missing_message(kind, values["legal_form"]),
                                  field=DOCUMENT_FIELDS[kind])
        now = clock.now()
        values["contact_name"] = " ".join(
            p for p in (name.last_name, name.first_name, name.middle_name) if p)
        user = create_account(name=name, email=application.provider.email,
                              phone=application.provider.phone, role=Role.PROVIDER,
                              password=application.password, phone_required=True)
        db.session.add(Consent(user=user, kind="personal_data", text_version=CONSENT_VERSION,
                               given_at=now, ip=ip))
        provider = Provider(**values, status=ProviderStatus.SUBMITTED, submitted_at=now,
                            created_at=now)
        _insert_provider(provider)
        db.session.add(ProviderStaff(provider_id=provider.id, user_id=user.id))
        for kind, upload in documents.items():
            stored = store(upload, actor=user)
            db.session.add(ProviderDocument(provider_id=provider.id, kind=kind,
                                            file_id=stored.id))
        record_event(provider, "submitted", user)
        audit.record(user, "provider.applied", provider,
                     {"consent_version": CONSENT_VERSION})
        tell_coordinators(provider, f"Новая заявка поставщика: {provider.short_name}, "
                                     f"ИНН {provider.inn}")
        queue_email(user.email, "Заявка на включение в реестр поставщиков принята",
                    "emails/provider_applied.txt", user=user, provider=provider,
                    link=links.absolute_url("providers.cabinet"))
    return provider, user


def _insert_provider(provider: Provider) -> None:
    db.session.add(provider)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:  # a concurrent application took the ИНН or ОГРН
        raise DomainError("Поставщик с таким ИНН или ОГРН уже подал заявку", field="inn") \
            from error


def record_event(provider: Provider, action: str, actor: User | None,
           comment: str | None = None) -> ProviderEvent:
    event = ProviderEvent(provider_id=provider.id, action=action, status=provider.status,
                          actor_id=actor.id if actor is not None else None, comment=comment,
                          at=clock.now())
    db.session.add(event)
    db.session.flush()
    return event


def coordinators() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == Role.COORDINATOR,
                                                      User.active.is_(True))))


def tell_coordinators(provider: Provider, text: str) -> None:
    url = links.path("providers.review", provider_id=provider.id)
    for coordinator in coordinators():
        notify(coordinator, text, url=url)


def tell_staff(provider: Provider, text: str, *, subject: str, template: str,
                **context) -> None:
    for member in db.session.scalars(select(ProviderStaff).where(
            ProviderStaff.provider_id == provider.id).options(
            selectinload(ProviderStaff.user))):
        if member.user.active:
            notify(member.user, text, url=links.path("providers.cabinet"), subject=subject,
                   template=template, provider=provider,
                   link=links.absolute_url("providers.cabinet"), **context)


# --- The provider's own changes ---------------------------------------------------------------

def update_provider(provider: Provider, data: ProviderData, *, actor: User) -> list[str]:
    """Save the provider's data; returns the names of the changed fields ([] if none).
    A new short name re-indexes the provider's programs for the word search.

    Refuses: anything `_clean_provider` refuses; once approved, any change to the legal
    form, the names, the ИНН or the ОГРН (only the coordinator's procedure may change them)."""
    with unit_of_work():
        values = clean_provider(data, current=provider)
        values["contact_name"] = required_text(data.contact_name, "contact_name",
                                           "Укажите контактное лицо", 200)
        if provider.is_approved:
            for name in IDENTITY_FIELDS:
                if values[name] != getattr(provider, name):
                    raise DomainError(
                        "Поставщик уже в реестре: наименование, форма, ИНН и ОГРН не "
                        "меняются. Обратитесь к координатору", field=name)
        changed = [name for name, value in values.items() if getattr(provider, name) != value]
        if not changed:
            return []
        for name in changed:
            setattr(provider, name, values[name])
        db.session.flush()
        record_event(provider, "updated", actor,
               "Изменены: " + ", ".join(FIELD_NAMES[name] for name in changed))
        audit.record(actor, "provider.updated", provider, {"changed": changed})
        if "short_name" in changed:
            # Families find programs by their provider's name: the programs package, above
            # this one, listens and re-indexes them in this same transaction.
            provider_renamed.send(provider)
    return changed


def add_document(provider: Provider, kind: str, upload: Upload | None, *,
                 actor: User) -> ProviderDocument:
    """Attach a checked PDF to the provider. Refuses: an unknown kind, no file."""
    try:
        kind = DocumentKind(kind)
    except ValueError as error:
        raise DomainError("Выберите вид документа", field="kind") from error
    if upload is None:
        raise DomainError("Приложите файл в формате PDF", field="file")
    with unit_of_work():
        stored = store(upload, actor=actor)
        document = ProviderDocument(provider_id=provider.id, kind=kind, file_id=stored.id)
        db.session.add(document)
        db.session.flush()
        audit.record(actor, "provider.document_added", document,
                     {"provider": provider.id, "kind": str(kind)})
    return document


def remove_document(provider: Provider, document_id: int, *, actor: User) -> None:
    """Remove one of the provider's documents (another provider's id is not found).

    Refuses once the provider is in the registry: its documents are the basis of the
    coordinator's decision and stay with it; a newer document is added instead."""
    with unit_of_work():
        document = own_document(provider, document_id)
        if provider.is_approved:
            raise DomainError("Поставщик уже в реестре: документы, по которым принято решение, "
                              "не удаляются. Приложите новый документ")
        audit.record(actor, "provider.document_removed", document,
                     {"provider": provider.id, "kind": document.kind})
        stored = document.file
        db.session.delete(document)
        db.session.flush()
        db.session.delete(stored)


def own_document(provider: Provider, document_id: int) -> ProviderDocument:
    document = db.session.scalar(select(ProviderDocument).where(
        ProviderDocument.id == document_id, ProviderDocument.provider_id == provider.id))
    if document is None:
        raise NotFound()
    return document


def missing_documents(provider: Provider) -> list[DocumentKind]:
    """The required kinds of document the provider has not attached."""
    present = {document.kind for document in provider.documents}
    return [kind for kind in required_kinds(provider.legal_form) if kind not in present]


def resubmit(provider: Provider, *, actor: User) -> Provider:
    """Send a rejected application again after fixing it; coordinators are told.

    Refuses: an application that is not rejected (waiting or already in the registry), and
    one that lacks a required document."""
    with unit_of_work():
        missing = missing_documents(provider)
        if provider.status == ProviderStatus.REJECTED and missing:
            raise DomainError(missing_message(missing[0], provider.legal_form)
                              + ", затем подайте заявку снова")
        move_status(provider, ProviderStatus.REJECTED, ProviderStatus.SUBMITTED,
              refusal=_not_rejected_message(provider), submitted_at=clock.now())
        record_event(provider, "resubmitted", actor)
        audit.record(actor, "provider.resubmitted", provider)
        tell_coordinators(provider, f"Заявка поставщика подана повторно: {provider.short_name}")
    return provider


def _not_rejected_message(provider: Provider) -> str:
    if provider.status == ProviderStatus.SUBMITTED:
        return "Заявка уже на рассмотрении: дождитесь решения координатора"
    if provider.status == ProviderStatus.APPROVED:
        return "Поставщик уже в реестре: повторно подавать заявку не нужно"
    return "Заявку сейчас нельзя подать повторно"


def move_status(provider: Provider, source: ProviderStatus, target: ProviderStatus, *,
          refusal: str, **values) -> None:
    """Change the status with a guarded UPDATE, so two coordinators (or a coordinator and
    the provider) cannot both act on the same state."""
    moved = db.session.execute(
        update(Provider).where(Provider.id == provider.id, Provider.status == source)
        .values(status=target, **values).execution_options(synchronize_session=False)).rowcount
    if not moved:
        db.session.refresh(provider)
        raise DomainError(refusal)
    db.session.refresh(provider)
