"""The search as parents type (issue 14): typos, the Latin keyboard layout, person nouns and
verbs, umbrella words, filler words, words that name an age, compounds and digits, the
provider's name below the title, short and common words — on the database in use, so the
same answers on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pfdo.db import db
from pfdo.programs import search
from tests import factories


def found(app, text: str) -> list[str]:
    from pfdo.programs.models import Program

    with app.app_context():
        matched = search.matching(search.parse_query(text))
        if matched is None:
            return []
        return list(db.session.scalars(
            select(Program.title).join(matched, matched.c.program_id == Program.id)
            .order_by(matched.c.relevance.desc(), Program.title, Program.id)))


def corrected(app, text: str) -> str | None:
    with app.app_context():
        return search.understand(text).corrected


@pytest.fixture
def catalogue(app):
    school = factories.provider(app, short_name="Центр творчества")
    dance = factories.provider(app, short_name="Академия танца «Грация»")
    for title, direction, description, ages in [
        ("Робототехника", "technical", "Собираем роботов на конструкторах LEGO.", (8, 12)),
        ("Шахматы", "sports", "Дебюты, эндшпиль, турниры.", (7, 14)),
        ("Плавание", "sports", "Учимся держаться на воде и плавать кролем.", (7, 12)),
        ("Дзюдо", "sports", "Страховка, броски и удержания.", (8, 15)),
        ("Школа рисования", "arts", "Карандаш, гуашь и пастель.", (7, 12)),
        ("Вокальная студия", "arts", "Ставим голос, поём соло и в ансамбле.", (8, 16)),
        ("3D-моделирование", "technical", "Модели в Blender, печать на 3D-принтере.", (11, 17)),
        ("Лего-конструирование", "technical", "Строим модели из LEGO.", (5, 7)),
        ("Мультстудия", "arts", "Снимаем пластилиновые мультфильмы.", (8, 13)),
        ("Юный программист", "technical", "Пишем программы на Scratch и Python.", (9, 14)),
        ("Финансовая грамотность", "social", "Как планировать бюджет и копить.", (11, 16)),
        ("Подготовка к школе", "social", "Развиваем речь, внимание и логику.", (5, 6)),
    ]:
        factories.program(app, school, title=title, direction=direction,
                          description=description, age_from=ages[0], age_to=ages[1])
    factories.program(app, dance, title="Хореография", direction="arts",
                      description="Классический и народный танец, ставим номера.")
    factories.program(app, dance, title="Гитара для начинающих", direction="arts",
                      description="Аккорды, бой, песни под гитару.")
    return school


@pytest.mark.parametrize("typed, title", [
    ("робтотехника", "Робототехника"), ("шахмты", "Шахматы"), ("хорегорафия", "Хореография"),
    ("вокальаня", "Вокальная студия"), ("мультсудия", "Мультстудия"),
])
def test_a_typo_is_corrected_and_said(app, catalogue, typed, title):
    assert found(app, typed)[0] == title
    assert corrected(app, typed) is not None


def test_the_correction_reads_as_a_word(app, catalogue):
    assert corrected(app, "робтотехника") == "робототехника"
    assert corrected(app, "шахмты") == "шахматы"
    assert corrected(app, "шахматы") is None  # nothing to correct


def test_nonsense_still_finds_nothing(app, catalogue):
    for nonsense in ("абырвалг", "ываыва", "zzzzqx", "кщмщ"):
        assert found(app, nonsense) == [], nonsense


def test_the_latin_layout_is_read_as_russian(app, catalogue):
    assert found(app, "hj,jnjnt[ybrf")[0] == "Робототехника"
    assert found(app, "if[vfns")[0] == "Шахматы"
    assert corrected(app, "if[vfns") == "шахматы"
    # a Latin word the catalogue has stays Latin
    assert found(app, "python") == ["Юный программист"]


@pytest.mark.parametrize("typed, title", [
    ("шахматист", "Шахматы"), ("пловец", "Плавание"), ("бассейн", "Плавание"),
    ("танец", "Хореография"), ("танцы", "Хореография"), ("рисовать", "Школа рисования"),
    ("пение", "Вокальная студия"), ("петь", "Вокальная студия"), ("мультики", "Мультстудия"),
])
def test_person_nouns_verbs_and_objects_find_the_activity(app, catalogue, typed, title):
    assert found(app, typed)[0] == title


@pytest.mark.parametrize("typed, title", [
    ("единоборства", "Дзюдо"), ("айти", "Юный программист"), ("it", "Робототехника"),
])
def test_umbrella_words_find_their_activities(app, catalogue, typed, title):
    assert title in found(app, typed)[:5]


@pytest.mark.parametrize("typed, title", [
    ("кружок рисования", "Школа рисования"), ("секция плавания", "Плавание"),
    ("занятия по шахматам для детей", "Шахматы"), ("кружок робототехники", "Робототехника"),
])
def test_filler_words_are_optional(app, catalogue, typed, title):
    assert found(app, typed)[0] == title


def test_a_word_for_an_age_finds_the_programs_of_that_age(app, catalogue):
    little = found(app, "для малышей")
    assert set(little) == {"Лего-конструирование", "Подготовка к школе"}
    assert found(app, "шахматы для малышей") == ["Шахматы"] or "Шахматы" in found(
        app, "шахматы для малышей")


@pytest.mark.parametrize("typed, title", [
    ("3д моделирование", "3D-моделирование"), ("3d моделирование", "3D-моделирование"),
    ("3д", "3D-моделирование"), ("легоконструирование", "Лего-конструирование"),
    ("лего конструирование", "Лего-конструирование"), ("мульт студия", "Мультстудия"),
])
def test_compounds_and_digits_are_split_and_joined(app, catalogue, typed, title):
    assert found(app, typed)[0] == title


def test_the_title_outranks_the_providers_name(app, catalogue):
    dances = found(app, "танцы")
    assert dances[0] == "Хореография"
    assert dances.index("Хореография") < dances.index("Гитара для начинающих")


def test_short_and_common_words_do_not_match_broadly(app, catalogue):
    assert found(app, "ии") == []
    # the funding's own words are not an activity: «финансы» is the financial literacy course
    assert found(app, "финансы") == ["Финансовая грамотность"]


def test_real_words_the_catalogue_lacks_are_not_taken_for_typos(app, catalogue):
    # «карате» is not «карте»: a listed word finds its relatives, never a look-alike
    assert found(app, "карате") == ["Дзюдо"]
    assert corrected(app, "карате") is None


def test_a_query_of_two_letter_words_finds_nothing(app, catalogue):
    with app.app_context():
        assert search.understand("ии").nothing
        assert not search.understand("и в на").nothing
