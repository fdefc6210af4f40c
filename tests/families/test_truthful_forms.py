"""Forms tell the truth (issue 9, item 16): protected fields are shown read-only with the
reason and what to do, a refusal stands beside the field it is about, impossible dates say
so, nothing is cut silently, and a stale form says what happened."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pfdo.children.models import Child
from pfdo.db import db
from tests import factories
from tests.conftest import form_post
from tests.coordinator.test_periods import VALID as PERIOD
from tests.coordinator.test_periods import error_beside
from tests.families.test_children import GOOD


def input_tag(html: str, name: str) -> str:
    return re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html).group(0)


@pytest.fixture
def applied(app, client, make, login_as, frozen_clock):
    """A signed-in parent whose child's application is filed."""
    make.municipality()
    parent = login_as("parent")
    filed = factories.application(app, parent, last_name="Смирнов", first_name="Артём",
                                  middle_name="Олегович", sex="male", document_number="123456")
    return parent, filed


def edit_data(child_id: int, app, **changes) -> dict:
    with app.app_context():
        child = db.session.get(Child, child_id)
        data = {"last_name": child.last_name, "first_name": child.first_name,
                "middle_name": child.middle_name or "", "birth_date": child.birth_date.isoformat(),
                "sex": child.sex, "document_type": child.document_type,
                "document_series": child.document_series,
                "document_number": child.document_number, "snils": child.snils,
                "address": child.address}
    return {**data, **changes}


def test_protected_fields_are_read_only_with_the_reason(app, client, applied):
    _, filed = applied
    html = client.get(f"/children/{filed.child_id}/edit").get_data(as_text=True)
    for name in ("last_name", "first_name", "middle_name", "birth_date", "snils"):
        assert "readonly" in input_tag(html, name), name
    for name in ("document_series", "document_number"):
        assert "readonly" not in input_tag(html, name), name
    assert "Заявление на сертификат подано" in html
    assert "координатор отклонит заявление с указанием причины" in html
    assert html.count("Не меняется после подачи заявления") == 5


def test_the_other_fields_still_save(app, client, applied):
    _, filed = applied
    response = form_post(client, f"/children/{filed.child_id}/edit",
                         edit_data(filed.child_id, app, address="с. Бабстово, ул. Школьная, 3"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Child, filed.child_id).address == "с. Бабстово, ул. Школьная, 3"


def test_a_changed_snils_is_refused_beside_the_snils(app, client, applied):
    """The old refusal stood beside the surname whatever was changed."""
    _, filed = applied
    response = form_post(client, f"/children/{filed.child_id}/edit",
                         edit_data(filed.child_id, app, snils=factories.valid_snils()))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "после подачи заявления не меняется" in error_beside(html, "snils")
    assert error_beside(html, "last_name") == ""


def test_after_the_certificate_the_reason_names_it(app, client, make, login_as, frozen_clock):
    make.municipality(hotline_phone="+7 (42663) 2-14-35")
    parent = login_as("parent")
    issued = factories.certificate(app, parent)
    html = client.get(f"/children/{issued.child_id}/edit").get_data(as_text=True)
    assert "выдан на эти ФИО, дату рождения и СНИЛС" in html
    assert "сообщите на горячую линию по телефону" in html and "+7 (42663) 2-14-35" in html


def test_before_an_application_nothing_is_read_only(app, client, login_as, frozen_clock):
    parent = login_as("parent")
    kid = factories.child(app, parent)
    html = client.get(f"/children/{kid.id}/edit").get_data(as_text=True)
    assert "readonly" not in html and "Не меняется" not in html


# --- Dates -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "message"), [
    ("2016-02-31", "Такой даты нет: в феврале 2016 года 29 дней"),
    ("31.04.2016", "Такой даты нет: в апреле 2016 года 30 дней"),
    ("20160-01-01", "Проверьте год: 20160; год — от 1900 до 2100"),
    ("2016-13-01", "Такой даты нет: месяц — от 1 до 12, указан 13"),
    ("вчера", "Дата в формате дд.мм.гггг"),
])
def test_impossible_birth_dates_say_so_beside_the_field(client, login_as, frozen_clock, typed,
                                                       message):
    login_as("parent")
    response = form_post(client, "/children/new", {**GOOD, "birth_date": typed})
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "birth_date").startswith(message)


def test_a_birth_date_typed_by_hand_is_read(app, client, login_as, frozen_clock):
    login_as("parent")
    assert form_post(client, "/children/new", {**GOOD, "birth_date": "20.05.2016"}
                     ).status_code == 302


def test_impossible_period_dates_say_so(client, make, login_as, frozen_clock):
    make.municipality()
    login_as("coordinator")
    response = form_post(client, "/coordinator/periods/new",
                         {**PERIOD, "starts_on": "2027-02-30", "ends_on": "20271-12-31"})
    html = response.get_data(as_text=True)
    assert error_beside(html, "starts_on") == "Такой даты нет: в феврале 2027 года 28 дней"
    assert error_beside(html, "ends_on").startswith("Проверьте год: 20271")


def test_an_impossible_filter_date_is_explained_and_ignored(client, make, login_as):
    make.municipality()
    login_as("coordinator")
    response = client.get("/coordinator/applications", query_string={"date_from": "2026-02-31"})
    assert response.status_code == 200
    assert error_beside(response.get_data(as_text=True), "date_from") == (
        "Такой даты нет: в феврале 2026 года 28 дней")


# --- No silent truncation ------------------------------------------------------------------------

def test_an_address_too_long_is_refused_not_cut(app, client, login_as, frozen_clock):
    login_as("parent")
    address = "с. Ленинское, " + "ул. Длинная, " * 25
    response = form_post(client, "/children/new", {**GOOD, "address": address})
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "address").startswith(
        "Адрес не длиннее 300 знаков")
    with app.app_context():
        assert db.session.scalars(select(Child)).first() is None


def test_a_refusal_reason_too_long_is_refused_not_cut(app, make, frozen_clock):
    from pfdo.accounts.models import User
    from pfdo.certificates import applications
    from pfdo.certificates.models import CertificateApplication
    from pfdo.errors import DomainError

    make.municipality()
    coordinator = make.user("coordinator")
    filed = factories.application(app, make.user("parent"))
    with app.app_context():
        with pytest.raises(DomainError) as refused:
            applications.refuse_application(db.session.get(CertificateApplication, filed.id),
                                        "Исправьте " * 60,
                                        actor=db.session.get(User, coordinator.id))
        assert refused.value.field == "reason"
        assert db.session.get(CertificateApplication, filed.id).status == "submitted"


# --- Stale forms ---------------------------------------------------------------------------------

def test_applying_twice_says_the_application_is_filed(app, client, login_as, frozen_clock):
    parent = login_as("parent")
    kid = factories.child(app, parent, last_name="Смирнов", first_name="Артём", sex="male")
    page = f"/children/{kid.id}"
    first = form_post(client, f"{page}/apply", {"consent": "y"}, page=page)
    token_page = client.get(page).get_data(as_text=True)  # the form is gone from the page now
    assert "Подать заявление на сертификат" not in token_page
    second = form_post(client, f"{page}/apply", {"consent": "y"}, page=page)
    assert (first.status_code, second.status_code) == (302, 302)
    shown = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "Заявление на сертификат уже подано: Смирнов Артём" in shown
    assert "оно на рассмотрении" in shown and "Заявление на рассмотрении" in shown


def test_confirming_a_decided_application_says_how_it_was_decided(app, client, make, login_as,
                                                                 frozen_clock):
    make.municipality()
    login_as("coordinator")
    filed = factories.application(app, make.user("parent"))
    url = f"/coordinator/applications/{filed.id}"
    assert form_post(client, f"{url}/confirm", page=url).status_code == 302
    again = form_post(client, f"{url}/confirm", page="/coordinator/applications")
    assert again.headers["Location"] == url
    shown = client.get(url).get_data(as_text=True)
    assert "Заявление уже рассмотрено: подтверждено" in shown
