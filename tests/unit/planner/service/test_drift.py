"""Drift over fakes: each resource checked through the rendered project; unexported secrets do not spoil it."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.adapters.execute import ScriptedExecutor
from tests.unit.offline_service import offline_service, runner_event

INTENTS = """\
version: 1
intents:
  - kind: container
    name: app
    image: homelab/busybox:latest
    env: {APP_TOKEN: {secret: DRIFT_TEST_TOKEN}}
    network: {name: app-net}
"""


def test_drift_reports_what_differs_and_what_it_could_not_check(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    intents = tmp_path / "app.yaml"
    intents.write_text(INTENTS)
    executor = ScriptedExecutor([runner_event("runner_on_ok", "docker.network.app-net", changed=True),
                                 runner_event("runner_on_ok", "docker.container.app", changed=True)])
    executor.checking([runner_event("runner_on_ok", "docker.network.app-net", changed=True,
                          diff={"before": {"internal": True}, "after": {"internal": False}})])
    service = offline_service(tmp_path, executor)
    service.apply(service.plan(intents).deployment.id)
    monkeypatch.delenv("DRIFT_TEST_TOKEN", raising=False)
    report = service.drift()
    assert [(item.address, item.status) for item in report.items] == [
        ("docker.container.app", "error"), ("docker.network.app-net", "drifted")]
    assert report.items[0].message == "not checked: secret DRIFT_TEST_TOKEN is not set; export it to check"
    checked = (executor.runs[1][0] / "site.yml").read_text()
    assert "kind: container" not in checked and "kind: network" in checked  # the container was left out
