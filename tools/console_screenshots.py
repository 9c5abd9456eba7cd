"""Regenerate docs/console-*.png: the console's main pages in chromium (`make screenshots`).

Serves the console over the test data of ``tests/support/console_data.py`` on a loopback port
and photographs the orders list, one order (its path on the life cycle and its timeline), the
need_action queue and the inbox, at a laptop's width.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from starlette.applications import Starlette  # noqa: E402

from orderstate.adapters.web.console import ConsoleConfig, mount_console  # noqa: E402
from tests.support.console_data import populated  # noqa: E402
from tests.support.console_server import serving  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
TOKEN = "screenshots-token-0123456789"
PAGES = {
    "orders": "/console/orders",
    "order": "/console/order?shop=115&number=A-100",
    "need-action": "/console/order?shop=115&number=B-200",
    "inbox": "/console/inbox",
}


def main(directory: Path) -> None:
    service = populated()
    app = Starlette(routes=[mount_console(service, ConsoleConfig(token=TOKEN))])
    with serving(app) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base + "/console/login")  # signed in: the pages show their actions
        page.fill("input[name=token]", TOKEN)
        page.click("button[type=submit]")
        for name, path in PAGES.items():
            page.goto(base + path)
            target = directory / f"console-{name}.png"
            page.screenshot(path=str(target), full_page=True)
            print(target)
        browser.close()
    service.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs")
