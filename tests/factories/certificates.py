"""Children, certificate applications, certificates and financing periods, built through the
real services (so every rule and audit row applies), one call each.

Each function takes the app, runs in its own app context, commits through the service and
returns the object detached. Users may be passed as objects (from `make.user()` or
`login_as()`) or ids.

    parent = make.user("parent")
    kid = factories.child(app, parent, last_name="Петрова", birth_date=date(2015, 4, 1))
    filed = factories.application(app, parent, kid)          # or: application(app, parent)
    cert = factories.certificate(app, parent)                # needs make.municipality()
    period = factories.period(app, nominal=1_745_600, quota=2)
    factories.financing(app, cert)                           # turn it into a financing one
"""

from __future__ import annotations

import itertools
from datetime import date

from pfdo.accounts.services import PersonName
from pfdo.certificates import applications
from pfdo.certificates import financing as certificate_financing
from pfdo.certificates.models import Certificate, CertificateApplication, FinancingGrant
from pfdo.children.models import Child
from pfdo.children.validation import snils_check_number
from pfdo.db import db
from pfdo.families import services as families
from pfdo.municipality import services as municipality
from pfdo.periods import services as periods
from pfdo.periods.models import FinancingPeriod
from tests.factories.accounts import detached, user, user_row

_serial = itertools.count(1)
#: a new document number for every child (a document identifies one child)
_documents = itertools.count(500001)

#: the nominal of the municipality's act for 2026 (17 456,00 ₽), in kopecks
NOMINAL = 1_745_600


def valid_snils(n: int | None = None) -> str:
    """An 11-digit СНИЛС with a correct check number; a new one on every call by default (from
    a range apart from the numbers tests write out, such as 112-233-445 95)."""
    body = f"{160_000_000 + (next(_serial) if n is None else n):09d}"
    return body + f"{snils_check_number(body):02d}"


def today() -> date:
    """The municipality's date, as the services see it (follows a frozen clock)."""
    return municipality.local_today()


def child(app, parent, **kw) -> Child:
    """A child of `parent` via families.services.add_child. Defaults: Иванова Анна Петровна
    (or `name`, a PersonName), born 10.05.2016, female, birth certificate II-АБ with a fresh
    number, a fresh valid СНИЛС."""
    with app.app_context():
        data = families.ChildData(
            name=kw.get("name") or PersonName(kw.get("last_name", "Иванова"),
                                              kw.get("first_name", "Анна"),
                                              kw.get("middle_name", "Петровна")),
            birth_date=kw.get("birth_date", date(2016, 5, 10)),
            sex=kw.get("sex", "female"),
            document_type=kw.get("document_type", "birth_certificate"),
            document_series=kw.get("document_series", "II-АБ"),
            document_number=kw.get("document_number") or f"{next(_documents):06d}",
            snils=kw.get("snils") or valid_snils(),
            address=kw.get("address", "с. Ленинское, ул. Ленина, д. 5, кв. 1"),
        )
        return detached(families.add_child(user_row(parent), data, today=today()))


def application(app, parent, child_=None, **child_kw) -> CertificateApplication:
    """An application filed by `parent` for `child_` (a new child from `child_kw` if None)."""
    if child_ is None:
        child_ = child(app, parent, **child_kw)
    with app.app_context():
        kid = db.session.get(Child, child_.id)
        return detached(applications.apply_for_certificate(user_row(parent), kid, consent=True,
                                                           today=today()))


def confirm(app, filed: CertificateApplication, coordinator=None) -> Certificate:
    """Confirm an application (a new coordinator account if none is given)."""
    coordinator = coordinator or user(app, "coordinator")
    with app.app_context():
        found = db.session.get(CertificateApplication, filed.id)
        return detached(applications.confirm_application(found, actor=user_row(coordinator)))


def certificate(app, parent, child_=None, *, coordinator=None, **child_kw) -> Certificate:
    """A confirmed, active record certificate (needs the municipality: `make.municipality()`)."""
    return confirm(app, application(app, parent, child_, **child_kw), coordinator)


def period(app, actor=None, **overrides) -> FinancingPeriod:
    """A financing period via periods.services.save_period. Defaults: 01.01.2026–31.12.2026
    titled by its year («2026 год»), nominal 17 456,00 ₽, quota 100, budget nominal × quota, at
    most 3 free programs, 5 days for providers to answer. `bands` is a list of
    periods.services.Band."""
    values = {
        "starts_on": date(2026, 1, 1), "ends_on": date(2026, 12, 31),
        "nominal": NOMINAL, "quota": 100, "free_program_limit": 3, "provider_answer_days": 5,
        "bands": [], "hour_costs": {},
    }
    values.update(overrides)
    values.setdefault("title", f"{values['starts_on'].year} год")
    values.setdefault("budget", values["nominal"] * values["quota"])
    with app.app_context():
        saved = periods.save_period(periods.PeriodData(**values),
                                    actor=user_row(actor) if actor is not None else None,
                                    today=today())
        return detached(saved)


def financing(app, certificate_: Certificate, *, on: date | None = None) -> FinancingGrant:
    """Turn the certificate into a financing one for the period current on `on` (default:
    today), as if the parent asked."""
    with app.app_context():
        found = db.session.get(Certificate, certificate_.id)
        return detached(certificate_financing.grant_financing(found, actor=found.child.parent,
                                                              today=on or today()))


def queue(app, certificate_: Certificate):
    """Put the certificate in the queue for a freed financing place (the quota must be used up)."""
    with app.app_context():
        found = db.session.get(Certificate, certificate_.id)
        return detached(certificate_financing.join_queue(found, actor=found.child.parent,
                                                         today=today()))
