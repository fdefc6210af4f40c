"""The program page (with what the certificate would pay), the program document, the provider
page and the home page as the navigator's front door."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html import unescape as html_unescape
from urllib.parse import quote

import pytest

from pfdo import clock
from tests import factories

NBSP = "\xa0"


def text_of(html: str) -> str:
    """The visible text, one space between words (format_rub's non-breaking ones included)."""
    text = re.sub(r"<[^>]+>", " ", html).replace(NBSP, " ")
    text = re.sub(r"\s+", " ", text)
    return text.replace(" ,", ",").replace(" .", ".").replace(" :", ":").replace(" ;", ";")


@pytest.fixture
def prov(app):
    return factories.provider(app, short_name="Радуга")


@pytest.fixture
def robotics(app, prov):
    prog = factories.program(app, prov, title="Робототехника", age_from=7, age_to=12,
                             hours_per_week=2, document=True)
    factories.group(app, prog, name="Группа 1", price=250_000, capacity=12, seats_taken=9,
                    weekdays=(0, 2))
    return prog


# --- The program page ----------------------------------------------------------------------

def test_the_program_page_shows_the_program_and_its_groups(app, client, robotics,
                                                            frozen_clock):
    factories.group(app, robotics, name="Закрытая", is_open=False, weekdays=(5,))
    html = client.get(f"/programs/{robotics.id}").get_data(as_text=True)
    assert "<h1" in html and "Робототехника" in html
    assert f'href="/providers/{robotics.provider_id}">Радуга</a>' in html
    assert "7–12 лет" in html and "9 месяцев" in html and "2 часа в неделю" in html
    assert "Смирнов Олег Игоревич" in html and "Ленинский район" in html
    assert "пн, ср 15:00–16:30" in html
    assert "01.09.2026 – 31.05.2027" in html
    assert "3 места из 12" in html
    assert "2\xa0500,00\xa0₽" in html
    assert "идёт набор" in html and "набор закрыт" in html
    assert f'href="/programs/{robotics.id}/document"' in html


def test_the_address_links_out_to_a_map_and_nothing_loads_from_it(app, client, robotics,
                                                                   frozen_clock):
    factories.municipality(app)
    html = client.get(f"/programs/{robotics.id}").get_data(as_text=True)
    links = re.findall(r'<a class="[^"]*map-link" href="([^"]+)"', html)
    assert len(links) == 2 and len(set(links)) == 1
    assert links[0].startswith("https://yandex.ru/maps/?text=")
    assert quote("ул. Школьная", safe="") in links[0]
    assert "Занятия всех групп — по адресу:" in html
    # a link, never a resource of the page (no script, frame or image from the map service)
    assert not re.search(r'<(script|iframe|img)[^>]+yandex', html)
    provider_page = client.get(f"/providers/{robotics.provider_id}").get_data(as_text=True)
    assert 'class="text-nowrap map-link" href="https://yandex.ru/maps/?text=' in provider_page


def test_the_rating_is_shown_when_there_are_reviews(app, client, prov, frozen_clock):
    prog = factories.program(app, prov, title="Шахматы", rating_total=14, rating_count=3)
    html = client.get(f"/programs/{prog.id}").get_data(as_text=True)
    assert "рейтинг 4,7 из 5" in html and "3 отзыва" in html


@pytest.mark.parametrize("status", ["draft", "submitted", "returned"])
def test_unpublished_programs_are_not_found(app, client, prov, status):
    prog = factories.program(app, prov, status=status, document=True)
    assert client.get(f"/programs/{prog.id}").status_code == 404
    assert client.get(f"/programs/{prog.id}/document").status_code == 404


@pytest.mark.parametrize("status", ["submitted", "rejected"])
def test_programs_of_providers_outside_the_registry_are_not_found(app, client, status):
    outsider = factories.provider(app, status=status)
    prog = factories.program(app, outsider, document=True)
    assert client.get(f"/programs/{prog.id}").status_code == 404
    assert client.get(f"/programs/{prog.id}/document").status_code == 404
    assert client.get(f"/providers/{outsider.id}").status_code == 404


def test_the_document_opens_inline_as_a_pdf(client, robotics):
    response = client.get(f"/programs/{robotics.id}/document")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.data.startswith(b"%PDF")


def test_no_document_is_not_found(app, client, prov):
    prog = factories.program(app, prov, document=False)
    assert client.get(f"/programs/{prog.id}/document").status_code == 404
    assert client.get("/programs/999999").status_code == 404


def test_similar_programs_share_direction_and_ages_and_prefer_the_district(app, client, prov,
                                                                          robotics,
                                                                          frozen_clock):
    far = factories.provider(app, short_name="Дальний")
    factories.program(app, far, title="А далеко", age_from=10, age_to=14,
                      district="Бабстовское поселение")
    for n in range(4):
        factories.program(app, prov, title=f"Б рядом {n}", age_from=8, age_to=10)
    factories.program(app, prov, title="Для старших", age_from=13, age_to=17)
    factories.program(app, prov, title="Рисование", direction="arts")
    factories.program(app, prov, title="Черновик", status="draft")
    html = client.get(f"/programs/{robotics.id}").get_data(as_text=True)
    similar = html[html.index("Похожие программы"):]
    found = re.findall(r'card-title"><a href="/programs/\d+">([^<]+)<', similar)
    assert found == ["Б рядом 0", "Б рядом 1", "Б рядом 2", "Б рядом 3"]
    html = client.get(f"/programs/{robotics.id + 1}").get_data(as_text=True)  # «А далеко»
    similar = html[html.index("Похожие программы"):]
    found = re.findall(r'card-title"><a href="/programs/\d+">([^<]+)<', similar)
    assert len(found) == 4 and "А далеко" not in found


# --- What the certificate would pay ---------------------------------------------------------

def pricing_text(client, program_id: int, **params) -> str:
    response = client.get(f"/programs/{program_id}", query_string=params)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return text_of(html[html.index('id="pricing"'):html.index("</section>",
                                                                 html.index('id="pricing"'))])


def test_a_guest_is_asked_to_sign_in(client, robotics):
    text = pricing_text(client, robotics.id)
    assert "Войдите, чтобы увидеть, сколько заплатит сертификат" in text


def test_a_parent_without_children_is_offered_to_add_one(client, robotics, login_as):
    login_as("parent")
    html = client.get(f"/programs/{robotics.id}").get_data(as_text=True)
    assert 'href="/children/new">добавьте ребёнка</a>' in html


def test_the_breakdown_for_a_financing_certificate(app, client, make, robotics, login_as,
                                                   frozen_clock):
    make.municipality()
    parent = login_as("parent")
    cert = factories.certificate(app, parent)
    # 150 ₽ a person-hour × 2 hours × 4 weeks = 1 200 ₽ a month of normative cost
    factories.period(app, hour_costs={"technical": 15_000})
    factories.financing(app, cert)  # 15.03.2026: 17 456 ₽ × 10 / 12 = 14 546,66 ₽
    text = pricing_text(client, robotics.id)  # the only child is chosen at once
    assert "Сертификат ПФ: доступно 14 546,66 ₽ до 31.12.2026" in text
    # every month has the same split: one sentence, true for each of them
    assert ("Сентябрь 2026 – май 2027, каждый месяц: сертификат платит 1 200,00 ₽, "
            "вы — 1 300,00 ₽.") in text
    assert ("За весь договор — 9 месяцев по 2 500,00 ₽: сертификат заплатит 10 800,00 ₽, "
            "семья — 11 700,00 ₽") in text
    # what stays on the certificate says until when, and that it does not carry over
    assert ("Из баланса на 2026 год на этот договор уйдёт 4 800,00 ₽; на сертификате "
            "останется 9 746,66 ₽ — до 31.12.2026: на следующий период остаток не "
            "переносится") in text
    assert "Номинал на следующий период ещё не утверждён" in text
    assert "месяцы с января 2027 года («план») рассчитаны из нынешнего — 17 456,00 ₽" in text
    # the months, in Russian, with the next period's planned
    assert "сентябрь 2026 2 500,00 ₽" in text and "май 2027 (план)" in text
    assert text == pricing_text(client, robotics.id, child=cert.child_id)


def test_a_short_balance_lowers_the_certificate_share(app, client, make, prov, login_as,
                                                      frozen_clock):
    make.municipality()
    parent = login_as("parent")
    cert = factories.certificate(app, parent)
    factories.period(app, nominal=120_000, budget=12_000_000,
                     hour_costs={"technical": 100_000})  # normative 8 000 ₽: the balance bites
    factories.financing(app, cert)  # 1 200 ₽ × 10 / 12 = 1 000 ₽
    prog = factories.program(app, prov, title="Дорогая", hours_per_week=2)
    factories.group(app, prog, price=300_000, starts_on=date(2026, 4, 1),
                    ends_on=date(2026, 6, 30))
    text = pricing_text(client, prog.id)
    # 1 000 ₽ over April–June: 333,34 + 333,33 + 333,33, each month as it is
    assert ("апрель 2026: сертификат 333,34 ₽, вы 2 666,66 ₽ "
            "май–июнь 2026: сертификат 333,33 ₽, вы 2 666,67 ₽ в месяц") in text
    assert "На этот договор уйдёт весь баланс на 2026 год — 1 000,00 ₽." in text
    assert "останется" not in text


def december(app, client, make, prov, login_as, *, next_nominal=None) -> str:
    """The issue's case: financed on 02.12.2026 for one month (17 456 ₽ / 12 = 1 454,66 ₽),
    a group at 3 550 ₽ a month from December to May, the normative cost above the price."""
    clock.set_frozen(datetime(2026, 12, 1, 22, 0, tzinfo=UTC))  # 08:00 on 02.12 there
    make.municipality()
    parent = login_as("parent")
    cert = factories.certificate(app, parent)
    factories.period(app, hour_costs={"technical": 50_000})  # 4 000 ₽ a month for 2 h a week
    if next_nominal is not None:
        factories.period(app, title="2027 год", starts_on=date(2027, 1, 1),
                         ends_on=date(2027, 12, 31), nominal=next_nominal)
    factories.financing(app, cert)
    prog = factories.program(app, prov, title="Шахматы", hours_per_week=2)
    factories.group(app, prog, price=355_000, starts_on=date(2026, 9, 1),
                    ends_on=date(2027, 5, 31))
    return pricing_text(client, prog.id)


def test_december_is_shown_as_it_is_not_as_the_usual_month(app, client, make, prov,
                                                           login_as):
    text = december(app, client, make, prov, login_as)
    # the family pays 2 095,34 ₽ in December: the summary says so beside the planned months
    assert ("Доля сертификата меняется по месяцам: "
            "декабрь 2026: сертификат 1 454,66 ₽, вы 2 095,34 ₽ "
            "январь–май 2027 (план): сертификат 3 491,20 ₽, вы 58,80 ₽ в месяц") in text
    assert ("За весь договор — 6 месяцев по 3 550,00 ₽: сертификат заплатит 18 910,66 ₽, "
            "семья — 2 389,34 ₽") in text
    assert "На этот договор уйдёт весь баланс на 2026 год — 1 454,66 ₽." in text
    assert "рассчитаны из нынешнего — 17 456,00 ₽: это предварительный расчёт" in text
    assert "вы доплачиваете" not in text


def test_a_known_next_nominal_is_named_with_its_date(app, client, make, prov, login_as):
    text = december(app, client, make, prov, login_as, next_nominal=1_800_000)
    assert ("январь–май 2027 (план): сертификат 3 550,00 ₽, вы 0,00 ₽ в месяц") in text
    assert ("01.01.2027, в начале периода «2027 год», сертификат ПФ пополняется до номинала "
            "этого периода — 18 000,00 ₽; из него рассчитаны месяцы с января 2027 года") in text
    assert "ещё не утверждён" not in text


def test_a_record_certificate_would_be_converted(app, client, make, robotics, login_as,
                                                 frozen_clock):
    make.municipality()
    parent = login_as("parent")
    factories.certificate(app, parent)
    factories.period(app, quota=7, hour_costs={"technical": 15_000})
    text = pricing_text(client, robotics.id)
    assert "Сейчас у ребёнка сертификат учёта: он ничего не оплачивает" in text
    assert "на 2026 год осталось 7 мест" in text
    assert "на него зачислят 14 546,66 ₽ — за 10 мес. до конца периода" in text
    assert "каждый месяц: сертификат платит 1 200,00 ₽, вы — 1 300,00 ₽" in text
    assert "на сертификате останется 9 746,66 ₽ — до 31.12.2026" in text


def test_a_record_certificate_when_the_quota_is_used_up(app, client, make, robotics,
                                                        login_as, frozen_clock):
    make.municipality()
    other = make.user(role="parent", email="other@example.ru")
    taken = factories.certificate(app, other, last_name="Другая", first_name="Ева")
    factories.period(app, quota=1, hour_costs={"technical": 15_000})
    factories.financing(app, taken)
    parent = login_as("parent")
    factories.certificate(app, parent)
    text = pricing_text(client, robotics.id)
    assert "сертификаты ПФ на 2026 год закончились" in text
    assert "За весь договор" not in text


def test_a_free_program_needs_only_the_record_certificate(app, client, make, prov, login_as,
                                                          frozen_clock):
    make.municipality()
    parent = login_as("parent")
    factories.certificate(app, parent)
    factories.period(app)
    choir = factories.program(app, prov, title="Хор", direction="arts", funding="municipal")
    factories.group(app, choir, price=0)
    text = pricing_text(client, choir.id)
    assert "Бесплатно по сертификату учёта" in text
    assert "За весь договор" not in text


def test_no_current_period(app, client, make, robotics, login_as, frozen_clock):
    make.municipality()
    parent = login_as("parent")
    factories.certificate(app, parent)
    text = pricing_text(client, robotics.id)
    assert "Сейчас нет действующего периода финансирования" in text
    assert "За весь договор" not in text


def test_no_normative_cost_for_the_direction(app, client, make, robotics, login_as,
                                             frozen_clock):
    make.municipality()
    parent = login_as("parent")
    cert = factories.certificate(app, parent)
    factories.period(app, hour_costs={"arts": 15_000})
    factories.financing(app, cert)
    text = pricing_text(client, robotics.id)
    assert "не установлен нормативный тариф" in text
    assert "каждый месяц: сертификат платит 0,00 ₽, вы — 2 500,00 ₽" in text
    assert "Баланс на 2026 год этот договор не тратит" in text


def test_a_child_outside_the_age_range(app, client, make, prov, login_as, frozen_clock):
    make.municipality()
    parent = login_as("parent")
    cert = factories.certificate(app, parent)  # born 10.05.2016: 10 years on 01.09.2026
    factories.period(app, hour_costs={"technical": 15_000})
    factories.financing(app, cert)
    prog = factories.program(app, prov, title="Для старших", age_from=12, age_to=15)
    factories.group(app, prog)
    text = pricing_text(client, prog.id)
    assert "На начало занятий (01.09.2026) ребёнку будет 10 лет" in text
    assert "12–15 лет" in text and "записаться в эту группу нельзя" in text
    assert "За весь договор" not in text


def test_another_familys_child_is_ignored(app, client, make, robotics, login_as,
                                          frozen_clock):
    make.municipality()
    other = make.user(role="parent", email="other@example.ru")
    foreign = factories.certificate(app, other, last_name="Чужова", first_name="Евдокия")
    factories.period(app, hour_costs={"technical": 15_000})
    factories.financing(app, foreign)
    parent = login_as("parent")
    mine = factories.certificate(app, parent, last_name="Своя", first_name="Ольга")
    factories.child(app, parent, last_name="Второй", first_name="Пётр")  # no certificate
    html = client.get(f"/programs/{robotics.id}?child={foreign.child_id}").get_data(
        as_text=True)
    assert "Чужова" not in html and "Евдокия" not in html
    assert "Выберите ребёнка из списка" in html
    assert "За весь договор" not in html
    # only the parent's children with an active certificate are offered
    assert f'<option value="{mine.child_id}">Ольга Своя</option>' in html
    assert "Пётр" not in html


def test_choosing_a_child_with_htmx_returns_the_pricing_block(app, client, make, robotics,
                                                              login_as, frozen_clock):
    make.municipality()
    parent = login_as("parent")
    cert = factories.certificate(app, parent)
    factories.certificate(app, parent, last_name="Петров", first_name="Иван",
                          birth_date=date(2014, 1, 20), sex="male")
    factories.period(app, hour_costs={"technical": 15_000})
    factories.financing(app, cert)
    html = client.get(f"/programs/{robotics.id}").get_data(as_text=True)
    assert "Выберите ребёнка" in html and "За весь договор" not in html  # two: none chosen
    response = client.get(f"/programs/{robotics.id}?child={cert.child_id}",
                          headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]
    assert fragment.lstrip().startswith('<section id="pricing"')
    assert "Похожие программы" not in fragment
    assert "сертификат платит 1 200,00 ₽" in text_of(fragment)


# --- The provider page -----------------------------------------------------------------------

def test_the_provider_page(app, client, frozen_clock):
    prov = factories.provider(app, short_name="ИП Кузнецова А. В.", legal_form="ip",
                              full_name="Индивидуальный предприниматель Кузнецова Анна",
                              description="Студия рисунка.", district="Ленинский район")
    factories.program(app, prov, title="Рисуем акварелью", direction="arts")
    factories.program(app, prov, title="Черновик", status="draft")
    html = client.get(f"/providers/{prov.id}").get_data(as_text=True)
    assert "ИП Кузнецова А. В." in html and "Студия рисунка." in html
    assert "ИП — индивидуальный предприниматель" in html
    assert "В реестре поставщиков с 15.03.2026" in html
    assert "Лицензия" in html and "не требуется" in html
    assert "Рисуем акварелью" in html and "Черновик" not in html
    link = re.search(r'href="(/programs\?org=[^"]+)">Искать среди программ организации', html)
    listed = client.get(html_unescape(link.group(1))).get_data(as_text=True)
    assert "Найдена 1 программа" in listed
    assert 'value="ИП Кузнецова А. В."' in listed  # the box shows whose programs these are


# --- The home page and the menu ---------------------------------------------------------------

def test_the_home_page_is_the_navigators_front_door(app, client, prov):
    factories.program(app, prov, title="Робототехника", direction="technical")
    factories.program(app, prov, title="Электроника", direction="technical")
    factories.program(app, prov, title="Хор", direction="arts")
    factories.program(app, prov, title="Черновик", direction="arts", status="draft")
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'<form[^>]*method="get" action="/programs"', html)
    assert 'name="q"' in html and 'name="age"' in html
    tiles = text_of(html[html.index("direction-tiles"):]).replace("\u00ad", "")
    assert "Техническая 2 программы" in tiles and "Художественная 1 программа" in tiles
    assert "Туристско-краеведческая 0 программ" in tiles
    assert 'href="/programs?direction=technical"' in html
    # the first item of the menu
    assert re.search(r'href="/programs"><i class="bi bi-search" aria-hidden="true"></i> '
                     r'Кружки и секции</a>', html)


def test_every_public_page_has_a_meta_description(app, client, robotics, frozen_clock):
    factories.municipality(app)
    pages = ["/", "/programs", "/programs?q=робот", f"/programs/{robotics.id}",
             f"/providers/{robotics.provider_id}", "/providers", "/rules", "/contacts",
             "/privacy", "/login", "/register", "/verify", "/certificates/forgot-number",
             "/password/forgot", "/consent"]
    descriptions = {}
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        found = re.findall(r'<meta name="description" content="([^"]*)">', html)
        assert len(found) == 1 and 40 <= len(found[0]) <= 181, (url, found)
        descriptions[url] = found[0]
    assert descriptions[f"/programs/{robotics.id}"].startswith("Робототехника: 7–12 лет")
    assert descriptions[f"/programs/{robotics.id}"] != descriptions["/"]
