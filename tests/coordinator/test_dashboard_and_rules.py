"""The coordinator's dashboard and menu, and the public rules generated from the current period."""

from __future__ import annotations

import re
from datetime import date, timedelta

from pfdo.periods.services import Band
from tests import factories

NBSP = "\u00a0"


def text_of(html: str) -> str:
    """The page's text; no-break spaces (Babel puts them in money) are kept."""
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_the_coordinator_menu_leads_to_the_dashboard_queue_and_periods(client, login_as):
    login_as("coordinator")

    html = client.get("/coordinator").get_data(as_text=True)

    assert 'href="/coordinator" aria-current="page"' not in html  # attributes come first
    for label, url in (("Кабинет координатора", "/coordinator"),
                       ("Заявления", "/coordinator/applications"),
                       ("Периоды", "/coordinator/periods")):
        assert re.search(rf'href="{url}"><i class="bi [^"]+" aria-hidden="true"></i> {label}</a>',
                         html), label


def test_the_dashboard_shows_waiting_quota_budget_and_coverage(app, client, frozen_clock, make,
                                                               login_as):
    make.municipality(child_population=200)
    factories.period(app, quota=10)
    parent = make.user("parent")
    factories.application(app, parent, last_name="Ждущая")
    frozen_clock.advance(timedelta(days=5))
    certificate = factories.certificate(app, parent, last_name="Выданная")
    factories.financing(app, certificate)  # 17 456,00 × 10/12 on 15.03: 14 546,66 ₽
    login_as("coordinator")

    page = text_of(client.get("/coordinator").get_data(as_text=True))

    assert "1 ждёт рассмотрения" in page
    assert "самое давнее ждёт 5 дней" in page
    assert "1 из 10" in page and "осталось 9 мест" in page
    assert f"Бюджет 174{NBSP}560,00{NBSP}₽" in page
    assert f"Зачислено 14{NBSP}546,66{NBSP}₽" in page
    assert f"В резерве 0,00{NBSP}₽" in page and f"Оплачено 0,00{NBSP}₽" in page
    assert "0,5&nbsp;%" in page
    assert "1 ребёнок с сертификатом из 200" in page


def test_the_dashboard_without_a_period_offers_to_create_one(client, make, login_as):
    make.municipality(child_population=0)
    login_as("coordinator")

    html = client.get("/coordinator").get_data(as_text=True)

    assert "Текущий период финансирования не задан" in html
    assert 'href="/coordinator/periods/new"' in html
    assert "администратор указывает число детей" in html


def test_the_rules_page_shows_the_current_period(app, client, frozen_clock, make):
    make.municipality()
    factories.period(app, quota=100, budget=400_000_000,
                     bands=[Band(5, 9, 2_000_000)], free_program_limit=3,
                     provider_answer_days=5)
    factories.financing(app, factories.certificate(app, make.user("parent")))

    page = text_of(client.get("/rules").get_data(as_text=True))

    assert f"В 2026 году номинал сертификата — 17{NBSP}456,00{NBSP}₽" in page
    assert f"для детей 5–9 лет — 20{NBSP}000,00{NBSP}₽" in page
    assert "Сейчас осталось 99 мест на сертификаты ПФ из 100" in page
    assert "не более чем в 3 бесплатных программах" in page
    assert "в течение 5 рабочих дней" in page


def test_the_rules_use_the_right_plural_forms(app, client, frozen_clock, make):
    make.municipality()
    factories.period(app, quota=22, free_program_limit=1, provider_answer_days=1)
    factories.financing(app, factories.certificate(app, make.user("parent")))

    page = text_of(client.get("/rules").get_data(as_text=True))

    assert "осталось 21 место на сертификаты ПФ из 22" in page
    assert "не более чем в 1 бесплатной программе" in page
    assert "в течение 1 рабочего дня" in page


def test_the_rules_say_when_the_places_have_run_out(app, client, frozen_clock, make):
    make.municipality()
    factories.period(app, quota=1)
    factories.financing(app, factories.certificate(app, make.user("parent")))

    page = text_of(client.get("/rules").get_data(as_text=True))

    assert "Места на сертификаты ПФ закончились (всего 1 место)" in page
    assert "встать в очередь" in page


def test_the_rules_without_a_current_period_say_it_is_not_set(app, client, frozen_clock, make):
    make.municipality()
    factories.period(app, title="2027 год", starts_on=date(2027, 1, 1),
                     ends_on=date(2027, 12, 31))

    page = text_of(client.get("/rules").get_data(as_text=True))

    assert "Период финансирования на текущий год ещё не установлен" in page
    assert "номинал сертификата —" not in page
