"""The navigator's filters fold on a phone under a summary of the active ones («Фильтры: 7 лет,
бесплатно · изменить»), kept current by htmx; the search words stay above the fold."""

from __future__ import annotations

import re

import pytest

from tests import factories


def summary(html: str) -> str:
    return re.search(r'<span id="filters-summary"[^>]*>(.*?)</span>', html, re.S).group(1)


@pytest.fixture
def catalogue(app, frozen_clock):
    prov = factories.provider(app, short_name="Радуга")
    factories.program(app, prov, title="Робототехника")
    return prov


@pytest.mark.parametrize(("params", "expected"), [
    ({}, "Фильтры не выбраны"),
    ({"q": "робот"}, "Фильтры не выбраны"),  # the words are in the box above the fold
    ({"age": "7", "funding": "municipal"}, "Фильтры: 7 лет, бесплатно"),
    ({"age": "11", "direction": "technical", "weekday": "0", "max_price": "3000",
      "free_seats": "y"},
     "Фильтры: 11 лет, техническая, понедельник, до 3\u00a0000,00\u00a0₽, есть свободные места"),
    ({"age": "99", "funding": "certified"}, "Фильтры: по сертификату"),  # unread: left out
    ({"org": "раду"}, "Фильтры: «раду»"),
    ({"org": "Нет такой"}, "Фильтры не выбраны"),  # finds no provider: left out
])
def test_the_summary_names_the_active_filters(client, catalogue, params, expected):
    html = client.get("/programs", query_string=params).get_data(as_text=True)
    assert summary(html) == expected


def test_the_search_box_is_above_the_fold_and_the_other_filters_under_it(client, catalogue):
    html = client.get("/programs", query_string={"age": "7"}).get_data(as_text=True)
    form = html[html.index('<form id="filters"'):html.index("</form>")]
    fold = form[form.index("<details"):]
    assert 'name="q"' in form[:form.index("<details")]
    for name in ("age", "direction", "district", "funding", "weekday", "max_price",
                 "org", "sort", "free_seats"):
        assert f'name="{name}"' in fold, name
    assert re.match(r'<details class="filters-fold[^"]*"\s*>', fold)  # folded


def test_the_fold_is_open_when_a_filter_has_an_error(client, catalogue):
    html = client.get("/programs", query_string={"age": "99"}).get_data(as_text=True)
    assert re.search(r'<details class="filters-fold[^"]*"\s*open>', html)
    assert "Возраст — целое число от 5 до 17" in html


def test_htmx_results_bring_the_new_summary_along(client, catalogue):
    response = client.get("/programs", query_string={"age": "7", "funding": "municipal"},
                          headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="results"')
    assert re.search(r'<span id="filters-summary" hx-swap-oob="true">Фильтры: 7 лет, '
                     r'бесплатно</span>', html)
