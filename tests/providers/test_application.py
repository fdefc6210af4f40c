"""The public application: one form with the account and the documents; all or nothing."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from pfdo.accounts.models import Consent, User
from pfdo.audit.models import AuditEvent
from pfdo.db import db
from pfdo.notifications.models import Notice, OutboxMessage
from pfdo.providers.models import Provider, ProviderDocument, ProviderEvent, ProviderStaff
from pfdo.storage import StoredFile
from tests import factories
from tests.conftest import form_post

URL = "/providers/apply"


def post(client, data, **kwargs):
    return form_post(client, URL, data, content_type="multipart/form-data", **kwargs)


def counts(app) -> dict:
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Provider, ProviderStaff, ProviderDocument, StoredFile, User,
                              Consent, ProviderEvent)}


def nothing_saved(app, before: dict) -> bool:
    return counts(app) == before


def test_the_form_asks_for_pdf_files_and_the_account(client):
    html = client.get(URL).get_data(as_text=True)
    assert html.count('accept="application/pdf,.pdf"') == 4
    assert 'type="file"' in html and 'enctype="multipart/form-data"' in html
    for label in ("ИНН", "ОГРН / ОГРНИП", "Номер лицензии", "Контактное лицо", "Пароль ещё раз",
                  "согласие на обработку персональных данных"):
        assert label in html
    assert "приложите файлы снова" not in html


def test_an_application_creates_the_provider_account_and_documents(app, client, make):
    make.municipality()
    coordinator = make.user("coordinator")
    data = factories.application_form()
    response = post(client, data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/provider"

    page = client.get("/provider").get_data(as_text=True)
    assert "Заявка отправлена координатору" in page
    assert "Заявка на рассмотрении с" in page
    assert "устав.pdf" in page and "лицензия.pdf" in page
    with app.app_context():
        provider = db.session.scalars(select(Provider)).one()
        assert provider.status == "submitted"
        assert provider.inn == data["inn"] and provider.short_name == "АНО «Радуга»"
        assert provider.phone == "+79145551234"
        assert provider.website == "https://raduga-lenino.ru"
        assert provider.contact_name == "Кузнецова Анна Викторовна"
        user = db.session.scalars(select(User).where(User.email == "raduga@example.ru")).one()
        assert user.role == "provider_staff" and user.active
        assert user.consents[0].text_version
        assert db.session.scalars(select(ProviderStaff)).one().user_id == user.id
        kinds = sorted(d.kind for d in provider.documents)
        assert kinds == ["charter", "egrul", "licence"]
        assert all(d.file.size > 0 and d.file.uploaded_by_id == user.id
                   for d in provider.documents)
        assert [e.action for e in provider.events] == ["submitted"]
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "provider.applied")).one()
        assert event.actor_id == user.id and event.object_id == str(provider.id)
        notice = db.session.scalars(select(Notice).where(
            Notice.user_id == coordinator.id)).one()
        assert "АНО «Радуга»" in notice.text
        assert notice.url == f"/coordinator/providers/{provider.id}"
        receipt = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient == "raduga@example.ru")).one()
        assert "принята" in receipt.subject and provider.inn in receipt.body
        assert "http://pfdo.test/provider" in receipt.body


def test_the_new_account_can_log_in_later(client):
    post(client, factories.application_form())
    form_post(client, "/logout", {})
    response = form_post(client, "/login", {"login": "raduga@example.ru",
                                            "password": factories.application_form()["password"]})
    assert response.status_code == 302
    assert client.get("/cabinet").headers["Location"] == "/provider"


def test_an_individual_entrepreneur_needs_no_licence(app, client):
    response = post(client, factories.application_form(legal_form="ip"))
    assert response.status_code == 302
    with app.app_context():
        provider = db.session.scalars(select(Provider)).one()
        assert provider.legal_form == "ip" and provider.licence_number is None
        assert len(provider.inn) == 12 and len(provider.ogrn) == 15


def test_an_organisation_without_a_licence_is_refused(app, client):
    before = counts(app)
    data = factories.application_form(licence_number="", licence_date="", licence_file=None)
    response = post(client, data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Укажите номер лицензии на образовательную деятельность" in html
    assert "Укажите дату выдачи лицензии" in html
    assert "Приложите лицензию в формате PDF" in html
    assert nothing_saved(app, before)


def refused_upload(app, client, upload, message: str):
    before = counts(app)
    data = factories.application_form(egrul_file=upload)
    response = post(client, data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # The message is beside the file input, the typed fields are kept, nothing is saved.
    error_at = html.index('id="egrul_file-error"')
    assert message in html[error_at:error_at + 300]
    assert f'value="{data["inn"]}"' in html and 'value="АНО «Радуга»"' in html
    assert "приложите файлы снова" in html
    assert nothing_saved(app, before)


def test_an_exe_renamed_to_pdf_is_refused(app, client):
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 2000
    refused_upload(app, client, (io.BytesIO(exe), "выписка.pdf"), "Это не PDF-файл")


def test_a_file_over_ten_megabytes_is_refused(app, client):
    pdf = factories.pdf_bytes()
    big = pdf[:-6] + b"%" + b"0" * (11 * 1024 * 1024) + b"\n%%EOF\n"
    refused_upload(app, client, (io.BytesIO(big), "выписка.pdf"), "Файл больше 10 МБ")


def test_an_empty_file_is_refused(app, client):
    refused_upload(app, client, (io.BytesIO(b""), "выписка.pdf"), "Файл пустой")


def test_a_missing_required_document_is_named(app, client):
    response = post(client, factories.application_form(charter_file=None))
    assert response.status_code == 422
    assert "Приложите устав (для ИП — лист записи ЕГРИП) в формате PDF" in \
        response.get_data(as_text=True)
    assert counts(app)["Provider"] == 0


def test_a_wrong_inn_or_ogrn_is_shown_beside_the_field(app, client):
    inn = factories.inn10()
    wrong_inn = inn[:-1] + str((int(inn[-1]) + 1) % 10)
    response = post(client, factories.application_form(inn=wrong_inn, ogrn=factories.ogrnip()))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    inn_error = html[html.index('id="inn-error"'):][:300]
    assert "контрольная цифра" in inn_error
    ogrn_error = html[html.index('id="ogrn-error"'):][:300]
    assert "ОГРН — 13 цифр, введено 15" in ogrn_error
    assert counts(app)["Provider"] == 0


def test_an_individual_entrepreneur_with_an_organisation_inn_is_refused(client):
    response = post(client, factories.application_form(legal_form="ip", inn=factories.inn10()))
    assert response.status_code == 422
    assert "ИНН индивидуального предпринимателя — 12 цифр, введено 10" in \
        response.get_data(as_text=True)


def test_a_duplicate_inn_is_refused_beside_the_field(app, client):
    existing = factories.provider(app)
    before = counts(app)
    response = post(client, factories.application_form(inn=existing.inn))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Поставщик с таким ИНН уже подал заявку или есть в реестре" in \
        html[html.index('id="inn-error"'):][:400]
    assert nothing_saved(app, before)


def test_an_email_or_phone_already_registered_is_refused(app, client, make):
    make.user("parent", email="raduga@example.ru")
    before = counts(app)
    response = post(client, factories.application_form())
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Этот адрес уже зарегистрирован" in html[html.index('id="email-error"'):][:400]
    assert nothing_saved(app, before)

    make.user("parent", email="other@example.ru", phone="+79145551234")
    before = counts(app)
    response = post(client, factories.application_form(email="new@example.ru"))
    assert response.status_code == 422
    assert "Этот номер уже зарегистрирован" in response.get_data(as_text=True)
    assert nothing_saved(app, before)


def test_a_weak_password_and_no_consent_are_refused(app, client):
    before = counts(app)
    response = post(client, factories.application_form(password="12345", password_confirm="12345",
                                                       consent=None))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="password-error"' in html
    assert "Без согласия на обработку персональных данных заявку не принять" in html
    assert nothing_saved(app, before)


def test_a_failure_after_the_first_rows_were_written_saves_nothing(app, client, monkeypatch):
    """The user, the provider and one file are already flushed when the second file fails:
    the whole application rolls back."""
    from pfdo.errors import DomainError
    from pfdo.providers import services

    real_store = services.store
    calls = []

    def failing_store(upload, *, actor=None):
        calls.append(upload.name)
        if len(calls) == 2:
            raise DomainError("Не удалось сохранить файл, попробуйте ещё раз",
                              field="egrul_file")
        return real_store(upload, actor=actor)

    monkeypatch.setattr(services, "store", failing_store)
    before = counts(app)
    response = post(client, factories.application_form())
    assert response.status_code == 422
    assert "Не удалось сохранить файл" in response.get_data(as_text=True)
    assert len(calls) == 2
    assert nothing_saved(app, before)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "provider.applied")) == 0


def test_a_signed_in_user_is_sent_to_their_cabinet(client, login_as):
    login_as("parent")
    response = client.get(URL)
    assert response.status_code == 302 and response.headers["Location"] == "/cabinet"


def test_htmx_gets_the_form_block_with_errors(client):
    response = post(client, factories.application_form(inn="123"), htmx=True)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<form") and "<html" not in html
    assert "ИНН организации — 10 цифр, введено 3" in html


def test_the_application_is_limited_to_three_posts_a_minute_per_address(app, client):
    before = counts(app)
    statuses = [post(client, {"full_name": ""}, environ_base={"REMOTE_ADDR": "10.6.0.1"}
                     ).status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]
    blocked = post(client, {"full_name": ""}, environ_base={"REMOTE_ADDR": "10.6.0.1"})
    assert "Подождите минуту" in blocked.get_data(as_text=True)
    assert post(client, {"full_name": ""},
                environ_base={"REMOTE_ADDR": "10.6.0.2"}).status_code == 422
    assert nothing_saved(app, before)


def test_the_daily_limit_says_to_come_back_tomorrow(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PROVIDER_APPLY_LIMIT_PER_IP", "1 per day")
    assert post(client, {"full_name": ""}).status_code == 422
    blocked = post(client, {"full_name": ""})
    assert blocked.status_code == 429
    assert "Попробуйте снова через сутки" in blocked.get_data(as_text=True)
