"""`flask privacy erase`: anonymise the families whose consent was withdrawn 30 days ago."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from pfdo.errors import DomainError
from pfdo.municipality import services as municipality
from pfdo.privacy import erasure

privacy_cli = AppGroup("privacy", help="Personal data: erasure after a consent withdrawal.")


@privacy_cli.command("erase")
def erase():
    """Anonymise every family whose consent to personal-data processing was withdrawn and is
    due (run it daily from cron: 152-ФЗ gives 30 days)."""
    today = municipality.local_today()
    # A request context: freed financing places go to the queue, whose notices carry links.
    with current_app.test_request_context():
        try:
            erased = erasure.erase_due(today=today)
        except DomainError as error:
            raise click.ClickException(error.message) from error
    click.echo(f"Erased the personal data of {erased} famil{'y' if erased == 1 else 'ies'} "
               f"on {today:%d.%m.%Y}.")
