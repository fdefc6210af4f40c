from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

from wtforms import EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from pfdo.forms import BaseForm, IntegerField, required
from pfdo.russian import timezone_label

RUSSIAN_ZONES = sorted(
    z for z in available_timezones()
    if z.startswith(("Europe/", "Asia/")) and z.split("/")[1] in {
        "Kaliningrad", "Moscow", "Simferopol", "Volgograd", "Kirov", "Astrakhan", "Samara",
        "Saratov", "Ulyanovsk", "Yekaterinburg", "Omsk", "Novosibirsk", "Barnaul", "Tomsk",
        "Novokuznetsk", "Krasnoyarsk", "Irkutsk", "Chita", "Yakutsk", "Khandyga",
        "Vladivostok", "Ust-Nera", "Magadan", "Sakhalin", "Srednekolymsk", "Kamchatka", "Anadyr",
    }
)


def timezone_choices() -> list[SelectChoice]:
    """Russia's zones by their offset, then city: «Калининград (МСК−1, UTC+2)» … «Анадырь …»."""
    zones = sorted(RUSSIAN_ZONES, key=lambda z: (ZoneInfo(z).utcoffset(datetime(2026, 1, 1)),
                                                 timezone_label(z)))
    return [SelectChoice(zone, timezone_label(zone)) for zone in zones]


class MunicipalityForm(BaseForm):
    name = StringField("Название муниципалитета", [required(), Length(max=200)])
    region_name = StringField("Субъект Российской Федерации", [required(), Length(max=200)])
    region_code = StringField("Код региона (2 цифры)", [required()])
    municipality_code = StringField("Код муниципалитета (2 цифры)", [required()])
    timezone = SelectField("Часовой пояс", choices=timezone_choices)
    hotline_phone = StringField(
        "Телефон горячей линии", [required(), Length(max=40)],
        description="С кодом города в скобках, например +7 (42663) 2-14-35: с этим кодом на "
                    "сайте показаны и телефоны поставщиков района")
    hotline_hours = StringField("Часы работы горячей линии", [required(), Length(max=200)])
    coordinator_name = StringField("Уполномоченный орган (координатор)", [Length(max=300)])
    address = StringField("Адрес", [Length(max=300)])
    email = EmailField("Электронная почта для обращений", [Optional(), Length(max=254)])
    child_population = IntegerField(
        "Число детей 5–18 лет в муниципалитете",
        [Optional(), NumberRange(min=0, message="Не может быть отрицательным")],
    )
