"""The money of the monthly close: submit, approve, release, correct, close-month twice."""

from __future__ import annotations

from datetime import date

import pytest

from pfdo.accounts.models import User
from pfdo.billing import close, invoices, reports
from pfdo.billing.models import InvoiceStatus, ServiceReportLine
from pfdo.db import db
from pfdo.enrollments.models import ContractMonth, MonthStatus
from pfdo.errors import DomainError
from pfdo.ledger import services as ledger
from pfdo.ledger.checks import check_invariants
from tests.billing.conftest import MARCH, contract_row, march_report

TODAY = date(2026, 4, 2)


def _month(contract_id: int) -> ContractMonth:
    return next(m for m in contract_row(contract_id).months if m.month == MARCH)


def _submit(app, billing, *, undelivered: int | None = None):
    report_id = march_report(app, billing)
    with app.app_context():
        report = reports.load(report_id)
        marks = [reports.Mark(line.id, line.contract_id != undelivered,
                              "" if line.contract_id != undelivered else "Педагог болел")
                 for line in report.lines]
        staff = db.session.get(User, billing.world.staff.id)
        return reports.submit(report, marks, actor=staff, today=TODAY).id


def test_approval_pays_delivered_and_releases_the_rest(app, billing):
    first, second = billing.contracts
    invoice_id = _submit(app, billing, undelivered=second)
    with app.app_context():
        share_1, share_2 = _month(first).certificate_share, _month(second).certificate_share
        cert_2 = ledger.balance(ledger.find_account(contract_row(second).certificate.account_code))
        invoice = invoices.get(invoice_id)
        assert invoice.certificate_total == share_1
        assert (invoice.delivered_count, invoice.undelivered_count) == (1, 1)
        coordinator = db.session.get(User, billing.world.coordinator.id)
        result = invoices.approve(invoice, actor=coordinator)
        assert (result.paid, result.paid_amount, result.released) == (1, share_1, 1)
        assert invoice.status == InvoiceStatus.PAID
        assert _month(first).status == MonthStatus.PAID
        assert _month(second).status == MonthStatus.RELEASED
        payable = ledger.find_account(f"payable:{billing.world.provider.id}")
        assert ledger.balance(payable) == share_1
        after = ledger.balance(ledger.find_account(contract_row(second).certificate.account_code))
        assert after == cert_2 + share_2
        assert check_invariants() == []


def test_undelivered_needs_a_comment_and_nothing_is_saved(app, billing):
    report_id = march_report(app, billing)
    with app.app_context():
        report = reports.load(report_id)
        marks = [reports.Mark(line.id, False, "") for line in report.lines]
        staff = db.session.get(User, billing.world.staff.id)
        with pytest.raises(DomainError, match="почему"):
            reports.submit(report, marks, actor=staff, today=TODAY)
        db.session.expire_all()
        assert reports.load(report_id).invoice is None
        assert all(line.delivered for line in db.session.query(ServiceReportLine))


def test_return_then_resubmit_then_close_month_twice(app, billing):
    invoice_id = _submit(app, billing)
    with app.app_context():
        coordinator = db.session.get(User, billing.world.coordinator.id)
        invoices.return_(invoices.get(invoice_id), "Проверьте договор", actor=coordinator)
        assert close.close_month(MARCH, today=TODAY).settled.paid == 0
    invoice_id = _submit(app, billing)
    with app.app_context():
        first = close.close_month(MARCH, today=TODAY, batch=1)
        assert (first.approved_now, first.settled.paid) == (1, 2)
        again = close.close_month(MARCH, today=TODAY)
        assert not again.moved_anything and again.already_paid == 1
        assert invoices.get(invoice_id).status == InvoiceStatus.PAID
        assert check_invariants() == []


def test_correction_reverses_a_paid_month(app, billing):
    first, _ = billing.contracts
    invoice_id = _submit(app, billing)
    with app.app_context():
        coordinator = db.session.get(User, billing.world.coordinator.id)
        invoices.approve(invoices.get(invoice_id), actor=coordinator)
        line = db.session.query(ServiceReportLine).filter_by(contract_id=first).one()
        amount = invoices.correct(line, "Ребёнок не посещал", actor=coordinator, today=TODAY)
        assert amount == _month(first).certificate_share > 0
        assert _month(first).status == MonthStatus.RELEASED
        with pytest.raises(DomainError):
            invoices.correct(line, "ещё раз", actor=coordinator, today=TODAY)
        assert check_invariants() == []
