"""Everything the system holds on a family, for the parent to download (152-ФЗ ст. 14): the
account and its consents, each child's data, certificate (balance parts and every operation),
applications, enrolment requests, contracts with their months, reviews and notices — as JSON
(machine-readable: money in kopecks, dates ISO) and a readable HTML page, in one ZIP. Each
download is written to the audit log."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime

from flask import render_template
from sqlalchemy import select

from pfdo.accounts.models import Consent, User
from pfdo.audit import services as audit
from pfdo.certificates import balance
from pfdo.certificates.models import Certificate, CertificateApplication
from pfdo.children.models import DOCUMENT_LABELS, SEX_LABELS, Child
from pfdo.db import db, unit_of_work
from pfdo.enrollments.models import Contract, EnrollmentRequest, Review
from pfdo.notifications.models import Notice


def _iso(value):
    """JSON for the dates and moments (ISO 8601; stored moments are UTC)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def family_data(parent: User, *, today: date) -> dict:
    """The family's data as plain values (a fixed number of queries per child)."""
    children = list(db.session.scalars(select(Child).where(Child.parent_id == parent.id)
                                       .order_by(Child.birth_date, Child.id)))
    data = {
        "account": {"last_name": parent.last_name, "first_name": parent.first_name,
                    "middle_name": parent.middle_name, "email": parent.email,
                    "phone": parent.phone, "created_at": parent.created_at},
        "consents": [{"kind": c.kind, "text_version": c.text_version,
                      "given_at": c.given_at, "withdrawn_at": c.withdrawn_at}
                     for c in db.session.scalars(select(Consent).where(
                         Consent.user_id == parent.id).order_by(Consent.id))],
        "children": [_child(child, today) for child in children],
        "notices": [{"created_at": n.created_at, "text": n.text,
                     "read_at": n.read_at}
                    for n in db.session.scalars(select(Notice).where(
                        Notice.user_id == parent.id).order_by(Notice.id))],
        "reviews": [{"contract": f"Д-{r.contract_id:06d}", "rating": r.rating, "text": r.text,
                     "created_at": r.created_at, "answer": r.answer}
                    for r in db.session.scalars(select(Review).where(
                        Review.author_id == parent.id).order_by(Review.id))],
    }
    return data


def _child(child: Child, today: date) -> dict:
    certificate = db.session.scalars(select(Certificate).where(
        Certificate.child_id == child.id)).first()
    item = {
        "last_name": child.last_name, "first_name": child.first_name,
        "middle_name": child.middle_name, "birth_date": child.birth_date,
        "sex": SEX_LABELS.get(child.sex, child.sex),
        "document": f"{DOCUMENT_LABELS.get(child.document_type, '')} "
                    f"{child.document_series} {child.document_number}".strip(),
        "snils": child.snils, "address": child.address,
        "applications": [{"submitted_at": a.submitted_at, "status": a.status_label,
                          "decided_at": a.decided_at,
                          "refusal_reason": a.refusal_reason}
                         for a in db.session.scalars(select(CertificateApplication).where(
                             CertificateApplication.child_id == child.id)
                             .order_by(CertificateApplication.id))],
        "certificate": None,
        "enrolment_requests": [{"created_at": r.created_at, "program": r.program.title,
                                "status": r.status_label}
                               for r in db.session.scalars(select(EnrollmentRequest).where(
                                   EnrollmentRequest.child_id == child.id)
                                   .order_by(EnrollmentRequest.id))],
        "contracts": [],
    }
    if certificate is not None:
        parts = balance.balance(certificate, today=today)
        item["certificate"] = {
            "number": certificate.number, "kind": certificate.kind_label,
            "status": certificate.status_label, "issued_at": certificate.issued_at,
            "valid_until": certificate.valid_until,
            "balance_kopecks": {"credited": parts.credited, "reserved": parts.reserved,
                                "paid": parts.paid, "available": parts.available},
            "operations": [{"at": row.transfer.created_at, "what": row.label,
                            "reason": row.transfer.reason,
                            "amount_kopecks": row.amount or row.from_reserve}
                           for row in balance.history(certificate)],
        }
    for contract in db.session.scalars(select(Contract).where(Contract.child_id == child.id)
                                       .order_by(Contract.id)):
        item["contracts"].append({
            "number": contract.number, "program": contract.program.title,
            "provider": contract.provider.short_name, "group": contract.group.name,
            "status": contract.status_label, "offered_at": contract.offered_at,
            "accepted_at": contract.accepted_at, "ends_on": contract.ends_on,
            "months": [{"month": m.month, "status": m.status_label,
                        "price_kopecks": m.price, "certificate_kopecks": m.certificate_share,
                        "family_kopecks": m.family_share} for m in contract.months],
        })
    return item


def download(parent: User, *, today: date) -> bytes:
    """The ZIP: `данные-семьи.json` and `данные-семьи.html`; the download is audited."""
    data = family_data(parent, today=today)
    with unit_of_work():
        audit.record(parent, "privacy.data_exported", parent,
                     {"children": len(data["children"])})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("данные-семьи.json",
                         json.dumps(data, ensure_ascii=False, indent=2, default=_iso))
        archive.writestr("данные-семьи.html",
                         render_template("privacy/export.html", data=data, today=today))
    return out.getvalue()
