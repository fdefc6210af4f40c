"""Who sees which personal field, in one table (152-ФЗ, docs/domain.md §13): for each role and
each field of a person, show it, mask it (enough for the caller to be recognised, not enough
to be used) or hide it. Every page that shows a person asks `present()`; the hotline's reveal
asks `revealable()`. Tested as a matrix in tests/test_masking.py.

Roles are their stored values ("hotline", …) so that this module, used by every layer's
templates, needs nothing above it; `None` is a guest."""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class Field(StrEnum):
    CHILD_NAME = "child_name"
    PARENT_NAME = "parent_name"
    BIRTH_DATE = "birth_date"
    SNILS = "snils"
    DOCUMENT = "document"
    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"


class Rule(StrEnum):
    SHOW = "show"
    MASK = "mask"
    HIDE = "hide"


#: the field's name in the reveal form and the access log's view
FIELD_LABELS = {
    Field.CHILD_NAME: "ФИО ребёнка",
    Field.PARENT_NAME: "ФИО родителя",
    Field.BIRTH_DATE: "Дата рождения",
    Field.SNILS: "СНИЛС",
    Field.DOCUMENT: "Документ ребёнка",
    Field.PHONE: "Телефон родителя",
    Field.EMAIL: "Электронная почта родителя",
    Field.ADDRESS: "Адрес",
}

S, M, H = Rule.SHOW, Rule.MASK, Rule.HIDE
DIGITS = frozenset("0123456789")
_COLUMNS = (Field.CHILD_NAME, Field.PARENT_NAME, Field.BIRTH_DATE, Field.SNILS, Field.DOCUMENT,
            Field.PHONE, Field.EMAIL, Field.ADDRESS)

#: role → rule per field, in the order of _COLUMNS. A parent sees only the own family (the
#: services check ownership) and sees it whole. The coordinator checks documents and
#: decides on applications: everything, each view of a child logged. A provider reads its
#: requests, contracts and reports by the child's surname and initials and age, nothing
#: that identifies the child or reaches the family. The hotline recognises a caller
#: by name initials and date of birth, reveals a masked field only with a logged reason, and
#: never needs the address. The admin manages accounts: names and contacts, no child data.
POLICY: dict[str | None, dict[Field, Rule]] = {
    role: dict(zip(_COLUMNS, rules, strict=True)) for role, rules in {
        None:             (H, H, H, H, H, H, H, H),
        "parent":         (S, S, S, S, S, S, S, S),
        "coordinator":    (S, S, S, S, S, S, S, S),
        "provider_staff": (M, M, M, H, H, H, H, H),
        "hotline":        (M, M, S, M, M, M, M, H),
        "admin":          (S, S, M, H, H, S, S, H),
    }.items()
}


def rule(role: str | None, field: Field) -> Rule:
    """The rule for `role` and `field`; anything unknown is hidden."""
    return POLICY.get(str(role) if role is not None else None, POLICY[None]).get(field, H)


def revealable(role: str | None, field: Field) -> bool:
    """A masked field may be revealed (with a reason, logged) by the hotline only."""
    return role == "hotline" and rule(role, field) == M


def present(role: str | None, field: Field, value) -> str | None:
    """`value` as `role` may see it: whole, masked, or None when hidden (or empty)."""
    if value is None or value == "":
        return None
    verdict = rule(role, field)
    if verdict == H:
        return None
    if verdict == S:
        return show(field, value)
    return mask(field, value)


def show(field: Field, value) -> str:
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if field == Field.SNILS:
        return format_snils(value)
    return str(value)


def mask(field: Field, value) -> str:
    """The masked form of `value`: «Иванова А. П.», «***-***-445 95», «+7 914 ***-**-34»,
    «sm***@mail.ru», «**.**.2015», a document's last two digits."""
    if isinstance(value, date):
        return f"**.**.{value.year}"
    text = str(value)
    if field in (Field.CHILD_NAME, Field.PARENT_NAME):
        return short_name(text)
    if field == Field.SNILS:
        return mask_snils(text)
    if field == Field.PHONE:
        return mask_phone(text)
    if field == Field.EMAIL:
        local, at, domain = text.partition("@")
        return f"{local[:2]}***@{domain}" if at else "***"
    if field == Field.DOCUMENT:
        return _keep_last_digits(text, 2)
    return "***"


def short_name(full_name: str) -> str:
    """«Иванова Анна Петровна» -> «Иванова А. П.»."""
    last, *rest = full_name.split() or [""]
    return initials_name(last, *rest)


def initials_name(last_name: str, *given: str | None) -> str:
    """(«Иванова», «Анна», «Петровна») -> «Иванова А. П.»; an empty part is left out."""
    return " ".join([last_name or "", *(f"{part[0]}." for part in given if part)]).strip()


def format_snils(digits: str) -> str:
    """112-233-445 95"""
    if not digits or len(digits) != 11:
        return digits or ""
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}"


def mask_snils(digits: str) -> str:
    """***-***-445 95: enough for a person to recognise, not enough to use."""
    if not digits or len(digits) != 11:
        return "—"
    return f"***-***-{digits[6:9]} {digits[9:]}"


def mask_phone(phone: str) -> str:
    """«+79145551234» -> «+7 914 ***-**-34»."""
    if len(phone or "") != 12:
        return "***"
    return f"+7 {phone[2:5]} ***-**-{phone[-2:]}"


def _keep_last_digits(text: str, keep: int) -> str:
    """The document's kind kept, its series and number starred but for the last `keep`
    digits: «Свидетельство о рождении II-АБ 512345» -> «Свидетельство о рождении **-** ****45»."""
    words = text.split()
    secret = {i for i, word in enumerate(words) if any(c in DIGITS or c == "-" for c in word)}
    shown, out = 0, []
    for i in range(len(words) - 1, -1, -1):
        if i not in secret:
            out.append(words[i])
            continue
        chars = []
        for char in reversed(words[i]):
            if char in DIGITS:
                shown += 1
                chars.append(char if shown <= keep else "*")
            else:
                chars.append("*" if char.isalnum() else char)
        out.append("".join(reversed(chars)))
    return " ".join(reversed(out))
