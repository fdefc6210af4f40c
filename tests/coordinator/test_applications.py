"""The coordinator's application queue and decisions: filters, the htmx fragment, the
personal-data access log, confirmation (numbers), refusal (reason, notices), no double decision."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pfdo.audit.models import AuditEvent
from pfdo.certificates.models import Certificate, CertificateApplication, NumberSerial
from pfdo.certificates.numbering import permute
from pfdo.certificates.numbers import format_number, luhn_valid
from pfdo.db import db
from pfdo.notifications.models import Notice, OutboxMessage
from tests import factories
from tests.conftest import form_post

ROW = re.compile(r"<tr>\s*(<td.*?)</tr>", re.S)
CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
TAG = re.compile(r"<[^>]+>")


def text_of(html: str) -> str:
    return " ".join(TAG.sub(" ", html).split())


def queue_rows(client, **params) -> list[list[str]]:
    """The queue's rows as cell texts: [submitted, child, age, status, waiting, action]."""
    response = client.get("/coordinator/applications", query_string=params,
                          headers={"HX-Request": "true"})
    assert response.status_code == 200
    return [[text_of(cell) for cell in CELL.findall(row)]
            for row in ROW.findall(response.get_data(as_text=True))]


def children_in_queue(client, **params) -> list[str]:
    return [row[1].split(" №")[0] for row in queue_rows(client, **params)]


@pytest.fixture
def coordinator(make, login_as):
    make.municipality()
    return login_as("coordinator", last_name="Морозова", first_name="Елена",
                    middle_name="Викторовна")


@pytest.fixture
def parent(make):
    return make.user("parent", email="parent@example.ru", last_name="Петрова",
                     first_name="Ольга", middle_name="Ивановна", phone="+79141112233")


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- The queue -------------------------------------------------------------------------------

def test_queue_shows_waiting_applications_oldest_first_with_their_age(app, client, frozen_clock,
                                                                     make, login_as, parent):
    make.municipality()
    factories.application(app, parent, last_name="Петрова", first_name="Анна")
    frozen_clock.advance(timedelta(days=2))
    factories.application(app, parent, last_name="Сидоров", first_name="Борис",
                          middle_name="Олегович", sex="male")
    frozen_clock.advance(timedelta(days=1))
    login_as("coordinator")  # after the clock moved: a session idle for days has ended

    rows = queue_rows(client)

    assert [row[1] for row in rows] == ["Петрова А. П.", "Сидоров Б. О."]
    assert rows[0][0] == "15.03.2026 20:00"  # 10:00 UTC in Asia/Vladivostok
    assert rows[0][2] == "9 лет"
    assert rows[0][3] == "на рассмотрении"
    assert rows[0][4] == "ждёт 3 дня"
    assert rows[1][4] == "ждёт 1 день"


def test_the_full_page_counts_applications_and_links_each_to_its_detail(app, client,
                                                                        coordinator, parent):
    filed = factories.application(app, parent)
    factories.application(app, parent, last_name="Сидорова")

    html = client.get("/coordinator/applications").get_data(as_text=True)

    assert "Найдены 2 заявления" in html
    assert f'href="/coordinator/applications/{filed.id}"' in html
    assert "подано сегодня" in html


def test_the_queue_filters_by_status(app, client, coordinator, parent):
    waiting = factories.application(app, parent, last_name="Ждущая")
    confirmed = factories.application(app, parent, last_name="Подтверждённая")
    refused = factories.application(app, parent, last_name="Отказанная")
    factories.confirm(app, confirmed)
    form_post(client, f"/coordinator/applications/{refused.id}/refuse",
              {"reason": "Документы не совпадают с данными"},
              page=f"/coordinator/applications/{refused.id}")
    assert waiting.id

    assert children_in_queue(client) == ["Ждущая А. П."]
    assert children_in_queue(client, status="confirmed") == ["Подтверждённая А. П."]
    assert children_in_queue(client, status="refused") == ["Отказанная А. П."]
    assert sorted(children_in_queue(client, status="all")) == [
        "Ждущая А. П.", "Отказанная А. П.", "Подтверждённая А. П."]


def test_surname_search_is_case_insensitive_in_cyrillic(app, client, coordinator, parent):
    factories.application(app, parent, last_name="Петрова")
    factories.application(app, parent, last_name="Иванова")

    assert children_in_queue(client, q="пЕТР") == ["Петрова А. П."]
    assert children_in_queue(client, q="ИВАНОВА") == ["Иванова А. П."]
    assert children_in_queue(client, q="Сидоров") == []


def test_search_finds_an_application_by_snils_as_typed(app, client, coordinator, parent):
    snils = factories.valid_snils()
    factories.application(app, parent, last_name="Нужная", snils=snils)
    factories.application(app, parent, last_name="Другая")
    typed = f"{snils[:3]}-{snils[3:6]}-{snils[6:9]} {snils[9:]}"

    assert children_in_queue(client, q=typed) == ["Нужная А. П."]
    assert children_in_queue(client, q=snils) == ["Нужная А. П."]


def test_search_finds_an_application_by_certificate_number(app, client, coordinator, parent):
    certificate = factories.certificate(app, parent, last_name="Нужная")
    factories.certificate(app, parent, last_name="Другая")

    rows = queue_rows(client, status="all", q=certificate.number)

    assert [row[1] for row in rows] == [f"Нужная А. П. № {format_number(certificate.number)}"]


def test_the_queue_filters_by_submission_dates_in_local_time(app, client, frozen_clock,
                                                            make, login_as, parent):
    make.municipality()
    factories.application(app, parent, last_name="Мартовская")  # 15.03 local
    frozen_clock.advance(timedelta(days=20))
    factories.application(app, parent, last_name="Апрельская")  # 04.04 local
    login_as("coordinator")

    assert children_in_queue(client, date_from="2026-04-01") == ["Апрельская А. П."]
    assert children_in_queue(client, date_to="2026-03-15") == ["Мартовская А. П."]
    assert children_in_queue(client, date_from="2026-03-16", date_to="2026-04-03") == []


def test_a_malformed_date_is_shown_and_ignored(app, client, coordinator, parent):
    factories.application(app, parent)

    response = client.get("/coordinator/applications?date_from=вчера")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Дата в формате дд.мм.гггг" in html and "Найдено 1 заявление" in html


def test_htmx_gets_only_the_results_fragment_and_the_url_is_shareable(app, client,
                                                                      coordinator, parent):
    factories.application(app, parent, last_name="Петрова")

    fragment = client.get("/coordinator/applications?q=Петр", headers={"HX-Request": "true"})
    page = client.get("/coordinator/applications?q=Петр")

    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="results"')
    assert "<html" not in body and "Петрова А. П." in body
    assert "HX-Request" in fragment.headers["Vary"]
    assert "<html" in page.get_data(as_text=True)
    assert 'value="Петр"' in page.get_data(as_text=True)


def test_the_queue_pages_by_thirty(app, client, coordinator, parent):
    for n in range(31):
        factories.application(app, parent, last_name=f"Фамилия{'а' * (n + 1)}"[:40])

    assert len(queue_rows(client)) == 30
    assert len(queue_rows(client, page=2)) == 1


# --- The detail and the personal-data access log --------------------------------------------

def test_the_detail_shows_what_the_coordinator_checks(app, client, frozen_clock, coordinator,
                                                     parent):
    snils = factories.valid_snils()
    filed = factories.application(app, parent, last_name="Петрова", first_name="Анна",
                                  middle_name="Сергеевна", snils=snils,
                                  document_number="123456")

    html = client.get(f"/coordinator/applications/{filed.id}").get_data(as_text=True)

    page = text_of(html)
    for expected in ("Петрова Анна Сергеевна", "10.05.2016 (9 лет)", "женский",
                     "Свидетельство о рождении: серия II-АБ № 123456",
                     f"{snils[:3]}-{snils[3:6]}-{snils[6:9]} {snils[9:]}",
                     "с. Ленинское, ул. Ленина, д. 5, кв. 1",
                     "Петрова Ольга Ивановна", "parent@example.ru", "+7 914 111-22-33",
                     "редакция", "заявление подано родителем",
                     "Подтвердить и выдать сертификат", "Причина отказа"):
        assert expected in page, expected


def test_viewing_the_detail_is_written_to_the_access_log(app, client, coordinator, parent):
    filed = factories.application(app, parent)

    assert client.get(f"/coordinator/applications/{filed.id}").status_code == 200

    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "child.viewed")).one()
        assert (event.actor_id, event.actor_role) == (coordinator.id, "coordinator")
        assert (event.object_type, event.object_id) == ("Child", str(filed.child_id))


def test_an_unknown_application_is_404(client, coordinator):
    assert client.get("/coordinator/applications/999").status_code == 404


# --- Confirmation -------------------------------------------------------------------------------

def test_confirming_issues_a_record_certificate_with_a_luhn_valid_number(app, client,
                                                                        coordinator, parent):
    filed = factories.application(app, parent)

    response = form_post(client, f"/coordinator/applications/{filed.id}/confirm",
                         page=f"/coordinator/applications/{filed.id}")

    assert response.status_code == 302
    assert response.headers["Location"] == "/coordinator/applications"
    with app.app_context():
        found = db.session.get(CertificateApplication, filed.id)
        certificate = found.certificate
        assert found.status == "confirmed" and found.decided_by_id == coordinator.id
        assert (certificate.kind, certificate.status) == ("record", "active")
        number = certificate.number
    assert len(number) == 10 and number.isdigit() and luhn_valid(number)
    assert number[:4] == "7905"  # region 79, municipality 05 (make.municipality())
    flashed = client.get("/coordinator/applications").get_data(as_text=True)
    assert f"Сертификат № {number[:2]} {number[2:4]} {number[4:9]} {number[9]} выдан" in flashed


def test_two_confirmations_get_the_first_two_serials_of_the_permutation(app, client,
                                                                        coordinator, parent):
    first = factories.application(app, parent, last_name="Первая")
    second = factories.application(app, parent, last_name="Вторая")

    for filed in (first, second):
        form_post(client, f"/coordinator/applications/{filed.id}/confirm",
                  page=f"/coordinator/applications/{filed.id}")

    with app.app_context():
        numbers = [db.session.get(CertificateApplication, a.id).certificate.number
                   for a in (first, second)]
        key = db.session.get(NumberSerial, "7905").permutation_key
    assert [int(n[4:9]) for n in numbers] == [permute(1, key), permute(2, key)]
    assert all(luhn_valid(n) for n in numbers)


@pytest.mark.parametrize("second", ["confirm", "refuse"])
def test_a_decided_application_cannot_be_decided_again(app, client, coordinator, parent,
                                                       second):
    filed = factories.application(app, parent)
    detail = f"/coordinator/applications/{filed.id}"
    form_post(client, f"{detail}/confirm", page=detail)
    with app.app_context():
        number = db.session.get(CertificateApplication, filed.id).certificate.number

    response = form_post(client, f"{detail}/{second}", {"reason": "Передумали выдавать"},
                         page=detail)

    assert response.status_code == 302 and response.headers["Location"] == detail
    page = client.get(detail).get_data(as_text=True)
    assert "Заявление уже рассмотрено" in page
    assert "Подтвердить и выдать сертификат" not in page
    with app.app_context():
        found = db.session.get(CertificateApplication, filed.id)
        assert (found.status, found.certificate.number, found.refusal_reason) == (
            "confirmed", number, None)
    assert count(app, Certificate) == 1


# --- Refusal -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("reason", "message"), [
    ("", "Напишите причину отказа: её прочитает родитель"),
    ("нет", "Напишите причину отказа: её прочитает родитель"),
])
def test_a_refusal_needs_a_reason_shown_beside_the_field(app, client, coordinator, parent,
                                                         reason, message):
    filed = factories.application(app, parent)
    detail = f"/coordinator/applications/{filed.id}"

    response = form_post(client, f"{detail}/refuse", {"reason": reason}, page=detail)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    beside = re.search(r'id="reason-error" class="invalid-feedback">(.*?)</div>', html, re.S)
    assert beside and message in beside.group(1)
    assert re.search(rf">\s*{reason}</textarea>", html)  # the input is kept
    with app.app_context():
        assert db.session.get(CertificateApplication, filed.id).status == "submitted"
    assert count(app, Notice) == 0


def test_an_htmx_refusal_without_a_reason_re_renders_only_the_decision(app, client,
                                                                       coordinator, parent):
    filed = factories.application(app, parent)
    detail = f"/coordinator/applications/{filed.id}"

    response = form_post(client, f"{detail}/refuse", {"reason": "нет"}, page=detail, htmx=True)

    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="decision"')
    assert 'aria-invalid="true"' in body and "<html" not in body


def test_a_refusal_is_recorded_and_the_parent_is_told_in_the_cabinet_and_by_email(
        app, client, coordinator, parent):
    filed = factories.application(app, parent, first_name="Анна")
    detail = f"/coordinator/applications/{filed.id}"

    response = form_post(client, f"{detail}/refuse",
                         {"reason": "  СНИЛС   не совпадает с документом  "}, page=detail)

    assert response.status_code == 302
    assert response.headers["Location"] == "/coordinator/applications"
    with app.app_context():
        found = db.session.get(CertificateApplication, filed.id)
        assert found.status == "refused" and found.decided_by_id == coordinator.id
        assert found.refusal_reason == "СНИЛС не совпадает с документом"
        notice = db.session.scalars(select(Notice)).one()
        assert notice.user_id == parent.id
        assert notice.text == ("По заявлению на сертификат для Анны отказано: "
                               "СНИЛС не совпадает с документом")
        mail = db.session.scalars(select(OutboxMessage)).one()
        assert mail.recipient == "parent@example.ru"
        assert "СНИЛС не совпадает с документом" in mail.body
    page = text_of(client.get(detail).get_data(as_text=True))
    assert "Причина: СНИЛС не совпадает с документом" in page
    assert "Морозова Е. В." in page


def test_a_refused_family_may_apply_again(app, client, coordinator, parent):
    filed = factories.application(app, parent)
    detail = f"/coordinator/applications/{filed.id}"
    form_post(client, f"{detail}/refuse", {"reason": "Принесите свидетельство"}, page=detail)

    again = factories.application(app, parent, filed_child(app, filed))

    assert again.status == "submitted"


def filed_child(app, filed):
    from pfdo.children.models import Child

    with app.app_context():
        child = db.session.get(Child, filed.child_id)
        db.session.expunge(child)
        return child
