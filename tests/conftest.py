"""Shared test setup: the network guard for every test, and the real-service fixtures."""

pytest_plugins = [
    "tests.fixtures.netguard",
    "tests.fixtures.keystone",
    "tests.fixtures.sheets",
    "tests.fixtures.smtp",
    "tests.fixtures.databases",
    "tests.fixtures.setpass",
    "tests.fixtures.stack",
    "tests.fixtures.terminal",
]
