"""The coordinator's enrolment pages: every contract and offer with filters, and the providers'
answer deadlines."""

from __future__ import annotations

from datetime import date

from pfdo.db import db
from pfdo.enrollments.models import EnrollmentRequest
from pfdo.navigation import header_menu
from tests import factories
from tests.conftest import login
from tests.factories.accounts import user_row
from tests.queries import count_queries


def _family(app, world, last_name: str, first_name: str = "Пётр"):
    parent = factories.user(app, "parent")
    kid = factories.child(app, parent, last_name=last_name, first_name=first_name,
                          middle_name="Ильич", sex="male")
    factories.certificate(app, parent, kid, coordinator=world.coordinator)
    return parent, kid


def _other_provider(app, name: str = "ЦДТ «Радуга»"):
    staff = factories.user(app, "provider_staff")
    provider = factories.provider(app, staff=staff, short_name=name)
    program = factories.program(app, provider, title="Шахматы")
    group = factories.group(app, program, name="Шахматы-1", starts_on=date(2026, 2, 1),
                            ends_on=date(2026, 12, 31), weekdays=(6,))
    return provider, program, group


def test_the_coordinator_sees_every_contract_and_filters_them(app, client, world):
    signed = factories.contract(app, world.parent, world.child, world.group)
    provider, _, group = _other_provider(app)
    parent, kid = _family(app, world, "Петров")
    offer = factories.offer(app, parent, kid, group)
    login(client, world.coordinator.email)
    html = client.get("/coordinator/contracts").get_data(as_text=True)
    assert signed.number in html and offer.number in html and "Найдены 2 договора" in html
    assert "Радуга" in html
    html = client.get(f"/coordinator/contracts?provider={provider.id}").get_data(as_text=True)
    assert offer.number in html and signed.number not in html
    html = client.get("/coordinator/contracts?status=active&q=ИВАН").get_data(as_text=True)
    assert signed.number in html and offer.number not in html
    # active in April 2026: the contract (from March); the offer is not accepted
    html = client.get("/coordinator/contracts?month=2026-04").get_data(as_text=True)
    assert signed.number in html and offer.number not in html
    html = client.get("/coordinator/contracts?month=2027-01").get_data(as_text=True)
    assert "Договоров и оферт с такими условиями нет" in html
    bad = client.get("/coordinator/contracts?month=2026-13")
    assert bad.status_code == 200 and "Такого месяца нет" in bad.get_data(as_text=True)
    fragment = client.get("/coordinator/contracts?q=петр", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and offer.number in body and signed.number not in body


def test_the_coordinators_list_runs_fixed_queries(app, client, world):
    factories.contract(app, world.parent, world.child, world.group)
    login(client, world.coordinator.email)
    client.get("/coordinator/contracts")
    with count_queries(app) as few:
        client.get("/coordinator/contracts")
    _, _, group = _other_provider(app)
    for name in ("Петров", "Сидоров"):
        parent, kid = _family(app, world, name)
        factories.offer(app, parent, kid, group)
    with count_queries(app) as many:
        client.get("/coordinator/contracts")
    assert len(many.selects) == len(few.selects)


def test_the_deadlines_page_puts_the_most_overdue_provider_first(app, client, world):
    factories.enrolment_request(app, world.parent, world.child, world.group)
    _, _, group = _other_provider(app)
    late = []
    for name in ("Петров", "Сидоров", "Кузнецов"):
        parent, kid = _family(app, world, name)
        late.append(factories.enrolment_request(app, parent, kid, group).id)
    with app.app_context():
        rows = [db.session.get(EnrollmentRequest, i) for i in late]
        rows[0].answer_due_on = rows[1].answer_due_on = date(2026, 3, 12)
        rows[2].status = "expired"
        db.session.commit()
    login(client, world.coordinator.email)
    html = client.get("/coordinator/enrolments/deadlines").get_data(as_text=True)
    assert "Сроки ответов поставщиков" in html
    assert html.index("Радуга") < html.index(world.provider.short_name)
    with app.app_context():
        from pfdo.enrollments.lists import provider_deadlines
        counts = {r.provider.id: (r.pending, r.overdue, r.expired)
                  for r in provider_deadlines(factories.today())}
    assert counts[world.provider.id] == (1, 0, 0)
    assert sorted(counts.values())[-1] == (2, 2, 1)


def test_the_coordinators_menu_has_the_contracts_and_the_deadlines(app, world):
    with app.app_context():
        endpoints = [item.endpoint for item in header_menu(user_row(world.coordinator))]
        staff = [item.endpoint for item in header_menu(user_row(world.staff))]
    assert "enrollments.coordinator_contracts" in endpoints
    assert "enrollments.provider_deadlines" in endpoints
    assert "enrollments.provider_requests" in staff
