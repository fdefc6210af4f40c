"""Input of the review pages: the family's review, the provider's answer, the coordinator's
reason for hiding, and the filters of the two lists. The rules (1–5 stars, the text's length)
are the service's (`enrollments.reviews`); the forms only read what was sent."""

from __future__ import annotations

from wtforms import RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation

from pfdo.enrollments import reviews
from pfdo.enrollments.models import REASON_MAX, REVIEW_MAX
from pfdo.forms import BaseForm, FilterForm, required

#: the stars a family picks, with words for a screen reader and for anyone unsure of the scale
STAR_LABELS = {1: "1 — очень плохо", 2: "2 — плохо", 3: "3 — нормально", 4: "4 — хорошо",
               5: "5 — отлично"}


def _picked_stars(form, field):
    """One of the five stars was picked: said beside the stars together with the text's
    problem, before the service is asked."""
    if field.data not in {str(n) for n in reviews.RATINGS}:
        field.errors[:] = []
        raise StopValidation(reviews.NO_STARS)


class ReviewForm(BaseForm):
    rating = RadioField("Оценка", [_picked_stars],
                        choices=[SelectChoice(str(n), label) for n, label in STAR_LABELS.items()],
                        validate_choice=False)
    text = TextAreaField("Отзыв", [required(reviews.NO_TEXT)], description=(
        f"От {reviews.TEXT_MIN} до {REVIEW_MAX} знаков: чему научился ребёнок, как проходят "
        "занятия, что стоит улучшить. Отзыв увидят все; подпись — ваше имя и первая буква "
        "фамилии."), render_kw={"rows": 6, "maxlength": REVIEW_MAX})

    def stars(self) -> int | None:
        """The picked number of stars, or None (the service says why)."""
        value = self.rating.data
        return int(value) if value in {str(n) for n in reviews.RATINGS} else None


class AnswerForm(BaseForm):
    text = TextAreaField("Ответ поставщика", description=(
        "Ответ увидят все под отзывом. Ответить можно один раз."),
        render_kw={"rows": 4, "maxlength": REVIEW_MAX})


class HideForm(BaseForm):
    reason = TextAreaField("Причина", description=(
        "Например: оскорбления, личные данные ребёнка, реклама. Причину увидят поставщик и "
        "автор."), render_kw={"rows": 2, "maxlength": REASON_MAX})


_ANSWERED = [SelectChoice(reviews.ALL, "Все"),
             SelectChoice(reviews.UNANSWERED, "Без ответа"),
             SelectChoice(reviews.ANSWERED, "С ответом")]


class ProviderReviewFilterForm(FilterForm):
    answered = SelectField("Ответ", choices=_ANSWERED, default=reviews.ALL,
                           validate_choice=False)

    def review_filter(self) -> reviews.ReviewFilter:
        value = self.answered.data or reviews.ALL
        if value not in (reviews.ANSWERED, reviews.UNANSWERED):
            value = reviews.ALL
        return reviews.ReviewFilter(answered=value)


class CoordinatorReviewFilterForm(FilterForm):
    provider = SelectField("Поставщик", default="", validate_choice=False)
    visibility = SelectField("Видимость", default="", validate_choice=False, choices=[
        SelectChoice(reviews.ALL, "Все"), SelectChoice(reviews.VISIBLE, "Видимые"),
        SelectChoice(reviews.HIDDEN, "Скрытые")])
    rating = SelectField("Оценка", default="", validate_choice=False, choices=[
        SelectChoice("", "Любая"), *(SelectChoice(str(n), label)
                                     for n, label in STAR_LABELS.items())])

    def __init__(self, *args, providers: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.provider.choices = [SelectChoice("", "Все"),
                                 *(SelectChoice(str(pid), name) for pid, name in providers)]
        self._provider_ids = {str(pid): pid for pid, _ in providers}

    def review_filter(self) -> reviews.ReviewFilter:
        """What was chosen; a value not in the lists (an edited address) is ignored."""
        visibility = self.visibility.data or reviews.ALL
        if visibility not in (reviews.VISIBLE, reviews.HIDDEN):
            visibility = reviews.ALL
        rating = self.rating.data or ""
        return reviews.ReviewFilter(
            visibility=visibility, provider_id=self._provider_ids.get(self.provider.data or ""),
            rating=int(rating) if rating in {str(n) for n in reviews.RATINGS} else None)
