"""With PROMETHEUS_MULTIPROC_DIR (several gunicorn workers), /metrics adds up what every
process counted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]

WORKER = """
from portal import metrics
metrics.count_request("api.recordPurchase", "POST", 201, 0.03)
metrics.PURCHASES.labels(source="api").inc()
"""

SCRAPER = """
from prometheus_client import generate_latest
from portal import metrics
print(generate_latest(metrics.collecting_registry()).decode())
"""


def run(code: str, directory: Path) -> str:
    env = os.environ | {"PROMETHEUS_MULTIPROC_DIR": str(directory)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_the_counts_of_two_workers_are_added_up(tmp_path):
    run(WORKER, tmp_path)
    run(WORKER, tmp_path)
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(run(SCRAPER, tmp_path))
        for s in family.samples
    }
    assert samples[("portal_purchases_recorded_total", (("source", "api"),))] == 2
    key = (
        "portal_http_requests_total",
        (("endpoint", "api.recordPurchase"), ("method", "POST"), ("status", "201")),
    )
    assert samples[key] == 2
    bucket = (
        "portal_http_request_duration_seconds_bucket",
        (("endpoint", "api.recordPurchase"), ("le", "0.05"), ("status", "201")),
    )
    assert samples[bucket] == 2
