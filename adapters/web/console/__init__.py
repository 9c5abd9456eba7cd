"""The web console for support and audit: orders, one order's history on the life-cycle
drawing, the callback inbox and the need_action queue, server-rendered (Starlette + Jinja2,
no script). ``orderstate serve`` mounts it at ``/console``; mount it in your own app with
``mount_console(service, ConsoleConfig(...))``. See docs/console.md for its security model."""

from .app import PATH, create_console, mount_console
from .config import ConsoleConfig

__all__ = ["PATH", "ConsoleConfig", "create_console", "mount_console"]
