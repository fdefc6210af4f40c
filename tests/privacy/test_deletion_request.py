"""A family's request to delete its data: asked in the cabinet after a page that says what it
does and keeps, cancelled there while it waits, carried out by the coordinator within 30 days —
everything the family had going ended, every personal field erased, while the ledger, the
month's invoice and its totals stay exactly as they were."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from pfdo.accounts.models import User
from pfdo.audit.models import AuditEvent
from pfdo.billing import invoices, reports
from pfdo.billing.models import Invoice
from pfdo.certificates.models import Certificate
from pfdo.children.models import Child
from pfdo.db import db
from pfdo.enrollments import waitlist
from pfdo.enrollments.models import (
    Contract,
    EnrollmentRequest,
    MonthStatus,
    WaitlistEntry,
)
from pfdo.ledger import services as ledger
from pfdo.ledger.checks import check_invariants
from pfdo.ledger.models import Transfer
from pfdo.notifications.models import Notice, OutboxMessage
from pfdo.privacy.models import DeletionRequest
from pfdo.programs.models import Group
from tests import factories
from tests.billing.conftest import billing, march_report  # noqa: F401
from tests.conftest import form_post, login
from tests.enrollments.conftest import world  # noqa: F401
from tests.factories.accounts import user_row

TODAY = date(2026, 4, 2)
TAG = re.compile(r"<[^>]+>")


def text(response) -> str:
    return " ".join(TAG.sub(" ", response.get_data(as_text=True)).replace("\xa0", " ").split())


def ask(client, data=None):
    """Send the request (the token from the account page: the form's page redirects there
    once a request waits)."""
    return form_post(client, "/account/delete", data if data is not None else
                     {"understood": "y", "comment": "Переезжаем в другой город"},
                     page="/account")


def test_the_parent_asks_after_reading_what_happens_and_can_cancel(app, client, billing):  # noqa: F811
    parent = billing.world.parent
    login(client, parent.email)
    assert "Удалить данные семьи" in text(client.get("/account"))
    page = text(client.get("/account/delete"))
    assert "не позднее 02.05.2026" in page and "в течение 30 дней" in page
    assert "Договоры будут расторгнуты" in page and "402-ФЗ" in page

    refused = ask(client, {"comment": "Переезжаем"})  # the box not ticked
    assert refused.status_code == 422
    assert "Подтвердите, что понимаете, что произойдёт" in text(refused)
    assert "Переезжаем" in refused.get_data(as_text=True)  # the comment kept
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DeletionRequest)) == 0

    assert ask(client).status_code == 302
    assert ask(client).status_code == 302  # twice: one request, a warning
    with app.app_context():
        [request] = db.session.scalars(select(DeletionRequest)).all()
        assert (request.status, request.due_on) == ("pending", date(2026, 5, 2))
        assert request.comment == "Переезжаем в другой город"
        mail = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient == parent.email,
            OutboxMessage.subject == "Запрос на удаление данных принят")).one()
        assert "не позднее 02.05.2026" in mail.body and "/account" in mail.body
        coordinator_notice = db.session.scalars(select(Notice).where(
            Notice.user_id == billing.world.coordinator.id)).all()[-1]
        assert "выполнить до 02.05.2026" in coordinator_notice.text
        assert coordinator_notice.url == f"/coordinator/data-deletion/{request.id}"
    account = text(client.get("/account"))
    assert "Запрос на удаление данных семьи отправлен 02.04.2026" in account
    assert "не позднее 02.05.2026" in account

    assert form_post(client, "/account/delete/cancel", page="/account").status_code == 302
    with app.app_context():
        assert db.session.scalars(select(DeletionRequest)).one().status == "cancelled"
    assert "Удалить данные семьи" in text(client.get("/account"))
    assert form_post(client, "/account/delete/cancel", page="/account").status_code == 302
    assert "отменять нечего" in text(client.get("/account"))


def test_hostile_comments_and_ids_are_refused_in_russian(app, client, billing):  # noqa: F811
    login(client, billing.world.parent.email)
    nul = ask(client, {"understood": "y", "comment": "a\x00b"})
    assert nul.status_code == 422
    long = ask(client, {"understood": "y", "comment": "я" * 501})
    assert long.status_code == 422 and "Не длиннее 500 символов" in text(long)
    coordinator = app.test_client()
    login(coordinator, billing.world.coordinator.email)
    assert coordinator.get(f"/coordinator/data-deletion/{2**31}").status_code == 404
    assert coordinator.get(f"/coordinator/data-deletion/{10**30}").status_code == 404
    assert coordinator.get("/coordinator/data-deletion?status=%00").status_code == 400
    assert coordinator.get("/coordinator/data-deletion?status=x&page=٣").status_code == 200
    assert coordinator.get(f"/coordinator/data-deletion?page={10**30}").status_code == 200


def _close_march(app, billing):  # noqa: F811
    with app.app_context():
        report = reports.load(march_report(app, billing))
        staff = db.session.get(User, billing.world.staff.id)
        invoice = reports.submit(report, [reports.Mark(line.id, True, "")
                                          for line in report.lines], actor=staff, today=TODAY)
        invoices.approve(invoice, actor=db.session.get(User, billing.world.coordinator.id))
        return invoice.id


def _totals(invoice_id: int) -> tuple:
    invoice = db.session.get(Invoice, invoice_id)
    by_kind = dict(db.session.execute(select(Transfer.kind, func.sum(
        Transfer.amount)).where(Transfer.kind.in_(("payment", "topup")))
        .group_by(Transfer.kind)).all())
    return (invoice.status, invoice.certificate_total, len(invoice.report.lines), by_kind)


def test_the_coordinator_erases_the_family_and_the_months_totals_stay(app, client, billing):  # noqa: F811
    world = billing.world  # noqa: F811 - the fixture, imported for `billing`
    invoice_id = _close_march(app, billing)
    # the family also has a request waiting, an offer and a place in a full group's queue
    other = factories.program(app, world.provider, title="Шахматы")
    factories.enrolment_request(app, world.parent, world.child, factories.group(app, other))
    offered = factories.offer(app, world.parent, world.child,
                              factories.group(app, factories.program(app, world.provider,
                                                                     title="Лепка")),
                              staff=world.staff)
    full = factories.group(app, factories.program(app, world.provider, title="Танцы"),
                           capacity=1, seats_taken=1)
    with app.app_context():
        waitlist.join(user_row(world.parent), db.session.get(Child, world.child.id),
                      db.session.get(Group, full.id), today=TODAY)
        before = _totals(invoice_id)
        escrow_before = ledger.balance(ledger.find_account(
            db.session.get(Contract, billing.contracts[0]).escrow_code))
    login(client, world.parent.email)
    ask(client)

    coordinator = app.test_client()
    login(coordinator, world.coordinator.email)
    listing = text(coordinator.get("/coordinator/data-deletion"))
    assert "Найден 1 запрос" in listing and "осталось 30 дней" in listing
    with app.app_context():
        request_id = db.session.scalar(select(DeletionRequest.id))
    card = text(coordinator.get(f"/coordinator/data-deletion/{request_id}"))
    assert world.child.last_name in card and "Переезжаем в другой город" in card
    assert "Отозвано заявок на обучение: 1, отклонено оферт: 1, освобождено мест в очередях: 1" \
        in card
    assert "Расторгнуты с 30.04.2026 договоры" in card
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "privacy.deletion_viewed")) == 1
    page = f"/coordinator/data-deletion/{request_id}"
    unconfirmed = form_post(coordinator, f"{page}/carry-out", page=page)
    assert unconfirmed.status_code == 422
    assert "Подтвердите удаление: его нельзя отменить" in text(unconfirmed)
    with app.app_context():
        assert db.session.get(DeletionRequest, request_id).status == "pending"
    done = form_post(coordinator, f"{page}/carry-out", {"confirmed": "y"}, page=page)
    assert done.status_code == 302
    assert "Данные семьи удалены" in text(coordinator.get(page))

    with app.app_context():
        request = db.session.get(DeletionRequest, request_id)
        assert (request.status, request.children_erased, request.contracts_ended,
                request.certificates_closed) == ("done", 1, 1, 1)
        assert request.comment is None and request.done_by_id == world.coordinator.id
        parent = db.session.get(User, world.parent.id)
        assert (parent.last_name, parent.phone, parent.active) == ("Данные удалены", None, False)
        child = db.session.get(Child, world.child.id)
        assert (child.last_name, child.snils, child.birth_date) == (
            "Данные удалены", "0" * 11, date(2016, 1, 1))
        contract = db.session.get(Contract, billing.contracts[0])
        assert (contract.status, contract.ends_on) == ("terminated", date(2026, 4, 30))
        months = {m.month: m.status for m in contract.months}
        assert months[date(2026, 3, 1)] == MonthStatus.PAID
        assert months[date(2026, 4, 1)] == MonthStatus.RESERVED  # paid at April's close
        assert months[date(2026, 5, 1)] == MonthStatus.RELEASED
        assert db.session.get(Contract, offered.id).status == "declined"
        assert db.session.scalar(select(EnrollmentRequest.status).where(
            EnrollmentRequest.child_id == world.child.id,
            EnrollmentRequest.status == "pending")) is None
        assert db.session.scalar(select(WaitlistEntry.status).where(
            WaitlistEntry.child_id == world.child.id)) == "cancelled"
        certificate = db.session.get(Certificate, world.certificate.id)
        assert certificate.status == "closed"
        assert ledger.balance(ledger.find_account(certificate.account_code)) == 0
        # the April month stays in escrow for the close; the later months went back and on
        escrow_after = ledger.balance(ledger.find_account(contract.escrow_code))
        assert 0 < escrow_after < escrow_before
        assert _totals(invoice_id) == before  # the invoice and the month's payments intact
        assert check_invariants() == []
        # the second family is untouched
        other_contract = db.session.get(Contract, billing.contracts[1])
        assert other_contract.status == "active"
        # the family is told at the old address, once; nothing else of it is left
        [mail] = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient == world.parent.email)).all()
        assert mail.subject == "Данные семьи удалены" and "Расторгнуто договоров: 1" in mail.body
        assert db.session.scalar(select(func.count()).select_from(Notice).where(
            Notice.user_id == parent.id)) == 0
        # the provider is told the contract ends
        assert db.session.scalar(select(func.count()).select_from(Notice).where(
            Notice.user_id == world.staff.id, Notice.text.contains("расторгнут"))) >= 1
    result = app.test_cli_runner().invoke(args=["ledger-check"])
    assert result.exit_code == 0, result.output
    assert login(app.test_client(), world.parent.email).status_code == 422
    # a second click (another coordinator's page) changes nothing
    again = form_post(coordinator, f"{page}/carry-out", {"confirmed": "y"},
                      page="/coordinator/data-deletion")
    assert again.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "personal_data.erased")) == 1
    dashboard = text(coordinator.get("/coordinator"))
    assert "Запросы на удаление данных семьи" in dashboard


def test_the_dashboard_warns_when_a_request_is_almost_due(app, client, billing):  # noqa: F811
    from datetime import UTC, datetime

    from pfdo import clock
    login(client, billing.world.parent.email)
    ask(client)
    coordinator = app.test_client()
    login(coordinator, billing.world.coordinator.email)
    assert "deletions-due" not in coordinator.get("/coordinator").get_data(as_text=True)
    clock.set_frozen(datetime(2026, 4, 28, 3, 0, tzinfo=UTC))
    coordinator = app.test_client()  # the session ended meanwhile
    login(coordinator, billing.world.coordinator.email)
    page = text(coordinator.get("/coordinator"))
    assert "срок которых наступает в ближайшие 5 дней или уже прошёл: 1" in page
    listing = text(coordinator.get("/coordinator/data-deletion"))
    assert "осталось 4 дня" in listing
    clock.set_frozen(datetime(2026, 5, 4, 3, 0, tzinfo=UTC))
    coordinator = app.test_client()
    login(coordinator, billing.world.coordinator.email)
    assert "просрочен на 2 дня" in text(coordinator.get("/coordinator/data-deletion"))
