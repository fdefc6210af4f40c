"""The hotline's forms: the search box, the reveal of a masked field, the call's finish, and
the call log's filters."""

from __future__ import annotations

from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from pfdo.forms import BaseForm, DateField, FilterForm, required
from pfdo.hotline.card import REVEAL_REASONS
from pfdo.hotline.lookup import QUERY_MAX
from pfdo.hotline.models import COMMENT_MAX, CallOutcome, CallTopic

ALL = ""


class SearchForm(FilterForm):
    q = StringField("Номер сертификата, СНИЛС, телефон родителя или фамилия и дата рождения",
                    validators=[Optional(), Length(max=QUERY_MAX)],
                    render_kw={"autocomplete": "off", "spellcheck": "false",
                               "placeholder": "7905000123 · 112-233-445 95 · Иванова 12.03.2015"})


class RevealForm(BaseForm):
    field = HiddenField()
    reason = SelectField("Причина", validate_choice=True,
                         choices=[SelectChoice("", "— выберите причину —"),
                                  *(SelectChoice(code, label)
                                    for code, label in REVEAL_REASONS.items())],
                         validators=[required("Выберите причину: без неё поле не открыть")])


class StartCallForm(BaseForm):
    certificate = HiddenField()


class FinishCallForm(BaseForm):
    topic = SelectField("Тема", validate_choice=False,
                        choices=[SelectChoice("", "— выберите —"),
                                 *(SelectChoice(str(t), t.label) for t in CallTopic)],
                        validators=[required("Выберите тему звонка")])
    outcome = SelectField("Итог", validate_choice=False,
                          choices=[SelectChoice("", "— выберите —"),
                                   *(SelectChoice(str(o), o.label) for o in CallOutcome)],
                          validators=[required("Выберите, чем закончился звонок")])
    comment = TextAreaField("Комментарий", validators=[Optional(), Length(max=COMMENT_MAX)],
                            render_kw={"rows": 3})
    certificate = HiddenField()


class CallFilterForm(FilterForm):
    operator = SelectField("Оператор", validate_choice=False, choices=[])
    topic = SelectField("Тема", validate_choice=False,
                        choices=[SelectChoice(ALL, "Все темы"),
                                 *(SelectChoice(str(t), t.label) for t in CallTopic)])
    date_from = DateField("С", validators=[Optional()])
    date_to = DateField("по", validators=[Optional()])

    @property
    def topic_value(self) -> str | None:
        value = self.topic.data or ""
        return value if value in {str(t) for t in CallTopic} else None
