"""Group commit's settings: ``ORDERSTATE_BATCH_SIZE`` and ``ORDERSTATE_BATCH_WAIT``."""

from __future__ import annotations

import pytest

from orderstate.adapters.bootstrap import Settings
from orderstate.adapters.bootstrap.settings import batching_from_env
from orderstate.adapters.service import Batching


def test_defaults_to_64_callbacks_and_2_ms() -> None:
    assert Settings.from_env({}).batching() == Batching(max_batch=64, max_wait=0.002)


def test_reads_batch_size_and_wait_from_the_environment() -> None:
    settings = Settings.from_env({"ORDERSTATE_BATCH_SIZE": "16", "ORDERSTATE_BATCH_WAIT": "0.01"})

    assert settings.batching() == Batching(max_batch=16, max_wait=0.01)
    assert "batch_size=16" in repr(settings)


@pytest.mark.parametrize("value", ["0", "-1", "2.5", "10001", "many", "\uff11\uff16"])
def test_refuses_a_batch_size_that_is_not_a_count(value: str) -> None:
    with pytest.raises(ValueError, match="batch size"):
        Settings.from_env({"ORDERSTATE_BATCH_SIZE": value})


@pytest.mark.parametrize("value", ["-0.001", "1.5", "soon", "nan", "inf"])
def test_refuses_a_batch_wait_out_of_bounds(value: str) -> None:
    with pytest.raises(ValueError, match="batch wait"):
        Settings.from_env({"ORDERSTATE_BATCH_WAIT": value})


def test_orderstate_serve_reads_the_same_variables() -> None:
    environ = {"ORDERSTATE_BATCH_SIZE": "8", "ORDERSTATE_BATCH_WAIT": "0"}

    assert batching_from_env(environ) == Settings.from_env(environ).batching()
    assert batching_from_env(environ) == Batching(max_batch=8, max_wait=0.0)
