"""Downloads through the real pages (issue 13): the demo parent downloads the family's data,
the coordinator filters the contracts by provider and downloads them as XLSX, and opens the
dashboard with its charts drawn."""

from __future__ import annotations

import json
import re
import zipfile

import openpyxl
from playwright.sync_api import Page, expect

from tests.browser.support import assert_accessible, log_in


def test_parent_downloads_the_familys_data(page: Page, demo_password: str, tmp_path):
    log_in(page, "parent@demo-pfdo.ru", demo_password)
    expect(page.get_by_role("button", name="Выйти").first).to_be_attached()
    page.goto("/account")
    with page.expect_download() as info:
        page.get_by_role("link", name="Скачать данные семьи").click()
    path = tmp_path / "family.zip"
    info.value.save_as(path)
    archive = zipfile.ZipFile(path)
    data = json.loads(archive.read("данные-семьи.json"))
    assert data["account"]["email"] == "parent@demo-pfdo.ru"
    assert data["children"] and any(c["certificate"] for c in data["children"])
    assert "Данные семьи" in archive.read("данные-семьи.html").decode()


def test_coordinator_filters_contracts_by_provider_and_downloads_xlsx(
        page: Page, demo_password: str, tmp_path):
    log_in(page, "coordinator@demo-pfdo.ru", demo_password)
    expect(page.get_by_role("button", name="Выйти").first).to_be_attached()
    page.goto("/coordinator")
    expect(page.get_by_role("heading", name="Что ждёт решения")).to_be_visible()
    expect(page.locator("#directions-chart")).to_be_visible()
    # Chart.js has drawn: the canvas got its pixel size from the library
    page.wait_for_function("document.querySelector('#directions-chart').width > 0")
    assert_accessible(page)

    page.goto("/coordinator/contracts")
    provider = page.get_by_label("Поставщик")
    options = provider.locator("option").all_inner_texts()
    chosen = next(o for o in options if o.strip() and o.strip() != "Все")
    with page.expect_response(lambda r: "/coordinator/contracts" in r.url):
        provider.select_option(label=chosen)
    expect(page).to_have_url(re.compile(r"provider=\d+"))
    count_text = page.locator("#results > p.text-body-secondary").first.inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name="Скачать XLSX").click()
    # the page says when the server has written the file (a cookie from the response)
    expect(page.locator(".xlsx-note")).to_have_text("Файл готов: он в загрузках браузера.")
    assert "download_token=" in info.value.url
    path = tmp_path / "contracts.xlsx"
    info.value.save_as(path)
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))[1:]
    assert rows and all(row[2] == chosen for row in rows)
    shown = int("".join(ch for ch in count_text if ch.isdigit()))
    assert len(rows) == shown
