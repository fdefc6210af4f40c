"""A published program's changes wait in a revision while families see the published version:
the services (editing, moderation, revisions) on the database in use. The pages are tested in
test_revision_pages."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pfdo.audit.models import AuditEvent
from pfdo.db import db
from pfdo.errors import DomainError
from pfdo.navigator import services as navigator
from pfdo.notifications.models import Notice, OutboxMessage
from pfdo.programs import editing, groups, moderation, revisions, search, services
from pfdo.programs.editing import Outcome
from pfdo.programs.models import (
    Group,
    Program,
    ProgramEvent,
    ProgramRevision,
    ProgramTerm,
    RevisionGroup,
)
from pfdo.storage import Upload
from tests import factories
from tests.programs.test_services import group_data, program_data


@pytest.fixture
def people(app, make):
    make.municipality()
    staff = make.user("provider_staff", email="staff@cdt.ru")
    coordinator = make.user("coordinator", email="coord@pfdo.ru")
    provider = factories.provider(app, staff=staff)
    return staff, coordinator, provider


@pytest.fixture
def published(app, people):
    """A published program with one group and its document."""
    _, _, provider = people
    prog = factories.program(app, provider, document=True)
    grp = factories.group(app, prog, name="Группа 1", price=250_000, capacity=12)
    return prog, grp


def load(model, obj):
    return db.session.get(model, obj if isinstance(obj, int) else obj.id)


def open_revisions(program_id: int) -> list[ProgramRevision]:
    return list(db.session.scalars(select(ProgramRevision).where(
        ProgramRevision.program_id == program_id,
        ProgramRevision.status.in_(("submitted", "returned")))))


def terms(program_id: int) -> set[str]:
    return set(db.session.scalars(select(ProgramTerm.term)
                                  .where(ProgramTerm.program_id == program_id)))


def visible_titles(today=date(2026, 9, 10)) -> list[str]:
    """What a family finds in the navigator's catalogue."""
    results = navigator.find_programs(navigator.ProgramFilter(), today=today)
    return [card.title for card in results.cards]


def actions(program_id: int) -> list[str]:
    return list(db.session.scalars(select(ProgramEvent.action).where(
        ProgramEvent.program_id == program_id).order_by(ProgramEvent.id)))


ISSUE_EDIT = dict(title="Шахматный клуб", description="Дебюты и эндшпиль.",
                  address="ул. Новая, 5", teacher="Иванов Пётр Петрович")


def test_an_edit_of_a_published_program_waits_in_a_revision(app, people, published):
    """The issue's reproduction: title, description, address, teacher and document."""
    staff, _, _ = people
    prog, _ = published
    with app.app_context():
        old_document = load(Program, prog).document_id
        outcome = editing.update_program(load(Program, prog), program_data(**ISSUE_EDIT),
                                         Upload("Новый план.pdf", factories.pdf_bytes()),
                                         actor=staff)
        assert outcome == Outcome.SENT
        program = load(Program, prog)
        assert program.status == "published"
        assert (program.title, program.address, program.teacher) == (
            "Робототехника для начинающих", "с. Ленинское, ул. Школьная, 1",
            "Смирнов Олег Игоревич")
        assert program.document_id == old_document
        assert visible_titles() == ["Робототехника для начинающих"]
        assert search.stem("шахматный") not in terms(prog.id)
        [revision] = open_revisions(prog.id)
        assert revision.status == "submitted" and revision.number == 2
        assert (revision.title, revision.description, revision.address, revision.teacher) == (
            "Шахматный клуб", "Дебюты и эндшпиль.", "ул. Новая, 5", "Иванов Пётр Петрович")
        assert revision.document.original_name == "Новый план.pdf"
        event = program.events[-1]
        assert event.action == "revision_submitted"
        assert event.comment == "Изменены: название, описание, адрес, педагог, документ программы"
        audit = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert audit.action == "program.revision_submitted"
        assert audit.details["revision"] == 2 and audit.details["to"] == "изменения на модерации"


@pytest.mark.parametrize("change", ["ages", "direction", "hours", "funding", "months",
                                    "price", "schedule", "capacity", "dates", "new_group"])
def test_a_change_of_terms_keeps_the_published_version_visible(app, people, published,
                                                               change):
    """What used to unpublish a program (ages, direction, hours, funding, a price, a new
    group) and what used to change silently (months, schedule, capacity, dates) alike."""
    staff, _, _ = people
    prog, grp = published
    with app.app_context():
        program = load(Program, prog)
        fields = {"ages": {"age_from": 8, "age_to": 14}, "direction": {"direction": "science"},
                  "hours": {"hours_per_week": 3}, "funding": {"funding": "municipal"},
                  "months": {"months": 8}}
        group_changes = {"price": {"price_per_month": 270_000},
                         "schedule": {"sessions": [services.SessionData(0, time(10),
                                                                        time(11))]},
                         "capacity": {"capacity": 15},
                         "dates": {"starts_on": date(2026, 10, 1)}}
        if change in fields:
            outcome = editing.update_program(program, program_data(**fields[change]), None,
                                             actor=staff)
        elif change == "new_group":
            outcome = groups.create_group(program, group_data(), actor=staff)
        else:
            values = {"name": "Группа 1", "price_per_month": 250_000, **group_changes[change]}
            outcome = groups.update_group(load(Group, grp), group_data(**values), actor=staff)
        assert outcome == Outcome.SENT
        program = load(Program, prog)
        assert program.status == "published"
        assert (program.age_from, program.direction, program.hours_per_week, program.funding,
                program.months) == (7, "technical", 2, "certified", 9)
        assert [(g.name, g.price_per_month, g.capacity, g.starts_on, len(g.sessions))
                for g in program.groups] == [("Группа 1", 250_000, 12, date(2026, 9, 1), 2)]
        assert visible_titles() == ["Робототехника для начинающих"]
        assert len(open_revisions(prog.id)) == 1
    with app.app_context():
        assert "program.remoderation" not in db.session.scalars(select(AuditEvent.action)).all()


def test_a_second_edit_updates_the_pending_revision(app, people, published):
    staff, _, _ = people
    prog, grp = published
    with app.app_context():
        editing.update_program(load(Program, prog), program_data(title="Шахматы"), None,
                               actor=staff)
        outcome = editing.update_program(load(Program, prog),
                                         program_data(title="Шахматы", age_from=8), None,
                                         actor=staff)
        assert outcome == Outcome.ADDED
        assert groups.update_group(load(Group, grp), group_data(
            name="Группа 1", capacity=12, price_per_month=300_000), actor=staff) == Outcome.ADDED
        [revision] = open_revisions(prog.id)
        assert (revision.title, revision.age_from, revision.edits) == ("Шахматы", 8, 2)
        assert revision.groups[0].price_per_month == 300_000
        assert load(Program, prog).groups[0].price_per_month == 250_000
        # what the provider edits next is the revision, not the published version
        assert editing.content_of(load(Program, prog)).title == "Шахматы"
        assert editing.editable_group(load(Group, grp)).price_per_month == 300_000
        assert actions(prog.id)[-3:] == ["revision_submitted", "revision_updated",
                                         "revision_updated"]
        assert db.session.scalar(select(func.count()).select_from(ProgramRevision)) == 1


def test_an_edit_that_changes_nothing_leaves_no_revision(app, people, published):
    staff, _, _ = people
    prog, grp = published
    with app.app_context():
        assert editing.update_program(load(Program, prog), program_data(), None,
                                      actor=staff) == Outcome.UNCHANGED
        assert groups.update_group(load(Group, grp), group_data(
            name="Группа 1", price_per_month=250_000), actor=staff) == Outcome.UNCHANGED
        assert db.session.scalar(select(func.count()).select_from(ProgramRevision)) == 0


def test_publishing_shows_the_new_version_everywhere(app, people, published):
    staff, coordinator, _ = people
    prog, grp = published
    with app.app_context():
        editing.update_program(load(Program, prog), program_data(**ISSUE_EDIT),
                               Upload("Новый план.pdf", factories.pdf_bytes()), actor=staff)
        groups.update_group(load(Group, grp), group_data(name="Группа 1", capacity=14,
                                                          price_per_month=270_000),
                             actor=staff)
        groups.create_group(load(Program, prog), group_data(name="Вечерняя"), actor=staff)
        revision = open_revisions(prog.id)[0]
        revision_id = revision.id
        moderation.publish_revision(load(Program, prog), actor=coordinator,
                                    seen_edits=revision.edits)
    with app.app_context():
        program = load(Program, prog)
        assert program.status == "published"
        assert (program.title, program.description, program.address, program.teacher) == (
            "Шахматный клуб", "Дебюты и эндшпиль.", "ул. Новая, 5", "Иванов Пётр Петрович")
        assert program.document.original_name == "Новый план.pdf"
        assert [(g.name, g.price_per_month, g.capacity, g.is_open)
                for g in program.groups] == [("Группа 1", 270_000, 14, True),
                                             ("Вечерняя", 250_000, 12, True)]
        assert visible_titles() == ["Шахматный клуб"]
        assert search.stem("шахматный") in terms(prog.id)
        assert search.stem("робототехника") not in terms(prog.id)
        assert open_revisions(prog.id) == []
        published_revision = load(ProgramRevision, revision_id)
        assert published_revision.status == "published"
        # the published version's record points at the live groups, the new one included
        assert sorted(r.group_id for r in published_revision.groups) == sorted(
            g.id for g in program.groups)
        assert revisions.published_version(program).id == revision_id
        assert actions(prog.id)[-1] == "revision_published"
        notice = db.session.scalars(select(Notice.text).where(Notice.user_id == staff.id)
                                    .order_by(Notice.id.desc())).first()
        assert notice == "Изменения программы «Шахматный клуб» опубликованы: семьи видят " \
                         "новую версию."
        mail = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        assert mail.recipient == "staff@cdt.ru" and mail.subject == "Изменения программы " \
                                                                    "опубликованы"


def test_returning_keeps_the_published_version_and_the_provider_can_resubmit(app, people,
                                                                            published):
    staff, coordinator, _ = people
    prog, _ = published
    with app.app_context():
        editing.update_program(load(Program, prog), program_data(title="Шахматы"), None,
                               actor=staff)
        moderation.return_revision(load(Program, prog), "Название не про роботов",
                                   actor=coordinator, seen_edits=0)
        program = load(Program, prog)
        assert program.title == "Робототехника для начинающих" and program.is_published
        assert visible_titles() == ["Робототехника для начинающих"]
        [revision] = open_revisions(prog.id)
        assert (revision.status, revision.remarks) == ("returned", "Название не про роботов")
        notices = db.session.scalars(select(Notice.text).where(Notice.user_id == staff.id))
        assert "Изменения программы «Робототехника для начинающих» возвращены на доработку: " \
               "Название не про роботов" in list(notices)
        mail = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        assert "Замечания: Название не про роботов" in mail.body
        # fixing a returned revision keeps it returned until the provider sends it again
        assert editing.update_program(load(Program, prog), program_data(title="Роботы и шахматы"),
                                      None, actor=staff) == Outcome.KEPT
        assert open_revisions(prog.id)[0].status == "returned"
        moderation.resubmit_revision(load(Program, prog), actor=staff)
        [revision] = open_revisions(prog.id)
        assert revision.status == "submitted" and revision.title == "Роботы и шахматы"
    with app.app_context():
        logged = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "program.revision_returned")).one()
        assert logged.details["reason"] == "Название не про роботов"
        assert logged.details["from"] == "изменения на модерации"


def test_withdrawn_changes_leave_the_published_version(app, people, published):
    staff, _, _ = people
    prog, _ = published
    with app.app_context():
        editing.update_program(load(Program, prog), program_data(title="Шахматы"), None,
                               actor=staff)
        moderation.withdraw_revision(load(Program, prog), actor=staff)
        assert open_revisions(prog.id) == []
        assert load(Program, prog).title == "Робототехника для начинающих"
        # the next change starts a new revision
        assert editing.update_program(load(Program, prog), program_data(title="Шахматы"), None,
                                      actor=staff) == Outcome.SENT
        assert [r.number for r in open_revisions(prog.id)] == [3]


def test_first_publication_records_version_one(app, people):
    staff, coordinator, provider = people
    prog = factories.program(app, provider, status="submitted", document=True)
    factories.group(app, prog)
    with app.app_context():
        moderation.publish_program(load(Program, prog), actor=coordinator)
        version = revisions.published_version(load(Program, prog))
        assert (version.number, version.status, version.title) == (
            1, "published", "Робототехника для начинающих")
        assert [(g.name, g.price_per_month, len(g.sessions)) for g in version.groups] == [
            ("Группа 1", 250_000, 2)]
        editing.update_program(load(Program, prog), program_data(title="Шахматы"), None,
                               actor=staff)
        assert [r.number for r in open_revisions(prog.id)] == [2]


@pytest.mark.parametrize("act, message", [
    ("publish", "Опубликовать можно только изменения, которые на модерации; сейчас у "
                "программы — изменений нет"),
    ("return", "Вернуть можно только изменения"),
    ("withdraw", "Отменить можно только изменения, которые ещё не рассмотрены"),
    ("resubmit", "Отправить снова можно только возвращённые изменения"),
])
def test_decisions_without_changes_are_refused(app, people, published, act, message):
    staff, coordinator, _ = people
    prog, _ = published
    with app.app_context():
        program = load(Program, prog)
        with pytest.raises(DomainError, match=message):
            if act == "publish":
                moderation.publish_revision(program, actor=coordinator, seen_edits=0)
            elif act == "return":
                moderation.return_revision(program, "Замечание", actor=coordinator,
                                           seen_edits=0)
            elif act == "withdraw":
                moderation.withdraw_revision(program, actor=staff)
            else:
                moderation.resubmit_revision(program, actor=staff)


def test_a_revision_changed_after_the_coordinator_saw_it_is_not_published(app, people,
                                                                         published):
    staff, coordinator, _ = people
    prog, _ = published
    with app.app_context():
        editing.update_program(load(Program, prog), program_data(title="Шахматы"), None,
                               actor=staff)
        seen = open_revisions(prog.id)[0].edits
        editing.update_program(load(Program, prog), program_data(title="Шашки"), None,
                               actor=staff)
        with pytest.raises(DomainError, match="Поставщик дополнил изменения, пока вы их смотрели"):
            moderation.publish_revision(load(Program, prog), actor=coordinator,
                                        seen_edits=seen)
        assert load(Program, prog).title == "Робототехника для начинающих"
        assert open_revisions(prog.id)[0].status == "submitted"


def test_a_revision_that_breaks_the_rules_cannot_be_published(app, people, published):
    """Free (municipal) funding with a priced group: fixed in the revision's group first."""
    staff, coordinator, _ = people
    prog, grp = published
    with app.app_context():
        editing.update_program(load(Program, prog), program_data(funding="municipal"), None,
                               actor=staff)
        with pytest.raises(DomainError, match="Изменения нельзя опубликовать. Программа "
                                              "бесплатная.*Группа 1"):
            moderation.publish_revision(load(Program, prog), actor=coordinator, seen_edits=0)
        # the group's price in the revision must follow the revision's funding
        with pytest.raises(services.InvalidInput, match="цена группы — 0 ₽"):
            groups.update_group(load(Group, grp), group_data(name="Группа 1"), actor=staff)
        groups.update_group(load(Group, grp), group_data(name="Группа 1", price_per_month=0),
                             actor=staff)
        moderation.publish_revision(load(Program, prog), actor=coordinator, seen_edits=1)
        program = load(Program, prog)
        assert program.funding == "municipal" and program.groups[0].price_per_month == 0


def test_a_group_the_revision_adds_is_edited_in_the_revision(app, people, published):
    staff, _, _ = people
    prog, _ = published
    with app.app_context():
        groups.create_group(load(Program, prog), group_data(name="Вечерняя"), actor=staff)
        row = db.session.scalars(select(RevisionGroup).where(
            RevisionGroup.group_id.is_(None))).one()
        assert groups.update_revision_group(row, group_data(name="Вечерняя", capacity=8),
                                             actor=staff) == Outcome.ADDED
        assert load(RevisionGroup, row.id).capacity == 8
        assert db.session.scalar(select(func.count()).select_from(Group)) == 1


def test_the_database_refuses_a_second_open_revision(app, published):
    prog, _ = published
    factories.revision(app, prog)
    with pytest.raises(IntegrityError):
        factories.revision(app, prog, status="returned")


def test_differences_name_each_changed_field_with_old_and_new(app, people, published):
    staff, _, _ = people
    prog, grp = published
    with app.app_context():
        editing.update_program(load(Program, prog), program_data(age_from=8,
                                                                 funding="municipal"),
                               Upload("Новый план.pdf", factories.pdf_bytes()), actor=staff)
        groups.update_group(load(Group, grp), group_data(name="Группа 1", price_per_month=0),
                             actor=staff)
        program = load(Program, prog)
        found = revisions.differences(program, revisions.open_revision(program))
        assert [(c.label, c.old, c.new) for c in found.fields] == [
            ("возраст с", "7", "8"),
            ("финансирование", "по сертификату ПФ", "бесплатно (муниципальное задание)")]
        old_document, new_document = found.document
        assert (old_document.original_name, new_document.original_name) == (
            "Учебный план.pdf", "Новый план.pdf")
        [group] = found.groups
        assert group.name == "Группа 1" and not group.is_new
        assert [(c.label, c.old, c.new) for c in group.changes] == [
            ("цена", "2\xa0500,00\xa0₽", "0,00\xa0₽")]
