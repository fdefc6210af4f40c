"""Whose data the admin looks for in the access log: the person typed in the filter — a
certificate number, a parent's e-mail or a surname — found as the ids of a family (a child with
their parent, a parent with their children), which the log's subjects are matched against."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, union

from pfdo.accounts.models import User
from pfdo.audit import access_log
from pfdo.certificates.models import Certificate
from pfdo.certificates.numbers import number_problem
from pfdo.children.identity import name_key
from pfdo.children.models import Child
from pfdo.db import db
from pfdo.identifiers import digits_or_none, fold

#: the longest query read
QUERY_LIMIT = 100
#: the most people one look-up may find: the ids go to the query as a list (an estimate the
#: planner can trust, so the log is read by its indexes), and a look-up that names half the
#: municipality is not an investigation
PEOPLE_LIMIT = 1000
HINT = "Введите номер сертификата (10 цифр), почту или фамилию"
TOO_MANY = (f"Под эти условия подходит больше {PEOPLE_LIMIT} человек: добавьте имя через "
            "пробел или введите номер сертификата")


@dataclass(frozen=True)
class Person:
    """The family found for a query: its children's and its accounts' ids, and the query as
    the access log keeps it (a number whole, it names no one by itself; an e-mail masked; a
    name as typed)."""

    logged: str
    children: tuple[int, ...]
    users: tuple[int, ...]


def find_person(text: str | None) -> tuple[Person | None, str | None]:
    """The person filter as typed: (the family found, or None when the filter is empty or
    cannot be read; the problem in Russian). Digits are a certificate number only (a СНИЛС is
    not the admin's to search by; any script's digits count); words are a surname and
    optionally a first name, their beginnings, any case, «ё» as «е»."""
    text = " ".join(fold(text).split())[:QUERY_LIMIT]
    if not text:
        return None, None
    if "@" in text:
        email = text.lower()
        users = select(User.id).where(User.email == email)
        return _family(access_log.mask_email(email),
                       select(Child.id).where(Child.parent_id.in_(users)), users)
    digits = digits_or_none(text)
    if digits is not None:
        problem = number_problem(digits)
        if problem:
            return None, problem
        children = select(Certificate.child_id).where(Certificate.number == digits)
        return _family(digits, children, select(Child.parent_id).where(Child.id.in_(children)))
    if any(char in "0123456789" for char in fold(text)):  # a digit of any script
        return None, HINT
    surname, *given = (name_key(word) for word in text.split())
    named_children = select(Child.id).where(*_named(Child, surname, given[:1]))
    named_users = select(User.id).where(*_named(User, surname, given[:1]))
    return _family(
        access_log.mask_text(text),
        union(named_children, select(Child.id).where(Child.parent_id.in_(named_users))),
        union(named_users, select(Child.parent_id).where(Child.id.in_(named_children))))


def _family(logged: str, children, users) -> tuple[Person | None, str | None]:
    found = [list(db.session.scalars(select(ids.subquery().c[0]).limit(PEOPLE_LIMIT + 1)))
             for ids in (children, users)]
    if any(len(ids) > PEOPLE_LIMIT for ids in found):
        return None, TOO_MANY
    return Person(logged, tuple(found[0]), tuple(found[1])), None


def _named(model, surname: str, given: list[str]) -> list:
    def key(column):
        return db.func.replace(db.func.lower(column), "ё", "е")

    conditions = [key(model.last_name).startswith(surname, autoescape=True)]
    if given:
        conditions.append(key(model.first_name).startswith(given[0], autoescape=True))
    return conditions
