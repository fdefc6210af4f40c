"""identity: ASCII identifiers, an identity key without the отчество, the document key

Children's СНИЛС and document series/numbers are rewritten as ASCII digits (a full-width or
Arabic-Indic СНИЛС was stored as typed before); certificate applications get the new identity
key (surname + first name + date of birth, case-folded, «ё» as «е», no отчество) and a
document key, each unique among live (not refused) applications. Indexes for the
coordinator's duplicate search: child.birth_date, child.document_number.

A live application whose new key would collide with an earlier live one (a duplicate child
that got through the old checks) keeps its old СНИЛС and identity key and gets its document
key suffixed with «#<id>», so the upgrade never fails; the migration logs those applications,
and the coordinator's application page lists them as possible duplicates.

The normalisation is copied here (not imported) so that this revision keeps doing what it
did when it landed.

Revision ID: 0008
Revises: 0007
"""
import logging
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

LIVE = sa.text("status <> 'refused'")
log = logging.getLogger("alembic.runtime.migration")

_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
_ROMAN = str.maketrans({"І": "I", "Ӏ": "I", "1": "I", "Х": "X", "С": "C"})
_CYRILLIC = str.maketrans({"A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "K": "К",
                           "M": "М", "O": "О", "P": "Р", "T": "Т", "X": "Х", "Y": "У"})
_BIRTH_SERIES = re.compile(r"^[IVXLC]{1,6}-[А-ЯЁ]{2}$")


def _fold(value):
    parts, run = [], []
    for char in value or "":
        if unicodedata.category(char) == "No":
            parts += [unicodedata.normalize("NFKC", "".join(run)), char]
            run = []
        else:
            run.append(char)
    parts.append(unicodedata.normalize("NFKC", "".join(run)))
    out = []
    for char in "".join(parts):
        digit = None if char.isascii() else unicodedata.decimal(char, None)
        out.append(str(digit) if digit is not None else char)
    return "".join(out)


def _kept(value):
    return "".join(c for c in _fold(value).strip()
                   if not (c.isspace() or c in _DASHES or c in "()."
                           or unicodedata.category(c) in ("Pd", "Cf")))


def _digits(value):
    """ASCII digits, or the value unchanged when it is not made of digits."""
    kept = _kept(value)
    return kept if kept and kept.isascii() and kept.isdigit() else value


def _birth_series(value):
    kept = _kept(value).upper()
    if len(kept) < 3:
        return value
    series = f"{kept[:-2].translate(_ROMAN)}-{kept[-2:].translate(_CYRILLIC)}"
    return series if _BIRTH_SERIES.match(series) else value


def _name_key(text):
    folded = _fold(text).casefold().replace("ё", "е")
    return re.sub(r"\s*[-\u2010-\u2015\u2212]\s*", "-", " ".join(folded.split()))


child = sa.table("child", sa.column("id", sa.Integer), sa.column("last_name", sa.String),
                 sa.column("first_name", sa.String), sa.column("middle_name", sa.String),
                 sa.column("birth_date", sa.Date), sa.column("snils", sa.String),
                 sa.column("document_type", sa.String), sa.column("document_series", sa.String),
                 sa.column("document_number", sa.String))
application = sa.table("certificate_application", sa.column("id", sa.Integer),
                       sa.column("child_id", sa.Integer), sa.column("status", sa.String),
                       sa.column("snils", sa.String), sa.column("identity_key", sa.String),
                       sa.column("document_key", sa.String))


def _normalise_children(conn):
    for row in conn.execute(sa.select(child)).mappings().all():
        series = (_birth_series(row["document_series"])
                  if row["document_type"] == "birth_certificate"
                  else _digits(row["document_series"]))
        values = {"snils": _digits(row["snils"]), "document_series": series,
                  "document_number": _digits(row["document_number"])}
        if any(values[k] != row[k] for k in values):
            conn.execute(sa.update(child).where(child.c.id == row["id"]).values(**values))


def _new_keys(conn):
    """application id -> (status, old and new snils, identity and document keys)."""
    rows = conn.execute(
        sa.select(application.c.id, application.c.status, application.c.snils,
                  application.c.identity_key, child.c.snils.label("child_snils"),
                  child.c.document_type, child.c.document_series, child.c.document_number)
        .select_from(application.join(child, child.c.id == application.c.child_id))
        .order_by(application.c.id)).mappings().all()
    keys = {}
    for row in rows:
        parts = row["identity_key"].split("|")
        identity = row["identity_key"]
        if len(parts) == 4:  # «фамилия|имя|отчество|дата» before this revision
            identity = f"{_name_key(parts[0])}|{_name_key(parts[1])}|{parts[3]}"
        document = (f"{row['document_type']}|{row['document_series'].strip().upper()}|"
                    f"{row['document_number'].strip()}")
        keys[row["id"]] = {"live": row["status"] != "refused",
                           "old_snils": row["snils"], "snils": _digits(row["snils"]),
                           "old_identity": row["identity_key"], "identity": identity,
                           "document": document}
    return keys


def _resolve_collisions(keys):
    """Live keys must stay unique: a value already stored as it is keeps it; otherwise the
    earliest application gets the normalised value and a later duplicate its old one."""
    taken = {"snils": set(), "identity": set(), "document": set()}
    for k in keys.values():
        if k["live"] and k["snils"] == k["old_snils"]:
            taken["snils"].add(k["snils"])
    duplicates = []
    for app_id, k in keys.items():
        if not k["live"]:
            continue
        if k["snils"] != k["old_snils"]:
            if k["snils"] in taken["snils"]:
                k["snils"] = k["old_snils"]
                duplicates.append(app_id)
            taken["snils"].add(k["snils"])
        if k["identity"] in taken["identity"]:
            k["identity"] = k["old_identity"]
            duplicates.append(app_id)
        taken["identity"].add(k["identity"])
        if k["document"] in taken["document"]:
            k["document"] = f"{k['document']}#{app_id}"
            duplicates.append(app_id)
        taken["document"].add(k["document"])
    return sorted(set(duplicates))


def upgrade():
    conn = op.get_bind()
    with op.batch_alter_table("child", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_child_birth_date"), ["birth_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_child_document_number"), ["document_number"],
                              unique=False)
    _normalise_children(conn)
    with op.batch_alter_table("certificate_application", schema=None) as batch_op:
        batch_op.drop_index("uq_certificate_application_snils_live", sqlite_where=LIVE,
                            postgresql_where=LIVE)
        batch_op.drop_index("uq_certificate_application_identity_live", sqlite_where=LIVE,
                            postgresql_where=LIVE)
        batch_op.add_column(sa.Column("document_key", sa.String(length=60), nullable=True))
    keys = _new_keys(conn)
    duplicates = _resolve_collisions(keys)
    for app_id, k in keys.items():
        conn.execute(sa.update(application).where(application.c.id == app_id).values(
            snils=k["snils"], identity_key=k["identity"], document_key=k["document"]))
    if duplicates:
        log.warning("certificate applications that duplicate an earlier live one (see their "
                    "pages for the possible duplicates): %s", ", ".join(map(str, duplicates)))
    with op.batch_alter_table("certificate_application", schema=None) as batch_op:
        batch_op.alter_column("document_key", existing_type=sa.String(length=60),
                              nullable=False)
        batch_op.create_index("uq_certificate_application_snils_live", ["snils"], unique=True,
                              sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.create_index("uq_certificate_application_identity_live", ["identity_key"],
                              unique=True, sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.create_index("uq_certificate_application_document_live", ["document_key"],
                              unique=True, sqlite_where=LIVE, postgresql_where=LIVE)


def downgrade():
    conn = op.get_bind()
    with op.batch_alter_table("certificate_application", schema=None) as batch_op:
        batch_op.drop_index("uq_certificate_application_document_live", sqlite_where=LIVE,
                            postgresql_where=LIVE)
        batch_op.drop_index("uq_certificate_application_identity_live", sqlite_where=LIVE,
                            postgresql_where=LIVE)
        batch_op.drop_column("document_key")
    # The identity key as it was: «фамилия|имя|отчество|дата», lower-cased, «ё» as «е».
    rows = conn.execute(sa.select(application.c.id, child.c.last_name, child.c.first_name,
                                  child.c.middle_name, child.c.birth_date)
                        .select_from(application.join(child,
                                                      child.c.id == application.c.child_id))
                        ).all()
    for app_id, last, first, middle, born in rows:
        key = "|".join(p.strip().lower().replace("ё", "е")
                       for p in (last, first, middle or "", born.isoformat()))
        conn.execute(sa.update(application).where(application.c.id == app_id)
                     .values(identity_key=key))
    with op.batch_alter_table("certificate_application", schema=None) as batch_op:
        batch_op.create_index("uq_certificate_application_identity_live", ["identity_key"],
                              unique=True, sqlite_where=LIVE, postgresql_where=LIVE)
    with op.batch_alter_table("child", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_child_document_number"))
        batch_op.drop_index(batch_op.f("ix_child_birth_date"))
