"""The monthly close through the real pages (issue 12): the provider submits October's report
with one contract not delivered (and says why), the demo coordinator approves the invoice, and
the families see it — one month paid on its day, with the certificate's «Оплачено» up by exactly
the certificate share; the other released, back on the certificate, with the provider's reason."""

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
from pfdo.billing.models import Invoice
from pfdo.db import db
from pfdo.enrollments.models import Contract
from pfdo.ledger import services as ledger
from pfdo.money import format_rub
from pfdo.municipality import services as municipality
from tests import factories
from tests.browser.support import assert_accessible, assert_nothing_scrolls_sideways, log_in

REASON = "Педагог на больничном весь октябрь"


@dataclass(frozen=True)
class Family:
    email: str
    contract_id: int
    certificate_id: int
    share: int  # October's certificate share


@dataclass(frozen=True)
class Scene:
    staff_email: str
    provider_id: int
    year: int
    paid: Family
    released: Family


def _family(app: Flask, group, staff, coordinator: int, tag: str, name: str,
            first_name: str) -> Family:
    year = group.starts_on.year
    parent = factories.user(app, "parent", email=f"{name}-{tag}@example.ru")
    child = factories.child(app, parent, last_name="Сорокин", first_name=first_name, sex="male",
                            birth_date=date(year - 10, 3, 3))
    certificate = factories.certificate(app, parent, child, coordinator=coordinator)
    factories.financing(app, certificate)
    made = factories.contract(app, parent, child, group, staff=staff)
    with app.app_context():
        contract = db.session.get(Contract, made.id)
        share = next(m.certificate_share for m in contract.months if m.month.month == 10)
    return Family(parent.email, made.id, certificate.id, share)


@pytest.fixture
def scene(live_app: Flask) -> Iterator[Scene]:
    """Two families signed with one provider's group in mid-October; the server's clock then
    on 2 November: October is over and its report is open."""
    with live_app.app_context():
        year = clock.today(municipality.timezone()).year
        coordinator = db.session.scalars(db.select(User).where(
            User.email == "coordinator@demo-pfdo.ru")).one().id
    clock.set_frozen(datetime(year, 10, 15, 3, 0, tzinfo=UTC))
    try:
        tag = uuid.uuid4().hex[:6]
        staff = factories.user(live_app, "provider_staff", email=f"postavshik-{tag}@example.ru")
        provider = factories.provider(live_app, staff=staff)
        program = factories.program(live_app, provider, title=f"Шахматы {tag}",
                                    direction="technical", age_from=7, age_to=14)
        group = factories.group(live_app, program, name="Группа «Дебют»", capacity=10,
                                price=250_000, starts_on=date(year, 9, 1),
                                ends_on=date(year + 1, 5, 31))
        paid = _family(live_app, group, staff, coordinator, tag, "oplata", "Пётр")
        released = _family(live_app, group, staff, coordinator, tag, "vozvrat", "Павел")
        clock.set_frozen(datetime(year, 11, 2, 3, 0, tzinfo=UTC))
        yield Scene(staff.email, provider.id, year, paid, released)
    finally:
        clock.set_frozen(None)


def _rub(value: int) -> re.Pattern:
    return re.compile(re.escape(format_rub(value)).replace("\\\xa0", "[\\s\\xa0]"))


def _sign_in(page: Page, email: str) -> None:
    log_in(page, email, factories.PASSWORD)
    # the header and the phone menu each carry the button; one of them shows (both for an
    # instant before the stylesheet applies)
    expect(page.get_by_role("button", name="Выйти").first).to_be_visible()


def _check_page(page: Page) -> None:
    assert_accessible(page)
    assert_nothing_scrolls_sideways(page)


def _available(app: Flask, certificate_id: int) -> int:
    with app.app_context():
        from pfdo.certificates.models import Certificate
        account = ledger.find_account(db.session.get(Certificate, certificate_id).account_code)
        return ledger.balance(account)


def test_the_month_is_reported_approved_and_the_families_see_it(
        watched_context, live_app, scene, signed_in_state, screenshots_dir):
    day = f"02.11.{scene.year}"
    available_before = _available(live_app, scene.released.certificate_id)
    number_released = f"Д-{scene.released.contract_id:06d}"

    # The provider fills October's report: one contract not delivered, with the reason.
    provider = watched_context().new_page()
    _sign_in(provider, scene.staff_email)
    provider.goto("/provider/reports")
    provider.get_by_role("button", name=re.compile(f"Заполнить отчёт за октябрь {scene.year}",
                                                   re.I)).click()
    expect(provider.get_by_role("heading", level=1)).to_contain_text("октябрь")
    row = provider.locator(".report-lines tr", has_text=number_released)
    row.get_by_label("Занятия проводились").uncheck()
    row.get_by_label(re.compile("Комментарий")).fill(REASON)
    _check_page(provider)
    provider.get_by_role("button", name="Отправить отчёт").click()
    expect(provider.get_by_role("alert").first).to_contain_text("отправлен координатору")
    expect(provider.get_by_role("alert").first).to_contain_text(_rub(scene.paid.share))

    # The demo coordinator approves the invoice.
    with live_app.app_context():
        invoice = db.session.scalars(db.select(Invoice).where(
            Invoice.provider_id == scene.provider_id)).one()
        invoice_id, total = invoice.id, invoice.certificate_total
    assert total == scene.paid.share
    coordinator = watched_context(
        storage_state=signed_in_state("coordinator@demo-pfdo.ru")).new_page()
    coordinator.goto(f"/coordinator/invoices/{invoice_id}")
    expect(coordinator.locator(".approval-preview")).to_contain_text(_rub(scene.paid.share))
    coordinator.get_by_role("button", name="Одобрить и оплатить").click()
    expect(coordinator.get_by_role("alert").first).to_be_visible()
    with live_app.app_context():
        assert db.session.get(Invoice, invoice_id).status == "paid"

    # The first family: October paid on the day, the certificate's «Оплачено» is the share.
    family = watched_context().new_page()
    _sign_in(family, scene.paid.email)
    family.goto(f"/enrolments/contracts/{scene.paid.contract_id}")
    october = family.locator(".months-table tr", has_text=f"октябрь {scene.year}")
    expect(october.locator(".month-status")).to_have_text(f"оплачено {day}")
    _check_page(family)
    family.goto(f"/certificates/{scene.paid.certificate_id}")
    expect(family.locator(".card", has_text="Оплачено")).to_contain_text(
        _rub(scene.paid.share))
    payment = family.locator(".history-payment").first
    expect(payment).to_contain_text("Оплата занятий")
    expect(payment).to_contain_text(f"октябрь {scene.year}")
    expect(payment).to_contain_text(_rub(scene.paid.share))
    _check_page(family)
    family.screenshot(path=screenshots_dir / "close-certificate-paid.png", full_page=True)

    # The second family: October released, with the provider's reason, and the money back.
    other = watched_context().new_page()
    _sign_in(other, scene.released.email)
    other.goto(f"/enrolments/contracts/{scene.released.contract_id}")
    october = other.locator(".months-table tr", has_text=f"октябрь {scene.year}")
    expect(october.locator(".month-status")).to_contain_text(
        f"возвращено на сертификат {day}")
    expect(october.locator(".month-note")).to_have_text(f"по отчёту поставщика: {REASON}")
    _check_page(other)
    other.goto(f"/certificates/{scene.released.certificate_id}")
    expect(other.locator(".balance-available")).to_have_text(
        _rub(available_before + scene.released.share))
    expect(other.locator(".history-release").first).to_contain_text("Возврат на сертификат")
    _check_page(other)
