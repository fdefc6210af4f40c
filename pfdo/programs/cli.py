"""`flask programs reindex`: rebuild every program's search terms (after an upgrade that
changes how words are stemmed, or after a restore)."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pfdo.db import db, unit_of_work
from pfdo.programs import search
from pfdo.programs.models import Program

programs_cli = AppGroup("programs", help="Programs: maintenance of the navigator's search.")


@programs_cli.command("reindex")
def reindex():
    """Rebuild the search terms of every program, 500 per transaction."""
    ids = list(db.session.scalars(select(Program.id).order_by(Program.id)))
    for start in range(0, len(ids), 500):
        with unit_of_work():
            for program in db.session.scalars(
                    select(Program).where(Program.id.in_(ids[start:start + 500]))
                    .options(selectinload(Program.provider))):
                search.index_program(program)
    click.echo(f"Search terms rebuilt for {len(ids)} programs")
