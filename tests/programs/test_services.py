"""Programs' services: the normative cost, validation, the moderation state machine of a new
program, groups, and the search terms kept up to date. A published program's changes (its
revisions) are tested in test_revisions."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select

from pfdo.audit.models import AuditEvent
from pfdo.db import db
from pfdo.errors import DomainError
from pfdo.notifications.models import Notice, OutboxMessage
from pfdo.programs import cost as costs
from pfdo.programs import editing, groups, moderation, search, services
from pfdo.programs.models import Group, Program, ProgramEvent, ProgramTerm
from pfdo.providers.models import Provider
from pfdo.storage import Upload
from tests import factories

SESSIONS = [services.SessionData(1, time(15, 0), time(16, 30)),
            services.SessionData(3, time(15, 0), time(16, 30))]


def program_data(**overrides) -> services.ProgramData:
    """The factories' program as a command: only the overrides differ from it."""
    values = dict(title="Робототехника для начинающих", direction="technical",
                  description="Собираем и программируем роботов из конструктора.",
                  age_from=7, age_to=12, months=9, hours_per_week=2, funding="certified",
                  district="Ленинский район", address="с. Ленинское, ул. Школьная, 1",
                  teacher="Смирнов Олег Игоревич")
    values.update(overrides)
    return services.ProgramData(**values)


def group_data(**overrides) -> services.GroupData:
    values = dict(name="Группа 2", capacity=12, starts_on=date(2026, 9, 1),
                  ends_on=date(2027, 5, 31), price_per_month=250_000, sessions=SESSIONS)
    values.update(overrides)
    return services.GroupData(**values)


@pytest.fixture
def people(app, make):
    make.municipality()
    staff = make.user("provider_staff", email="staff@cdt.ru")
    coordinator = make.user("coordinator", email="coord@pfdo.ru")
    provider = factories.provider(app, staff=staff)
    return staff, coordinator, provider


def load(model, obj):
    return db.session.get(model, obj if isinstance(obj, int) else obj.id)


def status_of(app, program) -> str:
    with app.app_context():
        return load(Program, program).status


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# --- The normative cost ----------------------------------------------------------------------

def test_normative_cost_is_hour_cost_times_hours_a_month(app, people, frozen_clock):
    _, _, provider = people
    prog = factories.program(app, provider, direction="technical", hours_per_week=2)
    factories.period(app, hour_costs={"technical": 15_000, "arts": 9_000})
    with app.app_context():
        program = load(Program, prog)
        period = services.current_period()
        assert costs.normative_cost(program, period) == 15_000 * 2 * 4  # 1 200,00 ₽
        cost = costs.explain_normative_cost(program, period)
        assert cost.amount == 120_000
        assert cost.explanation == ("150,00\xa0₽ за человеко-час × 8 ч в месяц = "
                                    "1\xa0200,00\xa0₽ в месяц")


def test_normative_cost_without_a_period(app, people, frozen_clock):
    _, _, provider = people
    prog = factories.program(app, provider)
    with app.app_context():
        program = load(Program, prog)
        assert services.current_period() is None
        assert costs.normative_cost(program, None) is None
        assert "нет текущего периода" in costs.explain_normative_cost(program, None).problem


def test_normative_cost_without_a_cost_for_the_direction(app, people, frozen_clock):
    _, _, provider = people
    prog = factories.program(app, provider, direction="sports")
    factories.period(app, hour_costs={"technical": 15_000})
    with app.app_context():
        program = load(Program, prog)
        period = services.current_period()
        assert costs.normative_cost(program, period) is None
        problem = costs.explain_normative_cost(program, period).problem
        assert "физкультурно-спортивная" in problem and "2026 год" in problem


def test_price_above_the_norm_is_the_difference_for_certified_groups_only(app, people,
                                                                         frozen_clock):
    _, _, provider = people
    prog = factories.program(app, provider, hours_per_week=2)
    factories.group(app, prog, price=150_000)
    free = factories.program(app, provider, funding="municipal")
    factories.group(app, free, price=0)
    factories.period(app, hour_costs={"technical": 15_000})
    with app.app_context():
        period = services.current_period()
        program = load(Program, prog)
        cost = costs.explain_normative_cost(program, period)
        assert costs.price_above_norm(program.groups[0], cost) == 30_000
        municipal = load(Program, free)
        cost = costs.explain_normative_cost(municipal, period)
        assert costs.price_above_norm(municipal.groups[0], cost) == 0


# --- Creating and editing ------------------------------------------------------------------

def test_create_program_saves_a_draft_with_its_document_and_history(app, people):
    staff, _, provider = people
    with app.app_context():
        program = editing.create_program(
            load(Provider, provider), program_data(), Upload("План.pdf", factories.pdf_bytes()),
            actor=staff)
        program = load(Program, program.id)
        assert program.status == "draft"
        assert program.document.original_name == "План.pdf"
        assert [e.action for e in program.events] == ["created"]
    assert audit_actions(app)[-1] == "program.created"


def test_a_provider_not_in_the_registry_cannot_create_programs(app, make):
    staff = make.user("provider_staff")
    provider = factories.provider(app, staff=staff, status="submitted")
    with app.app_context():
        with pytest.raises(DomainError, match="после включения поставщика в реестр"):
            editing.create_program(load(Provider, provider), program_data(), None, actor=staff)
        assert db.session.scalar(select(Program.id)) is None


@pytest.mark.parametrize("overrides, field, message", [
    ({"age_from": 4}, "age_from", "Возраст от 5 до 17 лет"),
    ({"age_to": 18}, "age_to", "Возраст от 5 до 17 лет"),
    ({"age_from": 12, "age_to": 7}, "age_to", "не может быть меньше"),
    ({"months": 37}, "months", "от 1 до 36 месяцев"),
    ({"hours_per_week": 0}, "hours_per_week", "От 1 до 20 часов"),
    ({"hours_per_week": 21}, "hours_per_week", "От 1 до 20 часов"),
    ({"direction": "cooking"}, "direction", "Выберите направленность"),
    ({"funding": "paid"}, "funding", "Выберите, как оплачивается"),
    ({"title": "  "}, "title", "Укажите название"),
    ({"teacher": ""}, "teacher", "Укажите педагога"),
])
def test_invalid_program_fields_are_refused_in_russian(app, people, overrides, field,
                                                       message):
    staff, _, provider = people
    with app.app_context():
        with pytest.raises(services.InvalidInput) as refused:
            editing.create_program(load(Provider, provider), program_data(**overrides), None,
                                    actor=staff)
        assert message in refused.value.problems[field]
        assert db.session.scalar(select(Program.id)) is None


def test_search_terms_follow_an_edit(app, people):
    staff, _, provider = people
    prog = factories.program(app, provider, title="Робототехника", status="draft")
    with app.app_context():
        editing.update_program(load(Program, prog), program_data(title="Шахматный клуб"),
                                None, actor=staff)
    with app.app_context():
        terms = set(db.session.scalars(select(ProgramTerm.term)
                                       .where(ProgramTerm.program_id == prog.id)))
        assert search.stem("шахматный") in terms
        assert search.stem("робототехника") not in terms


# --- Submission and moderation ----------------------------------------------------------------

def test_submit_refuses_without_a_document(app, people):
    staff, _, provider = people
    prog = factories.program(app, provider, status="draft")
    factories.group(app, prog)
    with app.app_context():
        with pytest.raises(DomainError, match="Приложите документ программы"):
            moderation.submit_program(load(Program, prog), actor=staff)
    assert status_of(app, prog) == "draft"


def test_submit_refuses_without_a_group(app, people):
    staff, _, provider = people
    prog = factories.program(app, provider, status="draft", document=True)
    with app.app_context():
        with pytest.raises(DomainError, match="хотя бы одну группу"):
            moderation.submit_program(load(Program, prog), actor=staff)


def test_submit_refuses_a_free_program_with_a_priced_group(app, people):
    staff, _, provider = people
    prog = factories.program(app, provider, status="draft", document=True, funding="municipal")
    factories.group(app, prog, name="Старшая", price=100_000)
    with app.app_context():
        with pytest.raises(DomainError, match="бесплатная.*Старшая.*0 ₽"):
            moderation.submit_program(load(Program, prog), actor=staff)


def test_the_whole_moderation_path(app, people):
    staff, coordinator, provider = people
    prog = factories.program(app, provider, status="draft", document=True)
    factories.group(app, prog)
    with app.app_context():
        moderation.submit_program(load(Program, prog), actor=staff)
        moderation.return_program(load(Program, prog), "Уточните возраст", actor=coordinator)
        program = load(Program, prog)
        assert program.status == "returned" and program.remarks == "Уточните возраст"
        moderation.submit_program(program, actor=staff)
        moderation.publish_program(load(Program, prog), actor=coordinator)
        program = load(Program, prog)
        assert program.status == "published" and program.published_at is not None
        assert [e.action for e in program.events] == [
            "created", "submitted", "returned", "submitted", "published"]
        notices = db.session.scalars(select(Notice.text).where(Notice.user_id == staff.id)).all()
        assert any("возвращена на доработку: Уточните возраст" in t for t in notices)
        assert any("опубликована" in t for t in notices)
        mails = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient == "staff@cdt.ru")).all()
        assert {m.subject for m in mails} == {"Программа опубликована",
                                             "Программа возвращена на доработку"}
        assert any("Замечания: Уточните возраст" in m.body for m in mails)
    assert [a for a in audit_actions(app) if a.startswith("program.")] == [
        "program.submitted", "program.returned", "program.submitted", "program.published"]
    with app.app_context():
        returned = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "program.returned")).one()
        assert returned.details == {"from": "на модерации", "to": "возвращена на доработку",
                                    "reason": "Уточните возраст"}


@pytest.mark.parametrize("status, act, message", [
    ("draft", "publish", "Опубликовать можно только программу, которая на модерации"),
    ("returned", "publish", "Опубликовать можно только"),
    ("published", "publish", "Опубликовать можно только"),
    ("draft", "return", "Вернуть на доработку можно только"),
    ("published", "return", "Вернуть на доработку можно только"),
    ("returned", "return", "Вернуть на доработку можно только"),
    ("published", "submit", "Отправить на модерацию можно черновик или возвращённую"),
    ("submitted", "submit", "сейчас она — на модерации"),
])
def test_illegal_transitions_are_refused(app, people, status, act, message):
    staff, coordinator, provider = people
    prog = factories.program(app, provider, status=status, document=True)
    factories.group(app, prog)
    with app.app_context():
        program = load(Program, prog)
        with pytest.raises(DomainError, match=message):
            if act == "publish":
                moderation.publish_program(program, actor=coordinator)
            elif act == "return":
                moderation.return_program(program, "Замечание", actor=coordinator)
            else:
                moderation.submit_program(program, actor=staff)
    assert status_of(app, prog) == status
    assert not [a for a in audit_actions(app) if a.startswith("program.")]


def test_return_needs_remarks(app, people):
    _, coordinator, provider = people
    prog = factories.program(app, provider, status="submitted", document=True)
    with app.app_context():
        with pytest.raises(DomainError) as refused:
            moderation.return_program(load(Program, prog), "   ", actor=coordinator)
    assert refused.value.field == "remarks"
    assert status_of(app, prog) == "submitted"


def test_a_program_of_a_provider_not_in_the_registry_is_not_published(app, make):
    make.municipality()
    coordinator = make.user("coordinator")
    provider = factories.provider(app, status="rejected")
    prog = factories.program(app, provider, status="submitted", document=True)
    factories.group(app, prog)
    with app.app_context():
        with pytest.raises(DomainError, match="не включён в реестр"):
            moderation.publish_program(load(Program, prog), actor=coordinator)
    assert status_of(app, prog) == "submitted"


def test_a_stale_status_is_refused_by_the_guarded_update(app, people):
    _, coordinator, provider = people
    prog = factories.program(app, provider, status="submitted", document=True)
    factories.group(app, prog)
    with app.app_context():
        program = load(Program, prog)
        # someone else publishes it between our read and our write
        db.session.execute(db.update(Program).where(Program.id == prog.id)
                           .values(status="published"))
        db.session.commit()
        with pytest.raises(DomainError):
            moderation.return_program(program, "Поздно", actor=coordinator)
    assert status_of(app, prog) == "published"


# --- Group validation -----------------------------------------------------------------------

@pytest.mark.parametrize("overrides, field, message", [
    ({"capacity": 0}, "capacity", "от 1 до 200"),
    ({"capacity": 201}, "capacity", "от 1 до 200"),
    ({"ends_on": date(2026, 9, 1)}, "ends_on", "заканчиваться позже"),
    ({"starts_on": None}, "starts_on", "Укажите дату начала"),
    ({"price_per_month": 0}, "price_per_month", "больше нуля"),
    ({"sessions": []}, "schedule", "хотя бы одно занятие"),
    ({"sessions": [services.SessionData(1, time(16), time(15))]}, "schedule",
     "заканчиваться позже"),
    ({"sessions": SESSIONS + [SESSIONS[0]]}, "schedule", "указано дважды"),
    ({"sessions": [services.SessionData(1, time(15), time(16)),
                   services.SessionData(1, time(15, 30), time(17))]}, "schedule",
     "пересекаются"),
    ({"sessions": [services.SessionData(d, time(9), time(10)) for d in range(6)]},
     "schedule", "Не больше 5"),
])
def test_invalid_groups_are_refused(app, people, overrides, field, message):
    staff, _, provider = people
    prog = factories.program(app, provider, status="draft")
    with app.app_context():
        with pytest.raises(services.InvalidInput) as refused:
            groups.create_group(load(Program, prog), group_data(**overrides), actor=staff)
        assert message in refused.value.problems[field]
        assert db.session.scalar(select(Group.id)) is None


def test_a_free_program_refuses_a_price(app, people):
    staff, _, provider = people
    prog = factories.program(app, provider, status="draft", funding="municipal")
    with app.app_context():
        with pytest.raises(services.InvalidInput, match="цена группы — 0 ₽"):
            groups.create_group(load(Program, prog), group_data(price_per_month=50_000),
                                  actor=staff)
        assert groups.create_group(load(Program, prog), group_data(price_per_month=0),
                                    actor=staff) == editing.Outcome.SAVED
        assert db.session.scalars(select(Group.price_per_month)).one() == 0


def test_capacity_cannot_go_below_seats_taken(app, people):
    staff, _, provider = people
    prog = factories.program(app, provider, status="draft")
    grp = factories.group(app, prog, capacity=12, seats_taken=10)
    with app.app_context():
        with pytest.raises(services.InvalidInput, match="занято мест: 10"):
            groups.update_group(load(Group, grp), group_data(capacity=9), actor=staff)
        assert groups.update_group(load(Group, grp), group_data(capacity=10),
                                    actor=staff) == editing.Outcome.SAVED
        assert load(Group, grp).capacity == 10


def test_schedule_text_groups_days_with_the_same_hours():
    sessions = [services.SessionData(4, time(10), time(11, 30)), *SESSIONS]
    assert services.schedule_text(sessions) == "вт, чт 15:00–16:30; пт 10:00–11:30"


def test_events_name_the_changed_fields(app, people):
    staff, _, provider = people
    prog = factories.program(app, provider, status="returned", document=True)
    with app.app_context():
        editing.update_program(load(Program, prog), program_data(age_to=14, teacher="Иванов"),
                                None, actor=staff)
        event = db.session.scalars(select(ProgramEvent).order_by(ProgramEvent.id.desc())).first()
        assert event.comment == "Изменены: возраст по, педагог"
