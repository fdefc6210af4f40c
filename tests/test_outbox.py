"""The e-mail outbox: each due message is sent once; a failed send is retried with back-off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pfdo import clock
from pfdo.accounts import services as accounts
from pfdo.db import db
from pfdo.notifications import services as outbox
from pfdo.notifications.models import OutboxMessage


def utc(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive UTC; PostgreSQL, aware."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def request_reset(app, user) -> None:
    """A real e-mail in the outbox: the password-reset letter."""
    with app.app_context():
        accounts.request_password_reset(user.email)


def deliver(app) -> outbox.DeliveryReport:
    with app.app_context():
        return outbox.deliver_pending()


def messages(app) -> list[OutboxMessage]:
    with app.app_context():
        return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


@pytest.fixture
def sent(monkeypatch):
    """The recipients of every send attempt that reached the mail backend."""
    attempts: list[str] = []
    real_send = outbox._send

    def recording_send(message):
        attempts.append(message.recipient)
        real_send(message)

    monkeypatch.setattr(outbox, "_send", recording_send)
    return attempts


@pytest.fixture
def smtp_down(app, monkeypatch):
    """SMTP pointed at a closed local port; monkeypatch restores the config afterwards."""
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", 1)
    monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
    monkeypatch.setitem(app.config, "SMTP_USER", "")

    def restore_log_backend():
        monkeypatch.setitem(app.config, "MAIL_BACKEND", "log")

    return restore_log_backend


def test_due_messages_are_sent_once(app, make, frozen_clock, sent):
    first, second = make.user(), make.user()
    request_reset(app, first)
    request_reset(app, second)

    report = deliver(app)
    assert (report.sent, report.failed) == (2, 0)
    assert sent == [first.email, second.email]
    assert [(m.attempts, utc(m.sent_at)) for m in messages(app)] == [
        (1, clock.now()), (1, clock.now())]

    frozen_clock.advance(timedelta(hours=1))
    report = deliver(app)
    assert (report.sent, report.failed) == (0, 0)
    assert sent == [first.email, second.email]  # nobody got a second copy
    assert [m.attempts for m in messages(app)] == [1, 1]


def test_message_queued_later_is_sent_by_the_next_run(app, make, frozen_clock, sent):
    first, second = make.user(), make.user()
    request_reset(app, first)
    assert deliver(app).sent == 1
    request_reset(app, second)
    assert deliver(app).sent == 1
    assert sent == [first.email, second.email]


def test_failed_send_is_kept_and_retried_after_the_back_off(app, make, frozen_clock, sent,
                                                            smtp_down):
    user = make.user()
    request_reset(app, user)
    started = clock.now()

    report = deliver(app)
    assert (report.sent, report.failed) == (0, 1)
    [message] = messages(app)
    assert message.sent_at is None
    assert message.attempts == 1
    assert message.last_error  # e.g. "[Errno 111] Connection refused"
    assert utc(message.next_attempt_at) == started + timedelta(minutes=2)

    # Not due yet: the next run leaves it alone.
    frozen_clock.advance(timedelta(minutes=1))
    assert deliver(app) == outbox.DeliveryReport(sent=0, failed=0)
    assert messages(app)[0].attempts == 1

    # Due again, and the server is still down: the wait doubles.
    frozen_clock.advance(timedelta(minutes=1))
    assert deliver(app).failed == 1
    [message] = messages(app)
    assert message.attempts == 2
    assert utc(message.next_attempt_at) == clock.now() + timedelta(minutes=4)

    # The mail server is back; once the back-off has passed, the message goes out.
    smtp_down()
    frozen_clock.advance(timedelta(minutes=4, seconds=1))
    assert deliver(app) == outbox.DeliveryReport(sent=1, failed=0)
    [message] = messages(app)
    assert message.attempts == 3
    assert utc(message.sent_at) == clock.now()
    assert sent == [user.email] * 3
    assert "/password/reset/" in message.body


def test_back_off_is_capped_at_six_hours(app, make, frozen_clock, smtp_down):
    request_reset(app, make.user())
    for _ in range(10):
        with app.app_context():
            due = utc(db.session.scalars(select(OutboxMessage.next_attempt_at)).one())
        frozen_clock.set_frozen(max(due, clock.now()))
        assert deliver(app).failed == 1
    [message] = messages(app)
    assert message.attempts == 10
    assert utc(message.next_attempt_at) == clock.now() + outbox.MAX_BACKOFF


class SmtpStub:
    """A minimal SMTP server on 127.0.0.1 for the outbox: refuses with 421 while `failing`,
    then speaks enough of RFC 5321 to take messages, which it keeps in `received`."""

    def __init__(self):
        import socket
        import threading
        self.failing = True
        self.received: list[str] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn, conn.makefile("rb") as lines:
                if self.failing:
                    conn.sendall(b"421 4.3.2 Service not available, try later\r\n")
                    continue
                conn.sendall(b"220 stub ESMTP\r\n")
                data = None
                for raw in lines:
                    line = raw.decode("utf-8", "replace")
                    if data is not None:
                        if line in (".\r\n", ".\n"):
                            self.received.append("".join(data))
                            data = None
                            conn.sendall(b"250 2.0.0 queued\r\n")
                        else:
                            data.append(line)
                        continue
                    verb = line[:4].upper()
                    if verb in ("EHLO", "HELO"):
                        conn.sendall(b"250 stub\r\n")
                    elif verb == "DATA":
                        data = []
                        conn.sendall(b"354 go ahead\r\n")
                    elif verb == "QUIT":
                        conn.sendall(b"221 bye\r\n")
                        break
                    else:
                        conn.sendall(b"250 ok\r\n")

    def close(self):
        self.server.close()


def test_a_failing_smtp_server_delays_the_message_and_it_arrives_later(app, make,
                                                                        frozen_clock,
                                                                        monkeypatch):
    import email

    stub = SmtpStub()
    try:
        monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
        monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "SMTP_PORT", stub.port)
        monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
        monkeypatch.setitem(app.config, "SMTP_USER", "")
        user = make.user(email="olga@example.ru")
        request_reset(app, user)
        report = deliver(app)
        assert (report.sent, report.failed) == (0, 1)
        [kept] = messages(app)
        assert kept.sent_at is None and kept.attempts == 1 and "421" in kept.last_error
        assert deliver(app).sent == 0  # not due before its back-off
        stub.failing = False
        clock.advance(timedelta(minutes=3))
        assert deliver(app).sent == 1
        [done] = messages(app)
        assert done.sent_at is not None and done.attempts == 2
        [raw] = stub.received
        letter = email.message_from_string(raw)
        assert letter["To"] == "olga@example.ru"
        assert "/password/reset/" in letter.get_payload(decode=True).decode()
        assert deliver(app).sent == 0  # sent once
    finally:
        monkeypatch.setitem(app.config, "MAIL_BACKEND", "log")
        stub.close()
