"""The planner's adapters: where the pure core meets files, processes and devices.

- ``inventory``: the endpoint inventory (``inventories/*/hosts.yml``) read into typed hosts.
- ``preflight``: what the endpoints can take before anything is written (Docker images, ports).
- ``render``: a plan written out as an ordinary Ansible project (``site.yml``, inventory, cfg).
- ``execute``: that project run through ansible-runner (or a scripted executor in tests).
- ``record``: the collection's per-resource results written to the state store as they arrive.

Each is imported by the use cases in :mod:`planner.service`, never by :mod:`planner.core`.
"""
