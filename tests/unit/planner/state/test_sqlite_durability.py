"""A SQLite state file keeps every event recorded before its process was killed.

The file is written ahead (WAL, ``synchronous=NORMAL``) so recording a run's events costs no fsync each;
what that must not cost is an event lost when ``iac apply`` dies by ``kill -9`` mid-run (its ``iac
status`` and ``iac rollback`` read them), nor a reader blocked while an apply writes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from planner.state import open_store

WRITER = """
import sys, time
from planner.state import open_store
store = open_store(sys.argv[1])
deployment = store.create_deployment({"source": "killed.yaml"}, {"changes": []})
for index in range(50):
    store.record_event(deployment.id, "task_finished", {"index": index})
print(deployment.id, flush=True)
time.sleep(60)
"""


def test_events_recorded_before_a_kill_9_are_all_there_and_readable_meanwhile(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, url], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
    try:
        assert writer.stdout is not None
        deployment_id = writer.stdout.readline().strip()
        reader = open_store(url)  # while the writer still holds the file open
        assert len(reader.list_events(deployment_id)) == 50
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
    events = open_store(url).list_events(deployment_id)
    assert [event.payload["index"] for event in events] == list(range(50))
