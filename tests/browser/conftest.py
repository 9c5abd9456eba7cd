"""A real browser on the console: Playwright driving Debian's chromium (never a browser
Playwright downloads). Without chromium the tests skip, except under ``CI=true``, where they
fail: `make test` installs it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from starlette.applications import Starlette

from orderstate.adapters.service import OrderService
from orderstate.adapters.web.console import ConsoleConfig, mount_console
from tests.support.console_data import populated
from tests.support.console_server import serving

TOKEN = "browser-test-token-0123456789"


def chromium_path() -> str | None:
    configured = os.environ.get("ORDERSTATE_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        message = "Debian's chromium is not installed (make test installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


@pytest.fixture
def service(tmp_path: Path) -> Iterator[OrderService]:
    service = populated(str(tmp_path / "console.db"))
    yield service
    service.close()


@pytest.fixture
def base_url(service: OrderService) -> Iterator[str]:
    app = Starlette(routes=[mount_console(service, ConsoleConfig(token=TOKEN))])
    with serving(app) as url:
        yield f"{url}/console"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield opened
    context.close()
    assert dialogs == [], f"a page opened dialogs: {dialogs}"
