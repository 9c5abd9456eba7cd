"""The web app: providers' callbacks over HTTP (Starlette), served by ``orderstate serve`` or
by any ASGI server through ``orderstate.adapters.bootstrap:create_app``."""

from .app import CALLBACK_PATH, DEFAULT_READ_TIMEOUT, STATUS_BY_OUTCOME, create_app

__all__ = ["CALLBACK_PATH", "DEFAULT_READ_TIMEOUT", "STATUS_BY_OUTCOME", "create_app"]
