"""The navigator's GET forms: the catalogue's filters and the choice of a child on a program
page. No CSRF (they change nothing); a value that cannot be read is shown beside its field and
ignored, so a mistyped shared link still opens."""

from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import html_params

from pfdo.forms import FilterForm
from pfdo.identifiers import IdentifierError, whole_number
from pfdo.money import parse_rub
from pfdo.navigator import organisations
from pfdo.navigator.services import ProgramFilter, Sort
from pfdo.periods.models import DIRECTION_LABELS
from pfdo.programs.models import WEEKDAY_LABELS, Funding
from pfdo.providers.models import OWNERSHIP_LABELS

MIN_AGE, MAX_AGE = 5, 17

FUNDING_CHOICES = [
    SelectChoice("", "Любое"),
    SelectChoice(Funding.MUNICIPAL.value, "Бесплатно"),
    SelectChoice(Funding.CERTIFIED.value, "По сертификату"),
]

SORT_CHOICES = [
    SelectChoice(Sort.RELEVANCE, "по соответствию запросу"),
    SelectChoice(Sort.PRICE, "сначала дешевле"),
    SelectChoice(Sort.RATING, "по рейтингу"),
    SelectChoice(Sort.SEATS, "больше свободных мест"),
]


def _age(form, field):
    text = (field.data or "").strip()
    if not text:
        return
    try:
        whole_number(text, minimum=MIN_AGE, maximum=MAX_AGE)
    except IdentifierError as error:
        raise ValidationError(f"Возраст — целое число от {MIN_AGE} до {MAX_AGE}") from error


def _price(form, field):
    text = (field.data or "").strip()
    if not text:
        return
    try:
        value = parse_rub(text)
    except ValueError as error:
        raise ValidationError("Сумма в рублях, например 3000") from error
    if value < 0:
        raise ValidationError("Сумма не может быть отрицательной")


def known_choice(message: str = "Такого значения нет в списке — фильтр не применён"):
    """A select whose value is not among its options (a stale shared link): say so, ignore it."""

    def validate(form, field):
        if field.data and field.data not in {str(c[0]) for c in field.iter_choices_values()}:
            raise ValidationError(message)

    return validate


_known_choice = known_choice()


_OPTION = Markup('<option value="{}">{}</option>')


@lru_cache(maxsize=64)
def _options(pairs: tuple[tuple[str, str], ...]) -> Markup:
    """The options of a list, none selected, written once per list (the districts' list is
    the same for every request until the catalogue changes)."""
    return Markup("").join(_OPTION.format(value, label) for value, label in pairs)


def _fast_select(field, **kwargs) -> Markup:
    """A <select> whose options are written in one pass and kept: a regional catalogue lists
    a hundred districts, and WTForms' per-option rendering costs more than the search itself.
    Markup.format escapes every value and label (district names are typed by providers); the
    chosen option is marked in the kept text by its escaped value."""
    kwargs.setdefault("id", field.id)
    chosen = str(field.data) if field.data is not None else ""
    options = _options(tuple((str(value), str(label))
                             for value, label in field.iter_choices_values()))
    plain = Markup('<option value="{}">').format(chosen)
    if chosen and plain in options:
        options = options.replace(plain, Markup('<option selected value="{}">').format(chosen),
                                  1)
    # html_params escapes the attribute values itself, as WTForms' own Select widget relies on
    attributes = Markup(html_params(name=field.name, **kwargs))  # noqa: S704
    return Markup("<select {}>{}</select>").format(attributes, options)


class _Select(SelectField):
    widget = staticmethod(_fast_select)

    def iter_choices_values(self):
        for choice in self.choices or []:
            yield (choice.value, choice.label) if isinstance(choice, SelectChoice) else choice

    def pre_validate(self, form):  # validated by _known_choice, with a Russian message
        pass


class ProgramFilterForm(FilterForm):
    q = StringField("Что ищем", validators=[Optional(), Length(max=200)],
                    description="Например: робототехника, плавание, рисование")
    direction = _Select("Направленность", validators=[_known_choice], choices=[
        SelectChoice("", "Все"),
        *(SelectChoice(str(d), label.capitalize()) for d, label in DIRECTION_LABELS.items())])
    age = StringField("Возраст ребёнка", validators=[_age],
                      render_kw={"inputmode": "numeric", "maxlength": 2})
    district = _Select("Район", validators=[_known_choice])
    funding = _Select("Оплата", validators=[_known_choice], choices=FUNDING_CHOICES)
    weekday = _Select("День недели", validators=[_known_choice], choices=[
        SelectChoice("", "Любой"),
        *(SelectChoice(str(n), label.capitalize()) for n, label in enumerate(WEEKDAY_LABELS))])
    max_price = StringField("Цена в месяц до,\u00a0₽", validators=[_price],
                            render_kw={"inputmode": "decimal"})
    free_seats = BooleanField("Только со свободными местами")
    org = StringField("Организация", validators=[Length(max=200)],
                      description="Начните вводить название — появятся подсказки",
                      render_kw={"list": "org-options", "autocomplete": "off"})
    sort = _Select("Сортировка", validators=[_known_choice], choices=SORT_CHOICES)

    def __init__(self, formdata, *, districts: list[str], providers: list, **kwargs):
        super().__init__(formdata, **kwargs)
        self.district.choices = [SelectChoice("", "Все"),
                                 *(SelectChoice(d, d) for d in districts)]
        self._providers = providers
        legacy = (formdata.get("provider") or "") if formdata is not None else ""
        if legacy and not (self.org.data or "").strip():  # an older link: ?provider=12
            self.org.data = organisations.name_of(legacy.strip(), providers) or legacy
        #: the providers the «Организация» text finds (filled by validation)
        self.provider_ids: tuple[int, ...] = ()

    def validate_org(self, field):
        text = (field.data or "").strip()
        if not text:
            return
        self.provider_ids = tuple(organisations.matching(text, self._providers))
        if not self.provider_ids:
            raise ValidationError("В реестре нет организации с таким названием — фильтр "
                                  "не применён")

    def _ok(self, field) -> str:
        return "" if field.errors else (field.data or "").strip()

    def to_filter(self) -> ProgramFilter:
        """The filter from the values that could be read; the others are left out."""
        age = self._ok(self.age)
        price = self._ok(self.max_price)
        weekday = self._ok(self.weekday)
        return ProgramFilter(
            q=self._ok(self.q), direction=self._ok(self.direction),
            age=whole_number(age, minimum=MIN_AGE, maximum=MAX_AGE) if age else None,
            district=self._ok(self.district),
            funding=self._ok(self.funding), weekday=int(weekday) if weekday else None,
            max_price=parse_rub(price) if price else None,
            free_seats=bool(self.free_seats.data),
            provider_ids=self.provider_ids if self._ok(self.org) else None,
            sort=self._ok(self.sort))


class ChildChoiceForm(FilterForm):
    child = _Select("Ребёнок", validators=[known_choice("Выберите ребёнка из списка")])

    def __init__(self, formdata, *, children: list, **kwargs):
        super().__init__(formdata, **kwargs)
        self.child.choices = [SelectChoice("", "Выберите ребёнка"),
                              *(SelectChoice(str(c.id), f"{c.first_name} {c.last_name}")
                                for c in children)]


class RegistryFilterForm(FilterForm):
    q = StringField("Поиск", description="Название организации или ИНН")
    ownership = SelectField("Кто", validate_choice=False,
                            choices=[SelectChoice("", "Все поставщики")] + [
                                SelectChoice(key, label.capitalize())
                                for key, label in OWNERSHIP_LABELS.items()])

    @property
    def ownership_value(self) -> str:
        value = self.ownership.data or ""
        return value if value in OWNERSHIP_LABELS else ""
