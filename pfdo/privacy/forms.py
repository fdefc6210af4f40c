"""The deletion request's forms: the parent's request and the coordinator's list filter."""

from __future__ import annotations

from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from pfdo.forms import BaseForm, FilterForm
from pfdo.privacy.models import COMMENT_MAX, DeletionStatus

TOO_LONG = f"Не длиннее {COMMENT_MAX} символов"


class DeletionRequestForm(BaseForm):
    comment = TextAreaField("Комментарий для координатора (необязательно)",
                            validators=[Optional(), Length(max=COMMENT_MAX, message=TOO_LONG)],
                            render_kw={"rows": 3})
    understood = BooleanField(
        "Я понимаю, что договоры будут расторгнуты, сертификаты закрыты, а учётная запись "
        "удалена",
        validators=[DataRequired("Подтвердите, что понимаете, что произойдёт")])


class CarryOutForm(BaseForm):
    confirmed = BooleanField("Подтверждаю: данные семьи будут удалены безвозвратно",
                             validators=[DataRequired("Подтвердите удаление: его нельзя отменить")])


class DeletionFilterForm(FilterForm):
    status = SelectField("Статус", validate_choice=False,
                         choices=[SelectChoice("", "Все"),
                                  *(SelectChoice(str(s), s.label) for s in DeletionStatus)])

    @property
    def status_value(self) -> str:
        value = self.status.data or ""
        return value if value in {str(s) for s in DeletionStatus} else ""
