"""The coordinator's review of provider applications: the queue, decisions, transitions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.audit.models import AuditEvent
from pfdo.db import db
from pfdo.errors import DomainError
from pfdo.notifications.models import Notice, OutboxMessage
from pfdo.providers import review, services
from pfdo.providers.models import Provider
from tests import factories
from tests.conftest import form_post


def waiting(app, make, **kwargs):
    staff = make.user("provider_staff")
    return factories.provider(app, staff=staff, status="submitted", **kwargs), staff


def test_the_queue_lists_waiting_applications_oldest_first(app, client, login_as, make,
                                                          frozen_clock):
    login_as("coordinator")
    newer, _ = waiting(app, make, short_name="ЦДТ Новый")
    with app.app_context():
        db.session.get(Provider, newer.id).submitted_at = clock.now() - timedelta(days=2)
        db.session.commit()
    older, _ = waiting(app, make, short_name="ЦДТ Давний")
    with app.app_context():
        db.session.get(Provider, older.id).submitted_at = clock.now() - timedelta(days=10)
        db.session.commit()
    factories.provider(app, short_name="ЦДТ Одобренный")
    html = client.get("/coordinator/providers").get_data(as_text=True)
    assert "Найдены 2 заявки" in html
    assert html.index("ЦДТ Давний") < html.index("ЦДТ Новый")
    assert "ЦДТ Одобренный" not in html
    assert "ждёт 10 дней" in html and "ждёт 2 дня" in html


def test_the_queue_filters_by_name_inn_status_and_form(app, client, login_as, make):
    login_as("coordinator")
    one, _ = waiting(app, make, short_name="Радуга")
    waiting(app, make, short_name="Звезда", legal_form="ip")
    factories.provider(app, short_name="Одобренный")
    html = client.get("/coordinator/providers?q=радуг").get_data(as_text=True)
    assert "Радуга" in html and "Звезда" not in html
    html = client.get(f"/coordinator/providers?q={one.inn}").get_data(as_text=True)
    assert "Радуга" in html and "Найдена 1 заявка" in html
    html = client.get("/coordinator/providers?legal_form=ip").get_data(as_text=True)
    assert "Звезда" in html and "Радуга" not in html
    html = client.get("/coordinator/providers?status=all").get_data(as_text=True)
    assert "Найдены 3 заявки" in html
    response = client.get("/coordinator/providers?status=approved",
                          headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert 'id="results"' in body and "<html" not in body and "Одобренный" in body


def test_the_review_page_shows_the_data_documents_and_history(app, client, login_as, make):
    login_as("coordinator")
    provider, _ = waiting(app, make)
    document = factories.document(app, provider, name="Устав ЦДТ.pdf")
    html = client.get(f"/coordinator/providers/{provider.id}").get_data(as_text=True)
    assert provider.inn in html and provider.ogrn in html and provider.licence_number in html
    assert f"/provider/documents/{document.id}" in html and "Устав ЦДТ.pdf" in html
    assert "Заявка подана" in html and "Включить в реестр" in html
    assert "Не приложены" in html  # no extract, no licence


def test_approval_puts_the_provider_in_the_registry_and_tells_its_staff(app, client, login_as,
                                                                      make, frozen_clock):
    coordinator = login_as("coordinator")
    provider, staff = waiting(app, make)
    response = form_post(client, f"/coordinator/providers/{provider.id}/approve", {},
                         page=f"/coordinator/providers/{provider.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/coordinator/providers"
    with app.app_context():
        row = db.session.get(Provider, provider.id)
        assert row.status == "approved" and row.approved_at is not None
        assert row.events[-1].action == "approved" and row.events[-1].actor_id == coordinator.id
        assert db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "provider.approved")).one().actor_id == coordinator.id
        notice = db.session.scalars(select(Notice).where(Notice.user_id == staff.id)).one()
        assert "включён в реестр" in notice.text and notice.url == "/provider"
        mail = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient == staff.email)).one()
        assert mail.subject == "Поставщик включён в реестр"
    assert provider.short_name in client.get("/providers").get_data(as_text=True)


def test_rejection_needs_a_reason_beside_the_field(app, client, login_as, make):
    login_as("coordinator")
    provider, _ = waiting(app, make)
    response = form_post(client, f"/coordinator/providers/{provider.id}/reject",
                         {"reason": " "}, page=f"/coordinator/providers/{provider.id}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Напишите причину отказа" in html[html.index('id="reason-error"'):][:300]
    with app.app_context():
        assert db.session.get(Provider, provider.id).status == "submitted"


def test_rejection_records_the_reason_and_tells_the_staff(app, client, login_as, make):
    login_as("coordinator")
    provider, staff = waiting(app, make)
    response = form_post(client, f"/coordinator/providers/{provider.id}/reject",
                         {"reason": "Нет лицензии на образовательную деятельность"},
                         page=f"/coordinator/providers/{provider.id}")
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(Provider, provider.id)
        assert row.status == "rejected"
        assert row.rejection_reason == "Нет лицензии на образовательную деятельность"
        assert row.events[-1].comment == row.rejection_reason
        audit = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "provider.rejected")).one()
        assert audit.details["reason"] == row.rejection_reason
        mail = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient == staff.email)).one()
        assert "Нет лицензии" in mail.body and "Подать заявку снова" in mail.body


@pytest.mark.parametrize("status", ["approved", "rejected"])
def test_a_decided_application_cannot_be_decided_again(app, make, status):
    coordinator = make.user("coordinator")
    provider = factories.provider(app, status=status)
    with app.app_context():
        row = db.session.get(Provider, provider.id)
        actor = db.session.get(User, coordinator.id)
        with pytest.raises(DomainError, match="Заявка уже рассмотрена"):
            review.approve(row, actor=actor)
        with pytest.raises(DomainError, match="Заявка уже рассмотрена"):
            review.reject(row, "Повторный отказ", actor=actor)
        assert db.session.get(Provider, provider.id).status == status
        assert len(row.events) == 2  # submitted + the first decision only


def test_resubmission_is_refused_for_waiting_and_approved(app, make):
    staff = make.user("provider_staff")
    for status, message in (("submitted", "уже на рассмотрении"), ("approved", "уже в реестре")):
        provider = factories.provider(app, status=status)
        with app.app_context():
            with pytest.raises(DomainError, match=message):
                services.resubmit(db.session.get(Provider, provider.id),
                                  actor=db.session.get(User, staff.id))


def test_a_rejected_resubmitted_application_can_be_approved(app, make):
    coordinator = make.user("coordinator")
    staff = make.user("provider_staff")
    provider = factories.provider(app, staff=staff, status="submitted")
    factories.document(app, provider, kind="egrul")
    factories.document(app, provider, kind="licence")
    factories.document(app, provider, kind="charter")
    with app.app_context():
        row = db.session.get(Provider, provider.id)
        actor = db.session.get(User, coordinator.id)
        review.reject(row, "Неразборчивый скан устава", actor=actor)
        services.resubmit(row, actor=db.session.get(User, staff.id))
        review.approve(row, actor=actor)
        assert [e.action for e in row.events] == ["submitted", "rejected", "resubmitted",
                                                  "approved"]
        assert row.rejection_reason is None


def test_a_coordinators_download_is_audited(app, client, login_as, make):
    coordinator = login_as("coordinator")
    provider, _ = waiting(app, make)
    document = factories.document(app, provider)
    response = client.get(f"/provider/documents/{document.id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert response.headers["Content-Type"] == "application/pdf"
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "provider.document_viewed")).one()
        assert event.actor_id == coordinator.id and event.object_id == str(document.id)


def test_staff_downloads_are_not_audited_as_views(app, client, login_as):
    staff = login_as("provider_staff")
    provider = factories.provider(app, staff=staff, status="submitted")
    document = factories.document(app, provider)
    assert client.get(f"/provider/documents/{document.id}").status_code == 200
    with app.app_context():
        assert db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "provider.document_viewed")).first() is None


def test_other_roles_may_not_review(client, login_as, app, make):
    provider, _ = waiting(app, make)
    login_as("provider_staff")
    assert client.get(f"/coordinator/providers/{provider.id}").status_code == 403
    assert client.get("/coordinator/providers").status_code == 403


def test_the_coordinator_menu_has_providers(client, login_as):
    login_as("coordinator")
    html = client.get("/coordinator/providers").get_data(as_text=True)
    assert 'href="/coordinator/providers"' in html and "Поставщики" in html
