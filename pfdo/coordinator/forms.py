"""The coordinator's forms: the queue's filters, the decisions, the financing period."""

from __future__ import annotations

from datetime import date

from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, StopValidation, ValidationError

from pfdo.certificates.applications import ApplicationFilter
from pfdo.certificates.models import APPLICATION_STATUS_LABELS, ApplicationStatus
from pfdo.forms import BaseForm, DateField, FilterForm, IntegerField, parse_error, required
from pfdo.money import format_rub, parse_rub
from pfdo.periods.models import DIRECTION_LABELS, Direction, FinancingPeriod
from pfdo.periods.services import Band, PeriodData

#: the filter's value for "every status"
ALL = "all"
BAND_ROWS = (1, 2, 3)


class ApplicationFilterForm(FilterForm):
    status = SelectField("Статус", default=ApplicationStatus.SUBMITTED, validate_choice=False,
                         choices=[*(SelectChoice(str(s), label.capitalize())
                                    for s, label in APPLICATION_STATUS_LABELS.items()),
                                  SelectChoice(ALL, "Все")])
    q = StringField("Поиск", description="Фамилия ребёнка, СНИЛС или номер сертификата")
    date_from = DateField("Подано с", validators=[Optional()])
    date_to = DateField("по", validators=[Optional()])

    @property
    def status_value(self) -> str:
        """The status to filter by; "" for every status."""
        value = self.status.data or ApplicationStatus.SUBMITTED
        if value == ALL:
            return ""
        return value if value in {str(s) for s in ApplicationStatus} else \
            ApplicationStatus.SUBMITTED

    def application_filter(self) -> ApplicationFilter:
        """The filter the form asks for, after validate(): a date it could not read is left
        out (and shown beside its field)."""
        return ApplicationFilter(
            status=self.status_value, query=self.q.data or "",
            date_from=None if self.date_from.errors else self.date_from.data,
            date_to=None if self.date_to.errors else self.date_to.data)


class RefusalForm(BaseForm):
    reason = TextAreaField("Причина отказа", [required("Напишите причину отказа: её прочитает "
                                                       "родитель"), Length(max=500)],
                           description="Её прочитает родитель: напишите, что исправить "
                                       "или какие документы принести.",
                           render_kw={"rows": 4})


# --- The financing period -------------------------------------------------------------------

def _rubles(*, optional: bool = False, positive: bool = False):
    """An amount in rubles typed by a person: parsed by pfdo.money, refused in Russian."""

    def validate(form, field):
        text = (field.data or "").strip()
        if not text:
            if optional:
                return
            raise ValidationError("Укажите сумму в рублях")
        try:
            kopecks = parse_rub(text)
        except ValueError as error:
            raise ValidationError(str(error)) from error
        if kopecks < 0:
            raise ValidationError("Сумма не может быть отрицательной")
        if positive and kopecks == 0:
            raise ValidationError("Сумма должна быть больше нуля")

    if not optional:
        validate.field_flags = {"required": True}
    return validate


def _kopecks(field) -> int:
    text = (field.data or "").strip()
    return parse_rub(text) if text else 0


def _rub_text(kopecks: int | None) -> str:
    """An amount as the form shows it: «17 456,00» (no currency sign, ordinary spaces)."""
    if kopecks is None:
        return ""
    return format_rub(kopecks).replace("₽", "").replace("\u00a0", " ").strip()


def _filled(message: str, *, invalid: str):
    """Required for a number or a date: one clear Russian message instead of WTForms' pair
    («Not a valid value» + «required») when the input is empty or malformed."""

    def validate(form, field):
        raw = (field.raw_data or [""])[0] if field.raw_data is not None else ""
        if field.data is None:
            problem = parse_error(field) or (invalid if str(raw).strip() else message)
            field.errors[:] = []
            raise StopValidation(problem)

    validate.field_flags = {"required": True}
    return validate


DATE_FORMAT = "Дата в формате дд.мм.гггг"


def _whole(label: str, *, minimum: int = 0, message: str = "Не может быть отрицательным"):
    return IntegerField(label, [_filled("Заполните это поле", invalid="Введите целое число"),
                                NumberRange(min=minimum, message=message)],
                        render_kw={"min": minimum})


class PeriodForm(BaseForm):
    title = StringField("Название", [required("Укажите название, например «2027 год»"),
                                     Length(max=100)])
    starts_on = DateField("Начало", [_filled("Укажите дату начала", invalid=DATE_FORMAT)])
    ends_on = DateField("Окончание", [_filled("Укажите дату окончания", invalid=DATE_FORMAT)])
    nominal = StringField("Номинал сертификата, ₽", [_rubles(positive=True)],
                          description="Для детей вне возрастных групп ниже",
                          render_kw={"inputmode": "decimal"})
    quota = _whole("Число сертификатов ПФ (квота)")
    budget = StringField("Бюджет периода, ₽", [_rubles()],
                         description="Номинал × квота не может быть больше бюджета",
                         render_kw={"inputmode": "decimal"})
    free_program_limit = IntegerField(
        "Бесплатных программ на сертификат учёта", [Optional(), NumberRange(
            min=0, message="Не может быть отрицательным")],
        description="Сколько программ муниципального задания ребёнок может посещать "
                    "одновременно; 0 — без ограничения",
        render_kw={"min": 0})
    provider_answer_days = _whole("Срок ответа поставщика на заявку, рабочих дней", minimum=1,
                                  message="Не меньше одного дня")
    offer_accept_days = _whole("Срок принятия оферты родителем, рабочих дней", minimum=1,
                               message="Не меньше одного дня")
    report_due_day = IntegerField(
        "Отчёт за месяц — до какого числа следующего месяца",
        [_filled("Укажите число от 1 до 28", invalid="Введите целое число"),
         NumberRange(min=1, max=28, message="Число от 1 до 28: такое есть в любом месяце")],
        description="Поставщики отправляют отчёт об оказанных услугах и счёт за месяц до "
                    "этого числа следующего месяца",
        render_kw={"min": 1, "max": 28})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: refusals about the bands as a whole (overlap), shown above their fieldset
        self.band_errors: list[str] = []

    def band_rows(self):
        """[(age_from, age_to, nominal)] fields of the three optional age bands."""
        return [(self[f"band{i}_from"], self[f"band{i}_to"], self[f"band{i}_nominal"])
                for i in BAND_ROWS]

    def cost_fields(self):
        return [(direction, self[f"cost_{direction}"]) for direction in Direction]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for age_from, age_to, nominal in self.band_rows():
            filled = [f for f in (age_from, age_to, nominal)
                      if f.data not in (None, "") and not f.errors]
            if filled and len(filled) < 3:
                for f in (age_from, age_to, nominal):
                    if f.data in (None, "") and not f.errors:
                        f.errors = [*f.errors, "Заполните возраст «с», «по» и номинал группы"]
                ok = False
        return ok

    def period_data(self) -> PeriodData:
        """The command for periods.services.save_period (call after validate())."""
        bands = [Band(age_from=f.data, age_to=t.data, nominal=_kopecks(n))
                 for f, t, n in self.band_rows() if f.data is not None]
        costs = {str(d): _kopecks(field) for d, field in self.cost_fields()
                 if (field.data or "").strip()}
        return PeriodData(
            title=(self.title.data or "").strip(), starts_on=self.starts_on.data,
            ends_on=self.ends_on.data, nominal=_kopecks(self.nominal),
            quota=self.quota.data or 0, budget=_kopecks(self.budget),
            free_program_limit=self.free_program_limit.data or 0,
            provider_answer_days=self.provider_answer_days.data or 0,
            offer_accept_days=self.offer_accept_days.data or 0,
            report_due_day=self.report_due_day.data or 0,
            bands=bands, hour_costs=costs)

    @classmethod
    def for_new(cls, today: date) -> PeriodForm:
        """A blank form for the next calendar year."""
        year = today.year + 1
        return cls(title=f"{year} год", starts_on=date(year, 1, 1), ends_on=date(year, 12, 31),
                   free_program_limit=3, provider_answer_days=5, offer_accept_days=5,
                   report_due_day=5)

    @classmethod
    def for_period(cls, period: FinancingPeriod) -> PeriodForm:
        values = {
            "title": period.title, "starts_on": period.starts_on, "ends_on": period.ends_on,
            "nominal": _rub_text(period.nominal), "quota": period.quota,
            "budget": _rub_text(period.budget), "free_program_limit": period.free_program_limit,
            "provider_answer_days": period.provider_answer_days,
            "offer_accept_days": period.offer_accept_days,
            "report_due_day": period.report_due_day,
        }
        for i, band in zip(BAND_ROWS, period.bands, strict=False):
            values.update({f"band{i}_from": band.age_from, f"band{i}_to": band.age_to,
                           f"band{i}_nominal": _rub_text(band.nominal)})
        for cost in period.hour_costs:
            values[f"cost_{cost.direction}"] = _rub_text(cost.cost)
        return cls(**values)


_AGE = {"min": 5, "max": 17, "inputmode": "numeric"}
for _i in BAND_ROWS:
    setattr(PeriodForm, f"band{_i}_from", IntegerField(
        "Возраст с", [Optional(), NumberRange(min=5, max=17, message="От 5 до 17 лет")],
        render_kw=_AGE))
    setattr(PeriodForm, f"band{_i}_to", IntegerField(
        "по (лет включительно)", [Optional(), NumberRange(min=5, max=17,
                                                          message="От 5 до 17 лет")],
        render_kw=_AGE))
    setattr(PeriodForm, f"band{_i}_nominal", StringField(
        "Номинал, ₽", [_rubles(optional=True, positive=True)],
        render_kw={"inputmode": "decimal"}))
for _direction in Direction:
    setattr(PeriodForm, f"cost_{_direction}", StringField(
        DIRECTION_LABELS[_direction].capitalize(), [_rubles(optional=True, positive=True)],
        render_kw={"inputmode": "decimal"}))
