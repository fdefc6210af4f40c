"""Every text field of programs, groups and providers (and the coordinator's remarks and
reasons) has a maximum length: a longer text is refused with a message beside its field, by
the form and by the service, never cut; the Text columns hold the bound in the database too."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from pfdo.db import db
from pfdo.errors import DomainError
from pfdo.programs import editing, groups, moderation, services
from pfdo.providers import cleaning as provider_cleaning
from pfdo.providers import review as provider_review
from pfdo.providers import services as provider_services
from pfdo.providers.models import Provider
from tests import factories
from tests.conftest import csrf_token, login
from tests.programs.test_services import group_data, program_data
from tests.programs.test_views import GROUP_FORM, PROGRAM_FORM
from tests.providers.test_cabinet import profile_data


@dataclass(frozen=True)
class Case:
    field: str
    limit: int
    #: who posts: "staff" (approved provider), "applicant" (provider still waiting), "coordinator"
    who: str
    #: the page the form is on; {program}, {provider} are filled in
    url: str
    #: the form's other fields
    base: str


CASES = [
    *(Case(name, limit, "staff", "/provider/programs/new", "program")
      for name, limit in (("title", 200), ("description", 5000), ("district", 100),
                          ("address", 300), ("teacher", 200))),
    Case("name", 100, "staff", "/provider/programs/{draft}/groups/new", "group"),
    Case("name", 100, "staff", "/provider/groups/{group}/edit", "group"),
    *(Case(name, limit, "applicant", "/provider/profile", "profile")
      for name, limit in (("full_name", 300), ("short_name", 150), ("address", 300),
                          ("district", 100), ("contact_name", 200), ("website", 200),
                          ("licence_number", 50), ("description", 2000))),
    Case("reason", 1000, "coordinator", "/coordinator/providers/{provider}/reject", "none"),
    Case("remarks", 2000, "coordinator", "/coordinator/programs/{submitted}/return", "none"),
    Case("remarks", 2000, "coordinator", "/coordinator/programs/{published}/revision/return",
         "revision"),
]


def _page(url: str) -> str:
    """The page a form's CSRF token comes from."""
    return re.sub(r"/(reject|return|revision/return)$", "", url)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.base}-{c.field}-{c.limit}")
def test_a_text_longer_than_its_limit_is_refused_beside_the_field(app, client, make, case):
    make.municipality()
    user = make.user("coordinator" if case.who == "coordinator" else "provider_staff")
    provider = factories.provider(app, staff=None if case.who == "coordinator" else user,
                                  status="submitted" if case.who != "staff" else "approved")
    applicant = factories.provider(app, status="submitted")
    draft = factories.program(app, provider, status="draft")
    group = factories.group(app, draft)
    submitted = factories.program(app, provider, status="submitted", document=True)
    published = factories.program(app, provider, document=True)
    factories.revision(app, published)
    assert login(client, user.email).status_code == 302
    url = case.url.format(draft=draft.id, group=group.id, submitted=submitted.id,
                          published=published.id, provider=applicant.id)
    base = {"program": PROGRAM_FORM, "group": GROUP_FORM, "none": {},
            "revision": {"edits": "0"}}.get(case.base)
    if case.base == "profile":
        base = profile_data(provider)
    too_long = "я" * (case.limit + 1)
    data = {"csrf_token": csrf_token(client, _page(url)), **base, case.field: too_long}
    response = client.post(url, data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    message = re.search(rf'id="{case.field}-error"[^>]*>\s*<span[^>]*>([^<]*)<', html)
    assert message and message.group(1) == f"Не длиннее {case.limit} символов"
    with app.app_context():  # nothing was saved, not even cut to the limit
        for table in ("program", "provider", "program_group", "program_event",
                      "provider_event"):
            columns = [c.name for c in db.metadata.tables[table].columns
                       if c.type.python_type is str]
            long = " OR ".join(f"length({c}) > {case.limit - 1}" for c in columns)
            count = text(f"SELECT count(*) FROM {table} WHERE {long}")  # noqa: S608 - our names
            assert db.session.execute(count).scalar() == 0, table


@pytest.mark.parametrize("field, limit", [("title", 200), ("description", 5000),
                                          ("district", 100), ("address", 300),
                                          ("teacher", 200)])
def test_the_program_service_refuses_long_texts_and_takes_them_at_the_limit(app, make, field,
                                                                           limit):
    make.municipality()
    staff = make.user("provider_staff")
    provider = factories.provider(app, staff=staff)
    with app.app_context():
        row = db.session.get(Provider, provider.id)
        with pytest.raises(services.InvalidInput) as refused:
            editing.create_program(row, program_data(**{field: "я" * (limit + 1)}), None,
                                   actor=staff)
        assert refused.value.problems == {field: f"Не длиннее {limit} символов"}
        program = editing.create_program(row, program_data(**{field: "я" * limit}), None,
                                         actor=staff)
        assert len(getattr(program, field)) == limit


def test_other_services_refuse_long_texts(app, make):
    make.municipality()
    staff = make.user("provider_staff")
    coordinator = make.user("coordinator")
    provider = factories.provider(app, staff=staff, status="submitted")
    prog = factories.program(app, factories.provider(app), status="submitted", document=True)
    draft = factories.program(app, provider, status="draft")
    with app.app_context():
        from pfdo.programs.models import Program

        with pytest.raises(services.InvalidInput, match="Не длиннее 100 символов"):
            groups.create_group(db.session.get(Program, draft.id),
                                 group_data(name="я" * 101), actor=staff)
        with pytest.raises(DomainError, match="Не длиннее 2000 символов") as refused:
            moderation.return_program(db.session.get(Program, prog.id), "я" * 2001,
                                      actor=coordinator)
        assert refused.value.field == "remarks"
        row = db.session.get(Provider, provider.id)
        with pytest.raises(DomainError, match="Не длиннее 1000 символов"):
            provider_review.reject(row, "я" * 1001, actor=coordinator)
        data = provider_cleaning.ProviderData(**{
            name: value for name, value in profile_data(provider).items()
            if name in provider_cleaning.ProviderData.__dataclass_fields__
            and name not in ("licence_date", "description")}, description="я" * 2001,
            licence_date=date(2021, 2, 3))
        with pytest.raises(DomainError, match="Не длиннее 2000 символов"):
            provider_services.update_provider(row, data, actor=staff)


@pytest.mark.parametrize("table, column, limit", [
    ("program", "description", 5000), ("program", "remarks", 2000),
    ("program_event", "comment", 2000), ("provider", "description", 2000),
    ("provider", "rejection_reason", 1000), ("provider_event", "comment", 2000),
    ("program_revision", "description", 5000), ("program_revision", "remarks", 2000),
])
def test_the_database_refuses_a_text_longer_than_its_limit(app, make, table, column, limit):
    """Even past the services: a CHECK on PostgreSQL, a trigger (or a CHECK) on SQLite."""
    make.municipality()
    program = factories.program(app, factories.provider(app), document=True)
    factories.revision(app, program)
    # the table and column names come from the list above, never from input
    set_text = text(f"UPDATE {table} SET {column} = :value")  # noqa: S608
    with app.app_context():
        assert db.session.execute(set_text, {"value": "я" * limit}).rowcount >= 1
        db.session.rollback()
        with pytest.raises(IntegrityError):
            db.session.execute(set_text, {"value": "я" * (limit + 1)})
        db.session.rollback()
        if table in ("program_event", "provider_event"):
            owner = "program_id" if table == "program_event" else "provider_id"
            insert = text(f"INSERT INTO {table} ({owner}, action, status, {column}, at) "  # noqa: S608
                          f"SELECT {owner}, action, status, :value, at FROM {table} LIMIT 1")
            with pytest.raises(IntegrityError):
                db.session.execute(insert, {"value": "я" * (limit + 1)})
            db.session.rollback()
