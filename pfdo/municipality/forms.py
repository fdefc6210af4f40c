from __future__ import annotations

from zoneinfo import available_timezones

from wtforms import EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from pfdo.forms import BaseForm, IntegerField, required

RUSSIAN_ZONES = sorted(
    z for z in available_timezones()
    if z.startswith(("Europe/", "Asia/")) and z.split("/")[1] in {
        "Kaliningrad", "Moscow", "Simferopol", "Volgograd", "Kirov", "Astrakhan", "Samara",
        "Saratov", "Ulyanovsk", "Yekaterinburg", "Omsk", "Novosibirsk", "Barnaul", "Tomsk",
        "Novokuznetsk", "Krasnoyarsk", "Irkutsk", "Chita", "Yakutsk", "Khandyga",
        "Vladivostok", "Ust-Nera", "Magadan", "Sakhalin", "Srednekolymsk", "Kamchatka", "Anadyr",
    }
)


class MunicipalityForm(BaseForm):
    name = StringField("Название муниципалитета", [required(), Length(max=200)])
    region_name = StringField("Субъект Российской Федерации", [required(), Length(max=200)])
    region_code = StringField("Код региона (2 цифры)", [required()])
    municipality_code = StringField("Код муниципалитета (2 цифры)", [required()])
    timezone = SelectField("Часовой пояс", choices=[SelectChoice(z, z) for z in RUSSIAN_ZONES])
    hotline_phone = StringField("Телефон горячей линии", [required(), Length(max=40)])
    hotline_hours = StringField("Часы работы горячей линии", [required(), Length(max=200)])
    coordinator_name = StringField("Уполномоченный орган (координатор)", [Length(max=300)])
    address = StringField("Адрес", [Length(max=300)])
    email = EmailField("Электронная почта для обращений", [Optional(), Length(max=254)])
    child_population = IntegerField(
        "Число детей 5–18 лет в муниципалитете",
        [Optional(), NumberRange(min=0, message="Не может быть отрицательным")],
    )
