"""Idempotency keys: the first answer to a key is replayed to every retry with that key.

Stripe keeps, per secret key and ``Idempotency-Key``, the status and body of the first request
that started executing, 500s included, for about 24 hours, and answers a retry with them
(header ``Idempotent-Replayed: true``); the same key with other parameters (or another
endpoint) is a 400 ``idempotency_error``. A request refused before it ran (bad parameters,
authentication, a missing object) is not kept, so fixing it and retrying with the key works.

Injected faults (``faults``): a 5xx *before* acting is not kept (the request never reached the
endpoint, as behind a failing load balancer); a 5xx *after* acting is kept as the 500 it
answered, as Stripe does; a timeout after acting keeps the real answer the caller never saw, so
a retry learns what happened.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any

from .errors import idempotency_mismatch

__all__ = ["KEY_LIFETIME", "IdempotencyStore", "Saved"]

KEY_LIFETIME = 24 * 3600
"""Seconds a key is remembered."""


@dataclass(frozen=True, slots=True)
class Saved:
    """The first answer to a key."""

    fingerprint: str
    status: int
    body: bytes
    saved_at: int


class IdempotencyStore:
    """Answers by (secret key, idempotency key); thread-safe."""

    def __init__(self) -> None:
        self._saved: dict[tuple[str, str], Saved] = {}
        self._lock = threading.Lock()

    @staticmethod
    def fingerprint(method: str, path: str, params: dict[str, Any]) -> str:
        canonical = json.dumps([method, path, params], sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def lookup(self, api_key: str, key: str, fingerprint: str, now: int) -> Saved | None:
        """The saved answer for a retry, None for a new key, or a 400 for other parameters."""
        with self._lock:
            saved = self._saved.get((api_key, key))
            if saved is not None and now - saved.saved_at > KEY_LIFETIME:
                del self._saved[(api_key, key)]
                saved = None
        if saved is not None and saved.fingerprint != fingerprint:
            raise idempotency_mismatch(key)
        return saved

    def save(self, api_key: str, key: str, saved: Saved) -> None:
        with self._lock:
            self._saved.setdefault((api_key, key), saved)

    def __len__(self) -> int:
        with self._lock:
            return len(self._saved)
