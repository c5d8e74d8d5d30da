"""Mail never fails or delays a request and is never lost; sign-in and sign-up are rate limited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboxMessage
from tests.conftest import DEFAULT_PASSWORD, form_post, free_port

GOOD = {
    "name": "Sophie Laurent",
    "email": "sophie@example.com",
    "password": "amber-willow-crescent-9",
    "terms": "y",
}


@pytest.fixture
def app_overrides():
    # An SMTP port where nothing listens: every delivery fails.
    return {"MAIL_PORT": free_port(), "MAIL_TIMEOUT": 2}


def test_a_failing_smtp_server_does_not_fail_registration_and_run_jobs_retries(
    app, client, runner, mailbox, smtp_server
):
    response = form_post(client, "/register", GOOD)
    assert response.status_code == 303
    message = db.session.scalar(select(OutboxMessage))
    assert message.status == "pending"
    assert message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error

    # The server comes back: the next run delivers it, and a later run does not send it again.
    controller, _handler = smtp_server
    app.config["MAIL_PORT"] = controller.port
    result = runner.invoke(args=["run-jobs"])
    assert result.exit_code == 0, result.output
    assert "deliver-mail: 1" in result.output
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == "sent"
    assert len(mailbox.to("sophie@example.com")) == 1
    runner.invoke(args=["run-jobs"])
    assert len(mailbox.to("sophie@example.com")) == 1


def test_a_rolled_back_request_sends_nothing(app, client, mailbox):
    from portal.services.messaging.mail import queue_mail

    queue_mail("someone@example.com", "password_changed", member=None, locale="en")
    db.session.rollback()
    assert db.session.scalar(select(OutboxMessage)) is None
    assert mailbox.messages == []


@pytest.mark.parametrize("limited_email", [True, False])
def test_failed_sign_ins_are_limited_per_account_and_per_address(
    app, client, member, limited_email
):
    """From a browser that never signed in: 5 failures for one account, or 10 for any accounts
    from one address (tests/http/test_sign_in_throttle.py holds the rest of the rule)."""
    statuses = []
    for attempt in range(12):
        target = member.email if limited_email else f"x{attempt}@example.com"
        statuses.append(
            form_post(
                client, "/login", {"email": target, "password": "wrong-password-1"}
            ).status_code
        )
    assert statuses[0] == 422
    if limited_email:
        assert statuses.index(429) == 5  # five failures per account from one address
    else:
        assert statuses.index(429) == 10  # ten per address
    page = form_post(client, "/login", {"email": member.email, "password": DEFAULT_PASSWORD})
    assert page.status_code == 429
    assert "Retry-After" in page.headers
    assert "too many attempts to sign in to this account" in page.get_data(as_text=True)


def test_registration_is_rate_limited(client):
    statuses = [
        form_post(client, "/register", {**GOOD, "email": f"n{i}@example.com"}).status_code
        for i in range(6)
    ]
    assert statuses[:5] == [303] * 5
    assert statuses[5] == 429


def test_a_slow_smtp_server_does_not_delay_the_request(app, client):
    import socket
    import threading

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    app.config.update(MAIL_PORT=silent.getsockname()[1], MAIL_DELIVERY="thread", MAIL_TIMEOUT=30)
    try:
        response = form_post(client, "/register", GOOD)
        assert response.status_code == 303
        # The answer came back while delivery is (still) waiting for the server's greeting.
        import time

        deadline = time.monotonic() + 10
        while True:
            status = db.session.scalar(select(OutboxMessage.status))
            db.session.commit()
            if status == "sending" or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert status == "sending"
        assert any(t.name == "mail-delivery" and t.is_alive() for t in threading.enumerate())
    finally:
        connection, _ = silent.accept()
        connection.close()
        silent.close()
    for worker in threading.enumerate():
        if worker.name == "mail-delivery":
            worker.join(timeout=10)
    db.session.expire_all()
    message = db.session.scalar(select(OutboxMessage))
    assert message.status == "pending"  # left for run-jobs, not lost
