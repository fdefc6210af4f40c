"""The parent's children: add, edit, validation beside the fields, ownership."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pfdo.children.models import Child
from pfdo.db import db
from tests import factories
from tests.conftest import form_post

GOOD = {
    "last_name": "Смирнов", "first_name": "Артём", "middle_name": "Олегович",
    "birth_date": "2016-05-20", "sex": "male", "document_type": "birth_certificate",
    "document_series": "ii-аб", "document_number": "123456", "snils": "112-233-445 95",
    "address": "с. Ленинское, ул. Ленина, д. 10, кв. 2",
}


def children(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Child))


def test_parent_adds_a_child_and_sees_it_in_the_cabinet(app, client, login_as, frozen_clock):
    parent = login_as("parent")
    response = form_post(client, "/children/new", GOOD)
    assert response.status_code == 302
    with app.app_context():
        child = db.session.scalars(select(Child)).one()
        assert (child.parent_id, child.snils, child.document_series) == (
            parent.id, "11223344595", "II-АБ")
    assert response.headers["Location"] == f"/children/{child.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Смирнов Артём Олегович" in page and "9 лет" in page
    assert "Подать заявление на сертификат" in page
    assert "Смирнов Артём Олегович" in client.get("/cabinet").get_data(as_text=True)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("last_name", "Smirnov", "Только русские буквы"),
    ("birth_date", "", "Укажите дату рождения"),
    ("birth_date", "2030-01-01", "не может быть в будущем"),
    ("birth_date", "2001-01-01", "до 18 лет"),
    ("sex", "", "Укажите пол"),
    ("document_series", "AB-12", "римские цифры"),
    ("document_number", "12", "6 цифр"),
    ("snils", "112-233-445 96", "Контрольное число СНИЛС"),
    ("snils", "123", "11 цифр"),
    ("address", "дом", "Укажите адрес"),
])
def test_bad_child_data_is_refused_beside_the_field(app, client, login_as, frozen_clock, field,
                                                    value, message):
    login_as("parent")
    response = form_post(client, "/children/new", {**GOOD, field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    if field != "last_name":
        assert 'value="Смирнов"' in html
    assert children(app) == 0


def test_the_same_snils_twice_in_one_cabinet_is_refused(app, client, login_as, frozen_clock):
    login_as("parent")
    form_post(client, "/children/new", GOOD)
    response = form_post(client, "/children/new", {**GOOD, "first_name": "Пётр"})
    assert response.status_code == 422
    assert "уже есть в вашем кабинете" in response.get_data(as_text=True)
    assert children(app) == 1


def test_parent_edits_the_address(app, client, login_as, frozen_clock):
    parent = login_as("parent")
    child_id = factories.child(app, parent, snils="112-233-445 95").id
    edit = client.get(f"/children/{child_id}/edit").get_data(as_text=True)
    assert 'value="112-233-445 95"' in edit  # shown formatted
    response = form_post(client, f"/children/{child_id}/edit",
                         {**GOOD, "address": "с. Бабстово, ул. Школьная, д. 3"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Child, child_id).address == "с. Бабстово, ул. Школьная, д. 3"


def test_another_family_cannot_open_or_change_the_child(app, client, make, login_as,
                                                        frozen_clock):
    owner = make.user("parent", email="owner@example.ru")
    child_id = factories.child(app, owner).id
    login_as("parent")
    assert client.get(f"/children/{child_id}").status_code == 404
    assert client.get(f"/children/{child_id}/edit").status_code == 404
    post = form_post(client, f"/children/{child_id}/edit", {**GOOD, "address": "чужой адрес 1"},
                     page="/cabinet")
    assert post.status_code == 404
    assert form_post(client, f"/children/{child_id}/apply", {"consent": "y"},
                     page="/cabinet").status_code == 404
    with app.app_context():
        assert db.session.get(Child, child_id).address.startswith("с. Ленинское")


def test_staff_cannot_use_the_parent_pages(client, login_as):
    login_as("coordinator")
    assert client.get("/children/new").status_code == 403
