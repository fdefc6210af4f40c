"""Form helpers shared by every package: Russian messages, validators over domain rules, and
the input layer every form gets (issue 9: no request reaches a 500 by its shape).

Every form field is bound through `InputMeta`, so every text field of every form refuses
control characters (NUL breaks PostgreSQL; a textarea keeps tabs and line breaks) with a
message beside the field, before any other validator runs. Numbers and dates go through the
bounded `IntegerField` and the strict `DateField` below, never WTForms' own: a test checks
that no form uses those."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date

from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import ValidationError
from wtforms import fields as wtfields
from wtforms.i18n import get_translations
from wtforms.validators import StopValidation
from wtforms.widgets import HiddenInput

from pfdo.identifiers import IdentifierError, fold, has_control_characters, whole_number

REQUIRED = "Заполните это поле"

#: WTForms' own messages («Not a valid choice.») in Russian. Flask-WTF translates them only
#: through Flask-Babel, which we do not use, so the forms ask WTForms' catalogue directly.
RUSSIAN = get_translations(["ru"])

CONTROL_CHARACTERS = "Уберите непечатаемые символы: они попали сюда при копировании текста"
#: what a textarea may keep of the control characters
_TEXTAREA_ALLOWED = frozenset("\t\n\r")
#: the years a person may type in any date of this system
MIN_YEAR, MAX_YEAR = 1900, 2100
MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                   "сентября", "октября", "ноября", "декабря")
MONTHS_PREPOSITIONAL = ("январе", "феврале", "марте", "апреле", "мае", "июне", "июле",
                        "августе", "сентябре", "октябре", "ноябре", "декабре")


def _no_control_characters(allowed: frozenset[str]):
    def validate(form, field):
        data = field.data
        if isinstance(data, str) and has_control_characters(data, allowed=allowed):
            field.errors[:] = []
            raise StopValidation(CONTROL_CHARACTERS)

    return validate


class RussianMeta:
    """Russian messages, and the input layer bound into every field of every form."""

    def get_translations(self, form):
        return RUSSIAN

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        if isinstance(field, wtfields.StringField) and field.type != "CSRFTokenField":
            allowed = _TEXTAREA_ALLOWED if isinstance(field, wtfields.TextAreaField) \
                else frozenset()
            field.validators = [_no_control_characters(allowed), *field.validators]
        return field


class BaseForm(FlaskForm):
    """A form with CSRF; every state-changing form derives from it."""

    Meta = RussianMeta

    def hidden_tag(self, *fields):
        """The hidden fields, the CSRF token without an id: a page with two forms must not
        carry two elements with the id «csrf_token»."""
        chosen = [getattr(self, f, None) if isinstance(f, str) else f for f in fields or self]
        return Markup("\n").join(  # each field renders itself, escaped
            f(id=False) if f.type == "CSRFTokenField" else f() for f in chosen
            if f is not None and isinstance(f.widget, HiddenInput))


class EmptyForm(BaseForm):
    """A button that changes state: a POST carrying only the CSRF token."""


class FilterForm(FlaskForm):
    """A GET form of filters: no CSRF (it changes nothing), shareable URLs."""

    class Meta(RussianMeta):
        csrf = False


# --- Numbers and dates ---------------------------------------------------------------------

#: the range of an INTEGER column (PostgreSQL's int4; the same bound on SQLite)
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


class IntegerField(wtfields.IntegerField):
    """A whole number within [minimum, maximum] (by default an INTEGER column's range; the
    domain's own range is the services' or a NumberRange's to explain). Digits of any script
    are read, the bounds are checked before the text becomes an int (so «9» × 30 never reaches
    the database), and anything else is refused in Russian beside the field. Empty: None."""

    def __init__(self, label=None, validators=None, *, minimum: int = INT_MIN,
                 maximum: int = INT_MAX, **kwargs):
        render_kw = {"inputmode": "numeric", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] is None or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = whole_number(str(valuelist[0]), minimum=self.minimum,
                                     maximum=self.maximum)
        except IdentifierError as error:
            self.data = None
            raise ValueError(error.message) from error

    def pre_validate(self, form):
        _stop_after_parse_error(self)


_ISO = re.compile(r"^([0-9]{1,6})-([0-9]{1,2})-([0-9]{1,2})$")
_RUSSIAN = re.compile(r"^([0-9]{1,2})[./]([0-9]{1,2})[./]([0-9]{1,6})$")


def date_problem(text: str) -> tuple[date | None, str | None]:
    """(the date, None) or (None, a Russian message) for a date a person typed: «2026-02-31»
    from a date picker or «31.02.2026» typed by hand."""
    text = fold(text).strip()
    match = _ISO.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _RUSSIAN.match(text)
        if not match:
            return None, "Дата в формате дд.мм.гггг, например 01.09.2026"
        day, month, year = (int(g) for g in match.groups())
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None, f"Проверьте год: {year}; год — от {MIN_YEAR} до {MAX_YEAR}"
    if not 1 <= month <= 12:
        return None, f"Такой даты нет: месяц — от 1 до 12, указан {month}"
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        return None, (f"Такой даты нет: в {MONTHS_PREPOSITIONAL[month - 1]} {year} года "
                      f"{last} {'день' if last == 31 else 'дней'}")
    return date(year, month, day), None


class DateField(wtfields.DateField):
    """A date: «гггг-мм-дд» (date pickers) or «дд.мм.гггг»; an impossible day («31.02»), a
    month past 12 or a year outside 1900–2100 is refused with a message that says which."""

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"type": "date", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] is None or not str(valuelist[0]).strip():
            self.data = None
            return
        self.data, problem = date_problem(str(valuelist[0]))
        if problem:
            raise ValueError(problem)

    def pre_validate(self, form):
        _stop_after_parse_error(self)


def _stop_after_parse_error(field) -> None:
    """What was typed cannot be read: its one message says why; «required» or a range check
    would only add a second, wrong one."""
    if field.process_errors:
        raise StopValidation()


def parse_error(field) -> str | None:
    """The message of a number or date that was typed but could not be read, if any."""
    raw = (field.raw_data or [""])[0] if field.raw_data else ""
    if str(raw or "").strip() and field.process_errors:
        return str(field.process_errors[0])
    return None


# --- Validators ------------------------------------------------------------------------------

def problem_validator(check: Callable[[str], str | None]):
    """A WTForms validator from a domain check that returns a Russian problem or None."""

    def validate(form, field):
        problem = check(field.data or "")
        if problem:
            raise ValidationError(problem)

    return validate


def required(message: str = REQUIRED):
    """Like DataRequired, with a Russian message and whitespace counted as empty. A number or
    a date that was typed but cannot be read keeps its own message («Такой даты нет…»)."""

    def validate(form, field):
        if field.data is None or (isinstance(field.data, str) and not field.data.strip()):
            problem = parse_error(field)
            field.errors[:] = []
            raise StopValidation(problem or message)

    validate.field_flags = {"required": True}
    return validate
