"""The coordinator's review of provider applications, and the lists: the coordinator's queue
and the public registry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from pfdo import clock
from pfdo.accounts.models import Role, User
from pfdo.audit import services as audit
from pfdo.db import db, get_or_not_found, unit_of_work
from pfdo.errors import DomainError
from pfdo.identifiers import digits_or_none, fold
from pfdo.municipality import services as municipality
from pfdo.phones import format_phone
from pfdo.providers.access import own_provider_or_404
from pfdo.providers.models import (
    LEGAL_FORM_LABELS,
    LegalForm,
    Provider,
    ProviderDocument,
    ProviderEvent,
    ProviderStatus,
)
from pfdo.providers.services import move_status, own_document, record_event, tell_staff

# --- The coordinator's review ------------------------------------------------------------------

ALREADY_DECIDED = "Заявка уже рассмотрена: обновите страницу, чтобы увидеть решение"


def approve(provider: Provider, *, actor: User) -> Provider:
    """Include the provider in the registry and tell its staff.
    Refuses an application that is not waiting (already approved or rejected)."""
    with unit_of_work():
        move_status(provider, ProviderStatus.SUBMITTED, ProviderStatus.APPROVED,
              refusal=ALREADY_DECIDED, approved_at=clock.now(), rejection_reason=None)
        record_event(provider, "approved", actor)
        audit.record(actor, "provider.approved", provider)
        tell_staff(provider, f"Поставщик {provider.short_name} включён в реестр. Теперь "
                              "можно добавлять программы.",
                    subject="Поставщик включён в реестр", template="emails/provider_approved.txt")
    return provider


def reject(provider: Provider, reason: str, *, actor: User) -> Provider:
    """Reject the application with a reason the provider will read, and tell its staff.
    Refuses: an empty or too short reason; an application that is not waiting."""
    reason = " ".join((reason or "").split())
    if len(reason) < 5:
        raise DomainError("Напишите причину отказа: её прочитает поставщик", field="reason")
    if len(reason) > 1000:
        raise DomainError("Не длиннее 1000 символов", field="reason")
    with unit_of_work():
        move_status(provider, ProviderStatus.SUBMITTED, ProviderStatus.REJECTED,
              refusal=ALREADY_DECIDED, rejection_reason=reason)
        record_event(provider, "rejected", actor, reason)
        audit.record(actor, "provider.rejected", provider, {"reason": reason})
        tell_staff(provider, f"Заявка {provider.short_name} отклонена: {reason}",
                    subject="Заявка поставщика отклонена",
                    template="emails/provider_rejected.txt", reason=reason)
    return provider


def get_provider_or_404(provider_id: int) -> Provider:
    return get_or_not_found(Provider, provider_id)


def get_document_for(user: User, document_id: int) -> ProviderDocument:
    """A document the user may download: a coordinator any; provider staff only their own
    provider's (404 otherwise, whatever the id)."""
    if user.role == Role.COORDINATOR:
        return get_or_not_found(ProviderDocument, document_id)
    return own_document(own_provider_or_404(user), document_id)


def record_document_view(document: ProviderDocument, *, actor: User) -> None:
    """Log a coordinator's download of a provider's document."""
    with unit_of_work():
        audit.record(actor, "provider.document_viewed", document,
                     {"provider": document.provider_id, "kind": document.kind})


def history(provider: Provider) -> list[ProviderEvent]:
    return list(db.session.scalars(
        select(ProviderEvent).where(ProviderEvent.provider_id == provider.id)
        .options(selectinload(ProviderEvent.actor)).order_by(ProviderEvent.at,
                                                             ProviderEvent.id)))


def documents_of(provider: Provider) -> list[ProviderDocument]:
    return list(db.session.scalars(
        select(ProviderDocument).where(ProviderDocument.provider_id == provider.id)
        .options(selectinload(ProviderDocument.file)).order_by(ProviderDocument.id)))


# --- Lists: the coordinator's queue and the public registry ----------------------------------

@dataclass(frozen=True)
class QueueFilter:
    status: str = ProviderStatus.SUBMITTED  #: "" for every status
    query: str = ""
    legal_form: str = ""


def _search(stmt, text: str):
    text = (text or "").strip()
    if not text:
        return stmt
    if (digits := digits_or_none(text)) is not None:
        return stmt.where(or_(Provider.inn.startswith(digits), Provider.ogrn.startswith(digits)))
    pattern = fold(text).lower()
    return stmt.where(or_(func.lower(Provider.short_name).contains(pattern, autoescape=True),
                          func.lower(Provider.full_name).contains(pattern, autoescape=True)))


def search_queue(flt: QueueFilter, *, page: int = 1, per_page: int = 30):
    """The coordinator's list: by status (oldest submission first), name or ИНН, form."""
    return db.paginate(_queue(select(Provider), flt), page=page, per_page=per_page,
                       error_out=False)


def queue_rows(flt: QueueFilter, *, today: date):
    """The coordinator's filtered list as export rows, in its order, read in chunks:
    submitted, short and full name, form, district, ИНН, ОГРН, address, contact person,
    phone, e-mail (as the provider's page shows them to the coordinator, and the public one
    once approved), status, days waiting (only while waiting), in the registry since."""
    area_codes = municipality.local_area_codes()
    stmt = select(Provider.submitted_at, Provider.short_name, Provider.full_name,
                  Provider.legal_form, Provider.district, Provider.inn, Provider.ogrn,
                  Provider.address, Provider.contact_name, Provider.phone, Provider.email,
                  Provider.status, Provider.approved_at)
    for (submitted, short, full, form, district, inn, ogrn, address, contact, phone, email,
         status, approved) in db.session.execute(
            _queue(stmt, flt).execution_options(yield_per=1000)):
        waiting = status == ProviderStatus.SUBMITTED
        yield (submitted, short, full, LegalForm(form).label, district, inn, ogrn, address,
               contact, format_phone(phone, area_codes), email, ProviderStatus(status).label,
               municipality.days_since(submitted, today) if waiting else None, approved)


def _queue(stmt, flt: QueueFilter):
    """The coordinator's filters and order, on a statement that selects from the providers:
    the page and the export read the same rows."""
    if flt.status:
        stmt = stmt.where(Provider.status == flt.status)
    if flt.legal_form:
        stmt = stmt.where(Provider.legal_form == flt.legal_form)
    return _search(stmt, flt.query).order_by(Provider.submitted_at.asc(), Provider.id)


def waiting_count() -> int:
    """How many applications wait for the coordinator."""
    return db.session.scalar(select(func.count()).select_from(Provider).where(
        Provider.status == ProviderStatus.SUBMITTED))


def oldest_waiting():
    """When the oldest waiting application was submitted, or None."""
    return db.session.scalar(select(func.min(Provider.submitted_at)).where(
        Provider.status == ProviderStatus.SUBMITTED))


def forms_of_ownership(ownership: str) -> list[str]:
    return [str(form) for form, (_, _, kind) in LEGAL_FORM_LABELS.items() if kind == ownership]


def approved_providers(*, query: str = "", ownership: str = "", page: int = 1,
                       per_page: int = 25):
    """The registry's page of approved providers by name; search by name or ИНН, filter by
    ownership. (The public registry page, with each provider's published programs counted,
    is the navigator's.)"""
    stmt = select(Provider).where(Provider.status == ProviderStatus.APPROVED)
    if ownership:
        stmt = stmt.where(Provider.legal_form.in_(forms_of_ownership(ownership)))
    stmt = _search(stmt, query)
    return db.paginate(stmt.order_by(func.lower(Provider.short_name), Provider.id),
                       page=page, per_page=per_page, error_out=False)
