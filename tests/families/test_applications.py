"""Certificate applications: consent, age, duplicates."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from pfdo.accounts.services import CONSENT_VERSION, PersonName
from pfdo.certificates.models import CertificateApplication
from pfdo.db import db
from tests import factories
from tests.conftest import form_post

SNILS = "112-233-445 95"


def applications(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CertificateApplication))


def test_parent_applies_and_sees_it_under_review(app, client, login_as, frozen_clock):
    parent = login_as("parent")
    child_id = factories.child(app, parent, snils=SNILS).id
    response = form_post(client, f"/children/{child_id}/apply", {"consent": "y"},
                         page=f"/children/{child_id}")
    assert response.status_code == 302
    page = client.get(f"/children/{child_id}").get_data(as_text=True)
    assert "Заявление на рассмотрении" in page
    with app.app_context():
        application = db.session.scalars(select(CertificateApplication)).one()
        assert application.consent_version == CONSENT_VERSION
        assert application.snils == "11223344595"


def test_no_consent_no_application(app, client, login_as, frozen_clock):
    parent = login_as("parent")
    child_id = factories.child(app, parent).id
    response = form_post(client, f"/children/{child_id}/apply", {}, page=f"/children/{child_id}")
    assert response.status_code == 422
    assert "Нужно согласие" in response.get_data(as_text=True)
    assert applications(app) == 0


def test_a_child_under_five_is_told_when_to_come_back(app, client, login_as, frozen_clock):
    parent = login_as("parent")
    child_id = factories.child(app, parent, birth_date=date(2021, 6, 1)).id
    page = client.get(f"/children/{child_id}").get_data(as_text=True)
    assert "Сертификат выдаётся с 5 лет" in page
    response = form_post(client, f"/children/{child_id}/apply", {"consent": "y"},
                         page=f"/children/{child_id}")
    assert "сможет его получить с 01.06.2026" in response.get_data(as_text=True)
    assert applications(app) == 0


def test_same_snils_from_another_family_is_refused_with_what_to_do(app, client, make, login_as,
                                                                  frozen_clock):
    mother = make.user("parent", email="mother@example.ru")
    factories.application(app, mother, snils=SNILS)
    father = login_as("parent")
    child_id = factories.child(app, father, snils=SNILS,
                               name=PersonName("Смирнов", "Артемий", "")).id
    response = form_post(client, f"/children/{child_id}/apply", {"consent": "y"},
                         page=f"/children/{child_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "совпадает СНИЛС" in html and "номер есть в его личном кабинете" in html
    assert applications(app) == 1


def test_same_name_and_birth_date_is_refused_even_with_another_snils(app, client, make,
                                                                    login_as, frozen_clock):
    mother = make.user("parent", email="mother@example.ru")
    factories.application(app, mother, name=PersonName("Смирнов", "Артём", "Олегович"))
    father = login_as("parent")
    second = factories.child(app, father, name=PersonName("СМИРНОВ", "артём", "Олегович")).id
    response = form_post(client, f"/children/{second}/apply", {"consent": "y"},
                         page=f"/children/{second}")
    assert "совпадают фамилия, имя и дата рождения" in response.get_data(as_text=True)
    assert applications(app) == 1
