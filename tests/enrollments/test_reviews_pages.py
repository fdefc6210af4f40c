"""The review pages as people use them: the family's form, the provider's list and answer, the
coordinator's list and hiding, and the reviews on the navigator's program page."""

from __future__ import annotations

import re
from datetime import date, timedelta

from pfdo.db import db
from pfdo.enrollments import reviews
from pfdo.enrollments.models import Contract, Review
from pfdo.navigator import services as navigator
from pfdo.programs.models import Program
from tests import factories
from tests.conftest import form_post, login
from tests.factories.accounts import user_row

TEXT = "Ребёнку нравится, педагог объясняет понятно."


def delivered(app, world, clock):
    signed = factories.contract(app, world.parent, world.child, world.group)
    clock.advance(timedelta(days=17))  # 1 April: March is delivered
    return signed


def review(app, contract_id: int, author, *, rating=4, text=TEXT) -> int:
    with app.app_context():
        contract = db.session.get(Contract, contract_id)
        return reviews.write(contract, actor=user_row(author), rating=rating, text=text,
                             today=factories.today()).id


def another_family(app, world, group, *, first_name="Ольга", last_name="Петрова"):
    """A second family with an active contract in `group`."""
    parent = factories.user(app, "parent", first_name=first_name, last_name=last_name)
    child = factories.child(app, parent, first_name="Пётр", sex="male")
    factories.certificate(app, parent, child, coordinator=world.coordinator)
    return parent, factories.contract(app, parent, child, group)


def test_the_form_before_a_delivered_month_says_when(app, client, world, frozen_clock):
    signed = factories.contract(app, world.parent, world.child, world.group)
    login(client, world.parent.email)
    html = client.get(f"/enrolments/contracts/{signed.id}/review").get_data(as_text=True)
    assert "после первого полного месяца" in html
    assert 'name="rating"' not in html


def test_the_family_writes_a_review_with_stars(app, client, world, frozen_clock):
    signed = delivered(app, world, frozen_clock)
    login(client, world.parent.email)
    url = f"/enrolments/contracts/{signed.id}/review"
    html = client.get(url).get_data(as_text=True)
    assert "<legend" in html and "5 — отлично" in html and 'type="radio"' in html
    response = form_post(client, url, {"rating": "5", "text": TEXT})
    assert response.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert "Спасибо! Отзыв опубликован" in html and "Ваш отзыв" in html and TEXT in html
    with app.app_context():
        program = db.session.get(Program, world.program.id)
        assert (program.rating_total, program.rating_count) == (5, 1)


def test_a_bad_review_comes_back_with_errors_beside_the_fields(app, client, world,
                                                               frozen_clock):
    signed = delivered(app, world, frozen_clock)
    login(client, world.parent.email)
    url = f"/enrolments/contracts/{signed.id}/review"
    response = form_post(client, url, {"text": "Коротко"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="rating-error"' in html and "от 1 до 5 звёзд" in html
    response = form_post(client, url, {"rating": "9", "text": "Коротко"})
    html = response.get_data(as_text=True)
    assert "от 1 до 5 звёзд" in html
    response = form_post(client, url, {"rating": "4", "text": "Коротко"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "хотя бы 10 знаков" in html and "Коротко</textarea>" in html
    assert re.search(r'<input checked[^>]*value="4"', html)  # the stars are kept too
    with app.app_context():
        assert db.session.query(Review).count() == 0


def test_another_parents_contract_is_404(app, client, world, frozen_clock):
    signed = delivered(app, world, frozen_clock)
    stranger = factories.user(app, "parent")
    login(client, stranger.email)
    url = f"/enrolments/contracts/{signed.id}/review"
    assert client.get(url).status_code == 404
    assert form_post(client, url, {"rating": "1", "text": TEXT}, page="/").status_code == 404
    with app.app_context():
        assert db.session.query(Review).count() == 0


def test_the_provider_lists_filters_and_answers(app, client, world, frozen_clock):
    signed = delivered(app, world, frozen_clock)
    made = review(app, signed.id, world.parent, rating=3)
    login(client, world.staff.email)
    html = client.get("/provider/reviews?answered=unanswered").get_data(as_text=True)
    assert TEXT in html and "Мария И." in html and "без ответа" in html
    fragment = client.get("/provider/reviews?answered=answered",
                          headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body and 'id="results"' in body
    assert TEXT not in body and "HX-Request" in fragment.headers["Vary"]
    response = form_post(client, f"/provider/reviews/{made}/answer", {"text": "Спасибо!"},
                         page="/provider/reviews")
    assert response.status_code == 302
    html = client.get("/provider/reviews?answered=answered").get_data(as_text=True)
    assert "Ответ опубликован" in html and "Спасибо!" in html


def test_an_empty_answer_is_shown_beside_the_field(app, client, world, frozen_clock):
    signed = delivered(app, world, frozen_clock)
    made = review(app, signed.id, world.parent)
    login(client, world.staff.email)
    response = form_post(client, f"/provider/reviews/{made}/answer", {"text": "  "},
                         page="/provider/reviews")
    assert response.status_code == 422
    assert "Напишите ответ" in response.get_data(as_text=True)


def test_another_providers_review_is_404(app, client, world, frozen_clock):
    signed = delivered(app, world, frozen_clock)
    made = review(app, signed.id, world.parent)
    other = factories.user(app, "provider_staff")
    factories.provider(app, staff=other)
    login(client, other.email)
    assert TEXT not in client.get("/provider/reviews").get_data(as_text=True)
    response = form_post(client, f"/provider/reviews/{made}/answer", {"text": "Чужой"},
                         page="/provider/reviews")
    assert response.status_code == 404


def test_the_coordinator_hides_a_review_with_a_reason(app, client, world, frozen_clock):
    signed = delivered(app, world, frozen_clock)
    made = review(app, signed.id, world.parent, rating=1)
    login(client, world.coordinator.email)
    html = client.get(f"/coordinator/reviews?rating=1&provider={world.provider.id}"
                      ).get_data(as_text=True)
    assert TEXT in html and "Найден 1 отзыв" in html
    assert TEXT not in client.get("/coordinator/reviews?rating=5").get_data(as_text=True)
    url = f"/coordinator/reviews/{made}/hide"
    response = form_post(client, url, {"reason": ""}, page="/coordinator/reviews")
    assert response.status_code == 422 and "Укажите причину" in response.get_data(as_text=True)
    response = form_post(client, url, {"reason": "Оскорбления"}, page="/coordinator/reviews")
    assert response.status_code == 302
    html = client.get("/coordinator/reviews?visibility=hidden").get_data(as_text=True)
    assert "Отзыв скрыт" in html and "Оскорбления" in html
    assert TEXT not in client.get("/coordinator/reviews?visibility=visible"
                                  ).get_data(as_text=True)
    page = client.get(f"/programs/{world.program.id}").get_data(as_text=True)
    assert TEXT not in page and "Отзывов пока нет" in page


def program_page_reviews(client, program_id: int, **args) -> str:
    html = client.get(f"/programs/{program_id}", query_string=args).get_data(as_text=True)
    return html[html.index('id="reviews"'):]


def test_the_program_page_shows_the_average_and_the_reviews(app, client, world, frozen_clock):
    parent, other = another_family(app, world, world.group)
    signed = delivered(app, world, frozen_clock)
    first = review(app, signed.id, world.parent, rating=4)
    with app.app_context():
        reviews.answer(db.session.get(Review, first), actor=user_row(world.staff),
                       text="Спасибо, ждём на занятиях!")
    review(app, other.id, parent, rating=5, text="Сын в восторге от роботов и от педагога.")
    section = program_page_reviews(client, world.program.id)
    assert "4,5 из 5" in section and "2 отзыва" in section
    assert "Мария И." in section and "Ольга П." in section
    assert "Иванова" not in section and "Анна" not in section and "Пётр" not in section
    # newest first, the answer under its review, the date in the municipality's zone
    assert section.index("Ольга П.") < section.index("Мария И.") < section.index("ждём на")
    assert "01.04.2026" in section


def test_show_more_adds_reviews_with_or_without_htmx(app, client, world, frozen_clock,
                                                      monkeypatch):
    monkeypatch.setattr(navigator, "REVIEWS_STEP", 1)
    parent, other = another_family(app, world, world.group)
    signed = delivered(app, world, frozen_clock)
    review(app, signed.id, world.parent)
    review(app, other.id, parent, text="Сын в восторге от роботов и от педагога.")
    section = program_page_reviews(client, world.program.id)
    assert "Ольга П." in section and "Мария И." not in section
    assert f"/programs/{world.program.id}?reviews=2" in section and "Показать ещё" in section
    whole = program_page_reviews(client, world.program.id, reviews=2)
    assert "Мария И." in whole and "Показать ещё" not in whole
    fragment = client.get(f"/programs/{world.program.id}?reviews=2",
                          headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith('<section id="reviews"')
    assert "Мария И." in body and "Ольга П." in body


def test_the_card_and_the_sort_by_rating_follow_the_reviews(app, client, world, frozen_clock):
    second = factories.program(app, world.provider, title="Шахматы для начинающих")
    chess = factories.group(app, second, starts_on=date(2026, 2, 1), ends_on=date(2026, 12, 31),
                            weekdays=(5,))
    parent, other = another_family(app, world, chess)
    signed = delivered(app, world, frozen_clock)
    review(app, signed.id, world.parent, rating=2)
    hidden = review(app, other.id, parent, rating=5)

    def order():
        html = client.get("/programs?sort=rating").get_data(as_text=True)
        return html.index("Робототехника") < html.index("Шахматы"), html

    robots_first, html = order()
    assert not robots_first
    assert "рейтинг 5,0 (1 отзыв)" in html and "рейтинг 2,0 (1 отзыв)" in html
    with app.app_context():
        reviews.hide(db.session.get(Review, hidden), actor=user_row(world.coordinator),
                     reason="Реклама")
    robots_first, html = order()
    assert robots_first and "рейтинг 5,0" not in html


def test_hostile_input_is_refused_in_russian_never_a_500(app, client, world, frozen_clock):
    signed = delivered(app, world, frozen_clock)
    login(client, world.parent.email)
    url = f"/enrolments/contracts/{signed.id}/review"
    for data in ({"rating": "٥", "text": TEXT}, {"rating": "5\x00", "text": TEXT},
                 {"rating": "9" * 40, "text": TEXT}, {"rating": "5", "text": TEXT + "\x00"},
                 {"rating": "5", "text": "я" * 100_000}, {"rating": ["1", "5"], "text": ""}):
        response = form_post(client, url, data)
        assert response.status_code == 422, data
    client = app.test_client()
    login(client, world.coordinator.email)
    for query in ("rating=٥", "provider=99999999999999999999", "visibility=%00", "page=-1"):
        assert client.get(f"/coordinator/reviews?{query}").status_code in (200, 400), query
    assert client.get(f"/programs/{world.program.id}?reviews=99999999999999").status_code == 200
    with app.app_context():
        assert db.session.query(Review).count() == 0


def test_no_stars_and_no_text_are_both_said_at_once(app, client, world, frozen_clock):
    signed = delivered(app, world, frozen_clock)
    login(client, world.parent.email)
    response = form_post(client, f"/enrolments/contracts/{signed.id}/review", {"text": " "})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="rating-error"' in html and 'id="text-error"' in html
    assert "Напишите, что понравилось и что нет" in html
