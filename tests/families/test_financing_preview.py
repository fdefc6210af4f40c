"""Conversion to a financing certificate in two steps: the preview says what will be credited,
for which months, what happens at the next period and how many places are left; the
confirmation spends one place once, and says so when it is repeated."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from pfdo import clock
from pfdo.certificates.models import Certificate, FinancingGrant
from pfdo.db import db
from pfdo.ledger.models import Transfer, TransferKind
from pfdo.periods.models import FinancingPeriod
from tests import factories
from tests.conftest import csrf_token, login

#: 08:00 on 02.12.2026 in Asia/Vladivostok: one month of the 2026 period is left
DECEMBER = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
TAG = re.compile(r"<[^>]+>")


def text(response) -> str:
    return " ".join(TAG.sub(" ", response.get_data(as_text=True)).replace("\xa0", " ").split())


def family(app, make, login_as, *, quota=100, next_nominal=None):
    clock.set_frozen(DECEMBER)
    coordinator = make.user("coordinator", email="coordinator@example.ru")
    make.municipality()
    parent = login_as("parent")
    period_id = factories.period(app, coordinator, quota=quota).id
    if next_nominal is not None:
        factories.period(app, coordinator, nominal=next_nominal, starts_on=date(2027, 1, 1),
                         ends_on=date(2027, 12, 31))
    # born 10.05.2016: 10 years
    return period_id, factories.certificate(app, parent, coordinator=coordinator).id


def counts(app, period_id):
    with app.app_context():
        return (db.session.get(FinancingPeriod, period_id).quota_used,
                db.session.scalar(select(func.count()).select_from(FinancingGrant)),
                db.session.scalar(select(func.count()).select_from(Transfer).where(
                    Transfer.kind == TransferKind.TOPUP)))


def confirm(client, cert_id, amount="145466"):
    token = csrf_token(client, f"/certificates/{cert_id}/financing")
    return client.post(f"/certificates/{cert_id}/financing",
                       data={"csrf_token": token, "amount": amount})


def test_the_preview_says_what_will_be_credited_and_changes_nothing(app, client, make,
                                                                    login_as):
    period_id, cert_id = family(app, make, login_as, quota=12)
    detail = client.get(f"/certificates/{cert_id}").get_data(as_text=True)
    assert f'href="/certificates/{cert_id}/financing"' in detail  # a link, not a button

    page = text(client.get(f"/certificates/{cert_id}/financing"))
    assert "За декабрь 2026 — 1 454,66 ₽" in page
    assert "Номинал на 2026 год для ребёнка 10 лет — 17 456,00 ₽ за 12 мес." in page
    assert "17 456,00 ₽ × 1 ÷ 12 = 1 454,66 ₽" in page
    assert "Тратить эти деньги можно до 31.12.2026" in page
    assert "не переносится" in page
    assert "муниципалитет ещё не утвердил, и его номинал пока неизвестен" in page
    assert "На 2026 год осталось 12 мест из 12. Перевод займёт одно из них." in page
    assert "Сертификат учёта (сейчас) денег не несёт" in page
    assert "Перевести и зачислить 1 454,66 ₽" in page
    assert counts(app, period_id) == (0, 0, 0)


def test_the_preview_names_the_next_periods_top_up_when_it_is_set(app, client, make,
                                                                  login_as):
    _, cert_id = family(app, make, login_as, next_nominal=1_800_000)
    page = text(client.get(f"/certificates/{cert_id}/financing"))
    assert ("01.01.2027, в начале периода «2027 год», сертификат ПФ пополняется до номинала "
            "этого периода — 18 000,00 ₽") in page
    assert "пока неизвестен" not in page


def test_confirming_credits_once_and_names_the_credit_for_what_it_is(app, client, make,
                                                                     login_as):
    period_id, cert_id = family(app, make, login_as)
    response = confirm(client, cert_id)
    assert response.status_code == 302
    page = text(client.get(f"/certificates/{cert_id}"))
    assert "Зачислено 1 454,66 ₽ на 2026 год за 1 мес." in page  # the flash
    assert "Зачислено на 2026 год (декабрь 2026, 1 мес.) 1 454,66 ₽" in page
    assert "номинал на 12 мес. — 17 456,00 ₽" in page
    assert "Номинал 1 454,66" not in page
    extract = text(client.get(f"/certificates/{cert_id}/extract"))
    assert "Зачислено на 2026 год 1 454,66 ₽ за 1 мес. (декабрь 2026" in extract
    assert counts(app, period_id) == (1, 1, 1)

    again = confirm(client, cert_id)
    assert again.status_code == 302
    page = text(client.get(f"/certificates/{cert_id}"))
    assert ("Сертификат уже переведён в сертификат ПФ на 2026 год (зачислено 1 454,66 ₽ за "
            "1 мес.). Повторное подтверждение ничего не изменило: второе место в квоте не "
            "занято, деньги повторно не зачислены.") in page
    assert counts(app, period_id) == (1, 1, 1)
    preview = text(client.get(f"/certificates/{cert_id}/financing"))
    assert "уже переведён в сертификат ПФ на 2026 год: зачислено 1 454,66 ₽ за 1 мес." in preview
    assert "Перевести и зачислить" not in preview


def test_a_preview_out_of_date_is_not_confirmed(app, client, make, login_as):
    period_id, cert_id = family(app, make, login_as)
    confirm(client, cert_id, amount="1745600")  # what the page said in January
    page = text(client.get(f"/certificates/{cert_id}/financing"))
    assert "Сумма зачисления изменилась: сейчас это 1 454,66 ₽ за 1 мес." in page
    assert counts(app, period_id) == (0, 0, 0)
    with app.app_context():
        assert db.session.get(Certificate, cert_id).kind == "record"


def test_without_places_the_preview_offers_the_queue(app, client, make, login_as):
    _, cert_id = family(app, make, login_as, quota=0)
    page = text(client.get(f"/certificates/{cert_id}/financing"))
    assert ("Свободных мест на сертификаты ПФ на 2026 год нет (всего 0 мест), поэтому перевести "
            "сертификат сейчас нельзя") in page
    assert "Встать в очередь" in page and "Перевести и зачислить" not in page
    response = confirm(client, cert_id)
    assert response.headers["Location"].endswith(f"/certificates/{cert_id}/financing")
    assert "закончились" in text(client.get(f"/certificates/{cert_id}/financing"))


def test_another_familys_preview_is_not_found(app, client, make, login_as):
    _, cert_id = family(app, make, login_as)
    stranger, other = make.user("parent", email="stranger@example.ru"), app.test_client()
    login(other, stranger.email)
    assert other.get(f"/certificates/{cert_id}/financing").status_code == 404
    assert confirm(other, cert_id).status_code == 404
