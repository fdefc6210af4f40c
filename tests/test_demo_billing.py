"""`flask demo seed`: the monthly close of the demo municipality (pfdo.demo.billing) — the
months over paid or released through approved invoices, the month before today's open with
some reports in and the demo provider's returned, one correction — with the ledger exact."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.billing.models import Invoice, ServiceReportLine
from pfdo.db import db
from pfdo.enrollments.models import Contract, ContractMonth
from pfdo.ledger import checks
from pfdo.ledger.models import Transfer
from pfdo.providers.models import ProviderStaff
from tests.test_demo_providers import seed

FAMILIES = ("demo", "seed", "--seed", "7", "--families", "60")
NOVEMBER = date(2026, 11, 1)


@pytest.fixture
def in_december():
    """The school year under way: September and October closed, November open."""
    clock.set_frozen(datetime(2026, 12, 10, 2, 0, tzinfo=UTC))
    yield clock
    clock.set_frozen(None)


def test_demo_months_over_are_paid_and_the_last_one_is_open(app, in_december):
    seed(app, *FAMILIES)
    with app.app_context():
        invoices = db.session.scalars(select(Invoice)).all()
        by_month = Counter((i.month, i.status) for i in invoices)
        closed = {i.month for i in invoices if i.month < NOVEMBER}
        assert closed and max(closed) == date(2026, 10, 1)
        # every report of a month over was approved and paid
        assert all(i.status == "paid" for i in invoices if i.month < NOVEMBER)
        assert all(i.submitted_at.day <= 5 for i in invoices)  # between the 1st and the due day
        assert all(i.approved_by_id is not None for i in invoices if i.status == "paid")
        # November is open: some in, one returned, none paid
        assert by_month[(NOVEMBER, "returned")] == 1
        assert by_month[(NOVEMBER, "submitted")] >= 1
        assert not by_month[(NOVEMBER, "paid")]
        months = db.session.scalars(select(ContractMonth).where(ContractMonth.month < NOVEMBER))
        statuses = Counter(m.status for m in months)
        assert statuses["paid"] > 0 and statuses["released"] > 0
        assert statuses["reserved"] == 0  # nothing of a closed month is left held
        lines = db.session.scalars(select(ServiceReportLine)).all()
        assert all(line.comment for line in lines if not line.delivered)
        assert sum(1 for line in lines if line.corrected_at) == 1
        assert db.session.scalar(select(Transfer).where(Transfer.kind == "correction"))
        assert checks.check_invariants() == []

        provider_user = db.session.scalars(select(User).where(
            User.email == "provider@demo-pfdo.ru")).one()
        demo_provider = db.session.scalars(select(ProviderStaff.provider_id).where(
            ProviderStaff.user_id == provider_user.id)).one()
        returned = [i for i in invoices if i.status == "returned"]
        assert [i.provider_id for i in returned] == [demo_provider]
        assert returned[0].remarks

        parent = db.session.scalars(select(User).where(
            User.email == "parent@demo-pfdo.ru")).one()
        own = db.session.scalars(select(Contract).where(Contract.parent_id == parent.id,
                                                        Contract.status == "active")).all()
        own_months = [m for c in own for m in c.months]
        assert any(m.status == "paid" for m in own_months)
        assert any(m.status == "released" and m.month < NOVEMBER for m in own_months)
