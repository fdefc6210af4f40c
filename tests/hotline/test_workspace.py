"""The hotline's search, card, reveal and their entries in the personal-data access log."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from pfdo.audit.models import AuditEvent
from pfdo.db import db
from pfdo.hotline import lookup
from tests import factories
from tests.conftest import form_post


@pytest.fixture
def family(app, make):
    make.municipality()
    parent = make.user(role="parent", phone="+79145550123", last_name="Смирнова",
                       first_name="Ольга", middle_name="Ивановна",
                       email="smirnova.olga@example.ru")
    certificate = factories.certificate(app, parent, last_name="Смирнова", first_name="Алёна",
                                        middle_name="Сергеевна", birth_date=date(2015, 3, 12),
                                        snils="11223344595")
    return parent, certificate


def _events(app, action):
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                       .order_by(AuditEvent.id)))


@pytest.mark.parametrize("typed, kind", [
    ("7905000123", "number"), ("79 05 00012 3", "number"), ("７９０５０００１２３", "number"),
    ("112-233-445 95", "snils"), ("11223344595", "snils"),
    ("+7 914 555-01-23", "phone"), ("8 (914) 555-01-23", "phone"),
    ("89000000043", "snils_or_phone"),  # a valid СНИЛС and a phone: both are looked for
    ("Смирнова 12.03.2015", "name"), ("12.03.2015 смирнова", "name"),
])
def test_each_kind_of_query_is_recognised(app, typed, kind):
    with app.app_context():
        query = lookup.parse(typed)
    assert query.kind == kind
    if kind != "number":  # a number's check digit is the next test's
        assert query.problem is None


@pytest.mark.parametrize("typed, message", [
    ("7905000124", "контрольная цифра"),
    ("112-233-445 96", "СНИЛС"),
    ("Смирнова", "дату рождения"),
    ("Смирнова 31.02.2015", "Такой даты нет"),
    ("123", "10 цифр"),
    ("x" * 300, "Слишком длинный"),
])
def test_a_mistyped_query_is_caught_before_any_search(app, typed, message):
    with app.app_context():
        query = lookup.parse(typed)
    assert query.problem and message in query.problem


def test_operator_finds_by_number_snils_phone_and_name(app, client, login_as, family):
    _, certificate = family
    login_as("hotline")
    for typed in (certificate.number, "112-233-445 95", "8 914 555 01 23",
                  "смирнова 12.03.2015"):
        html = client.get("/hotline", query_string={"q": typed}).get_data(as_text=True)
        assert "Найден 1 сертификат" in html, typed
        assert "Смирнова А. С." in html and "Алёна" not in html
        assert f"/hotline/certificates/{certificate.id}" in html
    assert len(_events(app, "hotline.searched")) == 4
    logged = [e.details["query"] for e in _events(app, "hotline.searched")]
    assert "***-***-445 95" in logged and "11223344595" not in str(logged)


def test_digits_that_are_both_a_snils_and_a_phone_find_either(app, client, make, login_as,
                                                                family):
    parent = make.user(role="parent", phone="+79000000043")
    other = factories.certificate(app, parent, last_name="Фомина", birth_date=date(2016, 1, 1))
    login_as("hotline")
    html = client.get("/hotline", query_string={"q": "89000000043"}).get_data(as_text=True)
    assert "по СНИЛС или телефону родителя" in html
    assert f"/hotline/certificates/{other.id}" in html


def test_the_results_fragment_shows_a_typo_at_once(client, login_as, family):
    login_as("hotline")
    response = client.get("/hotline", query_string={"q": "7905000124"},
                          headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "контрольная цифра не сходится" in html


def test_a_search_that_finds_nothing_is_logged_and_says_so(app, client, login_as, family):
    login_as("hotline")
    html = client.get("/hotline", query_string={"q": "Петрова 01.01.2016"}).get_data(
        as_text=True)
    assert "не найден" in html
    assert _events(app, "hotline.searched")[0].details["found"] == []


def test_card_masks_personal_fields_and_hides_the_address(app, client, login_as, family):
    _, certificate = family
    login_as("hotline")
    html = client.get(f"/hotline/certificates/{certificate.id}").get_data(as_text=True)
    assert "Смирнова А. С." in html and "Смирнова О. И." in html
    assert "***-***-445 95" in html and "112-233-445 95" not in html
    assert "+7 914 ***-**-23" in html and "5550123" not in html
    assert "sm***@example.ru" in html and "smirnova.olga" not in html
    assert "ул. Ленина" not in html and "не показывается горячей линии" in html
    assert "12.03.2015" in html  # the date of birth is how a caller is recognised
    viewed = _events(app, "hotline.certificate_viewed")
    assert len(viewed) == 1 and viewed[0].object_id == str(certificate.id)


def test_the_card_says_the_family_asked_for_deletion(app, client, login_as, family):
    from pfdo.privacy import deletion
    from tests.factories.accounts import user_row
    parent, certificate = family
    login_as("hotline")
    page = f"/hotline/certificates/{certificate.id}"
    assert "запросила удаление данных" not in client.get(page).get_data(as_text=True)
    with app.app_context():
        request = deletion.request_deletion(user_row(parent), comment=None)
        due = f"{request.due_on:%d.%m.%Y}"
    html = client.get(page).get_data(as_text=True)
    assert "Семья запросила удаление данных" in html and f"не позднее {due}" in html


def test_reveal_needs_a_reason_and_is_logged(app, client, login_as, family):
    _, certificate = family
    operator = login_as("hotline")
    url = f"/hotline/certificates/{certificate.id}/reveal"
    page = f"/hotline/certificates/{certificate.id}"
    refused = form_post(client, url, {"field": "snils", "reason": ""}, page=page)
    assert refused.status_code == 422
    assert "112-233-445 95" not in refused.get_data(as_text=True)
    assert "Выберите причину" in refused.get_data(as_text=True)
    assert _events(app, "hotline.field_revealed") == []
    shown = form_post(client, url, {"field": "snils", "reason": "identify"}, page=page,
                      htmx=True)
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "112-233-445 95" in html and "<html" not in html
    revealed = _events(app, "hotline.field_revealed")
    assert len(revealed) == 1
    assert revealed[0].actor_id == operator.id
    assert revealed[0].details == {"child": certificate.child_id, "field": "snils",
                                   "reason": "identify"}


@pytest.mark.parametrize("field", ["address", "birth_date", "nonsense", "\x00"])
def test_a_field_the_hotline_may_not_open_is_refused(app, client, login_as, family, field):
    _, certificate = family
    login_as("hotline")
    response = form_post(client, f"/hotline/certificates/{certificate.id}/reveal",
                         {"field": field, "reason": "identify"},
                         page=f"/hotline/certificates/{certificate.id}")
    assert response.status_code == 422
    assert "ул. Ленина" not in response.get_data(as_text=True)
    assert _events(app, "hotline.field_revealed") == []


def test_a_card_of_a_missing_certificate_is_404(client, login_as, family):
    login_as("hotline")
    assert client.get("/hotline/certificates/2147483648").status_code == 404
    assert client.get("/hotline/certificates/999999").status_code == 404


@pytest.mark.parametrize("typed", ["\x00", "1" * 5000, "Иванова\r\n01.01.2016", "'; DROP",
                                   "9" * 40, "٧٩٠٥٠٠٠١٢٣"])
def test_hostile_queries_never_fail(client, login_as, family, typed):
    login_as("hotline")
    assert client.get("/hotline", query_string={"q": typed}).status_code in (200, 400)
