"""The forms of the provider's and the coordinator's enrolment pages: the lists' filters, the
refusal of a request, the termination of a contract and the disbanding of a group."""

from __future__ import annotations

import re
from datetime import date

from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from pfdo.enrollments import lists
from pfdo.enrollments.models import REASON_MAX, ContractStatus, RequestStatus
from pfdo.formatting import month_name
from pfdo.forms import BaseForm, DateField, FilterForm, required
from pfdo.identifiers import fold

REQUEST_STATUSES = [
    SelectChoice(str(RequestStatus.PENDING), "Ожидают ответа"),
    SelectChoice(lists.OVERDUE, "Просрочены"),
    SelectChoice(str(RequestStatus.ACCEPTED), "Принятые"),
    SelectChoice(str(RequestStatus.REJECTED), "Отклонённые"),
    SelectChoice(str(RequestStatus.EXPIRED), "Истёкшие"),
    SelectChoice(str(RequestStatus.WITHDRAWN), "Отозванные"),
    SelectChoice(lists.ALL, "Все"),
]

CONTRACT_STATUSES = [
    SelectChoice(lists.ALL, "Все"),
    SelectChoice(str(ContractStatus.OFFERED), "Оферты ждут ответа"),
    SelectChoice(str(ContractStatus.ACTIVE), "Действующие договоры"),
    SelectChoice(str(ContractStatus.TERMINATED), "Расторгнутые"),
    SelectChoice(str(ContractStatus.DECLINED), "Оферты отклонены"),
    SelectChoice(str(ContractStatus.LAPSED), "Оферты истекли"),
]

_MONTH = re.compile(r"^([0-9]{4})-([0-9]{1,2})$")


def _choice(field, allowed: set[str], default: str) -> str:
    value = field.data or default
    return value if value in allowed else default


def _picked_id(field) -> int | None:
    """The id picked in a select of objects, if it is one of its choices."""
    value = field.data or ""
    ids = {str(c.value) for c in field.choices if c.value}
    return int(value) if value in ids else None


def _object_choices(rows, label) -> list[SelectChoice]:
    return [SelectChoice("", "Все"), *(SelectChoice(str(r.id), label(r)) for r in rows)]


class _SurnameFilter(FilterForm):
    q = StringField("Фамилия ребёнка", validators=[Length(max=lists.QUERY_MAX)],
                    description="Начало фамилии, например «Иван»")


class RequestFilterForm(_SurnameFilter):
    status = SelectField("Заявки", default=str(RequestStatus.PENDING), validate_choice=False,
                         choices=REQUEST_STATUSES)
    program = SelectField("Программа", default="", validate_choice=False, choices=[])
    group = SelectField("Группа", default="", validate_choice=False, choices=[])
    created_from = DateField("Поданы с", validators=[Optional()])
    created_to = DateField("по", validators=[Optional()])

    def offer(self, programs, groups) -> RequestFilterForm:
        self.program.choices = _object_choices(programs, lambda p: p.title)
        self.group.choices = _object_choices(groups, lambda g: f"{g.name} ({g.program.title})")
        return self

    def request_filter(self) -> lists.RequestFilter:
        self.validate()  # bad dates are shown beside their fields and ignored
        return lists.RequestFilter(
            status=_choice(self.status, {c.value for c in REQUEST_STATUSES},
                           str(RequestStatus.PENDING)),
            program_id=_picked_id(self.program), group_id=_picked_id(self.group),
            surname="" if self.q.errors else (self.q.data or ""),
            created_from=None if self.created_from.errors else self.created_from.data,
            created_to=None if self.created_to.errors else self.created_to.data)


class ContractFilterForm(_SurnameFilter):
    status = SelectField("Статус", default=lists.ALL, validate_choice=False,
                         choices=CONTRACT_STATUSES)
    program = SelectField("Программа", default="", validate_choice=False, choices=[])
    group = SelectField("Группа", default="", validate_choice=False, choices=[])

    def offer(self, programs, groups) -> ContractFilterForm:
        self.program.choices = _object_choices(programs, lambda p: p.title)
        self.group.choices = _object_choices(groups, lambda g: f"{g.name} ({g.program.title})")
        return self

    def contract_filter(self) -> lists.ContractFilter:
        self.validate()
        return lists.ContractFilter(
            status=_choice(self.status, {c.value for c in CONTRACT_STATUSES}, lists.ALL),
            program_id=_picked_id(self.program), group_id=_picked_id(self.group),
            surname="" if self.q.errors else (self.q.data or ""))


def month_problem(text: str) -> tuple[date | None, str | None]:
    """A month typed as «гггг-мм» (a month picker) or «мм.гггг»."""
    text = fold(text).strip()
    match = _MONTH.match(text) or re.match(r"^([0-9]{1,2})\.([0-9]{4})$", text)
    if not match:
        return None, "Месяц в формате гггг-мм, например 2026-09"
    first, second = match.groups()
    year, month = (int(first), int(second)) if len(first) == 4 else (int(second), int(first))
    if not 1 <= month <= 12:
        return None, f"Такого месяца нет: месяц — от 1 до 12, указан {month}"
    if not 1900 <= year <= 2100:
        return None, f"Проверьте год: {year}; год — от 1900 до 2100"
    return date(year, month, 1), None


class CoordinatorContractFilterForm(_SurnameFilter):
    status = SelectField("Статус", default=lists.ALL, validate_choice=False,
                         choices=CONTRACT_STATUSES)
    provider = SelectField("Поставщик", default="", validate_choice=False, choices=[])
    program = SelectField("Программа", default="", validate_choice=False, choices=[])
    month = StringField("Действует в месяце", render_kw={"type": "month"},
                        description="Договоры, по которым идут занятия в этом месяце")

    def offer(self, providers, programs) -> CoordinatorContractFilterForm:
        self.provider.choices = _object_choices(providers, lambda p: p.display_name)
        self.program.choices = _object_choices(programs, lambda p: p.title)
        return self

    def month_value(self) -> date | None:
        if not (self.month.data or "").strip():
            return None
        month, problem = month_problem(self.month.data)
        if problem:
            self.month.errors = [problem]
        return month

    def contract_filter(self) -> lists.ContractFilter:
        self.validate()
        return lists.ContractFilter(
            status=_choice(self.status, {c.value for c in CONTRACT_STATUSES}, lists.ALL),
            provider_id=_picked_id(self.provider), program_id=_picked_id(self.program),
            surname="" if self.q.errors else (self.q.data or ""), month=self.month_value())


def month_label(month: date) -> str:
    return f"{month_name(month)} {month.year}"


def _reason(label: str, message: str, description: str) -> TextAreaField:
    return TextAreaField(label, [required(message), Length(max=REASON_MAX)],
                         description=description, render_kw={"rows": 3})


class RejectRequestForm(BaseForm):
    reason = _reason("Причина отказа", "Укажите причину отказа: её прочитает семья",
                     "Её прочитает семья: например, «нет мест в это время» или «группа "
                     "для другого уровня подготовки».")


class TerminateForm(BaseForm):
    reason = _reason("Причина расторжения", "Укажите причину расторжения",
                     "Её прочитает семья. Договор закончится в последний день этого месяца.")


class DisbandForm(BaseForm):
    reason = _reason("Причина", "Укажите, почему группа расформирована",
                     "Её прочитают все семьи группы: ученики, ждущие ответа на оферту или "
                     "заявку и стоящие в очереди.")
