"""Cron commands for certificates:

    flask certificates expire          close certificates of children who have turned 18

(`flask periods open|close` live in pfdo.enrollments.cli: opening a period also reserves the
continuing contracts, which belong to a package above this one.)

"Today" is the municipality's date. Each job is idempotent: a second run changes nothing.
A refusal (DomainError) is printed and the command exits with status 1."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from pfdo.certificates import jobs
from pfdo.errors import DomainError
from pfdo.money import format_rub
from pfdo.municipality import services as municipality

certificates_cli = AppGroup("certificates", help="Certificates: expiry at 18.")


def echo_problems(report: jobs.JobReport) -> None:
    """Print a job's problems to stderr, one a line."""
    for problem in report.problems:
        click.echo(f"PROBLEM: {problem}", err=True)


def run_job(job):
    """Run a job; a refusal becomes a non-zero exit with its message. (Notices carry links
    from pfdo.links, which needs no request.)"""
    try:
        return job()
    except DomainError as error:
        raise click.ClickException(error.message) from error


@certificates_cli.command("expire")
def expire_certificates():
    """Close the certificates of children who have turned 18 and give their places to the
    queue."""
    today = municipality.local_today()
    report = run_job(lambda: jobs.expire_certificates(today=today))
    click.echo(f"Expired {report.done} certificate(s) on {today:%d.%m.%Y}: returned "
               f"{format_rub(report.amount)} to the fund; {report.skipped} queued "
               "certificate(s) financed with the freed places.")
    echo_problems(report)
