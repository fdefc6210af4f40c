"""The hotline operator's journey through the real pages (issue 13): finds a caller's
certificate by its number (a mistyped digit caught as it is typed), by surname and date of
birth and by СНИЛС, opens the card with the person's fields masked, reveals the СНИЛС with a
reason, and logs the call with its topic and outcome."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from pfdo.accounts.models import User
from pfdo.audit.models import AuditEvent
from pfdo.certificates.numbers import format_number
from pfdo.db import db
from pfdo.hotline.models import HotlineCall
from pfdo.masking import format_snils
from tests import factories
from tests.browser.support import assert_accessible, assert_nothing_scrolls_sideways, log_in

OPERATOR = "hotline@demo-pfdo.ru"


@pytest.fixture
def caller(live_app: Flask):
    """A family whose child has a certificate, with a surname no demo child has."""
    tag = uuid.uuid4().hex[:6]
    parent = factories.user(live_app, "parent", email=f"zvonok-{tag}@example.ru")
    surname = "Звонарёва"
    snils = factories.valid_snils()
    with live_app.app_context():  # the demo coordinator confirms: no extra staff account
        coordinator = db.session.scalars(select(User.id).where(
            User.email == "coordinator@demo-pfdo.ru")).one()
    certificate = factories.certificate(live_app, parent, coordinator=coordinator,
                                        last_name=surname,
                                        first_name="Полина", middle_name="Игоревна",
                                        birth_date=date(2014, 7, 21), snils=snils)
    return certificate, surname, snils


def _search(page: Page, text: str) -> None:
    box = page.get_by_label("Номер сертификата, СНИЛС, телефон родителя или фамилия и дата "
                            "рождения")
    box.fill(text)


def test_operator_finds_a_certificate_reveals_the_snils_and_logs_the_call(
        page: Page, live_app: Flask, demo_password: str, caller):
    certificate, surname, snils = caller
    log_in(page, OPERATOR, demo_password)
    expect(page.get_by_role("button", name="Выйти").first).to_be_attached()
    page.goto("/hotline")
    expect(page.get_by_role("heading", name="Горячая линия")).to_be_visible()

    # a mistyped last digit is caught as it is typed, before any search
    wrong = certificate.number[:-1] + str((int(certificate.number[-1]) + 1) % 10)
    _search(page, wrong)
    expect(page.locator(".lookup-problem")).to_contain_text("контрольная цифра не сходится")

    _search(page, format_number(certificate.number))
    results = page.locator(".lookup-results")
    expect(results).to_contain_text(f"{surname} П. И.")
    expect(results).to_contain_text("21.07.2014")
    expect(page.get_by_text("Найден 1 сертификат по номеру сертификата")).to_be_visible()

    _search(page, "звонарева 21.07.2014")  # any case, «е» for «ё»
    expect(page.get_by_text("Найден 1 сертификат по фамилии и дате рождения")).to_be_visible()

    _search(page, format_snils(snils))
    expect(page.get_by_text("Найден 1 сертификат по СНИЛС")).to_be_visible()
    page.get_by_role("link", name=f"{surname} П. И.").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(
        format_number(certificate.number))
    person = page.locator("#person")
    expect(person).to_contain_text(f"***-***-{snils[6:9]} {snils[9:]}")
    expect(person).not_to_contain_text(format_snils(snils))
    expect(person).to_contain_text("не показывается горячей линии")
    assert_nothing_scrolls_sideways(page)
    assert_accessible(page)

    page.get_by_label("Открыть поле").select_option(label="СНИЛС")
    page.get_by_label("Причина").select_option(label="Звонящий уточняет, тот ли это ребёнок")
    page.get_by_role("button", name="Показать").click()
    expect(page.locator(".revealed-value")).to_have_text(format_snils(snils))

    page.get_by_role("button", name="Начать звонок").click()
    expect(page.locator(".call-open")).to_contain_text("Звонок идёт с")
    expect(page.locator(".call-open")).to_contain_text(format_number(certificate.number))
    page.get_by_role("link", name="Завершить звонок…").click()
    page.get_by_label("Тема").select_option(label="Баланс")
    page.get_by_label("Итог").select_option(label="Ответ дан")
    page.get_by_label("Комментарий").fill("Уточнили СНИЛС и остаток на сертификате")
    page.get_by_role("button", name="Завершить и записать").click()
    expect(page.get_by_text("Звонок записан в журнал")).to_be_visible()

    page.get_by_role("link", name="Журнал звонков").first.click()
    row = page.locator(".calls-table tbody tr").first
    expect(row).to_contain_text("Баланс")
    expect(row).to_contain_text("Ответ дан")
    expect(row).to_contain_text(format_number(certificate.number))

    with live_app.app_context():
        call = db.session.scalars(select(HotlineCall).where(
            HotlineCall.certificate_id == certificate.id)).one()
        assert call.topic == "balance" and call.ended_at is not None
        revealed = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "hotline.field_revealed",
            AuditEvent.object_id == str(certificate.id))).one()
        assert revealed.details["field"] == "snils"
        searches = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "hotline.searched")).all()
        assert any(certificate.id in (e.details.get("found") or []) for e in searches)
