from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice

from pfdo.audit.services import ACTION_LABELS, PERSONAL_DATA
from pfdo.forms import DateField, FilterForm


class AuditFilterForm(FilterForm):
    action = SelectField("Событие", validate_choice=False, choices=[
        SelectChoice("", "Все события"),
        SelectChoice(PERSONAL_DATA, "Доступ к персональным данным (все просмотры сотрудников)"),
        *(SelectChoice(code, label)
          for code, label in sorted(ACTION_LABELS.items(), key=lambda item: item[1])),
    ])
    actor = StringField("Пользователь (почта)")
    date_from = DateField("С даты", validators=[])
    date_to = DateField("По дату", validators=[])
