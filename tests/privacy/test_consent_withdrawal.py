"""The consent's promise is true: a parent withdraws the consent to personal-data processing in
the cabinet, after a page that says what it means; applications stop, certificates cannot be
used, the coordinator's queue agrees; the consent can be given again; on the 30th day the
family's data is anonymised while the ledger's totals stay."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pfdo import clock
from pfdo.accounts.models import Consent, User
from pfdo.audit.models import AuditEvent
from pfdo.certificates.models import (
    Certificate,
    CertificateApplication,
    FinancingGrant,
    QueueEntry,
)
from pfdo.children.models import Child
from pfdo.db import db
from pfdo.ledger import services as ledger
from pfdo.notifications.models import Notice, OutboxMessage
from pfdo.periods.models import FinancingPeriod
from tests import factories
from tests.conftest import form_post, login

#: 10:00 on 02.12.2026 in Asia/Vladivostok
NOW = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
TAG = re.compile(r"<[^>]+>")
NEW_CHILD = {"last_name": "Иванова", "first_name": "Вера", "middle_name": "",
             "birth_date": "2017-04-05", "sex": "female", "document_type": "birth_certificate",
             "document_series": "II-АБ", "document_number": "654321",
             "snils": "087-654-303 00", "address": "с. Ленинское, ул. Ленина, д. 10, кв. 2"}


def text(response) -> str:
    return " ".join(TAG.sub(" ", response.get_data(as_text=True)).replace("\xa0", " ").split())


@pytest.fixture
def family(app, make, login_as):
    """A parent with a financing certificate (Анна) and an application waiting (Борис)."""
    clock.set_frozen(NOW)
    make.municipality()
    coordinator = make.user("coordinator", email="coordinator@example.ru")
    factories.period(app, quota=1)
    parent = login_as("parent", email="parent@example.ru")
    anna = factories.certificate(app, parent, coordinator=coordinator, first_name="Анна")
    factories.financing(app, anna)  # one month: 1 454,66 ₽, the period's only place
    boris = factories.application(app, parent, last_name="Иванов", first_name="Борис",
                                  middle_name="Петрович", sex="male",
                                  birth_date=date(2015, 2, 3))
    return {"parent": parent, "certificate": anna, "application": boris,
            "coordinator": coordinator}


def withdraw(client, page="/account/consent/withdraw"):
    return form_post(client, "/account/consent/withdraw", page=page)


def test_the_confirmation_page_says_what_happens(client, family):
    account = text(client.get("/account"))
    assert "Отозвать согласие" in account
    page = text(client.get("/account/consent/withdraw"))
    assert "Согласие будет отозвано сегодня, 02.12.2026" in page
    assert "будут отозваны — их не рассмотрят: Иванов Борис Петрович" in page
    assert f"Сертификаты детей будут приостановлены: № {family['certificate'].number} (Анна)" \
        in page
    assert "31.12.2026 — через 29 дней" in page
    assert "будут обезличены" in page and "суммы операций по ним сохранятся" in page
    assert "До 31.12.2026 можно передумать" in page


def test_withdrawal_stops_applications_and_suspends_certificates(app, client, make, family):
    response = withdraw(client)
    assert response.status_code == 302
    account = text(client.get("/account"))
    assert "Согласие отозвано. 31.12.2026 данные семьи будут обезличены" in account
    assert "отозвано 02.12.2026" in account and "Дать согласие снова" in account
    with app.app_context():
        consent = db.session.scalars(select(Consent)).one()
        assert consent.withdrawn_at is not None
        assert db.session.get(CertificateApplication, family["application"].id).status \
            == "withdrawn"
        certificate = db.session.get(Certificate, family["certificate"].id)
        assert certificate.status == "suspended"
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"consent.withdrawn", "certificate_application.withdrawn",
                "certificate.suspended"} <= actions
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.subject == "Согласие на обработку персональных данных отозвано")) == 1

    # nothing more may be done with the family's data
    assert "Вы отозвали согласие" in text(form_post(client, "/children/new", NEW_CHILD))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Child)) == 2
    child = text(client.get(f"/children/{family['application'].child_id}"))
    assert "Вы отозвали согласие на обработку персональных данных, и заявление на сертификат " \
           "отозвано вместе с ним" in child
    assert "Подать заявление на сертификат" not in child
    cert_page = text(client.get(f"/certificates/{family['certificate'].id}"))
    assert "Сертификат приостановлен: родитель отозвал согласие" in cert_page
    assert "Сертификат недействителен" in text(
        client.get(f"/verify/{family['certificate'].number}"))
    assert client.get("/account/consent/withdraw").headers["Location"] == "/account"
    withdraw(client, page="/account")  # a second withdrawal, from a stale page
    assert "Согласие уже отозвано" in text(client.get("/account"))

    # the coordinator does not decide it and sees why
    office = app.test_client()
    login(office, family["coordinator"].email)
    assert "Иванов Б. П." not in text(office.get("/coordinator/applications"))
    assert "Иванов Б. П." in text(office.get("/coordinator/applications?status=withdrawn"))
    page = text(office.get(f"/coordinator/applications/{family['application'].id}"))
    assert "отозвано заявителем" in page and "Решение не принимается" in page
    refused = form_post(office, f"/coordinator/applications/{family['application'].id}/confirm",
                        page=f"/coordinator/applications/{family['application'].id}")
    assert refused.status_code == 302
    assert "Заявление отозвано заявителем вместе с согласием" in text(
        office.get(f"/coordinator/applications/{family['application'].id}"))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_the_consent_given_again_undoes_the_withdrawal(app, client, family):
    withdraw(client)
    response = form_post(client, "/account/consent", page="/account")
    assert response.status_code == 302
    assert "Согласие дано снова" in text(client.get("/account"))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Consent)) == 2
        assert db.session.get(CertificateApplication, family["application"].id).status \
            == "submitted"
        assert db.session.get(Certificate, family["certificate"].id).status == "active"
    assert "Отозвать согласие" in text(client.get("/account"))


def test_a_queued_certificate_leaves_the_queue(app, client, make, login_as):
    clock.set_frozen(NOW)
    make.municipality()
    factories.period(app, quota=0)
    parent = login_as("parent")
    cert = factories.certificate(app, parent)
    factories.queue(app, cert)
    withdraw(client)
    with app.app_context():
        assert db.session.scalars(select(QueueEntry)).one().status == "cancelled"


def test_on_the_thirtieth_day_the_family_is_anonymised_and_the_ledger_keeps_its_totals(
        app, client, make, family):
    withdraw(client)
    waiting = make.user("parent", email="waiting@example.ru")
    queued = factories.certificate(app, waiting, last_name="Очередина", first_name="Ева")
    factories.queue(app, queued)
    runner = app.test_cli_runner()

    clock.set_frozen(NOW + timedelta(days=28))  # 30.12: not yet
    assert "of 0 families" in runner.invoke(args=["privacy", "erase"]).output
    clock.set_frozen(NOW + timedelta(days=29))  # 31.12: the 30th day
    result = runner.invoke(args=["privacy", "erase"])
    assert result.exit_code == 0 and "of 1 family" in result.output, result.output

    with app.app_context():
        parent = db.session.get(User, family["parent"].id)
        assert (parent.last_name, parent.first_name, parent.phone, parent.active) == (
            "Данные удалены", "", None, False)
        assert parent.email == f"erased-{parent.id}@erased.invalid"
        children = db.session.scalars(select(Child).where(Child.parent_id == parent.id)).all()
        assert {(c.last_name, c.first_name, c.snils, c.address, c.document_number)
                for c in children} == {("Данные удалены", "", "0" * 11, "", "")}
        assert {c.birth_date.month for c in children} == {1}
        for application in db.session.scalars(select(CertificateApplication).where(
                CertificateApplication.applicant_id == parent.id)):
            assert application.snils == f"{application.id:011d}"
            assert application.identity_key == f"erased|{application.id}"
        certificate = db.session.get(Certificate, family["certificate"].id)
        assert certificate.status == "closed"
        assert ledger.balance(ledger.find_account(certificate.account_code)) == 0
        assert ledger.check_invariants() == []
        assert db.session.scalar(select(func.count()).select_from(Notice).where(
            Notice.user_id == parent.id)) == 0
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.recipient == "parent@example.ru")) == 0
        assert db.session.scalars(select(Consent).where(
            Consent.user_id == parent.id)).one().erased_at is not None
        # the freed financing place went to the queue
        assert db.session.get(Certificate, queued.id).kind == "financing"
        period = db.session.scalars(select(FinancingPeriod)).one()
        assert period.quota_used == 1
        assert db.session.scalar(select(func.count()).select_from(FinancingGrant).where(
            FinancingGrant.released_at.is_not(None))) == 1
    assert login(app.test_client(), "parent@example.ru").status_code == 422
    assert "of 0 families" in runner.invoke(args=["privacy", "erase"]).output  # once


def test_only_a_parent_withdraws_and_the_texts_say_how(client, login_as, make):
    make.municipality()
    consent = text(client.get("/consent"))
    assert "Отозвать согласие можно в личном кабинете (раздел «Учётная запись», " \
           "«Отозвать согласие»)" in consent
    assert "на 30-й день со дня отзыва данные обезличиваются" in consent
    privacy = text(client.get("/privacy"))
    assert "Согласие можно отозвать в личном кабинете, в разделе «Учётная запись»" in privacy
    login_as("coordinator")
    assert client.get("/account/consent/withdraw").status_code == 403
    assert "Отозвать согласие" not in text(client.get("/account"))
