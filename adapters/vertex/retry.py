"""When the Vertex client may try a request again, and how long it waits first.

A pure function of the attempt so far: no clock, no sleeping, no I/O (the caller sleeps, and
passes its own ``random.Random`` so tests are deterministic). Only reads are retried blindly.
A POST may have been acted on although no answer came back, so it is never simply sent again;
``client.create_order`` looks the order up instead (orderNumber is the idempotency key).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx

from .errors import ProviderError

__all__ = ["RetryPolicy", "backoff", "decide"]

TOO_MANY_REQUESTS = 429

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_MAX_DOUBLINGS = 64  # beyond this the cap applies anyway; keeps 2.0 ** n finite


@dataclass(frozen=True, kw_only=True, slots=True)
class RetryPolicy:
    """How many attempts a read gets and how the pause between them grows.

    ``jitter`` is the randomised fraction of each pause: 1.0 is "full jitter" (anywhere between
    0 and the capped exponential delay), 0.5 is "equal jitter" (at least half of it), 0.0 none.
    """

    max_attempts: int = 3
    base_delay: float = 0.2
    max_delay: float = 5.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        """Refuse settings that would retry forever or wait a negative time."""
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, not {self.max_attempts}")
        if not 0 <= self.base_delay <= self.max_delay:
            raise ValueError(
                f"need 0 <= base_delay <= max_delay, got {self.base_delay} and {self.max_delay}"
            )
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"jitter must be a fraction between 0 and 1, not {self.jitter}")


def backoff(policy: RetryPolicy, attempt: int, rng: random.Random) -> float:
    """The pause after failed attempt number ``attempt`` (1-based): capped exponential, jittered."""
    doublings = min(max(attempt - 1, 0), _MAX_DOUBLINGS)
    ceiling = min(policy.max_delay, policy.base_delay * 2.0**doublings)
    fixed = ceiling * (1 - policy.jitter)
    return fixed + rng.uniform(0, ceiling - fixed)


def _is_retryable_error(error: type[BaseException]) -> bool:
    """A transport failure or timeout, raw (httpx) or already translated (ambiguous errors)."""
    if issubclass(error, httpx.TransportError):
        return True
    return issubclass(error, ProviderError) and error.ambiguous


def decide(
    policy: RetryPolicy,
    *,
    method: str,
    attempt: int,
    status: int | None,
    error: type[BaseException] | None,
    rng: random.Random,
) -> float | None:
    """The delay before the next attempt, or None to give up and raise.

    ``attempt`` is the number of the attempt that just failed (1-based); ``status`` is its
    HTTP status when an answer came back, ``error`` the exception class when none did.
    """
    if attempt >= policy.max_attempts or method.upper() not in _SAFE_METHODS:
        return None
    if error is not None:
        retryable = _is_retryable_error(error)
    else:
        # Every other 4xx would fail the same way again.
        retryable = status is not None and (status == TOO_MANY_REQUESTS or status >= 500)
    return backoff(policy, attempt, rng) if retryable else None
