"""What the operations team reads: each request's id (in its log lines, its audit rows and
its response), the run-jobs lines, and /metrics for Prometheus."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, JobRun
from portal.services.purchases.api_tokens import create_api_token
from tests.conftest import DEFAULT_PASSWORD, form_post

GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


def request_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "portal.requests"]


def metrics_of(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def till(app, client):
    _token, plaintext = create_api_token("Shanghai IFC till 1")
    db.session.commit()
    headers = {"Authorization": f"Bearer {plaintext}"}

    def post(path, body):
        return client.post(path, json=body, headers=headers)

    post.token_id = _token.id
    post.plaintext = plaintext
    return post


def sale_for(member, clock, receipt_no="SH01-2026-000123", amount="1234.50"):
    return {
        "member": member.email,
        "receipt_no": receipt_no,
        "amount": amount,
        "currency": "CNY",
        "purchased_at": (clock.now() - timedelta(minutes=10)).isoformat(),
        "store": "Shanghai IFC",
    }


# -- the request id and the request's log line ----------------------------------------------


def test_every_response_carries_a_new_request_id_which_its_log_line_repeats(client, caplog):
    caplog.set_level(logging.INFO, logger="portal")
    first = client.get("/login")
    second = client.get("/login")
    ids = [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]
    assert all(GENERATED_ID.match(i) for i in ids) and ids[0] != ids[1]
    lines = request_lines(caplog)
    assert [line.request_id for line in lines] == ids
    line = lines[0]
    assert (line.method, line.path, line.endpoint, line.status) == (
        "GET",
        "/login",
        "auth.login",
        200,
    )
    assert line.duration_ms >= 0
    assert not hasattr(line, "member_id")


def test_the_log_line_names_the_path_template_and_the_member_by_id_only(
    client, login, member, caplog
):
    login(member)
    caplog.set_level(logging.INFO, logger="portal")
    response = client.get("/admin/members/12345")  # a member may not see staff pages
    line = request_lines(caplog)[-1]
    assert (line.path, line.status, line.member_id) == (
        "/admin/members/<int:member_id>",
        response.status_code,
        member.id,
    )
    assert member.email not in line.getMessage() and member.email not in str(line.__dict__)
    assert DEFAULT_PASSWORD not in str(line.__dict__)


def test_an_unknown_address_is_logged_as_unmatched_with_its_404(client, caplog):
    caplog.set_level(logging.INFO, logger="portal")
    response = client.get("/no/such/page")
    line = request_lines(caplog)[-1]
    assert response.status_code == 404
    assert (line.path, line.status, line.request_id) == (
        "<unmatched>",
        404,
        response.headers["X-Request-ID"],
    )


def test_a_visitors_own_request_id_is_ignored_without_a_trusted_proxy(client):
    response = client.get("/login", headers={"X-Request-ID": "chosen-by-visitor"})
    assert GENERATED_ID.match(response.headers["X-Request-ID"])


@pytest.mark.parametrize("app_overrides", [{"PORTAL_TRUSTED_PROXIES": 1}])
def test_the_trusted_proxys_request_id_is_kept_when_it_looks_like_one(client, caplog):
    caplog.set_level(logging.INFO, logger="portal")
    kept = client.get("/login", headers={"X-Request-ID": "lb-7f3a.2026-12-02_0001"})
    assert kept.headers["X-Request-ID"] == "lb-7f3a.2026-12-02_0001"
    assert request_lines(caplog)[-1].request_id == "lb-7f3a.2026-12-02_0001"
    forged = client.get("/login", headers={"X-Request-ID": 'x" status=200 forged="1'})
    assert GENERATED_ID.match(forged.headers["X-Request-ID"])
    too_long = client.get("/login", headers={"X-Request-ID": "a" * 65})
    assert GENERATED_ID.match(too_long.headers["X-Request-ID"])
    at_limit = client.get("/login", headers={"X-Request-ID": "a" * 64})
    assert at_limit.headers["X-Request-ID"] == "a" * 64


def test_a_staff_change_has_the_same_id_in_its_response_its_audit_row_and_every_log_line(
    client, login, staff, create_member, caplog
):
    lin = create_member(name="Lin Mei", email="lin.mei@example.com")
    login(staff)
    caplog.set_level(logging.INFO, logger="portal")
    response = form_post(
        client,
        f"/admin/members/{lin.id}/points",
        {"direction": "credit", "points": "300", "reason": "Late receipt"},
        token_from=f"/admin/members/{lin.id}",
    )
    assert response.status_code == 303
    request_id = response.headers["X-Request-ID"]
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "member.points_adjust"))
    assert audit.request_id == request_id
    written = [r for r in caplog.records if r.request_id == request_id]
    names = {r.name for r in written}
    assert {"portal.services.points.ledger", "portal.services.messaging.audit"} <= names
    assert "portal.requests" in names and written[-1].name == "portal.requests"
    assert written[-1].member_id == staff.id


def test_an_audit_row_written_outside_a_request_has_no_request_id(app, staff):
    from portal.services.messaging.audit import record_audit

    entry = record_audit("programme.check", actor=staff, summary="From a command")
    assert entry.request_id is None


def test_production_writes_json_lines_with_the_request_id(app):
    import json

    from portal.logs import json_formatter

    with app.test_request_context("/login"):
        from flask import g

        g.request_id = "abc123"
        record = logging.getLogger("portal.requests").makeRecord(
            "portal.requests",
            logging.INFO,
            __file__,
            1,
            "GET %s",
            ("/login",),
            None,
            extra={"status": 200, "member_id": 7},
        )
    line = json.loads(json_formatter().format(record))
    assert line["message"] == "GET /login" and line["time"].endswith("+00:00")
    assert (line["request_id"], line["status"], line["member_id"], line["level"]) == (
        "abc123",
        200,
        7,
        "INFO",
    )


# -- run-jobs --------------------------------------------------------------------------------


def test_run_jobs_writes_one_line_per_job_and_notes_each_run(runner, caplog):
    from portal.jobs import periodic_jobs

    caplog.set_level(logging.INFO, logger="portal")
    result = runner.invoke(args=["run-jobs"])
    assert result.exit_code == 0, result.output
    lines = [r for r in caplog.records if r.name == "portal.jobs" and hasattr(r, "job")]
    names = [name for name, _function in periodic_jobs()]
    assert [line.job for line in lines] == names
    assert all(line.outcome == "done" and line.count == 0 for line in lines)
    assert all(line.duration_ms >= 0 for line in lines)
    runs = {run.name: run for run in db.session.scalars(select(JobRun))}
    assert sorted(runs) == sorted(names)
    assert all(r.last_success_at is not None and r.last_failure_at is None for r in runs.values())


def test_run_jobs_only_runs_the_jobs_named(runner):
    result = runner.invoke(
        args=["run-jobs", "--only", "kpi-daily-points", "--only", "kpi-period-members"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["kpi-daily-points: 0", "kpi-period-members: 0"]
    assert sorted(db.session.scalars(select(JobRun.name))) == [
        "kpi-daily-points",
        "kpi-period-members",
    ]
    refused = runner.invoke(args=["run-jobs", "--only", "kpi-nightly"])
    assert refused.exit_code == 2 and "kpi-nightly" in refused.output


def test_a_failing_job_is_logged_as_failed_and_noted(runner, caplog, monkeypatch):
    import portal.jobs

    def broken() -> int:
        raise RuntimeError("the mail server is on fire")

    monkeypatch.setattr(portal.jobs, "periodic_jobs", lambda: [("deliver-mail", broken)])
    caplog.set_level(logging.INFO, logger="portal")
    result = runner.invoke(args=["run-jobs"])
    assert result.exit_code == 1
    line = next(r for r in caplog.records if getattr(r, "job", None) == "deliver-mail")
    assert line.outcome == "failed" and line.exc_info is not None
    run = db.session.get(JobRun, "deliver-mail")
    assert run.last_failure_at is not None and run.last_success_at is None


# -- /metrics --------------------------------------------------------------------------------


def test_metrics_move_after_a_purchase_and_a_return_through_the_api(client, till, member, clock):
    before = metrics_of(client)
    response = till("/api/v1/purchases", sale_for(member, clock))
    assert response.status_code == 201, response.get_json()
    returned = till(
        "/api/v1/purchases/SH01-2026-000123/return", {"amount": "234.50", "return_id": "R1"}
    )
    assert returned.status_code == 201, returned.get_json()
    after = metrics_of(client)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("portal_purchases_recorded_total", source="api") == 1
    assert moved("portal_purchases_recorded_total", source="staff") == 0
    assert moved("portal_returns_recorded_total", source="api") == 1
    assert moved("portal_points_total", movement="issued") == 1234
    assert moved("portal_points_total", movement="reversed") == 234
    assert (
        moved(
            "portal_http_requests_total",
            endpoint="api.recordPurchase",
            method="POST",
            status="201",
        )
        == 1
    )
    assert (
        moved(
            "portal_http_request_duration_seconds_count",
            endpoint="api.recordPurchase",
            status="201",
        )
        == 1
    )


def test_a_refused_purchase_is_not_counted(client, till, member, clock):
    before = metrics_of(client)
    sale = sale_for(member, clock) | {"currency": "XXX"}
    assert till("/api/v1/purchases", sale).status_code == 422
    after = metrics_of(client)
    assert value(after, "portal_purchases_recorded_total", source="api") == value(
        before, "portal_purchases_recorded_total", source="api"
    )


def test_metrics_show_the_outbox_and_the_jobs_from_the_database(app, client, runner, member, clock):
    from portal.services.messaging.mail import queue_mail

    app.config["MAIL_DELIVERY"] = "off"
    queue_mail(member.email, "verify_email", member=member, link="http://portal.test/x")
    db.session.commit()
    clock.advance(minutes=30)
    samples = metrics_of(client)
    assert value(samples, "portal_outbox_waiting") == 1
    assert value(samples, "portal_outbox_failed") == 0
    assert 30 * 60 <= value(samples, "portal_outbox_oldest_waiting_age_seconds") < 31 * 60
    assert runner.invoke(args=["run-jobs"]).exit_code == 0
    samples = metrics_of(client)
    assert value(samples, "portal_outbox_waiting") == 0
    assert value(samples, "portal_outbox_oldest_waiting_age_seconds") == 0
    run = db.session.get(JobRun, "deliver-mail")
    assert value(
        samples, "portal_job_last_success_timestamp_seconds", job="deliver-mail"
    ) == pytest.approx(run.last_success_at.timestamp())
    assert ("portal_db_pool_connections_in_use", ()) in samples


@pytest.mark.parametrize("address", ["10.0.0.5", "192.168.1.20", "2001:db8::1"])
def test_metrics_are_not_there_for_other_addresses(client, address):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 404
    assert b"portal_http_requests" not in response.data


@pytest.mark.parametrize("app_overrides", [{"PORTAL_METRICS_ALLOW": "10.0.0.0/24"}])
def test_metrics_are_read_from_the_configured_network_only(client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.0.0.5"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.0.1.5"}).status_code == 404
    assert client.get("/metrics").status_code == 404  # loopback is no longer in the list


def test_a_till_call_is_logged_with_its_token_id_and_never_the_token(
    client, till, member, clock, caplog
):
    caplog.set_level(logging.INFO, logger="portal")
    response = till("/api/v1/purchases", sale_for(member, clock))
    assert response.status_code == 201
    line = request_lines(caplog)[-1]
    assert (line.endpoint, line.status, line.token_id) == ("api.recordPurchase", 201, till.token_id)
    assert line.request_id == response.headers["X-Request-ID"]
    everything = caplog.text + str(vars(line))  # every line as it was written
    assert till.plaintext not in everything and till.plaintext[:12] not in everything
    assert "lin.mei@example.com" not in str(vars(line))


def test_vouchers_issued_and_fulfilled_and_the_points_redeemed_are_counted(
    client, member, staff, give_points, create_reward
):
    from portal.models import Member
    from portal.services.rewards.redemption import redeem
    from portal.services.rewards.vouchers import fulfil_redemption

    give_points(member, 1000)
    reward = create_reward(points_cost=300)
    before = metrics_of(client)
    voucher = redeem(db.session.get(Member, member.id), reward, idempotency_key="k-1")
    db.session.commit()
    issued = metrics_of(client)
    fulfil_redemption(voucher, db.session.get(Member, staff.id))
    db.session.commit()
    after = metrics_of(client)
    assert (
        value(issued, "portal_vouchers_total", event="issued")
        - value(before, "portal_vouchers_total", event="issued")
        == 1
    )
    assert (
        value(issued, "portal_points_total", movement="redeemed")
        - value(before, "portal_points_total", movement="redeemed")
        == 300
    )
    assert value(issued, "portal_vouchers_total", event="fulfilled") == value(
        before, "portal_vouchers_total", event="fulfilled"
    )
    assert (
        value(after, "portal_vouchers_total", event="fulfilled")
        - value(before, "portal_vouchers_total", event="fulfilled")
        == 1
    )
