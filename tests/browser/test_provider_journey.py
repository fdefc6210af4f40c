"""The provider's journey, with and without JavaScript: a new provider applies with its PDF
documents, the coordinator includes it in the registry, the provider writes a program with a
group and sends it to moderation, the coordinator publishes it, and a guest finds it in the
navigator by a word in another form and the child's age — and the copied address, opened anew
(with and without JavaScript), shows the same results. Then the provider changes the published
program: the guest keeps seeing the published version until the coordinator publishes the
changes, shown to the coordinator field by field."""

from __future__ import annotations

import re
import uuid
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.support import assert_accessible, unique_email, unique_phone
from tests.factories import inn12, ogrnip, pdf_bytes

PASSWORD = "тёплый-ветер-над-рекой-2026"  # noqa: S105 - a test account's password
COORDINATOR = "coordinator@demo-pfdo.ru"
TITLE_WORDS = ["Зубрёнок", "Медвежонок", "Барсучонок", "Бельчонок"]


def result_titles(page: Page) -> list[str]:
    """The titles of the navigator's result cards, in order."""
    return [t.strip() for t in page.locator("#results .program-card .card-title").all_inner_texts()]


@pytest.fixture(scope="module")
def pdf_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "устав.pdf"
    path.write_bytes(pdf_bytes())
    return path


def apply_as_provider(page: Page, name: str, email: str, pdf: Path) -> None:
    page.goto("/providers/apply")
    page.get_by_label("Организационно-правовая форма").select_option("ip")
    page.get_by_label("Полное наименование").fill(f"Индивидуальный предприниматель {name}")
    page.get_by_label("Краткое наименование").fill(f"ИП {name}")
    page.get_by_label("ИНН").fill(inn12(int(uuid.uuid4().int % 10**7)))
    page.get_by_label("ОГРН / ОГРНИП").fill(ogrnip(int(uuid.uuid4().int % 10**8)))
    page.get_by_label("Адрес", exact=True).fill("с. Ленинское, ул. Калинина, 12")
    page.get_by_label("Фамилия").fill("Кузнецова")
    page.get_by_label("Имя", exact=True).fill("Анна")
    page.get_by_label("Телефон").fill(unique_phone())
    page.get_by_label("Электронная почта").fill(email)
    page.locator("#charter_file").set_input_files(pdf)
    page.locator("#egrul_file").set_input_files(pdf)
    page.get_by_label("Пароль", exact=True).fill(PASSWORD)
    page.get_by_label("Пароль ещё раз").fill(PASSWORD)
    page.get_by_label("Я даю согласие на обработку персональных данных").check()
    page.get_by_role("button", name="Отправить заявку").click()
    expect(page.get_by_text("на рассмотрении").first).to_be_visible()


def approve_provider(page: Page, name: str) -> None:
    page.goto("/coordinator/providers")
    page.get_by_role("link", name=re.compile(re.escape(name))).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    page.get_by_role("button", name="Включить в реестр").click()
    expect(page.locator(".alert-success").first).to_be_visible()


def write_program(page: Page, title: str, pdf: Path) -> None:
    page.goto("/provider/programs/new")
    page.get_by_label("Название программы").fill(title)
    page.get_by_label("Направленность").select_option("technical")
    page.get_by_label("Описание").fill(
        "Собираем роботов из конструктора и учимся их программировать.")
    page.locator("#age_from").fill("7")
    page.locator("#age_to").fill("12")
    page.locator("#months").fill("6")
    page.locator("#hours_per_week").fill("2")
    page.get_by_label("по сертификату ПФ").check()
    page.get_by_label("Район").fill("с. Ленинское")
    page.get_by_label("Адрес занятий").fill("с. Ленинское, ул. Калинина, 12")
    page.get_by_label("Педагог").fill("Кузнецова Анна Викторовна")
    page.locator("#document").set_input_files(pdf)
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)

    page.get_by_role("link", name=re.compile("Добавить группу")).first.click()
    page.get_by_label("Название группы").fill("Группа выходного дня")
    page.locator("#capacity").fill("10")
    page.get_by_label("Начало занятий").fill(date(2026, 12, 1).isoformat())
    page.get_by_label("Окончание занятий").fill(date(2027, 5, 31).isoformat())
    page.get_by_label("Цена в месяц, ₽").fill("2 400")
    page.locator("#day1").select_option("5")
    page.locator("#start1").fill("11:00")
    page.locator("#end1").fill("12:30")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("Группа выходного дня").first).to_be_visible()

    page.get_by_role("button", name="Отправить на модерацию").click()
    expect(page.get_by_text("на модерации").first).to_be_visible()


def publish_program(page: Page, title: str) -> None:
    page.goto("/coordinator/programs")
    page.get_by_role("link", name=re.compile(re.escape(title))).first.click()
    page.get_by_role("button", name="Опубликовать").click()
    expect(page.locator(".alert-success").first).to_be_visible()


def change_published_program(page: Page, title: str, new_title: str) -> None:
    page.goto("/provider/programs")
    page.get_by_role("link", name=title, exact=True).click()
    page.get_by_role("link", name=re.compile("Изменить программу")).click()
    page.get_by_label("Название программы").fill(new_title)
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("Изменения отправлены координатору").first).to_be_visible()


def publish_changes(page: Page, title: str, new_title: str) -> None:
    page.goto("/coordinator/programs")
    page.get_by_role("link", name=re.compile(re.escape(title))).first.click()
    changes = page.locator("section", has_text="Что изменится после публикации")
    expect(changes.locator("del")).to_contain_text(title)
    expect(changes.locator("ins")).to_contain_text(new_title)
    page.get_by_role("button", name="Опубликовать изменения").click()
    expect(page.locator(".alert-success").first).to_contain_text("семьи видят новую версию")


def search_as_guest(page: Page, word: str, age: int, *, javascript: bool) -> None:
    page.goto("/programs")
    page.get_by_label("Что ищем").fill(word)
    page.get_by_label("Возраст ребёнка").fill(str(age))
    if javascript:
        # htmx updates the results and the address as the guest types, without a reload
        expect(page).to_have_url(re.compile(r"age=" + str(age)))
    else:
        page.get_by_role("button", name="Найти").click()
        expect(page).to_have_url(re.compile(r"age=" + str(age)))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_new_provider_publishes_a_program_a_guest_finds_it(
        watched_context, signed_in_state, demo_password, pdf_file, screenshots_dir,
        javascript: bool) -> None:
    name = f"Кузнецова А. В. {uuid.uuid4().hex[:4]}"
    marker = TITLE_WORDS[0 if javascript else 1]
    title = f"Робототехника «{marker}» {uuid.uuid4().hex[:4]}"

    provider_context: BrowserContext = watched_context(java_script_enabled=javascript)
    provider = provider_context.new_page()
    apply_as_provider(provider, name, unique_email("ip"), pdf_file)

    coordinator_context = watched_context(java_script_enabled=javascript,
                                          storage_state=signed_in_state(COORDINATOR))
    coordinator = coordinator_context.new_page()
    approve_provider(coordinator, name)

    provider.goto("/provider")
    expect(provider.get_by_text("в реестре").first).to_be_visible()
    write_program(provider, title, pdf_file)
    publish_program(coordinator, title)

    guest = watched_context(java_script_enabled=javascript).new_page()
    # «зубрёнка» is another form of «Зубрёнок»: the stemmer finds it
    word = {"Зубрёнок": "зубрёнка", "Медвежонок": "медвежонка"}[marker]
    search_as_guest(guest, word, 9, javascript=javascript)
    expect(guest.locator("#results")).to_contain_text(title)
    found = result_titles(guest)
    assert title in found
    shared_url = guest.url
    assert "q=" in shared_url and "age=9" in shared_url
    guest.screenshot(path=screenshots_dir / f"journey-navigator-{'js' if javascript else 'nojs'}"
                     ".png", full_page=True)

    # Too young for the program: the age filter excludes it
    guest.goto(shared_url.replace("age=9", "age=5"))
    expect(guest.locator("#results")).not_to_contain_text(title)

    # The copied address, opened anew with and without JavaScript, shows the same results
    for js in (True, False):
        fresh = watched_context(java_script_enabled=js).new_page()
        fresh.goto(shared_url)
        expect(fresh.locator("#results")).to_contain_text(title)
        assert result_titles(fresh) == found
        expect(fresh.get_by_label("Что ищем")).to_have_value(word)
        expect(fresh.get_by_label("Возраст ребёнка")).to_have_value("9")

    # The program page from the result, with the group's schedule and price
    guest.goto(shared_url)
    guest.get_by_role("link", name=title).first.click()
    expect(guest.get_by_role("heading", level=1)).to_contain_text(title)
    expect(guest.get_by_text("ИП " + name).first).to_be_visible()
    expect(guest.locator("body")).to_contain_text(re.compile(r"2[\s\u00a0]400,00[\s\u00a0]₽"))
    if javascript:  # axe runs in the page: it needs JavaScript
        assert_accessible(guest)

    # The provider changes the published program; the guest sees the published version until
    # the coordinator publishes the changes
    program_url = guest.url
    new_title = f"{title}: новая версия"
    change_published_program(provider, title, new_title)
    guest.goto(program_url)
    expect(guest.get_by_role("heading", level=1)).to_have_text(title)
    publish_changes(coordinator, title, new_title)
    guest.goto(program_url)
    expect(guest.get_by_role("heading", level=1)).to_have_text(new_title)
