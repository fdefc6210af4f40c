"""A parent on a phone, from the search on the home page to what the certificate pays: the first
result is on the first screen, the filters fold under a summary, the group's price and free
seats and the months of the breakdown read without sideways scrolling, axe-core finds nothing
serious at any step. Also at desktop width, and on a phone without JavaScript. And: Enter in a
live-search form sends one request; the direction tiles break words only where Russian does."""

from __future__ import annotations

import calendar
import re
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from pfdo import clock
from pfdo.municipality import services as municipality
from tests import factories
from tests.browser.support import (
    DESKTOP,
    PHONE,
    assert_accessible,
    assert_nothing_scrolls_sideways,
    is_same_document,
    mark_document,
    wait_for_htmx,
)
from tests.factories import Factories

COORDINATOR = "coordinator@demo-pfdo.ru"
ADMIN = "admin@demo-pfdo.ru"
WORDS = "робот луноход"  # «робот» finds «Робототехника»; «луноход» finds only this program


@dataclass(frozen=True)
class Family:
    email: str
    child_name: str
    program_title: str
    group_name: str


def _month_end(day: date, months_ahead: int) -> date:
    year, month = divmod(day.month - 1 + months_ahead, 12)
    year, month = day.year + year, month + 1
    return date(year, month, calendar.monthrange(year, month)[1])


@pytest.fixture(scope="module")
def family(live_app: Flask, demo_password: str) -> Family:
    """A parent of Ферапонт, 9 years old, with a financing certificate, and a published
    certificate-funded program for his age with a group that runs from this month."""
    with live_app.app_context():
        today = clock.today(municipality.timezone())
    email = f"lunokhod-{uuid.uuid4().hex[:8]}@example.ru"
    parent = Factories(live_app).user("parent", email=email, password=demo_password,
                                      last_name="Смирнова", first_name="Ольга")
    born = date(today.year - 9, 3, 10) if today >= date(today.year, 3, 10) \
        else date(today.year - 10, 3, 10)
    certificate = factories.certificate(live_app, parent, last_name="Смирнов",
                                        first_name="Ферапонт", middle_name="Ильич",
                                        sex="male", birth_date=born)
    factories.financing(live_app, certificate)
    provider = factories.provider(live_app, short_name="ЦДТ «Спутник»",
                                  full_name="Центр детского творчества «Спутник»")
    program = factories.program(live_app, provider, title="Робототехника: луноход",
                                age_from=7, age_to=12,
                                description="Собираем луноход из конструктора и учим его "
                                            "ездить по заданной программе.")
    factories.group(live_app, program, name="Группа «Орбита»", capacity=15, seats_taken=4,
                    price=310_000, starts_on=today.replace(day=1),
                    ends_on=_month_end(today, 5), weekdays=(1, 3))
    return Family(email, "Ферапонт Смирнов", program.title, "Группа «Орбита»")


def step(page: Page, folder: Path, name: str, *, javascript: bool) -> None:
    """What every step must hold: nothing scrolls sideways, axe finds nothing serious (axe runs
    in the page: it needs JavaScript); and a screenshot of the screen as the parent sees it."""
    page.screenshot(path=folder / f"{name}.png")
    assert_nothing_scrolls_sideways(page)
    if javascript:
        assert_accessible(page)


def assert_on_first_screen(page: Page, element: Locator) -> None:
    box = element.bounding_box()
    viewport = page.viewport_size
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], (
        f"{box} is not within the first {viewport['height']}px")
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]


def assert_within_width(page: Page, element: Locator) -> None:
    element.scroll_into_view_if_needed()
    expect(element).to_be_visible()
    box = element.bounding_box()
    assert box is not None and box["x"] >= 0
    assert box["x"] + box["width"] <= page.viewport_size["width"], box


CASES = {"phone": (PHONE, True), "phone-no-js": (PHONE, False), "desktop": (DESKTOP, True)}


@pytest.mark.parametrize("case", CASES)
def test_a_parent_goes_from_search_to_the_price_breakdown(watched_context, signed_in_state,
                                                          problems, screenshots_dir, family,
                                                          case):
    viewport, javascript = CASES[case]
    page = watched_context(viewport=viewport, java_script_enabled=javascript,
                           storage_state=signed_in_state(family.email)).new_page()
    shot = f"journey-{case}"

    # 1. The home page: search by a word and the child's age.
    page.goto("/")
    step(page, screenshots_dir, f"{shot}-1-home", javascript=javascript)
    search = page.get_by_role("search", name="Поиск кружков и секций")
    search.get_by_label("Найти кружок или секцию").fill(WORDS)
    search.get_by_label("Возраст").fill("9")
    search.get_by_role("button", name="Найти").click()

    # 2. The results: the first one on the first screen; on a phone the filters are folded
    # under their summary, on a desktop they are open.
    expect(page).to_have_url(re.compile(r"/programs\?q="))
    first = page.locator("#results .program-card").first
    expect(first.locator(".card-title")).to_have_text(family.program_title)
    # the whole card on a phone; on a desktop, under the open filters, at least its title —
    # measured once the stylesheets have applied (before, the unstyled menu pushes it down)
    page.wait_for_load_state("load")
    assert_on_first_screen(page, first if viewport is PHONE else first.locator(".card-title"))
    summary = page.locator(".filters-fold-summary")
    age = page.get_by_label("Возраст ребёнка")
    if viewport is PHONE:
        expect(summary).to_contain_text("Фильтры: 9 лет")
        expect(summary).to_contain_text("изменить")
        expect(age).to_be_hidden()
    else:
        expect(summary).to_be_hidden()
        expect(age).to_be_visible()
        expect(age).to_have_value("9")
    step(page, screenshots_dir, f"{shot}-2-results", javascript=javascript)
    if viewport is PHONE:
        summary.click()  # the fold opens without JavaScript too
        expect(age).to_be_visible()
        expect(age).to_have_value("9")
        expect(summary).to_contain_text("свернуть")
        step(page, screenshots_dir, f"{shot}-3-filters-open", javascript=javascript)
        summary.click()
        expect(age).to_be_hidden()

    # 3. The program: the group's price and free seats, in sight without sideways scrolling.
    first.get_by_role("link", name=family.program_title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(family.program_title)
    group = page.locator(".groups-table tbody tr").filter(has_text=family.group_name)
    price = group.locator("td").filter(has_text=re.compile(r"3[\s\u00a0]100,00[\s\u00a0]₽"))
    seats = group.locator("td").filter(has_text="11 мест из 15")
    assert_within_width(page, price)
    assert_within_width(page, seats)
    step(page, screenshots_dir, f"{shot}-4-program", javascript=javascript)

    # 4. The child picked: what the certificate pays, month by month.
    pricing = page.locator("#pricing")
    if javascript:  # the choice is sent at once; read the breakdown only once it is swapped in
        with page.expect_response(lambda response: "child=" in response.url):
            pricing.get_by_label("Ребёнок").select_option(label=family.child_name)
        wait_for_htmx(page)
    else:
        pricing.get_by_label("Ребёнок").select_option(label=family.child_name)
        pricing.get_by_role("button", name="Рассчитать").click()
    pricing = page.locator("#pricing")
    breakdown = pricing.locator(".group-price").filter(has_text=family.group_name)
    expect(breakdown).to_contain_text(re.compile(r"3[\s\u00a0]100,00[\s\u00a0]₽"))
    for fold in breakdown.locator("details:not([open]) > summary").all():
        fold.click()
    months = breakdown.locator("table tbody tr")
    expect(months.first).to_be_visible()
    assert months.count() >= 1
    for row in months.all():
        assert_within_width(page, row)
        expect(row).to_contain_text("₽")
    pricing.scroll_into_view_if_needed()
    step(page, screenshots_dir, f"{shot}-5-breakdown", javascript=javascript)
    page.screenshot(path=screenshots_dir / f"{shot}-6-breakdown-page.png", full_page=True)
    problems.assert_none()


LIVE_FORMS = [
    ("/programs", None, "Что ищем", "робот"),
    ("/coordinator/applications", COORDINATOR, "Поиск", "Иванова"),
    ("/admin/users", ADMIN, "Поиск", "demo"),
]


@pytest.mark.parametrize(("path", "account", "label", "words"), LIVE_FORMS,
                         ids=[f[0] for f in LIVE_FORMS])
def test_enter_in_a_live_search_form_sends_one_request(watched_context, signed_in_state, path,
                                                       account, label, words):
    options = {"storage_state": signed_in_state(account)} if account else {}
    page = watched_context(viewport=PHONE, **options).new_page()
    page.goto(path)
    mark_document(page)
    sent = []
    page.on("request", lambda request: sent.append(request.resource_type)
            if urlparse(request.url).path == path else None)

    field = page.get_by_label(label, exact=True)
    field.press_sequentially(words, delay=20)  # faster than the form's pause before a search
    field.press("Enter")
    expect(page).to_have_url(re.compile(r"q="))
    page.wait_for_timeout(1000)  # long past the pause: a late second request would be here

    assert sent == ["xhr"]
    assert is_same_document(page)  # no full page load raced the htmx request


@pytest.mark.parametrize("width", [320, 390])
def test_direction_tiles_break_words_only_where_russian_allows(watched_context, screenshots_dir,
                                                               width):
    page = watched_context(viewport={"width": width, "height": 844}).new_page()
    page.goto("/")
    tiles = page.locator(".direction-tile-title")
    expect(tiles).to_have_count(6)
    page.locator(".direction-tiles").screenshot(path=screenshots_dir / f"tiles-{width}.png")
    for tile in tiles.all():
        breaks = tile.evaluate(_LINE_BREAKS)
        shown = tile.inner_text()
        bad = [f"{before}|{after}" for before, after in breaks
               if not (before.endswith((" ", "-", "\u00ad")))]
        assert not bad, f"{shown!r} is broken mid-word at {bad}"
        assert tile.evaluate("el => el.scrollWidth <= el.clientWidth"), shown


# For each line break inside the element's text: (the text before it, the text after it).
_LINE_BREAKS = """
(el) => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const chars = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.textContent.length; i++) chars.push([node, i]);
  }
  const text = chars.map(([node, i]) => node.textContent[i]).join("");
  const range = document.createRange();
  const breaks = [];
  let lastTop = null;
  chars.forEach(([node, i], k) => {
    range.setStart(node, i);
    range.setEnd(node, i + 1);
    // the last box: Chromium gives the first letter after a soft-hyphen break two, the
    // first of them still on the line before
    const rects = range.getClientRects();
    const rect = rects[rects.length - 1];
    if (!rect || rect.width === 0) return;  // a soft hyphen that did not break
    if (lastTop !== null && rect.top > lastTop + 2) breaks.push([text.slice(0, k), text.slice(k)]);
    lastTop = rect.top;
  });
  return breaks;
}
"""
