"""Loads the suite's shared fixtures from one module: tests/plugin.py."""

pytest_plugins = ["tests.plugin"]
