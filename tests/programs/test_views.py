"""Program pages as a provider and a coordinator see them: forms with Russian messages,
the program page, moderation by HTTP, and 404 for another provider's programs."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from flask import render_template
from sqlalchemy import select

from pfdo.db import db
from pfdo.programs.models import Group, Program
from pfdo.providers.models import Provider
from tests import factories
from tests.conftest import csrf_token, form_post

PROGRAM_FORM = {
    "title": "Юный конструктор", "direction": "technical",
    "description": "Собираем модели из конструктора.", "age_from": "7", "age_to": "10",
    "months": "9", "hours_per_week": "2", "funding": "certified",
    "district": "Ленинский район", "address": "ул. Школьная, 1", "teacher": "Петров П. П.",
}
GROUP_FORM = {
    "name": "Группа 2", "capacity": "10", "starts_on": "2026-09-01", "ends_on": "2027-05-31",
    "price": "2 500,00", "day1": "0", "start1": "15:00", "end1": "16:30",
    "day2": "2", "start2": "15:00", "end2": "16:30",
}


@pytest.fixture
def provider_staff(app, make, login_as):
    make.municipality()
    staff = login_as("provider_staff")
    provider = factories.provider(app, staff=staff)
    return staff, provider


def text(response) -> str:
    return response.get_data(as_text=True)


def program_row(app, program_id: int) -> Program:
    with app.app_context():
        row = db.session.get(Program, program_id)
        db.session.expunge(row)
        return row


def multipart(client, url, data, *, page=None, files=None):
    payload = {"csrf_token": csrf_token(client, page or url), **data}
    for name, (content, filename) in (files or {}).items():
        payload[name] = (io.BytesIO(content), filename)
    return client.post(url, data=payload, content_type="multipart/form-data")


# --- The provider's list ---------------------------------------------------------------------

def test_the_list_shows_statuses_groups_and_remarks(app, client, provider_staff):
    _, provider = provider_staff
    published = factories.program(app, provider, title="Шахматы")
    factories.group(app, published)
    factories.group(app, published, name="Группа 2")
    factories.program(app, provider, title="Танцы", status="returned",
                      remarks="Приложите план на весь год")
    factories.program(app, factories.provider(app), title="Чужая программа")
    html = text(client.get("/provider/programs"))
    assert "Шахматы" in html and "опубликована" in html
    assert "Замечания координатора: Приложите план на весь год" in html
    assert "Чужая программа" not in html
    assert "Новая программа" in html
    html = text(client.get("/provider/programs?status=returned"))
    assert "Танцы" in html and "Шахматы" not in html


def test_a_provider_outside_the_registry_sees_why_it_cannot_add_programs(app, client, make,
                                                                        login_as):
    make.municipality()
    staff = login_as("provider_staff")
    factories.provider(app, staff=staff, status="submitted")
    html = text(client.get("/provider/programs"))
    assert "после включения в реестр" in html
    assert 'href="/provider/programs/new"' not in html
    response = client.get("/provider/programs/new")
    assert response.status_code == 302
    response = form_post(client, "/provider/programs/new", PROGRAM_FORM,
                         page="/provider/programs")
    assert response.status_code == 422
    assert "после включения поставщика в реестр" in text(response)
    with app.app_context():
        assert db.session.scalar(select(Program.id)) is None


def test_the_menu_has_programs_for_providers_and_coordinators(app, client, make, login_as):
    make.municipality()
    staff = login_as("provider_staff")
    factories.provider(app, staff=staff)
    assert 'href="/provider/programs"' in text(client.get("/provider/programs"))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login_as("coordinator")
    assert 'href="/coordinator/programs"' in text(client.get("/coordinator/programs"))


def test_the_cabinet_card_counts_programs_by_status(app, make):
    approved = factories.provider(app)
    factories.program(app, approved, status="draft")
    factories.program(app, approved)
    factories.program(app, approved, title="Вторая")
    waiting = factories.provider(app, status="submitted")
    with app.test_request_context():
        html = render_template("programs/_cabinet_card.html",
                               provider=db.session.get(Provider, approved.id))
        assert "Черновик</a>: 1" in html and "Опубликована</a>: 2" in html
        assert "Все программы (3)" in html
        html = render_template("programs/_cabinet_card.html",
                               provider=db.session.get(Provider, waiting.id))
        assert "Доступно после включения в реестр" in html


# --- Creating and editing ---------------------------------------------------------------------

def test_a_new_program_with_its_document_is_saved_as_a_draft(app, client, provider_staff):
    response = multipart(client, "/provider/programs/new", PROGRAM_FORM,
                         files={"document": (factories.pdf_bytes(), "план.pdf")})
    assert response.status_code == 302
    program_id = int(re.search(r"/provider/programs/(\d+)$", response.headers["Location"])[1])
    program = program_row(app, program_id)
    assert program.status == "draft" and program.document_id is not None
    html = text(client.get(f"/provider/programs/{program_id}"))
    assert "сохранена как черновик" in html and "Юный конструктор" in html
    assert "Добавьте хотя бы одну группу" in html


def test_invalid_input_is_shown_beside_the_fields_and_kept(app, client, provider_staff):
    data = {**PROGRAM_FORM, "title": "", "age_from": "12", "age_to": "8",
            "hours_per_week": "25", "months": "много"}
    response = multipart(client, "/provider/programs/new", data)
    assert response.status_code == 422
    html = text(response)
    assert "Укажите название программы" in html
    assert "Возраст «по» не может быть меньше возраста «с»" in html
    assert "От 1 до 20 часов в неделю" in html
    assert "Введите целое число" in html
    assert 'value="Петров П. П."' in html  # the rest of the form is kept
    with app.app_context():
        assert db.session.scalar(select(Program.id)) is None


def test_a_file_that_is_not_a_pdf_is_refused(app, client, provider_staff):
    response = multipart(client, "/provider/programs/new", PROGRAM_FORM,
                         files={"document": (b"MZ\x90\x00 not a pdf", "план.pdf")})
    assert response.status_code == 422
    assert "Это не PDF-файл" in text(response)
    with app.app_context():
        assert db.session.scalar(select(Program.id)) is None


def test_the_edit_form_of_a_published_program_says_changes_wait_for_the_coordinator(
        app, client, provider_staff):
    _, provider = provider_staff
    prog = factories.program(app, provider, document=True)
    html = text(client.get(f"/provider/programs/{prog.id}/edit"))
    assert "Изменения уйдут координатору на проверку" in html
    data = {**PROGRAM_FORM, "age_from": "8"}
    response = multipart(client, f"/provider/programs/{prog.id}/edit", data)
    assert response.status_code == 302
    assert program_row(app, prog.id).status == "published"
    page = text(client.get(response.headers["Location"]))
    assert "Изменения отправлены координатору" in page and "изменения на модерации" in page


# --- The program page -----------------------------------------------------------------------

def test_the_program_page_shows_cost_groups_and_a_co_payment_warning(app, client,
                                                                     provider_staff,
                                                                     frozen_clock):
    _, provider = provider_staff
    prog = factories.program(app, provider, hours_per_week=2, document=True)
    factories.group(app, prog, price=150_000, weekdays=(0, 2))
    factories.period(app, hour_costs={"technical": 15_000})
    html = text(client.get(f"/provider/programs/{prog.id}"))
    assert "150,00\xa0₽ за человеко-час × 8 ч в месяц = 1\xa0200,00\xa0₽ в месяц" in html
    assert "пн, ср 15:00–16:30" in html
    assert "01.09.2026 – 31.05.2027" in html
    assert "Выше нормативной стоимости на 300,00\xa0₽" in html
    assert "семья доплатит" in html
    assert "Программа создана" in html


def test_the_program_page_says_why_the_cost_is_unknown(app, client, provider_staff,
                                                       frozen_clock):
    _, provider = provider_staff
    prog = factories.program(app, provider)
    html = text(client.get(f"/provider/programs/{prog.id}"))
    assert "нет текущего периода финансирования" in html


def test_the_document_is_sent_to_its_provider_and_to_a_coordinator(app, client, make,
                                                                   provider_staff):
    _, provider = provider_staff
    prog = factories.program(app, provider, document=True)
    response = client.get(f"/provider/programs/{prog.id}/document")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    coordinator = make.user("coordinator")
    form_post(client, "/login", {"login": coordinator.email,
                                 "password": "синий-кит-плывёт-2026"})
    assert client.get(f"/provider/programs/{prog.id}/document").status_code == 200


# --- Submission -----------------------------------------------------------------------------

def test_submit_by_http_refuses_then_succeeds(app, client, provider_staff):
    _, provider = provider_staff
    prog = factories.program(app, provider, status="draft", document=True)
    url = f"/provider/programs/{prog.id}"
    response = form_post(client, f"{url}/submit", page=url, follow_redirects=True)
    assert "Программа не отправлена. Добавьте хотя бы одну группу" in text(response)
    assert program_row(app, prog.id).status == "draft"
    factories.group(app, prog)
    response = form_post(client, f"{url}/submit", page=url, follow_redirects=True)
    assert "Программа отправлена на модерацию" in text(response)
    assert program_row(app, prog.id).status == "submitted"
    response = form_post(client, f"{url}/submit", page=url, follow_redirects=True)
    assert "сейчас она — на модерации" in text(response)


def test_submitting_a_published_program_by_http_is_refused(app, client, provider_staff):
    _, provider = provider_staff
    prog = factories.program(app, provider, document=True)
    factories.group(app, prog)
    url = f"/provider/programs/{prog.id}"
    response = form_post(client, f"{url}/submit", page=url, follow_redirects=True)
    assert "Отправить на модерацию можно черновик или возвращённую программу" in text(response)
    assert program_row(app, prog.id).status == "published"


# --- Groups -----------------------------------------------------------------------------------

def test_a_group_is_added_with_its_schedule_and_price(app, client, provider_staff):
    _, provider = provider_staff
    prog = factories.program(app, provider, status="draft")
    url = f"/provider/programs/{prog.id}/groups/new"
    assert 'value="Группа 1"' in text(client.get(url))
    response = form_post(client, url, GROUP_FORM)
    assert response.status_code == 302
    with app.app_context():
        group = db.session.scalars(select(Group)).one()
        assert group.price_per_month == 250_000 and group.capacity == 10
        assert [(s.weekday, f"{s.starts_at:%H:%M}") for s in group.sessions] == [
            (0, "15:00"), (2, "15:00")]
    assert "пн, ср 15:00–16:30" in text(client.get(f"/provider/programs/{prog.id}"))
    assert program_row(app, prog.id).status == "draft"


@pytest.mark.parametrize("changes, message", [
    ({"day2": "", "start2": "", "end2": "17:00"}, "Укажите день, начало и окончание занятия"),
    ({"end1": "14:00"}, "занятие должно заканчиваться позже, чем начинается"),
    ({"day2": "0", "start2": "15:00", "end2": "16:30"}, "указано дважды"),
    ({"day1": "", "start1": "", "end1": "", "day2": "", "start2": "", "end2": ""},
     "Укажите хотя бы одно занятие"),
    ({"ends_on": "2026-08-01"}, "Занятия должны заканчиваться позже, чем начинаются"),
    ({"capacity": "0"}, "Мест в группе — от 1 до 200"),
    ({"price": "0"}, "Укажите цену больше нуля"),
    ({"price": "дорого"}, "Введите сумму в рублях"),
    ({"start1": "25:99"}, "Время в формате чч:мм"),
])
def test_invalid_groups_are_shown_in_russian(app, client, provider_staff, changes, message):
    _, provider = provider_staff
    prog = factories.program(app, provider, status="draft")
    url = f"/provider/programs/{prog.id}/groups/new"
    response = form_post(client, url, {**GROUP_FORM, **changes})
    assert response.status_code == 422
    assert message in text(response)
    assert 'value="Группа 2"' in text(response)
    with app.app_context():
        assert db.session.scalar(select(Group.id)) is None


def test_a_free_program_group_refuses_a_price_by_http(app, client, provider_staff):
    _, provider = provider_staff
    prog = factories.program(app, provider, status="draft", funding="municipal")
    url = f"/provider/programs/{prog.id}/groups/new"
    assert 'value="0"' in text(client.get(url))
    response = form_post(client, url, GROUP_FORM)
    assert response.status_code == 422
    assert "Программа бесплатная (муниципальное задание): цена группы — 0 ₽" in text(response)


def test_editing_a_group_below_its_taken_seats_is_refused(app, client, provider_staff):
    _, provider = provider_staff
    prog = factories.program(app, provider)
    grp = factories.group(app, prog, capacity=12, seats_taken=8)
    url = f"/provider/groups/{grp.id}/edit"
    html = text(client.get(url))
    assert 'value="2 500,00"' in html and "изменения группы уйдут координатору" in html
    response = form_post(client, url, {**GROUP_FORM, "capacity": "5", "price": "2 500,00"})
    assert response.status_code == 422
    assert "В группе уже занято мест: 8" in text(response)
    response = form_post(client, url, {**GROUP_FORM, "capacity": "20", "price": "2 500"})
    assert response.status_code == 302
    assert program_row(app, prog.id).status == "published"


def test_toggling_a_group_closes_and_opens_enrolment(app, client, provider_staff):
    _, provider = provider_staff
    prog = factories.program(app, provider)
    grp = factories.group(app, prog)
    page = f"/provider/programs/{prog.id}"
    response = form_post(client, f"/provider/groups/{grp.id}/toggle", page=page,
                         follow_redirects=True)
    assert "закрыта для записи" in text(response)
    with app.app_context():
        assert db.session.get(Group, grp.id).is_open is False
    form_post(client, f"/provider/groups/{grp.id}/toggle", page=page)
    with app.app_context():
        assert db.session.get(Group, grp.id).is_open is True
    assert program_row(app, prog.id).status == "published"


# --- Ownership --------------------------------------------------------------------------------

def test_another_providers_program_is_404_by_every_url(app, client, provider_staff):
    other = factories.provider(app)
    prog = factories.program(app, other, status="draft", document=True)
    grp = factories.group(app, prog)
    token = csrf_token(client, "/provider/programs")
    for url in (f"/provider/programs/{prog.id}", f"/provider/programs/{prog.id}/edit",
                f"/provider/programs/{prog.id}/document",
                f"/provider/programs/{prog.id}/groups/new", f"/provider/groups/{grp.id}/edit"):
        assert client.get(url).status_code == 404, url
    for url in (f"/provider/programs/{prog.id}/edit", f"/provider/programs/{prog.id}/submit",
                f"/provider/programs/{prog.id}/groups/new", f"/provider/groups/{grp.id}/edit",
                f"/provider/groups/{grp.id}/toggle"):
        response = client.post(url, data={"csrf_token": token, **PROGRAM_FORM, **GROUP_FORM})
        assert response.status_code == 404, url
    assert program_row(app, prog.id).status == "draft"
    with app.app_context():
        group = db.session.get(Group, grp.id)
        assert group.is_open and group.name == "Группа 1" and len(group.sessions) == 2


# --- Moderation -------------------------------------------------------------------------------

@pytest.fixture
def coordinator(app, make, login_as):
    make.municipality()
    return login_as("coordinator")


def test_the_queue_lists_submitted_programs_oldest_first(app, client, coordinator,
                                                         frozen_clock):
    provider = factories.provider(app, short_name="Радуга")
    factories.program(app, provider, title="Поздняя", status="submitted")
    frozen_clock.advance(-timedelta(days=10))
    factories.program(app, provider, title="Ранняя", status="submitted", direction="arts")
    frozen_clock.advance(timedelta(days=10))
    factories.program(app, provider, title="Опубликованная")
    html = text(client.get("/coordinator/programs"))
    assert "Найдены 2 программы" in html
    assert html.index("Ранняя") < html.index("Поздняя")
    assert "Опубликованная" not in html
    assert "ждёт 10 дней" in html
    response = client.get("/coordinator/programs?direction=arts", headers={"HX-Request": "true"})
    body = text(response)
    assert "Ранняя" in body and "Поздняя" not in body and "<html" not in body
    assert "Поздняя" in text(client.get("/coordinator/programs?q=поздн"))
    assert "Найдены 2 программы" in text(client.get("/coordinator/programs?q=радуга"))
    assert "Опубликованная" in text(client.get("/coordinator/programs?status=all"))


def test_the_review_page_shows_any_program_with_cost_against_prices(app, client, coordinator,
                                                                    frozen_clock):
    provider = factories.provider(app, short_name="Радуга")
    prog = factories.program(app, provider, status="submitted", document=True)
    factories.group(app, prog, price=200_000)
    factories.period(app, hour_costs={"technical": 15_000})
    html = text(client.get(f"/coordinator/programs/{prog.id}"))
    assert "Радуга" in html and "1\xa0200,00\xa0₽ в месяц" in html
    assert "Выше нормативной стоимости на 800,00\xa0₽" in html
    assert "Опубликовать" in html and "Вернуть на доработку" in html
    assert f"/provider/programs/{prog.id}/document" in html
    draft = factories.program(app, provider, status="draft", title="Черновая")
    assert client.get(f"/coordinator/programs/{draft.id}").status_code == 200


def test_publish_and_return_by_http(app, client, coordinator):
    provider = factories.provider(app)
    prog = factories.program(app, provider, status="submitted", document=True)
    factories.group(app, prog)
    page = f"/coordinator/programs/{prog.id}"
    response = form_post(client, f"{page}/return", {"remarks": " "}, page=page)
    assert response.status_code == 422
    assert "Напишите замечания: что поставщику исправить" in text(response)
    assert program_row(app, prog.id).status == "submitted"
    response = form_post(client, f"{page}/return", {"remarks": "Добавьте план"}, page=page)
    assert response.status_code == 302
    row = program_row(app, prog.id)
    assert row.status == "returned" and row.remarks == "Добавьте план"
    response = form_post(client, f"{page}/publish", page=page, follow_redirects=True)
    assert "Опубликовать можно только программу, которая на модерации" in text(response)
    assert program_row(app, prog.id).status == "returned"


def test_publish_by_http(app, client, coordinator):
    provider = factories.provider(app)
    prog = factories.program(app, provider, status="submitted", document=True)
    factories.group(app, prog)
    page = f"/coordinator/programs/{prog.id}"
    response = form_post(client, f"{page}/publish", page=page, follow_redirects=True)
    assert "опубликована" in text(response)
    assert program_row(app, prog.id).status == "published"
    response = form_post(client, f"{page}/return", {"remarks": "Поздно"}, page=page,
                         follow_redirects=True)
    assert "Вернуть на доработку можно только программу, которая на модерации" in text(response)
    assert program_row(app, prog.id).status == "published"
