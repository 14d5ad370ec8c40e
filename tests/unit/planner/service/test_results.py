"""How a run's end is worded: one line that agrees with what the lines before it said."""

from __future__ import annotations

from datetime import UTC, datetime

from planner.adapters.record import ResourceResult
from planner.core.plan import Plan
from planner.service.results import ApplyResult, summary_line
from planner.state.records import DeploymentRecord, DeploymentStatus

NOW = datetime(2026, 12, 3, tzinfo=UTC)
PLAN = Plan(source="t", created_at=NOW, intents=[], changes=[], waves=[])


def _deployment(status: DeploymentStatus) -> DeploymentRecord:
    return DeploymentRecord(id="abcdef0123456789", intent={}, plan={}, status=status, created_at=NOW,
                            started_at=NOW, finished_at=NOW, error=None, summary={}, rollback_data={})


def test_a_rollback_on_request_counts_what_it_undid_not_zero_changes() -> None:
    undone = [ResourceResult(f"docker.container.c{i}", "changed") for i in range(13)]
    result = ApplyResult(_deployment(DeploymentStatus.ROLLED_BACK), PLAN, [], undone)
    assert result.outcome_line() == "Deployment abcdef01 rolled_back: 13 undone, 0 left as they were."


def test_a_failed_apply_that_rolled_back_says_what_ran_and_what_was_undone() -> None:
    ran = [ResourceResult("a", "changed"), ResourceResult("b", "ok"), ResourceResult("c", "failed")]
    undone = [ResourceResult("c", "changed"), ResourceResult("a", "failed")]
    result = ApplyResult(_deployment(DeploymentStatus.ROLLBACK_FAILED), PLAN, ran, undone)
    assert result.outcome_line() == (
        "Deployment abcdef01 rollback_failed: 1 changed, 1 unchanged, 1 failed; 1 of 2 undone.")


def test_a_successful_apply_reads_as_before() -> None:
    result = ApplyResult(_deployment(DeploymentStatus.SUCCEEDED), PLAN, [ResourceResult("a", "ok")])
    assert result.outcome_line() == "Deployment abcdef01 succeeded: 0 changed, 1 unchanged, 0 failed."


def test_the_summary_line_is_the_one_the_readme_shows_and_names_replaces_only_when_planned() -> None:
    assert summary_line(PLAN) == "0 to add, 0 to change, 0 to destroy, 0 unchanged"
