"""Uploaded files: PDFs checked by their content, kept outside `static/` under the instance
folder, and served only by views that have checked who is asking.

A file is stored under a random key, never under the name the user gave, so a name cannot
reach another path or overwrite another file. The row remembers the original name (for the
download) and a SHA-256 of the content."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import current_app, send_file
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from pfdo.db import IntPk, Timestamp, db
from pfdo.errors import DomainError, NotFound

MAX_FILE_BYTES = 10 * 1024 * 1024
PDF_MAGIC = b"%PDF-"
PDF_CONTENT_TYPE = "application/pdf"


class StoredFile(db.Model):
    __table_args__ = (
        CheckConstraint("size > 0", "size_positive"),
    )

    id: Mapped[IntPk]
    #: the file's name on disk: random, [a-f0-9] only
    key: Mapped[str] = mapped_column(String(64), unique=True)
    #: the user's name for it, cleaned; used only as the download name
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[Timestamp]


@dataclass(frozen=True)
class Upload:
    """A file from a form, read into memory and checked (at most 10 MB)."""

    name: str
    content: bytes


def upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def clean_name(name: str | None, default: str = "документ.pdf") -> str:
    """A safe download name: no path, no control characters, ends with .pdf."""
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    name = re.sub(r"[\x00-\x1f\x7f\"<>:|?*]+", "", name).strip(" .")
    if not name:
        return default
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    return name[-200:]


def read_upload(storage, *, field: str, required: bool = False) -> Upload | None:
    """Read a werkzeug FileStorage and check it is a PDF of at most 10 MB, by its content.

    Raises DomainError(field=...) with a Russian message; returns None when no file was chosen
    and the field is optional."""
    if storage is None or not getattr(storage, "filename", ""):
        if required:
            raise DomainError("Приложите файл в формате PDF", field=field)
        return None
    content = _read_limited(storage.stream)
    return check_pdf(storage.filename, content, field=field)


def check_pdf(name: str, content: bytes | None, *, field: str) -> Upload:
    """Refuse anything but a non-empty PDF of at most 10 MB; the name's extension is ignored."""
    if content is None:
        raise DomainError("Файл больше 10 МБ. Сожмите его или разделите на части", field=field)
    if not content:
        raise DomainError("Файл пустой. Выберите файл с документом", field=field)
    # A PDF starts with %PDF- (the standard allows up to 1 KB of junk before it) and ends
    # with %%EOF near the end. An .exe renamed to .pdf has neither.
    head = content[:1024]
    if PDF_MAGIC not in head or b"%%EOF" not in content[-2048:]:
        raise DomainError("Это не PDF-файл. Сохраните документ в формате PDF и приложите снова",
                          field=field)
    return Upload(name=clean_name(name), content=content)


def _read_limited(stream: IO[bytes]) -> bytes | None:
    """The stream's bytes, or None when it is longer than the limit."""
    content = stream.read(MAX_FILE_BYTES + 1)
    return None if len(content) > MAX_FILE_BYTES else content


def store(upload: Upload, *, actor=None) -> StoredFile:
    """Write the file under a random key and add its row (flushes; the caller commits).

    If the transaction later fails, the orphan file on disk is harmless: nothing points to
    it, and `flask files prune` (not yet needed) could remove it."""
    directory = upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(16)
    path = directory / f"{key}.pdf"
    with open(path, "xb") as fh:
        fh.write(upload.content)
    row = StoredFile(key=key, original_name=upload.name, content_type=PDF_CONTENT_TYPE,
                     size=len(upload.content),
                     sha256=hashlib.sha256(upload.content).hexdigest(),
                     uploaded_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    return row


def send(stored: StoredFile, *, inline: bool = False):
    """The file as a download (or inline for public program documents), never cached by
    shared caches, never sniffed as anything else."""
    path = upload_dir() / f"{stored.key}.pdf"
    if not re.fullmatch(r"[a-f0-9]{32}", stored.key) or not path.is_file():
        raise NotFound()
    response = send_file(path, mimetype=PDF_CONTENT_TYPE, as_attachment=not inline,
                         download_name=stored.original_name, max_age=0, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store" if not inline else "public, max-age=300"
    return response
