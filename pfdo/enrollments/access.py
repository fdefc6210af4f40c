"""Loading enrolment objects for the person who asks: a parent reaches only their own
requests, offers, contracts and waitlist places; a provider's staff only their provider's.
Anything else is NotFound (a 404, saying nothing about whether it exists)."""

from __future__ import annotations

from pfdo.accounts.models import User
from pfdo.db import db
from pfdo.enrollments.models import Contract, EnrollmentRequest, WaitlistEntry
from pfdo.errors import NotFound
from pfdo.programs.models import Group
from pfdo.providers.access import own_provider_or_404


def _own(model, row_id: int, parent: User):
    row = db.session.get(model, row_id)
    if row is None or row.parent_id != parent.id:
        raise NotFound()
    return row


def own_request(parent: User, request_id: int) -> EnrollmentRequest:
    return _own(EnrollmentRequest, request_id, parent)


def own_contract(parent: User, contract_id: int) -> Contract:
    return _own(Contract, contract_id, parent)


def own_waitlist_entry(parent: User, entry_id: int) -> WaitlistEntry:
    return _own(WaitlistEntry, entry_id, parent)


def _provider_row(model, row_id: int, staff: User):
    provider = own_provider_or_404(staff)
    row = db.session.get(model, row_id)
    if row is None or row.provider_id != provider.id:
        raise NotFound()
    return row


def provider_request(staff: User, request_id: int) -> EnrollmentRequest:
    return _provider_row(EnrollmentRequest, request_id, staff)


def provider_contract(staff: User, contract_id: int) -> Contract:
    return _provider_row(Contract, contract_id, staff)


def provider_group(staff: User, group_id: int) -> Group:
    provider = own_provider_or_404(staff)
    group = db.session.get(Group, group_id)
    if group is None or group.program.provider_id != provider.id:
        raise NotFound()
    return group
