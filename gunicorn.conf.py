"""gunicorn reads this file from the directory it starts in (README, "Operating the portal").

With PROMETHEUS_MULTIPROC_DIR set, every worker writes its metrics to files there and /metrics
adds them up: the directory is emptied when gunicorn starts (counts of an earlier run would be
added again), and a worker that exits is marked dead so its live gauges stop counting.
"""

import os
import shutil


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
