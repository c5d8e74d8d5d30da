"""SMTP down or slow: no request waits for it, nothing is lost, nothing is sent twice when it is
back; delivery is at least once (services/messaging/delivery.py says why).

Simulated with a port where nothing listens (down), a socket that accepts connections and never
greets (slow), the live test SMTP server (back), a claim left by a killed delivery, and a send
whose reply is lost after the server accepted the message (the real send, then a disconnect).
"""

from __future__ import annotations

import smtplib
import socket
import threading
import time

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.jobs import run_periodic_jobs
from portal.models import OutboxMessage
from portal.services.messaging import delivery
from portal.services.messaging.delivery import CLAIM_TIMEOUT, deliver_pending
from portal.services.messaging.mail import queue_mail
from tests.conftest import csrf_token_from, form_post, free_port

SIGN_UP = {
    "name": "Sophie Laurent",
    "email": "sophie@example.com",
    "password": "amber-willow-crescent-9",
    "terms": "y",
}


@pytest.fixture
def app_overrides():
    return {"MAIL_PORT": free_port(), "MAIL_TIMEOUT": 3}  # nothing listens: SMTP is down


def the_message() -> OutboxMessage:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage)).one()


def smtp_back(app, smtp_server) -> None:
    controller, _handler = smtp_server
    app.config["MAIL_PORT"] = controller.port


def wait_for_delivery_threads() -> None:
    for worker in threading.enumerate():
        if worker.name == "mail-delivery":
            worker.join(timeout=15)


def test_with_smtp_hanging_the_request_returns_at_once_and_the_mail_goes_once_when_back(
    app, client, mailbox, smtp_server
):
    silent = socket.socket()  # accepts connections, never says hello
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    app.config.update(MAIL_PORT=silent.getsockname()[1], MAIL_DELIVERY="thread")
    try:
        token = csrf_token_from(client.get("/register").get_data(as_text=True))
        started = time.monotonic()
        response = client.post("/register", data={**SIGN_UP, "csrf_token": token})
        elapsed = time.monotonic() - started
        assert response.status_code == 303
        assert elapsed < app.config["MAIL_TIMEOUT"] / 2, elapsed  # it did not wait for SMTP
        wait_for_delivery_threads()  # the delivery gives up after MAIL_TIMEOUT
    finally:
        silent.close()
    message = the_message()
    assert (message.status, message.attempts) == ("pending", 1)
    assert "timed out" in message.last_error or "Timeout" in message.last_error
    assert mailbox.messages == []

    smtp_back(app, smtp_server)
    app.config["MAIL_DELIVERY"] = "inline"
    assert run_periodic_jobs()["deliver-mail"] == 1
    assert run_periodic_jobs()["deliver-mail"] == 0
    assert len(mailbox.to("sophie@example.com")) == 1
    assert the_message().status == "sent"


def test_with_smtp_refusing_nothing_is_lost_and_each_run_retries_until_it_is_back(
    app, client, mailbox, smtp_server
):
    response = form_post(client, "/register", SIGN_UP, token_from="/register")
    assert response.status_code == 303
    assert run_periodic_jobs()["deliver-mail"] == 0
    message = the_message()
    assert (message.status, message.attempts) == ("pending", 2)
    assert "ConnectionRefusedError" in message.last_error

    smtp_back(app, smtp_server)
    assert run_periodic_jobs()["deliver-mail"] == 1
    assert run_periodic_jobs()["deliver-mail"] == 0
    assert len(mailbox.to("sophie@example.com")) == 1
    assert (the_message().status, the_message().attempts) == ("sent", 3)


def test_a_delivery_killed_while_sending_is_taken_over_once_its_claim_lapses(
    app, mailbox, smtp_server, clock
):
    smtp_back(app, smtp_server)
    app.config["MAIL_DELIVERY"] = "off"  # left to run-jobs' delivery
    queued = queue_mail("sophie@example.com", "password_changed", locale="en")
    db.session.commit()
    # A delivery claimed it and was killed before sending: the claim stands for a while.
    assert delivery._claim(queued.id)
    assert deliver_pending() == 0
    clock.advance(seconds=CLAIM_TIMEOUT.total_seconds() - 1)
    assert deliver_pending() == 0
    clock.advance(seconds=2)
    assert deliver_pending() == 1
    assert deliver_pending() == 0
    assert len(mailbox.to("sophie@example.com")) == 1


def test_a_reply_lost_after_the_server_accepted_sends_again_with_the_same_message_id(
    app, mailbox, smtp_server, monkeypatch
):
    smtp_back(app, smtp_server)
    app.config["MAIL_DELIVERY"] = "off"  # left to run-jobs' delivery
    queue_mail("sophie@example.com", "password_changed", locale="en")
    db.session.commit()
    real_send = delivery.transport_send

    def accepted_then_dropped(email, *, message_id):
        real_send(email, message_id=message_id)
        raise smtplib.SMTPServerDisconnected("connection lost before the reply")

    monkeypatch.setattr(delivery, "transport_send", accepted_then_dropped)
    assert deliver_pending() == 0
    assert the_message().status == "pending"  # not known to be sent: it will go again
    monkeypatch.undo()
    assert deliver_pending() == 1
    assert deliver_pending() == 0
    copies = mailbox.to("sophie@example.com")
    assert len(copies) == 2  # at least once: the one case of a second copy
    assert copies[0]["Message-ID"] == copies[1]["Message-ID"]
    assert copies[0]["Message-ID"].endswith("@portal.test>")
