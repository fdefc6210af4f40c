"""The navigator's search quality as parents type (issue 14): recall@10 and MRR per family of
queries over the regional benchmark catalogue (bench/generate.py: 10 000 programs of the
demo's 43 topics), through the navigator's own `find_programs` — the page a parent sees.

A query's right answer is a topic (or a few): a program is right when its title is that
topic's title with a level («Шахматы для начинающих» is a «Шахматы»). recall@10 is the share
of queries with a right program among the first ten results, MRR the mean of 1 / the rank of
the first right one; a nonsense query is right when it finds nothing.

    .venv/bin/python bench/search_quality.py   (BENCH_PROGRAMS=10000; run by `make bench`)

Writes its table into bench/RESULTS.md. The queries are written here, family by family; the
typos and the Latin-layout queries are made from the topics' words by fixed rules."""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import generate as catalogue  # noqa: E402
from benchlib import write_block  # noqa: E402

from pfdo.demo.data import TOPICS  # noqa: E402
from pfdo.programs.vocabulary import LAYOUT  # noqa: E402

PROGRAMS = int(os.environ.get("BENCH_PROGRAMS", "10000"))
TARGET_OVERALL, TARGET_FAMILY = 0.90, 0.80
SECTION = "# Search quality benchmark"
BEGIN, END = "<!-- search quality: begin -->", "<!-- search quality: end -->"

#: topic titles (pfdo.demo.data.TOPICS) by a short name used below
T = {t.title: t.title for ts in TOPICS.values() for t in ts}

#: a query that names an age is answered by a program for that age (its youngest ≤ 6, …)
LITTLE, SMALL_PUPILS, TEENS = "ages:-6", "ages:7-10", "ages:12-"
#: (query, the topics that answer it), family by family
INFLECTIONS = [
    ("шахматами", ["Шахматы"]), ("робототехнику", ["Робототехника"]),
    ("плаванием", ["Плавание"]), ("футболом", ["Футбол"]), ("волейболу", ["Волейбол"]),
    ("хореографией", ["Хореография"]), ("астрономии", ["Астрономия"]),
    ("журналистикой", ["Журналистика"]), ("краеведению", ["Краеведение"]),
    ("дзюдо", ["Дзюдо"]), ("гитаре", ["Гитара для начинающих"]),
    ("фортепиано", ["Фортепиано"]), ("английскому языку", ["Английский язык"]),
    ("китайского языка", ["Китайский язык"]), ("химией", ["Занимательная химия"]),
    ("физике", ["Физика в опытах"]), ("микроскопом", ["Мир под микроскопом"]),
    ("акварелью", ["Рисуем акварелью"]), ("рисованию", ["Школа рисования"]),
    ("театральной студии", ["Театральная студия"]), ("вокальной студии", ["Вокальная студия"]),
    ("мультстудию", ["Мультстудия"]), ("авиамоделированием", ["Авиамоделирование"]),
    ("электронике", ["Электроника и схемотехника"]), ("экологу", ["Юный эколог"]),
    ("биологии", ["Юный биолог"]), ("туристом", ["Юный турист"]),
    ("музейному делу", ["Музейное дело"]), ("ориентированию", ["Спортивное ориентирование"]),
    ("родному краю", ["Родной край"]), ("волонтёрам", ["Волонтёры"]),
    ("финансовой грамотности", ["Финансовая грамотность"]),
    ("подготовке к школе", ["Подготовка к школе"]), ("психологу", ["Юный психолог"]),
    ("ментальной арифметике", ["Ментальная арифметика"]),
    ("лыжными гонками", ["Лыжные гонки"]), ("настольным теннисом", ["Настольный теннис"]),
    ("программисту", ["Юный программист"]), ("3D-моделированию", ["3D-моделирование"]),
    ("лего-конструированию", ["Лего-конструирование"]),
]
MULTIWORD = [
    ("шахматы для начинающих", ["Шахматы"]), ("робототехника продвинутый уровень",
                                              ["Робототехника"]),
    ("английский язык для начинающих", ["Английский язык"]),
    ("плавание стартовый уровень", ["Плавание"]), ("футбол для начинающих", ["Футбол"]),
    ("настольный теннис", ["Настольный теннис"]), ("лыжные гонки", ["Лыжные гонки"]),
    ("занимательная химия", ["Занимательная химия"]),
    ("физика в опытах", ["Физика в опытах"]), ("мир под микроскопом", ["Мир под микроскопом"]),
    ("юный эколог", ["Юный эколог"]), ("юный биолог", ["Юный биолог"]),
    ("юный турист", ["Юный турист"]), ("юный программист", ["Юный программист"]),
    ("музейное дело", ["Музейное дело"]), ("родной край", ["Родной край"]),
    ("спортивное ориентирование", ["Спортивное ориентирование"]),
    ("театральная студия", ["Театральная студия"]), ("вокальная студия", ["Вокальная студия"]),
    ("школа рисования", ["Школа рисования"]), ("рисуем акварелью", ["Рисуем акварелью"]),
    ("гитара для начинающих", ["Гитара для начинающих"]),
    ("общая физическая подготовка", ["Общая физическая подготовка"]),
    ("электроника и схемотехника", ["Электроника и схемотехника"]),
    ("техническое моделирование", ["Начальное техническое моделирование"]),
    ("финансовая грамотность", ["Финансовая грамотность"]),
    ("подготовка к школе", ["Подготовка к школе"]),
    ("ментальная арифметика", ["Ментальная арифметика"]),
    ("китайский язык", ["Китайский язык"]), ("декоративно-прикладное творчество",
                                             ["Декоративно-прикладное творчество"]),
]
PERSONS = [
    ("шахматист", ["Шахматы"]), ("шахматисты", ["Шахматы"]), ("пловец", ["Плавание"]),
    ("пловцы", ["Плавание"]), ("плавать", ["Плавание"]), ("футболист", ["Футбол"]),
    ("волейболист", ["Волейбол"]), ("теннисист", ["Настольный теннис"]),
    ("лыжник", ["Лыжные гонки"]), ("дзюдоист", ["Дзюдо"]), ("танец", ["Хореография"]),
    ("танцы", ["Хореография"]), ("танцевать", ["Хореография"]), ("танцор", ["Хореография"]),
    ("рисовать", ["Школа рисования", "Рисуем акварелью"]),
    ("художник", ["Школа рисования", "Рисуем акварелью"]),
    ("петь", ["Вокальная студия"]), ("певец", ["Вокальная студия"]),
    ("гитарист", ["Гитара для начинающих"]), ("пианист", ["Фортепиано"]),
    ("актёр", ["Театральная студия"]), ("программировать", ["Юный программист"]),
    ("программист", ["Юный программист"]), ("эколог", ["Юный эколог"]),
    ("биолог", ["Юный биолог"]), ("химик", ["Занимательная химия"]),
    ("физик", ["Физика в опытах"]), ("астроном", ["Астрономия"]),
    ("турист", ["Юный турист"]), ("журналист", ["Журналистика"]),
    ("краевед", ["Краеведение"]), ("волонтёр", ["Волонтёры"]), ("психолог", ["Юный психолог"]),
    ("конструировать", ["Лего-конструирование", "Робототехника"]),
    ("мультики", ["Мультстудия"]), ("шахматный", ["Шахматы"]),
    ("футбольный", ["Футбол"]), ("театральный", ["Театральная студия"]),
    ("танцевальный", ["Хореография"]), ("рисование", ["Школа рисования", "Рисуем акварелью"]),
]
PARENTS = [
    ("кружок рисования", ["Школа рисования", "Рисуем акварелью"]),
    ("секция плавания", ["Плавание"]), ("секция футбола", ["Футбол"]),
    ("кружок робототехники", ["Робототехника"]), ("занятия шахматами", ["Шахматы"]),
    ("для малышей", [LITTLE]),
    ("единоборства", ["Дзюдо"]), ("айти", ["Юный программист", "Робототехника",
                                            "3D-моделирование", "Электроника и схемотехника"]),
    ("пение", ["Вокальная студия"]), ("бассейн", ["Плавание"]),
    ("музыка", ["Вокальная студия", "Гитара для начинающих", "Фортепиано"]),
    ("иностранный язык", ["Английский язык", "Китайский язык"]),
    ("секция дзюдо для детей", ["Дзюдо"]), ("кружок по химии", ["Занимательная химия"]),
    ("танцы для детей", ["Хореография"]), ("театральный кружок", ["Театральная студия"]),
    ("курсы английского", ["Английский язык"]), ("уроки гитары", ["Гитара для начинающих"]),
    ("занятия по физкультуре", ["Общая физическая подготовка"]),
    ("кружок для дошкольников", [LITTLE]), ("занятия для подростков", [TEENS]),
    ("для младших школьников", [SMALL_PUPILS]),
    ("секция лыж", ["Лыжные гонки"]), ("походы", ["Юный турист"]),
    ("мультфильмы", ["Мультстудия"]), ("программирование для детей", ["Юный программист"]),
    ("лепка из глины", ["Декоративно-прикладное творчество"]),
    ("поделки", ["Декоративно-прикладное творчество"]), ("космос", ["Астрономия"]),
    ("деньги", ["Финансовая грамотность"]), ("счёт в уме", ["Ментальная арифметика"]),
    ("школьная газета", ["Журналистика"]), ("история края", ["Краеведение", "Родной край"]),
    ("природа", ["Юный эколог", "Родной край"]), ("хочу играть в футбол", ["Футбол"]),
    ("где научиться плавать", ["Плавание"]), ("мяч", ["Футбол", "Волейбол"]),
    ("живопись", ["Рисуем акварелью", "Школа рисования"]), ("вокал", ["Вокальная студия"]),
    ("хор", ["Вокальная студия"]), ("фитнес", ["Общая физическая подготовка"]),
    ("роботы", ["Робототехника"]),
]
COMPOUNDS = [
    ("3д моделирование", ["3D-моделирование"]), ("3d моделирование", ["3D-моделирование"]),
    ("3д", ["3D-моделирование"]), ("3D", ["3D-моделирование"]),
    ("3д-моделирование", ["3D-моделирование"]),
    ("легоконструирование", ["Лего-конструирование"]),
    ("лего конструирование", ["Лего-конструирование"]), ("лего", ["Лего-конструирование",
                                                                   "Робототехника"]),
    ("мульт студия", ["Мультстудия"]), ("мультстудия", ["Мультстудия"]),
    ("авиа моделирование", ["Авиамоделирование"]), ("авиамодели", ["Авиамоделирование"]),
    ("декоративно прикладное", ["Декоративно-прикладное творчество"]),
    ("схемо техника", ["Электроника и схемотехника"]),
    ("схемотехника", ["Электроника и схемотехника"]),
    ("пинг-понг", ["Настольный теннис"]), ("фортепиано", ["Фортепиано"]),
    ("ИЗО", ["Школа рисования", "Рисуем акварелью"]), ("изостудия", ["Школа рисования",
                                                                    "Рисуем акварелью"]),
    ("естественно-научные", ["Юный эколог", "Занимательная химия", "Астрономия",
                             "Юный биолог", "Физика в опытах", "Мир под микроскопом"]),
]
NONSENSE = ["абырвалг", "ываыва", "йцукен", "фывапролд", "zzzzqx", "кщмщ", "ъъъ", "ббббб",
            "трансглюкатор", "ыыыы", "qwerty", "asdfgh", "ячсмить", "олололо", "пщпщпщ",
            "жжжжж", "хзхз", "бгггг", "ьььь", "вцвцвц", "шщшщ", "эюэю", "ктулху", "хрюкотаю",
            "шмыгль", "мрвфгх", "дрмдрм", "гзгзгз", "кукарямба", "пфффф"]

#: topics' words for the typos and the Latin layout: (the word, its topics)
WORDS = [
    ("робототехника", "Робототехника"), ("шахматы", "Шахматы"), ("плавание", "Плавание"),
    ("футбол", "Футбол"), ("волейбол", "Волейбол"), ("хореография", "Хореография"),
    ("астрономия", "Астрономия"), ("журналистика", "Журналистика"),
    ("краеведение", "Краеведение"), ("программист", "Юный программист"),
    ("авиамоделирование", "Авиамоделирование"), ("электроника", "Электроника и схемотехника"),
    ("акварелью", "Рисуем акварелью"), ("гитара", "Гитара для начинающих"),
    ("фортепиано", "Фортепиано"), ("английский", "Английский язык"),
    ("китайский", "Китайский язык"), ("театральная", "Театральная студия"),
    ("вокальная", "Вокальная студия"), ("эколог", "Юный эколог"),
    ("биолог", "Юный биолог"), ("химия", "Занимательная химия"),
    ("микроскопом", "Мир под микроскопом"), ("мультстудия", "Мультстудия"),
    ("волонтёры", "Волонтёры"), ("психолог", "Юный психолог"),
    ("арифметика", "Ментальная арифметика"), ("ориентирование", "Спортивное ориентирование"),
    ("рисования", ("Школа рисования", "Рисуем акварелью")), ("турист", "Юный турист"),
    ("музейное", "Музейное дело"), ("лыжные", "Лыжные гонки"), ("теннис", "Настольный теннис"),
    ("финансовая", "Финансовая грамотность"), ("дзюдо", "Дзюдо"),
    ("конструирование", "Лего-конструирование"), ("моделирование", "3D-моделирование"),
    ("подготовка", ("Подготовка к школе", "Общая физическая подготовка")),
    ("краеведение", "Краеведение"),
    ("физика", "Физика в опытах"),
]


def typos() -> list[tuple[str, list[str]]]:
    """Two typos of each word of 5+ letters, by fixed rules: a letter dropped, two
    neighbours swapped, a letter doubled (distance 1; the middle of the word)."""
    rng = random.Random(14)
    out = []
    for word, topic in WORDS:
        if len(word) < 5:
            continue
        for kind in rng.sample(("drop", "swap", "double"), 2):
            i = rng.randint(1, len(word) - 3)
            if kind == "drop":
                typo = word[:i] + word[i + 1:]
            elif kind == "swap":
                typo = word[:i] + word[i + 1] + word[i] + word[i + 2:]
            else:
                typo = word[:i] + word[i] + word[i:]
            if typo != word:
                out.append((typo, _topics(topic)))
    return out


def latin() -> list[tuple[str, list[str]]]:
    back = {ru: en for en, ru in LAYOUT.items()}
    return [("".join(back.get(c, c) for c in word.replace("ё", "е")), _topics(topic))
            for word, topic in WORDS]


def _topics(topic: str | tuple[str, ...]) -> list[str]:
    return [topic] if isinstance(topic, str) else list(topic)


FAMILIES = {
    "inflections": INFLECTIONS, "multi-word": MULTIWORD, "typos": typos(),
    "latin layout": latin(), "person nouns, verbs": PERSONS, "parents' words": PARENTS,
    "compounds and digits": COMPOUNDS, "nonsense": [(q, []) for q in NONSENSE],
}


def topic_of(title: str) -> str | None:
    best = None
    for name in T:
        if title.startswith(name) and (best is None or len(name) > len(best)):
            best = name
    return best


#: which programs answer a query that names an age: for those ages (at most a year older)
AGE_ANSWERS = {
    LITTLE: lambda p: p.age_from <= 6 and p.age_to <= 7,
    SMALL_PUPILS: lambda p: p.age_from <= 10 and p.age_to >= 7 and p.age_to <= 11,
    TEENS: lambda p: p.age_to >= 12 and p.age_from >= 11,
}


def evaluate(app) -> dict[str, dict]:
    from pfdo.navigator import services

    results: dict[str, dict] = {}
    with app.app_context():
        for family, queries in FAMILIES.items():
            hits, reciprocal, misses = 0, 0.0, []
            for query, topics in queries:
                page = services.find_programs(services.ProgramFilter(q=query),
                                              today=catalogue.TODAY, per_page=10)
                found = [topic_of(card.title) for card in page.cards]
                if topics and topics[0] in AGE_ANSWERS:
                    right = AGE_ANSWERS[topics[0]]
                    found = [topics[0] if right(card) else None for card in page.cards]
                if not topics:
                    ok = page.total == 0
                    hits += ok
                    reciprocal += ok
                    if not ok:
                        misses.append(f"{query} → {page.total}")
                    continue
                rank = next((i for i, t in enumerate(found, 1) if t in topics), None)
                if rank:
                    hits += 1
                    reciprocal += 1 / rank
                else:
                    misses.append(f"{query} → {', '.join(filter(None, found[:3])) or '—'}")
            results[family] = {"queries": len(queries), "recall": hits / len(queries),
                               "mrr": reciprocal / len(queries), "misses": misses}
    return results


def write_results(results: dict[str, dict], programs: int, seconds: float) -> None:
    total = sum(r["queries"] for r in results.values())
    overall = sum(r["recall"] * r["queries"] for r in results.values()) / total
    mrr = sum(r["mrr"] * r["queries"] for r in results.values()) / total
    worst = min(r["recall"] for r in results.values())
    lines = [BEGIN, f"Run {datetime.now().strftime('%d.%m.%Y %H:%M')}: {total} queries over "
             f"{programs} programs (SQLite), {seconds:.1f} s.", "",
             "| family | queries | recall@10 | MRR | missed |", "|---|---:|---:|---:|---|"]
    for family, r in results.items():
        missed = "; ".join(r["misses"][:6]) + (" …" if len(r["misses"]) > 6 else "")
        lines.append(f"| {family} | {r['queries']} | {r['recall']:.2f} | {r['mrr']:.2f} | "
                     f"{missed.replace('|', '/')} |")
    lines += ["", f"Overall recall@10 **{overall:.2f}** (target ≥ {TARGET_OVERALL}: "
              f"{'reached' if overall >= TARGET_OVERALL else 'NOT reached'}), MRR {mrr:.2f}; "
              f"the weakest family {worst:.2f} (target ≥ {TARGET_FAMILY}: "
              f"{'reached' if worst >= TARGET_FAMILY else 'NOT reached'}).", END]
    write_block(BEGIN, END, "\n".join(lines), section=SECTION, method=__doc__)


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/search.sqlite"
        os.environ["DATABASE_URL"] = url
        import flask_migrate

        from pfdo import create_app
        from pfdo.db import db

        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            flask_migrate.upgrade()
            catalogue.generate(PROGRAMS, int(PROGRAMS * 2.5), max(PROGRAMS // 20, 10), 2026)
            db.session.commit()
        started = time.perf_counter()
        results = evaluate(app)
        seconds = time.perf_counter() - started
    for family, r in results.items():
        print(f"{family:22s} {r['queries']:4d}  recall@10 {r['recall']:.2f}  MRR {r['mrr']:.2f}")
        for miss in r["misses"][:10]:
            print(f"    missed: {miss}")
    write_results(results, PROGRAMS, seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
