"""Enrolment objects through the real services: a request, an offer (the provider accepted the
request), a contract (the family accepted the offer). Each takes ids or detached objects, runs
in its own app context and returns the object detached."""

from __future__ import annotations

from pfdo.db import db
from pfdo.enrollments import offers, requests
from pfdo.enrollments.models import Contract, EnrollmentRequest
from pfdo.programs.models import Group
from pfdo.providers.access import provider_of
from tests.factories.accounts import detached, user_row
from tests.factories.certificates import today


def _id(obj) -> int:
    return obj if isinstance(obj, int) else obj.id


def enrolment_request(app, parent, child_, group_, *, confirm_schedule: bool = True
                      ) -> EnrollmentRequest:
    """A pending request of `parent` for `child_` in `group_` (every rule applies)."""
    from pfdo.children.models import Child
    with app.app_context():
        made = requests.submit(user_row(parent), db.session.get(Child, _id(child_)),
                               db.session.get(Group, _id(group_)), today=today(),
                               confirm_schedule=confirm_schedule)
        return detached(made)


def offer(app, parent, child_, group_, *, staff=None) -> Contract:
    """An offer: the request made and accepted by the provider's staff member `staff` (any
    user acting for the group's provider when None)."""
    request = enrolment_request(app, parent, child_, group_)
    with app.app_context():
        found = db.session.get(EnrollmentRequest, request.id)
        actor = user_row(staff) if staff is not None else _staff_of(found)
        return detached(requests.accept(found, actor=actor, today=today()))


def _staff_of(request: EnrollmentRequest):
    from pfdo.enrollments.notices import provider_staff
    staff = provider_staff(request.provider)
    if not staff:
        raise ValueError("the provider has no staff: pass staff=")
    assert provider_of(staff[0]) is not None
    return staff[0]


def contract(app, parent, child_, group_, *, staff=None, pay_in_full: bool = False) -> Contract:
    """An active contract: the offer accepted by the family as it stands today."""
    made = offer(app, parent, child_, group_, staff=staff)
    with app.app_context():
        found = db.session.get(Contract, made.id)
        return detached(offers.accept(found, actor=user_row(parent), today=today(),
                                      fingerprint=None, pay_in_full=pay_in_full))
