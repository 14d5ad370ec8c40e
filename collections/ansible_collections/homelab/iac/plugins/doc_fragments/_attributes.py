# Private to this collection: may change without notice, do not use from outside homelab.iac.
"""The attributes every homelab.iac module declares: check mode, diff mode, idempotency."""

from __future__ import annotations


class ModuleDocFragment:
    """Shared C(attributes) documentation."""

    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: full
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation
        indicates no change and makes no write call to the backend.
    support: full
"""
