"""Bulk rows for the enrolment benchmark (bench/enrolment.py): plain INSERTs, consistent with
what the services would have written, so the services and `ledger-check` accept them.

- `families(n)`: n parents, each with one child holding an active financing certificate
  for the current period (its grant, its top-up transfer from the period's fund, the posted
  columns of both accounts);
- `offers(...)`: for each child an accepted request and the offer it became, in groups of
  one provider's certified technical programs (normative 1 200 ₽ a month);
- `contracts(...)`: active contracts with their months (the current period's reserved into
  the contract's escrow by a RESERVE transfer, the later ones planned) and the seats taken.

Everything is dated around TODAY (15.03.2026), inside the period 2026."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select, update

from pfdo.accounts.models import Consent, User
from pfdo.accounts.services import CONSENT_VERSION
from pfdo.certificates.models import Certificate, FinancingGrant
from pfdo.children.models import Child
from pfdo.db import db
from pfdo.enrollments.models import (
    Contract,
    ContractMonth,
    EnrollmentRequest,
)
from pfdo.ledger.models import LedgerAccount, Transfer
from pfdo.periods import services as periods
from pfdo.periods.models import FinancingPeriod
from pfdo.programs.models import Group, GroupSession, Program
from pfdo.providers.models import Provider, ProviderStaff

TODAY = date(2026, 3, 15)
NOW = datetime(2026, 3, 15, 1, 0, tzinfo=UTC)
BATCH = 5000
PRICE = 250_000
NORMATIVE = 120_000  # 150 ₽ a person-hour × 2 h a week × 4 weeks
GROUP_STARTS, GROUP_ENDS = date(2026, 2, 1), date(2026, 12, 31)
MONTHS = [date(2026, m, 1) for m in range(3, 13)]  # March–December: 10 months
NAMES = ["Анна", "Мария", "Иван", "Пётр", "Софья", "Артём", "Дарья", "Михаил", "Алиса", "Лев"]


def _insert(model, rows: list[dict], returning: bool = False) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        if returning:
            ids += list(db.session.execute(
                insert(model).returning(model.id, sort_by_parameter_order=True), chunk).scalars())
        else:
            db.session.execute(insert(model), chunk)
    return ids


def _account(code: str, kind: str, *, debits: int = 0, credits: int = 0, limit: int = 0) -> dict:
    return {"code": code, "kind": kind, "debits_posted": debits, "credits_posted": credits,
            "overdraft_limit": limit, "created_at": NOW}


def users(n: int, role: str, *, offset: int, password_hash: str | None = None) -> list[int]:
    ids = _insert(User, [{
        "email": f"{role}{offset + i}@bench.example.ru",
        "phone": f"{'+79' if role == 'parent' else '+78'}{offset + i:09d}",
        "last_name": "Орлова", "first_name": NAMES[i % len(NAMES)], "middle_name": "Ивановна",
        "role": role, "password_hash": password_hash, "active": True, "session_version": 1,
        "created_at": NOW} for i in range(n)], returning=True)
    if role == "parent":
        _insert(Consent, [{"user_id": u, "kind": "personal_data", "text_version": CONSENT_VERSION,
                           "given_at": NOW} for u in ids])
    return ids


def families(period: FinancingPeriod, parents: list[int], *, children_each: int = 1,
             offset: int = 0) -> list[tuple[int, int, int]]:
    """(parent, child, certificate) for `children_each` children of every parent, each with a
    financing certificate credited 10/12 of the nominal (financed in March)."""
    amount, months = periods.prorated_nominal(period, 9, TODAY)
    owners = [p for p in parents for _ in range(children_each)]
    child_ids = _insert(Child, [{
        "parent_id": p, "last_name": "Орлова", "first_name": NAMES[i % len(NAMES)],
        "middle_name": "Ивановна", "birth_date": date(2016, 1, 1) + timedelta(days=i % 700),
        "sex": "female", "document_type": "birth_certificate", "document_series": "II-АБ",
        "document_number": f"{offset + i:06d}"[-10:], "snils": f"{offset + i:011d}",
        "address": "с. Ленинское, ул. Ленина, д. 5", "created_at": NOW}
        for i, p in enumerate(owners)], returning=True)
    certificate_ids = _insert(Certificate, [{
        "number": f"{9_000_000_000 - offset - i:010d}", "child_id": c, "kind": "financing",
        "status": "active", "issued_at": NOW - timedelta(days=30),
        "valid_until": date(2034, 1, 1)} for i, c in enumerate(child_ids)], returning=True)
    _insert(FinancingGrant, [{"certificate_id": c, "period_id": period.id, "granted_at": NOW,
                              "months": months, "amount": amount, "source": "request"}
                             for c in certificate_ids])
    fund_code = periods.fund_code(period)
    fund = db.session.scalar(select(LedgerAccount).where(LedgerAccount.code == fund_code))
    if fund is None:
        fund_id = _insert(LedgerAccount, [_account(fund_code, "fund", limit=period.budget)],
                          returning=True)[0]
    else:
        fund_id = fund.id
    db.session.execute(update(LedgerAccount).where(LedgerAccount.id == fund_id).values(
        debits_posted=LedgerAccount.debits_posted + amount * len(certificate_ids)))
    db.session.execute(update(FinancingPeriod).where(FinancingPeriod.id == period.id).values(
        quota_used=FinancingPeriod.quota_used + len(certificate_ids)))
    account_ids = _insert(LedgerAccount, [_account(f"certificate:{c}", "certificate",
                                                   credits=amount) for c in certificate_ids],
                          returning=True)
    _insert(Transfer, [{
        "key": f"topup:{c}:{period.id}", "debit_account_id": fund_id, "credit_account_id": a,
        "amount": amount, "kind": "topup", "ref": f"certificate:{c}", "created_at": NOW,
        "reason": f"Пополнение сертификата на {period.title} за {months} мес."}
        for c, a in zip(certificate_ids, account_ids, strict=True)])
    return list(zip(owners, child_ids, certificate_ids, strict=True))


def catalogue(groups: int, *, staff_id: int, capacity: int = 12, inn: str = "7901000018",
              ogrn: str = "1027900000019") -> tuple[int, list[int]]:
    """One approved provider with `staff_id` and `groups` certified technical programs of
    one group each (so a child may hold several of them). Returns (provider, group ids);
    a second provider needs its own staff member, ИНН and ОГРН."""
    provider_id = _insert(Provider, [{
        "full_name": "Муниципальное бюджетное учреждение «Центр технического творчества»",
        "short_name": "МБУ ДО «ЦТТ»", "legal_form": "mbu_do", "inn": inn,
        "ogrn": ogrn, "address": "с. Ленинское, ул. Школьная, 1",
        "district": "с. Ленинское", "contact_name": "Иванова Мария Петровна",
        "phone": "+74266320000", "email": "ctt@bench.example.ru", "licence_number": "Л035-1",
        "description": "", "status": "approved", "submitted_at": NOW, "approved_at": NOW,
        "created_at": NOW}], returning=True)[0]
    _insert(ProviderStaff, [{"provider_id": provider_id, "user_id": staff_id}])
    program_ids = _insert(Program, [{
        "provider_id": provider_id, "title": f"Робототехника {n + 1}", "direction": "technical",
        "description": "Собираем и программируем роботов.", "age_from": 5, "age_to": 17,
        "funding": "certified", "district": "с. Ленинское",
        "address": "с. Ленинское, ул. Школьная, 1", "teacher": "Смирнов Олег Игоревич",
        "months": 10, "hours_per_week": 2, "status": "published", "submitted_at": NOW,
        "published_at": NOW, "rating_total": 0, "rating_count": 0, "created_at": NOW,
        "updated_at": NOW} for n in range(groups)], returning=True)
    group_ids = _insert(Group, [{
        "program_id": p, "name": "Группа 1", "capacity": capacity, "seats_taken": 0,
        "price_per_month": PRICE, "is_open": True, "starts_on": GROUP_STARTS,
        "ends_on": GROUP_ENDS, "created_at": NOW} for p in program_ids], returning=True)
    from datetime import time
    _insert(GroupSession, [{"group_id": g, "weekday": d, "starts_at": time(15, 0),
                            "ends_at": time(16, 0)} for g in group_ids for d in (1, 3)])
    return provider_id, group_ids


def _program_of(group_ids: list[int]) -> dict[int, int]:
    return dict(db.session.execute(select(Group.id, Group.program_id)
                                   .where(Group.id.in_(group_ids))).all())


def requests(pairs: list[tuple[int, int, int, int]], *, provider_id: int) -> list[int]:
    """Pending requests waiting for the provider's answer."""
    program_of = _program_of(sorted({g for *_, g in pairs}))
    return _insert(EnrollmentRequest, [{
        "parent_id": p, "child_id": c, "certificate_id": s, "group_id": g,
        "program_id": program_of[g], "provider_id": provider_id, "status": "pending",
        "created_at": NOW - timedelta(hours=n % 72), "answer_due_on": TODAY + timedelta(days=4),
        "schedule_conflict": False} for n, (p, c, s, g) in enumerate(pairs)], returning=True)


def offers(pairs: list[tuple[int, int, int, int]], *, provider_id: int, staff_id: int,
           status: str = "offered") -> list[int]:
    """For each (parent, child, certificate, group): an accepted request and its offer (or,
    with status="active", the contract — months and reserve written by `contracts`)."""
    program_of = _program_of(sorted({g for *_, g in pairs}))
    request_ids = _insert(EnrollmentRequest, [{
        "parent_id": p, "child_id": c, "certificate_id": s, "group_id": g,
        "program_id": program_of[g], "provider_id": provider_id, "status": "accepted",
        "created_at": NOW - timedelta(days=3), "answer_due_on": TODAY + timedelta(days=4),
        "answered_at": NOW - timedelta(days=1), "answered_by_id": staff_id,
        "schedule_conflict": False} for p, c, s, g in pairs], returning=True)
    return _insert(Contract, [{
        "request_id": r, "parent_id": p, "child_id": c, "certificate_id": s, "group_id": g,
        "program_id": program_of[g], "provider_id": provider_id, "status": status,
        "first_month": MONTHS[0], "offered_at": NOW - timedelta(days=1),
        "accept_by": TODAY + timedelta(days=5), "holds_seat": False, "pay_in_full": False,
        "accepted_at": NOW if status == "active" else None}
        for r, (p, c, s, g) in zip(request_ids, pairs, strict=True)], returning=True)


def contracts(pairs: list[tuple[int, int, int, int]], *, period: FinancingPeriod,
              provider_id: int, staff_id: int) -> list[int]:
    """Active contracts with their 10 months, the reserve of the current period's share and
    the seats taken."""
    ids = offers(pairs, provider_id=provider_id, staff_id=staff_id, status="active")
    share = min(PRICE, NORMATIVE)
    _insert(ContractMonth, [{
        "contract_id": c, "month": m, "price": PRICE, "certificate_share": share,
        "family_share": PRICE - share, "status": "reserved"} for c in ids for m in MONTHS])
    reserved = share * len(MONTHS)
    escrow_ids = _insert(LedgerAccount, [_account(f"escrow:{c}", "escrow", credits=reserved)
                                         for c in ids], returning=True)
    accounts = dict(db.session.execute(select(LedgerAccount.code, LedgerAccount.id).where(
        LedgerAccount.code.in_([f"certificate:{s}" for _, _, s, _ in pairs]))).all())
    _insert(Transfer, [{
        "key": f"reserve:{c}:{period.id}", "debit_account_id": accounts[f"certificate:{s}"],
        "credit_account_id": e, "amount": reserved, "kind": "reserve", "ref": f"contract:{c}",
        "actor_id": p, "created_at": NOW,
        "reason": f"Резерв по договору Д-{c:06d}: «Робототехника», март–декабрь 2026"}
        for c, e, (p, _, s, _) in zip(ids, escrow_ids, pairs, strict=True)])
    per_certificate: dict[str, int] = {}
    for _, _, s, _ in pairs:
        per_certificate[f"certificate:{s}"] = per_certificate.get(f"certificate:{s}", 0) \
            + reserved
    for code, amount in per_certificate.items():
        db.session.execute(update(LedgerAccount).where(LedgerAccount.code == code)
                           .values(debits_posted=LedgerAccount.debits_posted + amount))
    per_group: dict[int, int] = {}
    for *_, g in pairs:
        per_group[g] = per_group.get(g, 0) + 1
    for g, taken in per_group.items():
        db.session.execute(update(Group).where(Group.id == g)
                           .values(seats_taken=Group.seats_taken + taken))
    return ids


def spread(items: list, groups: list[int], *, capacity: int, seed: int = 2026) -> list:
    """Assign each item a group at random, never more than `capacity` per group."""
    rng = random.Random(seed)
    slots = [g for g in groups for _ in range(capacity)]
    rng.shuffle(slots)
    if len(slots) < len(items):
        raise ValueError("not enough seats for the items")
    return [(*item, slots[i]) for i, item in enumerate(items)]
