"""Cron commands for enrolment, run daily:

    flask enrolments remind   the working day before a deadline: remind providers of requests
                              and families of offers
    flask enrolments expire   close unanswered requests and offers not accepted in time, and
                              end the contracts of closed certificates (at the month's end)

and for the financing periods, run on 1 January (close first, then open):

    flask periods close [--period ID]  return unspent balances of ended periods to their funds
    flask periods open                 top up the financing certificates for the current period
                                       and reserve their continuing contracts' months (§5)

They live here, above certificates, because opening a period reserves contracts.
"Today" is the municipality's date. Each is idempotent: a second run changes nothing. A
refusal (DomainError) is printed and the command exits with status 1."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from pfdo.certificates import jobs as period_jobs
from pfdo.certificates.cli import echo_problems, run_job
from pfdo.db import db
from pfdo.enrollments import jobs, rollover
from pfdo.money import format_rub
from pfdo.municipality import services as municipality
from pfdo.periods.models import FinancingPeriod

enrolments_cli = AppGroup("enrolments", help="Enrolment: deadline reminders and expiry.")
periods_cli = AppGroup("periods", help="Financing periods: open and close.")


@enrolments_cli.command("remind")
def remind_command() -> None:
    """Remind of requests and offers whose deadline is the next working day."""
    report = jobs.remind(municipality.local_today())
    click.echo(f"Reminded: {report.requests} request(s) to providers, "
               f"{report.offers} offer(s) to families.")


@enrolments_cli.command("expire")
def expire_command() -> None:
    """Close requests and offers whose deadline has passed."""
    report = jobs.expire(municipality.local_today())
    click.echo(f"Expired: {report.requests} request(s) without an answer, "
               f"{report.offers} offer(s) not accepted; ended {report.contracts} contract(s) "
               "of closed certificates.")


@periods_cli.command("open")
def open_period() -> None:
    """Top every active financing certificate up to the current period's nominal and reserve
    the months of the contracts continuing into it."""
    today = municipality.local_today()
    report = run_job(lambda: rollover.open_period(today=today))
    click.echo(f"Opened the period on {today:%d.%m.%Y}: topped up {report.done} certificate(s) "
               f"with {format_rub(report.amount)}; {report.skipped} already topped up; "
               f"{len(report.problems)} problem(s).")
    if report.rolled_over:
        click.echo(f"Rolled over {report.rolled_over} contract(s): reserved "
                   f"{format_rub(report.reserved)} for their months in the period.")
    else:
        click.echo("Rolled over 0 contracts: nothing new was reserved.")
    echo_problems(report)


def _span(period: FinancingPeriod) -> str:
    return f"period #{period.id} ({period.starts_on:%d.%m.%Y}-{period.ends_on:%d.%m.%Y})"


@periods_cli.command("close")
@click.option("--period", "period_id", type=int, default=None,
              help="The period's id; by default every ended period that is not closed yet.")
def close_period(period_id) -> None:
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
        report = run_job(lambda period=period: period_jobs.close_period(period, today=today))
        click.echo(f"Closed {span}: returned {format_rub(report.amount)} from "
                   f"{report.done} certificate(s) to the fund; {report.skipped} had nothing "
                   "left.")
        echo_problems(report)
