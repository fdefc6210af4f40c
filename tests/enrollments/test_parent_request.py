"""The family's request from the program page: the breakdown for the chosen child, the
refusals beside the form (nothing saved), the schedule warning and its override, the
waitlist of a full group with the place in it, and only the parent's own children."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from pfdo.db import db
from pfdo.enrollments.models import EnrollmentRequest, WaitlistEntry
from tests import factories
from tests.conftest import form_post, login


def text_of(html: str) -> str:
    """The page's text, tags dropped (not spaced), no-break spaces as spaces."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def enrol_url(group, child=None) -> str:
    return f"/groups/{group.id}/enrol" + (f"?child={child.id}" if child else "")


def test_the_program_page_offers_each_open_group_to_the_parent(app, client, world):
    login(client, world.parent.email)
    html = client.get(f"/programs/{world.program.id}").get_data(as_text=True)
    # the only child with a certificate is chosen, and the link carries it
    assert f'href="/groups/{world.group.id}/enrol?child={world.child.id}"' in html
    assert "Записаться" in html
    assert "пока нельзя" not in html


def test_a_guest_is_asked_to_sign_in_to_enrol(client, world):
    html = client.get(f"/programs/{world.program.id}").get_data(as_text=True)
    assert "Войдите, чтобы записаться" in html
    assert f'href="/login?next=/programs/{world.program.id}"' in html


def test_the_request_page_shows_the_breakdown_and_sends_the_request(app, client, world):
    login(client, world.parent.email)
    page = text_of(client.get(enrol_url(world.group)).get_data(as_text=True))
    assert "Запись: «Робототехника для начинающих»" in page
    # the record certificate would be converted; the norm caps the share (1 200,00 ₽)
    assert "сертификат платит 1 200,00 ₽, вы — 1 300,00 ₽" in page
    assert "Отправить заявку" in page

    response = form_post(client, enrol_url(world.group),
                         {"child": world.child.id, "comment": "Удобно после школы"},
                         page=enrol_url(world.group))
    assert response.status_code == 302
    assert response.headers["Location"] == "/enrolments"
    mine = text_of(client.get("/enrolments").get_data(as_text=True))
    assert "Заявка отправлена" in mine
    assert "поставщик ответит до 20.03.2026" in mine
    with app.app_context():
        saved = db.session.scalars(select(EnrollmentRequest)).one()
        assert saved.comment == "Удобно после школы" and saved.status == "pending"


def test_refusals_are_listed_beside_the_form_and_nothing_is_saved(app, client, world):
    young = factories.child(app, world.parent, first_name="Мария",
                            birth_date=date(2021, 1, 1))
    factories.certificate(app, world.parent, young, coordinator=world.coordinator)
    login(client, world.parent.email)
    html = client.get(enrol_url(world.group, young)).get_data(as_text=True)
    page = text_of(html)
    assert "Записаться в эту группу нельзя" in page
    assert "для детей 7–12 лет" in page
    assert "Отправить заявку" not in page

    response = form_post(client, enrol_url(world.group), {"child": young.id},
                         page=enrol_url(world.group, young))
    assert response.status_code == 422
    assert "для детей 7–12 лет" in response.get_data(as_text=True)
    assert count(app, EnrollmentRequest) == 0


def _other_program_at_the_same_time(app, world):
    chess = factories.program(app, world.provider, title="Шахматы")
    busy = factories.group(app, chess, name="Утренняя", starts_on=date(2026, 2, 1),
                           ends_on=date(2026, 12, 31))
    factories.contract(app, world.parent, world.child, busy)
    return busy


def test_a_schedule_collision_is_a_warning_the_parent_may_override(app, client, world):
    _other_program_at_the_same_time(app, world)
    login(client, world.parent.email)
    page = text_of(client.get(enrol_url(world.group)).get_data(as_text=True))
    assert "совпадают по времени" in page and "«Шахматы»" in page
    assert "Всё равно отправить" in page

    refused = form_post(client, enrol_url(world.group), {"child": world.child.id},
                        page=enrol_url(world.group))
    assert refused.status_code == 422
    assert 'id="confirm_schedule-error"' in refused.get_data(as_text=True)
    assert count(app, EnrollmentRequest) == 1  # only the chess one

    sent = form_post(client, enrol_url(world.group),
                     {"child": world.child.id, "confirm_schedule": "y"},
                     page=enrol_url(world.group))
    assert sent.status_code == 302
    with app.app_context():
        saved = db.session.scalars(select(EnrollmentRequest).where(
            EnrollmentRequest.group_id == world.group.id)).one()
        assert saved.schedule_conflict


def test_a_full_group_offers_the_waitlist_and_shows_the_place(app, client, world):
    full = factories.group(app, world.program, name="Полная", capacity=1, seats_taken=1,
                           starts_on=date(2026, 2, 1), ends_on=date(2026, 12, 31))
    first_parent = factories.user(app, "parent")
    first = factories.child(app, first_parent, first_name="Пётр", sex="male")
    factories.certificate(app, first_parent, first, coordinator=world.coordinator)
    with app.app_context():
        from pfdo.children.models import Child
        from pfdo.enrollments import waitlist
        from pfdo.programs.models import Group
        from tests.factories.accounts import user_row
        waitlist.join(user_row(first_parent), db.session.get(Child, first.id),
                      db.session.get(Group, full.id), today=factories.today())

    login(client, world.parent.email)
    page = text_of(client.get(enrol_url(full)).get_data(as_text=True))
    assert "Свободных мест нет" in page and "Встать в очередь" in page
    assert "Отправить заявку" not in page

    response = form_post(client, f"/groups/{full.id}/waitlist", {"child": world.child.id},
                         page=enrol_url(full))
    assert response.status_code == 302
    after = text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "ваше место в очереди — 2" in after
    mine = text_of(client.get("/enrolments").get_data(as_text=True))
    assert "«Полная»: ваше место в очереди — 2" in mine

    with app.app_context():
        entry = db.session.scalars(select(WaitlistEntry).where(
            WaitlistEntry.child_id == world.child.id)).one()
    left = form_post(client, f"/enrolments/waitlist/{entry.id}/leave", page="/enrolments")
    assert left.status_code == 302
    assert "Вы вышли из очереди" in client.get("/enrolments").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(WaitlistEntry, entry.id).status == "cancelled"


def test_another_familys_child_is_not_found(app, client, world):
    other_parent = factories.user(app, "parent")
    other = factories.child(app, other_parent, first_name="Пётр", sex="male")
    login(client, world.parent.email)
    assert client.get(enrol_url(world.group, other)).status_code == 404
    assert form_post(client, enrol_url(world.group), {"child": other.id},
                     page=enrol_url(world.group)).status_code == 404
    assert form_post(client, f"/groups/{world.group.id}/waitlist", {"child": other.id},
                     page=enrol_url(world.group)).status_code == 404
    assert count(app, EnrollmentRequest) == 0


def test_a_mangled_child_id_is_a_message_not_a_failure(app, client, world):
    login(client, world.parent.email)
    for value in ("abc", "١٢", "9" * 40, "1\x00"):
        response = form_post(client, enrol_url(world.group), {"child": value},
                             page=enrol_url(world.group))
        assert response.status_code == 422, value
        assert "Выберите ребёнка" in response.get_data(as_text=True)
    assert client.get(f"/groups/{world.group.id}/enrol?child=١").status_code == 200
    assert count(app, EnrollmentRequest) == 0


def test_the_parent_menu_leads_to_mine(app, client, world):
    login(client, world.parent.email)
    html = client.get("/cabinet").get_data(as_text=True)
    assert re.search(r'href="/enrolments"[^>]*>.*Мои записи', html)
    assert "Запись через сайт появится позже" not in html


def test_a_too_long_comment_is_refused_beside_the_field(app, client, world):
    login(client, world.parent.email)
    response = form_post(client, enrol_url(world.group),
                         {"child": world.child.id, "comment": "я" * 501},
                         page=enrol_url(world.group))
    assert response.status_code == 422
    assert 'id="comment-error"' in response.get_data(as_text=True)
    assert "Не длиннее 500 символов" in response.get_data(as_text=True)
    assert count(app, EnrollmentRequest) == 0


def test_the_rules_say_how_long_an_offer_waits(app, client, world):
    page = text_of(client.get("/rules").get_data(as_text=True))
    assert "Запись на обучение — через этот сайт" in page
    assert "принять договор-оферту нужно в течение 5 рабочих дней" in page
