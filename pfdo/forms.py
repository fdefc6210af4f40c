"""Form helpers shared by every package: Russian messages and validators over domain rules."""

from __future__ import annotations

from collections.abc import Callable

from flask_wtf import FlaskForm
from wtforms import ValidationError
from wtforms.i18n import get_translations
from wtforms.validators import StopValidation

REQUIRED = "Заполните это поле"

#: WTForms' own messages («Not a valid choice.») in Russian. Flask-WTF translates them only
#: through Flask-Babel, which we do not use, so the forms ask WTForms' catalogue directly.
RUSSIAN = get_translations(["ru"])


class RussianMeta:
    def get_translations(self, form):
        return RUSSIAN


class BaseForm(FlaskForm):
    """A form with CSRF; every state-changing form derives from it."""

    Meta = RussianMeta


class EmptyForm(BaseForm):
    """A button that changes state: a POST carrying only the CSRF token."""


class FilterForm(FlaskForm):
    """A GET form of filters: no CSRF (it changes nothing), shareable URLs."""

    class Meta(RussianMeta):
        csrf = False


def problem_validator(check: Callable[[str], str | None]):
    """A WTForms validator from a domain check that returns a Russian problem or None."""

    def validate(form, field):
        problem = check(field.data or "")
        if problem:
            raise ValidationError(problem)

    return validate


def required(message: str = REQUIRED):
    """Like DataRequired, with a Russian message and whitespace counted as empty."""

    def validate(form, field):
        if field.data is None or (isinstance(field.data, str) and not field.data.strip()):
            field.errors[:] = []  # «Неверное значение даты» adds nothing to «Укажите дату»
            raise StopValidation(message)

    validate.field_flags = {"required": True}
    return validate
