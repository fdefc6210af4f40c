"""Reviews through the services: once per contract after a delivered month, the program's
rating kept in step, the provider's one answer, the coordinator's hiding."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pfdo.audit.models import AuditEvent
from pfdo.db import db
from pfdo.enrollments import reviews
from pfdo.enrollments.models import Contract, Review
from pfdo.errors import DomainError, NotFound
from pfdo.notifications.models import Notice, OutboxMessage
from pfdo.programs.models import Program
from tests import factories
from tests.factories.accounts import detached, user_row

TEXT = "Ребёнку нравится, педагог объясняет понятно."


def delivered(app, world, clock):
    """An active contract from March, with the clock on 1 April: March is delivered."""
    signed = factories.contract(app, world.parent, world.child, world.group)
    clock.advance(timedelta(days=17))
    return signed


def write(app, contract_id: int, author, *, rating=4, text=TEXT) -> Review:
    with app.app_context():
        contract = db.session.get(Contract, contract_id)
        made = reviews.write(contract, actor=user_row(author), rating=rating, text=text,
                             today=factories.today())
        return detached(made)


def rating_of(app, program_id: int) -> tuple[int, int]:
    with app.app_context():
        program = db.session.get(Program, program_id)
        return program.rating_total, program.rating_count


def test_no_review_before_a_month_is_delivered(app, world, frozen_clock):
    signed = factories.contract(app, world.parent, world.child, world.group)
    with app.app_context():
        contract = db.session.get(Contract, signed.id)
        assert not reviews.can_review(contract, date(2026, 3, 31))
        assert reviews.can_review(contract, date(2026, 4, 1))
    with pytest.raises(DomainError, match="после первого полного месяца"):
        write(app, signed.id, world.parent)
    assert rating_of(app, world.program.id) == (0, 0)


def test_an_offer_is_not_reviewable(app, world, frozen_clock):
    made = factories.offer(app, world.parent, world.child, world.group)
    frozen_clock.advance(timedelta(days=40))
    with pytest.raises(DomainError, match="по заключённому договору"):
        write(app, made.id, world.parent)


def test_a_review_counts_in_the_rating_and_tells_the_provider(app, world, frozen_clock):
    signed = delivered(app, world, frozen_clock)
    review = write(app, signed.id, world.parent, rating=4, text=f"  {TEXT}  ")
    assert review.text == TEXT
    assert rating_of(app, world.program.id) == (4, 1)
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "review.written")).details["rating"] == 4
        notice = db.session.scalars(select(Notice).where(
            Notice.user_id == world.staff.id)).all()[-1]
        assert "Новый отзыв" in notice.text and notice.url == "/provider/reviews"
        mail = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.subject == "Новый отзыв о программе")).one()
        assert "4 из 5" in mail.body and "http" in mail.body


def test_only_one_review_per_contract(app, world, frozen_clock):
    signed = delivered(app, world, frozen_clock)
    write(app, signed.id, world.parent, rating=5)
    with pytest.raises(DomainError, match="уже оставлен"):
        write(app, signed.id, world.parent, rating=1)
    assert rating_of(app, world.program.id) == (5, 1)


def test_the_unique_index_refuses_a_second_review_sent_at_once(app, world, frozen_clock,
                                                               monkeypatch):
    signed = delivered(app, world, frozen_clock)
    write(app, signed.id, world.parent, rating=5)
    # the second request read «no review yet» before the first committed
    monkeypatch.setattr(reviews, "review_of", lambda contract: None)
    with pytest.raises(DomainError, match="уже оставлен"):
        write(app, signed.id, world.parent, rating=1)
    assert rating_of(app, world.program.id) == (5, 1)
    with app.app_context():
        assert db.session.query(Review).count() == 1


def test_another_parent_cannot_review_the_contract(app, world, frozen_clock):
    signed = delivered(app, world, frozen_clock)
    stranger = factories.user(app, "parent")
    with pytest.raises(NotFound):
        write(app, signed.id, stranger)


@pytest.mark.parametrize(("rating", "text", "field", "message"), [
    (0, TEXT, "rating", "от 1 до 5"),
    (6, TEXT, "rating", "от 1 до 5"),
    (None, TEXT, "rating", "от 1 до 5"),
    (4, "   ", "text", "Напишите"),
    (4, "Хорошо!", "text", "хотя бы 10"),
    (4, "x" * 2001, "text", "Не длиннее 2000"),
    (4, "Хорошо\x00 всё очень", "text", "непечатаемые"),
])
def test_bad_input_is_refused_beside_its_field(app, world, frozen_clock, rating, text, field,
                                               message):
    signed = delivered(app, world, frozen_clock)
    with pytest.raises(DomainError, match=message) as refused:
        write(app, signed.id, world.parent, rating=rating, text=text)
    assert refused.value.field == field
    assert rating_of(app, world.program.id) == (0, 0)


def test_the_provider_answers_once_and_the_parent_is_told(app, world, frozen_clock):
    signed = delivered(app, world, frozen_clock)
    made = write(app, signed.id, world.parent)
    with app.app_context():
        review = db.session.get(Review, made.id)
        reviews.answer(review, actor=user_row(world.staff), text="Спасибо, ждём на занятиях!")
        assert review.answer == "Спасибо, ждём на занятиях!"
        with pytest.raises(DomainError, match="уже ответили"):
            reviews.answer(review, actor=user_row(world.staff), text="Ещё раз")
        assert db.session.get(Review, made.id).answer == "Спасибо, ждём на занятиях!"
        notice = db.session.scalars(select(Notice).where(
            Notice.user_id == world.parent.id)).all()[-1]
        assert "ответил на ваш отзыв" in notice.text
        assert notice.url == f"/enrolments/contracts/{signed.id}/review"


def test_staff_of_another_provider_cannot_answer(app, world, frozen_clock):
    signed = delivered(app, world, frozen_clock)
    made = write(app, signed.id, world.parent)
    other = factories.user(app, "provider_staff")
    factories.provider(app, staff=other)
    with app.app_context():
        review = db.session.get(Review, made.id)
        with pytest.raises(NotFound):
            reviews.answer(review, actor=user_row(other), text="Не наш отзыв")
        with pytest.raises(NotFound):
            reviews.provider_review(user_row(other), made.id)


def test_hiding_subtracts_from_the_rating_and_takes_it_off_the_page(app, world, frozen_clock):
    signed = delivered(app, world, frozen_clock)
    made = write(app, signed.id, world.parent, rating=2)
    with app.app_context():
        review = db.session.get(Review, made.id)
        program = db.session.get(Program, world.program.id)
        assert reviews.public_reviews(program, limit=5).total == 1
        with pytest.raises(DomainError, match="Укажите причину") as refused:
            reviews.hide(review, actor=user_row(world.coordinator), reason="  ")
        assert refused.value.field == "reason"
        with pytest.raises(DomainError, match="только координатор"):
            reviews.hide(review, actor=user_row(world.staff), reason="Не нравится")
        reviews.hide(review, actor=user_row(world.coordinator), reason="Оскорбления")
        assert review.is_hidden and review.hidden_reason == "Оскорбления"
        with pytest.raises(DomainError, match="уже скрыт"):
            reviews.hide(review, actor=user_row(world.coordinator), reason="Ещё раз")
        assert reviews.public_reviews(program, limit=5).total == 0
        with pytest.raises(DomainError, match="скрыт координатором"):
            reviews.answer(review, actor=user_row(world.staff), text="Ответ")
    assert rating_of(app, world.program.id) == (0, 0)


def test_a_terminated_contract_can_still_be_reviewed(app, world, frozen_clock):
    from pfdo.enrollments import contracts
    signed = delivered(app, world, frozen_clock)
    with app.app_context():
        contract = db.session.get(Contract, signed.id)
        contracts.terminate(contract, actor=user_row(world.parent), by="parent",
                            reason="Переезжаем", today=factories.today())
    write(app, signed.id, world.parent, rating=3)
    assert rating_of(app, world.program.id) == (3, 1)


def test_the_signature_is_the_first_name_and_initial():
    class Person:
        first_name, last_name = "Мария", "Иванова"
    assert reviews.author_signature(Person()) == "Мария И."
