"""The provider's cabinet: the status in plain words, the profile, documents, resubmission,
and that one provider's staff never reach another provider's things."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from pfdo.audit.models import AuditEvent
from pfdo.db import db
from pfdo.notifications.models import Notice
from pfdo.programs import search
from pfdo.providers.models import Provider, ProviderDocument, ProviderEvent
from pfdo.storage import StoredFile
from tests import factories
from tests.conftest import form_post


@pytest.fixture
def staff_of(app, login_as):
    """Sign in a provider's staff member; returns the provider (status as asked)."""

    def _staff_of(status: str = "submitted", **kwargs):
        staff = login_as("provider_staff")
        return factories.provider(app, staff=staff, status=status, **kwargs)

    return _staff_of


def profile_data(provider, **overrides) -> dict:
    data = {
        "legal_form": provider.legal_form, "full_name": provider.full_name,
        "short_name": provider.short_name, "inn": provider.inn, "ogrn": provider.ogrn,
        "address": provider.address, "district": provider.district or "",
        "contact_name": provider.contact_name, "phone": provider.phone,
        "email": provider.email, "website": "", "licence_number": provider.licence_number or "",
        "licence_date": "2021-02-03", "description": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_status_banner_speaks_plainly(app, client, staff_of, frozen_clock):
    provider = staff_of("submitted")
    html = client.get("/provider").get_data(as_text=True)
    assert "Заявка на рассмотрении с 15.03.2026" in html
    assert provider.inn in html and "Заявка подана" in html

    with app.app_context():
        row = db.session.get(Provider, provider.id)
        row.status, row.rejection_reason = "rejected", "Нет выписки из ЕГРЮЛ"
        db.session.commit()
    html = client.get("/provider").get_data(as_text=True)
    assert "Заявка отклонена" in html and "Причина: Нет выписки из ЕГРЮЛ" in html
    assert "Подать заявку снова" in html


def test_an_approved_provider_sees_the_date_of_inclusion(client, staff_of, frozen_clock):
    staff_of("approved")
    html = client.get("/provider").get_data(as_text=True)
    assert "В реестре поставщиков с 15.03.2026" in html
    assert "Подать заявку снова" not in html


def test_provider_staff_are_sent_from_the_general_cabinet(client, staff_of):
    staff_of()
    response = client.get("/cabinet")
    assert response.status_code == 302 and response.headers["Location"] == "/provider"


def test_history_shows_the_coordinator_by_role(app, client, staff_of, make):
    provider = staff_of("submitted")
    coordinator = make.user("coordinator", last_name="Соколова")
    from pfdo.providers import review

    with app.app_context():
        review.reject(db.session.get(Provider, provider.id), "Приложите лицензию",
                        actor=db.session.get(type(coordinator), coordinator.id))
    html = client.get("/provider").get_data(as_text=True)
    assert "Муниципальный координатор" in html and "Соколова" not in html
    assert "Приложите лицензию" in html


def test_every_field_is_editable_while_the_application_waits(app, client, staff_of):
    provider = staff_of("submitted")
    page = client.get("/provider/profile").get_data(as_text=True)
    assert 'name="inn"' in page and 'name="short_name"' in page
    new_inn = factories.inn10()
    response = form_post(client, "/provider/profile",
                         profile_data(provider, inn=new_inn, short_name="ЦДТ «Радуга»"))
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(Provider, provider.id)
        assert row.inn == new_inn and row.short_name == "ЦДТ «Радуга»"
        event = db.session.scalars(select(ProviderEvent).where(
            ProviderEvent.action == "updated")).one()
        assert "ИНН" in event.comment and "краткое наименование" in event.comment
        audit = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "provider.updated")).one()
        assert set(audit.details["changed"]) >= {"inn", "short_name"}


def test_identifiers_are_read_only_once_approved(app, client, staff_of):
    provider = staff_of("approved")
    page = client.get("/provider/profile").get_data(as_text=True)
    assert 'name="inn"' not in page and 'name="short_name"' not in page
    assert provider.inn in page and "не меняются" in page
    # A crafted POST with a new ИНН changes nothing of the identifiers.
    response = form_post(client, "/provider/profile", profile_data(
        provider, inn=factories.inn10(), short_name="Другое имя", address="ул. Новая, 1"))
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(Provider, provider.id)
        assert row.inn == provider.inn and row.short_name == provider.short_name
        assert row.address == "ул. Новая, 1"


def test_the_service_refuses_changing_identifiers_of_an_approved_provider(app, make):
    from pfdo.errors import DomainError
    from pfdo.providers import cleaning, services

    staff = make.user("provider_staff")
    provider = factories.provider(app, staff=staff)
    with app.app_context():
        row = db.session.get(Provider, provider.id)
        data = cleaning.ProviderData(**{**profile_data(provider), "inn": factories.inn10(),
                                         "licence_date": date(2021, 2, 3)})
        with pytest.raises(DomainError, match="не меняются") as caught:
            services.update_provider(row, data, actor=db.session.get(type(staff), staff.id))
        assert caught.value.field == "inn"


def test_a_new_short_name_reaches_the_word_search(app, client, staff_of):
    provider = staff_of("submitted", short_name="ЦДТ Старое")
    program = factories.program(app, provider, title="Шахматы")
    response = form_post(client, "/provider/profile",
                         profile_data(provider, short_name="Солнечный городок"))
    assert response.status_code == 302
    with app.app_context():
        from pfdo.programs.models import ProgramTerm

        terms = set(db.session.scalars(select(ProgramTerm.term).where(
            ProgramTerm.program_id == program.id)))
        assert search.stem("солнечный") in terms
        assert search.stem("старое") not in terms


def test_profile_errors_are_shown_beside_the_fields(client, staff_of):
    provider = staff_of("submitted")
    response = form_post(client, "/provider/profile",
                         profile_data(provider, phone="123", licence_number=""))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Номер телефона в формате +7 (914) 123-45-67" in html
    assert "Укажите номер лицензии на образовательную деятельность" in html


def test_documents_are_added_and_removed_while_waiting(app, client, staff_of):
    staff_of("submitted")
    response = form_post(client, "/provider/documents",
                         {"kind": "other", "file": (io.BytesIO(factories.pdf_bytes()),
                                                    "приказ.pdf")},
                         page="/provider", content_type="multipart/form-data")
    assert response.status_code == 302
    html = client.get("/provider").get_data(as_text=True)
    assert "приказ.pdf" in html
    with app.app_context():
        document = db.session.scalars(select(ProviderDocument)).one()
    response = client.get(f"/provider/documents/{document.id}")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF-")
    assert "attachment" in response.headers["Content-Disposition"]

    response = form_post(client, f"/provider/documents/{document.id}/remove", {},
                         page="/provider")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ProviderDocument)) == 0
        assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0
    assert "Документ удалён" in client.get("/provider").get_data(as_text=True)


def test_a_bad_document_is_refused_beside_the_file_input(app, client, staff_of):
    staff_of("submitted")
    response = form_post(client, "/provider/documents",
                         {"kind": "other", "file": (io.BytesIO(b"MZ\x90\x00" * 100), "a.pdf")},
                         page="/provider", content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Это не PDF-файл" in html[html.index('id="file-error"'):][:300]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0


def test_documents_of_an_approved_provider_are_not_removed(app, client, staff_of):
    provider = staff_of("approved")
    document = factories.document(app, provider)
    assert "Удалить" not in client.get("/provider").get_data(as_text=True)
    response = form_post(client, f"/provider/documents/{document.id}/remove", {},
                         page="/provider")
    assert response.status_code == 302
    assert "документы, по которым принято решение, не удаляются" in \
        client.get("/provider").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ProviderDocument, document.id) is not None


def test_a_rejected_application_is_resubmitted(app, client, staff_of, make):
    coordinator = make.user("coordinator")
    provider = staff_of("rejected")
    for kind in ("charter", "egrul", "licence"):
        factories.document(app, provider, kind=kind)
    response = form_post(client, "/provider/resubmit", {}, page="/provider")
    assert response.status_code == 302
    html = client.get("/provider").get_data(as_text=True)
    assert "Заявка отправлена координатору повторно" in html
    assert "Заявка исправлена и подана повторно" in html
    with app.app_context():
        assert db.session.get(Provider, provider.id).status == "submitted"
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "provider.resubmitted")) == 1
        notice = db.session.scalars(select(Notice).where(
            Notice.user_id == coordinator.id)).one()
        assert "подана повторно" in notice.text


def test_resubmission_is_refused_unless_rejected(app, client, staff_of):
    provider = staff_of("submitted")
    form_post(client, "/provider/resubmit", {}, page="/provider")
    assert "Заявка уже на рассмотрении" in client.get("/provider").get_data(as_text=True)
    with app.app_context():
        assert [e.action for e in db.session.get(Provider, provider.id).events] == ["submitted"]


def test_resubmission_needs_the_required_documents(app, client, staff_of):
    provider = staff_of("rejected")
    factories.document(app, provider, kind="charter")
    form_post(client, "/provider/resubmit", {}, page="/provider")
    html = client.get("/provider").get_data(as_text=True)
    assert "Приложите выписку из ЕГРЮЛ в формате PDF, затем подайте заявку снова" in html
    with app.app_context():
        assert db.session.get(Provider, provider.id).status == "rejected"


def test_another_providers_document_is_not_found(app, client, staff_of, make):
    staff_of("submitted")
    other = factories.provider(app, staff=make.user("provider_staff"), status="submitted")
    document = factories.document(app, other)
    assert client.get(f"/provider/documents/{document.id}").status_code == 404
    response = form_post(client, f"/provider/documents/{document.id}/remove", {},
                         page="/provider")
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(ProviderDocument, document.id) is not None


@pytest.mark.parametrize("url", ["/provider", "/provider/profile",
                                 "/provider/documents/1"])
def test_guests_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_staff_without_a_provider_get_not_found(client, login_as):
    login_as("provider_staff")
    assert client.get("/provider").status_code == 404
    assert client.get("/cabinet").status_code == 200
