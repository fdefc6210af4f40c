"""Providers, programs, groups, revisions and documents, one call each.

The rows are written directly (the state a test needs, e.g. an approved provider with a
published program), with the program's search terms indexed as the services do. Each
function runs in its own app context, commits, and returns the object detached: its columns
are readable, its relationships are not.

    staff = make.user("provider_staff")
    prov = factories.provider(app, staff=staff)                     # approved, in the registry
    prog = factories.program(app, prov, title="Робототехника", age_from=7, age_to=12)
    grp = factories.group(app, prog, price=250_000, weekdays=(1, 3))
    rev = factories.revision(app, prog, title="Роботы", new_group=True)  # changes on moderation
    pdf = factories.pdf_bytes()                                     # a small valid PDF
"""

from __future__ import annotations

import io
import itertools
from datetime import date, time

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.db import db, unit_of_work
from pfdo.demo.providers import pdf_bytes
from pfdo.programs import revisions, search
from pfdo.programs.models import (
    Group,
    GroupSession,
    Program,
    ProgramEvent,
    ProgramRevision,
    RevisionGroup,
    RevisionSession,
)
from pfdo.providers.models import Provider, ProviderDocument, ProviderEvent, ProviderStaff
from pfdo.providers.validation import inn_with_check_digits, ogrn_with_check_digit
from pfdo.storage import Upload, store
from tests.factories.accounts import PASSWORD, detached

_serial = itertools.count(1)


def inn10(n: int | None = None) -> str:
    """A valid 10-digit ИНН of an organisation; a new one on every call."""
    return inn_with_check_digits(f"79{(next(_serial) if n is None else n):07d}")


def inn12(n: int | None = None) -> str:
    """A valid 12-digit ИНН of a person."""
    return inn_with_check_digits(f"79{(next(_serial) if n is None else n):08d}")


def ogrn(n: int | None = None) -> str:
    """A valid 13-digit ОГРН."""
    return ogrn_with_check_digit(f"10279{(next(_serial) if n is None else n):07d}")


def ogrnip(n: int | None = None) -> str:
    """A valid 15-digit ОГРНИП."""
    return ogrn_with_check_digit(f"30479{(next(_serial) if n is None else n):09d}")


def provider(app, *, staff: User | int | None = None, status: str = "approved",
             legal_form: str = "mbu_do", short_name: str | None = None,
             district: str = "Ленинский район", **kw) -> Provider:
    """A provider (approved by default) with `staff` as its member, if given."""
    n = next(_serial)
    individual = legal_form == "ip"
    with app.app_context():
        with unit_of_work():
            row = Provider(
                full_name=kw.pop("full_name", None) or f"Центр детского творчества № {n}",
                short_name=short_name or f"ЦДТ № {n}",
                legal_form=legal_form,
                inn=kw.pop("inn", None) or (inn12() if individual else inn10()),
                ogrn=kw.pop("ogrn", None) or (ogrnip() if individual else ogrn()),
                address=kw.pop("address", "с. Ленинское, ул. Школьная, 1"),
                district=district,
                contact_name=kw.pop("contact_name", "Петрова Анна Сергеевна"),
                phone=kw.pop("phone", "+74266321000"),
                email=kw.pop("email", f"cdt{n}@example.ru"),
                licence_number=kw.pop("licence_number", None if individual else f"ЛО35-{n:05d}"),
                status=status,
                approved_at=clock.now() if status == "approved" else None,
                **kw,
            )
            db.session.add(row)
            db.session.flush()
            db.session.add(ProviderEvent(provider_id=row.id, action="submitted",
                                         status="submitted"))
            if status != "submitted":
                db.session.add(ProviderEvent(provider_id=row.id, action=status, status=status,
                                             comment="Нет лицензии" if status == "rejected"
                                             else None))
            if staff is not None:
                user_id = staff if isinstance(staff, int) else staff.id
                db.session.add(ProviderStaff(provider_id=row.id, user_id=user_id))
        return detached(row)


def program(app, provider_: Provider | int, *, title: str = "Робототехника для начинающих",
            direction: str = "technical", status: str = "published",
            description: str = "Собираем и программируем роботов из конструктора.",
            age_from: int = 7, age_to: int = 12, funding: str = "certified",
            district: str = "Ленинский район", months: int = 9, hours_per_week: int = 2,
            teacher: str = "Смирнов Олег Игоревич", document: bool = False, **kw) -> Program:
    """A program (published by default); `document=True` attaches a program PDF."""
    provider_id = provider_ if isinstance(provider_, int) else provider_.id
    with app.app_context():
        with unit_of_work():
            if document:
                kw["document_id"] = store(Upload("Учебный план.pdf", pdf_bytes())).id
            row = Program(
                provider_id=provider_id, title=title, direction=direction, status=status,
                description=description, age_from=age_from, age_to=age_to, funding=funding,
                district=district, address=kw.pop("address", "с. Ленинское, ул. Школьная, 1"),
                teacher=teacher, months=months, hours_per_week=hours_per_week,
                submitted_at=clock.now() if status != "draft" else None,
                published_at=clock.now() if status == "published" else None, **kw)
            db.session.add(row)
            db.session.flush()
            db.session.add(ProgramEvent(program_id=row.id, action="created", status="draft"))
            search.index_program(row)
        return detached(row)


def group(app, program_: Program | int, *, name: str = "Группа 1", capacity: int = 12,
          seats_taken: int = 0, price: int = 250_000, is_open: bool = True,
          starts_on: date = date(2026, 9, 1), ends_on: date = date(2027, 5, 31),
          weekdays: tuple[int, ...] = (1, 3), starts_at: time = time(15, 0),
          ends_at: time = time(16, 30)) -> Group:
    program_id = program_ if isinstance(program_, int) else program_.id
    with app.app_context():
        with unit_of_work():
            row = Group(program_id=program_id, name=name, capacity=capacity,
                        seats_taken=seats_taken, price_per_month=price, is_open=is_open,
                        starts_on=starts_on, ends_on=ends_on,
                        sessions=[GroupSession(weekday=d, starts_at=starts_at, ends_at=ends_at)
                                  for d in weekdays])
            db.session.add(row)
        return detached(row)


def revision(app, program_: Program | int, *, status: str = "submitted",
             document: bool = False, new_group: bool = False,
             remarks: str = "Уточните расписание", **changes) -> ProgramRevision:
    """An open revision of a published program: a copy of it with `changes` (program fields),
    a new document and a new group if asked; returned ones carry `remarks`."""
    program_id = program_ if isinstance(program_, int) else program_.id
    with app.app_context():
        with unit_of_work():
            program = db.session.get(Program, program_id)
            row = revisions.proposal(program, actor=None)
            for name, value in changes.items():
                setattr(row, name, value)
            if document:
                row.document_id = store(Upload("Новый учебный план.pdf", pdf_bytes())).id
            if new_group:
                row.groups.append(RevisionGroup(
                    name="Новая группа", capacity=10, starts_on=date(2026, 9, 1),
                    ends_on=date(2027, 5, 31), price_per_month=260_000,
                    sessions=[RevisionSession(weekday=5, starts_at=time(11, 0),
                                              ends_at=time(12, 30))]))
            row.status = status
            row.submitted_at = clock.now()
            row.remarks = remarks if status == "returned" else None
            db.session.add(row)
        return detached(row)


def document(app, provider_: Provider | int, *, kind: str = "charter",
             name: str = "Устав.pdf") -> ProviderDocument:
    """A PDF attached to the provider's application (stored in the test upload folder)."""
    provider_id = provider_ if isinstance(provider_, int) else provider_.id
    with app.app_context():
        with unit_of_work():
            stored = store(Upload(name, pdf_bytes()))
            row = ProviderDocument(provider_id=provider_id, kind=kind, file_id=stored.id)
            db.session.add(row)
        return detached(row)


# --- The public application form ---------------------------------------------------------------

def application_form(*, legal_form: str = "ano", files: bool = True, **overrides) -> dict:
    """The fields of a valid application for the test client (multipart with PDF files);
    `overrides` replace fields, a value of None drops the field."""
    individual = legal_form == "ip"
    data = {
        "legal_form": legal_form,
        "full_name": ("Индивидуальный предприниматель Кузнецова Анна Викторовна" if individual
                      else "Автономная некоммерческая организация «Радуга»"),
        "short_name": "ИП Кузнецова А. В." if individual else "АНО «Радуга»",
        "inn": inn12() if individual else inn10(),
        "ogrn": ogrnip() if individual else ogrn(),
        "address": "с. Ленинское, ул. Мира, 5",
        "district": "Ленинский район",
        "last_name": "Кузнецова", "first_name": "Анна", "middle_name": "Викторовна",
        "email": "raduga@example.ru",
        "phone": "+7 914 555-12-34",
        "website": "raduga-lenino.ru",
        "licence_number": "" if individual else "ЛО35-01234",
        "licence_date": "" if individual else "2020-05-12",
        "description": "Кружки рисования и робототехники для детей 7–14 лет.",
        "password": PASSWORD, "password_confirm": PASSWORD,
        "consent": "y",
    }
    if files:
        data["charter_file"] = (io.BytesIO(pdf_bytes()), "устав.pdf")
        data["egrul_file"] = (io.BytesIO(pdf_bytes()), "выписка.pdf")
        if not individual:
            data["licence_file"] = (io.BytesIO(pdf_bytes()), "лицензия.pdf")
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
