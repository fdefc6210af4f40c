"""The public registry of providers."""

from __future__ import annotations

from tests import factories
from tests.queries import count_queries


def test_only_approved_providers_are_listed(app, client, frozen_clock):
    approved = factories.provider(app, short_name="ЦДТ Радуга")
    factories.provider(app, short_name="ЦДТ Ждущий", status="submitted")
    factories.provider(app, short_name="ЦДТ Отклонённый", status="rejected")
    html = client.get("/providers").get_data(as_text=True)
    assert "ЦДТ Радуга" in html
    assert "Ждущий" not in html and "Отклонённый" not in html
    assert f'href="/providers/{approved.id}"' in html
    assert "В реестре: 1 поставщик" in html and "на рассмотрении 1 заявка" in html
    assert "15.03.2026" in html and "Муниципальная организация" in html


def test_published_programs_are_counted(app, client):
    provider = factories.provider(app, short_name="ЦДТ Радуга")
    factories.program(app, provider, title="Шахматы")
    factories.program(app, provider, title="Рисование")
    factories.program(app, provider, title="Черновик", status="draft")
    html = client.get("/providers").get_data(as_text=True)
    row = html[html.index("ЦДТ Радуга"):]
    row = row[:row.index("</tr>")]
    assert '<td data-label="Программы" class="text-end">2</td>' in row


def test_the_registry_needs_a_fixed_number_of_queries(app, client):
    """Twice the providers, the same queries: the programs are counted in one query."""
    def queries_for_page() -> int:
        with count_queries(app) as queries:
            assert client.get("/providers").status_code == 200
        return len(queries.selects)

    for n in range(6):
        factories.program(app, factories.provider(app, short_name=f"Поставщик {n}"))
    few = queries_for_page()
    for n in range(6, 12):
        factories.program(app, factories.provider(app, short_name=f"Поставщик {n}"))
    assert queries_for_page() == few <= 6  # with the catalogue version of a guest's page


def test_search_by_name_or_inn_and_filter_by_ownership(app, client):
    municipal = factories.provider(app, short_name="ЦДТ Радуга", legal_form="mbu_do")
    factories.provider(app, short_name="ИП Кузнецова А. В.", legal_form="ip")
    factories.provider(app, short_name="ООО Робостарт", legal_form="ooo")
    html = client.get("/providers?q=радуг").get_data(as_text=True)
    assert "ЦДТ Радуга" in html and "Робостарт" not in html
    html = client.get(f"/providers?q={municipal.inn}").get_data(as_text=True)
    assert "ЦДТ Радуга" in html and "Кузнецова" not in html
    html = client.get("/providers?ownership=individual").get_data(as_text=True)
    assert "Кузнецова" in html and "Радуга" not in html and "Робостарт" not in html
    html = client.get("/providers?ownership=private").get_data(as_text=True)
    assert "Робостарт" in html and "Кузнецова" not in html
    html = client.get("/providers?q=нет-такого").get_data(as_text=True)
    assert "Поставщиков с такими условиями нет" in html


def test_htmx_gets_only_the_results(app, client):
    factories.provider(app, short_name="ЦДТ Радуга")
    response = client.get("/providers?q=радуга", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="results"') and "ЦДТ Радуга" in body
    assert "HX-Request" in response.headers["Vary"]
    # Without JavaScript the same filters come from a plain GET form.
    page = client.get("/providers").get_data(as_text=True)
    assert 'method="get" action="/providers"' in page


def test_the_registry_is_paged(app, client):
    for n in range(27):
        factories.provider(app, short_name=f"Поставщик {n:02d}")
    page_one = client.get("/providers").get_data(as_text=True)
    assert "Поставщик 00" in page_one and "Поставщик 26" not in page_one
    assert 'href="/providers?page=2"' in page_one
    page_two = client.get("/providers?page=2").get_data(as_text=True)
    assert "Поставщик 26" in page_two


def test_the_public_menu_links_to_the_registry(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/providers"' in html and "Реестр поставщиков" in html
