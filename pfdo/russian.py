"""Russian that reads right: forms agreed with a person's sex, names in grammatical cases,
verbs agreed with a count, hyphenation points, time zones in words.

A basic module (no database, no request): services build messages with it and templates get
the same helpers as Jinja globals and filters (`register`)."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import pyphen
from babel.dates import get_timezone_location
from pytrovich.enums import Case, Gender, NamePart
from pytrovich.maker import PetrovichDeclinationMaker

from pfdo import clock
from pfdo.formatting import count_with_noun, plural

MALE, FEMALE = "male", "female"

CASES = {
    "nominative": Case.NOMINATIVE,  # кто? Ферапонт
    "genitive": Case.GENITIVE,  # кого? Ферапонта
    "dative": Case.DATIVE,  # кому? Ферапонту
    "accusative": Case.ACCUSATIVE,  # кого? Ферапонта
    "instrumental": Case.INSTRUMENTAL,  # кем? Ферапонтом
    "prepositional": Case.PREPOSITIONAL,  # о ком? о Ферапонте
}

#: «Найден 1 пользователь», «Найдена 1 программа», «Найдено 1 заявление»; «Найдены 2 …»,
#: «Найдено 5 …»: the participle agrees with the noun's gender in the singular only.
_FOUND = {"m": "Найден", "f": "Найдена", "n": "Найдено"}

_maker = PetrovichDeclinationMaker()
_hyphenator = pyphen.Pyphen(lang="ru_RU", left=2, right=2)
_SOFT_HYPHEN = "\u00ad"
#: words shorter than this fit any tile and are left whole
_HYPHENATE_FROM = 8
_WORD = re.compile(r"[А-ЯЁа-яё]+")


def _sex(sex) -> str:
    value = str(sex)
    if value not in (MALE, FEMALE):
        raise ValueError(f"unknown sex: {sex!r}")
    return value


def gendered(sex, masculine: str, feminine: str) -> str:
    """The form agreed with the person's sex: «получил» for a boy, «получила» for a girl.

    For people whose sex the system does not know (parents, staff), phrase the text neutrally
    instead: there is no third form here."""
    return masculine if _sex(sex) == MALE else feminine


def inflect_first_name(person, case: str) -> str:
    """The person's first name in a grammatical case, by the petrovich rules for Russian
    anthroponyms and the person's sex: («dative») Ферапонт → Ферапонту, Фаина → Фаине.

    `person` is anything with `first_name` and `sex` (a Child). Names the rules do not
    decline (Айгуль, Мэри) come back unchanged, which is also right in Russian."""
    gender = Gender.MALE if _sex(person.sex) == MALE else Gender.FEMALE
    return _maker.make(NamePart.FIRSTNAME, gender, CASES[case], person.first_name)


def found(count: int, one: str, few: str, many: str, gender: str) -> str:
    """«Найдена 1 программа», «Найдены 2 программы», «Найдено 5 программ».

    `gender` is the noun's grammatical gender: "m", "f" or "n"."""
    verb = plural(count, _FOUND[gender], "Найдены", "Найдено")
    return f"{verb} {count_with_noun(count, one, few, many)}"


@lru_cache(maxsize=4096)
def _hyphenate_word(word: str) -> str:
    return _hyphenator.inserted(word, hyphen=_SOFT_HYPHEN)


def hyphenate(text: str | None) -> str:
    """`text` with soft hyphens at the places where Russian words may be broken
    («Есте\u00adствен\u00adно\u00adна\u00adуч\u00adная»).

    Browsers break a word that does not fit only there, and show the hyphen; `hyphens: auto`
    alone needs the browser's own dictionary, which many (Chromium on Linux) do not have. Parts
    of a hyphenated compound («физкультурно-спортивная») are hyphenated one by one."""
    if not text:
        return ""

    def insert(match: re.Match) -> str:
        word = match.group(0)
        return _hyphenate_word(word) if len(word) >= _HYPHENATE_FROM else word

    return _WORD.sub(insert, str(text))


def timezone_label(zone: str, *, at: datetime | None = None) -> str:
    """«Владивосток (МСК+7, UTC+10)»: the zone's city in Russian (CLDR, through Babel) and its
    offsets from Moscow and UTC, as people in Russia name their time.

    Unknown zones are returned as they are."""
    try:
        tz = ZoneInfo(zone)
    except (KeyError, ValueError):
        return zone
    moment = (at or clock.now()).astimezone(tz)
    offset = tz.utcoffset(moment.replace(tzinfo=None))
    moscow = ZoneInfo("Europe/Moscow").utcoffset(moment.replace(tzinfo=None))
    city = get_timezone_location(zone, locale="ru_RU", return_city=True)
    return f"{city} ({_offset('МСК', offset - moscow, zero='МСК')}, {_offset('UTC', offset)})"


def _offset(base: str, delta, *, zero: str | None = None) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes == 0:
        return zero or base
    sign = "+" if minutes > 0 else "\u2212"
    hours, rest = divmod(abs(minutes), 60)
    return f"{base}{sign}{hours}" + (f":{rest:02d}" if rest else "")


def register(app) -> None:
    app.jinja_env.globals.update(gendered=gendered, inflect_first_name=inflect_first_name,
                                 found=found)
    app.jinja_env.filters.update(hyphenate=hyphenate, timezone_label=timezone_label)
