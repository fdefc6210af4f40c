"""Each role lands on its real workspace after login and on /cabinet; the hotline's page and
the public texts describe only what works today."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tests.conftest import login

TAG = re.compile(r"<[^>]+>")


def text(response) -> str:
    return " ".join(TAG.sub(" ", response.get_data(as_text=True)).replace("\xa0", " ").split())


@pytest.mark.parametrize(("role", "workspace", "heading"), [
    ("coordinator", "/coordinator", "Кабинет координатора"),
    ("admin", "/admin/users", "Пользователи"),
    ("hotline", "/hotline", "Горячая линия"),
])
def test_staff_land_on_their_workspace(client, make, role, workspace, heading):
    make.municipality()
    user = make.user(role, email=f"{role}@example.ru")
    response = login(client, user.email)
    assert response.headers["Location"] == "/cabinet"
    landing = client.get("/cabinet")
    assert landing.status_code == 302 and landing.headers["Location"] == workspace
    page = client.get(workspace, follow_redirects=True)
    assert page.status_code == 200 and "<h1" in page.get_data(as_text=True)
    assert heading in text(page)
    # the account's own page is a click on the name away, for every role
    account = text(client.get("/account"))
    assert "Предыдущий вход" in account and "Сменить пароль" in account
    assert 'href="/account"' in client.get(workspace).get_data(as_text=True)


def test_provider_staff_land_in_the_provider_cabinet_and_others_are_told_why_not(
        app, client, make):
    staff = make.user("provider_staff", email="staff@example.ru")
    factories.provider(app, staff=staff)
    login(client, staff.email)
    assert client.get("/cabinet").headers["Location"] == "/provider"
    loose = make.user("provider_staff", email="loose@example.ru")
    other = app.test_client()
    login(other, loose.email)
    page = text(other.get("/cabinet"))
    assert "не связана ни с одним поставщиком" in page
    assert "ежемесячные отчёты" not in page and "принимаете заявки" not in page


def test_the_hotline_page_is_the_operators_workspace(client, make, login_as):
    make.municipality()
    login_as("hotline")
    page = text(client.get("/hotline"))
    assert "Поиск сертификата" in page and "Начать звонок" in page
    html = client.get("/hotline").get_data(as_text=True)
    assert 'action="/hotline"' in html
    assert "Текущий период финансирования не установлен" in page
    factories.period(client.application)
    page = text(client.get("/hotline"))
    assert "«2026 год», 01.01.2026 – 31.12.2026" in page
    assert "Свободно мест на сертификаты ПФ 100 из 100" in page
    # the menu leads here, not to a cabinet describing a search that does not exist
    assert 'href="/hotline"' in html


def test_public_texts_do_not_send_families_to_the_hotline_for_what_it_cannot_do(client,
                                                                                 make):
    make.municipality()
    contacts = text(client.get("/contacts"))
    assert "подскажут номер сертификата" not in contacts
    assert "оператор горячей линии тоже найдёт ваш сертификат" in contacts
    home = text(client.get("/"))
    assert "Подскажем номер сертификата, баланс" not in home
    assert "Запись через сайт появится позже" not in home
    assert "поставщик ответит на заявку и пришлёт договор-оферту" in home
    rules = text(client.get("/rules"))
    assert "если вы его забыли, позвоните на горячую линию" not in rules
    assert "Номер сертификата показан в личном кабинете и в письме о выдаче" in rules
    assert "при первой записи на платную" not in rules
    assert "Запись на обучение и договоры через сайт появятся позже" in rules
    privacy = text(client.get("/privacy"))
    assert "Поставщик видит данные детей, записанных к нему" not in privacy
    assert "адрес не показывается" in privacy and "видит его фамилию с инициалами" in privacy


def test_the_staff_cabinet_no_longer_describes_a_monthly_close(client, login_as):
    login_as("coordinator")
    page = text(client.get("/cabinet", follow_redirects=True))
    assert "закрываете месяцы оплаты" not in page
    assert "Кабинет координатора" in page
