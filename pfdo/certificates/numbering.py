"""Certificate serials that are never reused and never handed out in order.

A counter per region + municipality (NumberSerial.last_position, moved by compare-and-set) is
mapped through a keyed permutation of 1..99999: a small Feistel network on 18 bits with
cycle-walking back into the domain. A permutation cannot repeat a value, so no two positions
give one serial; the key is random per prefix, so a known number says nothing about the next
one. Serials issued in order before the permutation (1..sequential_until) are skipped."""

from __future__ import annotations

import functools
import hashlib
import secrets

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from pfdo.certificates.models import NumberSerial
from pfdo.certificates.numbers import make_number
from pfdo.db import db
from pfdo.errors import DomainError
from pfdo.municipality.models import Municipality

SERIALS = 99999  # five digits, 00000 excepted
ROUNDS = 8


def _half_bits(domain: int) -> int:
    return max(1, ((domain - 1).bit_length() + 1) // 2)


@functools.lru_cache(maxsize=32)
def _round_tables(key: str, half_bits: int) -> tuple[tuple[int, ...], ...]:
    """Each round's function as a table over every half-block: one keyed BLAKE2b per entry,
    computed once per key, so a permutation step is a few table look-ups."""
    secret = bytes.fromhex(key)
    mask = (1 << half_bits) - 1
    return tuple(
        tuple(int.from_bytes(hashlib.blake2b(bytes([r]) + v.to_bytes(4, "big"), key=secret,
                                             digest_size=4).digest(), "big") & mask
              for v in range(1 << half_bits))
        for r in range(ROUNDS))


def _feistel(value: int, tables, half_bits: int) -> int:
    mask = (1 << half_bits) - 1
    left, right = value >> half_bits, value & mask
    for table in tables:
        left, right = right, left ^ table[right]
    return (left << half_bits) | right


def permute(position: int, key: str, domain: int = SERIALS) -> int:
    """The serial (1..domain) at `position` (1..domain): a bijection for every key."""
    if not 1 <= position <= domain:
        raise ValueError(f"the position must be 1..{domain}")
    half_bits = _half_bits(domain)
    tables = _round_tables(key, half_bits)
    value = _feistel(position - 1, tables, half_bits)
    while value >= domain:  # cycle-walking: the cycle through position - 1 comes back in range
        value = _feistel(value, tables, half_bits)
    return value + 1


def new_key() -> str:
    return secrets.token_hex(32)


def next_number() -> str:
    """The next certificate number of the municipality (caller's transaction).

    Refuses: a municipality without codes; a prefix whose 99 999 serials are all used."""
    municipality = db.session.scalars(select(Municipality).limit(1)).first()
    if municipality is None:
        raise DomainError("Муниципалитет не настроен: администратор должен указать коды региона "
                          "и муниципалитета")
    prefix = municipality.region_code + municipality.municipality_code
    row = _serials_of(prefix)
    while True:
        taken = db.session.scalar(select(NumberSerial.last_position)
                                  .where(NumberSerial.prefix == prefix))
        position = taken + 1
        while position <= SERIALS and permute(position, row.permutation_key) <= \
                row.sequential_until:
            position += 1  # a serial issued in order before the permutation: skip it
        if position > SERIALS:
            raise DomainError("Номера сертификатов этого муниципалитета закончились: "
                              "обратитесь к администратору")
        # Compare-and-set: of two confirmations that read the same counter one moves it, the
        # other matches no row (PostgreSQL re-checks the WHERE after the first commits) and
        # reads the counter again. SQLite's BEGIN IMMEDIATE runs them one after the other.
        claimed = db.session.execute(
            update(NumberSerial)
            .where(NumberSerial.prefix == prefix, NumberSerial.last_position == taken)
            .values(last_position=position)
            .execution_options(synchronize_session=False)).rowcount
        if claimed:
            return make_number(municipality.region_code, municipality.municipality_code,
                               permute(position, row.permutation_key))


def _serials_of(prefix: str) -> NumberSerial:
    """The prefix's row, created with a random key on first use; a row migrated from the
    sequential numbering gets its key here too (the first writer's key wins)."""
    if db.session.get(NumberSerial, prefix) is None:
        try:
            with db.session.begin_nested():
                db.session.add(NumberSerial(prefix=prefix, last_position=0,
                                            permutation_key=new_key(), sequential_until=0))
        except IntegrityError:  # another confirmation created it first
            pass
    db.session.execute(update(NumberSerial).where(
        NumberSerial.prefix == prefix, NumberSerial.permutation_key.is_(None))
        .values(permutation_key=new_key()).execution_options(synchronize_session=False))
    row = db.session.get(NumberSerial, prefix)
    db.session.refresh(row)
    return row
