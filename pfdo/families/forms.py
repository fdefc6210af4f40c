"""The child form. Rules come from families.validation, the same ones the service applies."""

from __future__ import annotations

from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from pfdo.accounts.forms import NameFields
from pfdo.children.models import DOCUMENT_LABELS, SEX_LABELS
from pfdo.children.validation import snils_problem
from pfdo.forms import BaseForm, DateField, problem_validator, required


class ChildForm(NameFields, BaseForm):
    birth_date = DateField("Дата рождения", [required("Укажите дату рождения")])
    sex = RadioField("Пол", [required("Укажите пол")],
                     choices=[SelectChoice(str(k), v) for k, v in SEX_LABELS.items()])
    document_type = SelectField("Документ", choices=[SelectChoice(str(k), v.capitalize())
                                                     for k, v in DOCUMENT_LABELS.items()])
    document_series = StringField("Серия", [required("Укажите серию документа")],
                                  description="Свидетельство: например II-АБ; паспорт: 4 цифры")
    document_number = StringField("Номер", [required("Укажите номер документа")])
    snils = StringField("СНИЛС ребёнка", [required("Укажите СНИЛС"),
                                          problem_validator(snils_problem)],
                        description="11 цифр, например 112-233-445 95")
    address = TextAreaField("Адрес проживания", [required("Укажите адрес проживания")],
                            render_kw={"rows": 2})


class ApplyForm(BaseForm):
    consent = BooleanField("Я, законный представитель, даю согласие на обработку персональных "
                           "данных ребёнка")

    def validate_consent(self, field):
        if not field.data:
            raise ValidationError("Нужно согласие на обработку персональных данных ребёнка")
