"""The guests' catalogue pages are cacheable (issue 14): ETag and Cache-Control from the
catalogue's version, 304 on revalidation, the rendered page served from the cache — and any
committed change to what the catalogue shows, through whatever service or bulk statement,
moves the version on, so a guest never sees a stale page; a signed-in user is never cached."""

from __future__ import annotations

from sqlalchemy import update

from pfdo.db import db, unit_of_work
from pfdo.navigator import cache
from pfdo.programs.models import Group, Program
from tests import factories
from tests.queries import count_queries


def _version(app) -> int:
    with app.app_context():
        return cache.read_version()


def test_a_guests_page_carries_an_etag_and_revalidates_to_304(app, client, make):
    make.municipality()
    provider = factories.provider(app, short_name="Радуга")
    factories.program(app, provider, title="Шахматы", direction="sports")
    first = client.get("/programs?q=шахматы")
    assert first.status_code == 200 and "Шахматы" in first.get_data(as_text=True)
    assert first.headers["Cache-Control"] == "public, no-cache"
    etag = first.headers["ETag"]
    again = client.get("/programs?q=шахматы", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    # another URL, another tag; the htmx fragment of the same URL too
    assert client.get("/programs?q=шашки").headers["ETag"] != etag
    assert client.get("/programs?q=шахматы", headers={"HX-Request": "true"}).headers[
        "ETag"] != etag


def test_a_cached_page_costs_one_read_of_the_version(app, client, make):
    make.municipality()
    provider = factories.provider(app, short_name="Радуга")
    factories.program(app, provider, title="Шахматы", direction="sports")
    assert client.get("/programs?q=шахматы").status_code == 200
    with count_queries(app) as queries:
        hit = client.get("/programs?q=шахматы")
    assert hit.status_code == 200 and "Шахматы" in hit.get_data(as_text=True)
    statements = [q for q in queries if q.strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK")]
    assert len(statements) == 2, statements  # the version and the municipality's time zone


def test_a_change_moves_the_version_on_and_the_page_shows_it(app, client, make):
    make.municipality()
    provider = factories.provider(app, short_name="Радуга")
    program = factories.program(app, provider, title="Шахматы", direction="sports")
    before = client.get("/programs")
    assert "Шахматы" in before.get_data(as_text=True)
    version = _version(app)
    with app.app_context(), unit_of_work():
        db.session.get(Program, program.id).title = "Шахматы и шашки"
    assert _version(app) == version + 1
    after = client.get("/programs", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and "Шахматы и шашки" in after.get_data(as_text=True)


def test_a_bulk_statement_moves_the_version_on_too(app, make):
    make.municipality()
    provider = factories.provider(app, short_name="Радуга")
    group = factories.group(app, factories.program(app, provider))
    version = _version(app)
    with app.app_context(), unit_of_work():  # as a seat taken at an enrolment
        db.session.execute(update(Group).where(Group.id == group.id)
                           .values(seats_taken=Group.seats_taken + 1))
    assert _version(app) == version + 1


def test_a_change_the_catalogue_does_not_show_leaves_the_version(app, make):
    make.municipality()
    version = _version(app)
    make.user("parent")
    assert _version(app) == version


def test_a_signed_in_user_is_never_cached(app, client, make, login_as):
    make.municipality()
    login_as("parent")
    response = client.get("/programs")
    assert response.status_code == 200
    assert "ETag" not in response.headers
    assert "public" not in response.headers.get("Cache-Control", "")
