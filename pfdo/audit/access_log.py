"""The personal-data access log (152-ФЗ): which staff member saw whose personal data, and when.

Its records are audit events (one log, one view, append-only by trigger; the actions are
audit.services.PERSONAL_DATA_ACTIONS, one filter of the admin's view), written in their
own unit of work before the data is shown: a page that could not be logged is not shown.
Each record names whose data it showed (audit.models.AuditSubject: the children and the
accounts on the page), which the admin's log filters by. Identifiers typed into a search are
kept masked, as the admins who read the log need them to recognise a search, not to repeat
it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import insert

from pfdo.audit import services as audit
from pfdo.audit.models import AuditSubject
from pfdo.db import db, unit_of_work
from pfdo.identifiers import fold
from pfdo.masking import mask_phone  # noqa: F401 - one place, re-exported

if TYPE_CHECKING:  # the account is above; only its name is needed here
    from pfdo.accounts.models import User

ASCII_DIGITS = frozenset("0123456789")

#: the longest typed query the log keeps
QUERY_LIMIT = 100


def record_access(actor: User, action: str, obj=None, details: dict | None = None, *,
                  children: Iterable[int] = (), users: Iterable[int] = ()) -> None:
    """Write one access record with whose data it showed (the ids of the `children` and of the
    `users` — accounts — on the page) and commit it, keeping the objects already loaded for
    the page as they are (a commit would expire them, and the page would load each again)."""
    session = db.session()
    expire_on_commit = session.expire_on_commit
    session.expire_on_commit = False
    try:
        with unit_of_work():
            event = audit.record(actor, action, obj, details or {})
            subjects = [{"event_id": event.id, "child_id": child_id, "user_id": None}
                        for child_id in dict.fromkeys(children)]
            subjects += [{"event_id": event.id, "child_id": None, "user_id": user_id}
                         for user_id in dict.fromkeys(users)]
            if subjects:
                db.session.execute(insert(AuditSubject), subjects)
    finally:
        session.expire_on_commit = expire_on_commit


def mask_email(email: str) -> str:
    """«smirnova.olga@mail.ru» -> «sm***@mail.ru»."""
    local, at, domain = (email or "").partition("@")
    if not at:
        return mask_text(email)
    return f"{local[:2]}***@{domain[:QUERY_LIMIT]}"


def mask_text(text: str) -> str:
    """A query as typed, bounded; every digit but the last two hidden (a number typed in an
    unexpected shape is still not kept whole)."""
    text = " ".join(fold(text).split())[:QUERY_LIMIT]  # every script's digits as ASCII
    digits = sum(c in ASCII_DIGITS for c in text)
    if digits <= 2:
        return text
    shown, out = 0, []
    for char in reversed(text):
        if char in ASCII_DIGITS:
            shown += 1
            out.append(char if shown <= 2 else "*")
        else:
            out.append(char)
    return "".join(reversed(out))
