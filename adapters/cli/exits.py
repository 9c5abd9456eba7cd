"""The ``orderstate`` command's exit codes: what a script can tell apart without reading stderr.

docs/operations.md has the table; tests/integration/cli/test_exit_codes.py runs each.
"""

from __future__ import annotations

from enum import IntEnum

from orderstate.adapters.port import OutcomeUnknown, ProviderRefused, ProviderUnreachable

__all__ = ["ExitCode", "exit_code_for"]


class ExitCode(IntEnum):
    """Why the command stopped."""

    OK = 0
    ERROR = 1
    """Refused here: bad input or settings, an unknown order, a command the order refuses."""
    USAGE = 2
    """The command line itself (an unknown option, a missing argument); ``ingest``: some
    callbacks were kept but not applied."""
    PROVIDER_REFUSED = 3
    """The provider answered no: a placed order is recorded ``failed``, a request declined."""
    PROVIDER_UNREACHABLE = 4
    """No connection to the provider: nothing was sent, so running the command again is safe."""
    OUTCOME_UNKNOWN = 5
    """The provider gave no clear answer and may have acted: ``orderstate reconcile`` settles
    it; do not repeat the command blindly."""


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit code for an error a command stopped on."""
    if isinstance(error, ProviderRefused):
        return ExitCode.PROVIDER_REFUSED
    if isinstance(error, ProviderUnreachable):
        return ExitCode.PROVIDER_UNREACHABLE
    if isinstance(error, OutcomeUnknown):
        return ExitCode.OUTCOME_UNKNOWN
    return ExitCode.ERROR
