"""One set of result views: ``iac apply --json`` prints what the MCP ``apply`` tool returns, secrets masked."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime

import pytest

from mcp_server.views import ApplyView as ToolApplyView
from mcp_server.views import apply_view as tool_apply_view
from planner import cli
from planner.adapters.record import ResourceResult
from planner.core.plan import Plan
from planner.errors import IacError
from planner.service.results import ApplyResult
from planner.state.records import DeploymentRecord, DeploymentStatus

PLAN = Plan(source="examples/hello.yaml", created_at=datetime(2026, 12, 4, tzinfo=UTC), intents=[], changes=[],
            waves=[])


def _result(status: DeploymentStatus) -> ApplyResult:
    deployment = DeploymentRecord(
        id="0123456789abcdef", status=status, intent={"source": "examples/hello.yaml"}, plan={},
        created_at=datetime(2026, 12, 4, 10, 0, tzinfo=UTC), started_at=datetime(2026, 12, 4, 10, 0, 1, tzinfo=UTC),
        finished_at=datetime(2026, 12, 4, 10, 0, 9, tzinfo=UTC), error=None if status.value == "succeeded" else "boom",
        summary={"changed": 1, "results": {"docker.container.hello": {"status": "changed", "api_token": "s3cr3t"}}},
    )
    return ApplyResult(deployment=deployment, plan=PLAN,
                       results=[ResourceResult("docker.container.hello", "changed", "", 1.25),
                                ResourceResult("docker.network.lab", "ok", "", 0.5)])


def _printed(capsys: pytest.CaptureFixture[str], result: ApplyResult) -> dict[str, object]:
    with contextlib.suppress(IacError):  # a failed run still prints its document before the error line
        cli._finish(result, as_json=True)
    document: dict[str, object] = json.loads(capsys.readouterr().out)
    return document


@pytest.mark.parametrize("status", [DeploymentStatus.SUCCEEDED, DeploymentStatus.ROLLED_BACK])
def test_the_cli_json_of_an_apply_is_the_mcp_tool_result(capsys: pytest.CaptureFixture[str],
                                                         status: DeploymentStatus) -> None:
    result = _result(status)
    printed = _printed(capsys, result)
    assert printed == tool_apply_view(result).model_dump(mode="json")
    ToolApplyView.model_validate(printed)  # the tool's output schema accepts what the CLI prints
    assert printed["changed"] == 1 and printed["failed"] == 0


def test_the_deployment_summary_is_masked_the_same_way_everywhere(capsys: pytest.CaptureFixture[str]) -> None:
    printed = _printed(capsys, _result(DeploymentStatus.SUCCEEDED))
    deployment = printed["deployment"]
    assert isinstance(deployment, dict)
    assert deployment["summary"]["results"]["docker.container.hello"]["api_token"] != "s3cr3t"
    assert "s3cr3t" not in json.dumps(printed)
    assert deployment["created_at"] == "2026-12-04T10:00:00Z"  # ISO 8601, as the MCP tools give it
