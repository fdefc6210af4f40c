"""Queue e-mails in the outbox and deliver them (log backend in development, SMTP in production).

A failed send is retried with back-off, never lost."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app, render_template
from sqlalchemy import func, select, update

from pfdo import clock
from pfdo.db import db, unit_of_work
from pfdo.errors import NotFound
from pfdo.notifications.models import Notice, OutboxMessage

log = logging.getLogger("pfdo.mail")
MAX_BACKOFF = timedelta(hours=6)
#: set on the database session when a message is queued (read by the factory's after_request)
OUTBOX_DIRTY = "pfdo.outbox_dirty"


def queue_email(recipient: str, subject: str, template: str, **context) -> OutboxMessage:
    """Render `template` (plain text) and put the message in the outbox (caller's transaction)."""
    body = render_template(template, **context)
    message = OutboxMessage(recipient=recipient, subject=subject, body=body)
    db.session.add(message)  # inserted at the next flush, many at once with the others
    db.session.info[OUTBOX_DIRTY] = True  # the web layer may deliver it after the request
    return message


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0


def _send(message: OutboxMessage) -> None:
    config = current_app.config
    if config["MAIL_BACKEND"] == "log":
        log.info(
            "E-mail to %s\nSubject: %s\n\n%s", message.recipient, message.subject, message.body
        )
        return
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=20) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USER"]:
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        smtp.send_message(email)


def deliver_pending(limit: int = 100) -> DeliveryReport:
    """Send the messages that are due. Each one is claimed with a guarded UPDATE, so two
    workers never send the same message twice."""
    report = DeliveryReport()
    now = clock.now()
    due_ids = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    for message_id in due_ids:
        with unit_of_work():
            claimed = db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None),
                       OutboxMessage.next_attempt_at <= now)
                .values(attempts=OutboxMessage.attempts + 1,
                        next_attempt_at=now + timedelta(minutes=5))
            ).rowcount
            message = db.session.get(OutboxMessage, message_id) if claimed else None
        if message is None:
            continue
        try:
            _send(message)
        except (OSError, smtplib.SMTPException) as error:
            with unit_of_work():
                message = db.session.get(OutboxMessage, message_id)
                backoff = min(timedelta(minutes=2 ** message.attempts), MAX_BACKOFF)
                message.next_attempt_at = clock.now() + backoff
                message.last_error = str(error)[:500]
            log.warning("E-mail %s to %s failed: %s", message_id, message.recipient, error)
            report.failed += 1
        else:
            with unit_of_work():
                db.session.get(OutboxMessage, message_id).sent_at = clock.now()
            report.sent += 1
    return report


def notify(user, text: str, *, url: str | None = None, subject: str | None = None,
           template: str | None = None, **context) -> None:
    """An in-app notice for `user`, and an e-mail through the outbox when a template is given.

    Runs in the caller's transaction: nothing is announced for an operation that rolled back.
    Adds only: the rows go in at the transaction's next flush, so that a close telling a
    thousand families writes them in a few multi-row INSERTs rather than two each."""
    db.session.add(Notice(user_id=user.id, text=text, url=url))
    if template and user.email:
        queue_email(user.email, subject or text, template, user=user, text=text, url=url,
                    **context)


def recent_notices(user, limit: int = 10):
    return db.session.scalars(
        select(Notice).where(Notice.user_id == user.id)
        .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit)
    ).all()


def unread_count(user) -> int:
    """How many of the user's notices are unread: one indexed count, for every page's bell."""
    return db.session.scalar(select(func.count()).select_from(Notice).where(
        Notice.user_id == user.id, Notice.read_at.is_(None))) or 0


def notices_page(user, *, page: int = 1, per_page: int = 20, unread_only: bool = False):
    """The user's notices, newest first, a page at a time."""
    stmt = (select(Notice).where(Notice.user_id == user.id)
            .order_by(Notice.created_at.desc(), Notice.id.desc()))
    if unread_only:
        stmt = stmt.where(Notice.read_at.is_(None))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def mark_read(user, notice_id: int) -> Notice:
    """Mark one of the user's notices read (again: no change) and return it. Someone else's
    notice, or none, is NotFound."""
    with unit_of_work():
        notice = db.session.get(Notice, notice_id)
        if notice is None or notice.user_id != user.id:
            raise NotFound("Уведомление не найдено")
        if notice.read_at is None:
            notice.read_at = clock.now()
    return notice


def mark_all_read(user) -> int:
    """Mark every unread notice of the user read; returns how many."""
    with unit_of_work():
        return db.session.execute(
            update(Notice).where(Notice.user_id == user.id, Notice.read_at.is_(None))
            .values(read_at=clock.now())).rowcount

