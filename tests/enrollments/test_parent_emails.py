"""The enrolment e-mails: each is a real Russian text about its request or contract and ends
with the absolute link to its page; the ones the services send are queued with it."""

from __future__ import annotations

import re

import pytest
from flask import render_template
from sqlalchemy import select

from pfdo.db import db
from pfdo.enrollments import contracts
from pfdo.enrollments.models import Contract, EnrollmentRequest
from pfdo.notifications.models import OutboxMessage
from tests import factories
from tests.factories.accounts import user_row

REQUEST_MAILS = ["enrolment_request_new", "enrolment_request_answered", "request_due",
                 "request_expired"]
CONTRACT_MAILS = ["offer_waiting", "waitlist_seat", "contract_accepted", "offer_declined",
                  "offer_lapsed", "contract_ended", "contract_ended_provider", "offer_lapsing"]
LINK = "https://pfdo.example.ru/enrolments/contracts/1"


@pytest.mark.parametrize("name", REQUEST_MAILS + CONTRACT_MAILS)
def test_each_mail_names_its_program_and_links_its_page(app, world, name):
    signed = factories.contract(app, world.parent, world.child, world.group)
    with app.app_context():
        contract = db.session.get(Contract, signed.id)
        if name.startswith("contract_ended"):
            contracts.terminate(contract, actor=user_row(world.parent), by="parent",
                                reason="Переезжаем", today=factories.today())
        request = db.session.scalars(select(EnrollmentRequest)).one()
        if name == "enrolment_request_answered":
            request.status, request.reason = "rejected", "Группа уже набрана"
        body = render_template(f"emails/{name}.txt", user=user_row(world.parent), link=LINK,
                               text="Текст уведомления", request=request, contract=contract,
                               released=1_080_000)
    assert body.startswith("Здравствуйте, ")
    assert "«Робототехника для начинающих»" in body
    assert body.rstrip().endswith(LINK)
    assert "{{" not in body and "None" not in body
    if name == "enrolment_request_answered":
        assert "Причина: Группа уже набрана" in body
    if name == "contract_ended":
        assert "31.03.2026" in body and "10\u00a0800,00\u00a0₽" in body


def test_the_services_queue_the_mails_with_absolute_links(app, world):
    signed = factories.contract(app, world.parent, world.child, world.group)
    with app.app_context():
        bodies = {m.recipient: m.body for m in db.session.scalars(select(OutboxMessage))}
        sent = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    to_staff = [m for m in sent if m.recipient == world.staff.email]
    to_parent = [m for m in sent if m.recipient == world.parent.email]
    assert any("Семья прислала заявку" in m.body for m in to_staff)
    assert any("Семья приняла договор-оферту" in m.body for m in to_staff)
    offer = next(m for m in to_parent if "прислал договор-оферту" in m.body)
    assert re.search(rf"https?://\S+/enrolments/contracts/{signed.id}$", offer.body, re.M)
    assert bodies
