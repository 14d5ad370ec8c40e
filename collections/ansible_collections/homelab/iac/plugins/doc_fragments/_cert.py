# Private to this collection: may change without notice, do not use from outside homelab.iac.
"""Documentation of the file options shared by the homelab.iac cert modules that write files.

Kept in step with FILE_ARGS in plugins/module_utils/_cert_module.py.
"""

from __future__ import annotations


class ModuleDocFragment:
    """Ownership and mode of the files the cert modules write."""

    DOCUMENTATION = r"""
options:
  owner:
    description:
      - User that owns the written files (certificates and keys). Unchanged when omitted.
    type: str
  group:
    description:
      - Group of the written files. Unchanged when omitted.
    type: str
  mode:
    description:
      - Mode of the written certificate files, as an octal string such as V('0644').
      - Private keys are always written with mode V(0600).
    type: raw
    default: '0644'
notes:
  - Files are written atomically (a temporary file in the same directory, then a rename), and only
    when their content, mode or ownership differ, so a rerun with nothing to change writes nothing.
  - Key material never appears in results or diffs; the SHA-256 fingerprint of the public key is
    shown instead.
requirements:
  - cryptography >= 42.0
"""
