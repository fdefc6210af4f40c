"""What the search knows about words beyond the stemmer (pfdo.programs.search uses it): the
reviewed word lists of `search_words.toml` (filler words, person nouns and verbs to their
activity, umbrella words, words that name an age), the Latin keyboard layout, the digits of
«3д», and the catalogue's own vocabulary — every indexed term with the number of programs it
is in — against which a mistyped word is corrected (RapidFuzz, edit distance 1 for words of
5+ letters, 2 for 8+)."""

from __future__ import annotations

import time
import tomllib
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlalchemy import distinct, func, select

from pfdo.db import db
from pfdo.programs.models import ProgramTerm

WORDS_FILE = Path(__file__).with_name("search_words.toml")
#: the catalogue's vocabulary is reloaded after a change in this process, or after this long
#: (another worker's change)
VOCABULARY_TTL = 300.0
#: a typed word this long may be corrected by one edit (a five-letter word with one letter
#: lost is four), MIN_TWO_EDITS by two
MIN_ONE_EDIT, MIN_TWO_EDITS = 4, 8
#: a term shorter than this is never a correction («кщмщ» is not «ким»)
MIN_TERM = 4

#: the Latin keyboard layout, key by key, on the Russian one (ЙЦУКЕН)
LAYOUT = dict(zip("qwertyuiop[]asdfghjkl;'zxcvbnm,.`",
                  "йцукенгшщзхъфывапролджэячсмитьбюё", strict=True))


@dataclass(frozen=True)
class Lists:
    """search_words.toml with every word stemmed (stems → stems)."""

    filler: frozenset[str]
    expansions: dict[str, tuple[str, ...]]
    #: every stem the lists name: real words, never taken for a typo of another
    known: frozenset[str]
    #: (stem, youngest, oldest): a program whose ages overlap is found by the stem
    ages: tuple[tuple[str, int, int], ...]


@lru_cache(maxsize=1)
def lists() -> Lists:
    from pfdo.programs.search import base, stem, token

    data = tomllib.loads(WORDS_FILE.read_text(encoding="utf-8"))

    def stemmed(word: str) -> str:
        return stem(token(word))

    expansions: dict[str, list[str]] = {}
    for table in ("derived", "umbrella"):
        for word, targets in data.get(table, {}).items():
            key = stemmed(word)
            # «пловец» also as «пловц» (пловцы), as the index keeps both
            for form in (key, base(key)):
                if not form:
                    continue
                bucket = expansions.setdefault(form, [])
                for target in targets:
                    for part in target.split():
                        value = stemmed(part)
                        if value != form and value not in bucket:
                            bucket.append(value)
    ages = {(stemmed(word), int(lo), int(hi)) for word, (lo, hi) in data.get("ages", {}).items()}
    filler = frozenset(stemmed(w) for w in data.get("filler", []))
    known = set(expansions) | {v for values in expansions.values() for v in values}
    return Lists(filler=filler, expansions={k: tuple(v) for k, v in expansions.items()},
                 known=frozenset(known | filler | {s for s, _, _ in ages}),
                 ages=tuple(sorted(ages)))


def age_stems(age_from: int, age_to: int) -> dict[str, bool]:
    """The age words a program of these ages is found by, each True when the program is
    for those ages (at most a year older) rather than only open to them: «малыш» for 5–7
    (True) and for 6–12 (False)."""
    found: dict[str, bool] = {}
    for s, lo, hi in lists().ages:
        if age_from <= hi and age_to >= lo:
            found[s] = found.get(s, False) or age_to <= hi + 1
    return found


def from_latin_layout(chunk: str) -> str | None:
    """«hj,jn» → «робот»: the chunk typed with the Latin layout on, or None when it is not
    all keys of that layout."""
    lowered = chunk.lower()
    if not lowered or not any(c.isalpha() for c in lowered):
        return None
    if any(c not in LAYOUT for c in lowered):
        return None
    return "".join(LAYOUT[c] for c in lowered)


@dataclass
class Vocabulary:
    """The indexed terms (sorted) and in how many programs each is."""

    terms: list[str]
    frequency: dict[str, int]
    programs: int

    def has_exact(self, terms) -> bool:
        return any(t in self.frequency for t in terms)

    def has_prefix(self, prefix: str) -> bool:
        i = bisect_left(self.terms, prefix)
        return i < len(self.terms) and self.terms[i].startswith(prefix)

    def share(self, exact, prefixes) -> float:
        """Roughly the share of programs a word matches: its most frequent term's."""
        best = max((self.frequency.get(t, 0) for t in exact), default=0)
        for prefix in prefixes:
            i = bisect_left(self.terms, prefix)
            while i < len(self.terms) and self.terms[i].startswith(prefix):
                best = max(best, self.frequency[self.terms[i]])
                i += 1
        return best / self.programs if self.programs else 0.0

    def correct(self, stem_: str, typed: str) -> tuple[str, str] | None:
        """The indexed term the typed word most likely meant, with the part of the typed word
        it replaces, or None. Edit distance 1 from MIN_ONE_EDIT letters, 2 from
        MIN_TWO_EDITS; compared as the stemmer cut it and with one or two final letters off
        (the stemmer does not know a mistyped word's ending: «лжные» → лжн ~ лыжн). The
        closest term of MIN_TERM+ letters with the typed first letter wins, then the most
        frequent."""
        if len(typed) < MIN_ONE_EDIT or not any(c.isalpha() for c in stem_):
            return None
        limit = 2 if len(typed) >= MIN_TWO_EDITS else 1
        best = None
        for probe in dict.fromkeys((stem_, typed, typed[:-1], typed[:-2])):
            if len(probe) < MIN_TERM - 1:
                continue
            for term, distance, _ in process.extract(probe, self.terms, scorer=OSA.distance,
                                                     score_cutoff=limit, limit=20):
                # a typo keeps the first letter (the other layout is read apart)
                if len(term) < MIN_TERM or term[:1] != typed[:1]:
                    continue
                rank = (distance, -self.frequency[term], term)
                if best is None or rank < best[0]:
                    best = (rank, term, probe)
        return (best[1], best[2]) if best else None


_cache: dict[str, tuple[float, int, Vocabulary]] = {}
_version = 0


def changed() -> None:
    """The catalogue's terms changed in this process: reload before the next search."""
    global _version
    _version += 1


def forget() -> None:
    _cache.clear()


def vocabulary() -> Vocabulary:
    key = str(db.engine.url)
    cached = _cache.get(key)
    fresh = cached is not None and time.monotonic() - cached[0] < VOCABULARY_TTL
    if fresh and cached[1] == _version:
        return cached[2]
    rows = db.session.execute(select(ProgramTerm.term, func.count())
                              .group_by(ProgramTerm.term)).all()
    programs = db.session.scalar(select(func.count(distinct(ProgramTerm.program_id)))) or 0
    frequency = {term: int(n) for term, n in rows}
    loaded = Vocabulary(terms=sorted(frequency), frequency=frequency, programs=int(programs))
    _cache[key] = (time.monotonic(), _version, loaded)
    return loaded
