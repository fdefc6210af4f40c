"""The demo's reviews: families rate the programs of contracts that have run a month, half
of the reviews are answered by the provider, one is hidden by the coordinator; the programs'
ratings are the sum and count of the visible ones."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from pfdo import clock
from pfdo.db import db, unit_of_work
from pfdo.demo.enrollment_data import ANSWERS, HIDDEN_REASON, HIDDEN_REVIEW, REVIEWS
from pfdo.demo.timeline import Plan
from pfdo.enrollments.models import Contract, ContractStatus, Review
from pfdo.municipality import services as municipality
from pfdo.programs.models import Program

#: the share of started contracts the family reviewed
REVIEWED = 0.3
#: at least this many reviews when that many contracts have started (early in the year)
AT_LEAST = 8


def seed_reviews(plan: Plan) -> None:
    """Reviews of contracts that have run a month, half of them answered by the provider, one
    hidden by the coordinator; the programs' ratings from the visible ones."""
    rng, today = plan.rng, plan.today
    started = db.session.scalars(select(Contract).where(
        Contract.status.in_((ContractStatus.ACTIVE, ContractStatus.TERMINATED)),
        Contract.first_month <= today - timedelta(days=30)).order_by(Contract.id)).all()
    rows: list[Review] = []
    with unit_of_work():
        for contract in started:
            if rng.random() >= max(REVIEWED, AT_LEAST / len(started)):
                continue
            accepted = municipality.local_date(contract.accepted_at)
            written = plan.day(max(contract.first_month + timedelta(days=20), accepted),
                               contract.ends_on or today)
            if written is None:
                continue
            rating = rng.choice((5, 5, 5, 5, 4, 4, 4, 3, 2))
            review = Review(contract_id=contract.id, program_id=contract.program_id,
                            author_id=contract.parent_id, rating=rating,
                            text=rng.choice(REVIEWS[rating]), created_at=plan.at(written))
            if rng.random() < 0.5:
                answered = min(written + timedelta(days=rng.randint(0, 4)), today)
                review.answer, review.answered_at = rng.choice(ANSWERS[rating]), plan.at(answered)
                review.answered_by_id = plan.staff.get(contract.provider_id)
            rows.append(review)
        unanswered = [r for r in rows if r.answer is None]
        unanswered.sort(key=lambda r: r.rating)
        if unanswered:
            hidden = unanswered[0]
            hidden.rating, hidden.text = 1, HIDDEN_REVIEW
            hidden.hidden_at = hidden.created_at + timedelta(hours=20)
            hidden.hidden_reason, hidden.hidden_by_id = HIDDEN_REASON, plan.coordinator_id
        for review in rows:
            review.created_at = min(review.created_at, clock.now())
            if review.answered_at is not None:
                review.answered_at = min(max(review.answered_at, review.created_at), clock.now())
            if review.hidden_at is not None:
                review.hidden_at = min(review.hidden_at, clock.now())
        db.session.add_all(rows)
        totals: dict[int, list[int]] = {}
        for review in rows:
            if review.hidden_at is None:
                total = totals.setdefault(review.program_id, [0, 0])
                total[0] += review.rating
                total[1] += 1
        if totals:
            db.session.execute(update(Program), [
                {"id": pid, "rating_total": t, "rating_count": c}
                for pid, (t, c) in sorted(totals.items())])
