"""The certificate's journey: a parent adds a child and applies, the coordinator confirms, the
parent converts the record certificate into a financing one, prints the extract on one page and
anyone can check the number. And the child form's errors, with and without JavaScript."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from pfdo import clock
from pfdo.children.validation import format_snils, snils_check_number
from pfdo.municipality import services as municipality
from tests.browser.support import (
    Registration,
    assert_accessible,
    complete_registration,
    expect_cabinet_of,
    is_same_document,
    log_in,
    mark_document,
    submit_registration,
)

# Babel groups digits with a no-break space: «17 456,00 ₽».
FULL_NOMINAL = re.compile(r"^17[\s\u00a0]456,00[\s\u00a0]₽$")
CERTIFICATE_NUMBER = re.compile(r"№ (79 \d\d \d{5} \d)")  # grouped as it is built, everywhere
SNILS_CHECKSUM = "Контрольное число СНИЛС не сходится: проверьте цифры"


def unique_snils() -> str:
    """A checksum-valid СНИЛС no other child of this session has, as people type it."""
    body = f"{int(uuid.uuid4().hex[:8], 16) % 900_000_000 + 99_000_000:09d}"
    return format_snils(body + f"{snils_check_number(body):02d}")


def wrong_checksum(snils: str) -> str:
    last_two = int(snils[-2:])
    return snils[:-2] + f"{(last_two + 1) % 100:02d}"


@dataclass(frozen=True)
class ChildData:
    birth_date: date
    last_name: str = "Снегирёва"
    first_name: str = "Варвара"
    middle_name: str = "Алексеевна"
    sex: str = "женский"
    document_series: str = "II-АБ"
    document_number: str = "514263"
    snils: str = field(default_factory=unique_snils)
    address: str = "Еврейская автономная область, с. Ленинское, ул. Школьная, д. 7, кв. 2"

    @property
    def full_name(self) -> str:
        return f"{self.last_name} {self.first_name} {self.middle_name}"


def submit_child(page: Page, child: ChildData) -> None:
    """Fill /children/new by the labels a parent sees, then save."""
    page.get_by_label("Фамилия").fill(child.last_name)
    page.get_by_label("Имя", exact=True).fill(child.first_name)
    page.get_by_label("Отчество (если есть)").fill(child.middle_name)
    page.get_by_label("Дата рождения").fill(child.birth_date.isoformat())
    page.get_by_label(child.sex, exact=True).check()
    page.get_by_label("Документ", exact=True).select_option(label="Свидетельство о рождении")
    page.get_by_label("Серия").fill(child.document_series)
    page.get_by_label("Номер", exact=True).fill(child.document_number)
    page.get_by_label("СНИЛС ребёнка").fill(child.snils)
    page.get_by_label("Адрес проживания").fill(child.address)
    page.get_by_role("button", name="Сохранить").click()


def pdf_page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.fixture
def start_of_year(live_app: Flask) -> Iterator[datetime]:
    """The server's clock at 12 January of the demo period's year (its current year): a
    conversion now is not pro-rated. The server runs in this process, so it sees the freeze."""
    with live_app.app_context():
        year = clock.today(municipality.timezone()).year
    moment = datetime(year, 1, 12, 3, 0, tzinfo=UTC)  # 13:00 in Asia/Vladivostok
    clock.set_frozen(moment)
    try:
        yield moment
    finally:
        clock.set_frozen(None)


def test_child_gets_certificate_and_full_nominal_and_extract_prints_on_one_page(
    watched_context, live_app, demo_password, screenshots_dir, start_of_year
):
    # Logged in only after the freeze: the session's idle timeout reads the same clock.
    year = start_of_year.year
    child = ChildData(birth_date=start_of_year.date().replace(year=year - 9) - timedelta(days=40))
    parent = Registration(last_name="Снегирёва", first_name="Мария", middle_name="Петровна")

    # The parent registers, adds the child and applies.
    family = watched_context().new_page()
    family.goto("/register")
    submit_registration(family, parent)
    complete_registration(family, live_app, parent)
    expect_cabinet_of(family, parent.full_name)
    family.get_by_role("link", name="Добавить ребёнка").click()
    expect(family.get_by_role("heading", level=1)).to_have_text("Добавить ребёнка")
    submit_child(family, child)

    expect(family).to_have_url(re.compile(r"/children/\d+$"))
    expect(family.get_by_role("heading", level=1)).to_have_text(child.full_name)
    expect(family.get_by_role("alert")).to_contain_text("Варвара добавлена")
    assert_accessible(family)  # the application form: no demo child shows it
    family.get_by_label("Я, законный представитель, даю согласие на обработку персональных "
                        "данных ребёнка").check()
    family.get_by_role("button", name="Подать заявление на сертификат").click()
    expect(family.get_by_role("status").filter(has_text="Заявление на рассмотрении")
           ).to_be_visible()

    # The coordinator finds the application by the child's surname and confirms it.
    office = watched_context().new_page()
    log_in(office, "coordinator@demo-pfdo.ru", demo_password)
    expect(office).to_have_url(re.compile(r"/coordinator$"))  # the coordinator's dashboard
    office.get_by_role("navigation", name="Основное меню").get_by_role(
        "link", name="Заявления").click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Заявления на сертификаты")
    office.wait_for_load_state("load")  # htmx (deferred) listens before the typing starts
    office.get_by_role("searchbox", name="Поиск").fill(child.last_name.lower())  # htmx
    results = office.locator("#results")
    expect(results).to_contain_text("Найдено 1 заявление")
    results.get_by_role("link", name="Рассмотреть заявление: Снегирёва В. А.").click()

    expect(office.get_by_role("heading", level=1)).to_have_text(
        f"Заявление на сертификат: {child.full_name}")
    expect(office.get_by_text(child.snils, exact=True)).to_be_visible()
    office.get_by_role("button", name="Подтвердить и выдать сертификат").click()
    expect(office).to_have_url(re.compile(r"/coordinator/applications$"))
    expect(office.get_by_role("alert")).to_contain_text(
        re.compile(r"Сертификат № 79 05 \d{5} \d выдан: Снегирёва В\. А\."))

    # The parent sees the number and converts the record certificate into a financing one.
    family.goto("/cabinet")
    number_link = family.get_by_role("region", name="Мои дети").get_by_role(
        "link", name=CERTIFICATE_NUMBER)
    expect(number_link).to_be_visible()
    shown = CERTIFICATE_NUMBER.search(number_link.inner_text()).group(1)
    number = shown.replace(" ", "")
    assert number.startswith("7905"), number
    number_link.click()

    expect(family.get_by_role("heading", level=1)).to_have_text(f"Сертификат № {shown}")
    expect(family.get_by_text(f"{child.full_name} · сертификат учёта")).to_be_visible()
    family.get_by_role("link", name="Перевести в сертификат ПФ…").click()

    # The preview says what will be credited before anything is spent.
    expect(family.get_by_role("heading", level=1)).to_have_text(
        "Перевод в сертификат персонифицированного финансирования")
    expect(family.locator(".financing-credit")).to_contain_text(
        re.compile(rf"За январь–декабрь {year} \(12 мес\.\) — 17[\s\u00a0]456,00"))
    family.screenshot(path=screenshots_dir / "financing-preview.png", full_page=True)
    family.get_by_role("button", name=re.compile(r"^Перевести и зачислить 17")).click()

    expect(family.get_by_role("alert")).to_contain_text("сертификат переведён в сертификат ПФ")
    expect(family.get_by_text(
        f"{child.full_name} · сертификат персонифицированного финансирования")).to_be_visible()
    available = family.locator(".balance-cards .card").filter(
        has=family.get_by_text("Доступно", exact=True))
    expect(available.locator(".balance-available")).to_have_text(FULL_NOMINAL)
    top_up = family.get_by_role("row").filter(has_text=f"Пополнение сертификата на {year} год")
    expect(top_up).to_have_count(1)
    expect(top_up.get_by_role("cell").nth(2)).to_have_text(re.compile(r"^\+17[\s\u00a0]456,00"))
    expect(top_up.get_by_role("cell").last).to_have_text(FULL_NOMINAL)
    expect(family.get_by_role("link", name="Перевести в сертификат ПФ…")).to_have_count(0)

    # The extract: the QR code is loaded and the page prints on one A4 sheet.
    family.get_by_role("link", name="Выписка для печати").click()
    expect(family.get_by_role("heading", level=1)).to_have_text(
        "Выписка по сертификату дополнительного образования")
    qr = family.get_by_role("img", name="QR-код для проверки сертификата")
    expect(qr).to_be_visible()
    family.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    verify_caption = family.locator("figcaption", has_text="Проверка:")
    expect(verify_caption).to_contain_text(f"/verify/{number}")
    family.emulate_media(media="print")
    expect(family.get_by_role("link", name="Назад")).to_be_hidden()
    family.screenshot(path=screenshots_dir / "extract-print.png", full_page=True)
    pdf = family.pdf(prefer_css_page_size=True, print_background=True)  # @page: A4, 15 mm
    assert pdf.startswith(b"%PDF"), "page.pdf() did not produce a PDF"
    assert re.search(rb"/MediaBox\s*\[0 0 59[45]\.\d+ 84[12]\.\d+\]", pdf), "not an A4 page"
    assert pdf_page_count(pdf) == 1, f"the extract prints on {pdf_page_count(pdf)} pages"

    # Anyone with the number learns that the certificate is valid, and nothing about the child.
    stranger = watched_context().new_page()
    stranger.goto(f"/verify/{number}")
    expect(stranger.get_by_role("status")).to_contain_text("Сертификат действителен")
    expect(stranger.get_by_role("status")).to_contain_text(
        "Сертификат персонифицированного финансирования")
    text = stranger.locator("body").inner_text()
    for personal in (child.last_name, child.first_name, child.middle_name, child.snils,
                     child.address, parent.email):
        assert personal not in text, f"/verify/{number} shows «{personal}»"
    main = stranger.get_by_role("main").inner_text()
    assert not re.search(r"\d{2}\.\d{2}\.\d{4}", main), "a date derived from the child"


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_child_form_errors_are_shown_beside_fields_and_input_is_kept(
    watched_context, signed_in_state, problems, javascript
):
    problems.expect_form_errors()
    page = watched_context(java_script_enabled=javascript,
                           storage_state=signed_in_state("parent@demo-pfdo.ru")).new_page()
    typed = ChildData(birth_date=date(2016, 3, 14), last_name="Snegireva",
                      snils=wrong_checksum(unique_snils()))

    page.goto("/children/new")
    if javascript:
        mark_document(page)
    submit_child(page, typed)

    expect(page.locator("#snils-error")).to_have_text(SNILS_CHECKSUM)
    expect(page.locator("#last_name-error")).to_have_text(
        "Только русские буквы, пробел, дефис или апостроф")
    expect(page.get_by_role("alert")).to_have_text("Проверьте поля, отмеченные красным.")

    snils = page.get_by_label("СНИЛС ребёнка")
    expect(snils).to_have_attribute("aria-invalid", "true")
    expect(snils).to_have_attribute("aria-describedby", "snils-hint snils-error")
    expect(page.get_by_label("Имя", exact=True)).not_to_have_attribute("aria-invalid", "true")

    # Everything typed stays.
    expect(page.get_by_label("Фамилия")).to_have_value("Snegireva")
    expect(page.get_by_label("Имя", exact=True)).to_have_value(typed.first_name)
    expect(page.get_by_label("Отчество (если есть)")).to_have_value(typed.middle_name)
    expect(page.get_by_label("Дата рождения")).to_have_value("2016-03-14")
    expect(page.get_by_label(typed.sex, exact=True)).to_be_checked()
    expect(page.get_by_label("Серия")).to_have_value(typed.document_series)
    expect(snils).to_have_value(typed.snils)
    expect(page.get_by_label("Адрес проживания")).to_have_value(typed.address)

    if javascript:
        assert is_same_document(page), "htmx should have swapped the form, not reloaded the page"
        expect(page.get_by_label("Фамилия")).to_be_focused()
    else:
        expect(page).to_have_url(re.compile(r"/children/new$"))
