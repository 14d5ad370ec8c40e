"""The pure core: resources, the kind registry, references, the graph, plans and the plan builder.

Nothing here does I/O, and importing it loads neither SQLAlchemy, PyYAML, httpx, docker nor ansible-runner
(``tests/unit/planner/core/test_purity.py`` holds that). Adapters (``planner.adapters``) and use cases
(``planner.service``) build on it.
"""
