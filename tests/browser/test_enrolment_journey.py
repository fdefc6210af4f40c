"""The enrolment journey through the real pages (issue 11): a parent finds a program, sees the
breakdown and requests a seat; the provider accepts; the parent accepts the offer and sees the
reserve on the certificate page with the exact amounts; the parent terminates the contract and
sees the money for the later months come back. Every new page passes axe-core, on a desktop
and on a phone, without sideways scrolling."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.db import db
from pfdo.enrollments.models import Contract
from pfdo.money import format_rub
from pfdo.municipality import services as municipality
from tests import factories
from tests.browser.support import (
    PHONE,
    assert_accessible,
    assert_nothing_scrolls_sideways,
    log_in,
    wait_for_htmx,
)


@dataclass(frozen=True)
class Scene:
    parent_email: str
    staff_email: str
    program_title: str
    program_id: int
    group_id: int
    certificate_id: int
    child_short: str


@pytest.fixture
def mid_october(live_app: Flask) -> Iterator[datetime]:
    """The server's clock on 15 October of the demo period's year: a contract signed now
    reserves October to December from this period and plans January to May from the next."""
    with live_app.app_context():
        year = clock.today(municipality.timezone()).year
    moment = datetime(year, 10, 15, 3, 0, tzinfo=UTC)
    clock.set_frozen(moment)
    try:
        yield moment
    finally:
        clock.set_frozen(None)


@pytest.fixture
def scene(live_app: Flask, mid_october: datetime) -> Scene:
    """A family with a financing certificate, and a provider with a program and one group."""
    tag = uuid.uuid4().hex[:6]
    year = mid_october.year
    parent = factories.user(live_app, "parent", email=f"semya-{tag}@example.ru",
                            last_name="Голубева", first_name="Ирина", middle_name="Сергеевна")
    child = factories.child(live_app, parent, last_name="Голубев", first_name="Степан",
                            middle_name="Андреевич", sex="male",
                            birth_date=date(year - 10, 3, 3))
    with live_app.app_context():  # the demo's coordinator (other journeys count the staff)
        coordinator = db.session.scalars(db.select(User).where(
            User.email == "coordinator@demo-pfdo.ru")).one().id
    certificate = factories.certificate(live_app, parent, child, coordinator=coordinator)
    factories.financing(live_app, certificate)
    staff = factories.user(live_app, "provider_staff", email=f"postavshik-{tag}@example.ru")
    provider = factories.provider(live_app, staff=staff)
    title = f"Конструирование роботов {tag}"
    program = factories.program(live_app, provider, title=title, direction="technical",
                                age_from=7, age_to=14)
    group = factories.group(live_app, program, name="Группа «Старт»", capacity=10,
                            price=250_000, starts_on=date(year, 9, 1),
                            ends_on=date(year + 1, 5, 31))
    return Scene(parent.email, staff.email, title, program.id, group.id, certificate.id,
                 "Голубев С. А.")


def _contract(live_app: Flask, program_id: int) -> Contract:
    with live_app.app_context():
        found = db.session.scalars(db.select(Contract).where(
            Contract.program_id == program_id)).one()
        found.months  # noqa: B018 - loaded while the session is open
        db.session.expunge(found)
        return found


def _rub(value: int) -> re.Pattern:
    """The amount as the pages print it (Babel puts a no-break space between groups)."""
    return re.compile(re.escape(format_rub(value)).replace("\\\xa0", "[\\s\\xa0]"))


def _sign_in(page: Page, email: str) -> None:
    from tests.factories import PASSWORD
    log_in(page, email, PASSWORD)
    # the header and the phone menu each carry the button; one of them shows (both for an
    # instant before the stylesheet applies)
    expect(page.get_by_role("button", name="Выйти").first).to_be_visible()


def _check_page(page: Page) -> None:
    assert_accessible(page)
    assert_nothing_scrolls_sideways(page)


def test_a_family_enrols_accepts_the_offer_and_terminates(
        watched_context, live_app, scene, screenshots_dir):
    family = watched_context().new_page()
    _sign_in(family, scene.parent_email)

    # The parent finds the program in the navigator and opens it.
    family.goto("/programs")
    family.get_by_label("Что ищем").fill(scene.program_title.split()[-1])
    wait_for_htmx(family)
    family.get_by_role("link", name=scene.program_title).first.click()
    expect(family.get_by_role("heading", level=1)).to_contain_text(scene.program_title)
    expect(family.get_by_text("Сколько заплатит сертификат").first).to_be_visible()
    family.get_by_role("link", name="Записаться").first.click()

    # The request page shows the breakdown before anything is sent.
    expect(family.get_by_role("heading", level=1)).to_contain_text("Запись")
    expect(family.get_by_role("heading", name="Сколько заплатит сертификат")).to_be_visible()
    _check_page(family)
    family.screenshot(path=screenshots_dir / "enrolment-request-desktop.png", full_page=True)
    family.get_by_role("button", name="Отправить заявку").click()
    expect(family.get_by_role("heading", level=1)).to_have_text("Мои записи")
    expect(family.get_by_role("alert").first).to_contain_text("Заявка")
    _check_page(family)

    # The provider answers: an offer goes to the family.
    provider = watched_context().new_page()
    _sign_in(provider, scene.staff_email)
    provider.goto("/provider/enrolments")
    expect(provider.get_by_text(scene.child_short).first).to_be_visible()
    _check_page(provider)
    provider.get_by_role("link", name=re.compile(f"Ответить.*{scene.child_short}")).click()
    expect(provider.get_by_role("heading", level=1)).to_contain_text(scene.child_short)
    _check_page(provider)
    provider.get_by_role("button", name="Принять и отправить оферту").click()
    expect(provider.get_by_role("alert").first).to_be_visible()

    # The parent reads the offer and accepts it.
    family.goto("/enrolments")
    family.get_by_role("link", name=re.compile("Оферта Д-")).first.click()
    expect(family.get_by_role("heading", level=1)).to_contain_text("Д-")
    _check_page(family)
    family.screenshot(path=screenshots_dir / "enrolment-offer-desktop.png", full_page=True)
    family.get_by_role("button", name="Принять оферту").click()
    expect(family.get_by_role("alert").first).to_contain_text("Договор")

    contract = _contract(live_app, scene.program_id)
    assert contract.status == "active"
    reserved = sum(m.certificate_share for m in contract.months if m.status == "reserved")
    assert [m.month.month for m in contract.months if m.status == "reserved"] == [10, 11, 12]
    assert reserved > 0

    # The certificate page shows the reserve to the kopeck, and names the program.
    family.goto(f"/certificates/{scene.certificate_id}")
    reserved_card = family.locator(".card", has_text="Зарезервировано по договорам")
    expect(reserved_card).to_contain_text(_rub(reserved))
    expect(family.get_by_role("link", name=re.compile(
        f"Резерв по договору {contract.number}"))).to_be_visible()

    # The parent terminates: November and December come back to the certificate.
    family.goto(f"/enrolments/contracts/{contract.id}")
    returns = sum(m.certificate_share for m in contract.months if m.month.month in (11, 12)
                  and m.month.year == contract.months[0].month.year)
    expect(family.locator(".terminate-preview")).to_contain_text(_rub(returns))
    family.get_by_label("Причина").fill("Переезжаем в другой город")
    family.get_by_role("button", name="Расторгнуть договор").click()
    expect(family.get_by_role("alert").first).to_contain_text(_rub(returns))

    family.goto(f"/certificates/{scene.certificate_id}")
    expect(family.locator(".card", has_text="Зарезервировано по договорам")).to_contain_text(
        _rub(reserved - returns))
    expect(family.get_by_role("link", name=re.compile(
        f"Возврат по договору {contract.number}"))).to_be_visible()

    # A parent on a phone reads «Мои записи» and the contract without scrolling sideways.
    family.set_viewport_size(PHONE)
    for path in ("/enrolments", f"/enrolments/contracts/{contract.id}"):
        family.goto(path)
        _check_page(family)
    family.screenshot(path=screenshots_dir / "enrolment-contract-phone.png", full_page=True)
