"""Building children, certificates and periods through the real services, for the tests."""

from __future__ import annotations

import itertools
from datetime import date

from pfdo.accounts.models import User
from pfdo.accounts.services import PersonName
from pfdo.certificates import applications
from pfdo.db import db
from pfdo.families import services as families
from pfdo.periods import services as periods

TODAY = date(2026, 3, 15)  # the frozen_clock fixture's date
SNILS = ["11223344595", "08765430300", "12345678964", "23456789012"]


#: a new birth certificate number for every child (a document identifies one child)
_documents = itertools.count(200001)


def child_data(**overrides) -> families.ChildData:
    values = dict(name=PersonName("Смирнов", "Артём", "Олегович"), birth_date=date(2016, 5, 20),
                  sex="male", document_type="birth_certificate", document_series="II-АБ",
                  document_number=f"{next(_documents):06d}", snils="112-233-445 95",
                  address="с. Ленинское, ул. Ленина, д. 10, кв. 2")
    values.update(overrides)
    return families.ChildData(**values)


def add_child(app, parent, **overrides):
    with app.test_request_context():
        owner = db.session.get(User, parent.id)
        child = families.add_child(owner, child_data(**overrides), today=TODAY)
        return child.id


def period(app, coordinator, *, nominal=17_456_00, quota=100, budget=2_000_000_00,
           starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31)):
    with app.test_request_context():
        made = periods.save_period(periods.PeriodData(
            title=f"{starts_on.year} год", starts_on=starts_on, ends_on=ends_on, nominal=nominal,
            quota=quota, budget=budget, free_program_limit=3, provider_answer_days=5,
        ), actor=db.session.get(User, coordinator.id), today=date(2025, 12, 1))
        return made.id


def certificate(app, parent, coordinator, **child_overrides) -> int:
    """A child with a confirmed application: an active record certificate. Returns its id."""
    child_id = add_child(app, parent, **child_overrides)
    with app.test_request_context():
        from pfdo.children.models import Child

        child = db.session.get(Child, child_id)
        application = applications.apply_for_certificate(child.parent, child, consent=True,
                                                         today=TODAY)
        issued = applications.confirm_application(application,
                                                  actor=db.session.get(User, coordinator.id))
        return issued.id
