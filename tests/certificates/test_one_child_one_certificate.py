"""One child, one certificate (issue 9, item 1): the attack of the issue is refused, the
identity does not depend on the отчество or on how digits were typed, the database refuses a
racing duplicate, the coordinator finds a child by ASCII digits whatever was typed and sees
every possible duplicate, and one family cannot add the same child twice."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pfdo.audit.models import AuditEvent
from pfdo.certificates.models import Certificate, CertificateApplication
from pfdo.children.models import Child
from pfdo.db import db
from tests import factories
from tests.conftest import form_post
from tests.coordinator.test_applications import queue_rows, text_of

ISSUE_SNILS = "11223344595"
FULL_WIDTH = "１１２-２３３-４４５ ９５"
BORN = date(2016, 5, 20)


@pytest.fixture
def first_family(app, make, frozen_clock):
    """A family whose child has the certificate already (ASCII СНИЛС, with an отчество)."""
    make.municipality()
    mother = make.user("parent", email="mother@example.ru")
    issued = factories.certificate(app, mother, last_name="Смирнов", first_name="Артём",
                                   middle_name="Олегович", sex="male", birth_date=BORN,
                                   snils=ISSUE_SNILS, document_number="123456")
    return mother, issued


def child_form(**overrides) -> dict:
    values = {"last_name": "Смирнов", "first_name": "Артём", "middle_name": "",
              "birth_date": "2016-05-20", "sex": "male", "document_type": "birth_certificate",
              "document_series": "I-ТВ", "document_number": "654321", "snils": FULL_WIDTH,
              "address": "с. Бабстово, ул. Школьная, д. 3"}
    values.update(overrides)
    return values


def applications(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CertificateApplication))


def add_and_apply(client, **overrides):
    added = form_post(client, "/children/new", child_form(**overrides))
    assert added.status_code == 302, added.get_data(as_text=True)[:2000]
    child_url = added.headers["Location"]
    return form_post(client, f"{child_url}/apply", {"consent": "y"}, page=child_url)


def test_the_attack_of_the_issue_is_refused(app, client, login_as, first_family):
    """Another family, the СНИЛС in full-width digits, no отчество: the second certificate
    the issue saw financed is not even applied for."""
    login_as("parent", email="father@example.ru")
    response = add_and_apply(client)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "совпадает СНИЛС" in page and "Сертификат выдаётся один раз" in page
    assert applications(app) == 1
    with app.app_context():  # what was typed is stored as the number it is
        assert db.session.scalars(select(Child.snils).order_by(Child.id)).all() == [
            ISSUE_SNILS, ISSUE_SNILS]


def test_another_snils_does_not_hide_the_same_name_and_birth_date(app, client, login_as,
                                                                 first_family):
    login_as("parent", email="father@example.ru")
    response = add_and_apply(client, snils=factories.valid_snils(), last_name="СМИРНОВ",
                             first_name="артем")
    assert "совпадают фамилия, имя и дата рождения" in response.get_data(as_text=True)
    assert applications(app) == 1


def test_the_same_document_under_another_name_is_refused(app, client, login_as, first_family):
    login_as("parent", email="father@example.ru")
    response = add_and_apply(client, snils=factories.valid_snils(), first_name="Пётр",
                             document_series="ii аб", document_number="１２３４５６")
    assert "совпадает документ" in response.get_data(as_text=True)
    assert applications(app) == 1


def test_the_database_refuses_a_racing_duplicate(app, make, first_family):
    """Two applications checked at the same moment both pass the query; the partial unique
    indexes still let only one in (here: the document, the key that is new)."""
    mother, issued = first_family
    other = factories.child(app, make.user("parent", email="other@example.ru"),
                            last_name="Иванов", first_name="Пётр", snils=factories.valid_snils(),
                            document_number="123456")
    with app.app_context():
        first = db.session.get(CertificateApplication, 1)
        db.session.add(CertificateApplication(
            child_id=other.id, applicant_id=other.parent_id, consent_version="2026-01",
            snils=other.snils, identity_key="иванов|петр|2016-05-10",
            document_key=first.document_key))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_a_refused_application_does_not_block_a_new_one(app, make, frozen_clock):
    from pfdo.accounts.models import User
    from pfdo.certificates import applications

    make.municipality()
    coordinator = make.user("coordinator")
    filed = factories.application(app, make.user("parent"), snils=ISSUE_SNILS,
                                  document_number="123456")
    with app.app_context():
        applications.refuse_application(db.session.get(CertificateApplication, filed.id),
                                    "Неверный СНИЛС, исправьте",
                                    actor=db.session.get(User, coordinator.id))
        child = db.session.get(Child, filed.child_id)
        again = applications.apply_for_certificate(child.parent, child, consent=True,
                                               today=factories.today())
        assert again.status == "submitted"


# --- The coordinator ---------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["11223344595", "112-233-445 95", FULL_WIDTH,
                                   "١١٢٢٣٣٤٤٥٩٥"])
def test_the_coordinator_finds_a_child_typed_in_full_width_by_any_digits(app, client, make,
                                                                        login_as, frozen_clock,
                                                                        typed):
    make.municipality()
    parent = make.user("parent")
    factories.application(app, parent, last_name="Кузнецова", snils=FULL_WIDTH)
    factories.application(app, make.user("parent"), last_name="Орлова")
    login_as("coordinator")
    rows = queue_rows(client, q=typed)
    assert [row[1].split(" №")[0] for row in rows] == ["Кузнецова А. П."]


def test_the_coordinator_finds_a_certificate_by_its_number_in_other_digits(app, client, make,
                                                                          login_as,
                                                                          frozen_clock):
    make.municipality()
    issued = factories.certificate(app, make.user("parent"), last_name="Кузнецова")
    factories.certificate(app, make.user("parent"), last_name="Орлова")
    login_as("coordinator")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in issued.number)
    rows = queue_rows(client, q=full_width, status="all")
    assert [row[1].split(" №")[0] for row in rows] == ["Кузнецова А. П."]


def duplicate_items(html: str) -> list[str]:
    section = re.search(r'aria-labelledby="duplicates-title">(.*?)</section>', html, re.S)
    assert section, "no duplicates section"
    return [text_of(item) for item in re.findall(r'<li class="duplicate[^"]*">(.*?)</li>',
                                                 section.group(1), re.S)]


def test_the_application_page_lists_every_possible_duplicate(app, client, make, login_as,
                                                            first_family):
    mother, issued = first_family
    # The attack, filed before the fix: its old keys slipped past (the migration keeps them).
    father = make.user("parent", email="father@example.ru")
    twin = factories.child(app, father, last_name="Смирнов", first_name="Артём",
                           middle_name="", sex="male", birth_date=BORN,
                           snils=factories.valid_snils(), document_number="654321")
    with app.app_context():
        filed = CertificateApplication(
            child_id=twin.id, applicant_id=father.id, consent_version="2026-01",
            snils=twin.snils, identity_key="смирнов|артем||2016-05-20",
            document_key="birth_certificate|II-АБ|654321")
        db.session.add(filed)
        db.session.commit()
        db.session.refresh(filed)
        db.session.expunge(filed)
    # A near match: the same surname and birth date, another first name, no application.
    cousin = factories.child(app, make.user("parent"), last_name="Смирнов", first_name="Илья",
                             sex="male", birth_date=BORN)
    # The same СНИЛС among children without an application (another family typed it).
    same_snils = factories.child(app, make.user("parent"), last_name="Котова",
                                 first_name="Ольга", birth_date=date(2015, 1, 1),
                                 snils=factories.valid_snils(1))  # noqa: F841
    unrelated = factories.child(app, make.user("parent"), last_name="Иванов",  # noqa: F841
                                first_name="Артём", birth_date=date(2014, 2, 2))
    with app.app_context():
        snils_twin = db.session.get(Child, same_snils.id)
        snils_twin.snils = db.session.get(Child, filed.child_id).snils
        db.session.commit()

    coordinator = login_as("coordinator")
    html = client.get(f"/coordinator/applications/{filed.id}").get_data(as_text=True)
    items = duplicate_items(html)
    assert len(items) == 3
    exact, twin, near = items
    assert "Смирнов Артём Олегович , 20.05.2016" in exact and "совпадение" in exact
    assert "Совпадают фамилия, имя и дата рождения" in exact
    assert "Сертификат №" in exact and "действует" in exact
    assert "Котова Ольга" in twin and "Совпадает СНИЛС" in twin
    assert "Заявления на сертификат нет" in twin
    assert "Смирнов Илья" in near and "похоже" in near
    assert "Совпадают фамилия и дата рождения" in near
    # each with a link: the other child's application, or the child's own page
    with app.app_context():
        issued_application = db.session.scalars(select(CertificateApplication.id).where(
            CertificateApplication.certificate_id == issued.id)).one()
    assert f'href="/coordinator/applications/{issued_application}"' in html
    assert f'href="/coordinator/children/{cousin.id}"' in html
    child_page = client.get(f"/coordinator/children/{cousin.id}")
    assert child_page.status_code == 200
    assert "Заявления на сертификат родитель не подавал" in child_page.get_data(as_text=True)

    with app.app_context():  # both views are in the personal-data access log
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "child.viewed", AuditEvent.actor_id == coordinator.id)
            .order_by(AuditEvent.id)).all()
        assert events[0].details["application"] == filed.id
        assert sorted(events[0].details["duplicates"]) == sorted(
            [db.session.scalars(select(Certificate.child_id)).one(), same_snils.id, cousin.id])
        assert (events[1].object_id, events[1].object_type) == (str(cousin.id), "Child")


def test_no_duplicates_are_said_to_be_none(app, client, make, login_as, frozen_clock):
    make.municipality()
    filed = factories.application(app, make.user("parent"))
    login_as("coordinator")
    html = client.get(f"/coordinator/applications/{filed.id}").get_data(as_text=True)
    assert duplicate_items(html) == []
    assert "Других детей с этим СНИЛС" in html


# --- One family -----------------------------------------------------------------------------

def test_one_family_cannot_add_the_same_child_twice(app, client, login_as, frozen_clock):
    login_as("parent")
    assert form_post(client, "/children/new", child_form(middle_name="Олегович")).status_code \
        == 302
    again = form_post(client, "/children/new", child_form(
        last_name="смирнов", middle_name="", snils=factories.valid_snils(),
        document_number="111222"))
    html = again.get_data(as_text=True)
    assert again.status_code == 422
    error = re.search(r'<div id="last_name-error"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert "Этот ребёнок уже есть в вашем кабинете: Смирнов Артём Олегович, 20.05.2016" in error
    assert "Откройте его карточку" in error
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Child)) == 1


def test_editing_a_child_into_a_sibling_is_refused(app, client, login_as, frozen_clock):
    login_as("parent")
    form_post(client, "/children/new", child_form())
    second = form_post(client, "/children/new", child_form(
        first_name="Пётр", snils=factories.valid_snils(), document_number="111222"))
    response = form_post(client, f"{second.headers['Location']}/edit", child_form(
        first_name="Артём", snils=factories.valid_snils(), document_number="111222"))
    assert response.status_code == 422
    assert "Этот ребёнок уже есть в вашем кабинете" in response.get_data(as_text=True)
