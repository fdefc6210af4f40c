"""The operator's one search box: a certificate number (its check digit verified), a СНИЛС, a
parent's phone, or a surname with the date of birth — each found by one indexed query, and
each look-up written to the personal-data access log before the results are shown."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, union

from pfdo.accounts.models import User
from pfdo.accounts.validation import normalize_phone
from pfdo.audit import access_log
from pfdo.certificates.models import Certificate
from pfdo.certificates.numbers import number_problem
from pfdo.children.identity import name_key
from pfdo.children.models import Child
from pfdo.children.validation import snils_problem
from pfdo.db import db
from pfdo.identifiers import digits_or_none, fold
from pfdo.masking import mask_phone, mask_snils

QUERY_MAX = 200
RESULTS_MAX = 20

NUMBER, SNILS, PHONE, NAME = "number", "snils", "phone", "name"
#: 11 digits from 7 or 8 that are also a valid СНИЛС: both are looked for
SNILS_OR_PHONE = "snils_or_phone"
KIND_LABELS = {NUMBER: "по номеру сертификата", SNILS: "по СНИЛС", PHONE: "по телефону родителя",
               NAME: "по фамилии и дате рождения",
               SNILS_OR_PHONE: "по СНИЛС или телефону родителя"}

WHAT_TO_TYPE = ("Введите номер сертификата (10 цифр), СНИЛС (11 цифр), телефон родителя "
                "(с 8 или +7) или фамилию ребёнка и дату рождения: «Иванова 12.03.2015»")
_DATE = re.compile(r"(?<![0-9])([0-9]{1,2})[./-]([0-9]{1,2})[./-]([0-9]{4})(?![0-9])")
_SURNAME = re.compile(r"^[а-яёa-z]+(?:-[а-яёa-z]+)*$", re.IGNORECASE)


@dataclass(frozen=True)
class Query:
    kind: str | None = None
    value: str = ""
    birth_date: date | None = None
    #: the phone the same digits make, for SNILS_OR_PHONE
    phone: str | None = None
    #: why the typed text cannot be searched (Russian), or None
    problem: str | None = None

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind or "", "")


@dataclass(frozen=True)
class Found:
    certificate: Certificate
    child: Child


def parse(text: str | None) -> Query:
    """What the operator typed, read as one of the four kinds; a mistyped number or СНИЛС is
    caught here, before any query."""
    text = " ".join(fold(text or "").split())
    if not text:
        return Query()
    if len(text) > QUERY_MAX:
        return Query(problem=f"Слишком длинный запрос: не больше {QUERY_MAX} знаков")
    if any(char.isalpha() for char in text):
        return _parse_name(text)
    digits = digits_or_none(text, plus=True)
    if digits is None:
        return Query(problem=WHAT_TO_TYPE)
    if len(digits) == 10:
        problem = number_problem(digits)
        return Query(NUMBER, digits, problem=problem)
    if len(digits) == 11:
        phone = normalize_phone(text)
        if not text.startswith("+") and snils_problem(digits) is None:
            return Query(SNILS_OR_PHONE, digits, phone=phone) if phone else Query(SNILS, digits)
        if phone is not None:
            return Query(PHONE, phone)
        return Query(problem=snils_problem(digits) or WHAT_TO_TYPE)
    return Query(problem=WHAT_TO_TYPE)


def _parse_name(text: str) -> Query:
    match = _DATE.search(text)
    words = _DATE.sub(" ", text).split()
    if not words or not _SURNAME.match(words[0]):
        return Query(problem=WHAT_TO_TYPE)
    if match is None:
        return Query(problem="Добавьте дату рождения ребёнка: «Иванова 12.03.2015» — по одной "
                             "фамилии сертификат не ищется")
    try:
        born = date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return Query(problem="Такой даты нет: дата рождения — в виде 12.03.2015")
    return Query(NAME, words[0], born)


def search(query: Query) -> list[Found]:
    """The certificates the query names, by one indexed query (a name: every child born that
    day, matched by the surname as the identity key reads it — «ё» as «е», any case)."""
    if query.kind is None or query.problem:
        return []
    stmt = (select(Certificate, Child).join(Child, Child.id == Certificate.child_id)
            .order_by(Child.last_name, Child.first_name, Certificate.id))
    if query.kind == NUMBER:
        stmt = stmt.where(Certificate.number == query.value)
    elif query.kind == SNILS:
        stmt = stmt.where(Child.snils == query.value)
    elif query.kind == PHONE:
        stmt = stmt.join(User, User.id == Child.parent_id).where(User.phone == query.value)
    elif query.kind == SNILS_OR_PHONE:
        by_snils = select(Child.id).where(Child.snils == query.value)
        by_phone = (select(Child.id).join(User, User.id == Child.parent_id)
                    .where(User.phone == query.phone))
        stmt = stmt.where(Child.id.in_(union(by_snils, by_phone)))
    else:
        stmt = stmt.where(Child.birth_date == query.birth_date)
    found = [Found(certificate, child) for certificate, child in db.session.execute(stmt)]
    if query.kind == NAME:
        wanted = name_key(query.value)
        found = [f for f in found if name_key(f.child.last_name) == wanted]
    return found[:RESULTS_MAX]


def logged_query(query: Query) -> str:
    """The query as the access log keeps it: a СНИЛС and a phone masked, a number whole (it
    names no one by itself), a surname as typed with the year of birth only."""
    if query.kind in (SNILS, SNILS_OR_PHONE):
        return mask_snils(query.value)
    if query.kind == PHONE:
        return mask_phone(query.value)
    if query.kind == NAME and query.birth_date is not None:
        return f"{query.value} {query.birth_date.year}"
    return access_log.mask_text(query.value)


def look_up(operator: User, text: str | None) -> tuple[Query, list[Found]]:
    """Parse and search; a search that ran (even one that found nothing) is logged first:
    who looked for whom, how, and which certificates it showed."""
    query = parse(text)
    found = search(query)
    if query.kind is not None and not query.problem:
        access_log.record_access(operator, "hotline.searched", None, {
            "search_by": query.kind, "query": logged_query(query),
            "found": [f.certificate.id for f in found]}, children=[f.child.id for f in found])
    return query, found
