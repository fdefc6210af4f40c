"""Demo children, certificate applications, certificates in every state, the current
financing period and its ledger history. Goes through the real services, with the clock
moved back so the history has realistic dates."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

from faker import Faker
from sqlalchemy import select, update

from pfdo import clock
from pfdo.accounts.models import Role, User
from pfdo.accounts.services import PersonName
from pfdo.audit import services as audit
from pfdo.certificates import applications, financing
from pfdo.certificates.models import Certificate, CertificateStatus, NumberSerial
from pfdo.children.validation import snils_check_number
from pfdo.db import db, unit_of_work
from pfdo.demo.data import (
    FAMILY_STREETS,
    HOUR_COSTS,
    NOMINAL,
    QUOTA,
    REFUSALS,
    VILLAGES,
)
from pfdo.families import services as families
from pfdo.municipality import services as municipality
from pfdo.notifications.models import OutboxMessage
from pfdo.periods import services as periods


def _snils(fake: Faker) -> str:
    while True:
        body = f"{fake.random_int(1_002_000, 999_999_999):09d}"
        return body + f"{snils_check_number(body):02d}"


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), UTC)


def seed_certificates(fake: Faker) -> None:
    settings = municipality.get()
    with unit_of_work():
        # Same seed, same numbers: the demo's permutation key comes from Faker (a real
        # installation's is random, made on the first confirmation).
        db.session.add(NumberSerial(
            prefix=settings.region_code + settings.municipality_code, last_position=0,
            permutation_key=fake.hexify("^" * 64), sequential_until=0))
    today = municipality.local_today()
    coordinator = db.session.scalars(select(User).where(User.role == Role.COORDINATOR)).first()
    year_start = date(today.year, 1, 1)
    with clock.freeze(_at(year_start - timedelta(days=20))):
        periods.save_period(periods.PeriodData(
            title=f"{today.year} год", starts_on=year_start, ends_on=date(today.year, 12, 31),
            nominal=NOMINAL, quota=QUOTA, budget=3_000_000_00, free_program_limit=3,
            provider_answer_days=5, hour_costs={str(k): v for k, v in HOUR_COSTS.items()},
        ), actor=coordinator, today=year_start - timedelta(days=20))
    parents = db.session.scalars(select(User).where(User.role == Role.PARENT)
                                 .order_by(User.id)).all()
    days_so_far = max((today - year_start).days, 1)
    financed = 0
    for index, parent in enumerate(parents):
        demo_parent = index == 0
        count = 3 if demo_parent else fake.random_element((1, 1, 1, 2, 2, 3))
        for number in range(count):
            child = _child(fake, parent, today, young=demo_parent and number == 2)
            state = fake.random_element(("none",) * 12 + ("submitted",) * 9 + ("refused",) * 4
                                        + ("confirmed",) * 75)
            if demo_parent:
                state = ("financing", "confirmed", "none")[number]
            if state == "none" or child.age_on(today) < 5:
                continue
            applied = year_start + timedelta(days=fake.random_int(0, days_so_far - 1))
            if demo_parent:  # the demo family got its certificates early in the year
                applied = year_start + timedelta(days=3 + number)
            if state == "submitted":
                applied = today - timedelta(days=fake.random_int(0, 12))
            while child.age_on(applied) < 5:  # applied once the child turned five
                applied += timedelta(days=7)
            applied = min(applied, today)
            with clock.freeze(_at(applied, 9)):
                application = applications.apply_for_certificate(parent, child, consent=True,
                                                                 today=applied)
            decided = min(applied + timedelta(days=fake.random_int(1, 6)), today)
            if state == "submitted":
                continue
            if state == "refused":
                with clock.freeze(_at(decided, 15)):
                    applications.refuse_application(
                        application, fake.random_element(REFUSALS), actor=coordinator)
                continue
            with clock.freeze(_at(decided, 14)):
                certificate = applications.confirm_application(application, actor=coordinator)
            wants_money = state == "financing" or fake.boolean(chance_of_getting_true=55)
            if wants_money and financed < QUOTA - 12:
                granted_on = min(decided + timedelta(days=fake.random_int(0, 40)), today)
                if demo_parent:
                    granted_on = decided
                with clock.freeze(_at(granted_on, 16)):
                    financing.grant_financing(certificate, actor=parent, today=granted_on)
                financed += 1
    _suspend_some(fake)
    with unit_of_work():
        # Demo e-mails were "sent" long ago: the outbox must not mail fake addresses.
        db.session.execute(update(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
                           .values(sent_at=clock.now()))




_document_numbers = itertools.count(100001)


def _child(fake: Faker, parent: User, today: date, *, young: bool = False):
    female = fake.boolean()
    age = 4 if young else fake.random_element(tuple(range(5, 18)) + (6, 7, 8, 9, 10, 11, 12))
    birth = today - timedelta(days=age * 365 + fake.random_int(10, 350))
    passport = age >= 14
    series = (f"{fake.random_int(9900, 9999)}" if passport else
              f"{fake.random_element(('I', 'II', 'III', 'IV'))}-"
              f"{fake.random_element(('ТВ', 'АБ', 'ДВ', 'ЕА'))}")
    data = families.ChildData(
        name=PersonName(
            _family_name(parent.last_name, female),
            fake.first_name_female() if female else fake.first_name_male(),
            fake.middle_name_female() if female else fake.middle_name_male()),
        birth_date=birth, sex="female" if female else "male",
        document_type="passport" if passport else "birth_certificate",
        # A counter, not a random number: a document identifies one child (the demo must
        # not make two children share one and have the second refused as a duplicate).
        document_series=series, document_number=f"{next(_document_numbers):06d}",
        snils=_snils(fake),
        address=f"Еврейская автономная область, {fake.random_element(VILLAGES)}, "
                f"{fake.random_element(FAMILY_STREETS)}, д. {fake.random_int(1, 60)}",
    )
    with clock.freeze(_at(today - timedelta(days=200))):
        return families.add_child(parent, data, today=today)


def _family_name(parent_last_name: str, female: bool) -> str:
    """The child's form of the parent's surname: Кузнецова -> Кузнецов for a son."""
    for male_end, female_end in (("ов", "ова"), ("ев", "ева"), ("ин", "ина"), ("ын", "ына"),
                                 ("ский", "ская"), ("цкий", "цкая")):
        if parent_last_name.endswith(female_end):
            stem = parent_last_name[: -len(female_end)]
            return stem + (female_end if female else male_end)
        if parent_last_name.endswith(male_end):
            stem = parent_last_name[: -len(male_end)]
            return stem + (female_end if female else male_end)
    return parent_last_name


def _suspend_some(fake: Faker) -> None:
    ids = db.session.scalars(select(Certificate.id).where(
        Certificate.kind == "record").order_by(Certificate.id)).all()
    with unit_of_work():
        for certificate_id in fake.random_elements(ids[5:], length=min(4, len(ids[5:])),
                                                   unique=True):
            certificate = db.session.get(Certificate, certificate_id)
            certificate.status = CertificateStatus.SUSPENDED
            certificate.status_reason = "Приостановлен по заявлению родителя (переезд)"
            audit.record(None, "certificate.suspended", certificate, {"demo": True})
