"""Demo providers: identifiers, documents and the providers themselves, seeded in bulk in one
unit of work. Their programs are made by `demo.programs`; the lists are in `demo.data`."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from faker import Faker
from sqlalchemy import select

from pfdo.accounts.models import Role, User
from pfdo.db import db, unit_of_work
from pfdo.demo.data import (
    ALL,
    DEMO_STAFF_EMAIL,
    DISTRICTS,
    HOUR_COSTS,
    INDIVIDUALS,
    POSTCODES,
    PROGRAMS_PER_PROVIDER,
    PROVIDERS,
    REGION,
    REJECTED_REASON,
    RETURN_REMARKS,
    STREETS,
    ProviderSpec,
)
from pfdo.demo.programs import (
    groups_for,
    index_terms,
    program_shape,
    program_text,
)
from pfdo.demo.revisions import seed_revisions
from pfdo.municipality import services as municipality
from pfdo.programs.models import (
    Group,
    GroupSession,
    Program,
    ProgramEvent,
    ProgramStatus,
)
from pfdo.providers.models import (
    LegalForm,
    Provider,
    ProviderDocument,
    ProviderEvent,
    ProviderStaff,
    ProviderStatus,
)
from pfdo.providers.validation import (
    inn_with_check_digits,
    ogrn_with_check_digit,
)
from pfdo.storage import Upload, store

# --- identifiers and documents ---------------------------------------------------------------

def _unused(used: set[str], make) -> str:
    """A value from `make()` not yet in `used` (and now in it)."""
    while True:
        value = make()
        if value not in used:
            used.add(value)
            return value


def inn10(rng: random.Random, used: set[str]) -> str:
    """A valid, unused ИНН of an organisation registered in the region (79)."""
    return _unused(used, lambda: inn_with_check_digits(f"7901{rng.randint(0, 99999):05d}"))


def inn12(rng: random.Random, used: set[str]) -> str:
    """A valid, unused ИНН of a person."""
    return _unused(used, lambda: inn_with_check_digits(f"7901{rng.randint(0, 999999):06d}"))


def ogrn(rng: random.Random, used: set[str]) -> str:
    """A valid, unused ОГРН (13 digits)."""
    return _unused(used, lambda: ogrn_with_check_digit(
        f"1{rng.randint(2, 24):02d}79{rng.randint(0, 9999999):07d}"))


def ogrnip(rng: random.Random, used: set[str]) -> str:
    """A valid, unused ОГРНИП (15 digits)."""
    return _unused(used, lambda: ogrn_with_check_digit(
        f"3{rng.randint(5, 25):02d}79{rng.randint(0, 999999999):09d}"))


def pdf_bytes(label: str = "Document") -> bytes:
    """A tiny well-formed one-page PDF (about 600 bytes) showing an ASCII label."""
    text = "".join(c for c in label if 32 <= ord(c) < 127 and c not in "()\\")[:60]
    stream = b"BT /F1 14 Tf 72 720 Td (%s) Tj ET" % text.encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


# --- the demo ---------------------------------------------------------------------------------

def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), UTC)


def quoted_name(name: str) -> str:
    """«name», with quotes inside it as „…“ (МАУ ДО «Центр „Радуга“»)."""
    return "«" + name.replace("«", "„").replace("»", "“") + "»"


_LATIN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                  ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n",
                   "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y",
                   "", "e", "yu", "ya"], strict=True))


def _latin(word: str) -> str:
    return "".join(_LATIN.get(c, c) for c in word.lower())


def _short_and_full(spec: ProviderSpec, district: str) -> tuple[str, str]:
    form = spec.form
    if form is LegalForm.MBOU:
        short = spec.name.replace("Средняя общеобразовательная школа", "СОШ").replace(
            "Основная общеобразовательная школа", "ООШ")
        if "с. " not in short:
            short += f" {district}"
            full_name = f"{spec.name} {district}"
        else:
            full_name = spec.name
        return (f"{form.label} {quoted_name(short)}",
                f"{form.title[:1].upper()}{form.title[1:]} {quoted_name(full_name)}")
    return (f"{form.label} {quoted_name(spec.name)}",
            f"{form.title[:1].upper()}{form.title[1:]} {quoted_name(spec.name)}")


def seed_providers(fake: Faker) -> None:
    """The providers' side of the demo municipality (see the module docstring)."""
    rng = fake.random
    today = municipality.local_today()
    coordinator = db.session.scalars(select(User).where(User.role == Role.COORDINATOR)).first()
    staff_user = db.session.scalars(select(User).where(User.email == DEMO_STAFF_EMAIL)).first()
    specs = list(PROVIDERS)
    for _ in range(INDIVIDUALS):
        female = rng.random() < 0.7
        person = (fake.last_name_female(), fake.first_name_female(), fake.middle_name_female()) \
            if female else (fake.last_name_male(), fake.first_name_male(),
                            fake.middle_name_male())
        specs.append(ProviderSpec(LegalForm.IP, " ".join(person), (rng.choice(ALL),)))
    # The last private organisations and individual entrepreneurs are still being checked;
    # one ООО was rejected.
    pending = {len(PROVIDERS) - 2, len(PROVIDERS) - 7, len(specs) - 1, len(specs) - 4,
               len(specs) - 9}
    rejected = len(PROVIDERS) - 4
    used: set[str] = set()
    with unit_of_work():
        providers: list[Provider] = []
        for index, spec in enumerate(specs):
            providers.append(_provider(fake, rng, spec, index, today, used, coordinator,
                                       status=ProviderStatus.SUBMITTED if index in pending
                                       else ProviderStatus.REJECTED if index == rejected
                                       else ProviderStatus.APPROVED))
        db.session.add_all(providers)
        demo_provider = providers[0]
        if staff_user is not None:
            db.session.add(ProviderStaff(provider=demo_provider, user=staff_user))
        db.session.flush()

        programs: list[Program] = []
        for provider, spec in zip(providers, specs, strict=True):
            if provider.status != ProviderStatus.APPROVED:
                continue
            low, high = PROGRAMS_PER_PROVIDER[spec.form]
            count = rng.randint(low, high)
            programs += _programs(fake, rng, provider, spec, count, today, coordinator,
                                  demo=provider is demo_provider)
        db.session.add_all(programs)
        db.session.flush()
        index_terms(programs, {p.id: p.short_name for p in providers})
        seed_revisions(demo_provider, staff_user)


def _provider(fake: Faker, rng: random.Random, spec: ProviderSpec, index: int, today: date,
              used: set[str], coordinator: User | None, *, status: str) -> Provider:
    form = spec.form
    district = DISTRICTS[0] if index < 10 or rng.random() < 0.4 else rng.choice(DISTRICTS)
    if form is LegalForm.MBOU and "с. " in spec.name:
        district = "с. " + spec.name.split("с. ")[1]
    address = (f"{POSTCODES[district]}, {REGION}, {district}, {rng.choice(STREETS)}, "
               f"д. {rng.randint(1, 60)}")
    if form is LegalForm.IP:
        short = f"ИП {spec.name}"
        full = f"Индивидуальный предприниматель {spec.name}"
        contact = spec.name
        inn, ogrn_ = inn12(rng, used), ogrnip(rng, used)
    else:
        short, full = _short_and_full(spec, district)
        female = rng.random() < 0.75
        contact = (f"{fake.last_name_female()} {fake.first_name_female()} "
                   f"{fake.middle_name_female()}" if female else
                   f"{fake.last_name_male()} {fake.first_name_male()} {fake.middle_name_male()}")
        inn, ogrn_ = inn10(rng, used), ogrn(rng, used)
    latin = f"p{index + 1:02d}"
    if status == ProviderStatus.APPROVED:
        approved = today - timedelta(days=rng.randint(40, 640))
        submitted = approved - timedelta(days=rng.randint(2, 9))
    else:
        approved = None
        submitted = today - timedelta(days=rng.randint(4, 12))
    licence = None if form is LegalForm.IP else (
        f"Л035-01{rng.randint(200, 299)}-79/00{rng.randint(100000, 999999)}")
    provider = Provider(
        full_name=full, short_name=short, legal_form=str(form), inn=inn, ogrn=ogrn_,
        address=address, district=district, contact_name=contact,
        phone=f"+7426632{rng.randint(1000, 9999)}"[:12] if form.ownership != "individual"
        else "+79" + "".join(str(rng.randint(0, 9)) for _ in range(9)),
        email=f"{latin}@{'leninsk-edu.ru' if form.ownership != 'private' else 'mail.ru'}"
        if form is not LegalForm.IP else f"{_latin(spec.name.split()[0])}.{index}@mail.ru",
        website=f"https://{latin}.leninsk-edu.ru" if rng.random() < 0.4 else None,
        licence_number=licence,
        licence_date=(submitted - timedelta(days=rng.randint(200, 3000))) if licence else None,
        description=_provider_description(spec),
        status=str(status), submitted_at=_at(submitted, 11),
        approved_at=_at(approved, 15) if approved else None,
        rejection_reason=REJECTED_REASON if status == ProviderStatus.REJECTED else None,
        created_at=_at(submitted, 11),
    )
    events = [ProviderEvent(action="submitted", status="submitted", at=_at(submitted, 11))]
    if status == ProviderStatus.APPROVED:
        if rng.random() < 0.1:  # fixed after a first rejection
            events.append(ProviderEvent(action="rejected", status="rejected",
                                        actor=coordinator, at=_at(submitted, 16),
                                        comment="Не приложена выписка из ЕГРЮЛ"))
            events.append(ProviderEvent(action="resubmitted", status="submitted",
                                        at=_at(approved - timedelta(days=1), 10)))
        events.append(ProviderEvent(action="approved", status="approved", actor=coordinator,
                                    at=_at(approved, 15)))
    elif status == ProviderStatus.REJECTED:
        events.append(ProviderEvent(action="rejected", status="rejected", actor=coordinator,
                                    comment=REJECTED_REASON,
                                    at=_at(submitted + timedelta(days=3), 3)))
    provider.events = events
    kinds = ([("charter", "Свидетельство о регистрации ИП.pdf"),
              ("egrul", "Выписка из ЕГРИП.pdf")]
             + ([("other", "Справка об отсутствии судимости.pdf")] if rng.random() < 0.6 else [])
             if form is LegalForm.IP else
             [("charter", "Устав.pdf"), ("egrul", "Выписка из ЕГРЮЛ.pdf")]
             + [("licence", "Лицензия на образовательную деятельность.pdf")])
    provider.documents = [
        ProviderDocument(kind=kind, file=store(Upload(name, pdf_bytes(f"{latin} {kind}"))),
                         created_at=_at(submitted, 11))
        for kind, name in kinds]
    return provider


def _provider_description(spec: ProviderSpec) -> str:
    if spec.form is LegalForm.IP:
        return "Индивидуальные и групповые занятия. Педагог с высшим профильным образованием."
    if spec.form.ownership in ("municipal", "state"):
        return ("Кружки и секции для детей района. Часть программ бесплатна по "
                "муниципальному заданию, остальные — по сертификату ПФ.")
    return "Занятия в небольших группах. Оплата сертификатом ПФ, при необходимости с доплатой."


def _programs(fake: Faker, rng: random.Random, provider: Provider, spec: ProviderSpec,
              count: int, today: date, coordinator: User | None, *,
              demo: bool) -> list[Program]:
    taken: set[str] = set()
    result = []
    approved_on = municipality.local_date(provider.approved_at)
    for n in range(count):
        direction = spec.directions[n % len(spec.directions)] if n < len(spec.directions) \
            else rng.choice(spec.directions)
        title, description, age_from, age_to = program_text(rng, direction, taken)
        shape = program_shape(rng, spec.form)
        status = rng.choice((ProgramStatus.PUBLISHED,) * 22 + (ProgramStatus.SUBMITTED,)
                            + (ProgramStatus.RETURNED,) + (ProgramStatus.DRAFT,) * 2)
        if demo:  # the demo account sees every status at once
            status = {0: ProgramStatus.SUBMITTED, 1: ProgramStatus.RETURNED,
                      2: ProgramStatus.DRAFT}.get(n, ProgramStatus.PUBLISHED)
        if spec.form is LegalForm.IP:
            teacher = spec.name
        else:
            female = rng.random() < 0.7
            teacher = (f"{fake.last_name_female()} {fake.first_name_female()} "
                       f"{fake.middle_name_female()}" if female else
                       f"{fake.last_name_male()} {fake.first_name_male()} "
                       f"{fake.middle_name_male()}")
        created = min(approved_on + timedelta(days=rng.randint(1, 60)), today)
        submitted = min(created + timedelta(days=rng.randint(0, 7)), today)
        published = min(submitted + timedelta(days=rng.randint(1, 5)), today)
        if status in (ProgramStatus.SUBMITTED, ProgramStatus.RETURNED):
            submitted = max(created, today - timedelta(days=rng.randint(0, 10)))
        events = [ProgramEvent(action="created", status="draft", at=_at(created, 10))]
        if status != ProgramStatus.DRAFT:
            events.append(ProgramEvent(action="submitted", status="submitted",
                                       at=_at(submitted, 12)))
        remarks = None
        if status == ProgramStatus.PUBLISHED:
            events.append(ProgramEvent(action="published", status="published",
                                       actor=coordinator, at=_at(published, 16)))
        elif status == ProgramStatus.RETURNED:
            remarks = rng.choice(RETURN_REMARKS)
            events.append(ProgramEvent(action="returned", status="returned", actor=coordinator,
                                       comment=remarks, at=_at(submitted, 17)))
        document = None
        if status != ProgramStatus.DRAFT or rng.random() < 0.5:
            document = store(Upload(f"Учебный план «{title[:60]}».pdf",
                                    pdf_bytes(f"Programme {provider.id}-{n + 1}")))
        program = Program(
            provider=provider, title=title, direction=str(direction), description=description,
            age_from=age_from, age_to=age_to, **shape, district=provider.district,
            address=provider.address.split(", ", 2)[2], teacher=teacher, document=document,
            status=str(status), remarks=remarks,
            submitted_at=_at(submitted, 12) if status != ProgramStatus.DRAFT else None,
            published_at=_at(published, 16) if status == ProgramStatus.PUBLISHED else None,
            created_at=_at(created, 10), updated_at=_at(max(created, submitted), 12),
            events=events)
        group_count = (rng.choice((1, 2, 2, 2, 3, 3, 4)) if status == ProgramStatus.PUBLISHED
                       else rng.choice((0, 1)))
        groups = []
        for columns, sessions in groups_for(rng, shape, HOUR_COSTS[direction], today,
                                            group_count):
            groups.append(Group(**columns, created_at=_at(created, 11), sessions=[
                GroupSession(weekday=day, starts_at=begin, ends_at=end)
                for day, begin, end in sessions]))
        program.groups = groups
        result.append(program)
    return result
