"""The provider's enrolment pages through the test client: the requests with their deadlines
and filters, the answer (accept, reject with a reason), offers and contracts with their
months, termination; another provider's objects are a 404."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from pfdo.db import db
from pfdo.enrollments.models import Contract, EnrollmentRequest
from pfdo.money import format_rub
from pfdo.notifications.models import Notice
from pfdo.programs.models import Group
from tests import factories
from tests.conftest import form_post, login
from tests.queries import count_queries


def _child(app, world, last_name: str, first_name: str = "Пётр", sex: str = "male"):
    parent = factories.user(app, "parent")
    kid = factories.child(app, parent, last_name=last_name, first_name=first_name,
                          middle_name="Ильич", sex=sex)
    factories.certificate(app, parent, kid, coordinator=world.coordinator)
    return parent, kid


def _notices(app, user) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Notice.text).where(Notice.user_id == user.id)))


def test_the_requests_list_shows_the_child_the_group_and_the_days_left(app, client, world):
    factories.enrolment_request(app, world.parent, world.child, world.group)
    login(client, world.staff.email)
    html = client.get("/provider/enrolments").get_data(as_text=True)
    assert "Найдена 1 заявка" in html
    assert "Иванова А. П." in html and "9 лет на начало занятий" in html
    assert world.program.title in html and f"группа «{world.group.name}»" in html
    assert "20.03.2026" in html and "осталось 5 дней" in html
    assert "Ожидает ответа" in html


def test_deadline_words():
    from pfdo.enrollments.lists import deadline_words
    today = date(2026, 3, 15)
    assert deadline_words(today, today) == "сегодня последний день"
    assert deadline_words(date(2026, 3, 16), today) == "остался 1 день"
    assert deadline_words(date(2026, 3, 17), today) == "осталось 2 дня"
    assert deadline_words(date(2026, 3, 13), today) == "просрочена на 2 дня"
    assert deadline_words(date(2026, 3, 10), today) == "просрочена на 5 дней"


def test_filters_by_surname_status_and_group_and_answers_htmx_with_the_list(app, client, world):
    factories.enrolment_request(app, world.parent, world.child, world.group)
    other = factories.group(app, world.program, name="Вечерняя", starts_on=date(2026, 2, 1),
                            ends_on=date(2026, 12, 31), weekdays=(5,))
    parent, kid = _child(app, world, "Ёлкин")
    made = factories.enrolment_request(app, parent, kid, other)
    login(client, world.staff.email)
    html = client.get("/provider/enrolments?q=ЕЛК").get_data(as_text=True)
    assert "Ёлкин П. И." in html and "Иванова А. П." not in html
    html = client.get(f"/provider/enrolments?group={other.id}").get_data(as_text=True)
    assert "Ёлкин П. И." in html and "Иванова А. П." not in html
    with app.app_context():
        row = db.session.get(EnrollmentRequest, made.id)
        row.answer_due_on = date(2026, 3, 13)
        db.session.commit()
    html = client.get("/provider/enrolments?status=overdue").get_data(as_text=True)
    assert "Ёлкин П. И." in html and "просрочена на 2 дня" in html
    assert "Иванова А. П." not in html
    # an overdue request can no longer be accepted: its page says so instead of the buttons
    page = client.get(f"/provider/enrolments/requests/{made.id}").get_data(as_text=True)
    assert "Срок ответа истёк 13.03.2026: принять заявку уже нельзя" in page
    assert "Принять и отправить оферту" not in page
    html = client.get("/provider/enrolments?status=rejected").get_data(as_text=True)
    assert "Заявок с такими условиями нет" in html
    fragment = client.get("/provider/enrolments?q=иван", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body and 'id="results"' in body
    assert "Иванова А. П." in body


def test_bad_filters_are_explained_and_ignored(app, client, world):
    factories.enrolment_request(app, world.parent, world.child, world.group)
    login(client, world.staff.email)
    response = client.get("/provider/enrolments?created_from=31.02.2026&group=99999999999"
                          "&program=%D9%A3&status=nonsense")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Такой даты нет" in html and "Иванова А. П." in html


def test_the_requests_page_runs_the_same_queries_for_one_row_or_four(app, client, world):
    factories.enrolment_request(app, world.parent, world.child, world.group)
    login(client, world.staff.email)
    client.get("/provider/enrolments")
    with count_queries(app) as few:
        client.get("/provider/enrolments")
    for name in ("Петров", "Сидоров", "Кузнецов"):
        parent, kid = _child(app, world, name)
        factories.enrolment_request(app, parent, kid, world.group)
    with count_queries(app) as many:
        html = client.get("/provider/enrolments").get_data(as_text=True)
    assert "Найдены 4 заявки" in html
    assert len(many.selects) == len(few.selects)


def test_accepting_a_request_makes_an_offer_and_a_second_answer_changes_nothing(
        app, client, world):
    made = factories.enrolment_request(app, world.parent, world.child, world.group)
    login(client, world.staff.email)
    page = f"/provider/enrolments/requests/{made.id}"
    html = client.get(page).get_data(as_text=True)
    assert "Иванова А. П." in html and "Сертификат учёта" in html
    assert "12 из 12" in html and "осталось 5 дней" in html
    response = form_post(client, f"{page}/accept", page=page)
    assert response.status_code == 302
    with app.app_context():
        offer = db.session.scalars(select(Contract)).one()
        assert offer.status == "offered" and offer.request_id == made.id
    assert response.headers["Location"].endswith(f"/provider/enrolments/contracts/{offer.id}")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Оферта {offer.number}" in html and "Заявка принята" in html
    again = form_post(client, f"{page}/accept", page=page, follow_redirects=True)
    assert "Заявку уже рассмотрели" in again.get_data(as_text=True)
    refused = form_post(client, f"{page}/reject", {"reason": "Поздно"}, page=page,
                        follow_redirects=True)
    assert "Заявку уже рассмотрели" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Contract).count() == 1
        assert db.session.get(EnrollmentRequest, made.id).status == "accepted"


def test_rejecting_needs_a_reason_and_tells_the_family(app, client, world):
    made = factories.enrolment_request(app, world.parent, world.child, world.group)
    login(client, world.staff.email)
    page = f"/provider/enrolments/requests/{made.id}"
    response = form_post(client, f"{page}/reject", {"reason": "  "}, page=page)
    assert response.status_code == 422
    assert "Укажите причину отказа" in response.get_data(as_text=True)
    response = form_post(client, f"{page}/reject", {"reason": "Группа для продолжающих"},
                         page=page)
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(EnrollmentRequest, made.id)
        assert row.status == "rejected" and row.reason == "Группа для продолжающих"
    assert any("Группа для продолжающих" in t for t in _notices(app, world.parent))
    html = client.get(page).get_data(as_text=True)
    assert "Ответить уже нельзя" in html


def test_the_contracts_list_and_page_show_the_months_and_totals(app, client, world):
    signed = factories.contract(app, world.parent, world.child, world.group)
    parent, kid = _child(app, world, "Петров")
    offer = factories.offer(app, parent, kid, world.group)
    login(client, world.staff.email)
    html = client.get("/provider/enrolments/contracts").get_data(as_text=True)
    assert signed.number in html and offer.number in html and "Найдены 2 договора" in html
    assert html.index(offer.number) < html.index(signed.number)  # the waiting offer first
    html = client.get("/provider/enrolments/contracts?status=active").get_data(as_text=True)
    assert signed.number in html and offer.number not in html
    html = client.get("/provider/enrolments/contracts?q=петр").get_data(as_text=True)
    assert offer.number in html and signed.number not in html
    html = client.get(f"/provider/enrolments/contracts/{signed.id}").get_data(as_text=True)
    assert f"Договор {signed.number}" in html and "Март 2026" in html
    assert format_rub(250_000) in html and format_rub(2_500_000) in html
    assert "Итого за 10 месяцев" in html
    assert "зарезервировано" in html and "Расторгнуть договор" in html


def test_the_contracts_list_runs_fixed_queries(app, client, world):
    factories.contract(app, world.parent, world.child, world.group)
    login(client, world.staff.email)
    client.get("/provider/enrolments/contracts")
    with count_queries(app) as few:
        client.get("/provider/enrolments/contracts")
    for name in ("Петров", "Сидоров"):
        parent, kid = _child(app, world, name)
        factories.offer(app, parent, kid, world.group)
    with count_queries(app) as many:
        client.get("/provider/enrolments/contracts")
    assert len(many.selects) == len(few.selects)


def test_the_provider_terminates_with_a_reason(app, client, world):
    signed = factories.contract(app, world.parent, world.child, world.group)
    login(client, world.staff.email)
    page = f"/provider/enrolments/contracts/{signed.id}"
    response = form_post(client, f"{page}/terminate", {"reason": ""}, page=page)
    assert response.status_code == 422 and "Укажите причину расторжения" in \
        response.get_data(as_text=True)
    response = form_post(client, f"{page}/terminate", {"reason": "Педагог уволился"},
                         page=page, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "расторгнут: занятия до 31.03.2026" in html
    assert "по инициативе поставщика" in html
    with app.app_context():
        row = db.session.get(Contract, signed.id)
        assert row.status == "terminated" and row.terminated_by == "provider"
    assert any("расторгнут" in t for t in _notices(app, world.parent))


def test_another_providers_request_contract_and_group_are_not_found(app, client, world):
    made = factories.enrolment_request(app, world.parent, world.child, world.group)
    parent, kid = _child(app, world, "Петров")
    signed = factories.contract(app, parent, kid, world.group)
    stranger = factories.user(app, "provider_staff")
    factories.provider(app, staff=stranger)
    login(client, stranger.email)
    for url in (f"/provider/enrolments/requests/{made.id}",
                f"/provider/enrolments/contracts/{signed.id}",
                f"/provider/groups/{world.group.id}/pupils"):
        assert client.get(url).status_code == 404, url
    page = "/provider/enrolments"
    assert form_post(client, f"/provider/enrolments/requests/{made.id}/accept",
                     page=page).status_code == 404
    assert form_post(client, f"/provider/enrolments/contracts/{signed.id}/terminate",
                     {"reason": "Нет"}, page=page).status_code == 404
    assert form_post(client, f"/provider/groups/{world.group.id}/disband", {"reason": "Нет"},
                     page=page).status_code == 404
    html = client.get(page).get_data(as_text=True)
    assert "Иванова А. П." not in html
    with app.app_context():
        assert db.session.get(EnrollmentRequest, made.id).status == "pending"
        assert db.session.get(Contract, signed.id).status == "active"


def test_hostile_reasons_and_ids_are_refused_without_a_500(app, client, world):
    made = factories.enrolment_request(app, world.parent, world.child, world.group)
    signed_parent, kid = _child(app, world, "Петров")
    signed = factories.contract(app, signed_parent, kid, world.group)
    login(client, world.staff.email)
    page = "/provider/enrolments"
    for url in (f"/provider/enrolments/requests/{made.id}/reject",
                f"/provider/enrolments/contracts/{signed.id}/terminate",
                f"/provider/groups/{world.group.id}/disband"):
        for reason in ("\x00", "причина\x00", "я" * 501):
            response = form_post(client, url, {"reason": reason}, page=page)
            assert response.status_code == 422, (url, reason[:10], response.status_code)
    for url in ("/provider/enrolments/requests/99999999999", "/provider/groups/٣/pupils",
                "/provider/enrolments?page=99999999&q=%00"):
        assert client.get(url).status_code in (400, 404), url
    with app.app_context():
        assert db.session.get(EnrollmentRequest, made.id).status == "pending"
        assert db.session.get(Contract, signed.id).status == "active"
        assert db.session.get(Group, world.group.id).is_open


def test_the_created_dates_filter_reads_local_days(app, client, world):
    factories.enrolment_request(app, world.parent, world.child, world.group)  # 15.03.2026
    login(client, world.staff.email)
    html = client.get("/provider/enrolments?created_from=16.03.2026").get_data(as_text=True)
    assert "Иванова А. П." not in html
    html = client.get("/provider/enrolments?created_from=2026-03-15&created_to=2026-03-15"
                      ).get_data(as_text=True)
    assert "Иванова А. П." in html
    html = client.get("/provider/enrolments?created_to=14.03.2026").get_data(as_text=True)
    assert "Иванова А. П." not in html


def test_the_request_page_warns_of_the_schedule_conflict_and_shows_the_comment(
        app, client, world):
    made = factories.enrolment_request(app, world.parent, world.child, world.group)
    with app.app_context():
        row = db.session.get(EnrollmentRequest, made.id)
        row.schedule_conflict, row.comment = True, "Приведём после школы"
        db.session.commit()
    login(client, world.staff.email)
    html = client.get(f"/provider/enrolments/requests/{made.id}").get_data(as_text=True)
    assert "совпадают по времени с другими занятиями" in html
    assert "Приведём после школы" in html
    assert "Принять и отправить оферту" in html and "Отклонить заявку" in html


def test_an_answered_request_past_its_deadline_says_it_was_answered(app, client, world):
    made = factories.enrolment_request(app, world.parent, world.child, world.group)
    with app.app_context():
        row = db.session.get(EnrollmentRequest, made.id)
        row.status, row.answer_due_on = "withdrawn", date(2026, 3, 1)
        db.session.commit()
    login(client, world.staff.email)
    page = f"/provider/enrolments/requests/{made.id}"
    html = form_post(client, f"{page}/accept", page=page,
                     follow_redirects=True).get_data(as_text=True)
    assert "Заявку уже рассмотрели или отозвали" in html
    with app.app_context():
        assert db.session.query(Contract).count() == 0
