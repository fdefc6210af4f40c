"""«Подобрать для ребёнка» in the catalogue: a signed-in parent picks a child, the catalogue
opens filtered for the child (age, what the certificate can pay for, the district of the
child's address) at a URL with nothing personal in it, and each card says what the
certificate would pay a month."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from pfdo.db import db, unit_of_work
from pfdo.periods.models import FinancingPeriod
from tests import factories
from tests.conftest import login
from tests.enrollments.conftest import HOUR_COST


@pytest.fixture
def family(app, frozen_clock):
    factories.municipality(app)
    coordinator = factories.user(app, "coordinator")
    factories.period(app, hour_costs={"technical": HOUR_COST})
    provider = factories.provider(app, short_name="Радуга")
    robots = factories.program(app, provider, title="Робототехника", age_from=7, age_to=12,
                               district="с. Ленинское")
    factories.group(app, robots, price=250_000)
    choir = factories.program(app, provider, title="Хор", direction="arts", age_from=7,
                              age_to=12, funding="municipal", district="с. Ленинское")
    factories.group(app, choir, price=0)
    factories.program(app, provider, title="Футбол", direction="sports", age_from=7,
                      age_to=12, district="г. Биробиджан")
    parent = factories.user(app, "parent")
    anna = factories.child(app, parent, first_name="Анна", birth_date=date(2016, 5, 10),
                           address="Ленинский р-н, с. Ленинское, ул. Ленина, д. 5")
    factories.certificate(app, parent, anna, coordinator=coordinator)
    return parent, anna


def picked(client, child_id, **params) -> str:
    response = client.get("/programs", query_string={"child": child_id, **params})
    assert response.status_code == 302
    return response.headers["Location"]


def cards(html: str) -> dict[str, str]:
    """title -> the certificate's line on the card ("" when none)."""
    found = {}
    for block in html.split('<article class="card h-100 shadow-sm program-card">')[1:]:
        title = re.search(r'<a href="/programs/\d+">([^<]+)</a>', block).group(1)
        share = re.search(r'certificate-share">.*?</i> ([^<]+)</p>', block)
        found[title] = share.group(1).strip() if share else ""
    return found


def test_a_parent_picks_a_child_and_the_catalogue_is_filtered_for_the_child(app, client,
                                                                            family):
    parent, anna = family
    login(client, parent.email)
    page = client.get("/programs").get_data(as_text=True)
    assert "Подобрать для ребёнка" in page and f'<option value="{anna.id}">Анна' in page
    # the words typed are kept
    assert parse_qs(urlsplit(picked(client, anna.id, q="робот")).query)["q"] == ["робот"]
    location = picked(client, anna.id)
    # the URL holds the filters only: no child, no name, no birth date
    params = parse_qs(urlsplit(location).query)
    assert params == {"age": ["9"], "district": ["с. Ленинское"]}
    assert "%D0%90%D0%BD%D0%BD%D0%B0" not in location  # «Анна»
    html = client.get(location).get_data(as_text=True)
    assert "Ребёнок: Анна, 9 лет" in html
    assert f'<option selected value="{anna.id}">' in html
    # a record certificate while financing places last: converted on enrolment; the
    # normative cost (1 200,00 ₽) is less than the price (2 500,00 ₽)
    assert cards(html) == {
        "Робототехника": "Сертификат оплатит до 1\u00a0200,00\u00a0₽ в месяц, доплата от "
                         "1\u00a0300,00\u00a0₽",
        "Хор": "По сертификату бесплатно",
    }
    # the same URL for a guest: the same list, nothing about the child
    guest = app.test_client().get(location).get_data(as_text=True)
    assert "Анна" not in guest and "Подобрать для ребёнка" not in guest
    assert "certificate-share" not in guest


def test_the_choice_is_kept_while_filters_change_and_can_be_dropped(app, client, family):
    parent, anna = family
    login(client, parent.email)
    picked(client, anna.id)
    html = client.get("/programs", query_string={"direction": "technical"}).get_data(
        as_text=True)
    assert cards(html)["Робототехника"].startswith("Сертификат оплатит до")
    dropped = client.get("/programs", query_string={"child": ""})
    assert dropped.status_code == 302 and dropped.headers["Location"] == "/programs"
    html = client.get("/programs").get_data(as_text=True)
    assert "certificate-share" not in html and "Ребёнок: Анна" not in html


def test_no_financing_places_left_the_free_programs_are_chosen(app, client, family):
    parent, anna = family
    with app.app_context(), unit_of_work():
        period = db.session.query(FinancingPeriod).one()
        period.quota = 0
    login(client, parent.email)
    params = parse_qs(urlsplit(picked(client, anna.id)).query)
    assert params["funding"] == ["municipal"]
    html = client.get("/programs", query_string={"age": "9"}).get_data(as_text=True)
    assert cards(html)["Робототехника"] == "Мест финансирования нет: сертификат не оплатит"
    assert cards(html)["Хор"] == "По сертификату бесплатно"


def test_another_familys_child_is_refused_beside_the_field(app, client, family):
    _, anna = family
    other = factories.user(app, "parent")
    own = factories.child(app, other, first_name="Пётр", sex="male")
    factories.certificate(app, other, own)
    login(client, other.email)
    response = client.get("/programs", query_string={"child": anna.id})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Выберите ребёнка из списка" in html and "Анна" not in html
    assert "certificate-share" not in html
    for hostile in ("9" * 30, "١", "-1"):
        assert client.get("/programs", query_string={"child": hostile}).status_code == 200


def test_a_guest_and_a_parent_without_a_certificate_see_no_choice(app, client, family):
    assert "Подобрать для ребёнка" not in client.get("/programs").get_data(as_text=True)
    assert client.get("/programs?child=1").status_code == 200
    lonely = factories.user(app, "parent")
    factories.child(app, lonely)
    login(client, lonely.email)
    assert "Подобрать для ребёнка" not in client.get("/programs").get_data(as_text=True)
