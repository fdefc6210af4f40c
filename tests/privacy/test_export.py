"""The family's data download: a ZIP with JSON and a readable page, only the family's own."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select

from pfdo.audit.models import AuditEvent
from pfdo.db import db
from tests import factories
from tests.conftest import login
from tests.enrollments.conftest import world  # noqa: F401 - the fixture


def test_parent_downloads_everything_held_on_the_family(app, client, world):  # noqa: F811
    factories.financing(app, world.certificate)
    contract = factories.contract(app, world.parent, world.child, world.group,
                                  staff=world.staff)
    stranger = factories.user(app, "parent", last_name="Чужова")
    factories.certificate(app, stranger, last_name="Чужова", first_name="Ева")
    login(client, world.parent.email)
    assert "Скачать данные семьи" in client.get("/account").get_data(as_text=True)
    response = client.get("/account/data.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert sorted(archive.namelist()) == ["данные-семьи.html", "данные-семьи.json"]
    data = json.loads(archive.read("данные-семьи.json"))
    assert data["account"]["email"] == world.parent.email
    [child] = data["children"]
    assert child["snils"] == world.child.snils and child["birth_date"] == "2016-05-10"
    assert child["certificate"]["number"] == world.certificate.number
    assert child["certificate"]["balance_kopecks"]["reserved"] > 0
    assert [k["number"] for k in child["contracts"]] == [contract.number]
    assert child["contracts"][0]["months"][0]["month"] == "2026-03-01"
    page = archive.read("данные-семьи.html").decode()
    assert "Сертификат № " in page and contract.number in page and "Чужова" not in page
    assert "10.05.2016" in page and "<script" not in page
    assert "Чужова" not in json.dumps(data, ensure_ascii=False)
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "privacy.data_exported")).one()
        assert event.actor_id == world.parent.id
