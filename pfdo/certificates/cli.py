"""Cron commands for periods and certificates:

    flask periods open                 top up financing certificates for the current period
    flask periods close [--period ID]  return unspent balances of ended periods to their funds
    flask certificates expire          close certificates of children who have turned 18

"Today" is the municipality's date. Each job is idempotent: a second run changes nothing.
A refusal (DomainError) is printed and the command exits with status 1."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from pfdo.certificates import jobs
from pfdo.db import db
from pfdo.errors import DomainError
from pfdo.money import format_rub
from pfdo.municipality import services as municipality
from pfdo.periods.models import FinancingPeriod

periods_cli = AppGroup("periods", help="Financing periods: open and close.")
certificates_cli = AppGroup("certificates", help="Certificates: expiry at 18.")


def _span(period: FinancingPeriod) -> str:
    return f"period #{period.id} ({period.starts_on:%d.%m.%Y}-{period.ends_on:%d.%m.%Y})"


def _problems(report: jobs.JobReport) -> None:
    for problem in report.problems:
        click.echo(f"PROBLEM: {problem}", err=True)


def _run(job):
    """Run a job; a refusal becomes a non-zero exit with its message. (Notices carry links
    from pfdo.links, which needs no request.)"""
    try:
        return job()
    except DomainError as error:
        raise click.ClickException(error.message) from error


@periods_cli.command("open")
def open_period():
    """Top every active financing certificate up to the current period's nominal."""
    today = municipality.local_today()
    report = _run(lambda: jobs.open_period(today=today))
    click.echo(f"Opened the period on {today:%d.%m.%Y}: topped up {report.done} certificate(s) "
               f"with {format_rub(report.amount)}; {report.skipped} already topped up; "
               f"{len(report.problems)} problem(s).")
    _problems(report)


@periods_cli.command("close")
@click.option("--period", "period_id", type=int, default=None,
              help="The period's id; by default every ended period that is not closed yet.")
def close_period(period_id):
    """Return the unspent, unreserved balances of ended periods to their funds."""
    today = municipality.local_today()
    if period_id is not None:
        period = db.session.get(FinancingPeriod, period_id)
        if period is None:
            raise click.ClickException(f"No period with id {period_id}.")
        due = [period]
    else:
        due = db.session.scalars(select(FinancingPeriod).where(
            FinancingPeriod.ends_on < today, FinancingPeriod.closed_at.is_(None))
            .order_by(FinancingPeriod.starts_on)).all()
        if not due:
            click.echo("No ended period left to close.")
            return
    for period in due:
        span = _span(period)
        report = _run(lambda period=period: jobs.close_period(period, today=today))
        click.echo(f"Closed {span}: returned {format_rub(report.amount)} from "
                   f"{report.done} certificate(s) to the fund; {report.skipped} had nothing "
                   "left.")
        _problems(report)


@certificates_cli.command("expire")
def expire_certificates():
    """Close the certificates of children who have turned 18 and give their places to the
    queue."""
    today = municipality.local_today()
    report = _run(lambda: jobs.expire_certificates(today=today))
    click.echo(f"Expired {report.done} certificate(s) on {today:%d.%m.%Y}: returned "
               f"{format_rub(report.amount)} to the fund; {report.skipped} queued "
               "certificate(s) financed with the freed places.")
    _problems(report)
