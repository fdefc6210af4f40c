"""Phone numbers shown by their real grouping (libphonenumber), with the local area code a
district reads its numbers by, and dialled from tel: links."""

from __future__ import annotations

import re

import pytest

from pfdo.phones import area_code_of, format_phone, tel_href
from tests import factories
from tests.conftest import form_post
from tests.test_municipality import SETTINGS, field_error, footer


@pytest.mark.parametrize(("stored", "shown"), [
    ("+79141234567", "+7 914 123-45-67"),
    ("8 (914) 123-45-67", "+7 914 123-45-67"),
    ("+74959876543", "+7 495 987-65-43"),
    ("8 800 100-00-00", "+7 800 100-00-00"),
    ("+12025550143", "+1 202-555-0143"),
])
def test_numbers_are_grouped_by_libphonenumber(stored, shown):
    assert format_phone(stored) == shown


@pytest.mark.parametrize(("stored", "codes", "shown"), [
    ("+74266321435", ("42663",), "+7 42663 2-14-35"),   # Ленинское, 5-digit local numbers
    ("+74212324567", ("4212",), "+7 4212 32-45-67"),     # Хабаровск, 6-digit local numbers
    ("+74266321435", ("4212",), "+7 426 632-14-35"),     # another district's code: ABC only
    ("+79141234567", ("42663",), "+7 914 123-45-67"),    # a mobile has no local code
])
def test_a_landline_is_grouped_by_its_local_area_code(stored, codes, shown):
    assert format_phone(stored, codes) == shown


def test_a_number_typed_with_its_area_code_keeps_it():
    assert area_code_of("+7 (42663) 2-14-35") == "42663"
    assert area_code_of("8-4212-32-45-67") == "4212"
    assert area_code_of("+74266321435") is None  # typed without one
    assert format_phone("8 (42663) 2-14-35") == "+7 42663 2-14-35"


@pytest.mark.parametrize("text", ["позвоните нам", "112", ""])
def test_text_that_is_not_a_number_is_shown_as_typed(text):
    assert format_phone(f"  {text} ") == text


def test_tel_links_dial_the_number_in_full():
    assert tel_href("+7 (42663) 2-14-35") == "tel:+74266321435"
    assert tel_href("8 914 123-45-67") == "tel:+79141234567"


def test_provider_landlines_are_shown_with_the_municipalitys_area_code(app, client, make):
    make.municipality(hotline_phone="+7 (42663) 2-14-35")
    provider = factories.provider(app, phone="+74266324726")
    factories.program(app, provider)

    html = client.get(f"/providers/{provider.id}").get_data(as_text=True)

    assert re.search(r'href="tel:\+74266324726">\+7 42663 2-47-26<', html)
    assert "(426)" not in html
    assert re.search(r'href="tel:\+74266321435">\+7 42663 2-14-35<', footer(client))


def test_the_admin_cannot_save_a_hotline_that_is_not_a_phone_number(app, client, login_as):
    login_as("admin")
    response = form_post(client, "/admin/municipality",
                         {**SETTINGS, "hotline_phone": "звоните в отдел образования"})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "hotline_phone") == (
        "Проверьте номер горячей линии: например, +7 (42663) 2-14-35")
