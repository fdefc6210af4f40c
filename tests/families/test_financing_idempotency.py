"""The conversion form carries an idempotency key made when the preview is shown: a double
submit or a replay of that form gets the same success and spends nothing more; another form
after the success gets «уже переведён»; a key of the wrong shape is a 400 with a Russian
message, never a 500."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from pfdo.certificates.models import FinancingGrant
from pfdo.db import db
from pfdo.ledger import services as ledger
from pfdo.ledger.models import Transfer, TransferKind
from tests.conftest import csrf_token
from tests.families.test_financing_preview import family, text

KEY = re.compile(r'name="idempotency_key" type="hidden" value="([^"]*)"')
SUCCESS = "Готово: сертификат переведён в сертификат ПФ. Зачислено 1 454,66 ₽ на 2026 год за 1 мес."


def preview_form(client, cert_id) -> dict:
    """The hidden fields of the preview's form, as the browser would send them."""
    html = client.get(f"/certificates/{cert_id}/financing").get_data(as_text=True)
    return {"csrf_token": csrf_token(client, f"/certificates/{cert_id}/financing"),
            "amount": "145466", "idempotency_key": KEY.search(html).group(1)}


def submit(client, cert_id, form):
    return client.post(f"/certificates/{cert_id}/financing", data=form)


def counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(FinancingGrant)),
                db.session.scalar(select(func.count()).select_from(Transfer).where(
                    Transfer.kind == TransferKind.TOPUP)))


def test_each_preview_renders_a_fresh_key_of_the_accepted_shape(app, client, make, login_as):
    _, cert_id = family(app, make, login_as)
    first, second = (preview_form(client, cert_id)["idempotency_key"] for _ in range(2))
    assert first != second
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{16,64}", k) for k in (first, second))


def test_a_replay_of_the_same_form_gets_the_same_success_and_spends_nothing_more(
        app, client, make, login_as):
    _, cert_id = family(app, make, login_as)
    form = preview_form(client, cert_id)
    for _ in range(3):  # the double click, and the back-and-resubmit
        response = submit(client, cert_id, form)
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/certificates/{cert_id}")
        page = text(client.get(f"/certificates/{cert_id}"))
        assert SUCCESS in page and "уже переведён" not in page
    assert counts(app) == (1, 1)
    with app.app_context():
        grant = db.session.scalars(select(FinancingGrant)).one()
        assert grant.request_key == form["idempotency_key"]
        assert ledger.check_invariants() == []


def test_another_form_after_the_success_is_told_it_is_done_already(app, client, make,
                                                                   login_as):
    _, cert_id = family(app, make, login_as)
    first = preview_form(client, cert_id)
    second = preview_form(client, cert_id)  # a second tab opened before the first was sent
    submit(client, cert_id, first)
    assert SUCCESS in text(client.get(f"/certificates/{cert_id}"))
    assert submit(client, cert_id, second).status_code == 302
    page = text(client.get(f"/certificates/{cert_id}"))
    assert "Сертификат уже переведён в сертификат ПФ на 2026 год" in page
    assert SUCCESS not in page
    assert counts(app) == (1, 1)


@pytest.mark.parametrize("key", ["short", "x" * 65, "абвгдеёжзийклмнопрст", "a" * 20 + "!",
                                 "a" * 10 + " " + "a" * 10,
                                 "../../etc/passwd/aaaaaaaa", "a" * 100_000])
def test_a_key_of_the_wrong_shape_is_a_400_with_a_russian_message(app, client, make,
                                                                   login_as, key):
    _, cert_id = family(app, make, login_as)
    form = preview_form(client, cert_id) | {"idempotency_key": key}
    response = submit(client, cert_id, form)
    assert response.status_code == 400
    assert "Форма подтверждения повреждена" in text(response)
    assert counts(app) == (0, 0)


def test_a_key_with_a_control_character_is_stopped_by_the_input_layer(app, client, make,
                                                                       login_as):
    """NUL never reaches the key's check: the form layer refuses it (the page is stale)."""
    _, cert_id = family(app, make, login_as)
    form = preview_form(client, cert_id) | {"idempotency_key": "a" * 20 + "\x00"}
    response = submit(client, cert_id, form)
    assert response.status_code == 302
    assert "Страница устарела" in text(client.get(f"/certificates/{cert_id}/financing"))
    assert counts(app) == (0, 0)
