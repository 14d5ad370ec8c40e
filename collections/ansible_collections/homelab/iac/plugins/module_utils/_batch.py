# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The batch contract every ``<backend>_batch`` module keeps, written once.

In: ``items`` (alias ``resources``), a list of dicts, each with ``kind`` and that kind's options,
validated by the kind's single-resource argument spec before anything runs.

Out: ``results``, one entry per item that completed, in input order, each with ``index`` (the item's
position in ``items``), ``kind``, ``changed``, ``action`` (noop/create/update/replace/delete) and
``facts`` (what the single module would return), plus a backend's extras; ``diff`` per item only in
diff mode. ``changed`` is true when any completed item changed. A failed batch fails the task with
``msg`` naming the item (``items[N] (KIND LABEL): ...``), ``failed_index`` (the lowest failing
index; absent or null when the batch failed after its items, e.g. in a final apply) and ``results``
holding every item that completed - an item after ``failed_index`` too, when it had already run - so
the caller knows exactly what to roll back. Items that never ran are absent from ``results``.

``planner.core.tasks.item_outcomes`` reads exactly this shape, matching entries by ``index``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from ansible_collections.homelab.iac.plugins.module_utils._client import ModuleClient
from ansible_collections.homelab.iac.plugins.module_utils._reconcile import Outcome

#: The ``items`` option of every batch module (doc fragments of the batch modules say the same).
ITEMS_ARG: dict[str, dict[str, Any]] = {
    "items": {"type": "list", "elements": "dict", "required": True, "aliases": ["resources"]},
}


class BatchItemError(Exception):
    """One item failed (``index``; None for a failure after the items, e.g. an apply).

    ``details`` are extra keys the failed task returns (the API's validation messages...).
    """

    def __init__(self, index: int | None, message: str, **details: Any) -> None:
        super().__init__(message)
        self.index = index
        self.details = details


def item_result(
    index: int, kind: str, changed: bool, action: str, facts: dict[str, Any],
    diff: dict[str, Any] | None = None, **extra: Any,
) -> dict[str, Any]:  # fmt: skip
    """One entry of ``results``: the contract's keys, a backend's extras, the diff (shown in diff mode)."""
    result: dict[str, Any] = {"index": index, "kind": kind, "changed": changed, "action": action, "facts": facts}
    result.update(extra)
    if diff is not None:
        result["diff"] = diff
    return result


def outcome_result(index: int, kind: str, outcome: Outcome, **extra: Any) -> dict[str, Any]:
    """``item_result`` of a Reconciler outcome, with the properties it ``updated``."""
    return item_result(index, kind, outcome.changed, outcome.action.value, outcome.facts, outcome.diff,
                       updated=outcome.updated, **extra)  # fmt: skip


@dataclass
class BatchRun:
    """What a batch did: completed items' results and the failures, each in index order."""

    results: list[dict[str, Any]] = field(default_factory=list)
    errors: list[BatchItemError] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when any completed item changed something (or would have, in check mode)."""
        return any(result["changed"] for result in self.results)

    def in_order(self) -> BatchRun:
        """Results and errors sorted by index (items may complete out of order); returns self."""
        self.results.sort(key=lambda result: result["index"])
        self.errors.sort(key=lambda error: -1 if error.index is None else error.index)
        return self

    def shown(self, diff_mode: bool) -> list[dict[str, Any]]:
        """``results`` as returned: the per-item diff only in diff mode."""
        if diff_mode:
            return self.results
        return [{key: value for key, value in result.items() if key != "diff"} for result in self.results]


def run_in_order(
    indexes: Iterable[int],
    run_one: Callable[[int], dict[str, Any]],
    stop_on_error: bool = True,
    failed_result: Callable[[BatchItemError], dict[str, Any]] | None = None,
) -> BatchRun:
    """Run items one after the other (``indexes``: the order); ``run_one`` returns the item's result.

    ``run_one`` raises BatchItemError for a failed item. The first failure stops the run unless
    ``stop_on_error`` is false; then ``failed_result`` (if given) makes the failed item's entry.
    """
    run = BatchRun()
    for index in indexes:
        try:
            run.results.append(run_one(index))
        except BatchItemError as exc:
            run.errors.append(exc)
            if stop_on_error:
                break
            if failed_result is not None:
                run.results.append(failed_result(exc))
    return run.in_order()


def finish_batch(client: ModuleClient, run: BatchRun, message: str | None = None, **extra: Any) -> NoReturn:
    """Exit the batch task in the contract's shape; fail it (``failed_index``) when an item failed.

    ``message`` replaces the first failure's text as ``msg``; ``extra`` are the backend's own
    top-level keys (requests made, areas applied...).
    """
    result: dict[str, Any] = {"changed": run.changed, "results": run.shown(client.diff_mode), **extra}
    if client.diff_mode and "diff" not in result:
        result["diff"] = shown_diffs(run)  # what ansible-playbook --diff prints for the task
    if run.errors:
        first = run.errors[0]
        client.fail(message or str(first), failed_index=first.index, **first.details, **result)
    client.exit_json(**result)


def shown_diffs(run: BatchRun) -> list[dict[str, Any]]:
    """The task's ``diff``: each changed item's before and after, headed by the item (``items[N] KIND NAME``),
    the list ``ansible-playbook --diff`` prints (it reads no per-item diff)."""
    shown = []
    for result in run.results:
        diff = result.get("diff")
        if result.get("changed") and isinstance(diff, dict) and diff:
            after = diff.get("after") if isinstance(diff.get("after"), dict) else {}
            facts = result.get("facts") or {}
            name = next((str(found) for found in (result.get("name"), facts.get("name"), *(after.get(key) for key in
                         ("name", "hostname", "description"))) if found), "")
            header = f"items[{result['index']}] {result['kind']} {name}".rstrip()
            shown.append({"before_header": header, "after_header": header, **diff})
    return shown


def fail_before_run(client: ModuleClient, error: BatchItemError) -> NoReturn:
    """Fail a batch whose input was refused before any item ran: nothing changed, no results."""
    finish_batch(client, BatchRun(errors=[error]))
