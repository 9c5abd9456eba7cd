"""What the console lets in: a token, or an HTTP basic user, and whether loopback may read.

``ORDERSTATE_CONSOLE_TOKEN`` (a bearer token, also accepted once on the login page, which then
sets a cookie), ``ORDERSTATE_CONSOLE_USER`` and ``ORDERSTATE_CONSOLE_PASSWORD`` (HTTP basic),
``ORDERSTATE_CONSOLE_LOOPBACK=0`` (loopback clients need credentials too: set it behind a
reverse proxy on the same host, where every client looks like loopback).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["MIN_SECRET_LENGTH", "ConsoleConfig"]

MIN_SECRET_LENGTH = 16
"""The shortest token or password accepted: anything shorter can be guessed over HTTP."""


@dataclass(frozen=True, repr=False)
class ConsoleConfig:
    """The console's credentials; its repr shows none of them."""

    token: str | None = None
    user: str | None = None
    password: str | None = None
    trust_loopback: bool = True
    """Let clients on the loopback interface read without credentials (never act)."""

    def __post_init__(self) -> None:
        if (self.user is None) != (self.password is None):
            raise ValueError("the console's basic auth needs both a user and a password")
        for name, secret in (("token", self.token), ("password", self.password)):
            if secret is not None and len(secret) < MIN_SECRET_LENGTH:
                # Says which setting, never its value.
                raise ValueError(
                    f"the console {name} must be at least {MIN_SECRET_LENGTH} characters"
                )
        if self.user is not None and (not self.user or ":" in self.user):
            raise ValueError("the console user is a non-empty name without ':'")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ConsoleConfig:
        """The console settings the ``ORDERSTATE_CONSOLE_*`` variables give."""
        env = os.environ if environ is None else environ
        loopback = (env.get("ORDERSTATE_CONSOLE_LOOPBACK") or "1").strip().lower()
        return cls(
            token=env.get("ORDERSTATE_CONSOLE_TOKEN") or None,
            user=env.get("ORDERSTATE_CONSOLE_USER") or None,
            password=env.get("ORDERSTATE_CONSOLE_PASSWORD") or None,
            trust_loopback=loopback not in ("0", "false", "no", "off"),
        )

    @property
    def has_credentials(self) -> bool:
        return self.token is not None or self.user is not None

    def __repr__(self) -> str:
        token = None if self.token is None else "***"
        password = None if self.password is None else "***"
        return (
            f"ConsoleConfig(token={token!r}, user={self.user!r}, password={password!r}, "
            f"trust_loopback={self.trust_loopback!r})"
        )
