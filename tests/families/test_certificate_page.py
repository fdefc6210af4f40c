"""The certificate page: balance from the ledger, conversion to financing, the queue, the
printable extract with its QR code, public verification, and ownership."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy import select

from pfdo import clock
from pfdo.accounts.services import PersonName
from pfdo.certificates.models import Certificate, FinancingGrant, QueueEntry
from pfdo.certificates.numbers import format_number, make_number
from pfdo.db import db, unit_of_work
from pfdo.ledger import services as ledger
from tests import factories
from tests.conftest import form_post

NBSP = "\u00a0"


def setup_family(app, make, login_as, **child):
    coordinator = make.user("coordinator", email="coordinator@example.ru")
    make.municipality()
    parent = login_as("parent")
    return parent, coordinator, factories.certificate(app, parent, coordinator=coordinator,
                                                      **child).id


def test_record_certificate_page_shows_number_and_zero_balance(app, client, make, login_as,
                                                               frozen_clock):
    _, coordinator, cert_id = setup_family(app, make, login_as)
    factories.period(app, coordinator)
    html = client.get(f"/certificates/{cert_id}").get_data(as_text=True)
    with app.app_context():
        number = db.session.get(Certificate, cert_id).number
    assert number.startswith("7905") and format_number(number) in html
    assert "сертификат учёта" in html
    assert f"0,00{NBSP}₽" in html
    assert "Перевести в сертификат ПФ" in html
    assert "осталось <strong>100 мест</strong>" in html


def test_parent_converts_at_the_start_of_the_period_and_gets_the_full_nominal(
        app, client, make, login_as):
    clock.set_frozen(datetime(2026, 1, 12, 3, 0, tzinfo=UTC))
    _, coordinator, cert_id = setup_family(app, make, login_as)
    factories.period(app, coordinator)
    response = form_post(client, f"/certificates/{cert_id}/financing",
                         page=f"/certificates/{cert_id}")
    assert response.status_code == 302
    html = client.get(f"/certificates/{cert_id}").get_data(as_text=True)
    assert "сертификат персонифицированного финансирования" in html
    assert f"17{NBSP}456,00{NBSP}₽" in html
    assert "Пополнение сертификата на 2026 год" in html
    with app.app_context():
        assert ledger.check_invariants() == []


def test_conversion_after_the_period_began_is_prorated_by_whole_months(app, client, make,
                                                                      login_as, frozen_clock):
    _, coordinator, cert_id = setup_family(app, make, login_as)
    factories.period(app, coordinator)
    form_post(client, f"/certificates/{cert_id}/financing", page=f"/certificates/{cert_id}")
    with app.app_context():
        grant = db.session.scalars(select(FinancingGrant)).one()
    # 15.03.2026: March to December, 10 of 12 months: 17 456,00 × 10 ÷ 12
    assert (grant.months, grant.amount) == (10, 1_454_666)
    html = client.get(f"/certificates/{cert_id}").get_data(as_text=True)
    assert f"14{NBSP}546,66{NBSP}₽" in html and "за 10 мес." in html


def test_second_conversion_is_refused_and_moves_nothing(app, client, make, login_as,
                                                        frozen_clock):
    _, coordinator, cert_id = setup_family(app, make, login_as)
    factories.period(app, coordinator)
    form_post(client, f"/certificates/{cert_id}/financing", page=f"/certificates/{cert_id}")
    form_post(client, f"/certificates/{cert_id}/financing", page=f"/certificates/{cert_id}")
    html = client.get(f"/certificates/{cert_id}").get_data(as_text=True)
    assert "уже переведён" in html
    with app.app_context():
        assert len(db.session.scalars(select(FinancingGrant)).all()) == 1


def test_exhausted_quota_keeps_the_record_certificate_and_offers_the_queue(
        app, client, make, login_as, frozen_clock):
    _, coordinator, cert_id = setup_family(app, make, login_as)
    factories.period(app, coordinator, quota=0)
    html = client.get(f"/certificates/{cert_id}").get_data(as_text=True)
    assert "Все 0 мест" in html and "Встать в очередь" in html
    refused = form_post(client, f"/certificates/{cert_id}/financing",
                        page=f"/certificates/{cert_id}")
    assert refused.status_code == 302
    html = client.get(f"/certificates/{cert_id}").get_data(as_text=True)
    assert "закончились" in html and "Сертификат учёта остаётся" in html
    form_post(client, f"/certificates/{cert_id}/queue", page=f"/certificates/{cert_id}")
    html = client.get(f"/certificates/{cert_id}").get_data(as_text=True)
    assert "Вы в очереди: место № 1" in html
    with app.app_context():
        assert db.session.get(Certificate, cert_id).kind == "record"
        assert len(db.session.scalars(select(QueueEntry)).all()) == 1


def test_freed_place_goes_to_the_queue_in_order(app, make, login_as, frozen_clock):
    from pfdo.accounts.models import User
    from pfdo.certificates import financing
    from pfdo.periods.models import FinancingPeriod

    coordinator = make.user("coordinator", email="coordinator@example.ru")
    make.municipality()
    first_parent = make.user("parent", email="first@example.ru")
    second_parent = make.user("parent", email="second@example.ru")
    # no place yet, but the budget for the one freed below
    period_id = factories.period(app, coordinator, quota=0, budget=2_000_000_00).id
    first = factories.certificate(app, first_parent, coordinator=coordinator).id
    second = factories.certificate(app, second_parent, coordinator=coordinator,
                                   name=PersonName("Орлова", "Ева", "")).id
    today = date(2026, 3, 15)
    with app.app_context():
        for cert_id, parent in ((second, second_parent), (first, first_parent)):
            financing.join_queue(db.session.get(Certificate, cert_id),
                                actor=db.session.get(User, parent.id), today=today)
        period_row = db.session.get(FinancingPeriod, period_id)
        with unit_of_work():
            period_row.quota = 1
        assert financing.process_queue(period_row, today=today) == 1
        assert db.session.get(Certificate, second).kind == "financing"
        assert db.session.get(Certificate, first).kind == "record"


def test_extract_is_printable_with_a_qr_code_of_the_public_check(app, client, make, login_as,
                                                                  frozen_clock):
    _, coordinator, cert_id = setup_family(app, make, login_as)
    with app.app_context():
        number = db.session.get(Certificate, cert_id).number
    html = client.get(f"/certificates/{cert_id}/extract").get_data(as_text=True)
    assert f"/certificates/{cert_id}/qr.svg" in html
    assert f"http://pfdo.test/verify/{number}" in html
    qr = client.get(f"/certificates/{cert_id}/qr.svg")
    assert qr.mimetype == "image/svg+xml"
    assert qr.get_data(as_text=True).lstrip().startswith(("<?xml", "<svg"))
    assert 'xmlns="http://www.w3.org/2000/svg"' in qr.get_data(as_text=True)


def test_public_verification_shows_no_personal_data(app, client, make, login_as, frozen_clock):
    _, coordinator, cert_id = setup_family(app, make, login_as, birth_date=date(2016, 5, 20),
                                           snils="112-233-445 95")
    with app.app_context():
        cert = db.session.get(Certificate, cert_id)
        number, child_name = cert.number, cert.child.last_name
    guest = app.test_client()
    for url in (f"/verify/{number}", f"/verify?number={number}"):
        html = guest.get(url).get_data(as_text=True)
        assert "Сертификат действителен" in html
        assert "Сертификат учёта, действует." in html
        # nothing derived from the child: no name, no СНИЛС, no date at all (the valid-until
        # date is the 18th birthday)
        assert child_name not in html and "11223344595" not in html
        assert "20.05.2034" not in html and "2034" not in html
        assert not re.search(r"\b\d{2}\.\d{2}\.\d{4}\b", html.split("<main", 1)[1])
    # the family's own pages keep the date
    assert "действует до 20.05.2034" in client.get(f"/certificates/{cert_id}").get_data(
        as_text=True)
    typo = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert "В номере опечатка" in guest.get(f"/verify?number={typo}").get_data(as_text=True)
    unused = make_number("79", "06", 1)  # another municipality's prefix: surely not issued
    assert "не найден" in guest.get(f"/verify?number={unused}").get_data(as_text=True)


def test_the_public_check_is_rate_limited_per_address(app, make):
    make.municipality()
    guest = app.test_client()
    statuses = [guest.get(f"/verify/{make_number('79', '05', n)}",
                          environ_base={"REMOTE_ADDR": "10.9.0.1"}).status_code
                for n in range(1, 21)]
    assert statuses == [200] * 20
    # the form's address shares the budget: switching between the two does not help
    blocked = guest.get("/verify?number=7905000011", environ_base={"REMOTE_ADDR": "10.9.0.1"})
    assert blocked.status_code == 429
    assert "Подождите минуту" in blocked.get_data(as_text=True)
    assert guest.get("/verify/7905000011",
                     environ_base={"REMOTE_ADDR": "10.9.0.2"}).status_code == 200


def test_another_family_cannot_see_or_use_the_certificate(app, client, make, login_as,
                                                           frozen_clock):
    coordinator = make.user("coordinator", email="coordinator@example.ru")
    make.municipality()
    owner = make.user("parent", email="owner@example.ru")
    cert_id = factories.certificate(app, owner, coordinator=coordinator).id
    factories.period(app, coordinator)
    login_as("parent")
    for path in ("", "/extract", "/qr.svg"):
        assert client.get(f"/certificates/{cert_id}{path}").status_code == 404
    for path in ("/financing", "/queue"):
        assert form_post(client, f"/certificates/{cert_id}{path}", page="/cabinet"
                         ).status_code == 404
    with app.app_context():
        assert db.session.scalars(select(FinancingGrant)).all() == []
