"""What the use cases return: typed results the CLI and the MCP server both present."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from planner.state.records import DeploymentRecord, DeploymentStatus, EventRecord, ResourceRecord, StackRecord

if TYPE_CHECKING:
    from planner.adapters.record import ResourceResult
    from planner.core.plan import Plan
    from planner.sentence import Understood

__all__ = ["ApplyResult", "DeploymentView", "PlanResult", "StackView", "summary_line"]


def summary_line(plan: Plan) -> str:
    """``13 to add, 1 to change, 0 to destroy, 2 unchanged``: the plan in one line, as people say it."""
    counts = plan.counts()
    replaced = f"{counts['replace']} to replace, " if counts.get("replace") else ""
    imported = f"{counts['import']} to import, " if counts.get("import") else ""
    return (
        f"{imported}{counts['create']} to add, {counts['update']} to change, {replaced}{counts['delete']} to destroy, "
        f"{counts['noop']} unchanged"
    )


@dataclass(frozen=True)
class PlanResult:
    deployment: DeploymentRecord
    plan: Plan
    project: Path
    understood: Understood | None = None  # what a sentence was taken to mean, when the plan came from one


@dataclass(frozen=True)
class ApplyResult:
    """How an apply, resume or rollback ended: the run's results and what undoing it did."""

    deployment: DeploymentRecord
    plan: Plan
    results: list[ResourceResult] = field(default_factory=list)
    rollback: list[ResourceResult] = field(default_factory=list)  # what undoing a failed run did

    @property
    def changed(self) -> int:
        return sum(1 for result in self.results if result.status == "changed")

    @property
    def unchanged(self) -> int:
        """Resources left as they were: those the run found in sync, and those a refreshed plan knew were and
        did not run."""
        ran = {result.address for result in self.results}
        skipped = sum(1 for address in self.plan.checked if address not in ran)
        return sum(1 for result in self.results if result.status == "ok") + skipped

    @property
    def failed(self) -> int:
        return sum(1 for result in self.results if result.status == "failed")

    @property
    def undone(self) -> int:
        return sum(1 for result in self.rollback if result.status != "failed")

    def outcome_line(self) -> str:
        """How it ended, in one line that agrees with itself: a rolled-back run counts what it changed and
        what was undone, not the undo's own results."""
        short, status = self.deployment.id[:8], self.deployment.status
        if self.rollback and not self.results:  # `iac rollback`: only the undo ran
            left = len(self.rollback) - self.undone
            return f"Deployment {short} {status.value}: {self.undone} undone, {left} left as they were."
        adopted = self.plan.counts().get("import", 0)
        if adopted and not self.results and status is DeploymentStatus.SUCCEEDED:
            return f"Deployment {short} {status.value}: {adopted} adopted, nothing written."
        if self.plan.refreshed and not self.results and status is DeploymentStatus.SUCCEEDED:
            return f"Deployment {short} {status.value}: no changes, nothing ran ({self.unchanged} in sync)."
        line = f"Deployment {short} {status.value}: {self.changed} changed, {self.unchanged} unchanged, " \
               f"{self.failed} failed"
        if status in (DeploymentStatus.ROLLED_BACK, DeploymentStatus.ROLLBACK_FAILED):
            line += f"; {self.undone} of {len(self.rollback)} undone"
        return line + "."


@dataclass(frozen=True)
class DeploymentView:
    deployment: DeploymentRecord
    resources: list[ResourceRecord]
    events: list[EventRecord]


@dataclass(frozen=True)
class StackView:
    """One deployed stack: its record, how many of its addresses are managed now, its last deployment."""

    stack: StackRecord
    resources: int
    deployment: DeploymentRecord | None
