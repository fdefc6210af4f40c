"""The active filters of the catalogue in a few words, for the folded filter form on a phone:
«Фильтры: «робот», 7 лет, бесплатно»."""

from __future__ import annotations

from pfdo.formatting import count_with_noun
from pfdo.money import format_rub, parse_rub
from pfdo.navigator.forms import ProgramFilterForm


def _label(field) -> str:
    value = (field.data or "").strip()
    return next((str(label) for choice, label in field.iter_choices_values()
                 if str(choice) == value), "")


def active_filters(form: ProgramFilterForm) -> list[str]:
    """What narrows the list, in the order of the form; values that could not be read (shown
    beside their fields and ignored) are left out. Call it on a validated form. The search
    words and the sort are not here: the words stay in sight above the fold, and the order
    narrows nothing."""
    parts = []

    def ok(field) -> str:
        return "" if field.errors else (field.data or "").strip()

    if ok(form.age):
        parts.append(count_with_noun(int(ok(form.age)), "год", "года", "лет"))
    for field in (form.direction, form.district, form.funding, form.weekday):
        if ok(field):
            label = _label(field)
            parts.append(label if field is form.district else label.lower())
    if ok(form.max_price):
        parts.append(f"до {format_rub(parse_rub(ok(form.max_price)))}")
    if form.free_seats.data:
        parts.append("есть свободные места")
    if ok(form.org):
        parts.append(f"«{ok(form.org)}»")
    return [part for part in parts if part]


def summary_text(form: ProgramFilterForm) -> str:
    parts = active_filters(form)
    return f"Фильтры: {', '.join(parts)}" if parts else "Фильтры не выбраны"
