"""Demo providers, their programs, groups with schedules and search terms.

About 60 providers of every legal form in the villages of the demo municipality (a few
applications pending, one rejected), about 400 programs of all six directions with natural
titles and descriptions, about 900 groups; one of the demo provider's published programs has
changes waiting for the coordinator (pfdo.demo_revisions). The rows are written directly with
the models, in bulk, in one unit of work: the demo must stay quick to seed. Deterministic for
a given Faker seed (the dates follow `clock.today`, as the rest of the demo does).

The vocabularies and the row builders here are reused by `bench/generate.py`, which makes a
regional-size catalogue for the benchmark."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from faker import Faker
from sqlalchemy import insert, select

from pfdo.accounts.models import Role, User
from pfdo.db import db, unit_of_work
from pfdo.demo_revisions import seed_revisions
from pfdo.municipality import services as municipality
from pfdo.periods.models import Direction
from pfdo.programs import search
from pfdo.programs.cost import monthly_norm
from pfdo.programs.models import (
    Funding,
    Group,
    GroupSession,
    Program,
    ProgramEvent,
    ProgramStatus,
    ProgramTerm,
)
from pfdo.providers.models import (
    LegalForm,
    Provider,
    ProviderDocument,
    ProviderEvent,
    ProviderStaff,
    ProviderStatus,
)
from pfdo.providers.validation import (
    inn_with_check_digits,
    ogrn_with_check_digit,
)
from pfdo.storage import Upload, store

#: the villages of the demo municipality used as provider and program districts
DISTRICTS = ["с. Ленинское", "с. Биджан", "с. Бабстово", "с. Лазарево", "с. Дежнёво",
             "с. Кукелево", "с. Воскресеновка"]
POSTCODES = {"с. Ленинское": "679370", "с. Биджан": "679375", "с. Бабстово": "679371",
             "с. Лазарево": "679373", "с. Дежнёво": "679384", "с. Кукелево": "679381",
             "с. Воскресеновка": "679385"}
STREETS = ["ул. Ленина", "ул. Октябрьская", "ул. Советская", "ул. Набережная", "ул. Школьная",
           "ул. Пограничная", "ул. Лазо", "пер. Почтовый", "ул. Молодёжная", "ул. Калинина",
           "ул. Центральная", "ул. Партизанская"]
REGION = "Еврейская автономная область"

#: the account that acts for the demo provider, and that provider
DEMO_STAFF_EMAIL = "provider@demo-pfdo.ru"
DEMO_PROVIDER_NAME = "Дом детского творчества"

ALL = tuple(Direction)
T, S, SP, A, TR, SO = (Direction.TECHNICAL, Direction.SCIENCE, Direction.SPORTS, Direction.ARTS,
                       Direction.TOURISM, Direction.SOCIAL)


@dataclass(frozen=True)
class Topic:
    title: str
    #: what the children do: the first sentence of the description
    sentence: str
    ages: tuple[int, int]


TOPICS: dict[Direction, list[Topic]] = {
    T: [
        Topic("Робототехника", "Собираем и программируем роботов на конструкторах LEGO и "
              "Arduino, участвуем в соревнованиях.", (8, 14)),
        Topic("Лего-конструирование", "Строим модели машин, домов и механизмов из LEGO, "
              "учимся читать схемы и придумывать свои.", (5, 8)),
        Topic("3D-моделирование", "Создаём трёхмерные модели в Blender и печатаем их на "
              "3D-принтере.", (11, 17)),
        Topic("Юный программист", "Пишем первые программы на Scratch и Python, создаём "
              "простые игры.", (9, 14)),
        Topic("Авиамоделирование", "Строим летающие модели самолётов и планеров, запускаем их "
              "на стадионе.", (10, 16)),
        Topic("Электроника и схемотехника", "Паяем простые схемы, собираем фонарики, сигнализации "
              "и первые умные устройства.", (11, 17)),
        Topic("Начальное техническое моделирование", "Мастерим из картона, дерева и бумаги "
              "модели техники, знакомимся с инструментами.", (6, 10)),
        Topic("Мультстудия", "Снимаем пластилиновые и рисованные мультфильмы: сценарий, "
              "раскадровка, съёмка, монтаж.", (8, 13)),
    ],
    S: [
        Topic("Юный эколог", "Изучаем растения и животных родного края, ведём наблюдения и "
              "ухаживаем за школьным садом.", (7, 12)),
        Topic("Занимательная химия", "Ставим безопасные опыты, выращиваем кристаллы и узнаём, "
              "из чего состоят привычные вещи.", (10, 15)),
        Topic("Астрономия", "Наблюдаем звёздное небо в телескоп, изучаем планеты и созвездия.",
              (10, 17)),
        Topic("Юный биолог", "Работаем с микроскопом, изучаем клетки, растения и насекомых.",
              (9, 14)),
        Topic("Физика в опытах", "Проводим опыты с магнитами, светом и электричеством и "
              "объясняем, что происходит.", (11, 16)),
        Topic("Мир под микроскопом", "Готовим препараты и рассматриваем под микроскопом "
              "воду из пруда, листья и кристаллы.", (8, 12)),
    ],
    SP: [
        Topic("Шахматы", "Учим правила, дебюты и эндшпиль, играем турниры и решаем задачи.",
              (6, 16)),
        Topic("Футбол", "Тренируем технику, играем двусторонние игры, выезжаем на районные "
              "турниры.", (7, 15)),
        Topic("Плавание", "Учимся держаться на воде и плавать кролем и брассом под присмотром "
              "тренера.", (6, 14)),
        Topic("Дзюдо", "Осваиваем страховку, броски и удержания, готовимся к соревнованиям.",
              (7, 15)),
        Topic("Лыжные гонки", "Тренируемся на лыжной трассе зимой и бегаем кроссы летом.",
              (9, 17)),
        Topic("Волейбол", "Учим подачу, приём и нападающий удар, играем в команде.", (10, 17)),
        Topic("Настольный теннис", "Ставим удар, тренируем подачу и реакцию, играем турниры.",
              (8, 16)),
        Topic("Общая физическая подготовка", "Развиваем силу, ловкость и выносливость через "
              "игры и эстафеты.", (5, 9)),
    ],
    A: [
        Topic("Рисуем акварелью", "Рисуем пейзажи и натюрморты акварелью, учимся смешивать "
              "цвета и работать по-мокрому.", (7, 13)),
        Topic("Школа рисования", "Осваиваем карандаш, гуашь и пастель, рисуем с натуры и по "
              "воображению.", (6, 12)),
        Topic("Хореография", "Занимаемся классическим и народным танцем, ставим номера к "
              "праздникам.", (5, 14)),
        Topic("Вокальная студия", "Ставим голос и дыхание, поём соло и в ансамбле, выступаем "
              "на концертах.", (7, 16)),
        Topic("Гитара для начинающих", "Учим аккорды и бой, играем песни под гитару с первого "
              "месяца.", (10, 17)),
        Topic("Театральная студия", "Играем этюды, учимся сценической речи и ставим "
              "спектакли для родителей.", (7, 15)),
        Topic("Декоративно-прикладное творчество", "Делаем поделки из глины, ткани и бисера, "
              "готовим работы к выставкам.", (6, 12)),
        Topic("Фортепиано", "Учимся играть по нотам, разучиваем пьесы и выступаем на "
              "отчётном концерте.", (6, 14)),
    ],
    TR: [
        Topic("Юный турист", "Учимся ставить палатку, ориентироваться по карте и компасу, "
              "ходим в походы выходного дня.", (9, 15)),
        Topic("Краеведение", "Изучаем историю сёл района и Еврейской автономной области, "
              "записываем воспоминания старожилов.", (10, 16)),
        Topic("Музейное дело", "Работаем в школьном музее: описываем экспонаты и проводим "
              "экскурсии.", (11, 17)),
        Topic("Спортивное ориентирование", "Бегаем по карте в лесу и в парке, участвуем в "
              "областных стартах.", (9, 17)),
        Topic("Родной край", "Знакомимся с природой и историей Приамурья на экскурсиях и "
              "в походах.", (7, 11)),
    ],
    SO: [
        Topic("Английский язык", "Говорим, читаем и играем на английском, учим слова через "
              "песни и игры.", (6, 14)),
        Topic("Журналистика", "Выпускаем школьную газету, берём интервью и снимаем "
              "видеорепортажи.", (12, 17)),
        Topic("Волонтёры", "Помогаем пожилым людям и приюту для животных, проводим акции и "
              "праздники.", (12, 17)),
        Topic("Финансовая грамотность", "Разбираемся, как планировать бюджет, копить и не "
              "попадаться мошенникам.", (10, 16)),
        Topic("Подготовка к школе", "Развиваем речь, внимание и логику, учимся читать по "
              "слогам.", (5, 6)),
        Topic("Юный психолог", "Учимся понимать свои чувства, договариваться и работать в "
              "команде.", (11, 16)),
        Topic("Ментальная арифметика", "Считаем на счётах-абакусе и в уме, тренируем память и "
              "внимание.", (6, 11)),
        Topic("Китайский язык", "Учим иероглифы, произношение и простые диалоги.", (9, 15)),
    ],
}

#: one of these closes every description: how the classes go, by direction
GENERAL: dict[Direction, list[str]] = {
    T: ["Все конструкторы и компьютеры предоставляются.",
        "Занятия проходят в кабинете с современным оборудованием.",
        "В конце года ребята защищают собственный проект."],
    S: ["Все реактивы и приборы предоставляются, опыты безопасны.",
        "Летом проводим полевые практики.",
        "Лучшие работы представляем на районной научной конференции."],
    SP: ["Нужна справка от педиатра о допуске к занятиям.",
         "Форма — спортивная одежда и сменная обувь.",
         "Воспитанники участвуют в районных и областных соревнованиях."],
    A: ["Материалы для занятий предоставляются.",
        "В конце года — отчётный концерт или выставка работ.",
        "Подходит детям без подготовки."],
    TR: ["Походы — только с согласия родителей и в сопровождении педагога.",
         "Снаряжение предоставляется.",
         "Итог года — поход или экспедиция по району."],
    SO: ["Занятия проходят в игровой форме, в небольших группах.",
         "В конце курса — открытое занятие для родителей.",
         "Пособия и тетради предоставляются."],
}

#: (title suffix, description sentence); "{ages}" is replaced by the age range
LEVELS = [
    ("", "Программа рассчитана на детей {ages}."),
    (" для начинающих", "Программа для тех, кто только начинает: подготовка не нужна."),
    (". Продвинутый уровень", "Для ребят, освоивших базовый курс или сдавших вступительное "
                              "занятие."),
    (" ({ages})", "Занятия построены с учётом возраста детей {ages}."),
    (". Стартовый уровень", "Знакомство с предметом за один учебный год."),
]


@dataclass(frozen=True)
class ProviderSpec:
    form: LegalForm
    name: str
    directions: tuple[Direction, ...]


PROVIDERS = [
    ProviderSpec(LegalForm.MBU_DO, DEMO_PROVIDER_NAME, ALL),
    ProviderSpec(LegalForm.MBU_DO, "Центр детского творчества", ALL),
    ProviderSpec(LegalForm.MBU_DO, "Детская школа искусств", (A,)),
    ProviderSpec(LegalForm.MBU_DO, "Детско-юношеская спортивная школа", (SP,)),
    ProviderSpec(LegalForm.MBU_DO, "Станция юных техников", (T, S)),
    ProviderSpec(LegalForm.MBU_DO, "Центр внешкольной работы", (SO, TR, A)),
    ProviderSpec(LegalForm.MAU_DO, "Центр дополнительного образования «Радуга»", ALL),
    ProviderSpec(LegalForm.MAU_DO, "Детская музыкальная школа", (A,)),
    ProviderSpec(LegalForm.MAU_DO, "Спортивная школа «Олимп»", (SP,)),
    ProviderSpec(LegalForm.MBOU, "Средняя общеобразовательная школа № 1", ALL),
    ProviderSpec(LegalForm.MBOU, "Средняя общеобразовательная школа № 2", ALL),
    ProviderSpec(LegalForm.MBOU, "Средняя общеобразовательная школа с. Биджан", ALL),
    ProviderSpec(LegalForm.MBOU, "Средняя общеобразовательная школа с. Бабстово", ALL),
    ProviderSpec(LegalForm.MBOU, "Средняя общеобразовательная школа с. Лазарево", ALL),
    ProviderSpec(LegalForm.MBOU, "Основная общеобразовательная школа с. Дежнёво", ALL),
    ProviderSpec(LegalForm.MBOU, "Средняя общеобразовательная школа с. Кукелево", ALL),
    ProviderSpec(LegalForm.MBOU, "Средняя общеобразовательная школа с. Воскресеновка", ALL),
    ProviderSpec(LegalForm.GBU_DO, "Областной центр туризма и краеведения", (TR, S)),
    ProviderSpec(LegalForm.GBU_DO, "Областной центр технического творчества", (T,)),
    ProviderSpec(LegalForm.ANO, "Робошкола", (T,)),
    ProviderSpec(LegalForm.ANO, "Центр развития «Умка»", (SO, A)),
    ProviderSpec(LegalForm.ANO, "Шахматный клуб «Ладья»", (SP,)),
    ProviderSpec(LegalForm.ANO, "Театральная мастерская «Кулиса»", (A,)),
    ProviderSpec(LegalForm.ANO, "Школа программирования «Код»", (T,)),
    ProviderSpec(LegalForm.ANO, "Экоцентр «Зелёный дом»", (S, TR)),
    ProviderSpec(LegalForm.ANO, "Клуб путешественников «Азимут»", (TR,)),
    ProviderSpec(LegalForm.ANO, "Центр «Добровольцы Приамурья»", (SO,)),
    ProviderSpec(LegalForm.CHU_DO, "Школа иностранных языков «Полиглот»", (SO,)),
    ProviderSpec(LegalForm.CHU_DO, "Академия танца «Грация»", (A,)),
    ProviderSpec(LegalForm.CHU_DO, "Центр «Эрудит»", (SO, S)),
    ProviderSpec(LegalForm.CHU_DO, "Студия «Акварель»", (A,)),
    ProviderSpec(LegalForm.CHU_DO, "Музыкальная студия «Камертон»", (A,)),
    ProviderSpec(LegalForm.CHU_DO, "Научная лаборатория «Эврика»", (S, T)),
    ProviderSpec(LegalForm.OOO, "Английский клуб", (SO,)),
    ProviderSpec(LegalForm.OOO, "Умные игры", (SO, SP)),
    ProviderSpec(LegalForm.OOO, "Спортклуб «Чемпион»", (SP,)),
    ProviderSpec(LegalForm.OOO, "Творческая мастерская", (A,)),
    ProviderSpec(LegalForm.OOO, "Роботрек", (T,)),
    ProviderSpec(LegalForm.OOO, "Бассейн «Дельфин»", (SP,)),
    ProviderSpec(LegalForm.OOO, "Лингва", (SO,)),
    ProviderSpec(LegalForm.OOO, "Детский фитнес «Энергия»", (SP, A)),
    ProviderSpec(LegalForm.OOO, "Шахматная школа «Гамбит»", (SP,)),
    ProviderSpec(LegalForm.OOO, "Вокальная студия «Голос»", (A,)),
    ProviderSpec(LegalForm.OOO, "ИнтеллектУм", (SO, T, S)),
    ProviderSpec(LegalForm.OOO, "Туристические тропы", (TR,)),
]
#: how many individual entrepreneurs teach alone (names from Faker)
INDIVIDUALS = 15
#: the applications still waiting for the coordinator (the last private ones)
PENDING = 5
REJECTED_REASON = ("Номер лицензии не найден в реестре лицензий Рособрнадзора, а приложенная "
                   "копия выдана другой организации. Проверьте номер и приложите выписку из "
                   "реестра лицензий на образовательную деятельность.")
RETURN_REMARKS = [
    "Учебно-тематический план рассчитан на 72 часа, а в программе указано 4 часа в неделю "
    "на 9 месяцев (144 часа). Приведите документ и программу в соответствие.",
    "Возраст 5–17 лет слишком широк для одной программы: разделите её по уровням или "
    "уточните возраст.",
    "В описании нет сведений о том, чем занимаются дети. Опишите содержание занятий.",
    "Не приложен учебно-тематический план: в файле только титульный лист.",
]

#: programs per provider by legal form (inclusive range)
PROGRAMS_PER_PROVIDER = {
    LegalForm.MBU_DO: (16, 22), LegalForm.MAU_DO: (12, 17), LegalForm.MBOU: (6, 9),
    LegalForm.GBU_DO: (8, 11), LegalForm.ANO: (6, 9), LegalForm.CHU_DO: (6, 9),
    LegalForm.OOO: (5, 9), LegalForm.IP: (1, 3),
}
#: price of a certified group / the program's normative cost
PRICE_FACTORS = (0.8, 0.9, 0.95, 1.0, 1.0, 1.0, 1.1, 1.2, 1.35)


# --- identifiers and documents ---------------------------------------------------------------

def _unused(used: set[str], make) -> str:
    """A value from `make()` not yet in `used` (and now in it)."""
    while True:
        value = make()
        if value not in used:
            used.add(value)
            return value


def inn10(rng: random.Random, used: set[str]) -> str:
    """A valid, unused ИНН of an organisation registered in the region (79)."""
    return _unused(used, lambda: inn_with_check_digits(f"7901{rng.randint(0, 99999):05d}"))


def inn12(rng: random.Random, used: set[str]) -> str:
    """A valid, unused ИНН of a person."""
    return _unused(used, lambda: inn_with_check_digits(f"7901{rng.randint(0, 999999):06d}"))


def ogrn(rng: random.Random, used: set[str]) -> str:
    """A valid, unused ОГРН (13 digits)."""
    return _unused(used, lambda: ogrn_with_check_digit(
        f"1{rng.randint(2, 24):02d}79{rng.randint(0, 9999999):07d}"))


def ogrnip(rng: random.Random, used: set[str]) -> str:
    """A valid, unused ОГРНИП (15 digits)."""
    return _unused(used, lambda: ogrn_with_check_digit(
        f"3{rng.randint(5, 25):02d}79{rng.randint(0, 999999999):09d}"))


def pdf_bytes(label: str = "Document") -> bytes:
    """A tiny well-formed one-page PDF (about 600 bytes) showing an ASCII label."""
    text = "".join(c for c in label if 32 <= ord(c) < 127 and c not in "()\\")[:60]
    stream = b"BT /F1 14 Tf 72 720 Td (%s) Tj ET" % text.encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


# --- programs and groups, as plain dicts (shared with bench/generate.py) ----------------------

def school_year_start(today: date) -> date:
    """1 September of the school year families are choosing for: the coming one in spring
    and summer, the running one in autumn and winter."""
    return date(today.year if today.month >= 3 else today.year - 1, 9, 1)


def program_text(rng: random.Random, direction: Direction,
                 taken: set[str]) -> tuple[str, str, int, int]:
    """(title, description, age_from, age_to) of a new program; `taken` avoids repeating a
    title within one provider."""
    for _ in range(20):
        topic = rng.choice(TOPICS[direction])
        suffix, level_sentence = rng.choice(LEVELS)
        age_from, age_to = topic.ages
        if "{ages}" in suffix and age_to - age_from >= 4:  # a narrower band of the topic
            age_from = rng.randint(age_from, age_to - 2)
            age_to = min(age_to, age_from + rng.choice((2, 3)))
        ages = f"{age_from}–{age_to} лет"
        title = topic.title + suffix.replace("{ages}", ages)
        if title not in taken:
            break
    taken.add(title)
    sentences = [topic.sentence, level_sentence.replace("{ages}", ages)]
    sentences += rng.sample(GENERAL[direction], rng.randint(0, 2))
    return title, " ".join(sentences), age_from, age_to


def group_price(rng: random.Random, funding: str, normative: int) -> int:
    """0 for a free program; near the normative cost (some lower, some with a co-pay),
    rounded to 50 ₽, for a certified one."""
    if funding == Funding.MUNICIPAL:
        return 0
    return max(50_00, round(normative * rng.choice(PRICE_FACTORS) / 50_00) * 50_00)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def group_dates(rng: random.Random, months: int, today: date) -> tuple[date, date]:
    """(starts_on, ends_on): mostly the school year; shorter programs start in September or
    January; a few groups have been running since the previous September (if still running)."""
    start = school_year_start(today)
    school_end = date(start.year + 1, 5, 31)
    if months >= 9:
        previous = date(start.year - 1, 9, 1)
        if rng.random() < 0.08 and date(start.year, 5, 31) > today:
            return previous, date(start.year, 5, 31)
        return start, school_end
    if months <= 5 and rng.random() < 0.5:
        jan = date(start.year + 1, 1, 1)
        return jan, _add_months(jan, months) - timedelta(days=1)
    return start, min(_add_months(start, months) - timedelta(days=1), school_end)


def sessions_for(rng: random.Random, hours_per_week: int,
                 weekend: bool) -> list[tuple[int, time, time]]:
    """1–3 weekly classes of (weekday, start, end) adding up to the hours a week (academic
    hours of 45 minutes, 10 minutes' break between two in a row); afternoons, or weekend
    mornings for some groups."""
    counts = [n for n in (1, 2, 3) if hours_per_week % n == 0 and hours_per_week // n <= 3]
    count = rng.choice(counts or [min(3, hours_per_week)])
    per_class = max(1, hours_per_week // count)
    minutes = per_class * 45 + (per_class - 1) * 10
    if weekend:
        days = [5] if count == 1 else rng.choice(([5, 6], [1, 5], [3, 5])) if count == 2 \
            else [1, 3, 5]
        days = days[:count]
    else:
        days = {1: [rng.randint(0, 4)], 2: rng.choice(([0, 2], [1, 3], [2, 4], [0, 3])),
                3: [0, 2, 4]}[count]
    start_minutes = rng.choice((14 * 60, 14 * 60 + 30, 15 * 60, 15 * 60 + 30, 16 * 60,
                                16 * 60 + 30, 17 * 60, 18 * 60))
    result = []
    for day in days:
        begin = 10 * 60 if day >= 5 else start_minutes
        end = begin + minutes
        result.append((day, time(begin // 60, begin % 60), time(end // 60, end % 60)))
    return result


def program_shape(rng: random.Random, form: LegalForm) -> dict:
    """Months, hours a week and funding of a program of a provider of this legal form."""
    months = rng.choice((9,) * 14 + (8, 6, 4, 3))
    hours = rng.choice((2, 2, 2, 3, 4, 4, 6))
    ownership = form.ownership
    free_share = {"municipal": 0.5, "state": 0.6}.get(ownership, 0.0)
    funding = Funding.MUNICIPAL if rng.random() < free_share else Funding.CERTIFIED
    return {"months": months, "hours_per_week": hours, "funding": str(funding)}


def groups_for(rng: random.Random, program: dict, hour_cost: int, today: date,
               count: int) -> list[tuple[dict, list[tuple[int, time, time]]]]:
    """`count` groups of the program as (group columns, sessions)."""
    normative = monthly_norm(hour_cost, program["hours_per_week"])
    result = []
    for n in range(count):
        name = rng.choice(("Группа 1", "Основная группа")) if count == 1 else f"Группа {n + 1}"
        weekend = rng.random() < 0.15
        if weekend:
            name = "Группа выходного дня" if count == 1 else f"{name} (выходного дня)"
        starts_on, ends_on = group_dates(rng, program["months"], today)
        result.append(({
            "name": name, "capacity": rng.randint(8, 25), "seats_taken": 0,
            "starts_on": starts_on, "ends_on": ends_on,
            "is_open": rng.random() > 0.06 and ends_on > today,
            "price_per_month": group_price(rng, program["funding"], normative),
        }, sessions_for(rng, program["hours_per_week"], weekend)))
    return result


def index_terms(programs: list[Program | object], provider_names: dict[int, str]) -> None:
    """Insert the search terms of freshly inserted programs in bulk (no delete first)."""
    rows = [{"program_id": p.id, "term": term, "weight": weight}
            for p in programs
            for term, weight in search.terms_for(p, provider_names[p.provider_id]).items()]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(ProgramTerm), rows[start:start + 5000])


# --- the demo ---------------------------------------------------------------------------------

def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), UTC)


def quoted_name(name: str) -> str:
    """«name», with quotes inside it as „…“ (МАУ ДО «Центр „Радуга“»)."""
    return "«" + name.replace("«", "„").replace("»", "“") + "»"


_LATIN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                  ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n",
                   "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y",
                   "", "e", "yu", "ya"], strict=True))


def _latin(word: str) -> str:
    return "".join(_LATIN.get(c, c) for c in word.lower())


def _short_and_full(spec: ProviderSpec, district: str) -> tuple[str, str]:
    form = spec.form
    if form is LegalForm.MBOU:
        short = spec.name.replace("Средняя общеобразовательная школа", "СОШ").replace(
            "Основная общеобразовательная школа", "ООШ")
        if "с. " not in short:
            short += f" {district}"
            full_name = f"{spec.name} {district}"
        else:
            full_name = spec.name
        return (f"{form.label} {quoted_name(short)}",
                f"{form.title[:1].upper()}{form.title[1:]} {quoted_name(full_name)}")
    return (f"{form.label} {quoted_name(spec.name)}",
            f"{form.title[:1].upper()}{form.title[1:]} {quoted_name(spec.name)}")


def seed_providers(fake: Faker) -> None:
    """The providers' side of the demo municipality (see the module docstring)."""
    rng = fake.random
    today = municipality.local_today()
    coordinator = db.session.scalars(select(User).where(User.role == Role.COORDINATOR)).first()
    staff_user = db.session.scalars(select(User).where(User.email == DEMO_STAFF_EMAIL)).first()
    specs = list(PROVIDERS)
    for _ in range(INDIVIDUALS):
        female = rng.random() < 0.7
        person = (fake.last_name_female(), fake.first_name_female(), fake.middle_name_female()) \
            if female else (fake.last_name_male(), fake.first_name_male(),
                            fake.middle_name_male())
        specs.append(ProviderSpec(LegalForm.IP, " ".join(person), (rng.choice(ALL),)))
    # The last private organisations and individual entrepreneurs are still being checked;
    # one ООО was rejected.
    pending = {len(PROVIDERS) - 2, len(PROVIDERS) - 7, len(specs) - 1, len(specs) - 4,
               len(specs) - 9}
    rejected = len(PROVIDERS) - 4
    used: set[str] = set()
    with unit_of_work():
        providers: list[Provider] = []
        for index, spec in enumerate(specs):
            providers.append(_provider(fake, rng, spec, index, today, used, coordinator,
                                       status=ProviderStatus.SUBMITTED if index in pending
                                       else ProviderStatus.REJECTED if index == rejected
                                       else ProviderStatus.APPROVED))
        db.session.add_all(providers)
        demo_provider = providers[0]
        if staff_user is not None:
            db.session.add(ProviderStaff(provider=demo_provider, user=staff_user))
        db.session.flush()

        programs: list[Program] = []
        for provider, spec in zip(providers, specs, strict=True):
            if provider.status != ProviderStatus.APPROVED:
                continue
            low, high = PROGRAMS_PER_PROVIDER[spec.form]
            count = rng.randint(low, high)
            programs += _programs(fake, rng, provider, spec, count, today, coordinator,
                                  demo=provider is demo_provider)
        db.session.add_all(programs)
        db.session.flush()
        index_terms(programs, {p.id: p.short_name for p in providers})
        seed_revisions(demo_provider, staff_user)


def _provider(fake: Faker, rng: random.Random, spec: ProviderSpec, index: int, today: date,
              used: set[str], coordinator: User | None, *, status: str) -> Provider:
    form = spec.form
    district = DISTRICTS[0] if index < 10 or rng.random() < 0.4 else rng.choice(DISTRICTS)
    if form is LegalForm.MBOU and "с. " in spec.name:
        district = "с. " + spec.name.split("с. ")[1]
    address = (f"{POSTCODES[district]}, {REGION}, {district}, {rng.choice(STREETS)}, "
               f"д. {rng.randint(1, 60)}")
    if form is LegalForm.IP:
        short = f"ИП {spec.name}"
        full = f"Индивидуальный предприниматель {spec.name}"
        contact = spec.name
        inn, ogrn_ = inn12(rng, used), ogrnip(rng, used)
    else:
        short, full = _short_and_full(spec, district)
        female = rng.random() < 0.75
        contact = (f"{fake.last_name_female()} {fake.first_name_female()} "
                   f"{fake.middle_name_female()}" if female else
                   f"{fake.last_name_male()} {fake.first_name_male()} {fake.middle_name_male()}")
        inn, ogrn_ = inn10(rng, used), ogrn(rng, used)
    latin = f"p{index + 1:02d}"
    if status == ProviderStatus.APPROVED:
        approved = today - timedelta(days=rng.randint(40, 640))
        submitted = approved - timedelta(days=rng.randint(2, 9))
    else:
        approved = None
        submitted = today - timedelta(days=rng.randint(4, 12))
    licence = None if form is LegalForm.IP else (
        f"Л035-01{rng.randint(200, 299)}-79/00{rng.randint(100000, 999999)}")
    provider = Provider(
        full_name=full, short_name=short, legal_form=str(form), inn=inn, ogrn=ogrn_,
        address=address, district=district, contact_name=contact,
        phone=f"+7426632{rng.randint(1000, 9999)}"[:12] if form.ownership != "individual"
        else "+79" + "".join(str(rng.randint(0, 9)) for _ in range(9)),
        email=f"{latin}@{'leninsk-edu.ru' if form.ownership != 'private' else 'mail.ru'}"
        if form is not LegalForm.IP else f"{_latin(spec.name.split()[0])}.{index}@mail.ru",
        website=f"https://{latin}.leninsk-edu.ru" if rng.random() < 0.4 else None,
        licence_number=licence,
        licence_date=(submitted - timedelta(days=rng.randint(200, 3000))) if licence else None,
        description=_provider_description(spec),
        status=str(status), submitted_at=_at(submitted, 11),
        approved_at=_at(approved, 15) if approved else None,
        rejection_reason=REJECTED_REASON if status == ProviderStatus.REJECTED else None,
        created_at=_at(submitted, 11),
    )
    events = [ProviderEvent(action="submitted", status="submitted", at=_at(submitted, 11))]
    if status == ProviderStatus.APPROVED:
        if rng.random() < 0.1:  # fixed after a first rejection
            events.append(ProviderEvent(action="rejected", status="rejected",
                                        actor=coordinator, at=_at(submitted, 16),
                                        comment="Не приложена выписка из ЕГРЮЛ"))
            events.append(ProviderEvent(action="resubmitted", status="submitted",
                                        at=_at(approved - timedelta(days=1), 10)))
        events.append(ProviderEvent(action="approved", status="approved", actor=coordinator,
                                    at=_at(approved, 15)))
    elif status == ProviderStatus.REJECTED:
        events.append(ProviderEvent(action="rejected", status="rejected", actor=coordinator,
                                    comment=REJECTED_REASON,
                                    at=_at(submitted + timedelta(days=3), 3)))
    provider.events = events
    kinds = ([("charter", "Свидетельство о регистрации ИП.pdf"),
              ("egrul", "Выписка из ЕГРИП.pdf")]
             + ([("other", "Справка об отсутствии судимости.pdf")] if rng.random() < 0.6 else [])
             if form is LegalForm.IP else
             [("charter", "Устав.pdf"), ("egrul", "Выписка из ЕГРЮЛ.pdf")]
             + [("licence", "Лицензия на образовательную деятельность.pdf")])
    provider.documents = [
        ProviderDocument(kind=kind, file=store(Upload(name, pdf_bytes(f"{latin} {kind}"))),
                         created_at=_at(submitted, 11))
        for kind, name in kinds]
    return provider


def _provider_description(spec: ProviderSpec) -> str:
    if spec.form is LegalForm.IP:
        return "Индивидуальные и групповые занятия. Педагог с высшим профильным образованием."
    if spec.form.ownership in ("municipal", "state"):
        return ("Кружки и секции для детей района. Часть программ бесплатна по "
                "муниципальному заданию, остальные — по сертификату ПФ.")
    return "Занятия в небольших группах. Оплата сертификатом ПФ, при необходимости с доплатой."


def _programs(fake: Faker, rng: random.Random, provider: Provider, spec: ProviderSpec,
              count: int, today: date, coordinator: User | None, *,
              demo: bool) -> list[Program]:
    from pfdo.demo_certificates import HOUR_COSTS

    taken: set[str] = set()
    result = []
    approved_on = municipality.local_date(provider.approved_at)
    for n in range(count):
        direction = spec.directions[n % len(spec.directions)] if n < len(spec.directions) \
            else rng.choice(spec.directions)
        title, description, age_from, age_to = program_text(rng, direction, taken)
        shape = program_shape(rng, spec.form)
        status = rng.choice((ProgramStatus.PUBLISHED,) * 22 + (ProgramStatus.SUBMITTED,)
                            + (ProgramStatus.RETURNED,) + (ProgramStatus.DRAFT,) * 2)
        if demo:  # the demo account sees every status at once
            status = {0: ProgramStatus.SUBMITTED, 1: ProgramStatus.RETURNED,
                      2: ProgramStatus.DRAFT}.get(n, ProgramStatus.PUBLISHED)
        if spec.form is LegalForm.IP:
            teacher = spec.name
        else:
            female = rng.random() < 0.7
            teacher = (f"{fake.last_name_female()} {fake.first_name_female()} "
                       f"{fake.middle_name_female()}" if female else
                       f"{fake.last_name_male()} {fake.first_name_male()} "
                       f"{fake.middle_name_male()}")
        created = min(approved_on + timedelta(days=rng.randint(1, 60)), today)
        submitted = min(created + timedelta(days=rng.randint(0, 7)), today)
        published = min(submitted + timedelta(days=rng.randint(1, 5)), today)
        if status in (ProgramStatus.SUBMITTED, ProgramStatus.RETURNED):
            submitted = max(created, today - timedelta(days=rng.randint(0, 10)))
        events = [ProgramEvent(action="created", status="draft", at=_at(created, 10))]
        if status != ProgramStatus.DRAFT:
            events.append(ProgramEvent(action="submitted", status="submitted",
                                       at=_at(submitted, 12)))
        remarks = None
        if status == ProgramStatus.PUBLISHED:
            events.append(ProgramEvent(action="published", status="published",
                                       actor=coordinator, at=_at(published, 16)))
        elif status == ProgramStatus.RETURNED:
            remarks = rng.choice(RETURN_REMARKS)
            events.append(ProgramEvent(action="returned", status="returned", actor=coordinator,
                                       comment=remarks, at=_at(submitted, 17)))
        document = None
        if status != ProgramStatus.DRAFT or rng.random() < 0.5:
            document = store(Upload(f"Учебный план «{title[:60]}».pdf",
                                    pdf_bytes(f"Programme {provider.id}-{n + 1}")))
        program = Program(
            provider=provider, title=title, direction=str(direction), description=description,
            age_from=age_from, age_to=age_to, **shape, district=provider.district,
            address=provider.address.split(", ", 2)[2], teacher=teacher, document=document,
            status=str(status), remarks=remarks,
            submitted_at=_at(submitted, 12) if status != ProgramStatus.DRAFT else None,
            published_at=_at(published, 16) if status == ProgramStatus.PUBLISHED else None,
            created_at=_at(created, 10), updated_at=_at(max(created, submitted), 12),
            events=events)
        group_count = (rng.choice((1, 2, 2, 2, 3, 3, 4)) if status == ProgramStatus.PUBLISHED
                       else rng.choice((0, 1)))
        groups = []
        for columns, sessions in groups_for(rng, shape, HOUR_COSTS[direction], today,
                                            group_count):
            groups.append(Group(**columns, created_at=_at(created, 11), sessions=[
                GroupSession(weekday=day, starts_at=begin, ends_at=end)
                for day, begin, end in sessions]))
        program.groups = groups
        result.append(program)
    return result

