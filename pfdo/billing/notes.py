"""What the family's contract page says about a month the monthly close settled unusually
(pfdo.enrollments.family.month_notes): the provider's comment on a month not delivered, and the
reason a paid month was corrected. Connected by the factory's import of this module."""

from __future__ import annotations

from sqlalchemy import select

from pfdo.billing.models import ServiceReportLine
from pfdo.db import db
from pfdo.enrollments.family import month_notes
from pfdo.enrollments.models import Contract, ContractMonth, MonthStatus


@month_notes.connect
def from_reports(contract: Contract, **_) -> dict[int, str]:
    """One query for the contract's released months that a report settled (a draft's or an
    unapproved report's marks are the provider's business until the coordinator decides)."""
    rows = db.session.execute(
        select(ServiceReportLine.contract_month_id, ServiceReportLine.delivered,
               ServiceReportLine.comment, ServiceReportLine.correction_reason)
        .join(ContractMonth, ContractMonth.id == ServiceReportLine.contract_month_id)
        .where(ServiceReportLine.contract_id == contract.id,
               ContractMonth.status == MonthStatus.RELEASED))
    notes = {}
    for month_id, delivered, comment, correction in rows:
        if not delivered and comment:
            notes[month_id] = f"по отчёту поставщика: {comment}"
        elif correction:
            notes[month_id] = f"оплата отменена: {correction}"
    return notes
