"""Shared test setup. Fixtures live in tests/fixtures/ so each area owns its own file."""

pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.lab",
]
