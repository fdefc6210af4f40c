"""Command-line tools: `flask users create`, `flask outbox send`, `flask demo seed`,
`flask ledger-check`, `flask periods open|close`, `flask certificates expire`,
`flask privacy erase`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from pfdo import links
from pfdo.accounts import services as accounts
from pfdo.accounts.models import Role
from pfdo.certificates.cli import certificates_cli
from pfdo.errors import DomainError
from pfdo.ledger.cli import ledger_check

users_cli = AppGroup("users", help="User accounts.")
outbox_cli = AppGroup("outbox", help="The e-mail outbox.")
demo_cli = AppGroup("demo", help="The demo municipality.")


@users_cli.command("create")
@click.option("--role", required=True, type=click.Choice([str(r) for r in Role.staff()]))
@click.option("--email", required=True)
@click.option("--last-name", required=True)
@click.option("--first-name", required=True)
@click.option("--middle-name", default="")
@click.option("--phone", default="")
@click.option("--password", default=None, help="Without it an invitation link is e-mailed.")
def create_user(role, email, last_name, first_name, middle_name, phone, password):
    """Create a staff account (the first admin, for instance)."""
    account = accounts.StaffAccount(
        name=accounts.PersonName(last_name, first_name, middle_name), email=email, role=role,
        phone=phone, password=password,
    )
    try:
        user = accounts.create_staff_user(account, actor=None)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")
    if password is None:
        link = links.absolute_url("accounts.reset_password",
                                  token=accounts.make_reset_token(user))
        click.echo(f"Invitation e-mailed; the link to set a password: {link}")


@outbox_cli.command("send")
@click.option("--limit", default=100, show_default=True)
def send_outbox(limit):
    """Send the e-mails that are due (run it from cron every minute)."""
    from pfdo.notifications.services import deliver_pending

    report = deliver_pending(limit)
    click.echo(f"Sent: {report.sent}, failed (will retry): {report.failed}.")


@demo_cli.command("seed")
@click.option("--seed", default=2026, show_default=True, help="Same seed, same data.")
@click.option("--families", default=300, show_default=True, help="How many families.")
def seed(seed, families):
    """Create the demo municipality and one account per role, if the database is empty."""
    from pfdo import demo

    created = demo.seed(seed, families)
    if created:
        click.echo(f"Demo municipality created (seed {seed}).")
    else:
        click.echo("The database already has data: nothing seeded.")


@demo_cli.command("accounts")
def print_accounts():
    """Print the demo accounts and their password."""
    from pfdo import demo

    click.echo(demo.accounts_table(current_app.config["DEMO_PASSWORD"]))


def register(app: Flask) -> None:
    from pfdo.billing.cli import billing_cli, close_month
    from pfdo.enrollments.cli import enrolments_cli, periods_cli
    from pfdo.privacy.cli import privacy_cli
    from pfdo.programs.cli import programs_cli

    for group in (users_cli, outbox_cli, demo_cli, periods_cli, certificates_cli, programs_cli,
                  privacy_cli, enrolments_cli, billing_cli):
        app.cli.add_command(group)
    app.cli.add_command(ledger_check)
    app.cli.add_command(close_month)
