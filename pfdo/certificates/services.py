"""Certificates: look-ups, the public verification by number, and the family's overview.
Applications are in `applications`, conversion to financing and the queue in `financing`, the
balance as the family sees it in `balance`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from pfdo.accounts.models import User
from pfdo.certificates.models import (
    Certificate,
    CertificateApplication,
    CertificateStatus,
)
from pfdo.certificates.numbers import normalize_number
from pfdo.children.models import Child
from pfdo.db import db
from pfdo.errors import NotFound
from pfdo.ledger import services as ledger

# --- Certificates ------------------------------------------------------------------------

def certificate_of(child: Child) -> Certificate | None:
    return db.session.scalars(select(Certificate).where(Certificate.child_id == child.id)).first()


def get_own_certificate(parent: User, certificate_id: int) -> Certificate:
    """The parent's own certificate. Refuses (NotFound, shown as 404) an unknown id and a
    certificate of another family's child: a stranger learns nothing, not even that it exists."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.child.parent_id != parent.id:
        raise NotFound()
    return certificate


def find_by_number(number: str) -> Certificate | None:
    return db.session.scalars(select(Certificate).where(
        Certificate.number == normalize_number(number))).first()


# --- Public verification ----------------------------------------------------------------------

@dataclass(frozen=True)
class Verification:
    """The public check's whole answer. No date: the valid-until date is the child's 18th
    birthday, and a provider needs only to know whether the certificate is valid now."""

    found: bool
    valid: bool = False
    kind_label: str = ""
    status_label: str = ""


def verify(number: str, *, today: date) -> Verification:
    """What anyone may learn from a number: valid or not, kind, status — nothing derived from
    the child."""
    certificate = find_by_number(number)
    if certificate is None:
        return Verification(found=False)
    active = certificate.status == CertificateStatus.ACTIVE
    valid = active and certificate.valid_until > today
    return Verification(found=True, valid=valid, kind_label=certificate.kind_label,
                        status_label=certificate.status_label if valid or not active
                        else "срок действия истёк")


@dataclass(frozen=True)
class ChildSummary:
    child: Child
    application: CertificateApplication | None
    certificate: Certificate | None
    available: int | None


def family_overview(parent: User) -> list[ChildSummary]:
    """Each child of the parent with its latest application, certificate and available sum,
    in a fixed number of queries."""
    children = db.session.scalars(select(Child).where(Child.parent_id == parent.id)
                                  .order_by(Child.birth_date)).all()
    ids = [c.id for c in children]
    if not ids:
        return []
    applications = {}
    for application in db.session.scalars(select(CertificateApplication).where(
            CertificateApplication.child_id.in_(ids)).order_by(CertificateApplication.id)):
        applications[application.child_id] = application  # the latest wins
    certs = {c.child_id: c for c in db.session.scalars(
        select(Certificate).where(Certificate.child_id.in_(ids)))}
    balances = ledger.balances_by_code([c.account_code for c in certs.values()])
    return [ChildSummary(child, applications.get(child.id), certs.get(child.id),
                         balances.get(certs[child.id].account_code)
                         if child.id in certs else None) for child in children]
