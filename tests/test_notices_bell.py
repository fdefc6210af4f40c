"""The bell on every page, the notifications page, and marking notices read."""

from __future__ import annotations

from sqlalchemy import select

from pfdo.db import db, unit_of_work
from pfdo.notifications.models import Notice
from tests.conftest import form_post


def _notice(app, user, text, url=None):
    with app.app_context():
        with unit_of_work():
            notice = Notice(user_id=user.id, text=text, url=url)
            db.session.add(notice)
        return notice.id


def test_the_bell_counts_unread_notices_on_every_page(app, client, make, login_as):
    make.municipality()
    user = login_as("parent")
    _notice(app, user, "Сертификат выдан", "/cabinet")
    _notice(app, user, "Оферта получена")
    other = make.user(role="parent")
    _notice(app, other, "Чужое уведомление")
    for path in ("/cabinet", "/", "/account"):
        html = client.get(path).get_data(as_text=True)
        assert 'id="bell-top"' in html
        assert '>2<span class="visually-hidden"> непрочитанных' in html
    poll = client.get("/notifications/count", headers={"HX-Request": "true"})
    body = poll.get_data(as_text=True)
    assert poll.status_code == 200 and 'hx-swap-oob="true"' in body and ">2<" in body
    assert poll.headers["Cache-Control"] == "no-store"


def test_opening_a_notice_marks_it_read_and_leads_to_its_page(app, client, make, login_as):
    make.municipality()
    user = login_as("parent")
    first = _notice(app, user, "Сертификат выдан", "/cabinet")
    _notice(app, user, "Оферта получена")
    page = client.get("/notifications").get_data(as_text=True)
    assert "Сертификат выдан" in page and "новое" in page
    response = form_post(client, f"/notifications/{first}/read", page="/notifications")
    assert response.status_code == 302 and response.headers["Location"] == "/cabinet"
    unread = client.get("/notifications?unread=1").get_data(as_text=True)
    assert "Оферта получена" in unread and "Сертификат выдан" not in unread
    form_post(client, "/notifications/read-all", page="/notifications")
    with app.app_context():
        assert all(n.read_at for n in db.session.scalars(
            select(Notice).where(Notice.user_id == user.id)))
    assert "Непрочитанных уведомлений нет" in client.get(
        "/notifications?unread=1").get_data(as_text=True)


def test_a_notice_of_someone_else_cannot_be_opened(app, client, make, login_as):
    make.municipality()
    login_as("parent")
    other = make.user(role="parent")
    theirs = _notice(app, other, "Чужое уведомление", "/cabinet")
    response = form_post(client, f"/notifications/{theirs}/read", page="/notifications")
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Notice, theirs).read_at is None


def test_a_notice_never_redirects_off_the_site(app, client, make, login_as):
    make.municipality()
    user = login_as("parent")
    notice = _notice(app, user, "Ссылка наружу", "https://evil.example/")
    response = form_post(client, f"/notifications/{notice}/read", page="/notifications")
    assert response.headers["Location"] == "/notifications"
