"""Deny by default: every route × every role gives the expected answer (S-30, S-31).

Adding a route without a row here fails `test_every_route_is_in_the_matrix`."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pfdo.audit.models import AuditEvent
from pfdo.db import db
from pfdo.programs.models import RevisionGroup
from tests import factories
from tests.conftest import csrf_token

ROLES = ["parent", "provider_staff", "coordinator", "hotline", "admin"]
PUBLIC = "public"
ANY = "any signed-in user"

#: endpoint -> who may open it
MATRIX = {
    "site.home": PUBLIC,
    "site.rules": PUBLIC,
    "site.contacts": PUBLIC,
    "site.privacy": PUBLIC,
    "site.consent": PUBLIC,
    "site.healthz": PUBLIC,
    "site.readyz": PUBLIC,
    "site.notifications_page": ANY,
    "site.notifications_count": ANY,
    "site.read_notice": ANY,
    "site.read_all_notices": ANY,
    "accounts.login": PUBLIC,
    "accounts.register": PUBLIC,
    "accounts.registration_sent": PUBLIC,
    "accounts.confirm_registration": PUBLIC,
    "accounts.forgot_password": PUBLIC,
    "certificates.forgot_number": PUBLIC,
    "accounts.reset_password": PUBLIC,
    "accounts.logout": ANY,
    "families.cabinet": ANY,
    "accounts.change_password": ANY,
    "privacy.account": ANY,
    "admin.users": {"admin"},
    "admin.create_user": {"admin"},
    "admin.user_detail": {"admin"},
    "admin.change_role": {"admin"},
    "admin.block_user": {"admin"},
    "admin.unblock_user": {"admin"},
    "admin.change_contacts": {"admin"},
    "admin.attach_staff": {"admin"},
    "admin.detach_staff": {"admin"},
    "admin.audit_log": {"admin"},
    "municipality.settings": {"admin"},
    "families.add": {"parent"},
    "families.child": {"parent"},
    "families.edit": {"parent"},
    "families.apply": {"parent"},
    "certificates.detail": {"parent"},
    "certificates.financing_preview": {"parent"},
    "certificates.request_financing": {"parent"},
    "certificates.join_queue": {"parent"},
    "certificates.extract": {"parent"},
    "certificates.qr": {"parent"},
    "certificates.verify": PUBLIC,
    "certificates.verify_number": PUBLIC,
    "coordinator.dashboard": {"coordinator"},
    "coordinator.applications": {"coordinator"},
    "coordinator.applications_xlsx": {"coordinator"},
    "coordinator.application": {"coordinator"},
    "coordinator.child": {"coordinator"},
    "coordinator.confirm": {"coordinator"},
    "coordinator.refuse": {"coordinator"},
    "coordinator.period_list": {"coordinator"},
    "coordinator.new_period": {"coordinator"},
    "coordinator.edit_period": {"coordinator"},
    # --- providers rows ---
    "providers.apply": PUBLIC,
    "navigator.registry": PUBLIC,
    "providers.cabinet": {"provider_staff"},
    "providers.edit": {"provider_staff"},
    "providers.add_document": {"provider_staff"},
    "providers.remove_document": {"provider_staff"},
    "providers.resubmit": {"provider_staff"},
    "providers.document": {"provider_staff", "coordinator"},
    "providers.queue": {"coordinator"},
    "providers.queue_xlsx": {"coordinator"},
    "providers.review": {"coordinator"},
    "providers.approve": {"coordinator"},
    "providers.reject": {"coordinator"},
    # --- programs rows ---
    "programs.new": {"provider_staff"},
    "programs.edit": {"provider_staff"},
    "programs.detail": {"provider_staff"},
    "programs.document": {"provider_staff", "coordinator"},
    "programs.submit": {"provider_staff"},
    "programs.new_group": {"provider_staff"},
    "programs.edit_group": {"provider_staff"},
    "programs.toggle_group": {"provider_staff"},
    "programs.moderation": {"coordinator"},
    "programs.moderation_xlsx": {"coordinator"},
    "programs.review": {"coordinator"},
    "programs.publish": {"coordinator"},
    "programs.return_program": {"coordinator"},
    "programs.revision_document": {"provider_staff", "coordinator"},
    "programs.edit_revision_group": {"provider_staff"},
    "programs.resubmit_revision": {"provider_staff"},
    "programs.withdraw_revision": {"provider_staff"},
    "programs.publish_revision": {"coordinator"},
    "programs.return_revision": {"coordinator"},
    "programs.index": {"provider_staff"},
    # --- personal data and the hotline ---
    "privacy.withdraw_preview": {"parent"},
    "privacy.withdraw": {"parent"},
    "privacy.give_again": {"parent"},
    "hotline.index": {"hotline"},
    "hotline.certificate": {"hotline"},
    "hotline.reveal": {"hotline"},
    "hotline.start_call": {"hotline"},
    "hotline.finish_call": {"hotline"},
    "hotline.call_log": {"hotline", "coordinator"},
    "enrollments.coordinator_contracts_xlsx": {"coordinator"},
    "certificates.registry_list": {"coordinator"},
    "certificates.registry_xlsx": {"coordinator"},
    "admin.audit_log_xlsx": {"admin"},
    "billing.coordinator_invoices_xlsx": {"coordinator"},
    "privacy.download_data": {"parent"},
    "privacy.delete_preview": {"parent"},
    "privacy.request_deletion": {"parent"},
    "privacy.cancel_deletion": {"parent"},
    "deletions.index": {"coordinator"},
    "deletions.card": {"coordinator"},
    "deletions.carry_out": {"coordinator"},
    "certificates.registry_card": {"coordinator"},
    "certificates.registry_suspend": {"coordinator"},
    "certificates.registry_resume": {"coordinator"},
    "hotline.call_log_xlsx": {"hotline", "coordinator"},
    # --- navigator rows ---
    "navigator.index": PUBLIC,
    "navigator.organisations": PUBLIC,
    "navigator.program": PUBLIC,
    "navigator.program_document": PUBLIC,
    "navigator.provider": PUBLIC,
    # --- enrolment: provider and coordinator ---
    "enrollments.provider_requests": {"provider_staff"},
    "enrollments.provider_request": {"provider_staff"},
    "enrollments.accept_request": {"provider_staff"},
    "enrollments.reject_request": {"provider_staff"},
    "enrollments.provider_contracts": {"provider_staff"},
    "enrollments.provider_contract": {"provider_staff"},
    "enrollments.provider_terminate": {"provider_staff"},
    "enrollments.group_pupils": {"provider_staff"},
    "enrollments.disband_group": {"provider_staff"},
    "enrollments.coordinator_contracts": {"coordinator"},
    "enrollments.provider_deadlines": {"coordinator"},
    # --- enrolment: reviews ---
    "enrollments.review_form": {"parent"},
    "enrollments.provider_reviews": {"provider_staff"},
    "enrollments.answer_review": {"provider_staff"},
    "enrollments.coordinator_reviews": {"coordinator"},
    "enrollments.hide_review": {"coordinator"},
    # --- enrolment: family ---
    "enrollments.request_form": {"parent"},
    "enrollments.join_waitlist": {"parent"},
    "enrollments.mine": {"parent"},
    "enrollments.withdraw_request": {"parent"},
    "enrollments.leave_waitlist": {"parent"},
    "enrollments.contract": {"parent"},
    "enrollments.accept_offer": {"parent"},
    "enrollments.decline_offer": {"parent"},
    "enrollments.terminate": {"parent"},
    "enrollments.week": {"parent"},
    "enrollments.week_ics": {"parent"},
    # --- the monthly close: the provider's reports and invoices ---
    "billing.provider_reports": {"provider_staff"},
    "billing.provider_open_report": {"provider_staff"},
    "billing.provider_report": {"provider_staff"},
    "billing.provider_save_report": {"provider_staff"},
    "billing.provider_invoice": {"provider_staff"},
    # --- the monthly close: the coordinator's queue, decisions and overview ---
    "billing.coordinator_invoices": {"coordinator"},
    "billing.coordinator_invoice": {"coordinator"},
    "billing.coordinator_approve": {"coordinator"},
    "billing.coordinator_return": {"coordinator"},
    "billing.coordinator_correct": {"coordinator"},
    "billing.coordinator_month": {"coordinator"},
}


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def url_for_rule(rule, user_id: int, **objects: int) -> str:
    """The rule's URL with real ids: `user_id` and the ids of the objects made by the test."""
    values = {"user_id": user_id, "token": "not-a-token", **objects}
    return rule.build({arg: values[arg] for arg in rule.arguments})[1]


def make_objects(app, make, owner=None, provider_staff=None, operator=None, me=None) -> dict:
    """One of each object the routes take an id of, so that allowed roles get a real page.
    A family's objects belong to `owner` (the signed-in parent), or to another parent; a
    provider's objects to `provider_staff` (the signed-in staff member), or to another one."""
    make.municipality()
    owner = owner or make.user(role="parent", email="owner@example.ru")
    filed = factories.application(app, owner, last_name="Петрова")
    certificate = factories.certificate(app, owner, last_name="Сидорова")
    period = factories.period(app)
    staff = provider_staff or make.user(role="provider_staff", email="staff@example.ru")
    provider = factories.provider(app, staff=staff)
    document = factories.document(app, provider)
    program = factories.program(app, provider, document=True)
    group = factories.group(app, program)
    revision = factories.revision(app, program, document=True, new_group=True)
    with app.app_context():
        row_id = db.session.scalar(select(RevisionGroup.id).where(
            RevisionGroup.revision_id == revision.id, RevisionGroup.group_id.is_(None)))
    # enrolment: the owner's request for the group and an offer in another program's group
    request = factories.enrolment_request(app, owner, certificate.child_id, group)
    other = factories.group(app, factories.program(app, provider, title="Шахматы"))
    offer = factories.offer(app, owner, certificate.child_id, other, staff=staff)
    return {"request_id": request.id, "contract_id": offer.id,
            "row_id": row_id,"application_id": filed.id, "child_id": filed.child_id,
            "certificate_id": certificate.id, "number": certificate.number,
            "period_id": period.id, "provider_id": provider.id, "document_id": document.id,
            "program_id": program.id, "group_id": group.id,
            **review_objects(app, owner, certificate, group),
            **family_enrolment_objects(app, owner, certificate, group),
            **billing_objects(app, provider),
            **hotline_objects(app, operator or make.user(role="hotline",
                                                         email="operator@example.ru")),
            **notice_objects(app, me or owner),
            **deletion_objects(app, owner)}


def deletion_objects(app, owner) -> dict:
    """The owner's deletion request, waiting for the coordinator."""
    from pfdo.privacy import deletion
    from tests.factories.accounts import user_row
    with app.app_context():
        return {"deletion_id": deletion.request_deletion(user_row(owner), comment=None).id}


def notice_objects(app, user) -> dict:
    """A notice of `user` (the signed-in one: a notice is only its addressee's to open)."""
    from pfdo.db import unit_of_work
    from pfdo.notifications.models import Notice
    with app.app_context():
        with unit_of_work():
            notice = Notice(user_id=user.id, text="Заявление рассмотрено", url="/cabinet")
            db.session.add(notice)
        return {"notice_id": notice.id}


# --- hotline ---
def hotline_objects(app, operator) -> dict:
    """An open call of `operator` (the signed-in one when the role is hotline)."""
    from pfdo.hotline import calls
    with app.app_context():
        return {"call_id": calls.start_call(operator).id}


# --- enrolment: reviews ---
def review_objects(app, owner, certificate, group) -> dict:
    """The owner's contract in the group and its review, written as rows (the services'
    rules are tested in tests/enrollments/test_reviews.py)."""
    from datetime import date

    from pfdo.db import unit_of_work
    from pfdo.enrollments.models import Contract, Review
    from pfdo.programs.models import Program
    with app.app_context():
        with unit_of_work():
            contract = Contract(parent_id=owner.id, child_id=certificate.child_id,
                                certificate_id=certificate.id, group_id=group.id,
                                program_id=group.program_id,
                                provider_id=db.session.get(Program,
                                                           group.program_id).provider_id,
                                status="active", first_month=date(2026, 1, 1),
                                accept_by=date(2026, 1, 1))
            db.session.add(contract)
            db.session.flush()
            review = Review(contract_id=contract.id, program_id=group.program_id,
                            author_id=owner.id, rating=4, text="Занятия нравятся ребёнку.")
            db.session.add(review)
        return {"review_id": review.id}


# --- enrolment: family ---
def family_enrolment_objects(app, owner, certificate, group) -> dict:
    """A place of the owner's child in the queue of a full group of another program (the
    request and the offer come from make_objects above)."""
    from pfdo.children.models import Child
    from pfdo.enrollments import waitlist
    from pfdo.programs.models import Group
    from tests.factories.accounts import user_row

    with app.app_context():
        child_id = db.session.get(type(certificate), certificate.id).child_id
        provider_id = db.session.get(Group, group.id).program.provider_id
    full = factories.group(app, factories.program(app, provider_id, title="Танцы"),
                           capacity=1, seats_taken=1)
    with app.app_context():
        entry_id = waitlist.join(user_row(owner), db.session.get(Child, child_id),
                                 db.session.get(Group, full.id), today=factories.today()).id
    return {"entry_id": entry_id, "child_id": child_id}


# --- the monthly close ---
def billing_objects(app, provider) -> dict:
    """The provider's report for January 2026 with its invoice submitted, written as rows (the
    services' rules are tested in tests/billing)."""
    from datetime import UTC, date, datetime

    from pfdo.billing.models import Invoice, ServiceReport
    from pfdo.db import unit_of_work

    with app.app_context():
        with unit_of_work():
            report = ServiceReport(provider_id=provider.id, month=date(2026, 1, 1))
            db.session.add(report)
            db.session.flush()
            moment = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
            invoice = Invoice(report_id=report.id, provider_id=provider.id,
                              month=report.month, status="submitted", submitted_at=moment,
                              first_submitted_at=moment)
            db.session.add(invoice)
            db.session.flush()
        # the coordinator's month overview: /coordinator/billing/<month>
        return {"report_id": report.id, "invoice_id": invoice.id, "month": "2026-01"}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule, _ in routes(app)}
    assert endpoints == set(MATRIX)


def allowed(endpoint: str, role: str | None) -> bool:
    rule = MATRIX[endpoint]
    if rule == PUBLIC:
        return True
    if role is None:
        return False
    return rule == ANY or role in rule


@pytest.mark.parametrize("role", [None, *ROLES])
def test_role_matrix(app, make, role):
    target = make.user(role="hotline", email="target@example.ru")
    client = app.test_client()
    user = make.user(role=role, email=f"{role}@example.ru") if role is not None else None
    objects = make_objects(app, make, owner=user if role == "parent" else None,
                           provider_staff=user if role == "provider_staff" else None,
                           operator=user if role == "hotline" else target, me=user or target)
    if user is not None:
        token = csrf_token(client, "/login")
        response = client.post("/login", data={"csrf_token": token, "login": user.email,
                                               "password": "синий-кит-плывёт-2026"})
        assert response.status_code == 302
    problems = []
    for rule, method in routes(app):
        if rule.endpoint == "accounts.logout":
            continue  # would end the session mid-test; covered in the login tests
        url = url_for_rule(rule, target.id, **objects)
        if method == "GET":
            response = client.get(url)
        else:
            # a guest's page without a form carries no token: the login form has one
            response = client.post(url, data={"csrf_token": csrf_token(
                client, "/" if role is not None else "/login")})
        status = response.status_code
        if allowed(rule.endpoint, role):
            location = response.headers.get("Location", "")
            ok = status not in (401, 403, 404, 405, 500) and not location.startswith("/login")
            # a made-up reset token is a bad request, not a refusal by role
            ok = ok or (rule.endpoint == "accounts.reset_password" and status == 400)
        elif role is None:
            ok = status == 302 and response.headers["Location"].startswith("/login")
        else:
            ok = status == 403
        if not ok:
            problems.append(f"{method} {url} as {role}: {status}")
    assert not problems, "\n".join(problems)


def test_denied_access_is_logged(app, client, login_as):
    user = login_as("parent")
    assert client.get("/admin/users").status_code == 403
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "authz.denied")).one()
        assert event.actor_id == user.id
        assert event.details["endpoint"] == "admin.users"


def test_403_page_is_in_russian(client, login_as):
    login_as("hotline")
    response = client.get("/admin/audit")
    assert response.status_code == 403
    assert "Доступ запрещён" in response.get_data(as_text=True)


def test_each_role_sees_its_own_sections_in_the_menu(client, login_as):
    login_as("admin")
    html = client.get("/account").get_data(as_text=True)
    assert "Журнал действий" in html and "Пользователи" in html


def test_parent_menu_has_no_admin_sections(client, login_as):
    login_as("parent")
    html = client.get("/cabinet").get_data(as_text=True)
    assert "Личный кабинет" in html
    assert "Журнал действий" not in html and "/admin/users" not in html


def test_a_view_without_an_access_declaration_stops_the_app():
    from flask import Flask

    from pfdo.accounts.access import check_all_views_declared

    app = Flask(__name__)
    app.add_url_rule("/forgotten", "forgotten", lambda: "")
    with pytest.raises(RuntimeError, match="forgotten"):
        check_all_views_declared(app)
