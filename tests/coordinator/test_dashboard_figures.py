"""The dashboard's figures from the ledger and the contracts: money granted, reserved and paid,
contracts by direction and by provider, the queues with their oldest item, the warnings."""

from __future__ import annotations

import re
from datetime import date, timedelta

from pfdo import clock
from pfdo.coordinator import dashboard
from pfdo.coordinator import services as summary
from pfdo.ledger import services as ledger
from tests import factories
from tests.conftest import login
from tests.enrollments.conftest import world  # noqa: F401 - the fixture


def _figures(app):
    with app.app_context():
        today = factories.today()
        head = summary.dashboard(today)
        return dashboard.figures(today, period=head.period, granted=head.granted)


def test_money_and_contracts_come_from_the_ledger(app, world):  # noqa: F811
    factories.financing(app, world.certificate)
    contract = factories.contract(app, world.parent, world.child, world.group,
                                  staff=world.staff)
    figures = _figures(app)
    with app.app_context():
        escrow = ledger.find_account(f"escrow:{contract.id}")
        held = ledger.balances([escrow])[escrow.id]
    assert held > 0 and figures.money.reserved == held
    assert figures.money.paid == 0 and figures.money.granted > held
    assert ("техническая", 1) in figures.by_direction and len(figures.by_direction) == 6
    assert figures.by_provider == [(world.provider.short_name, 1)]
    assert figures.active_contracts == 1
    months = [month for month, _ in figures.by_month]
    assert months[0] == date(2026, 1, 1) and months[-1] == date(2026, 12, 1)


def test_queues_say_how_long_the_oldest_waits(app, world):  # noqa: F811
    factories.application(app, world.parent, last_name="Петрова")
    clock.advance(timedelta(days=3))
    queues = {q.label: q for q in _figures(app).queues}
    waiting = queues["Заявления на сертификаты"]
    assert (waiting.count, waiting.oldest_days) == (1, 3)
    assert queues["Счета на проверке"].count == 0
    assert queues["Счета на проверке"].oldest_days is None
    assert queues["Заявки на обучение без ответа поставщика в срок"].overdue


def test_the_dashboard_page_shows_charts_with_their_tables(app, client, world):  # noqa: F811
    factories.financing(app, world.certificate)
    factories.contract(app, world.parent, world.child, world.group, staff=world.staff)
    login(client, world.coordinator.email)
    html = client.get("/coordinator").get_data(as_text=True)
    assert 'id="directions-chart"' in html and "data-chart=" in html
    assert re.search(r"vendor/chart.js/chart.umd.min(\.[0-9a-f]{12})?.js", html)
    assert re.search(r"js/dashboard(\.[0-9a-f]{12})?.js", html)
    assert "<script>" not in html  # the CSP allows no inline script
    assert "Что ждёт решения" in html and "Оплачено поставщикам по месяцам" in html
    assert f"{world.provider.short_name}</td><td class=\"text-end text-nowrap\">1</td>" in html
