"""Program and group forms, the moderation filters and the return form.

The forms parse what was typed; the rules (ages 5–17, dates, prices, the schedule) come from
programs.services, the same ones the services apply, and are shown beside their fields."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, StopValidation, ValidationError

from pfdo.forms import BaseForm, DateField, FilterForm, IntegerField, parse_error, required
from pfdo.identifiers import is_ascii_digits
from pfdo.money import format_rub, parse_rub
from pfdo.periods.models import DIRECTION_LABELS, Direction
from pfdo.programs import groups, queue, services
from pfdo.programs.models import (
    ADDRESS_MAX,
    DESCRIPTION_MAX,
    DISTRICT_MAX,
    GROUP_NAME_MAX,
    PROGRAM_STATUS_LABELS,
    REMARKS_MAX,
    TEACHER_MAX,
    TITLE_MAX,
    WEEKDAY_LABELS,
    Funding,
    Group,
    Program,
    ProgramRevision,
    ProgramStatus,
    RevisionGroup,
)

#: the funding choices as the provider reads them
FUNDING_CHOICES = [
    SelectChoice(str(Funding.CERTIFIED), "по сертификату ПФ"),
    SelectChoice(str(Funding.MUNICIPAL), "бесплатно, муниципальное задание"),
]
DIRECTION_CHOICES = [SelectChoice("", "— выберите —"),
                     *(SelectChoice(str(d), label.capitalize())
                       for d, label in DIRECTION_LABELS.items())]
SCHEDULE_ROWS = (1, 2, 3, 4, 5)
DATE_FORMAT = "Дата в формате дд.мм.гггг"
TIME_FORMAT = "Время в формате чч:мм, например 15:30"


def _parsed(empty: str, invalid: str):
    """A number, date or time that must be given: one clear Russian message instead of
    WTForms' own pair, whether the input is empty or malformed."""

    def validate(form, field):
        if field.data is None:
            raw = (field.raw_data or [""])[0] if field.raw_data else ""
            problem = parse_error(field) or (invalid if str(raw).strip() else empty)
            field.errors[:] = []
            raise StopValidation(problem)

    validate.field_flags = {"required": True}
    return validate


def _optional_time(form, field):
    if field.data is None:
        field.errors[:] = []
        raise StopValidation(TIME_FORMAT)


def _length(limit: int) -> Length:
    """At most `limit` characters, refused beside the field (the column is no longer)."""
    return Length(max=limit, message=services.too_long(limit))


def _int(label: str, empty: str, *, minimum: int, maximum: int, description: str = ""):
    return IntegerField(label, [_parsed(empty, "Введите целое число")], description=description,
                        render_kw={"min": minimum, "max": maximum, "inputmode": "numeric"})


def _rub_text(kopecks: int | None) -> str:
    """An amount as the form shows it: «2 500,00» (no currency sign, ordinary spaces)."""
    if kopecks is None:
        return ""
    return format_rub(kopecks).replace("₽", "").replace("\u00a0", " ").strip()


def _merge(form, problems: dict[str, str]) -> bool:
    """Put the services' problems beside fields that have no error yet; True if none."""
    ok = True
    for name, message in problems.items():
        target = getattr(form, name, None)
        if name == "schedule":
            form.schedule_errors.append(message)
            ok = False
        elif target is not None and not target.errors:
            target.errors = [*target.errors, message]
            ok = False
        elif target is not None:
            ok = False
    return ok


class ProgramForm(BaseForm):
    title = StringField("Название программы", [required("Укажите название программы"),
                                               _length(TITLE_MAX)])
    direction = SelectField("Направленность", [required("Выберите направленность")],
                            choices=DIRECTION_CHOICES)
    description = TextAreaField("Описание", [required("Опишите программу: чему научится "
                                                      "ребёнок"), _length(DESCRIPTION_MAX)],
                                description="Чему научится ребёнок, как проходят занятия, что "
                                            f"взять с собой. До {DESCRIPTION_MAX} символов",
                                render_kw={"rows": 5})
    age_from = _int("Возраст детей: с (лет)", "Укажите возраст «с»", minimum=5, maximum=17)
    age_to = _int("по (лет включительно)", "Укажите возраст «по»", minimum=5, maximum=17)
    months = _int("Продолжительность, месяцев", "Укажите продолжительность", minimum=1,
                  maximum=36, description="От 1 до 36; учебный год — 9 месяцев")
    hours_per_week = _int("Часов в неделю", "Укажите часы в неделю", minimum=1, maximum=20,
                          description="Академических часов на одного ребёнка, от 1 до 20")
    funding = RadioField("Финансирование", [required("Выберите, как оплачивается программа")],
                         choices=FUNDING_CHOICES, default=str(Funding.CERTIFIED))
    district = StringField("Район", [required("Укажите район"), _length(DISTRICT_MAX)],
                           description="Выберите из подсказок или впишите свой",
                           render_kw={"list": "districts", "autocomplete": "off"})
    address = StringField("Адрес занятий", [required("Укажите адрес занятий"),
                                            _length(ADDRESS_MAX)])
    teacher = StringField("Педагог", [required("Укажите педагога"), _length(TEACHER_MAX)],
                          description="Фамилия, имя, отчество; несколько — через запятую")
    document = FileField("Документ программы (PDF)",
                         description="Учебно-тематический план, PDF до 10 МБ. Можно приложить "
                                     "позже, но до отправки на модерацию",
                         render_kw={"accept": ".pdf,application/pdf"})

    def program_data(self) -> services.ProgramData:
        """The command for programs.services (call after validate())."""
        return services.ProgramData(
            title=(self.title.data or "").strip(), direction=self.direction.data or "",
            description=(self.description.data or "").strip(), age_from=self.age_from.data,
            age_to=self.age_to.data, months=self.months.data,
            hours_per_week=self.hours_per_week.data, funding=self.funding.data or "",
            district=(self.district.data or "").strip(),
            address=(self.address.data or "").strip(), teacher=(self.teacher.data or "").strip())

    def validate(self, extra_validators=None) -> bool:
        self.schedule_errors: list[str] = []
        ok = super().validate(extra_validators)
        return _merge(self, services.program_problems(self.program_data())) and ok

    @classmethod
    def for_program(cls, content: Program | ProgramRevision) -> ProgramForm:
        """The form filled from the program, or from its open revision."""
        return cls(formdata=None, **{name: getattr(content, name)
                                     for name in services.PROGRAM_FIELDS})


class GroupForm(BaseForm):
    name = StringField("Название группы", [required("Укажите название группы, например "
                                                    "«Группа 1»"), _length(GROUP_NAME_MAX)])
    capacity = _int("Мест в группе", "Укажите число мест", minimum=1, maximum=200)
    starts_on = DateField("Начало занятий", [_parsed("Укажите дату начала занятий",
                                                     DATE_FORMAT)])
    ends_on = DateField("Окончание занятий", [_parsed("Укажите дату окончания занятий",
                                                      DATE_FORMAT)])
    price = StringField("Цена в месяц, ₽", [required("Укажите цену в месяц")],
                        render_kw={"inputmode": "decimal"})

    def __init__(self, *args, program: Program | ProgramRevision, group: Group | None = None,
                 **kwargs):
        """`program` is the content the group belongs to (a revision has its own funding),
        `group` the live group being changed (its seats taken bound the capacity)."""
        super().__init__(*args, **kwargs)
        self.program = program
        self.group = group
        #: problems of the schedule as a whole, shown above its rows
        self.schedule_errors: list[str] = []
        if program.is_free:
            self.price.description = "Программа бесплатная (муниципальное задание): цена 0 ₽"
        else:
            self.price.description = ("Сколько стоит месяц занятий; если цена выше нормативной "
                                      "стоимости, разницу доплачивает семья")

    def validate_price(self, field):
        try:
            kopecks = parse_rub(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from error
        if kopecks < 0:
            raise ValidationError("Цена не может быть отрицательной")

    def price_kopecks(self) -> int | None:
        if self.price.errors:
            return None
        try:
            return parse_rub(self.price.data or "")
        except ValueError:
            return None

    def schedule_rows(self):
        """[(weekday, starts_at, ends_at)] fields of the schedule rows."""
        return [(self[f"day{i}"], self[f"start{i}"], self[f"end{i}"]) for i in SCHEDULE_ROWS]

    def sessions(self) -> list[services.SessionData]:
        """The complete, readable rows of the schedule (a day among the choices)."""
        return [services.SessionData(int(day.data), start.data, end.data)
                for day, start, end in self.schedule_rows()
                if day.data in _DAY_VALUES and start.data and end.data
                and not (day.errors or start.errors or end.errors)]

    def group_data(self) -> services.GroupData:
        """The command for programs.services (call after validate())."""
        return services.GroupData(
            name=(self.name.data or "").strip(), capacity=self.capacity.data,
            starts_on=self.starts_on.data, ends_on=self.ends_on.data,
            price_per_month=self.price_kopecks(), sessions=self.sessions())

    def validate(self, extra_validators=None) -> bool:
        self.schedule_errors = []
        ok = super().validate(extra_validators)
        rows_ok = True
        for day, start, end in self.schedule_rows():
            given = [f for f in (day, start, end) if str((f.raw_data or [""])[0] or "").strip()]
            if given and len(given) < 3:
                for f in (day, start, end):
                    if f not in given:
                        f.errors = [*f.errors, "Укажите день, начало и окончание занятия"]
                rows_ok = False
            elif any(f.errors for f in (day, start, end)):
                rows_ok = False
        problems = groups.group_problems(self.program, self.group_data(), self.group)
        if not rows_ok:
            problems.pop("schedule", None)  # the rows' own messages say what to fix
        return _merge(self, problems) and ok and rows_ok

    @classmethod
    def for_group(cls, source: Group | RevisionGroup, *, program: Program | ProgramRevision,
                  group: Group | None) -> GroupForm:
        """The form filled from the group, or from its row in the open revision."""
        values = {"name": source.name, "capacity": source.capacity,
                  "starts_on": source.starts_on, "ends_on": source.ends_on,
                  "price": _rub_text(source.price_per_month)}
        for i, s in zip(SCHEDULE_ROWS, source.sessions, strict=False):
            values.update({f"day{i}": str(s.weekday), f"start{i}": s.starts_at,
                           f"end{i}": s.ends_at})
        return cls(formdata=None, program=program, group=group, **values)

    @classmethod
    def for_new(cls, program: Program | ProgramRevision) -> GroupForm:
        n = len(program.groups) + 1
        return cls(formdata=None, program=program, name=f"Группа {n}",
                   price="0" if program.is_free else "")


_DAY_CHOICES = [SelectChoice("", "—"),
                *(SelectChoice(str(i), label.capitalize())
                  for i, label in enumerate(WEEKDAY_LABELS))]
_DAY_VALUES = frozenset(str(i) for i in range(len(WEEKDAY_LABELS)))


def _blank_is_empty(value):
    """A day of spaces is no day (then the row asks for one), not a value to parse."""
    return value.strip() if isinstance(value, str) else value


for _i in SCHEDULE_ROWS:
    setattr(GroupForm, f"day{_i}", SelectField("День недели", [Optional()],
                                               choices=_DAY_CHOICES,
                                               filters=[_blank_is_empty]))
    setattr(GroupForm, f"start{_i}", TimeField("Начало", [Optional(), _optional_time],
                                               format="%H:%M"))
    setattr(GroupForm, f"end{_i}", TimeField("Окончание", [Optional(), _optional_time],
                                             format="%H:%M"))


class ReturnForm(BaseForm):
    remarks = TextAreaField("Замечания", [required("Напишите замечания: что поставщику "
                                                   "исправить"), _length(REMARKS_MAX)],
                            description="Их прочитает поставщик: что исправить в программе "
                                        "или в группах",
                            render_kw={"rows": 4})


class _SeenEdits:
    #: the revision's count of changes when the coordinator's page was rendered
    edits = HiddenField()

    def seen_edits(self) -> int | None:
        value = (self.edits.data or "").strip()
        return int(value) if is_ascii_digits(value) and len(value) < 9 else None


class RevisionPublishForm(_SeenEdits, BaseForm):
    """Publish the revision the coordinator saw (and only that one)."""


class RevisionReturnForm(_SeenEdits, ReturnForm):
    """Return the revision the coordinator saw, with remarks."""


class ModerationFilterForm(FilterForm):
    status = SelectField("Статус", default=str(ProgramStatus.SUBMITTED), validate_choice=False,
                         choices=[*(SelectChoice(str(s), label.capitalize())
                                    for s, label in PROGRAM_STATUS_LABELS.items()),
                                  SelectChoice(queue.ALL, "Все")])
    direction = SelectField("Направленность", default="", validate_choice=False,
                            choices=[SelectChoice("", "Все"),
                                     *(SelectChoice(str(d), label.capitalize())
                                       for d, label in DIRECTION_LABELS.items())])
    q = StringField("Поиск", description="Слова из названия программы или поставщика")

    def moderation_filter(self) -> queue.ModerationFilter:
        status = self.status.data or str(ProgramStatus.SUBMITTED)
        if status != queue.ALL and status not in {str(s) for s in ProgramStatus}:
            status = str(ProgramStatus.SUBMITTED)
        direction = self.direction.data or ""
        if direction not in {str(d) for d in Direction}:
            direction = ""
        return queue.ModerationFilter(status=status, direction=direction,
                                         query=(self.q.data or "")[:100])
