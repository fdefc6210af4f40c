"""axe-core (WCAG 2.1 A/AA) on every page at desktop and phone widths, with no CSP violation,
no horizontal scrolling and a full-page screenshot of each in test-results/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import PHONE, VIEWPORTS, assert_accessible

# (path, demo account signed in or None, screenshot name)
PAGES = [
    ("/", None, "home"),
    ("/login", None, "login"),
    ("/register", None, "register"),
    ("/rules", None, "rules"),
    ("/contacts", None, "contacts"),
    ("/privacy", None, "privacy"),
    ("/cabinet", "parent@demo-pfdo.ru", "cabinet"),
    ("/admin/users", "admin@demo-pfdo.ru", "admin-users"),
    ("/admin/audit", "admin@demo-pfdo.ru", "admin-audit"),
    ("/admin/municipality", "admin@demo-pfdo.ru", "admin-municipality"),
]


def screenshot(page: Page, folder: Path, name: str, width: str) -> None:
    page.screenshot(path=folder / f"{name}-{width}.png", full_page=True)


def assert_no_horizontal_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def open_page(watched_context, signed_in_state, width: str, account: str | None) -> Page:
    options = {"viewport": VIEWPORTS[width]}
    if account:
        options["storage_state"] = signed_in_state(account)
    return watched_context(**options).new_page()


@pytest.mark.parametrize("width", VIEWPORTS)
@pytest.mark.parametrize(("path", "account", "name"), PAGES, ids=[p[2] for p in PAGES])
def test_page_is_accessible(watched_context, signed_in_state, problems, screenshots_dir, path,
                            account, name, width):
    page = open_page(watched_context, signed_in_state, width, account)
    response = page.goto(path)
    assert response is not None and response.status == 200, (
        f"{path} answered {response and response.status}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    screenshot(page, screenshots_dir, name, width)
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    problems.assert_none()


@pytest.mark.parametrize("width", VIEWPORTS)
def test_registration_errors_are_accessible(watched_context, signed_in_state, problems,
                                            screenshots_dir, width):
    problems.expect_form_errors()
    page = open_page(watched_context, signed_in_state, width, None)
    page.goto("/register")
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page.locator("#last_name-error")).to_have_text("Укажите фамилию")

    screenshot(page, screenshots_dir, "register-errors", width)
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    problems.assert_none()


def test_phone_menu_collapses_and_footer_shows_hotline(watched_context):
    page = watched_context(viewport=PHONE).new_page()
    page.goto("/")
    toggler = page.get_by_role("button", name="Открыть меню")
    menu = page.locator("#main-nav")

    expect(toggler).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    toggler.click()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link", name="Правила")).to_be_visible()
    expect(menu.get_by_role("link", name="Регистрация")).to_be_visible()

    hotline = page.get_by_role("contentinfo").get_by_role("link", name="+7 (42663) 2-14-35")
    expect(hotline).to_be_visible()
    expect(hotline).to_have_attribute("href", re.compile(r"^tel:\+74266321435$"))
