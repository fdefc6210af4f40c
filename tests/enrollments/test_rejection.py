"""A provider's refusal of a request: the reason is saved with the status in one guarded UPDATE
(the table's CHECK wants a rejected request to have its reason)."""

from __future__ import annotations

import pytest

from pfdo.db import db
from pfdo.enrollments import requests
from pfdo.enrollments.models import EnrollmentRequest
from pfdo.errors import DomainError
from tests import factories
from tests.factories.accounts import user_row


def test_a_rejected_request_keeps_its_reason_and_who_answered(app, world):
    made = factories.enrolment_request(app, world.parent, world.child, world.group)
    with app.app_context():
        request = db.session.get(EnrollmentRequest, made.id)
        requests.reject(request, actor=user_row(world.staff), reason="  Группа набрана  ")
    with app.app_context():
        request = db.session.get(EnrollmentRequest, made.id)
        assert (request.status, request.reason) == ("rejected", "Группа набрана")
        assert request.answered_by_id == world.staff.id and request.answered_at is not None
        with pytest.raises(DomainError, match="уже рассмотрели"):
            requests.reject(request, actor=user_row(world.staff), reason="Ещё раз")
