"""What a family reads about its child is Russian that agrees: «Ферапонт получил», «Анна
получила», «когда Ферапонту исполнится 5 лет», and the certificate number is written one way
(79 05 00001 9) on every page, notice and e-mail."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from pfdo.certificates.models import Certificate
from pfdo.certificates.numbers import format_number
from pfdo.db import db
from pfdo.notifications.models import Notice, OutboxMessage
from tests import factories
from tests.conftest import form_post
from tests.families.test_children import GOOD

BOY = {"first_name": "Ферапонт", "middle_name": "Ильич", "sex": "male"}
GIRL = {"first_name": "Анна", "middle_name": "Ильинична", "sex": "female"}
RAW_NUMBER = re.compile(r"(?<!\d)79\d{8}(?!\d)")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(("child", "verb"), [(BOY, "добавлен"), (GIRL, "добавлена")])
def test_adding_a_child_is_told_in_the_childs_gender(client, login_as, frozen_clock, child,
                                                     verb):
    login_as("parent")
    response = form_post(client, "/children/new", {**GOOD, **child}, follow_redirects=True)
    assert f"{child['first_name']} {verb}. Теперь можно подать заявление" in text_of(
        response.get_data(as_text=True))


@pytest.mark.parametrize(("child", "verb"), [(BOY, "получил"), (GIRL, "получила")])
def test_the_issued_certificate_is_announced_in_the_childs_gender(app, make, frozen_clock,
                                                                   child, verb):
    make.municipality()
    parent = make.user("parent")
    certificate = factories.certificate(app, parent, last_name="Смирнов" if child is BOY
                                        else "Смирнова", **child)
    number = format_number(certificate.number)
    with app.app_context():
        notice = db.session.scalars(select(Notice)).one()
        mail = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.subject == "Сертификат выдан")).one()
    assert notice.text == (f"Заявление подтверждено: {child['first_name']} {verb} сертификат "
                           f"№ {number}.")
    assert f"{child['first_name']} {child['middle_name']} {verb} сертификат" in mail.body
    assert f"Номер сертификата: {number}" in mail.body
    assert "(а)" not in notice.text + mail.body


def test_a_refusal_names_the_child_in_the_genitive(app, client, make, frozen_clock):
    parent = make.user("parent")
    coordinator = make.user("coordinator")
    filed = factories.application(app, parent, last_name="Смирнов", **BOY)
    with app.app_context():
        from pfdo.accounts.models import User
        from pfdo.certificates import applications
        from pfdo.certificates.models import CertificateApplication

        applications.refuse_application(db.session.get(CertificateApplication, filed.id),
                                        "СНИЛС не совпадает", actor=db.session.get(
                                            User, coordinator.id))
        notice = db.session.scalars(select(Notice)).one()
        mail = db.session.scalars(select(OutboxMessage)).one()
    assert notice.text == "По заявлению на сертификат для Ферапонта отказано: СНИЛС не совпадает"
    assert "Ребёнок: Смирнов Ферапонт Ильич." in mail.body


def test_a_child_under_five_is_told_when_he_turns_five_in_the_dative(app, client, login_as,
                                                                      frozen_clock):
    login_as("parent")
    response = form_post(client, "/children/new",
                         {**GOOD, **BOY, "birth_date": "2022-05-15"})
    page = text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "когда Ферапонту исполнится 5 лет (15.05.2027)" in page


def test_a_child_born_on_29_february_turns_five_on_1_march(app, client, login_as, frozen_clock):
    login_as("parent")
    response = form_post(client, "/children/new",
                         {**GOOD, **GIRL, "birth_date": "2024-02-29"})
    child_page = response.headers["Location"]
    page = text_of(client.get(child_page).get_data(as_text=True))
    assert "когда Анне исполнится 5 лет (01.03.2029)" in page
    applied = form_post(client, f"{child_page}/apply", {"consent": "y"}, page=child_page)
    assert "Анна сможет его получить с 01.03.2029" in text_of(applied.get_data(as_text=True))


def test_the_certificate_number_is_written_one_way_everywhere(app, client, make, login_as,
                                                              frozen_clock):
    make.municipality()
    parent = login_as("parent")
    certificate = factories.certificate(app, parent, birth_date=date(2016, 5, 10))
    factories.period(app)
    factories.financing(app, certificate)
    grouped = format_number(certificate.number)
    assert re.fullmatch(r"79 05 \d{5} \d", grouped)

    pages = ["/cabinet", f"/children/{certificate.child_id}", f"/certificates/{certificate.id}",
             f"/certificates/{certificate.id}/extract"]
    for path in pages:
        # a link (the extract prints its check address) keeps the digits a machine reads
        shown = re.sub(r"https?://\S+", "", text_of(client.get(path).get_data(as_text=True)))
        assert grouped in shown, path
        assert not RAW_NUMBER.search(shown), (path, RAW_NUMBER.search(shown))
    with app.app_context():
        texts = [n.text for n in db.session.scalars(select(Notice))]
        texts += [m.body for m in db.session.scalars(select(OutboxMessage))]
        assert db.session.get(Certificate, certificate.id).number == certificate.number
    assert len(texts) == 4  # issued and converted: a notice and an e-mail each
    assert all(grouped in text and not RAW_NUMBER.search(text) for text in texts)
