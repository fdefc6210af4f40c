"""The call log: start, finish with a topic and an outcome, the figures, who sees whose calls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pfdo import clock
from pfdo.db import db
from pfdo.hotline.models import HotlineCall
from tests import factories
from tests.conftest import form_post


@pytest.fixture
def certificate(app, make):
    make.municipality()
    return factories.certificate(app, make.user(role="parent"))


def _calls(app):
    with app.app_context():
        return list(db.session.scalars(select(HotlineCall).order_by(HotlineCall.id)))


def test_operator_starts_and_logs_a_call_linked_to_a_certificate(app, client, login_as,
                                                                  certificate, frozen_clock):
    operator = login_as("hotline")
    page = f"/hotline/certificates/{certificate.id}"
    started = form_post(client, "/hotline/calls/start", {"certificate": certificate.id},
                        page=page)
    assert started.status_code == 302 and started.headers["Location"].endswith(page)
    again = form_post(client, "/hotline/calls/start", {}, page="/hotline")
    assert again.status_code == 302
    [call] = _calls(app)  # a double click opens one call
    assert call.operator_id == operator.id and call.certificate_id == certificate.id
    html = client.get("/hotline").get_data(as_text=True)
    assert "Звонок идёт с" in html and "Завершить и записать" in html
    clock.advance(timedelta(minutes=4, seconds=5))
    finished = form_post(client, f"/hotline/calls/{call.id}/finish",
                         {"topic": "balance", "outcome": "answered",
                          "comment": "Спросили остаток"}, page="/hotline")
    assert finished.status_code == 302
    [call] = _calls(app)
    assert call.topic == "balance" and call.outcome == "answered" and call.seconds == 245
    log = client.get("/hotline/calls").get_data(as_text=True)
    assert "Баланс" in log and "Ответ дан" in log and "4 мин 05 с" in log
    assert "Спросили остаток" in log


def test_finishing_needs_a_topic_and_an_outcome(app, client, login_as, certificate):
    login_as("hotline")
    form_post(client, "/hotline/calls/start", {}, page="/hotline")
    [call] = _calls(app)
    response = form_post(client, f"/hotline/calls/{call.id}/finish",
                         {"topic": "", "outcome": "nonsense", "comment": "x" * 50},
                         page="/hotline")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Выберите тему звонка" in html and "x" * 50 in html
    assert _calls(app)[0].ended_at is None


def test_an_operator_cannot_finish_anothers_call(app, client, make, login_as, certificate):
    from pfdo.hotline import calls
    other = make.user(role="hotline")
    with app.app_context():
        theirs = calls.start_call(other).id
    login_as("hotline")
    response = form_post(client, f"/hotline/calls/{theirs}/finish",
                         {"topic": "balance", "outcome": "answered"}, page="/hotline")
    assert response.status_code == 404
    assert _calls(app)[0].ended_at is None


def test_operator_sees_own_calls_and_coordinator_everyones(app, client, make, login_as,
                                                           certificate, frozen_clock):
    from pfdo.hotline import calls
    first = make.user(role="hotline", last_name="Орлова", first_name="Вера",
                      middle_name="Павловна")
    second = make.user(role="hotline", last_name="Жукова", first_name="Инна",
                       middle_name="Олеговна")
    with app.app_context():
        for operator, topic in ((first, "balance"), (first, "documents"), (second, "complaint")):
            call = calls.start_call(operator)
            calls.finish_call(operator, call.id, calls.Finish(topic, "answered",
                                                              f"звонок {topic}"))
        assert calls.figures(factories.today(), first).today == 2
        assert calls.figures(factories.today()).week == 3
    login_as("coordinator")
    html = client.get("/hotline/calls").get_data(as_text=True)
    assert "Орлова В. П." in html and "Жукова И. О." in html and "Найдены 3 звонка" in html
    only = client.get("/hotline/calls", query_string={"operator": second.id}).get_data(
        as_text=True)
    assert "звонок complaint" in only and "звонок balance" not in only


def test_week_figures_count_local_days(app, make, certificate, frozen_clock):
    from pfdo.hotline import calls
    operator = make.user(role="hotline")
    with app.app_context():
        call = calls.start_call(operator)
        calls.finish_call(operator, call.id, calls.Finish("other", "dropped", ""))
        clock.advance(timedelta(days=8))
        figures = calls.figures(factories.today(), operator)
    assert (figures.today, figures.week) == (0, 0)


def test_the_call_log_downloads_as_xlsx_with_only_the_operators_calls(app, client, make,
                                                                      login_as, certificate,
                                                                      frozen_clock):
    import io

    import openpyxl

    from pfdo.hotline import calls
    other = make.user(role="hotline")
    me = login_as("hotline", last_name="Орлова", first_name="Вера", middle_name="Павловна")
    with app.app_context():
        for operator, topic in ((me, "balance"), (me, "documents"), (other, "complaint")):
            call = calls.start_call(operator, certificate_id=certificate.id)
            calls.finish_call(operator, call.id, calls.Finish(topic, "answered", "=1+1"))
    response = client.get("/hotline/calls.xlsx", query_string={"topic": "balance"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Начало", "Конец", "Оператор", "Тема", "Итог", "Сертификат",
                       "Комментарий")
    assert len(rows) == 2
    assert rows[1][2:6] == ("Орлова В. П.", "Баланс", "Ответ дан", certificate.number)
    assert rows[1][6] == "'=1+1"
    everything = openpyxl.load_workbook(io.BytesIO(
        client.get("/hotline/calls.xlsx").get_data())).active
    assert everything.max_row == 3  # the two calls of this operator, not the colleague's
