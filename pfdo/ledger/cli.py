"""`flask ledger-check`: the ledger's invariants, for cron and for the restore drill: balances
explained by transfers, double entry, floors, and escrows as two-phase transfers (see
pfdo.ledger.checks)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from pfdo.ledger import services
from pfdo.money import format_rub


@click.command("ledger-check")
@with_appcontext
def ledger_check():
    """Check the ledger's invariants; print every breach and exit 1, or a summary and exit 0."""
    breaches = services.check_invariants()
    if breaches:
        for breach in breaches:
            click.echo(f"BREACH: {breach}", err=True)
        click.echo(f"Ledger BROKEN: {len(breaches)} breach(es).", err=True)
        click.get_current_context().exit(1)
    accounts, transfers, total = services.summary()
    click.echo(f"Ledger OK: {accounts} accounts, {transfers} transfers, "
               f"total {format_rub(total)}")
