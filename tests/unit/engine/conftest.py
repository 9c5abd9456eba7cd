"""Fixtures for the engine tests."""

from __future__ import annotations

import pytest

from orderstate.engine import Order

from .builders import placed


@pytest.fixture
def order() -> Order:
    return placed()
