"""Word search with Russian morphology, the same on SQLite and PostgreSQL.

Every program's text is cut into words, each word reduced to its stem by the Snowball Russian
stemmer, and stored in `program_term` with the weight of the best place it occurs (title,
then provider/direction/teacher, then description). A query word matches a program when one
of its terms
  - starts with the query's stem («робот» → робототехник), or
  - is a shorter stem of the same word: a prefix of the query's stem of at least 4 letters and
    at most 3 letters shorter («плавание» → плаван matches «плаваем» → плава), or
  - is the same base once the verbal -ова-/-у- alternation is cut: both sides index and ask
    for it («рисование» → рисован → рис matches «Рисуем» → рису → рис).
Both are index lookups (equality, and a range `q <= term < q'` with q' the successor of q),
never
`LIKE '%…%'`. Every query word must match; relevance is the sum of the best weights.

Words of the 189-ФЗ vocabulary are synonyms: «исполнитель» = «поставщик», «социальный
сертификат» = «сертификат ПФ»."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from sqlalchemy import and_, delete, func, insert, or_, select

from pfdo.db import db
from pfdo.periods.models import DIRECTION_LABELS, Direction
from pfdo.programs.models import FUNDING_LABELS, Funding, Program, ProgramTerm
from pfdo.providers.services import provider_renamed

WEIGHT_TITLE = 10
WEIGHT_META = 4
WEIGHT_TEXT = 1

MIN_STEM = 2
MAX_QUERY_WORDS = 6
#: a shorter stem of the query word must keep at least this many letters
MIN_SHORTER_STEM = 4
#: …and may drop at most this many
MAX_DROPPED = 3

_WORD = re.compile(r"[0-9a-zа-яё]+", re.IGNORECASE)

#: words too common to mean anything in a search
STOP_WORDS = frozenset("""
и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее её мне
было вот от меня еще ещё нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него
до вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы
тебя их чем была сам чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому
этого какой совсем ним здесь этом один почти мой тем чтобы нее кажется сейчас были куда зачем
всех никогда можно при наконец два об другой хоть после над больше тот через эти нас про всего
них какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше чуть том нельзя
такой им более всегда конечно всю между это лет год года
""".split())

#: query stem -> stems it also stands for (the 189-ФЗ words and their older equivalents)
SYNONYMS = {
    "исполнител": ("поставщик",),
    "поставщик": ("исполнител",),
}
#: a two-word phrase replaced by one stem before matching
PHRASES = {
    ("социальн", "сертификат"): "сертификат",
}


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("russian")


def words(text: str) -> list[str]:
    return [w.lower().replace("ё", "е") for w in _WORD.findall(text or "")]


@lru_cache(maxsize=20000)
def stem(word: str) -> str:
    return _stemmer().stemWord(word.lower().replace("ё", "е"))[:60]


def stems(text: str) -> list[str]:
    return [stem(w) for w in words(text) if w not in STOP_WORDS and len(w) >= MIN_STEM]


#: verb stems alternate -ова-/-у- (рисовать, рисование → рису-ем): both reduce to one base
_VERBAL_SUFFIXES = ("ован", "еван", "ова", "ева")


@lru_cache(maxsize=20000)
def base(stem_: str) -> str | None:
    """The stem without the -ова-/-у- alternation («рисован» and «рису» → «рис») or the
    fleeting vowel («кружок» → «кружк»), or None when nothing changes or too little would
    remain."""
    for suffix in _VERBAL_SUFFIXES:
        if stem_.endswith(suffix) and len(stem_) - len(suffix) >= 3:
            return stem_[: -len(suffix)]
    if stem_[-1:] in ("у", "ю") and len(stem_) >= 4:
        return stem_[:-1]
    # the fleeting vowel: «кружок» / «кружка», «зубрёнок» / «зубрёнка» → кружк, зубренк
    if stem_[-2:] in ("ок", "ек") and len(stem_) >= 5 and stem_[-3] not in _VOWELS:
        return stem_[:-2] + "к"
    return None


_VOWELS = frozenset("аеиоуыэюя")


def terms_for(program: Program, provider_name: str) -> dict[str, int]:
    """The program's terms and their weights."""
    weighted: dict[str, int] = {}

    def add(text: str, weight: int) -> None:
        for s in stems(text):
            for term in (s, base(s)):
                if term and weighted.get(term, 0) < weight:
                    weighted[term] = weight

    add(program.title, WEIGHT_TITLE)
    add(f"{DIRECTION_LABELS[Direction(program.direction)]} направленность", WEIGHT_META)
    add(f"{provider_name} поставщик", WEIGHT_META)
    add(program.teacher, WEIGHT_META)
    add(program.district, WEIGHT_META)
    add(FUNDING_LABELS[Funding(program.funding)], WEIGHT_META)
    if program.funding == Funding.CERTIFIED:
        add("сертификат персонифицированного финансирования", WEIGHT_META)
    else:
        add("бесплатно бесплатная муниципальное задание", WEIGHT_META)
    add(program.description, WEIGHT_TEXT)
    return weighted


def index_program(program: Program) -> None:
    """Replace the program's terms (flushes; the caller's unit of work commits)."""
    db.session.flush()
    db.session.execute(delete(ProgramTerm).where(ProgramTerm.program_id == program.id))
    rows = [{"program_id": program.id, "term": term, "weight": weight}
            for term, weight in terms_for(program, program.provider.short_name).items()]
    if rows:
        db.session.execute(insert(ProgramTerm), rows)


@dataclass(frozen=True)
class QueryWord:
    """One word of the query: the stems it matches exactly and the prefixes it matches."""

    exact: tuple[str, ...]
    prefixes: tuple[str, ...]


def parse_query(text: str) -> list[QueryWord]:
    """The query's words as match rules (at most MAX_QUERY_WORDS; stop words dropped)."""
    found = stems(text)
    merged: list[str] = []
    i = 0
    while i < len(found):
        pair = tuple(found[i:i + 2])
        if pair in PHRASES:
            merged.append(PHRASES[pair])
            i += 2
        else:
            merged.append(found[i])
            i += 1
    result: list[QueryWord] = []
    seen: set[str] = set()
    for s in merged:
        if s in seen:
            continue
        seen.add(s)
        alternatives = (s, *SYNONYMS.get(s, ()))
        exact: list[str] = []
        for alt in alternatives:
            shortest = max(MIN_SHORTER_STEM, len(alt) - MAX_DROPPED)
            exact.extend(alt[:n] for n in range(shortest, len(alt)))
            if base(alt):
                exact.append(base(alt))
        result.append(QueryWord(exact=tuple(exact), prefixes=alternatives))
        if len(result) == MAX_QUERY_WORDS:
            break
    return result


def _word_clause(word: QueryWord):
    conditions = [ProgramTerm.term.in_(word.exact)] if word.exact else []
    for prefix in word.prefixes:
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        conditions.append(and_(ProgramTerm.term >= prefix, ProgramTerm.term < upper))
    return or_(*conditions)


def matching(query_words: Iterable[QueryWord]):
    """A subquery of (program_id, relevance) for programs matching every word, or None when
    the query has no searchable words."""
    parts = []
    for n, word in enumerate(query_words):
        parts.append(
            select(ProgramTerm.program_id.label("program_id"),
                   func.max(ProgramTerm.weight).label("weight"))
            .where(_word_clause(word))
            .group_by(ProgramTerm.program_id)
            .subquery(f"w{n}")
        )
    if not parts:
        return None
    first = parts[0]
    relevance = first.c.weight
    stmt_from = first
    for part in parts[1:]:
        stmt_from = stmt_from.join(part, part.c.program_id == first.c.program_id)
        relevance = relevance + part.c.weight
    return (select(first.c.program_id.label("program_id"), relevance.label("relevance"))
            .select_from(stmt_from).subquery("matched"))


@provider_renamed.connect
def _reindex_programs_of(provider, **_) -> None:
    """A provider's new name reaches its programs' search terms (same transaction)."""
    for program in db.session.scalars(select(Program).where(Program.provider_id == provider.id)):
        index_program(program)
