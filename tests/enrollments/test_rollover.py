"""The roll-over into the next calendar-year period (docs/domain.md §5): opening 2027 reserves
the planned January–May months of contracts accepted in 2026 from the new balance, in the
transaction of the certificate's top-up, re-split when the balance falls short, with zero
shares where the certificate has no money; continuing children are granted first; the family
is told; a second run changes nothing. And the coordinator's warning from 1 November while
next year has no period."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from pfdo import clock
from pfdo.audit.models import AuditEvent
from pfdo.certificates import jobs as period_jobs
from pfdo.certificates.models import Certificate, FinancingGrant
from pfdo.certificates.numbers import format_number
from pfdo.db import db, unit_of_work
from pfdo.enrollments import contracts, rollover
from pfdo.enrollments.models import Contract, ContractMonth, TerminatedBy
from pfdo.ledger import checks
from pfdo.ledger import services as ledger
from pfdo.ledger.models import Transfer
from pfdo.notifications.models import Notice, OutboxMessage
from pfdo.periods import services as periods
from pfdo.periods.models import FinancingPeriod
from tests import factories
from tests.conftest import login
from tests.enrollments.conftest import HOUR_COST

NBSP = "\u00a0"
PRICE = 250_000       # 2 500,00 ₽ a month
NORMATIVE = 120_000   # 1 200,00 ₽ a month: what the certificate pays at most
JAN_MAY = [date(2027, m, 1) for m in range(1, 6)]


def on(day: date) -> None:
    """Noon of `day` in Asia/Vladivostok (the demo municipality)."""
    clock.set_frozen(datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC))


def rub(kopecks: int) -> str:
    rubles, kop = divmod(kopecks, 100)
    return f"{rubles:,}".replace(",", NBSP) + f",{kop:02d}{NBSP}₽"


def balance_of(code: str) -> int:
    account = ledger.find_account(code)
    return ledger.balance(account) if account else 0


def months_of(contract_id: int) -> list[tuple[date, str, int, int]]:
    return [(m.month, m.status, m.certificate_share, m.family_share)
            for m in db.session.scalars(select(ContractMonth).where(
                ContractMonth.contract_id == contract_id).order_by(ContractMonth.month))]


def counts() -> tuple[int, int, int, int]:
    """Notices, e-mails, transfers and audit records: what a second run must not add to."""
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Notice, OutboxMessage, Transfer, AuditEvent))


@pytest.fixture
def autumn(app, frozen_clock):
    """October 2026: the 2026 period (a normative of 1 200 ₽ a month), no 2027 period yet, a
    provider with two certified programs running September 2026 – May 2027 and a free one,
    and a parent whose child has a financing certificate."""
    factories.municipality(app)
    on(date(2026, 10, 5))
    coordinator = factories.user(app, "coordinator")
    p2026 = factories.period(app, hour_costs={"technical": HOUR_COST})
    parent = factories.user(app, "parent")
    child = factories.child(app, parent, first_name="Анна", birth_date=date(2016, 5, 10))
    certificate = factories.certificate(app, parent, child, coordinator=coordinator)
    factories.financing(app, certificate)
    staff = factories.user(app, "provider_staff")
    provider = factories.provider(app, staff=staff)
    robots = factories.group(app, factories.program(app, provider), price=PRICE)
    drawing = factories.group(app, factories.program(app, provider, title="Инженерная графика"),
                              price=PRICE, weekdays=(2, 4))
    chess = factories.group(app, factories.program(app, provider, title="Шахматы",
                                                   funding="municipal"), price=0,
                            weekdays=(5,))
    return dict(p2026=p2026, parent=parent, child=child, certificate=certificate, staff=staff,
                coordinator=coordinator, robots=robots, drawing=drawing, chess=chess,
                provider=provider)


def new_year(app, p2026, **period_2027) -> FinancingPeriod:
    """1 January 2027: the 2027 period created, 2026 closed (unreserved money back to its
    fund)."""
    on(date(2027, 1, 1))
    p2027 = factories.period(app, starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31),
                             hour_costs={"technical": HOUR_COST}, **period_2027)
    with app.app_context():
        period_jobs.close_period(db.session.get(FinancingPeriod, p2026.id),
                                 today=factories.today())
    return p2027


def open_2027(app) -> period_jobs.JobReport:
    with app.app_context():
        return rollover.open_period(today=factories.today())


def test_opening_2027_reserves_the_planned_months_once(app, autumn):
    w = autumn
    contract = factories.contract(app, w["parent"], w["child"], w["robots"], staff=w["staff"])
    with app.app_context():
        assert [s for _, s, _, _ in months_of(contract.id)] == ["reserved"] * 3 + ["planned"] * 5
    p2027 = new_year(app, w["p2026"])

    report = open_2027(app)

    assert (report.done, report.rolled_over, report.reserved) == (1, 1, 5 * NORMATIVE)
    with app.app_context():
        assert months_of(contract.id)[3:] == [
            (m, "reserved", NORMATIVE, PRICE - NORMATIVE) for m in JAN_MAY]
        assert balance_of(f"escrow:{contract.id}") == 8 * NORMATIVE  # Oct–Dec and Jan–May
        assert balance_of(f"certificate:{w['certificate'].id}") \
            == factories.NOMINAL - 5 * NORMATIVE
        reserve = db.session.scalars(select(Transfer).where(
            Transfer.key == f"reserve:{contract.id}:{p2027.id}")).one()
        assert (reserve.amount, reserve.ref) == (5 * NORMATIVE, f"contract:{contract.id}")
        assert reserve.reason == ("Резерв по договору Д-000001: «Робототехника для "
                                  "начинающих», январь–май 2027")
        notice = db.session.scalars(select(Notice).where(Notice.user_id == w["parent"].id)
                                    .order_by(Notice.id.desc())).first()
        assert notice.text == (
            "С января 2027 года по договору Д-000001 («Робототехника для начинающих» для "
            f"Анны) сертификат платит {rub(NORMATIVE)} в месяц, вы доплачиваете "
            f"{rub(PRICE - NORMATIVE)}.")
        assert notice.url == f"/enrolments/contracts/{contract.id}"
        mail = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        assert mail.subject == "Оплата договора Д-000001 на 2027 год"
        assert f"январь–май 2027: сертификат платит {rub(NORMATIVE)} в месяц, вы доплачиваете" \
            in mail.body
        assert f"http://pfdo.test/enrolments/contracts/{contract.id}" in mail.body
        audit = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "contract.rolled_over")).one()
        assert audit.details == {"period": "2027 год", "months": 5, "planned": 5 * NORMATIVE,
                                 "reserved": 5 * NORMATIVE}
        assert checks.check_invariants() == []
        before = counts(), months_of(contract.id), balance_of(f"certificate:{w['certificate'].id}")

    again = open_2027(app)

    assert (again.done, again.skipped, again.rolled_over, again.reserved) == (0, 1, 0, 0)
    with app.app_context():
        assert (counts(), months_of(contract.id),
                balance_of(f"certificate:{w['certificate'].id}")) == before
        assert checks.check_invariants() == []


def test_two_contracts_beyond_the_new_nominal_share_what_there_is(app, autumn):
    """Planned from the 2026 nominal: 2 × 5 × 1 200 ₽ = 12 000 ₽; 2027 gives 8 000,01 ₽."""
    w = autumn
    first = factories.contract(app, w["parent"], w["child"], w["robots"], staff=w["staff"])
    second = factories.contract(app, w["parent"], w["child"], w["drawing"], staff=w["staff"])
    new_year(app, w["p2026"], nominal=800_001)

    report = open_2027(app)

    assert (report.rolled_over, report.reserved) == (2, 800_001)
    with app.app_context():
        assert balance_of(f"certificate:{w['certificate'].id}") == 0
        shares = []
        for contract in (first, second):
            autumn_months, months = months_of(contract.id)[:3], months_of(contract.id)[3:]
            assert all(status == "reserved" for _, status, _, _ in months)
            assert all(c + f == PRICE and 0 <= c <= NORMATIVE for _, _, c, f in months)
            shares += [c for _, _, c, _ in months]
            assert balance_of(f"escrow:{contract.id}") \
                == sum(c for _, _, c, _ in autumn_months + months)
        assert sum(shares) == 800_001
        assert shares == [80_001] + [80_000] * 9  # largest remainder: a kopeck apart at most
        texts = [n.text for n in db.session.scalars(select(Notice).where(
            Notice.user_id == w["parent"].id, Notice.text.like("С января 2027%"))
            .order_by(Notice.id))]
        assert texts == [
            "С января 2027 года по договору Д-000001 («Робототехника для начинающих» для "
            f"Анны): январь 2027: сертификат платит {rub(80_001)} в месяц, вы доплачиваете "
            f"{rub(169_999)}; февраль–май 2027: сертификат платит {rub(80_000)} в месяц, вы "
            f"доплачиваете {rub(170_000)}. Средств сертификата на новый период меньше, чем "
            f"было запланировано ({rub(600_000)}): зарезервировано {rub(400_001)}.",
            "С января 2027 года по договору Д-000002 («Инженерная графика» для Анны) "
            f"сертификат платит {rub(80_000)} в месяц, вы доплачиваете {rub(170_000)}. "
            "Средств сертификата на новый период меньше, чем было запланировано "
            f"({rub(600_000)}): зарезервировано {rub(400_000)}.",
        ]
        assert checks.check_invariants() == []


def test_continuing_children_are_granted_before_the_others(app, autumn):
    """2027 has one financing place. The autumn family's certificate, the oldest (the lowest
    id), has no contract; of two continuing children the first gets the place and keeps the
    plan, the second's months are reserved at a zero share."""
    w = autumn
    parent = factories.user(app, "parent")
    kept_child = factories.child(app, parent, first_name="Вера", birth_date=date(2016, 2, 1))
    kept = factories.certificate(app, parent, kept_child, coordinator=w["coordinator"])
    factories.financing(app, kept)
    late_child = factories.child(app, parent, first_name="Глеб", sex="male",
                                 birth_date=date(2016, 6, 1))
    late = factories.certificate(app, parent, late_child, coordinator=w["coordinator"])
    factories.financing(app, late)
    contract = factories.contract(app, parent, kept_child, w["robots"], staff=w["staff"])
    without_place = factories.contract(app, parent, late_child, w["robots"], staff=w["staff"])
    p2027 = new_year(app, w["p2026"], quota=1)

    report = open_2027(app)

    assert w["certificate"].id < kept.id < late.id
    with app.app_context():
        granted = db.session.scalars(select(FinancingGrant.certificate_id).where(
            FinancingGrant.period_id == p2027.id)).all()
        assert granted == [kept.id]
        assert len(report.problems) == 2
        assert all("квота периода исчерпана" in problem for problem in report.problems)
        assert [c for _, _, c, _ in months_of(contract.id)[3:]] == [NORMATIVE] * 5
        # the second continuing child got no place: the family pays January–May in full
        assert months_of(without_place.id)[3:] == [(m, "reserved", 0, PRICE) for m in JAN_MAY]
        assert balance_of(f"escrow:{without_place.id}") \
            == sum(c for _, _, c, _ in months_of(without_place.id)[:3])
        notice = db.session.scalars(select(Notice).where(
            Notice.url == f"/enrolments/contracts/{without_place.id}")
            .order_by(Notice.id.desc())).first()
        assert notice.text == (
            "С января 2027 года по договору Д-000002 («Робототехника для начинающих» для "
            f"Глеба) сертификат не платит, вы платите полную стоимость — {rub(PRICE)} в месяц. "
            "На сертификате нет средств на новый период: было запланировано "
            f"{rub(5 * NORMATIVE)}.")
        assert checks.check_invariants() == []


def test_a_record_certificates_free_program_is_reserved_at_zero(app, autumn):
    w = autumn
    parent = factories.user(app, "parent")
    certificate = factories.certificate(app, parent, last_name="Сидорова",
                                        coordinator=w["coordinator"])
    with app.app_context():
        child_id = db.session.get(Certificate, certificate.id).child_id
    contract = factories.contract(app, parent, child_id, w["chess"], staff=w["staff"])
    p2027 = new_year(app, w["p2026"])
    with app.app_context():
        notices_before = db.session.scalar(select(func.count()).select_from(Notice).where(
            Notice.user_id == parent.id))

    report = open_2027(app)

    assert (report.rolled_over, report.reserved) == (1, 0)
    with app.app_context():
        assert months_of(contract.id)[3:] == [(m, "reserved", 0, 0) for m in JAN_MAY]
        assert db.session.get(Certificate, certificate.id).kind == "record"
        assert db.session.scalar(select(func.count()).select_from(Transfer).where(
            Transfer.ref == f"contract:{contract.id}")) == 0
        assert db.session.scalar(select(func.count()).select_from(FinancingGrant).where(
            FinancingGrant.period_id == p2027.id)) == 1  # only the autumn family's
        assert db.session.scalar(select(func.count()).select_from(Notice).where(
            Notice.user_id == parent.id)) == notices_before  # nothing to pay, nothing to tell
        assert checks.check_invariants() == []


def test_a_contract_ended_in_january_reserves_only_january(app, autumn):
    """Terminated on 1 January before the period was opened: February–May were dropped, only
    January remains to reserve."""
    w = autumn
    contract = factories.contract(app, w["parent"], w["child"], w["robots"], staff=w["staff"])
    new_year(app, w["p2026"])
    with app.app_context():
        contracts.terminate(db.session.get(Contract, contract.id), actor=None,
                            by=TerminatedBy.PROVIDER, reason="Переезд", today=factories.today())

    report = open_2027(app)

    assert (report.rolled_over, report.reserved) == (1, NORMATIVE)
    with app.app_context():
        assert [(m, s) for m, s, _, _ in months_of(contract.id)[3:]] == \
            [(JAN_MAY[0], "reserved")] + [(m, "dropped") for m in JAN_MAY[1:]]
        assert balance_of(f"escrow:{contract.id}") == 4 * NORMATIVE
        assert checks.check_invariants() == []


def test_a_suspended_certificate_is_left_planned_for_a_rerun(app, autumn):
    """Suspended (the consent withdrawn): no top-up and no zero-share reserve for good; once
    resumed, running the opening again tops it up and reserves its months."""
    w = autumn
    contract = factories.contract(app, w["parent"], w["child"], w["robots"], staff=w["staff"])
    new_year(app, w["p2026"])
    with app.app_context(), unit_of_work():
        db.session.get(Certificate, w["certificate"].id).status = "suspended"

    report = open_2027(app)

    assert (report.done, report.rolled_over) == (0, 0)
    assert report.problems == [f"{format_number(w['certificate'].number)}: сертификат "
                               "приостановлен — оплата договоров не зарезервирована; после "
                               "возобновления запустите открытие периода ещё раз"]
    with app.app_context():
        assert [s for _, s, _, _ in months_of(contract.id)[3:]] == ["planned"] * 5
    with app.app_context(), unit_of_work():
        db.session.get(Certificate, w["certificate"].id).status = "active"

    again = open_2027(app)

    assert (again.done, again.rolled_over, again.reserved) == (1, 1, 5 * NORMATIVE)
    with app.app_context():
        assert checks.check_invariants() == []


def test_the_command_says_what_it_reserved_and_then_that_nothing_was_new(app, autumn):
    w = autumn
    factories.contract(app, w["parent"], w["child"], w["robots"], staff=w["staff"])
    new_year(app, w["p2026"])
    runner = app.test_cli_runner()

    first = runner.invoke(args=["periods", "open"])
    second = runner.invoke(args=["periods", "open"])

    assert first.exit_code == 0, first.output
    assert first.output.startswith("Opened the period on 01.01.2027: topped up 1 "
                                   f"certificate(s) with {rub(factories.NOMINAL)}")
    assert f"Rolled over 1 contract(s): reserved {rub(5 * NORMATIVE)}" in first.output
    assert second.exit_code == 0, second.output
    assert "topped up 0 certificate(s)" in second.output and "1 already topped up" in second.output
    assert "Rolled over 0 contracts: nothing new was reserved." in second.output
    ledger_check = runner.invoke(args=["ledger-check"])
    assert ledger_check.exit_code == 0, ledger_check.output


# --- The coordinator's warning ----------------------------------------------------------------

@pytest.mark.parametrize(("day", "missing"), [
    (date(2026, 10, 31), None),
    (date(2026, 11, 1), 2027),
    (date(2026, 12, 31), 2027),
])
def test_the_next_period_is_missing_from_1_november(app, day, missing):
    factories.municipality(app)
    on(date(2026, 3, 15))
    factories.period(app)
    with app.app_context():
        assert periods.next_period_missing(day) == missing


def test_the_next_period_is_not_missing_once_created(app, frozen_clock):
    factories.municipality(app)
    factories.period(app)
    factories.period(app, starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31))
    with app.app_context():
        assert periods.next_period_missing(date(2026, 11, 20)) is None


WARNING = ("Период на 2027 год ещё не создан. Договоры продолжаются до мая: создайте период "
           "до 1 января, чтобы зарезервировать их оплату")


def page_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_dashboard_warns_from_1_november(app, make):
    factories.municipality(app)
    on(date(2026, 3, 15))
    factories.period(app)
    coordinator = make.user("coordinator")

    def dashboard_on(day: date) -> str:
        on(day)
        client = app.test_client()  # a fresh session on that day
        login(client, coordinator.email)
        html = client.get("/coordinator").get_data(as_text=True)
        assert "Кабинет координатора" in html
        return html

    before = dashboard_on(date(2026, 10, 31))
    after = dashboard_on(date(2026, 11, 1))
    factories.period(app, starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31))
    created = dashboard_on(date(2026, 11, 2))

    assert WARNING not in page_text(before)
    assert WARNING in page_text(after)
    assert re.search(r'<a class="alert-link" href="/coordinator/periods/new">Создать период на '
                     r"2027 год</a>", after)
    assert WARNING not in page_text(created)
