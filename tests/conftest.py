"""Shared pytest configuration. Fixtures live in tests/support and are registered here."""

import freezegun
import pytest

# pytest times setup, call and teardown with its own clock (_pytest.timing); a fixture that
# freezes time during setup must not freeze that clock too, or `--durations` reports a setup
# of 1.8 billion seconds. Ignored modules keep the real time while a test's clock is frozen.
freezegun.configure(extend_ignore_list=["_pytest.timing", "_pytest.runner", "_pytest.terminal"])

pytest_plugins = ["tests.support.fixtures"]


@pytest.fixture(autouse=True, scope="session")
def _expression_functions():
    """What every entry point does before loading playbooks: hand the engine the sales maths
    playbooks call (tests that load playbooks without building the services need it too)."""
    from bot.services import provide_expression_functions

    provide_expression_functions()
