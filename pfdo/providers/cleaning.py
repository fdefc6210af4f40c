"""Cleaning what a provider types: names, ИНН/ОГРН, contacts, the website, the licence; the
documents each legal form must bring. The application, the profile edits and the review all
read a provider's data through here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from pfdo.accounts.services import (
    PersonName,
)
from pfdo.accounts.validation import normalize_email, normalize_phone
from pfdo.db import db
from pfdo.errors import DomainError
from pfdo.municipality import services as municipality
from pfdo.providers.models import (
    DocumentKind,
    LegalForm,
    Provider,
)
from pfdo.providers.validation import digits_only, inn_problem, ogrn_problem
from pfdo.storage import Upload

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


def required_text(value: str, field_name: str, message: str, max_length: int) -> str:
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


def clean_provider(data: ProviderData, *, current: Provider | None) -> dict:
    """The provider's columns, cleaned. Refuses (DomainError with the field): empty required
    fields, a wrong ИНН/ОГРН (checksum, or length for the legal form), an ИНН/ОГРН another
    provider has, a missing licence for an organisation, a licence dated in the future."""
    form = _legal_form(data.legal_form)
    individual = form.is_individual
    values: dict = {"legal_form": str(form)}
    values["full_name"] = required_text(data.full_name, "full_name",
                                    "Укажите полное наименование, как в уставе"
                                    if not individual else "Укажите ФИО предпринимателя", 300)
    values["short_name"] = required_text(data.short_name, "short_name",
                                     "Укажите краткое наименование", 150)
    for name, problem in (("inn", inn_problem), ("ogrn", ogrn_problem)):
        message = problem(getattr(data, name), individual=individual)
        if message:
            raise DomainError(message, field=name)
        values[name] = digits_only(getattr(data, name))
    _refuse_taken_identifiers(values["inn"], values["ogrn"], current=current)
    values["address"] = required_text(data.address, "address", "Укажите адрес", 300)
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


def missing_message(kind: DocumentKind, legal_form: str) -> str:
    messages = _MISSING_IP if legal_form == LegalForm.IP else _MISSING
    return messages.get(kind, _MISSING[kind])
