"""The catalogue's «Организация» filter: a name typed in part finds the registry's providers.

The list of providers with a published program is small enough to be held whole (it is cached
per catalogue version, see `cache_views.by_version`), so matching is done here over it rather
than by the database: the same answer on SQLite and PostgreSQL, whatever their collations do
with Cyrillic case. A name is compared casefolded, «ё» as «е», quotes and punctuation dropped,
spaces collapsed: «радуга», «РАДУГА» and «"Радуга"» find «ЦДТ «Радуга»»."""

from __future__ import annotations

import re
import unicodedata

#: how many names the type-ahead offers
SUGGESTIONS = 10

_NOT_WORD = re.compile(r"[^\w]+")


def folded(text: str) -> str:
    """The name as it is compared: NFKC, casefolded, «ё» → «е», words joined by one space."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return " ".join(_NOT_WORD.sub(" ", text).split())


def matching(text: str, providers: list[tuple[int, str]]) -> list[int]:
    """Ids of the providers whose short name contains the typed text (empty for none)."""
    needle = folded(text)
    if not needle:
        return []
    return [provider_id for provider_id, name in providers if needle in folded(name)]


def suggest(text: str, providers: list[tuple[int, str]],
            limit: int = SUGGESTIONS) -> list[str]:
    """Names for the type-ahead: those whose name or one of its words begins with the text
    first, then those that contain it, each group in the list's order (by name); each name
    once."""
    needle = folded(text)
    if not needle:
        return []
    starts, contains = [], []
    for _, name in providers:
        name_folded = folded(name)
        if name_folded.startswith(needle) or f" {needle}" in name_folded:
            starts.append(name)
        elif needle in name_folded:
            contains.append(name)
    return list(dict.fromkeys(starts + contains))[:limit]


def name_of(provider_id: str, providers: list[tuple[int, str]]) -> str:
    """The short name for an id from an older shared link (`?provider=12`), or ""."""
    return next((name for p_id, name in providers if str(p_id) == provider_id), "")
