# Private to this collection: may change without notice, do not import from outside homelab.iac.
"""The client base every backend's module client derives from: it owns the AnsibleModule.

A backend subclass names its shared connection options (``common_args``, kept in step with its doc
fragment); the base merges them under the module's own argument spec, builds the one
``AnsibleModule`` (check mode always supported) and offers what every module needs from it:
``params``, ``check_mode``, ``diff_mode``, ``fail`` and ``exit_json``. Modules never build an
``AnsibleModule`` themselves.

A value a rendered project takes from an earlier wave's result reads ``KNOWN_AFTER_APPLY`` in a check-mode
run when that resource does not exist yet: the module plans with it (its diff shows it), and refuses it
before anything runs outside check mode.
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from ansible.module_utils.basic import AnsibleModule

#: What a rendered project passes for a fact of a resource that does not exist yet, in check mode only
#: (the planner's ``planner.core.refs.KNOWN_AFTER_APPLY`` is the same string).
KNOWN_AFTER_APPLY = "(known after apply)"


def unknown_option(value: Any, path: str = "") -> str | None:
    """Where in ``value`` (module arguments) ``KNOWN_AFTER_APPLY`` stands, e.g. ``items[3].device``, else None."""
    if isinstance(value, str):
        return path if value == KNOWN_AFTER_APPLY else None
    if isinstance(value, dict):
        pairs: Any = ((f"{path}.{key}" if path else str(key), item) for key, item in value.items())
    elif isinstance(value, list | tuple):
        pairs = ((f"{path}[{index}]", item) for index, item in enumerate(value))
    else:
        return None
    for where, item in pairs:
        found = unknown_option(item, where)
        if found is not None:
            return found
    return None


class ModuleClient:
    """Owns the AnsibleModule of one module run."""

    #: The backend's shared connection options, merged under every module's own options.
    common_args: ClassVar[dict[str, dict[str, Any]]] = {}

    def __init__(self, argument_spec: dict[str, dict[str, Any]], **module_kwargs: Any) -> None:
        spec = dict(self.common_args)
        spec.update(argument_spec)
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **module_kwargs)
        unknown = None if self.check_mode else unknown_option(self.params)
        if unknown is not None:
            self.fail(f"{unknown} is {KNOWN_AFTER_APPLY!r}: the resource of an earlier wave it comes from did not "
                      "report it; only a check-mode run plans with a value that is not known yet")

    @property
    def params(self) -> dict[str, Any]:
        """The validated module arguments."""
        return self.module.params

    @property
    def check_mode(self) -> bool:
        """True when Ansible runs in check mode: plan, never write."""
        return bool(self.module.check_mode)

    @property
    def diff_mode(self) -> bool:
        """True when Ansible asked for a diff (--diff)."""
        return bool(self.module._diff)

    def fail(self, msg: str, **result: Any) -> NoReturn:
        """Fail the task with ``msg`` (the backend's own words where there are some)."""
        self.module.fail_json(msg=msg, **result)
        raise AssertionError("fail_json returned")  # for type checkers: fail_json exits

    def exit_json(self, **result: Any) -> NoReturn:
        """End the task with ``result``."""
        self.module.exit_json(**result)
        raise AssertionError("exit_json returned")
