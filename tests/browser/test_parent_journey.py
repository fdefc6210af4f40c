"""Journeys through the real pages: a parent registers and signs in, the admin looks around,
every demo role reaches its cabinet."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import (
    Registration,
    assert_accessible,
    complete_registration,
    confirmation_link,
    expect_cabinet_of,
    is_same_document,
    log_in,
    mark_document,
    submit_registration,
    unique_email,
)

LOGIN_FAILED = "Неверный адрес почты, телефон или пароль"


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_parent_registers_logs_out_and_logs_in_again(watched_context, live_app, javascript):
    page = watched_context(java_script_enabled=javascript).new_page()
    parent = Registration()

    page.goto("/")
    page.get_by_role("link", name="Регистрация").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Регистрация родителя (законного представителя)")
    submit_registration(page, parent)
    expect(page.get_by_role("heading", level=1)).to_have_text("Проверьте почту")
    expect(page.get_by_text("Мы отправили письмо на")).to_contain_text(parent.email.lower())
    if javascript:  # axe runs as a script: not in the context without JavaScript
        assert_accessible(page)
    page.goto(confirmation_link(live_app, parent.email))  # the link in the letter
    expect(page.get_by_role("heading", level=1)).to_have_text("Завершение регистрации")
    if javascript:
        assert_accessible(page)
    page.get_by_role("button", name="Завершить регистрацию").click()

    expect_cabinet_of(page, parent.full_name)
    expect(page.get_by_role("alert")).to_contain_text("Учётная запись создана")
    expect(page.get_by_text("Родитель (законный представитель)", exact=True)).to_be_visible()

    page.get_by_role("button", name="Выйти").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("alert")).to_contain_text("Вы вышли из системы")
    expect(page.get_by_role("button", name="Выйти")).to_have_count(0)

    log_in(page, parent.email, parent.password)
    expect_cabinet_of(page, parent.full_name)
    expect(page.get_by_role("alert")).to_contain_text(f"Здравствуйте, {parent.first_name}!")


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_registration_errors_are_shown_beside_fields_and_input_is_kept(
    watched_context, problems, javascript
):
    problems.expect_form_errors()
    page = watched_context(java_script_enabled=javascript).new_page()
    typed = Registration(last_name="Smirnova", password="короткий", password_confirm="короткий",
                         consent=False)

    page.goto("/register")
    if javascript:
        mark_document(page)
    submit_registration(page, typed)

    expect(page.locator("#last_name-error")).to_have_text(
        "Только русские буквы, пробел, дефис или апостроф")
    expect(page.locator("#password-error")).to_have_text(
        "Пароль должен быть не короче 10 символов")
    expect(page.locator("#consent-error")).to_have_text(
        "Без согласия на обработку персональных данных мы не можем выдать сертификат")
    expect(page.get_by_role("alert")).to_have_text("Проверьте поля, отмеченные красным.")

    last_name = page.get_by_label("Фамилия")
    expect(last_name).to_have_attribute("aria-invalid", "true")
    expect(last_name).to_have_attribute("aria-describedby", "last_name-error")
    expect(page.get_by_label("Мобильный телефон")).to_have_attribute(
        "aria-describedby", "phone-hint")
    expect(page.get_by_label("Имя", exact=True)).not_to_have_attribute("aria-invalid", "true")

    # What was typed stays, passwords excepted.
    expect(last_name).to_have_value("Smirnova")
    expect(page.get_by_label("Имя", exact=True)).to_have_value(typed.first_name)
    expect(page.get_by_label("Отчество (если есть)")).to_have_value(typed.middle_name)
    expect(page.get_by_label("Электронная почта")).to_have_value(typed.email)
    expect(page.get_by_label("Мобильный телефон")).to_have_value(typed.phone)
    expect(page.get_by_label("Пароль", exact=True)).to_have_value("")

    if javascript:
        assert is_same_document(page), "htmx should have swapped the form, not reloaded the page"
        expect(last_name).to_be_focused()
    else:
        expect(page).to_have_url(re.compile(r"/register$"))


@pytest.mark.parametrize("login", ["provider@demo-pfdo.ru", "nobody@example.ru"],
                         ids=["wrong-password", "unknown-account"])
def test_wrong_credentials_are_refused_with_one_message(page: Page, problems, login):
    problems.expect_form_errors()
    log_in(page, login, "неверный-пароль-2026")

    expect(page.get_by_role("alert")).to_have_text(LOGIN_FAILED)
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_label("Электронная почта или телефон")).to_have_value(login)
    expect(page.get_by_label("Пароль", exact=True)).to_have_value("")


def test_parent_logs_in_with_phone_number_typed_differently(page: Page, live_app):
    parent = Registration(email=unique_email("telefon"))
    page.goto("/register")
    submit_registration(page, parent)
    complete_registration(page, live_app, parent)
    expect_cabinet_of(page, parent.full_name)
    page.get_by_role("button", name="Выйти").click()
    expect(page.get_by_role("alert")).to_contain_text("Вы вышли из системы")

    digits = re.sub(r"\D", "", parent.phone)
    log_in(page, "8" + digits[1:], parent.password)
    expect_cabinet_of(page, parent.full_name)


def test_admin_filters_users_and_finds_own_login_in_audit_log(page: Page, demo_password):
    log_in(page, "admin@demo-pfdo.ru", demo_password)
    expect(page).to_have_url(re.compile(r"/admin/users$"))  # the admin's workspace
    menu = page.get_by_role("navigation", name="Основное меню")

    menu.get_by_role("link", name="Пользователи").click()
    expect(page).to_have_url(re.compile(r"/admin/users$"))
    results = page.locator("#results")
    # 300 demo families and 4 staff: the count speaks Russian plurals, the list pages
    # (other tests of this session register more parents: 304 and up)
    expect(results).to_contain_text(re.compile(r"Найден\S* 3\d\d пользовател"))
    expect(results.get_by_role("navigation", name="Страницы")).to_be_visible()

    mark_document(page)
    page.get_by_label("Роль").select_option(label="Муниципальный координатор")
    expect(page).to_have_url(re.compile(r"/admin/users\?(.*&)?role=coordinator(&|$)"))
    expect(results).to_contain_text("Найден 1 пользователь")
    expect(results.get_by_role("row")).to_have_count(2)  # the header and Морозова
    expect(results).to_contain_text("Морозова Елена Викторовна")
    expect(results).not_to_contain_text("Кузнецова")
    assert is_same_document(page), "htmx should have updated #results without a page load"

    menu.get_by_role("link", name="Журнал действий").click()
    expect(page).to_have_url(re.compile(r"/admin/audit$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Журнал действий")
    own_login = (
        page.locator("#results tbody tr")
        .filter(has_text="admin@demo-pfdo.ru")
        .filter(has=page.get_by_role("cell", name="Вход", exact=True))
    )
    expect(own_login.first).to_be_visible()


#: (account, full name, role label, where the role lands, its heading, its menu item)
DEMO_CABINETS = [
    ("parent", "Кузнецова Анна Петровна", "Родитель (законный представитель)", "/cabinet",
     "Кузнецова Анна Петровна", "Личный кабинет"),
    ("provider", "Соколов Дмитрий Игоревич", "Сотрудник поставщика", "/provider",
     "Дом детского творчества", "Кабинет поставщика"),
    ("coordinator", "Морозова Елена Викторовна", "Муниципальный координатор", "/coordinator",
     "Кабинет координатора", "Кабинет координатора"),
    ("hotline", "Лебедева Ольга Сергеевна", "Оператор горячей линии", "/hotline",
     "Горячая линия", "Горячая линия"),
    ("admin", "Волков Андрей Николаевич", "Администратор", "/admin/users", "Пользователи",
     "Пользователи"),
]


@pytest.mark.parametrize(("account", "full_name", "role_label", "landing", "heading",
                          "menu_item"), DEMO_CABINETS, ids=[row[0] for row in DEMO_CABINETS])
def test_each_demo_role_lands_on_its_workspace(page: Page, demo_password, account, full_name,
                                               role_label, landing, heading, menu_item):
    log_in(page, f"{account}@demo-pfdo.ru", demo_password)

    expect(page).to_have_url(re.compile(re.escape(landing) + "$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    menu = page.get_by_role("navigation", name="Основное меню")
    expect(menu.get_by_role("link", name=menu_item)).to_be_visible()
    # the account's page, with the role, is a click on the name away
    short = full_name.split()[0] + " " + full_name.split()[1][0] + ". " + \
        full_name.split()[2][0] + "."
    page.get_by_role("link", name=re.compile(re.escape(short))).first.click()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(full_name)
    expect(page.get_by_text(role_label, exact=True)).to_be_visible()
