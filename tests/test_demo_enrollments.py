"""`flask demo seed`: the enrolment side of the demo municipality (pfdo.demo.enrollments) —
requests, offers and contracts in every state, waitlists, reviews, the demo parent's three
children — with the ledger exact and the seats counted."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from sqlalchemy import func, select

from pfdo.accounts.models import User
from pfdo.db import db
from pfdo.enrollments.models import (
    Contract,
    ContractMonth,
    EnrollmentRequest,
    Review,
    WaitlistEntry,
)
from pfdo.ledger import checks
from pfdo.ledger import services as ledger
from pfdo.programs.models import Group, Program
from tests.test_demo_providers import seed

#: enough families to fill a few small groups and queue for them
FAMILIES = ("demo", "seed", "--seed", "7", "--families", "60")
TODAY = date(2026, 3, 15)  # frozen_clock


def test_demo_enrolments_cover_every_state_with_the_ledger_exact(app, frozen_clock):
    seed(app, *FAMILIES)
    with app.app_context():
        requests = db.session.scalars(select(EnrollmentRequest)).all()
        assert Counter(r.status for r in requests).keys() == {
            "pending", "accepted", "rejected", "expired", "withdrawn"}
        pending = [r for r in requests if r.status == "pending"]
        assert any(r.answer_due_on < TODAY for r in pending)  # overdue
        assert any(r.answer_due_on >= TODAY for r in pending)  # due soon
        assert all(r.reason for r in requests if r.status == "rejected")
        # the history runs across the period's months so far
        assert {r.created_at.month for r in requests} == {1, 2, 3}
        assert all(r.created_at.date() <= TODAY for r in requests)

        contracts = db.session.scalars(select(Contract)).all()
        assert Counter(c.status for c in contracts).keys() == {
            "offered", "active", "declined", "lapsed", "terminated"}
        offered = [c for c in contracts if c.status == "offered"]
        assert all(c.accept_by >= TODAY for c in offered)
        assert any(c.holds_seat for c in offered)  # a seat freed for the first of a queue
        assert all(c.accept_by < TODAY for c in contracts if c.status == "lapsed")
        terminated = [c for c in contracts if c.status == "terminated"]
        assert {c.terminated_by for c in terminated} == {"parent", "provider"}
        assert all(c.termination_reason for c in terminated)
        for contract in terminated:
            later = [m for m in contract.months if m.month > contract.ends_on]
            assert all(m.status in ("released", "dropped") for m in later)
        assert any(m.status == "released" for c in terminated for m in c.months)
        active = [c for c in contracts if c.status == "active"]
        assert all(c.months for c in active)

        # the money: every escrow holds exactly its reserved months' certificate shares
        reserved: dict[str, int] = defaultdict(int)
        for contract in contracts:
            for month in contract.months:
                if month.status == "reserved":
                    reserved[contract.escrow_code] += month.certificate_share
        codes = [c.escrow_code for c in contracts if c.months]
        held = ledger.balances_by_code(codes)
        assert {code: held.get(code, 0) for code in codes} == {
            code: reserved[code] for code in codes}
        assert sum(reserved.values()) > 0
        assert checks.check_invariants() == []

        # seats: active contracts and the offers holding a seat, never over the capacity
        holding = Counter(c.group_id for c in contracts
                          if c.status == "active" or (c.status == "offered" and c.holds_seat))
        groups = db.session.scalars(select(Group)).all()
        assert all(g.seats_taken == holding[g.id] <= g.capacity for g in groups)

        # waitlists on full groups
        waiting = db.session.scalars(select(WaitlistEntry).where(
            WaitlistEntry.status == "waiting")).all()
        queued = {e.group_id for e in waiting}
        assert len(queued) >= 2
        assert all(db.session.get(Group, g).seats_taken == db.session.get(Group, g).capacity
                   for g in queued)
        assert "enrolled" in {e.status for e in db.session.scalars(select(WaitlistEntry))}


def test_demo_reviews_and_the_demo_parents_three_children(app, frozen_clock):
    seed(app, *FAMILIES)
    with app.app_context():
        reviews = db.session.scalars(select(Review)).all()
        assert len(reviews) >= 3  # in March few groups have started: most begin in September
        assert any(r.answer and r.answered_at for r in reviews)
        [hidden] = [r for r in reviews if r.is_hidden]
        assert hidden.hidden_reason
        visible: dict[int, list[int]] = defaultdict(list)
        for review in reviews:
            assert review.contract.status in ("active", "terminated")
            assert review.author_id == review.contract.parent_id
            if not review.is_hidden:
                visible[review.program_id].append(review.rating)
        for program in db.session.scalars(select(Program)):
            ratings = visible.get(program.id, [])
            assert (program.rating_total, program.rating_count) == (sum(ratings), len(ratings))

        parent = db.session.scalars(select(User).where(
            User.email == "parent@demo-pfdo.ru")).one()
        mine = db.session.scalars(select(Contract).where(Contract.parent_id == parent.id)).all()
        studying = {c.child_id for c in mine if c.status == "active"}
        offered = {c.child_id for c in mine if c.status == "offered"}
        queued = set(db.session.scalars(select(WaitlistEntry.child_id).where(
            WaitlistEntry.parent_id == parent.id, WaitlistEntry.status == "waiting")))
        assert studying and offered and queued
        assert len(studying | offered | queued) == 3  # three children, one situation each
        assert not (studying & offered or studying & queued or offered & queued)
        active = next(c for c in mine if c.status == "active")
        assert db.session.scalar(select(func.count()).select_from(ContractMonth).where(
            ContractMonth.contract_id == active.id, ContractMonth.status == "reserved")) > 0
