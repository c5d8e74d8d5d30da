"""The text of /metrics: the counts of every process (portal/metrics.py) and, read now from the
database, the outbox and the periodic jobs. Who may read it is PORTAL_METRICS_ALLOW's."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from portal.metrics import collecting_registry
from portal.services.programme.operations import job_runs, outbox_state

DEFAULT_ALLOW = "127.0.0.1/32, ::1/128"


def allowed_networks(setting: str | Iterable[str] | None) -> list:
    """The networks of PORTAL_METRICS_ALLOW: addresses or CIDR blocks, comma-separated."""
    if setting is None:
        setting = DEFAULT_ALLOW
    parts = setting.split(",") if isinstance(setting, str) else list(setting)
    return [ipaddress.ip_network(part.strip(), strict=False) for part in parts if part.strip()]


def may_read_metrics(address: str, setting: str | Iterable[str] | None) -> bool:
    try:
        visitor = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(visitor, ipaddress.IPv6Address) and visitor.ipv4_mapped is not None:
        visitor = visitor.ipv4_mapped
    return any(visitor in network for network in allowed_networks(setting))


class DatabaseCollector(Collector):
    """Gauges read from the database when Prometheus scrapes."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        outbox = outbox_state()
        yield GaugeMetricFamily(
            "portal_outbox_waiting", "Mail messages not sent yet.", value=outbox.waiting
        )
        yield GaugeMetricFamily(
            "portal_outbox_failed",
            "Mail messages waiting after a failed attempt.",
            value=outbox.failed,
        )
        yield GaugeMetricFamily(
            "portal_outbox_oldest_waiting_age_seconds",
            "Age of the oldest mail message not sent yet (0 when none waits).",
            value=outbox.oldest_waiting_seconds,
        )
        success = GaugeMetricFamily(
            "portal_job_last_success_timestamp_seconds",
            "When each run-jobs job last succeeded (Unix time).",
            labels=["job"],
        )
        failure = GaugeMetricFamily(
            "portal_job_last_failure_timestamp_seconds",
            "When each run-jobs job last failed (Unix time).",
            labels=["job"],
        )
        duration = GaugeMetricFamily(
            "portal_job_last_duration_seconds",
            "How long each run-jobs job took the last time it ran.",
            labels=["job"],
        )
        for run in job_runs():
            if run.last_success_at is not None:
                success.add_metric([run.name], run.last_success_at.timestamp())
            if run.last_failure_at is not None:
                failure.add_metric([run.name], run.last_failure_at.timestamp())
            if run.last_duration_ms is not None:
                duration.add_metric([run.name], run.last_duration_ms / 1000)
        yield success
        yield failure
        yield duration


def metrics_text() -> bytes:
    """Everything /metrics says, in Prometheus's text format."""
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector())
    return generate_latest(collecting_registry()) + generate_latest(database)
