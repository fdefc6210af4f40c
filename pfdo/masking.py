"""Who sees which personal field, in one table (152-ФЗ, docs/domain.md §13): for each role and
each field of a person, show it, mask it (enough for the caller to be recognised, not enough
to be used) or hide it. Every page that shows a person asks `present()` (templates: the
`personal(field, value)` global, for the signed-in role); the hotline's reveal asks
`revealable()`. Tested as a matrix in tests/test_masking.py.

The table is a ceiling: a list of many people may ask for less (`at_most=Rule.MASK`: surnames
and initials in a list, the whole name on the person's own page), never for more. A name may be
given as a person (anything with `last_name`, `first_name`, `middle_name`: a child, an
account), which masks a double surname correctly, or as the full name in one string.

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


#: the fields a reveal may name (the access log's filter by field)
REVEALABLE = tuple(field for field in Field if revealable("hotline", field))
_STRICTNESS = {S: 0, M: 1, H: 2}
_NAMES = frozenset({Field.CHILD_NAME, Field.PARENT_NAME})


def present(role: str | None, field: Field, value, *, at_most: Rule = S) -> str | None:
    """`value` as `role` may see it: whole, masked, or None when hidden (or empty). With
    `at_most`, no more than that (a list asks for MASK), whatever the role could see."""
    if field in _NAMES and hasattr(value, "last_name"):
        value = _name_parts(value) if value.last_name else None
    if value is None or value == "":
        return None
    verdict = max(rule(role, field), Rule(at_most), key=_STRICTNESS.__getitem__)
    if verdict == H:
        return None
    if verdict == S:
        return show(field, value)
    return mask(field, value)


def shown_whole(role: str | None, field: Field) -> bool:
    """True when `role` sees `field` as it is (a page may then link it: mailto:, tel:)."""
    return rule(role, field) == S


def _name_parts(person) -> tuple[str, ...]:
    return tuple(part for part in (person.last_name, person.first_name,
                                   getattr(person, "middle_name", None)) if part)


def show(field: Field, value) -> str:
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, tuple):
        return " ".join(value)
    if field == Field.SNILS:
        return format_snils(value)
    return str(value)


def mask(field: Field, value) -> str:
    """The masked form of `value`: «Иванова А. П.», «***-***-445 95», «+7 914 ***-**-34»,
    «sm***@mail.ru», «**.**.2015», a document's last two digits."""
    if isinstance(value, date):
        return f"**.**.{value.year}"
    if isinstance(value, tuple):  # a name in parts: (last, first, middle)
        return initials_name(*value)
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
