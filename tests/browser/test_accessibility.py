"""axe-core (WCAG 2.1 A/AA) on every page at desktop and phone widths, with no CSP violation,
no horizontal scrolling and a full-page screenshot of each in test-results/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.billing.models import Invoice, InvoiceStatus, ServiceReport
from pfdo.certificates import applications
from pfdo.certificates import services as certificates
from pfdo.db import db
from pfdo.enrollments.models import Contract, EnrollmentRequest
from pfdo.municipality import services as municipality
from pfdo.periods import services as periods
from pfdo.privacy.models import DeletionRequest
from pfdo.programs.models import Funding, Group, Program, ProgramRevision, ProgramStatus
from pfdo.providers.models import Provider, ProviderStaff, ProviderStatus
from tests.browser.support import (
    PHONE,
    VIEWPORTS,
    assert_accessible,
    assert_nothing_scrolls_sideways,
)

PROVIDER = "provider@demo-pfdo.ru"
COORDINATOR = "coordinator@demo-pfdo.ru"

# (path, demo account signed in or None, screenshot name); {fields} are filled from demo_ids
PAGES = [
    ("/", None, "home"),
    ("/login", None, "login"),
    ("/register", None, "register"),
    ("/rules", None, "rules"),
    ("/contacts", None, "contacts"),
    ("/privacy", None, "privacy"),
    ("/cabinet", "parent@demo-pfdo.ru", "cabinet"),
    ("/account", "parent@demo-pfdo.ru", "account"),
    ("/account/consent/withdraw", "parent@demo-pfdo.ru", "consent-withdraw"),
    ("/notifications", "parent@demo-pfdo.ru", "notifications"),
    ("/coordinator/certificates", "coordinator@demo-pfdo.ru", "certificate-registry"),
    ("/coordinator/certificates/{certificate}", "coordinator@demo-pfdo.ru", "registry-card"),
    ("/hotline", "hotline@demo-pfdo.ru", "hotline"),
    ("/hotline?q={number}", "hotline@demo-pfdo.ru", "hotline-results"),
    ("/hotline/certificates/{certificate}", "hotline@demo-pfdo.ru", "hotline-card"),
    ("/hotline/calls", "hotline@demo-pfdo.ru", "hotline-calls"),
    ("/hotline/calls", "coordinator@demo-pfdo.ru", "hotline-calls-coordinator"),
    ("/admin/users", "admin@demo-pfdo.ru", "admin-users"),
    ("/admin/audit", "admin@demo-pfdo.ru", "admin-audit"),
    ("/admin/municipality", "admin@demo-pfdo.ru", "admin-municipality"),
    ("/children/new", "parent@demo-pfdo.ru", "child-new"),
    ("/children/{child}", "parent@demo-pfdo.ru", "child"),
    ("/children/{child}/edit", "parent@demo-pfdo.ru", "child-edit-read-only-identity"),
    ("/certificates/{certificate}", "parent@demo-pfdo.ru", "certificate"),
    ("/certificates/{certificate}/extract", "parent@demo-pfdo.ru", "extract"),
    ("/certificates/{record_certificate}/financing", "parent@demo-pfdo.ru", "financing-preview"),
    ("/verify/{number}", None, "verify"),
    ("/coordinator", "coordinator@demo-pfdo.ru", "coordinator"),
    ("/coordinator/applications", "coordinator@demo-pfdo.ru", "coordinator-applications"),
    ("/coordinator/applications/{application}", "coordinator@demo-pfdo.ru",
     "coordinator-application"),
    ("/coordinator/children/{child}", "coordinator@demo-pfdo.ru", "coordinator-child"),
    ("/coordinator/periods", "coordinator@demo-pfdo.ru", "coordinator-periods"),
    ("/account/delete", "parent@demo-pfdo.ru", "data-deletion-request"),
    ("/coordinator/data-deletion", "coordinator@demo-pfdo.ru", "data-deletion-queue"),
    ("/coordinator/data-deletion/{deletion}", "coordinator@demo-pfdo.ru", "data-deletion-card"),
    ("/coordinator/periods/{period}/edit", "coordinator@demo-pfdo.ru", "coordinator-period-form"),
    # the navigator and the registry, for everyone
    ("/programs", None, "navigator"),
    ("/programs?q=робот&age=9", None, "navigator-search"),
    ("/programs/{published_program}", None, "program"),
    ("/programs/{published_program}?child={child}", "parent@demo-pfdo.ru", "program-for-child"),
    ("/providers/{approved_provider}", None, "provider"),
    ("/providers", None, "registry"),
    ("/providers/apply", None, "provider-apply"),
    # the provider's cabinet
    ("/provider", PROVIDER, "provider-cabinet"),
    ("/provider/profile", PROVIDER, "provider-profile"),
    ("/provider/programs", PROVIDER, "provider-programs"),
    ("/provider/programs/new", PROVIDER, "provider-program-new"),
    ("/provider/programs/{own_program}", PROVIDER, "provider-program"),
    ("/provider/programs/{own_program}/edit", PROVIDER, "provider-program-edit"),
    ("/provider/programs/{own_program}/groups/new", PROVIDER, "provider-group-new"),
    ("/provider/groups/{own_group}/edit", PROVIDER, "provider-group-edit"),
    # the coordinator's review of providers and programs
    ("/coordinator/providers", COORDINATOR, "coordinator-providers"),
    ("/coordinator/providers/{provider_application}", COORDINATOR, "coordinator-provider"),
    ("/coordinator/programs", COORDINATOR, "coordinator-programs"),
    ("/coordinator/programs/{submitted_program}", COORDINATOR, "coordinator-program"),
    ("/coordinator/programs/{revised_program}", COORDINATOR, "coordinator-program-changes"),
    # enrolment: the family's, the provider's and the coordinator's pages
    ("/groups/{request_group}/enrol?child={child}", "parent@demo-pfdo.ru", "enrol-request"),
    ("/enrolments", "parent@demo-pfdo.ru", "my-enrolments"),
    ("/enrolments/contracts/{active_contract}", "parent@demo-pfdo.ru", "contract"),
    ("/enrolments/contracts/{offer_contract}", "parent@demo-pfdo.ru", "offer"),
    ("/children/{week_child}/week", "parent@demo-pfdo.ru", "child-week"),
    ("/provider/enrolments", PROVIDER, "provider-requests"),
    ("/provider/enrolments/requests/{provider_request}", PROVIDER, "provider-request"),
    ("/provider/enrolments/contracts", PROVIDER, "provider-contracts"),
    ("/provider/enrolments/contracts/{provider_contract}", PROVIDER, "provider-contract"),
    ("/provider/groups/{pupils_group}/pupils", PROVIDER, "provider-pupils"),
    ("/provider/reviews", PROVIDER, "provider-reviews"),
    ("/coordinator/contracts", COORDINATOR, "coordinator-contracts"),
    ("/coordinator/enrolments/deadlines", COORDINATOR, "coordinator-deadlines"),
    ("/coordinator/reviews", COORDINATOR, "coordinator-reviews"),
    # the monthly close: the provider's reports and invoices (the report and the invoice are
    # skipped while the demo has none: see demo_ids)
    ("/provider/reports", PROVIDER, "provider-reports"),
    ("/provider/reports/{provider_report}", PROVIDER, "provider-report"),
    ("/provider/invoices/{provider_invoice}", PROVIDER, "provider-invoice"),
    # the monthly close: the coordinator's invoice queue and the month's overview
    ("/coordinator/invoices", COORDINATOR, "coordinator-invoices"),
    ("/coordinator/billing", COORDINATOR, "coordinator-month"),
    ("/coordinator/invoices/{provider_invoice}", COORDINATOR, "coordinator-invoice-returned"),
    ("/coordinator/invoices/{paid_invoice}", COORDINATOR, "coordinator-invoice-paid"),
]

# (path, demo account or None, submit button, an error the empty form gets, screenshot name)
FORMS_WITH_ERRORS = [
    ("/register", None, "Зарегистрироваться", ("#last_name-error", "Укажите фамилию"),
     "register-errors"),
    ("/children/new", "parent@demo-pfdo.ru", "Сохранить", ("#snils-error", "Укажите СНИЛС"),
     "child-new-errors"),
    ("/providers/apply", None, "Отправить заявку",
     ("#full_name-error", "Укажите полное наименование"), "provider-apply-errors"),
    ("/provider/programs/new", PROVIDER, "Сохранить",
     ("#title-error", "Укажите название программы"), "provider-program-new-errors"),
    ("/provider/programs/{own_program}/groups/new", PROVIDER, "Сохранить",
     ("#capacity-error", "Укажите число мест"), "provider-group-new-errors"),
]


@pytest.fixture(scope="session")
def demo_ids(live_app: Flask) -> dict[str, int | str]:
    """The demo records the pages about one record show: the demo parent's financing
    certificate and its child, the oldest waiting application, the current period; a published
    certificate-funded program with open groups for the child's age, and its provider; the demo
    provider's own program and one of its groups, a provider application and a program waiting
    for the coordinator, and a published one whose changes wait for the coordinator."""
    with live_app.app_context():
        parent = db.session.scalars(
            select(User).where(User.email == "parent@demo-pfdo.ru")).one()
        overview = certificates.family_overview(parent)
        financed = next(item for item in overview
                        if item.certificate and item.certificate.is_financing)
        record = next(item for item in overview  # the conversion's preview
                      if item.certificate and not item.certificate.is_financing)
        waiting = applications.search_applications(applications.ApplicationFilter()).items[0]
        today = clock.today(municipality.timezone())
        period = periods.current_period(today)
        with_groups = select(Group.program_id)
        born = financed.child.birth_date
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        open_groups = select(Group.program_id).where(Group.is_open.is_(True),
                                                     Group.ends_on >= today)
        published = db.session.scalars(  # with open groups: the parent sees the breakdown
            select(Program).where(Program.status == ProgramStatus.PUBLISHED,
                                  Program.funding == Funding.CERTIFIED,
                                  Program.age_from <= age, Program.age_to >= age,
                                  Program.id.in_(open_groups)).order_by(Program.id)).first()
        staff = db.session.scalars(select(User).where(User.email == PROVIDER)).one()
        own = db.session.scalars(
            select(Program).join(ProviderStaff,
                                 ProviderStaff.provider_id == Program.provider_id)
            .where(ProviderStaff.user_id == staff.id,
                   Program.status == ProgramStatus.PUBLISHED, Program.id.in_(with_groups))
            .order_by(Program.id)).first()
        own_group = db.session.scalars(
            select(Group).where(Group.program_id == own.id).order_by(Group.id)).first()
        applied = db.session.scalars(
            select(Provider).where(Provider.status == ProviderStatus.SUBMITTED)
            .order_by(Provider.id)).first()
        submitted = db.session.scalars(
            select(Program).where(Program.status == ProgramStatus.SUBMITTED)
            .order_by(Program.id)).first()
        revised = db.session.scalars(  # the demo's published program with pending changes
            select(ProgramRevision.program_id).where(ProgramRevision.status == "submitted")
        ).one()
        mine = {c.status: c for c in db.session.scalars(
            select(Contract).where(Contract.parent_id == parent.id).order_by(Contract.id))}
        provider_id = db.session.scalar(
            select(ProviderStaff.provider_id).where(ProviderStaff.user_id == staff.id))
        request = db.session.scalars(
            select(EnrollmentRequest).where(EnrollmentRequest.provider_id == provider_id,
                                            EnrollmentRequest.status == "pending")
            .order_by(EnrollmentRequest.id)).first()
        theirs = db.session.scalars(
            select(Contract).where(Contract.provider_id == provider_id,
                                   Contract.status == "active").order_by(Contract.id)).first()
        request_group = db.session.scalars(
            select(Group).where(Group.program_id == published.id, Group.is_open.is_(True),
                                Group.ends_on >= today).order_by(Group.id)).first()
        enrolment = {"active_contract": mine["active"].id, "offer_contract": mine["offered"].id,
                     "week_child": mine["active"].child_id, "provider_request": request.id,
                     "provider_contract": theirs.id, "pupils_group": theirs.group_id,
                     "request_group": request_group.id}
        # the monthly close: the demo provider's latest report and invoice, if the demo has any
        report = db.session.scalars(
            select(ServiceReport).where(ServiceReport.provider_id == provider_id)
            .order_by(ServiceReport.month.desc())).first()
        invoice = db.session.scalars(
            select(Invoice).where(Invoice.provider_id == provider_id)
            .order_by(Invoice.id.desc())).first()
        paid = db.session.scalars(
            select(Invoice).where(Invoice.provider_id == provider_id,
                                  Invoice.status == InvoiceStatus.PAID)
            .order_by(Invoice.id.desc())).first()
        enrolment.update(provider_report=report.id if report else None,
                         provider_invoice=invoice.id if invoice else None,
                         paid_invoice=paid.id if paid else None)
        return {**enrolment, "child": financed.child.id, "certificate": financed.certificate.id,
                "record_certificate": record.certificate.id,
                "number": financed.certificate.number, "application": waiting.id,
                "period": period.id, "published_program": published.id,
                "approved_provider": published.provider_id, "own_program": own.id,
                "own_group": own_group.id, "provider_application": applied.id,
                "submitted_program": submitted.id, "revised_program": revised,
                "deletion": db.session.scalar(select(func.min(DeletionRequest.id)))}


def screenshot(page: Page, folder: Path, name: str, width: str) -> None:
    page.screenshot(path=folder / f"{name}-{width}.png", full_page=True)


def assert_no_horizontal_scroll(page: Page) -> None:
    """Neither the page nor a box in it (a table on a phone) scrolls sideways."""
    assert_nothing_scrolls_sideways(page)


def open_page(watched_context, signed_in_state, width: str, account: str | None) -> Page:
    options = {"viewport": VIEWPORTS[width]}
    if account:
        options["storage_state"] = signed_in_state(account)
    return watched_context(**options).new_page()


@pytest.mark.parametrize("width", VIEWPORTS)
@pytest.mark.parametrize(("path", "account", "name"), PAGES, ids=[p[2] for p in PAGES])
def test_page_is_accessible(watched_context, signed_in_state, problems, screenshots_dir,
                            demo_ids, path, account, name, width):
    missing = [key for key in re.findall(r"{(\w+)}", path) if demo_ids.get(key) is None]
    if missing:
        pytest.skip(f"the demo has no {', '.join(missing)} yet")
    page = open_page(watched_context, signed_in_state, width, account)
    path = path.format(**demo_ids)
    response = page.goto(path)
    assert response is not None and response.status == 200, (
        f"{path} answered {response and response.status}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    screenshot(page, screenshots_dir, name, width)
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    problems.assert_none()


@pytest.mark.parametrize("width", VIEWPORTS)
@pytest.mark.parametrize(("path", "account", "button", "error", "name"), FORMS_WITH_ERRORS,
                         ids=[f[4] for f in FORMS_WITH_ERRORS])
def test_form_errors_are_accessible(watched_context, signed_in_state, problems, screenshots_dir,
                                    demo_ids, path, account, button, error, name, width):
    problems.expect_form_errors()
    page = open_page(watched_context, signed_in_state, width, account)
    page.goto(path.format(**demo_ids))
    page.get_by_role("button", name=button).click()
    selector, message = error
    expect(page.locator(selector)).to_have_text(message)

    screenshot(page, screenshots_dir, name, width)
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    problems.assert_none()


def test_phone_menu_collapses_and_footer_shows_hotline(watched_context):
    page = watched_context(viewport=PHONE).new_page()
    page.goto("/")
    toggler = page.get_by_role("button", name="Открыть меню")
    menu = page.locator("#main-nav")

    expect(toggler).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    toggler.click()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link", name="Правила")).to_be_visible()
    expect(menu.get_by_role("link", name="Регистрация")).to_be_visible()

    hotline = page.get_by_role("contentinfo").get_by_role("link", name="+7 42663 2-14-35")
    expect(hotline).to_be_visible()
    expect(hotline).to_have_attribute("href", re.compile(r"^tel:\+74266321435$"))
