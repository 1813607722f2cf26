"""Fixtures for the pure tests (no Odoo): one emulator per session over real HTTP."""

import pytest

from emulator import Emulator


@pytest.fixture(scope="session")
def emulator_server():
    emulator = Emulator()
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def emulator(emulator_server):
    """The running emulator, reset to a clean state for each test."""
    emulator_server.reset()
    yield emulator_server
    emulator_server.notifier.flush()
