"""Cron commands of the monthly close:

    flask close-month YYYY-MM   approve and pay every reported invoice of the month
    flask billing remind        remind providers whose report for last month is due
"""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from pfdo.billing import close, jobs, months
from pfdo.billing.reports import month_label
from pfdo.db import db
from pfdo.errors import DomainError
from pfdo.money import format_rub
from pfdo.municipality import services as municipality

billing_cli = AppGroup("billing", help="The monthly close: reminders.")


def _months(count: int) -> str:
    return f"{count} contract-month{'' if count == 1 else 's'}"


@click.command("close-month")
@with_appcontext
@click.argument("month")
@click.option("--batch", default=2000, show_default=True,
              help="Contract-months per transaction.")
@click.option("--workers", type=click.IntRange(1, 16), default=None,
              help="Invoices settled at once, each on its own connection "
                   "[default: 2 on PostgreSQL, 1 on SQLite].")
def close_month(month, batch, workers):
    """Approve and pay every reported invoice of MONTH (YYYY-MM); idempotent, resumable."""
    if workers is None:
        workers = 2 if db.engine.dialect.name == "postgresql" else 1
    try:
        first = months.parse(month)
        report = close.close_month(first, today=municipality.local_today(), batch=batch,
                                   workers=workers)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    s = report.settled
    click.echo(f"Closing {month_label(first)} ({months.key(first)}): {report.invoices} "
               f"invoice(s).")
    click.echo(f"  approved by this run: {report.approved_now}; paid before this run: "
               f"{report.already_paid}")
    click.echo(f"  paid: {_months(s.paid)}, {format_rub(s.paid_amount)}")
    click.echo(f"  released (not delivered): {_months(s.released)}, "
               f"{format_rub(s.released_amount)}")
    for item in report.returned:
        click.echo(f"  returned, waiting for the provider: {item}")
    for name in report.late:
        click.echo(f"  not reported (late): {name}")
    if not report.moved_anything:
        click.echo("Nothing to do: every reported month was settled before; nothing moved.")


@billing_cli.command("remind")
def remind():
    """Remind providers whose report for last month is due (run daily)."""
    report = jobs.remind(municipality.local_today())
    click.echo(f"Reminded {report} provider(s) of their report.")
