"""Shared pytest configuration. Fixtures live in tests/support and are registered here."""

import pytest

pytest_plugins = ["tests.support.fixtures"]


@pytest.fixture(autouse=True, scope="session")
def _expression_functions():
    """What every entry point does before loading playbooks: hand the engine the sales maths
    playbooks call (tests that load playbooks without building the services need it too)."""
    from bot.services import provide_expression_functions

    provide_expression_functions()
