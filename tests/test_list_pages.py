"""The seven filter-and-list pages share one scaffold (templates/_macros/listing.html): the same
htmx attributes on the filters form, one pause after typing, and the same URL working without
JavaScript (the whole page with the filtered results) and with htmx (the results block alone)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import factories
from tests.conftest import form_post

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
FORM = re.compile(r'<form\b[^>]*\brole="search"[^>]*>', re.S)
ATTR = re.compile(r'([\w-]+)="([^"]*)"')
#: what each list page answers to a query: a row that matches, and one that must not show
PAGES = {
    "applications": ("coordinator", "/coordinator/applications", {"q": "Соколов"},
                     "Соколов К. А.", "Иванова А. П."),
    "moderation": ("coordinator", "/coordinator/programs", {"q": "Шахматы"},
                   "Шахматы", "Рисование"),
    "provider queue": ("coordinator", "/coordinator/providers", {"q": "Радуга"},
                       "ЦДТ Радуга", "ЦДТ Солнышко"),
    "audit log": ("admin", "/admin/audit", {"actor": "morozova"},
                  "morozova@example.ru", "sokolova@example.ru"),
    "users": ("admin", "/admin/users", {"q": "Соколова"}, "Соколова Нина", "Морозова Елена"),
    "catalogue": (None, "/programs", {"q": "шахматы"}, "Шахматы", "Рисование"),
    "registry": (None, "/providers", {"q": "Радуга"}, "ЦДТ Радуга", "ЦДТ Солнышко"),
}


@pytest.fixture
def lists(app, client, make, login_as):
    """Two of everything each list shows, then the client signed in as `role` (or not)."""
    make.municipality()
    parent = make.user("parent")
    factories.application(app, parent, last_name="Соколов", first_name="Кирилл",
                             middle_name="Андреевич", sex="male")
    factories.application(app, parent)  # Иванова Анна Петровна
    rainbow = factories.provider(app, short_name="ЦДТ Радуга", status="submitted")
    sunny = factories.provider(app, short_name="ЦДТ Солнышко", status="submitted")
    factories.provider(app, short_name="ЦДТ Радуга", status="approved")
    shown = factories.provider(app, short_name="ЦДТ Солнышко", status="approved")
    for provider, status in ((rainbow, "submitted"), (sunny, "submitted"), (shown, "published")):
        factories.program(app, provider, title="Шахматы", status=status)
        factories.program(app, provider, title="Рисование", status=status)

    def sign_in(role: str | None) -> None:
        if role is not None:
            # a coordinator's sign-in first, so the audit log has someone else's events too
            login_as("coordinator", last_name="Соколова", first_name="Нина",
                     middle_name="Ивановна", email="sokolova@example.ru")
            form_post(client, "/logout")
            login_as(role, last_name="Морозова", first_name="Елена", middle_name="Викторовна",
                     email="morozova@example.ru")

    return sign_in


def results_of(html: str) -> str:
    """The results block of a page or fragment: from id="results" to the end of the page."""
    return html[html.index('id="results"'):]


def test_only_the_listing_macro_writes_the_filters_trigger():
    """One place decides how long the lists wait after typing."""
    writers = sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html")
                     if "input delay:" in path.read_text(encoding="utf-8"))
    assert writers == ["_macros/listing.html"]


@pytest.mark.parametrize("name", PAGES)
def test_every_list_page_has_the_same_htmx_filters_form(client, lists, name):
    role, url, _query, _match, _other = PAGES[name]
    lists(role)
    response = client.get(url)
    assert response.status_code == 200
    forms = FORM.findall(response.get_data(as_text=True))
    assert len(forms) == 1
    attrs = dict(ATTR.findall(forms[0]))
    assert attrs["method"] == "get" and attrs["action"] == attrs["hx-get"] == url
    assert attrs["hx-trigger"] == "submit, input delay:300ms"
    assert attrs["hx-target"] == "#results" and attrs["hx-swap"] == "outerHTML"
    assert attrs["hx-push-url"] == "true" and attrs["hx-sync"] == "this:replace"


@pytest.mark.parametrize("name", PAGES)
def test_a_list_page_filters_without_htmx_and_with_it(client, lists, name):
    role, url, query, match, other = PAGES[name]
    lists(role)
    plain = client.get(url, query_string=query)
    assert plain.status_code == 200
    page = plain.get_data(as_text=True)
    assert page.lstrip().lower().startswith("<!doctype html>")
    value = next(iter(query.values()))
    assert f'value="{value}"' in FORM.split(page, maxsplit=1)[1].split("</form>")[0]
    assert match in results_of(page) and other not in results_of(page)

    fragment = client.get(url, query_string=query, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and not FORM.search(html)
    assert match in html and other not in html
