"""homelab-iac planner: intents in, a dependency-ordered plan out, executed as plain Ansible."""

__version__ = "0.1.0"
