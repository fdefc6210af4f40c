"""A family's deletion request through the real pages (issue 13): the demo parent reads what a
deletion does, is stopped until the box is ticked, sends the request and takes it back; the
coordinator finds the waiting requests from the dashboard, opens one, is stopped until the
deletion is confirmed, and carries it out."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.support import assert_accessible, log_in


def test_parent_asks_to_delete_the_familys_data_and_cancels(page: Page, demo_password: str,
                                                            problems):
    problems.expect_form_errors()
    log_in(page, "parent@demo-pfdo.ru", demo_password)
    expect(page.get_by_role("button", name="Выйти").first).to_be_attached()
    page.goto("/account")
    page.get_by_role("link", name="Удалить данные семьи").click()
    expect(page.get_by_role("heading", name="Что произойдёт")).to_be_visible()
    expect(page.locator(".delete-what")).to_contain_text("Договоры будут расторгнуты")
    page.get_by_label("Комментарий для координатора (необязательно)").fill("Переезжаем")
    page.get_by_role("button", name="Отправить запрос на удаление").click()
    expect(page.get_by_text("Подтвердите, что понимаете, что произойдёт")).to_be_visible()
    expect(page.get_by_label("Комментарий для координатора (необязательно)")).to_have_value(
        "Переезжаем")
    assert_accessible(page)
    page.get_by_label("Я понимаю, что договоры будут расторгнуты").check()
    page.get_by_role("button", name="Отправить запрос на удаление").click()
    expect(page.get_by_text("Запрос на удаление данных отправлен")).to_be_visible()
    expect(page.locator(".deletion-state")).to_contain_text("Координатор удалит данные не позднее")
    page.get_by_role("button", name="Отменить запрос на удаление").click()
    expect(page.get_by_text("Запрос на удаление данных отменён")).to_be_visible()
    expect(page.get_by_role("link", name="Удалить данные семьи")).to_be_visible()


def test_coordinator_carries_out_a_waiting_request(page: Page, demo_password: str, problems):
    problems.expect_form_errors()
    log_in(page, "coordinator@demo-pfdo.ru", demo_password)
    expect(page.get_by_role("button", name="Выйти").first).to_be_attached()
    page.goto("/coordinator")
    expect(page.locator("#deletions-due")).to_be_visible()  # the demo's 27-day-old request
    page.get_by_role("link", name="Запросы на удаление данных семьи").click()
    expect(page.get_by_role("heading", name="Запросы на удаление данных")).to_be_visible()
    rows = page.locator(".deletions-table tbody tr")
    expect(rows.first).to_contain_text("осталось")
    # the later of the demo's two requests (its family has no contract with the demo provider,
    # whose journey comes later)
    rows.last.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Что будет сделано")).to_be_visible()
    expect(page.get_by_text("Просмотр записан в журнал доступа")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Удалить данные семьи").click()
    expect(page.get_by_text("Подтвердите удаление: его нельзя отменить")).to_be_visible()
    page.get_by_label("Подтверждаю: данные семьи будут удалены безвозвратно").check()
    page.get_by_role("button", name="Удалить данные семьи").click()
    expect(page.get_by_text("Данные семьи удалены: договоры расторгнуты")).to_be_visible()
    expect(page.locator(".deletion-result")).to_contain_text("расторгнуто договоров")
