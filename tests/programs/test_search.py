"""Word search with Russian morphology: the matching rules, on the database in use."""

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
        rows = db.session.execute(
            select(Program.title).join(matched, matched.c.program_id == Program.id)
            .order_by(matched.c.relevance.desc(), Program.title)).scalars().all()
        return list(rows)


@pytest.fixture
def catalogue(app):
    prov = factories.provider(app, short_name="Радуга")
    for title, direction, description in [
        ("Робототехника", "technical", "Конструируем механизмы."),
        ("Рисуем акварелью", "arts", "Пейзажи и натюрморты."),
        ("Шахматы", "sports", "Дебюты, эндшпиль, турниры."),
        ("Юный программист", "technical", "Программирование на Python, первые роботы."),
        ("Английский язык", "social", "Разговорный английский для детей."),
    ]:
        factories.program(app, prov, title=title, direction=direction, description=description)
    factories.program(app, prov, title="Хор «Звонкие голоса»", direction="arts",
                      funding="municipal", description="Пение в хоре.")
    return prov


def test_a_word_finds_its_longer_relatives(app, catalogue):
    assert found(app, "робот") == ["Робототехника", "Юный программист"]


def test_a_noun_finds_the_verb_of_the_same_root(app, catalogue):
    assert found(app, "рисование") == ["Рисуем акварелью"]


def test_a_fleeting_vowel_does_not_hide_a_word(app, catalogue):
    prov = factories.provider(app, short_name="Лесная школа")
    factories.program(app, prov, title="Кружок «Зубрёнок»", direction="science",
                      description="Наблюдаем за зубрами и лосями.")
    assert found(app, "зубрёнка") == ["Кружок «Зубрёнок»"]
    assert found(app, "кружки") == ["Кружок «Зубрёнок»"]


def test_the_title_outranks_the_description(app, catalogue):
    assert found(app, "роботы")[0] == "Робототехника"


def test_programs_matching_more_words_come_first(app, catalogue):
    assert found(app, "шахматы турнир")[0] == "Шахматы"
    # two words, neither program has both: each is found by the word it has
    assert sorted(found(app, "шахматы акварель")) == ["Рисуем акварелью", "Шахматы"]
    # three words: a program must match at least two
    assert found(app, "шахматы турнир акварель") == ["Шахматы"]


def test_case_and_yo_do_not_matter(app, catalogue):
    assert found(app, "АНГЛИЙСКОГО") == ["Английский язык"]


def test_the_189_fz_words_are_synonyms(app, catalogue):
    assert found(app, "исполнитель Радуга") == found(app, "поставщик Радуга")
    assert len(found(app, "исполнитель Радуга")) == 6
    certified = found(app, "социальный сертификат")
    assert "Хор «Звонкие голоса»" not in certified and len(certified) == 5
    assert found(app, "бесплатно") == ["Хор «Звонкие голоса»"]


def test_a_query_of_stop_words_matches_nothing_by_words(app, catalogue):
    assert search.parse_query("и в на") == []
    assert found(app, "и в на") == []


def test_republishing_replaces_the_terms(app, catalogue):
    from pfdo.db import unit_of_work
    from pfdo.programs.models import Program

    with app.app_context():
        program = db.session.scalars(select(Program).where(Program.title == "Шахматы")).one()
        with unit_of_work():
            program.title = "Шашки"
            search.index_program(program)
    assert found(app, "шахматы") == []
    assert found(app, "шашки") == ["Шашки"]


def test_reindex_command_rebuilds_lost_terms(app, catalogue):
    from sqlalchemy import delete

    from pfdo.db import unit_of_work
    from pfdo.programs.models import ProgramTerm

    with app.app_context():
        with unit_of_work():
            db.session.execute(delete(ProgramTerm))
    assert found(app, "шахматы") == []
    result = app.test_cli_runner().invoke(args=["programs", "reindex"])
    assert result.exit_code == 0, result.output
    assert "6 programs" in result.output
    assert found(app, "шахматы") == ["Шахматы"]
