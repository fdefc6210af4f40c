"""Every page and e-mail that shows a person goes through the masking table (pfdo.masking):
a provider reads a child by surname and initials and age, never the first name in full, the
birth date or anything reaching the family; the coordinator reads the same child whole. And
no template outside the family's own pages reads a person's field but through the table."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from pfdo.db import db
from pfdo.notifications.models import OutboxMessage
from tests import factories
from tests.conftest import login

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

#: a family's own pages and the e-mails sent to a family: the parent sees the family whole
FAMILY_TEMPLATES = {
    "certificates/detail.html", "certificates/extract.html", "certificates/financing.html",
    "enrollments/contract.html", "enrollments/mine.html", "enrollments/request.html",
    "enrollments/week.html", "navigator/_child_pick.html", "privacy/export.html",
    "privacy/withdraw.html",
    "emails/application_refused.txt", "emails/certificate_issued.txt",
    "emails/consent_withdrawn.txt", "emails/contract_ended.txt",
    "emails/contract_rolled_over.txt", "emails/enrolment_request_answered.txt",
    "emails/financing_granted.txt", "emails/offer_lapsed.txt", "emails/offer_lapsing.txt",
    "emails/offer_waiting.txt", "emails/request_expired.txt", "emails/waitlist_seat.txt",
}
FAMILY_FOLDERS = ("families/", "_macros/person.html")
PERSONAL = re.compile(r"\b(?:child|parent|applicant)\.(?:full_name|short_name|first_name|"
                      r"last_name|middle_name|birth_date|snils|phone|email|address|"
                      r"document_series|document_number|document_text)\b")
THROUGH_THE_TABLE = re.compile(r"\b(?:person\.\w+|personal|personal_for)\([^()]*\)")


def test_no_staff_template_reads_a_person_but_through_the_masking_table():
    offenders = []
    for path in sorted(TEMPLATES.rglob("*")):
        name = path.relative_to(TEMPLATES).as_posix()
        if not path.is_file() or name in FAMILY_TEMPLATES or name.startswith(FAMILY_FOLDERS):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PERSONAL.search(THROUGH_THE_TABLE.sub("", line)):
                offenders.append(f"{name}:{number}: {line.strip()[:100]}")
    assert offenders == []


def test_the_provider_reads_the_child_by_surname_and_initials_on_every_page(app, client, world):
    request_ = factories.enrolment_request(app, world.parent, world.child, world.group)
    parent = factories.user(app, "parent")
    kid = factories.child(app, parent, last_name="Ёлкина", first_name="Вера",
                          middle_name="Ильинична")
    factories.certificate(app, parent, kid, coordinator=world.coordinator)
    contract = factories.contract(app, parent, kid, world.group, staff=world.staff)
    login(client, world.staff.email)
    pages = {
        "/provider/enrolments": "Иванова А. П.",
        f"/provider/enrolments/requests/{request_.id}": "Иванова А. П.",
        "/provider/enrolments/contracts": "Ёлкина В. И.",
        f"/provider/enrolments/contracts/{contract.id}": "Ёлкина В. И.",
        f"/provider/groups/{world.group.id}/pupils": "Ёлкина В. И.",
    }
    for url, shown in pages.items():
        html = client.get(url).get_data(as_text=True)
        assert shown in html, url
        for secret in ("Анна", "Вера", "Ильинична", "10.05.2016", world.child.snils,
                       kid.snils, world.parent.email, parent.email):
            assert secret not in html, (url, secret)


def test_the_e_mails_to_the_provider_mask_the_child_as_its_pages_do(app, world):
    factories.enrolment_request(app, world.parent, world.child, world.group)
    with app.app_context():
        body = db.session.scalars(select(OutboxMessage.body).where(
            OutboxMessage.recipient == world.staff.email)).one()
    assert "Ребёнок: Иванова А. П., 9 лет на начало занятий" in body
    assert "Анна" not in body and "10.05.2016" not in body


def test_the_coordinator_reads_the_same_child_whole(app, client, world):
    factories.contract(app, world.parent, world.child, world.group, staff=world.staff)
    login(client, world.coordinator.email)
    html = client.get(f"/coordinator/children/{world.child.id}").get_data(as_text=True)
    assert "Иванова Анна Петровна" in html and "10.05.2016" in html
    assert f'href="mailto:{world.parent.email}"' in html
    listing = client.get("/coordinator/contracts").get_data(as_text=True)
    assert "Иванова А. П." in listing and "Анна" not in listing
