"""Demo deletion requests: two families that asked for their data to be deleted and wait for
the coordinator — one asked three weeks ago, one 27 days ago, so the dashboard warns that its
30 days are almost up."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from faker import Faker
from sqlalchemy import select

from pfdo import clock
from pfdo.accounts.models import Role, User
from pfdo.children.models import Child
from pfdo.db import db
from pfdo.enrollments.models import Contract, ContractStatus
from pfdo.municipality import services as municipality
from pfdo.privacy import deletion

#: (days ago, hour, what the parent wrote)
REQUESTS = [
    (27, 19, "Уезжаем из района, сертификат больше не нужен."),
    (21, 11, None),
]


def seed_deletion_requests(fake: Faker, *, keep: str) -> int:
    """Requests from families with a running contract (not the demo parent `keep`)."""
    parents = list(db.session.scalars(
        select(User).join(Child, Child.parent_id == User.id)
        .join(Contract, Contract.child_id == Child.id)
        .where(User.role == Role.PARENT, User.email != keep,
               Contract.status == ContractStatus.ACTIVE)
        .distinct().order_by(User.id)))
    if len(parents) < len(REQUESTS):
        return 0
    zone = ZoneInfo(municipality.timezone())
    today = municipality.local_today()
    chosen = fake.random.sample(parents, len(REQUESTS))
    for parent, (back, hour, comment) in zip(chosen, REQUESTS, strict=True):
        moment = datetime.combine(today - timedelta(days=back), time(hour, 12), zone)
        with clock.freeze(moment):
            deletion.request_deletion(parent, comment=comment)
    return len(REQUESTS)
