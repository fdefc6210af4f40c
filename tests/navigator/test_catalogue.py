"""The public catalogue: filters, words, sorting, pages, visibility, htmx, query count."""

from __future__ import annotations

import re
from datetime import date, time

import pytest

from tests import factories
from tests.queries import count_queries


def titles(html: str) -> list[str]:
    """The program titles on the page's cards, in order."""
    return re.findall(r'<h3 class="h5 card-title"><a href="/programs/\d+">([^<]+)</a>', html)


def page(client, **params):
    response = client.get("/programs", query_string=params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def prov(app):
    return factories.provider(app, short_name="Радуга")


def test_lists_published_programs_with_cards(app, client, prov, frozen_clock):
    prog = factories.program(app, prov, title="Робототехника", age_from=7, age_to=12)
    factories.group(app, prog, price=250_000, capacity=12, seats_taken=7, weekdays=(0, 2))
    html = page(client)
    assert titles(html) == ["Робототехника"]
    assert "Найдена 1 программа" in html
    assert "7–12 лет" in html
    assert "от 2\xa0500,00\xa0₽ в месяц" in html
    assert "свободно 5 мест" in html
    assert "пн, ср" in html
    assert "Радуга" in html and "Ленинский район" in html


def test_a_free_program_says_free(app, client, prov, frozen_clock):
    prog = factories.program(app, prov, title="Хор", funding="municipal", direction="arts")
    factories.group(app, prog, price=0, seats_taken=11)
    html = page(client)
    assert "бесплатно" in html and "свободно 1 место" in html


# --- Filters ----------------------------------------------------------------------------------

def test_age_includes_the_range_and_excludes_outside(app, client, prov, frozen_clock):
    factories.program(app, prov, title="Робототехника", age_from=7, age_to=12)
    factories.program(app, prov, title="Лего для малышей", age_from=5, age_to=6)
    assert titles(page(client, age=6)) == ["Лего для малышей"]
    assert titles(page(client, age=7)) == ["Робототехника"]
    assert titles(page(client, age=12)) == ["Робототехника"]
    assert titles(page(client, age=13)) == []


def test_direction_district_funding_and_provider(app, client, prov, frozen_clock):
    other = factories.provider(app, short_name="Спортшкола")
    factories.program(app, prov, title="Робототехника", direction="technical",
                      district="Ленинский район")
    factories.program(app, prov, title="Хор", direction="arts", funding="municipal",
                      district="Ленинский район")
    factories.program(app, other, title="Плавание", direction="sports",
                      district="Бабстовское поселение")
    assert titles(page(client, direction="arts")) == ["Хор"]
    assert titles(page(client, district="Бабстовское поселение")) == ["Плавание"]
    assert titles(page(client, funding="municipal")) == ["Хор"]
    assert titles(page(client, funding="certified")) == ["Плавание", "Робототехника"]
    assert titles(page(client, org="спорт")) == ["Плавание"]
    assert titles(page(client, org="СПОРТШКОЛА")) == ["Плавание"]
    assert titles(page(client, provider=other.id)) == ["Плавание"]  # an older shared link
    html = page(client)
    # the district select offers what is in use; the providers are a type-ahead, not a list
    assert '<option value="Бабстовское поселение">' in html
    assert '>Спортшкола</option>' not in html and 'list="org-options"' in html


def test_day_price_and_seats_must_hold_for_the_same_open_group(app, client, prov,
                                                              frozen_clock):
    # Monday is cheap but full; Wednesday has seats but is expensive.
    split = factories.program(app, prov, title="Разные группы")
    factories.group(app, split, name="Пн", weekdays=(0,), price=100_000, capacity=10,
                    seats_taken=10)
    factories.group(app, split, name="Ср", weekdays=(2,), price=500_000, capacity=10)
    fits = factories.program(app, prov, title="Одна группа")
    factories.group(app, fits, weekdays=(0,), price=150_000, capacity=10, seats_taken=3)
    assert titles(page(client, weekday=0)) == ["Одна группа", "Разные группы"]
    assert titles(page(client, weekday=0, max_price="2000")) == ["Одна группа",
                                                                 "Разные группы"]
    assert titles(page(client, weekday=0, free_seats="y")) == ["Одна группа"]
    assert titles(page(client, weekday=2, max_price="2000")) == []
    assert titles(page(client, max_price="1000", free_seats="y")) == []
    assert titles(page(client, max_price="1 500,00", free_seats="y")) == ["Одна группа"]
    assert titles(page(client, weekday=4)) == []


def test_closed_or_finished_groups_do_not_count(app, client, prov, frozen_clock):
    closed = factories.program(app, prov, title="Набор закрыт")
    factories.group(app, closed, weekdays=(1,), is_open=False)
    over = factories.program(app, prov, title="Уже закончилась")
    factories.group(app, over, weekdays=(1,), starts_on=date(2025, 9, 1),
                    ends_on=date(2026, 2, 28))
    assert titles(page(client, weekday=1)) == []
    html = page(client)
    assert titles(html) == ["Набор закрыт", "Уже закончилась"]
    assert "набор закрыт" in html and "нет набора" in html


# --- Words --------------------------------------------------------------------------------------

@pytest.fixture
def catalogue(app, prov):
    for title, direction, description in [
        ("Робототехника", "technical", "Конструируем механизмы."),
        ("Рисуем акварелью", "arts", "Пейзажи и натюрморты."),
        ("Шахматы", "sports", "Дебюты, эндшпиль, турниры."),
    ]:
        factories.program(app, prov, title=title, direction=direction, description=description)
    factories.program(app, prov, title="Хор «Звонкие голоса»", direction="arts",
                      funding="municipal", description="Пение в хоре.")
    return prov


def test_words_are_stemmed(client, catalogue, frozen_clock):
    assert titles(page(client, q="робот")) == ["Робототехника"]
    assert titles(page(client, q="рисование")) == ["Рисуем акварелью"]
    assert titles(page(client, q="шахматы турнир")) == ["Шахматы"]
    assert titles(page(client, q="балет")) == []


def test_the_189_fz_words_are_synonyms(app, client, catalogue, frozen_clock):
    everything = ["Рисуем акварелью", "Робототехника", "Хор «Звонкие голоса»", "Шахматы"]
    # every program's provider is a «поставщик», i.e. an «исполнитель» in 189-ФЗ words
    assert titles(page(client, q="исполнитель Радуга")) == everything
    # «социальный сертификат» is the certificate ПФ: the certified programs, not the free one
    assert titles(page(client, q="социальный сертификат")) == [
        "Рисуем акварелью", "Робототехника", "Шахматы"]


def test_words_combine_with_filters(client, catalogue, frozen_clock):
    assert titles(page(client, q="хор", funding="certified")) == []
    assert titles(page(client, q="хор", funding="municipal")) == ["Хор «Звонкие голоса»"]


def test_relevance_puts_the_title_first(app, client, prov, frozen_clock):
    factories.program(app, prov, title="Юный программист",
                      description="Программирование и первые роботы.")
    factories.program(app, prov, title="Роботы", description="Собираем.")
    assert titles(page(client, q="роботы")) == ["Роботы", "Юный программист"]


# --- Sorting ------------------------------------------------------------------------------------

def test_sort_by_price_rating_and_seats(app, client, prov, frozen_clock):
    a = factories.program(app, prov, title="А", rating_total=9, rating_count=2)  # 4.5
    b = factories.program(app, prov, title="Б", rating_total=5, rating_count=1)  # 5.0
    c = factories.program(app, prov, title="В")  # unrated, no open group
    factories.group(app, a, price=300_000, capacity=10, seats_taken=9)
    factories.group(app, a, price=100_000, capacity=10, seats_taken=10, name="Дешёвая")
    factories.group(app, b, price=200_000, capacity=20, seats_taken=0)
    factories.group(app, c, price=50_000, is_open=False)
    assert titles(page(client, sort="price")) == ["А", "Б", "В"]
    assert titles(page(client, sort="rating")) == ["Б", "А", "В"]
    assert titles(page(client, sort="seats")) == ["Б", "А", "В"]
    assert titles(page(client)) == ["А", "Б", "В"]
    html = page(client, sort="rating")
    assert "рейтинг 5,0 (1 отзыв)" in html


# --- Pages, count, shareable URLs, bad values ----------------------------------------------------

def test_pages_keep_the_filters_and_the_count(app, client, prov, frozen_clock):
    for n in range(23):
        factories.program(app, prov, title=f"Программа {n:02d}", direction="arts")
    factories.program(app, prov, title="Другое", direction="sports")
    first = page(client, direction="arts")
    assert "Найдены 23 программы" in first
    assert len(titles(first)) == 20
    assert "/programs?direction=arts&amp;page=2" in first
    second = page(client, direction="arts", page=2)
    assert titles(second) == ["Программа 20", "Программа 21", "Программа 22"]


def test_a_shared_url_renders_the_same_results(app, client, prov, frozen_clock):
    prog = factories.program(app, prov, title="Робототехника", age_from=7, age_to=12)
    factories.group(app, prog, weekdays=(1,), price=200_000)
    factories.program(app, prov, title="Шахматы", direction="sports")
    params = {"q": "робот", "direction": "technical", "age": "9",
              "district": "Ленинский район", "funding": "certified", "weekday": "1",
              "max_price": "2500", "free_seats": "y", "org": "Радуга",
              "sort": "price"}
    html = page(client, **params)
    assert titles(html) == ["Робототехника"]
    # the form shows the state it was opened with
    assert 'value="робот"' in html and 'value="9"' in html
    assert '<option selected value="1">Вторник</option>' in html
    assert 'checked' in html
    fresh = client.get("/programs", query_string=params).get_data(as_text=True)
    assert titles(fresh) == titles(html)


def test_unreadable_values_are_ignored_and_shown(app, client, prov, frozen_clock):
    factories.program(app, prov, title="Робототехника")
    html = page(client, age="abc", page="-1", max_price="дорого", weekday="9",
                direction="cooking", org="Нет такой организации")
    assert titles(html) == ["Робототехника"]
    assert "Возраст — целое число от 5 до 17" in html
    assert "Сумма в рублях, например 3000" in html
    assert "Такого значения нет в списке" in html
    assert "В реестре нет организации с таким названием — фильтр не применён" in html
    assert 'value="Нет такой организации"' in html  # kept in the box
    assert 'aria-invalid="true"' in html
    assert page(client, age="3").count("Возраст — целое число от 5 до 17") >= 1
    assert titles(page(client, page="999")) == []


def test_empty_state_offers_to_reset(app, client, prov, frozen_clock):
    factories.program(app, prov, title="Робототехника")
    html = page(client, q="балет")
    assert "Ничего не найдено" in html
    assert 'href="/programs">сбросить все фильтры</a>' in html
    assert ">Сбросить</a>" in html


def test_htmx_gets_only_the_results_block(app, client, prov, frozen_clock):
    factories.program(app, prov, title="Робототехника")
    response = client.get("/programs?q=робот", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    assert html.lstrip().startswith('<section id="results"')
    assert "<form" not in html and "<html" not in html
    assert titles(html) == ["Робототехника"]
    full = client.get("/programs?q=робот")
    assert "HX-Request" in full.headers["Vary"] and "<form" in full.get_data(as_text=True)


def test_the_filter_form_is_an_htmx_get_form(client, frozen_clock):
    html = page(client)
    form = re.search(r'<form id="filters"[^>]*>', html).group(0)
    assert 'method="get"' in form and 'action="/programs"' in form
    assert 'hx-get="/programs"' in form and 'hx-target="#results"' in form
    assert 'hx-trigger="submit, input delay:300ms"' in form and 'hx-push-url="true"' in form


# --- Visibility ---------------------------------------------------------------------------------

def test_only_published_programs_of_registry_providers_are_shown(app, client, prov,
                                                                 frozen_clock):
    factories.program(app, prov, title="Опубликована")
    for status in ("draft", "submitted", "returned"):
        factories.program(app, prov, title=f"Статус {status}", status=status)
    for status in ("submitted", "rejected"):
        outsider = factories.provider(app, status=status, short_name=f"Не в реестре {status}")
        factories.program(app, outsider, title=f"Поставщик {status}")
    html = page(client)
    assert titles(html) == ["Опубликована"]
    assert "Не в реестре" not in html  # not offered in the provider select either
    assert titles(page(client, q="статус")) == []


# --- Query count --------------------------------------------------------------------------------

def queries_for(app, client, url: str) -> int:
    with count_queries(app) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_loads_in_a_constant_number_of_queries(app, client, frozen_clock):
    small = factories.provider(app, short_name="Малый")
    big = factories.provider(app, short_name="Большой")
    for n, owner, count in ((0, small, 3), (1, big, 20)):
        for i in range(count):
            prog = factories.program(app, owner, title=f"Программа {n}-{i:02d}",
                                     rating_total=i, rating_count=1 if i else 0)
            group = factories.group(app, prog, weekdays=(i % 7, (i + 2) % 7))
            assert group.id
            factories.group(app, prog, name="Вторая", starts_at=time(10), ends_at=time(11))
    client.get("/programs")  # the filter form's option lists, kept by the catalogue's version
    few = queries_for(app, client, f"/programs?provider={small.id}&sort=rating")
    many = queries_for(app, client, f"/programs?provider={big.id}&sort=rating")
    assert titles(client.get(f"/programs?provider={big.id}").get_data(as_text=True))
    assert few == many, (few, many)
    # BEGIN, the municipality (its date), the version, and the page of cards with its total
    assert few <= 4, few


def test_names_typed_by_providers_are_escaped_in_the_filter_lists(app, client, frozen_clock):
    evil = factories.provider(app, short_name='<script>alert("x")</script> & Ко')
    factories.program(app, evil, district='Район <b>"Северный"</b>')
    html = page(client)
    assert "<script>alert" not in html and "<b>" not in html
    assert '&lt;b&gt;&#34;Северный&#34;&lt;/b&gt;</option>' in html
    # the chosen provider stays in the box, and the type-ahead escapes the names it offers
    chosen = page(client, provider=evil.id)
    assert "<script>alert" not in chosen
    assert 'value="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Ко"' in chosen
    offered = client.get("/programs/organisations", query_string={"org": "alert"})
    assert offered.get_data(as_text=True) == (
        '<option value="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Ко"></option>')


def test_a_corrected_query_says_what_it_searched_and_links_it(app, client, prov, frozen_clock):
    factories.program(app, prov, title="Шахматы", direction="sports",
                      description="Дебюты и турниры.")
    factories.program(app, prov, title="Хореография", direction="arts",
                      description="Народный танец.")
    html = page(client, q="шахмты")
    assert titles(html) == ["Шахматы"]
    assert "Возможно, вы искали:" in html and ">шахматы</a>" in html
    assert "q=%D1%88%D0%B0%D1%85%D0%BC%D0%B0%D1%82%D1%8B" in html  # the link to «шахматы»
    plain = page(client, q="шахматы")
    assert "Возможно, вы искали" not in plain


def test_nothing_found_suggests_the_directions_instead_of_a_bare_no(app, client, prov,
                                                                    frozen_clock):
    factories.program(app, prov, title="Шахматы", direction="sports",
                      description="Дебюты и турниры.")
    html = page(client, q="абырвалг")
    assert titles(html) == [] and "По этим условиям программ нет" in html
    assert "Проверьте, нет ли опечатки" in html
    assert 'href="/programs?direction=sports"' in html and "(1)" in html


def test_the_organisation_type_ahead_offers_names_that_begin_with_the_text_first(
        app, client, frozen_clock):
    for name in ("Спортшкола «Олимп»", "ДЮСШ спорт", "Центр «Радуга»", "Клуб «Ёлочка»"):
        factories.program(app, factories.provider(app, short_name=name), title=f"Кружок {name}")
    factories.provider(app, short_name="Спорт без программ")  # nothing published: not offered

    def offered(text):
        body = client.get("/programs/organisations", query_string={"org": text})
        assert body.status_code == 200
        return re.findall(r'<option value="([^"]+)">', body.get_data(as_text=True))

    assert offered("спорт") == ["ДЮСШ спорт", "Спортшкола «Олимп»"]
    assert offered("ОЛИМП") == ["Спортшкола «Олимп»"]
    assert offered("елочка") == ["Клуб «Ёлочка»"]  # «ё» as «е»
    assert offered("") == [] and offered("  «»  ") == [] and offered("я" * 5000) == []
    assert titles(page(client, org="елочка")) == ["Кружок Клуб «Ёлочка»"]
