"""Cron commands for enrolment, run daily:

    flask enrolments remind   the working day before a deadline: remind providers of requests
                              and families of offers
    flask enrolments expire   close unanswered requests and offers not accepted in time, and
                              end the contracts of closed certificates (at the month's end)

"Today" is the municipality's date. Both are idempotent: a second run changes nothing."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from pfdo.enrollments import jobs
from pfdo.municipality import services as municipality

enrolments_cli = AppGroup("enrolments", help="Enrolment: deadline reminders and expiry.")


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
