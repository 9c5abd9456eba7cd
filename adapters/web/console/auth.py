"""Who is asking, and whether they may act: the console's security model in one place.

- Credentials: ``Authorization: Bearer <token>``; the session cookie the login page sets for
  the token (an HMAC of it, never the token); or HTTP basic with the configured user.
- No credentials: read-only, and only for a client on the loopback interface whose request
  was not forwarded by a proxy (``X-Forwarded-For`` / ``Forwarded``), if the config trusts
  loopback. Anyone else gets 401.
- Actions (POST) need credentials and, unless they came in an ``Authorization: Bearer``
  header (which a browser never adds by itself), a CSRF token: an HMAC of the credential,
  rendered into every form. A cross-site page cannot read it, and every worker derives the
  same one, so forms survive restarts and several workers. A request whose ``Origin`` is not
  this host is refused as well.

Every comparison is constant-time (``hmac.compare_digest``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.requests import Request

from .config import ConsoleConfig

__all__ = [
    "COOKIE",
    "CSRF_FIELD",
    "Visitor",
    "action_refusal",
    "identify",
    "session_value",
    "token_matches",
]

COOKIE = "orderstate_console"
"""The session cookie set by the login page."""

CSRF_FIELD = "csrf"
"""The form field carrying the CSRF token."""

_FORWARDED = ("x-forwarded-for", "forwarded", "x-real-ip")


@dataclass(frozen=True)
class Visitor:
    """The person behind a request, as far as the console can tell."""

    name: str | None
    """The basic-auth user, ``token`` for a token holder, None for an anonymous reader."""
    csrf: str | None = None
    """The CSRF token their forms carry (None: they cannot act)."""
    by_header: bool = False
    """Credentials came in an ``Authorization`` header set by a program (bearer)."""

    @property
    def can_act(self) -> bool:
        return self.name is not None

    @property
    def basic_user(self) -> bool:
        return self.name not in (None, "token")


def _mac(secret: str, purpose: str) -> str:
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).hexdigest()


def session_value(token: str) -> str:
    """The cookie value that proves ``token`` was given on the login page."""
    return _mac(token, "orderstate-console-session")


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _token_holder(token: str) -> Visitor:
    return Visitor("token", _mac(token, "orderstate-console-csrf"))


def identify(request: Request, config: ConsoleConfig) -> Visitor | None:
    """The visitor, or None if the request may not even read."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if config.token is not None and scheme.lower() == "bearer" and _same(value, config.token):
        return Visitor("token", None, by_header=True)
    user, password = config.user, config.password
    if scheme.lower() == "basic" and user and password and _basic_matches(value, user, password):
        return Visitor(user, _mac(password, f"orderstate-console-csrf:{user}"))
    cookie = request.cookies.get(COOKIE)
    if config.token is not None and cookie and _same(cookie, session_value(config.token)):
        return _token_holder(config.token)
    if header:  # credentials given and wrong: never fall back to anonymous reading
        return None
    if config.trust_loopback and _is_direct_loopback(request):
        return Visitor(None)
    return None


def token_matches(given: str, config: ConsoleConfig) -> bool:
    """Whether ``given`` is the configured token (the login page)."""
    return config.token is not None and _same(given, config.token)


def _basic_matches(value: str, user: str, password: str) -> bool:
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    given_user, sep, given_password = decoded.partition(":")
    # Both compared, always: the time taken does not tell which one was wrong.
    user_ok = _same(given_user, user)
    password_ok = _same(given_password, password)
    return bool(sep) and user_ok and password_ok


def _is_direct_loopback(request: Request) -> bool:
    if any(name in request.headers for name in _FORWARDED):
        return False
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def action_refusal(request: Request, visitor: Visitor | None, form_token: str | None) -> str | None:
    """Why this POST may not act (None: it may)."""
    if visitor is None or not visitor.can_act:
        return "actions need credentials: a token or the console user"
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host", ""):
        return "the request came from another site"
    if visitor.by_header:
        return None
    if visitor.csrf is None or form_token is None or not _same(form_token, visitor.csrf):
        return "the form's CSRF token is missing or wrong: reload the page and try again"
    return None
