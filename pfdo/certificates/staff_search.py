"""The coordinator's search of certificate applications, written to the personal-data access
log: a search by surname, СНИЛС or certificate number finds a child, so who searched for
what, and which applications it showed, is recorded before the results are shown."""

from __future__ import annotations

from datetime import date

from pfdo.accounts.models import User
from pfdo.audit import access_log
from pfdo.certificates.applications import (
    ApplicationFilter,
    application_rows,
    search_applications,
)
from pfdo.children.validation import mask_snils
from pfdo.identifiers import digits_or_none


def masked_query(text: str) -> str:
    """The query as the log keeps it: a СНИЛС masked («***-***-445 95»), a certificate
    number as typed, a surname as typed (bounded, stray digits hidden)."""
    text = " ".join((text or "").split())
    digits = digits_or_none(text)
    if digits is not None and len(digits) == 11:
        return mask_snils(digits)
    if digits is not None and len(digits) == 10:
        return digits
    return access_log.mask_text(text)


def search_applications_for(staff: User, flt: ApplicationFilter, *, page: int = 1):
    """search_applications for a staff member; a search with a query is logged first (even
    one that finds nothing: the query is what the log is about)."""
    pagination = search_applications(flt, page=page)
    if flt.query.strip():
        access_log.record_access(staff, "child.searched", None, {
            "query": masked_query(flt.query),
            "applications": [application.id for application in pagination.items],
            "page": page,
        }, children=[application.child_id for application in pagination.items])
    return pagination


def application_rows_for(staff: User, flt: ApplicationFilter, *, today: date):
    """application_rows for a staff member's download; one with a query is logged first, as
    the page's search is (the query and that it was downloaded: the rows are too many to
    name). Logged here, not in the rows' generator, so the record is written before a row
    is read."""
    if flt.query.strip():
        access_log.record_access(staff, "child.searched", None, {
            "query": masked_query(flt.query), "exported": True})
    return application_rows(flt, today=today)
