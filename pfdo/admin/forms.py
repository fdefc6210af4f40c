"""The administrator's forms: staff accounts, roles and contacts, and the audit log's filters."""

from __future__ import annotations

from wtforms import EmailField, SelectField, StringField, TelField
from wtforms.fields.choices import SelectChoice

from pfdo.accounts.forms import NameFields, email_check, phone_check
from pfdo.accounts.models import ROLE_LABELS, Role
from pfdo.admin.audit_labels import ACTION_LABELS
from pfdo.audit.services import PERSONAL_DATA
from pfdo.forms import BaseForm, DateField, FilterForm, required
from pfdo.masking import FIELD_LABELS as PERSONAL_FIELD_LABELS
from pfdo.masking import REVEALABLE

STAFF_ROLE_CHOICES = [SelectChoice(str(r), ROLE_LABELS[r]) for r in Role.staff()]


class StaffUserForm(NameFields, BaseForm):
    role = SelectField("Роль", choices=STAFF_ROLE_CHOICES, validate_choice=True)
    email = EmailField("Электронная почта",
                       [required("Укажите адрес электронной почты"), email_check])
    phone = TelField("Телефон (необязательно)", [phone_check])
    #: choices: the registry (providers.staff.registry_choices), set by the view
    provider_id = SelectField("Поставщик (для сотрудника поставщика)", validate_choice=False,
                              choices=[])


class ContactsForm(BaseForm):
    email = EmailField("Электронная почта",
                       [required("Укажите адрес электронной почты"), email_check])
    phone = TelField("Телефон", [phone_check])


class ProviderStaffForm(BaseForm):
    provider_id = SelectField("Поставщик", validate_choice=False, choices=[])


class RoleForm(BaseForm):
    role = SelectField("Роль", choices=STAFF_ROLE_CHOICES, validate_choice=True)


class UserFilterForm(FilterForm):
    role = SelectField("Роль", validate_choice=False,
                       choices=[SelectChoice("", "Все роли")]
                       + [SelectChoice(str(r), ROLE_LABELS[r]) for r in Role])
    q = StringField("Поиск", description="Фамилия, почта или телефон")


class AuditFilterForm(FilterForm):
    action = SelectField("Событие", validate_choice=False, choices=[
        SelectChoice("", "Все события"),
        SelectChoice(PERSONAL_DATA, "Доступ к персональным данным (все просмотры сотрудников)"),
        *(SelectChoice(code, label)
          for code, label in sorted(ACTION_LABELS.items(), key=lambda item: item[1])),
    ])
    actor = StringField("Пользователь (почта)")
    #: read by admin.audit_log.read_person; a value it cannot read is shown beside the field
    person = StringField("Чьи данные", description="Номер сертификата, почта родителя или "
                         "фамилия ребёнка либо родителя (можно с именем): записи о ребёнке "
                         "и о его родителе")
    field = SelectField("Открытое поле", validate_choice=False, choices=[
        SelectChoice("", "Любое"),
        *(SelectChoice(str(f), PERSONAL_FIELD_LABELS[f]) for f in REVEALABLE),
    ])
    date_from = DateField("С даты", validators=[])
    date_to = DateField("По дату", validators=[])
