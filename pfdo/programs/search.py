"""Word search with Russian morphology, the same on SQLite and PostgreSQL.

Every program's text is cut into words, each word reduced to its stem by the Snowball Russian
stemmer, and stored in `program_term` with the weight of the best place it occurs: the title,
then the direction, teacher and age words, the district, the description, and last the
provider's name (so that «танцы» lists dance programs before the guitar course of «Академия
танца»). Hyphenated compounds are also indexed joined («Лего-конструирование» is found by
«легоконструирование»), and a digit's Cyrillic «д» is the Latin d («3д» = «3D»). A query
word matches a program when one of its terms
  - starts with the query's stem («робот» → робототехник; stems of 3+ letters only), or
  - is a shorter stem of the same word: a prefix of the query's stem of at least 4 letters and
    at most 3 letters shorter («плавание» → плаван matches «плаваем» → плава), or
  - is the same base once the verbal -ова-/-у- alternation is cut: both sides index and ask
    for it («рисование» → рисован → рис matches «Рисуем» → рису → рис), or
  - is one of the words the query word stands for in `search_words.toml` (pfdo.programs.
    vocabulary): «шахматист» → шахматы, «единоборства» → дзюдо, карате…, «малышей» → the
    programs for ages up to 6.
A word that matches nothing in the catalogue is read in the Latin layout («hj,jn» → робот)
or corrected to the nearest indexed term (edit distance 1 from 5 letters, 2 from 8), and the
page says so; two words that make an indexed compound are joined («мульт студия»). Filler
words («кружок», «секция», «для детей») are dropped unless nothing else is left, and a word
found in most programs does not count when the query has others. A program is found when it
matches at least half of the query's words, ranked by how many it matches, then by where:
all-or-nothing no longer hides the program a parent meant.

Words of the 189-ФЗ vocabulary are synonyms: «исполнитель» = «поставщик», «социальный
сертификат» = «сертификат ПФ»."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from sqlalchemy import and_, case, delete, func, insert, literal, or_, select, union_all

from pfdo.db import db
from pfdo.periods.models import DIRECTION_LABELS, Direction
from pfdo.programs import vocabulary
from pfdo.programs.models import Funding, Program, ProgramTerm
from pfdo.providers.services import provider_renamed

WEIGHT_TITLE = 10
WEIGHT_META = 4
WEIGHT_PLACE = 3
WEIGHT_TEXT = 2
WEIGHT_PROVIDER = 1
#: a matched word counts for more than any weights: programs matching more words come first
WORD_BONUS = 100

MIN_STEM = 2
#: a stem this short matches only itself, never as a prefix («хор» is not «хореография»)
MIN_PREFIX = 4
#: a term found by the query word's own stem outranks one found through its relatives
OWN_STEM_BONUS = 5
MAX_QUERY_WORDS = 6
#: a shorter stem of the query word must keep at least this many letters
MIN_SHORTER_STEM = 4
#: …and may drop at most this many
MAX_DROPPED = 3
#: a word found in more than this share of programs does not count beside other words
COMMON_SHARE = 0.5

DIGITS = frozenset("0123456789")
_WORD = re.compile(r"[0-9a-zа-яё]+", re.IGNORECASE)
_COMPOUND = re.compile(r"[0-9a-zа-яё]+(?:-[0-9a-zа-яё]+)+", re.IGNORECASE)
_DIGIT_D = re.compile(r"([0-9])д")

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


def token(word: str) -> str:
    """A word as the index keeps it: lower case, е for ё, the «д» after a digit Latin."""
    return _DIGIT_D.sub(r"\1d", word.lower().replace("ё", "е"))


def words(text: str) -> list[str]:
    return [token(w) for w in _WORD.findall(text or "")]


@lru_cache(maxsize=20000)
def stem(word: str) -> str:
    return _stemmer().stemWord(word.lower().replace("ё", "е"))[:60]


def stems(text: str) -> list[str]:
    return [stem(w) for w in words(text) if w not in STOP_WORDS and len(w) >= MIN_STEM]


def compounds(text: str) -> list[str]:
    """The hyphenated compounds of `text`, joined and stemmed («Лего-конструирование» →
    легоконструирован)."""
    return [stem(token(c.replace("-", ""))) for c in _COMPOUND.findall(text or "")]


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
    # the fleeting vowel: «кружок» / «кружка», «зубрёнок» / «зубрёнка» → кружк, зубренк;
    # «пловец» / «пловцы», «танец» / «танцы» → пловц, танц
    if stem_[-2:] in ("ок", "ек") and len(stem_) >= 5 and stem_[-3] not in _VOWELS:
        return stem_[:-2] + "к"
    if stem_[-2:] == "ец" and len(stem_) >= 5 and stem_[-3] not in _VOWELS:
        return stem_[:-2] + "ц"
    return None


_VOWELS = frozenset("аеиоуыэюя")


def terms_for(program: Program, provider_name: str) -> dict[str, int]:
    """The program's terms and their weights."""
    weighted: dict[str, int] = {}

    def put(terms: Iterable[str], weight: int) -> None:
        for term in terms:
            if term and weighted.get(term, 0) < weight:
                weighted[term] = weight

    def add(text: str, weight: int) -> None:
        for s in stems(text):
            put((s, base(s)), weight)
        put(compounds(text), weight)

    add(program.title, WEIGHT_TITLE)
    add(f"{DIRECTION_LABELS[Direction(program.direction)]} направленность", WEIGHT_META)
    add(program.teacher, WEIGHT_META)
    for age_stem, inside in vocabulary.age_stems(program.age_from, program.age_to).items():
        put((age_stem,), WEIGHT_META if inside else WEIGHT_PROVIDER)
    add(program.district, WEIGHT_PLACE)
    if program.funding == Funding.CERTIFIED:
        add("по сертификату", WEIGHT_META)
    else:
        add("бесплатно бесплатная муниципальное задание", WEIGHT_META)
    add(program.description, WEIGHT_TEXT)
    add(f"{provider_name} поставщик", WEIGHT_PROVIDER)
    return weighted


def index_program(program: Program) -> None:
    """Replace the program's terms (flushes; the caller's unit of work commits)."""
    db.session.flush()
    db.session.execute(delete(ProgramTerm).where(ProgramTerm.program_id == program.id))
    rows = [{"program_id": program.id, "term": term, "weight": weight}
            for term, weight in terms_for(program, program.provider.short_name).items()]
    if rows:
        db.session.execute(insert(ProgramTerm), rows)
    vocabulary.changed()


@dataclass(frozen=True)
class QueryWord:
    """One word of the query: the stems it matches exactly and the prefixes it matches."""

    exact: tuple[str, ...]
    prefixes: tuple[str, ...]


@dataclass
class Understood:
    """The query as the search read it: its words' match rules and, when a word was read in
    the other keyboard layout or corrected, the query as it was understood."""

    words: list[QueryWord] = field(default_factory=list)
    corrected: str | None = None
    #: the query was only of words too short to mean anything: it finds nothing (a query of
    #: stop words only filters nothing)
    nothing: bool = False


def parse_query(text: str) -> list[QueryWord]:
    """The query's words as match rules (at most MAX_QUERY_WORDS; stop words dropped)."""
    return understand(text).words


def understand(text: str) -> Understood:
    """Read the query as a parent typed it (module docstring): layouts, filler words,
    compounds, typos, the word lists."""
    lists = vocabulary.lists()
    vocab: vocabulary.Vocabulary | None = None

    def loaded() -> vocabulary.Vocabulary:
        nonlocal vocab
        vocab = vocab or vocabulary.vocabulary()
        return vocab

    def known(stem_: str) -> bool:
        rule = _rule(stem_, lists)
        return (loaded().has_exact(rule.exact)
                or any(loaded().has_prefix(p) for p in rule.prefixes))

    def indexed(stem_: str) -> bool:
        return stem_ in loaded().frequency

    typed: list[tuple[str, str]] = []  # (the word as it will be shown, its stem)
    corrected = False
    for chunk in (text or "").split():
        chunk_words = [w for w in words(chunk) if w not in STOP_WORDS and len(w) >= MIN_STEM]
        if "-" in chunk and len(chunk_words) > 1:  # «пинг-понг», «3д-моделирование»
            joined = "".join(chunk_words)
            if stem(joined) in lists.expansions or indexed(stem(joined)):
                chunk_words = [joined]
        cyrillic = vocabulary.from_latin_layout(chunk)
        if cyrillic and chunk_words and not all(known(stem(w)) for w in chunk_words):
            converted = [w for w in words(cyrillic) if w not in STOP_WORDS and len(w) >= MIN_STEM]
            if converted and all(known(stem(w)) for w in converted):
                chunk_words, corrected = converted, True
        typed += [(w, stem(w)) for w in chunk_words]
    typed = _merge_phrases(_join_compounds(typed, indexed))
    # a token of two letters means nothing alone («ии») unless it has a digit or is listed
    short = [(w, s) for w, s in typed if len(w) > MIN_STEM or any(c in DIGITS for c in w)
             or s in lists.expansions]
    if typed and not short:
        return Understood(nothing=True)
    typed = short
    meaningful = [(w, s) for w, s in typed if s not in lists.filler]
    typed = meaningful or typed
    result: list[QueryWord] = []
    shown: list[str] = []
    seen: set[str] = set()
    for word, stem_ in typed:
        if stem_ in seen:
            continue
        seen.add(stem_)
        if (not known(stem_) and stem_ not in lists.known
                and (fix := loaded().correct(stem_, word)) is not None):
            fixed, replaced = fix
            word = fixed + word[len(replaced):] if word.startswith(replaced) else fixed
            stem_, corrected = fixed, True
        shown.append(word)
        result.append(_rule(stem_, lists))
        if len(result) == MAX_QUERY_WORDS:
            break
    if len(result) > 1 and vocab is not None:
        rare = [r for r in result if vocab.share(r.exact, r.prefixes) <= COMMON_SHARE]
        result = rare or result
    return Understood(words=result, corrected=" ".join(shown) if corrected else None)


def _rule(stem_: str, lists: vocabulary.Lists) -> QueryWord:
    alternatives = (stem_, *SYNONYMS.get(stem_, ()), *lists.expansions.get(stem_, ()))
    exact: list[str] = []
    prefixes: list[str] = []
    for alt in alternatives:
        if len(alt) < MIN_PREFIX or any(c in DIGITS for c in alt):
            exact.append(alt)
            continue
        prefixes.append(alt)
        shortest = max(MIN_SHORTER_STEM, len(alt) - MAX_DROPPED)
        exact.extend(alt[:n] for n in range(shortest, len(alt)))
        if base(alt):
            exact.append(base(alt))
    return QueryWord(exact=tuple(dict.fromkeys(exact)), prefixes=tuple(dict.fromkeys(prefixes)))


def _join_compounds(typed: list[tuple[str, str]], indexed) -> list[tuple[str, str]]:
    """Two neighbouring words whose join is an indexed term become it («мульт студия» →
    мультстудия, «лего конструирование»): compounds are indexed joined."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(typed):
        if i + 1 < len(typed):
            joined = typed[i][0] + typed[i + 1][0]
            if indexed(stem(joined)):
                out.append((joined, stem(joined)))
                i += 2
                continue
        out.append(typed[i])
        i += 1
    return out


def _merge_phrases(typed: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(typed):
        pair = tuple(s for _, s in typed[i:i + 2])
        if pair in PHRASES:
            out.append((typed[i + 1][0], PHRASES[pair]))
            i += 2
        else:
            out.append(typed[i])
            i += 1
    return out


def _word_clause(word: QueryWord):
    conditions = [ProgramTerm.term.in_(word.exact)] if word.exact else []
    conditions += [_range(prefix) for prefix in word.prefixes]
    return or_(*conditions)


def _weight(word: QueryWord):
    """A term's weight, more when the query word's own stem found it (its first prefix)."""
    if not word.prefixes:
        return ProgramTerm.weight
    own = _range(word.prefixes[0])
    return case((own, ProgramTerm.weight + OWN_STEM_BONUS), else_=ProgramTerm.weight)


def _range(prefix: str):
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(ProgramTerm.term >= prefix, ProgramTerm.term < upper)


def required(count: int) -> int:
    """How many of the query's words a program must match: at least half."""
    return max(1, math.ceil(count / 2))


def matching(query_words: Iterable[QueryWord]):
    """A subquery of (program_id, relevance) for programs matching at least half of the
    words — relevance is WORD_BONUS per matched word plus each word's best weight — or None
    when the query has no searchable words."""
    parts = [select(ProgramTerm.program_id.label("program_id"), literal(n).label("word"),
                    func.max(_weight(word)).label("weight"))
             .where(_word_clause(word)).group_by(ProgramTerm.program_id)
             for n, word in enumerate(query_words)]
    if not parts:
        return None
    hits = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("hits")
    relevance = func.count() * WORD_BONUS + func.sum(hits.c.weight)
    return (select(hits.c.program_id.label("program_id"), relevance.label("relevance"))
            .group_by(hits.c.program_id).having(func.count() >= required(len(parts)))
            .subquery("matched"))


@provider_renamed.connect
def _reindex_programs_of(provider, **_) -> None:
    """A provider's new name reaches its programs' search terms (same transaction)."""
    for program in db.session.scalars(select(Program).where(Program.provider_id == provider.id)):
        index_program(program)
