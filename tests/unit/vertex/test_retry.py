"""The retry policy as a pure function: which failures are retried and how long it waits."""

from __future__ import annotations

import random

import httpx
import pytest

from orderstate.adapters.vertex.errors import (
    Conflict,
    ProviderTimeout,
    ProviderUnavailable,
    TransportFailed,
)
from orderstate.adapters.vertex.retry import RetryPolicy, backoff, decide

POLICY = RetryPolicy(max_attempts=3, base_delay=0.2, max_delay=5.0, jitter=0.5)


def delay_for(
    *,
    method: str = "GET",
    attempt: int = 1,
    status: int | None = None,
    error: type[BaseException] | None = None,
    policy: RetryPolicy = POLICY,
) -> float | None:
    return decide(
        policy,
        method=method,
        attempt=attempt,
        status=status,
        error=error,
        rng=random.Random(7),
    )


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retries_a_read_after_a_server_error_or_too_many_requests(status: int) -> None:
    delay = delay_for(status=status)

    assert delay is not None
    assert 0.1 <= delay <= 0.2


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError,
        httpx.ReadTimeout,
        httpx.ConnectTimeout,
        httpx.RemoteProtocolError,
        ProviderTimeout,
        TransportFailed,
        ProviderUnavailable,
    ],
)
def test_retries_a_read_after_a_transport_failure_or_timeout(
    error: type[BaseException],
) -> None:
    delay = delay_for(error=error)

    assert delay is not None


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 412, 422])
def test_never_retries_a_client_error_other_than_429(status: int) -> None:
    delay = delay_for(status=status)

    assert delay is None


@pytest.mark.parametrize("error", [ValueError, Conflict, httpx.DecodingError])
def test_never_retries_an_error_that_is_not_a_transport_failure(
    error: type[BaseException],
) -> None:
    delay = delay_for(error=error)

    assert delay is None


def test_never_retries_a_success_that_could_not_be_read() -> None:
    delay = delay_for(status=200)

    assert delay is None


@pytest.mark.parametrize("method", ["POST", "post", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize(("status", "error"), [(503, None), (429, None), (None, httpx.ReadTimeout)])
def test_never_retries_a_write_blindly(
    method: str, status: int | None, error: type[BaseException] | None
) -> None:
    delay = delay_for(method=method, status=status, error=error)

    assert delay is None


def test_gives_up_after_the_last_attempt() -> None:
    before_last = delay_for(attempt=2, status=503)

    last = delay_for(attempt=3, status=503)

    assert before_last is not None
    assert last is None


def test_a_single_attempt_policy_never_retries() -> None:
    delay = delay_for(status=503, policy=RetryPolicy(max_attempts=1))

    assert delay is None


def test_pauses_grow_exponentially_within_their_jitter_band() -> None:
    policy = RetryPolicy(max_attempts=10, base_delay=0.2, max_delay=100.0, jitter=0.5)
    rng = random.Random(1)

    delays = [backoff(policy, attempt, rng) for attempt in range(1, 6)]

    for attempt, delay in enumerate(delays, start=1):
        ceiling = 0.2 * 2 ** (attempt - 1)
        assert ceiling / 2 <= delay <= ceiling


def test_pauses_are_capped_at_the_maximum_delay() -> None:
    policy = RetryPolicy(max_attempts=100, base_delay=0.2, max_delay=5.0, jitter=0.0)

    delays = [backoff(policy, attempt, random.Random(3)) for attempt in (6, 7, 50, 10_000)]

    assert delays == [5.0, 5.0, 5.0, 5.0]


def test_without_jitter_pauses_are_exactly_exponential() -> None:
    policy = RetryPolicy(max_attempts=5, base_delay=0.25, max_delay=10.0, jitter=0.0)

    delays = [backoff(policy, attempt, random.Random(0)) for attempt in (1, 2, 3)]

    assert delays == [0.25, 0.5, 1.0]


def test_full_jitter_may_pause_anywhere_from_zero_to_the_ceiling() -> None:
    policy = RetryPolicy(max_attempts=5, base_delay=1.0, max_delay=1.0, jitter=1.0)
    rng = random.Random(11)

    delays = [backoff(policy, 1, rng) for _ in range(200)]

    assert all(0.0 <= delay <= 1.0 for delay in delays)
    assert min(delays) < 0.1
    assert max(delays) > 0.9


def test_the_same_seed_gives_the_same_pauses() -> None:
    first = [delay_for(attempt=attempt, status=503) for attempt in (1, 2)]

    second = [delay_for(attempt=attempt, status=503) for attempt in (1, 2)]

    assert first == second


@pytest.mark.parametrize(
    "settings",
    [
        {"max_attempts": 0},
        {"base_delay": -0.1},
        {"base_delay": 6.0, "max_delay": 5.0},
        {"jitter": 1.5},
        {"jitter": -0.1},
    ],
)
def test_refuses_a_policy_that_cannot_work(settings: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"must|need"):
        RetryPolicy(**settings)
