"""Providers: the registry application with documents, the provider's own edits, the
coordinator's review, and the public registry.

A provider row is its application: submitted → approved, or submitted → rejected →
(fixed) submitted again. Every step is a ProviderEvent and an audit record."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from pfdo import clock, links
from pfdo.accounts.models import Consent, Role, User
from pfdo.accounts.passwords import hash_password
from pfdo.accounts.services import (
    CONSENT_VERSION,
    PersonName,
    _check_password,
    _clean_email,
    _clean_phone,
    _insert_user,
    clean_name,
)
from pfdo.accounts.validation import normalize_email, normalize_phone
from pfdo.audit import services as audit
from pfdo.db import db, unit_of_work
from pfdo.errors import DomainError, NotFound
from pfdo.identifiers import digits_or_none, fold
from pfdo.municipality import services as municipality
from pfdo.notifications.services import notify, queue_email
from pfdo.providers.models import (
    LEGAL_FORM_LABELS,
    DocumentKind,
    LegalForm,
    Provider,
    ProviderDocument,
    ProviderEvent,
    ProviderStaff,
    ProviderStatus,
)
from pfdo.providers.validation import digits_only, inn_problem, ogrn_problem
from pfdo.storage import Upload, store

#: document kind -> the form field its file comes in (DomainError.field names these)
DOCUMENT_FIELDS = {
    DocumentKind.CHARTER: "charter_file",
    DocumentKind.EGRUL: "egrul_file",
    DocumentKind.LICENCE: "licence_file",
    DocumentKind.OTHER: "other_file",
}

#: the identifiers fixed once the provider is in the registry
IDENTITY_FIELDS = ("legal_form", "full_name", "short_name", "inn", "ogrn")

#: Russian names of the provider's fields (history comments, refusals)
FIELD_NAMES = {
    "legal_form": "организационно-правовая форма",
    "full_name": "полное наименование",
    "short_name": "краткое наименование",
    "inn": "ИНН",
    "ogrn": "ОГРН",
    "address": "адрес",
    "district": "район",
    "contact_name": "контактное лицо",
    "phone": "телефон",
    "email": "почта",
    "website": "сайт",
    "licence_number": "номер лицензии",
    "licence_date": "дата лицензии",
    "description": "описание",
}

_WEBSITE = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$", re.IGNORECASE)


@dataclass(frozen=True)
class ProviderData:
    """What the provider tells about itself, as typed (the service cleans and checks it)."""

    legal_form: str
    full_name: str
    short_name: str
    inn: str
    ogrn: str
    address: str
    phone: str
    email: str
    contact_name: str = ""
    district: str = ""
    website: str = ""
    licence_number: str = ""
    licence_date: date | None = None
    description: str = ""


@dataclass(frozen=True)
class Application:
    """The public application: the provider, the contact person who gets the staff account,
    the password, the consent, and the document files (kind -> a checked Upload or None)."""

    provider: ProviderData
    contact: PersonName
    password: str
    consent: bool
    documents: dict[str, Upload | None] = field(default_factory=dict)


# --- Cleaning -----------------------------------------------------------------------------

def _text(value: str | None) -> str:
    return " ".join((value or "").split())


def _required(value: str, field_name: str, message: str, max_length: int) -> str:
    value = _text(value)
    if not value:
        raise DomainError(message, field=field_name)
    if len(value) > max_length:
        raise DomainError(f"Не длиннее {max_length} символов", field=field_name)
    return value


def _optional(value: str, field_name: str, max_length: int) -> str | None:
    value = _text(value)
    if len(value) > max_length:
        raise DomainError(f"Не длиннее {max_length} символов", field=field_name)
    return value or None


def clean_website(value: str | None) -> str | None:
    """«cdt.ru» -> «https://cdt.ru»; None when empty. Raises DomainError(field="website")."""
    value = (value or "").strip()
    if not value:
        return None
    if not re.match(r"^https?://", value, re.IGNORECASE):
        value = "https://" + value
    if len(value) > 200 or not _WEBSITE.match(value):
        raise DomainError("Адрес сайта, например cdt-lenino.ru", field="website")
    return value


def _legal_form(value: str) -> LegalForm:
    try:
        return LegalForm(value)
    except ValueError as error:
        raise DomainError("Выберите организационно-правовую форму", field="legal_form") from error


def _clean_provider(data: ProviderData, *, current: Provider | None) -> dict:
    """The provider's columns, cleaned. Refuses (DomainError with the field): empty required
    fields, a wrong ИНН/ОГРН (checksum, or length for the legal form), an ИНН/ОГРН another
    provider has, a missing licence for an organisation, a licence dated in the future."""
    form = _legal_form(data.legal_form)
    individual = form.is_individual
    values: dict = {"legal_form": str(form)}
    values["full_name"] = _required(data.full_name, "full_name",
                                    "Укажите полное наименование, как в уставе"
                                    if not individual else "Укажите ФИО предпринимателя", 300)
    values["short_name"] = _required(data.short_name, "short_name",
                                     "Укажите краткое наименование", 150)
    for name, problem in (("inn", inn_problem), ("ogrn", ogrn_problem)):
        message = problem(getattr(data, name), individual=individual)
        if message:
            raise DomainError(message, field=name)
        values[name] = digits_only(getattr(data, name))
    _refuse_taken_identifiers(values["inn"], values["ogrn"], current=current)
    values["address"] = _required(data.address, "address", "Укажите адрес", 300)
    values["district"] = _optional(data.district, "district", 100)
    phone = normalize_phone(data.phone)
    if phone is None:
        raise DomainError("Номер телефона в формате +7 (914) 123-45-67", field="phone")
    values["phone"] = phone
    try:
        values["email"] = normalize_email(data.email)
    except ValueError as error:
        raise DomainError(str(error), field="email") from error
    values["website"] = clean_website(data.website)
    values["licence_number"] = _optional(data.licence_number, "licence_number", 50)
    values["licence_date"] = data.licence_date
    if not individual:
        if not values["licence_number"]:
            raise DomainError("Укажите номер лицензии на образовательную деятельность",
                              field="licence_number")
        if values["licence_date"] is None:
            raise DomainError("Укажите дату выдачи лицензии", field="licence_date")
    if values["licence_date"] is not None and values["licence_date"] > municipality.local_today():
        raise DomainError("Дата лицензии не может быть в будущем", field="licence_date")
    if values["licence_number"] is None:
        values["licence_date"] = None
    description = (data.description or "").strip()
    if len(description) > 2000:
        raise DomainError("Не длиннее 2000 символов", field="description")
    values["description"] = description
    return values


def _refuse_taken_identifiers(inn: str, ogrn: str, *, current: Provider | None) -> None:
    others = select(Provider.id)
    if current is not None:
        others = others.where(Provider.id != current.id)
    if db.session.scalar(others.where(Provider.inn == inn)):
        raise DomainError("Поставщик с таким ИНН уже подал заявку или есть в реестре. "
                          "Если это ваша организация, войдите в её кабинет", field="inn")
    if db.session.scalar(others.where(Provider.ogrn == ogrn)):
        raise DomainError("Поставщик с таким ОГРН уже подал заявку или есть в реестре",
                          field="ogrn")


def required_kinds(legal_form: str) -> list[DocumentKind]:
    """The documents an application needs: charter (an ИП's registration record), the
    ЕГРЮЛ/ЕГРИП extract, and the licence unless the provider is an ИП."""
    kinds = [DocumentKind.CHARTER, DocumentKind.EGRUL]
    if legal_form != LegalForm.IP:
        kinds.append(DocumentKind.LICENCE)
    return kinds


_MISSING = {
    DocumentKind.CHARTER: "Приложите устав в формате PDF",
    DocumentKind.EGRUL: "Приложите выписку из ЕГРЮЛ в формате PDF",
    DocumentKind.LICENCE: "Приложите лицензию на образовательную деятельность в формате PDF",
}
_MISSING_IP = {
    DocumentKind.CHARTER: "Приложите свидетельство о регистрации ИП или лист записи ЕГРИП "
                          "в формате PDF",
    DocumentKind.EGRUL: "Приложите выписку из ЕГРИП в формате PDF",
}


def _missing_message(kind: DocumentKind, legal_form: str) -> str:
    messages = _MISSING_IP if legal_form == LegalForm.IP else _MISSING
    return messages.get(kind, _MISSING[kind])


# --- The public application -----------------------------------------------------------------

def apply(application: Application, *, ip: str | None = None) -> tuple[Provider, User]:
    """Create the provider (status submitted), its staff account with the recorded consent,
    the documents and the first history step; tell every coordinator and e-mail the
    applicant a receipt. All or nothing.

    Refuses (DomainError with the field): anything `_clean_provider` refuses; an invalid
    contact name; an e-mail or phone already registered; a weak password; no consent; a
    missing required document (charter, extract, licence unless ИП)."""
    with unit_of_work():
        values = _clean_provider(application.provider, current=None)
        name = clean_name(application.contact)
        email = _clean_email(application.provider.email)
        phone = _clean_phone(application.provider.phone, required=True)
        _check_password(application.password, email=email, phone=phone)
        if not application.consent:
            raise DomainError("Без согласия на обработку персональных данных заявку не принять",
                              field="consent")
        documents = {DocumentKind(kind): upload
                     for kind, upload in application.documents.items() if upload is not None}
        for kind in required_kinds(values["legal_form"]):
            if kind not in documents:
                raise DomainError(_missing_message(kind, values["legal_form"]),
                                  field=DOCUMENT_FIELDS[kind])
        now = clock.now()
        values["contact_name"] = " ".join(
            p for p in (name.last_name, name.first_name, name.middle_name) if p)
        user = User(email=email, phone=phone, role=Role.PROVIDER,
                    password_hash=hash_password(application.password),
                    last_name=name.last_name, first_name=name.first_name,
                    middle_name=name.middle_name or None, password_changed_at=now,
                    created_at=now)
        _insert_user(user)
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
        _event(provider, "submitted", user)
        audit.record(user, "provider.applied", provider,
                     {"consent_version": CONSENT_VERSION})
        _tell_coordinators(provider, f"Новая заявка поставщика: {provider.short_name}, "
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


def _event(provider: Provider, action: str, actor: User | None,
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


def _tell_coordinators(provider: Provider, text: str) -> None:
    url = links.path("providers.review", provider_id=provider.id)
    for coordinator in coordinators():
        notify(coordinator, text, url=url)


def _tell_staff(provider: Provider, text: str, *, subject: str, template: str,
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
        values = _clean_provider(data, current=provider)
        values["contact_name"] = _required(data.contact_name, "contact_name",
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
        _event(provider, "updated", actor,
               "Изменены: " + ", ".join(FIELD_NAMES[name] for name in changed))
        audit.record(actor, "provider.updated", provider, {"changed": changed})
        if "short_name" in changed:
            _reindex_programs(provider)
    return changed


def _reindex_programs(provider: Provider) -> None:
    # Programs depend on providers, not the other way round: imported here, at the one
    # place where a provider's name reaches the programs' search terms.
    from pfdo.programs import search
    from pfdo.programs.models import Program

    for program in db.session.scalars(select(Program).where(Program.provider_id == provider.id)):
        search.index_program(program)


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
        document = _own_document(provider, document_id)
        if provider.is_approved:
            raise DomainError("Поставщик уже в реестре: документы, по которым принято решение, "
                              "не удаляются. Приложите новый документ")
        audit.record(actor, "provider.document_removed", document,
                     {"provider": provider.id, "kind": document.kind})
        stored = document.file
        db.session.delete(document)
        db.session.flush()
        db.session.delete(stored)


def _own_document(provider: Provider, document_id: int) -> ProviderDocument:
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
            raise DomainError(_missing_message(missing[0], provider.legal_form)
                              + ", затем подайте заявку снова")
        _move(provider, ProviderStatus.REJECTED, ProviderStatus.SUBMITTED,
              refusal=_not_rejected_message(provider), submitted_at=clock.now())
        _event(provider, "resubmitted", actor)
        audit.record(actor, "provider.resubmitted", provider)
        _tell_coordinators(provider, f"Заявка поставщика подана повторно: {provider.short_name}")
    return provider


def _not_rejected_message(provider: Provider) -> str:
    if provider.status == ProviderStatus.SUBMITTED:
        return "Заявка уже на рассмотрении: дождитесь решения координатора"
    if provider.status == ProviderStatus.APPROVED:
        return "Поставщик уже в реестре: повторно подавать заявку не нужно"
    return "Заявку сейчас нельзя подать повторно"


def _move(provider: Provider, source: ProviderStatus, target: ProviderStatus, *,
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


# --- The coordinator's review ------------------------------------------------------------------

ALREADY_DECIDED = "Заявка уже рассмотрена: обновите страницу, чтобы увидеть решение"


def approve(provider: Provider, *, actor: User) -> Provider:
    """Include the provider in the registry and tell its staff.
    Refuses an application that is not waiting (already approved or rejected)."""
    with unit_of_work():
        _move(provider, ProviderStatus.SUBMITTED, ProviderStatus.APPROVED,
              refusal=ALREADY_DECIDED, approved_at=clock.now(), rejection_reason=None)
        _event(provider, "approved", actor)
        audit.record(actor, "provider.approved", provider)
        _tell_staff(provider, f"Поставщик {provider.short_name} включён в реестр. Теперь "
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
        _move(provider, ProviderStatus.SUBMITTED, ProviderStatus.REJECTED,
              refusal=ALREADY_DECIDED, rejection_reason=reason)
        _event(provider, "rejected", actor, reason)
        audit.record(actor, "provider.rejected", provider, {"reason": reason})
        _tell_staff(provider, f"Заявка {provider.short_name} отклонена: {reason}",
                    subject="Заявка поставщика отклонена",
                    template="emails/provider_rejected.txt", reason=reason)
    return provider


def get_provider_or_404(provider_id: int) -> Provider:
    return db.get_or_404(Provider, provider_id)


def get_document_for(user: User, document_id: int) -> ProviderDocument:
    """A document the user may download: a coordinator any; provider staff only their own
    provider's (404 otherwise, whatever the id)."""
    if user.role == Role.COORDINATOR:
        return db.get_or_404(ProviderDocument, document_id)
    from pfdo.providers.access import own_provider_or_404

    return _own_document(own_provider_or_404(user), document_id)


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
    stmt = select(Provider)
    if flt.status:
        stmt = stmt.where(Provider.status == flt.status)
    if flt.legal_form:
        stmt = stmt.where(Provider.legal_form == flt.legal_form)
    stmt = _search(stmt, flt.query)
    return db.paginate(stmt.order_by(Provider.submitted_at.asc(), Provider.id), page=page,
                       per_page=per_page, error_out=False)


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


@dataclass(frozen=True)
class Registry:
    pagination: object
    #: provider id -> number of published programs (for the page's providers only)
    program_counts: dict[int, int]
    waiting: int


def registry(*, query: str = "", ownership: str = "", page: int = 1,
             per_page: int = 25) -> Registry:
    """The public registry: approved providers by name, with their published programs
    counted in one query for the page; search by name or ИНН, filter by ownership."""
    from pfdo.programs.models import Program, ProgramStatus

    stmt = select(Provider).where(Provider.status == ProviderStatus.APPROVED)
    if ownership:
        stmt = stmt.where(Provider.legal_form.in_(forms_of_ownership(ownership)))
    stmt = _search(stmt, query)
    pagination = db.paginate(stmt.order_by(func.lower(Provider.short_name), Provider.id),
                             page=page, per_page=per_page, error_out=False)
    ids = [provider.id for provider in pagination.items]
    counts = dict(db.session.execute(
        select(Program.provider_id, func.count(Program.id))
        .where(Program.provider_id.in_(ids), Program.status == ProgramStatus.PUBLISHED)
        .group_by(Program.provider_id)).all()) if ids else {}
    return Registry(pagination=pagination, program_counts=counts, waiting=waiting_count())
