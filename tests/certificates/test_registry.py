"""The coordinator's certificate registry: search, the card (logged), suspension with a reason
and resumption, and what a suspended certificate still does."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from pfdo.audit.models import AuditEvent
from pfdo.certificates.models import Certificate
from pfdo.db import db
from pfdo.notifications.models import Notice
from tests import factories
from tests.conftest import form_post, login


def _setup(app, make):
    make.municipality()
    coordinator = make.user(role="coordinator")
    parent = make.user(role="parent")
    certificate = factories.certificate(app, parent, last_name="Семёнова",
                                        birth_date=date(2015, 2, 2), snils="11223344595")
    return coordinator, parent, certificate


def test_coordinator_finds_a_certificate_by_number_snils_and_surname(app, client, make):
    coordinator, _, certificate = _setup(app, make)
    login(client, coordinator.email)
    for query in (certificate.number, "112-233-445 95", "семенова", "Семё"):
        html = client.get("/coordinator/certificates", query_string={"q": query}).get_data(
            as_text=True)
        assert "Найден 1 сертификат" in html, query
        assert f"/coordinator/certificates/{certificate.id}" in html
    none = client.get("/coordinator/certificates", query_string={"q": "Петрова"})
    assert "Сертификатов с такими условиями нет" in none.get_data(as_text=True)


def test_the_card_shows_the_record_and_is_logged(app, client, make):
    coordinator, parent, certificate = _setup(app, make)
    login(client, coordinator.email)
    html = client.get(f"/coordinator/certificates/{certificate.id}").get_data(as_text=True)
    assert "112-233-445 95" in html and "Семёнова Анна Петровна" in html
    with app.app_context():
        viewed = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "child.viewed")).all()
        assert len(viewed) == 1 and viewed[0].actor_id == coordinator.id


def test_suspend_needs_a_reason_tells_the_family_and_resume_restores(app, client, make):
    coordinator, parent, certificate = _setup(app, make)
    login(client, coordinator.email)
    card = f"/coordinator/certificates/{certificate.id}"
    refused = form_post(client, f"{card}/suspend", {"reason": "  "}, page=card)
    assert refused.status_code == 422
    assert "Напишите причину" in refused.get_data(as_text=True)
    done = form_post(client, f"{card}/suspend", {"reason": "Документы на проверке"}, page=card)
    assert done.status_code == 302
    with app.app_context():
        found = db.session.get(Certificate, certificate.id)
        assert (found.status, found.status_reason) == ("suspended", "Документы на проверке")
        notices = db.session.scalars(select(Notice).where(Notice.user_id == parent.id)).all()
        assert any("приостановлен: Документы на проверке" in n.text for n in notices)
    again = form_post(client, f"{card}/suspend", {"reason": "ещё раз"}, page=card,
                      follow_redirects=True)
    assert "приостановить можно только действующий" in again.get_data(as_text=True)
    form_post(client, f"{card}/resume", page=card)
    with app.app_context():
        assert db.session.get(Certificate, certificate.id).status == "active"


def test_a_suspended_certificate_cannot_enrol(app, client, make):
    from pfdo.certificates import registry
    from pfdo.errors import DomainError
    coordinator, parent, certificate = _setup(app, make)
    factories.period(app)
    staff = make.user(role="provider_staff")
    group = factories.group(app, factories.program(app, factories.provider(app, staff=staff),
                                                   funding="municipal"),
                            starts_on=date(2026, 9, 1))
    with app.app_context():
        registry.suspend(db.session.get(Certificate, certificate.id), "Проверка",
                         actor=db.session.get(type(coordinator), coordinator.id))
    try:
        factories.enrolment_request(app, parent, certificate.child_id, group)
    except DomainError as error:
        assert "сертификат" in str(error).lower()
    else:
        raise AssertionError("a suspended certificate enrolled")


def test_the_registry_downloads_as_xlsx_as_filtered(app, client, make):
    import io

    import openpyxl
    coordinator, parent, certificate = _setup(app, make)
    factories.certificate(app, parent, last_name="Петрова", first_name="Вера")
    login(client, coordinator.email)
    page = client.get("/coordinator/certificates", query_string={"q": "семенова"})
    assert "/coordinator/certificates.xlsx?q=" in page.get_data(as_text=True)
    response = client.get("/coordinator/certificates.xlsx", query_string={"q": "семенова"})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.get_data())).active.iter_rows(
        values_only=True))
    assert rows[0][:3] == ("Номер", "Ребёнок", "Дата рождения")
    assert [row[:2] for row in rows[1:]] == [(certificate.number, "Семёнова А. П.")]
    assert rows[1][2].date() == date(2015, 2, 2) and rows[1][4] == "действует"
