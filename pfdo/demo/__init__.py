"""A realistic demo municipality (Faker ru_RU), deterministic for a given seed.

Later capabilities extend `seed()` so that every role's screens are full of data."""

from __future__ import annotations

from dataclasses import dataclass

from faker import Faker
from flask import current_app
from sqlalchemy import func, select, text

from pfdo import clock
from pfdo.accounts.models import Consent, Role, User
from pfdo.accounts.passwords import hash_password
from pfdo.accounts.services import CONSENT_VERSION
from pfdo.audit import services as audit
from pfdo.config import DEFAULT_DEMO_PASSWORD
from pfdo.db import db, unit_of_work
from pfdo.demo.certificates import seed_certificates
from pfdo.demo.enrollments import seed_enrollments
from pfdo.demo.hotline import seed_hotline
from pfdo.demo.privacy import seed_deletion_requests
from pfdo.demo.providers import seed_providers
from pfdo.municipality import services as municipality


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    email: str
    last_name: str
    first_name: str
    middle_name: str
    phone: str


DEMO_ACCOUNTS = [
    DemoAccount(Role.PARENT, "parent@demo-pfdo.ru", "Кузнецова", "Анна", "Петровна",
                "+79141234567"),
    DemoAccount(Role.PROVIDER, "provider@demo-pfdo.ru", "Соколов", "Дмитрий", "Игоревич",
                "+79142345678"),
    DemoAccount(Role.COORDINATOR, "coordinator@demo-pfdo.ru", "Морозова", "Елена", "Викторовна",
                "+79143456789"),
    DemoAccount(Role.HOTLINE, "hotline@demo-pfdo.ru", "Лебедева", "Ольга", "Сергеевна",
                "+79144567890"),
    DemoAccount(Role.ADMIN, "admin@demo-pfdo.ru", "Волков", "Андрей", "Николаевич",
                "+79145678901"),
]

FAMILIES = 300

DEMO_MUNICIPALITY = municipality.MunicipalitySettings(
    name="Ленинский муниципальный район",
    region_name="Еврейская автономная область",
    region_code="79",
    municipality_code="05",
    timezone="Asia/Vladivostok",
    hotline_phone="+7 (42663) 2-14-35",
    hotline_hours="пн–пт 9:00–18:00, перерыв 13:00–14:00",
    coordinator_name="Отдел образования администрации Ленинского муниципального района",
    address="679370, Еврейская автономная область, с. Ленинское, ул. Ленина, 28",
    email="pfdo@leninsk-eao.ru",
    child_population=4870,
)


def is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(User))


def seed(seed_value: int = 2026, families: int = FAMILIES) -> bool:
    """Create the demo municipality if the database is empty. Returns whether it did."""
    if not is_empty():
        return False
    password = current_app.config["DEMO_PASSWORD"]
    if current_app.config["PFDO_ENV"] == "production" and password == DEFAULT_DEMO_PASSWORD:
        raise RuntimeError("Set PFDO_DEMO_PASSWORD: the default demo password is public.")
    if db.engine.dialect.name == "postgresql":
        # Thousands of small demo transactions: no need to wait for each to reach the disk.
        db.session.execute(text("SET synchronous_commit TO OFF"))
        db.session.commit()
    fake = Faker("ru_RU")
    fake.seed_instance(seed_value)
    password_hash = hash_password(password)
    municipality.save(DEMO_MUNICIPALITY, actor=None)
    with unit_of_work():
        now = clock.now()
        for account in DEMO_ACCOUNTS:
            user = User(
                email=account.email, phone=account.phone, role=account.role,
                last_name=account.last_name, first_name=account.first_name,
                middle_name=account.middle_name, password_hash=password_hash,
                password_changed_at=now,
            )
            db.session.add(user)
            db.session.flush()
            if account.role == Role.PARENT:
                db.session.add(Consent(user=user, kind="personal_data",
                                       text_version=CONSENT_VERSION, given_at=now))
            audit.record(None, "user.created", user, {"role": str(account.role), "demo": True})
        _seed_families(fake, password_hash, now, families)
    seed_certificates(fake)
    seed_providers(fake)
    seed_enrollments(fake, DEMO_ACCOUNTS[0].email)
    seed_hotline(fake)
    seed_deletion_requests(fake, keep=DEMO_ACCOUNTS[0].email)
    return True


def _seed_families(fake: Faker, password_hash: str, now, families: int) -> None:
    """About 300 families, so the lists look like a real municipality's."""
    used_emails: set[str] = {a.email for a in DEMO_ACCOUNTS}
    used_phones: set[str] = {a.phone for a in DEMO_ACCOUNTS}
    created = 0
    while created < families - 1:
        female = fake.boolean(chance_of_getting_true=80)
        last = fake.last_name_female() if female else fake.last_name_male()
        first = fake.first_name_female() if female else fake.first_name_male()
        middle = fake.middle_name_female() if female else fake.middle_name_male()
        email = f"{fake.unique.user_name()}@{fake.free_email_domain()}".lower()
        phone = "+79" + "".join(str(fake.random_digit()) for _ in range(9))
        if email in used_emails or phone in used_phones:
            continue
        used_emails.add(email)
        used_phones.add(phone)
        user = User(email=email, phone=phone, role=Role.PARENT, last_name=last, first_name=first,
                    middle_name=middle, password_hash=password_hash, password_changed_at=now)
        db.session.add(user)
        db.session.add(Consent(user=user, kind="personal_data", text_version=CONSENT_VERSION,
                               given_at=now))
        created += 1


def accounts_table(password: str) -> str:
    lines = ["Demo accounts (password for all: " + password + "):"]
    for account in DEMO_ACCOUNTS:
        lines.append(f"  {account.role.label:<36} {account.email}")
    return "\n".join(lines)
