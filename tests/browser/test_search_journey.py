"""A guest searches the navigator as parents type (issue 14), at desktop and phone width: a
typo is corrected and the page says «Возможно, вы искали …», the Latin layout is read in
Russian, a person noun finds the activity, nonsense offers the directions instead of a bare
«нет»; nothing scrolls sideways and axe-core finds nothing serious."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import (
    DESKTOP,
    PHONE,
    assert_accessible,
    assert_nothing_scrolls_sideways,
    wait_for_htmx,
)


def _search(page: Page, words: str) -> None:
    box = page.get_by_label("Что ищем")
    box.fill(words)
    box.press("Enter")
    wait_for_htmx(page)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_guest_finds_chess_by_a_typo_a_layout_and_a_person(page: Page, viewport,
                                                              screenshots_dir):
    page.set_viewport_size(viewport)
    page.goto("/programs")
    _search(page, "шахмты")
    corrected = page.locator(".search-corrected")
    expect(corrected).to_contain_text("Возможно, вы искали: шахматы")
    expect(page.locator("#results .program-card .card-title").first).to_contain_text("Шахмат")
    assert_nothing_scrolls_sideways(page)
    assert_accessible(page)
    name = "desktop" if viewport is DESKTOP else "phone"
    page.screenshot(path=screenshots_dir / f"search-corrected-{name}.png", full_page=False)
    corrected.get_by_role("link", name="шахматы").click()
    expect(page).to_have_url(re.compile("q=%D1%88%D0%B0%D1%85%D0%BC%D0%B0%D1%82%D1%8B"))
    expect(page.locator(".search-corrected")).to_have_count(0)

    _search(page, "if[vfns")  # «шахматы» typed with the Latin layout on
    expect(page.locator(".search-corrected")).to_contain_text("шахматы")
    _search(page, "шахматист")
    expect(page.locator("#results .program-card .card-title").first).to_contain_text("Шахмат")


def test_nonsense_offers_the_directions(page: Page, screenshots_dir):
    page.goto("/programs")
    _search(page, "абырвалг")
    expect(page.get_by_text("По этим условиям программ нет.")).to_be_visible()
    suggestions = page.locator(".search-suggestions a")
    expect(suggestions.first).to_be_visible()
    assert suggestions.count() >= 3
    assert_accessible(page)
    page.screenshot(path=screenshots_dir / "search-nothing-desktop.png", full_page=False)
    suggestions.first.click()
    expect(page).to_have_url(re.compile("direction="))
    expect(page.locator("#results .program-card").first).to_be_visible()


def test_the_organisation_box_suggests_registry_names_as_one_types(page: Page):
    page.goto("/programs")
    box = page.get_by_label("Организация")
    box.fill("радуг")
    options = page.locator("#org-options option")
    expect(options.first).to_be_attached()
    names = options.evaluate_all("list => list.map(o => o.value)")
    assert names and all("Радуга" in name for name in names), names
    box.fill(names[0])
    box.press("Enter")
    wait_for_htmx(page)
    expect(page.locator("#filters-summary")).to_contain_text("Радуга")
    providers = page.locator("#results .program-card .card-body > p.mb-2 a")
    expect(providers.first).to_be_visible()
    assert set(providers.all_inner_texts()) == {names[0]}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_parent_picks_a_child_and_each_card_says_what_the_certificate_pays(
        watched_context, signed_in_state, viewport, screenshots_dir):
    context = watched_context(storage_state=signed_in_state("parent@demo-pfdo.ru"))
    page = context.new_page()
    page.set_viewport_size(viewport)
    page.goto("/programs")
    page.get_by_label("Подобрать для ребёнка").select_option(index=1)
    page.get_by_role("button", name="Подобрать", exact=True).click()
    expect(page).to_have_url(re.compile(r"/programs\?age=\d+"))
    assert "child" not in page.url
    expect(page.get_by_text(re.compile(r"Ребёнок: [^,]+, \d+ (год|года|лет)\."))).to_be_visible()
    share = page.locator("#results .certificate-share").first
    expect(share).to_be_visible()
    expect(share).to_contain_text(re.compile("Сертификат|По сертификату|Мест финансирования"))
    assert_nothing_scrolls_sideways(page)
    assert_accessible(page)
    name = "desktop" if viewport is DESKTOP else "phone"
    page.screenshot(path=screenshots_dir / f"search-for-child-{name}.png", full_page=False)
    page.get_by_role("link", name="Не подбирать").click()
    expect(page).to_have_url(re.compile(r"/programs$"))
    expect(page.locator("#results .certificate-share")).to_have_count(0)
