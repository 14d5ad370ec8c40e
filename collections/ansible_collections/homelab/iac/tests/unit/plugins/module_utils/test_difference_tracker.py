"""The difference tracker: one source for changed, diff and secret masking."""

from __future__ import annotations

from ansible_collections.homelab.iac.plugins.module_utils._diff import (
    SECRET_CHANGED_MASK,
    SECRET_MASK,
    DifferenceTracker,
    mask_secret,
    masked_view,
)


def test_equal_properties_report_no_change() -> None:
    tracker = DifferenceTracker()
    tracker.add("driver", "bridge", "bridge")
    tracker.add("labels", {"a": "1"}, {"a": "1"})
    assert not tracker.has_differences
    assert tracker.changed_names() == []
    assert tracker.diff() == {
        "before": {"driver": "bridge", "labels": {"a": "1"}},
        "after": {"driver": "bridge", "labels": {"a": "1"}},
    }


def test_differences_are_named_in_recording_order() -> None:
    tracker = DifferenceTracker()
    tracker.add("subnet", "10.0.0.0/24", "10.0.1.0/24")
    tracker.add("driver", "bridge", "bridge")
    tracker.add("internal", False, True)
    assert tracker.has_differences
    assert tracker.changed_names() == ["subnet", "internal"]
    assert tracker.diff(only_differences=True) == {
        "before": {"subnet": "10.0.0.0/24", "internal": False},
        "after": {"subnet": "10.0.1.0/24", "internal": True},
    }


def test_custom_comparator_decides_equality() -> None:
    tracker = DifferenceTracker()
    same_set = tracker.add("ports", ["b", "a"], ["a", "b"], equal=lambda x, y: sorted(x) == sorted(y))
    assert not same_set
    assert not tracker.has_differences


def test_secret_dict_keeps_keys_and_hides_values() -> None:
    tracker = DifferenceTracker()
    tracker.add("env", {"TOKEN": "old", "KEEP": "same"}, {"TOKEN": "new", "KEEP": "same", "ADDED": "x"}, secret=True)
    diff = tracker.diff()
    assert diff["before"]["env"] == {"TOKEN": SECRET_MASK, "KEEP": SECRET_MASK}
    assert diff["after"]["env"] == {"TOKEN": SECRET_CHANGED_MASK, "KEEP": SECRET_MASK, "ADDED": SECRET_MASK}
    rendered = repr(diff) + repr(tracker.differences())
    assert "old" not in rendered and "new" not in rendered and "same" not in rendered


def test_secret_scalar_is_masked_and_marked_changed() -> None:
    tracker = DifferenceTracker()
    tracker.add("password", "hunter2", "hunter3", secret=True)
    (difference,) = tracker.differences()
    assert difference.before == SECRET_MASK
    assert difference.after == SECRET_CHANGED_MASK


def test_recorded_values_are_copies() -> None:
    current = {"a": "1"}
    tracker = DifferenceTracker()
    tracker.add("labels", current, {"a": "2"})
    current["a"] = "mutated later"
    assert tracker.diff()["before"]["labels"] == {"a": "1"}


def test_masked_view_masks_only_secret_properties() -> None:
    view = masked_view({"env": {"A": "secret"}, "image": "busybox"}, frozenset({"env"}))
    assert view == {"env": {"A": SECRET_MASK}, "image": "busybox"}
    assert mask_secret(None) is None
    assert mask_secret(["x", "y"]) == [SECRET_MASK, SECRET_MASK]
