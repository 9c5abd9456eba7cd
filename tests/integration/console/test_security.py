"""The console's security model over HTTP: who may read, who may act (credentials and CSRF),
nothing secret shown, and hostile text rendered as text."""

from __future__ import annotations

import re

import httpx
import pytest
from markupsafe import escape

from orderstate.adapters.service import OrderService
from orderstate.adapters.web.console import ConsoleConfig
from orderstate.engine import State
from tests.support.console_data import HOSTILE, LEAKED, SHOP

from .conftest import PASSWORD, TOKEN, USER, Client

B_200 = {"shop": str(SHOP), "number": "B-200"}


def signed_in(client: Client) -> str:
    """Sign in on the login page; the session cookie's value."""
    answer = client.post("/console/login", data={"token": TOKEN})
    assert answer.status_code == 303
    return answer.cookies["orderstate_console"]


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]*)"', page.text)
    assert found is not None, "no CSRF field on the page"
    return found.group(1)


def resolution(**extra: str) -> dict[str, str]:
    return {**B_200, "resolution": "completed", "reason": "customer agreed", "by": "ana", **extra}


def test_loopback_reads_without_credentials_but_may_not_act(
    loopback: Client, service: OrderService
) -> None:
    listing = loopback.get("/console/orders")
    action = loopback.post("/console/resolve", data=resolution(csrf="x"))

    assert listing.status_code == 200
    assert "read-only (loopback)" in listing.text
    assert 'name="csrf"' not in loopback.get("/console/order", params=B_200).text
    assert action.status_code == 401
    assert service.view(SHOP, "B-200").state == State.NEED_ACTION


def test_a_remote_client_without_credentials_reads_nothing(remote: Client) -> None:
    for path in ("/console/orders", "/console/order?shop=115&number=A-100", "/console/inbox"):
        answer = remote.get(path)

        assert answer.status_code == 401
        assert answer.headers["www-authenticate"].startswith("Basic ")
        assert "A-100" not in answer.text


def test_a_forwarded_request_is_not_loopback_even_from_127_0_0_1(loopback: Client) -> None:
    answer = loopback.get("/console/orders", headers={"X-Forwarded-For": "198.51.100.4"})

    assert answer.status_code == 401


def test_loopback_reading_can_be_switched_off(service: OrderService) -> None:
    from starlette.applications import Starlette

    from orderstate.adapters.web.console import mount_console

    config = ConsoleConfig(token=TOKEN, trust_loopback=False)
    strict = Client(Starlette(routes=[mount_console(service, config)]), ("127.0.0.1", 1))

    assert strict.get("/console/orders").status_code == 401
    assert strict.get("/console/orders", headers={"Authorization": f"Bearer {TOKEN}"}).is_success


def test_a_token_or_the_console_user_opens_every_page_remotely(remote: Client) -> None:
    bearer = remote.get("/console/orders", headers={"Authorization": f"Bearer {TOKEN}"})
    basic = remote.get("/console/inbox", auth=(USER, PASSWORD))
    cookie = remote.get("/console/need-action", cookies={"orderstate_console": signed_in(remote)})

    assert [bearer.status_code, basic.status_code, cookie.status_code] == [200, 200, 200]
    assert "signed in as ana" in basic.text


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer wrong-token-wrong-token"},
        {"Authorization": "Basic YW5hOndyb25n"},  # ana:wrong
        {"Authorization": "Basic !!!"},
    ],
)
def test_wrong_credentials_are_refused_even_on_loopback(
    loopback: Client, headers: dict[str, str]
) -> None:
    assert loopback.get("/console/orders", headers=headers).status_code == 401


def test_the_login_page_refuses_a_wrong_token_and_never_puts_the_token_in_the_cookie(
    remote: Client,
) -> None:
    wrong = remote.post("/console/login", data={"token": "not-the-token-at-all"})
    right = remote.post("/console/login", data={"token": TOKEN})

    cookie = right.headers["set-cookie"]
    assert wrong.status_code == 401
    assert "orderstate_console" not in wrong.headers.get("set-cookie", "")
    assert TOKEN not in cookie
    assert "httponly" in cookie.lower()
    assert "samesite=strict" in cookie.lower()
    assert "Path=/console" in cookie


def test_an_action_with_the_session_cookie_needs_the_page_s_csrf_token(
    remote: Client, service: OrderService
) -> None:
    cookies = {"orderstate_console": signed_in(remote)}
    page = remote.get("/console/order", params=B_200, cookies=cookies)

    missing = remote.post("/console/resolve", data=resolution(), cookies=cookies)
    wrong = remote.post("/console/resolve", data=resolution(csrf="0" * 64), cookies=cookies)
    state_after_refusals = service.view(SHOP, "B-200").state
    right = remote.post("/console/resolve", data=resolution(csrf=csrf_of(page)), cookies=cookies)

    assert (missing.status_code, wrong.status_code) == (403, 403)
    assert "CSRF" in missing.text
    assert state_after_refusals == State.NEED_ACTION
    assert right.status_code == 303
    assert right.headers["location"] == "/console/order?shop=115&number=B-200"
    resolved = service.history(SHOP, "B-200")[-1]
    assert (resolved.by, resolved.reason) == ("ana (token)", "customer agreed")


def test_basic_auth_records_its_user_as_who_resolved(remote: Client, service: OrderService) -> None:
    page = remote.get("/console/order", params=B_200, auth=(USER, PASSWORD))

    answer = remote.post(
        "/console/resolve",
        data=resolution(csrf=csrf_of(page), by="someone else"),
        auth=(USER, PASSWORD),
    )

    assert answer.status_code == 303
    assert service.history(SHOP, "B-200")[-1].by == USER


def test_a_bearer_header_acts_without_csrf_but_not_from_another_site(
    remote: Client, service: OrderService
) -> None:
    bearer = {"Authorization": f"Bearer {TOKEN}"}

    foreign = remote.post(
        "/console/resolve",
        data=resolution(),
        headers={**bearer, "Origin": "https://evil.example"},
    )
    state_after_foreign = service.view(SHOP, "B-200").state
    own = remote.post("/console/resolve", data=resolution(), headers=bearer)

    assert foreign.status_code == 403
    assert state_after_foreign == State.NEED_ACTION
    assert own.status_code == 303
    assert service.view(SHOP, "B-200").state == State.COMPLETED


def test_a_resolution_needs_a_reason_and_a_name_from_a_token_holder(
    remote: Client, service: OrderService
) -> None:
    bearer = {"Authorization": f"Bearer {TOKEN}"}

    no_reason = remote.post("/console/resolve", data=resolution(reason=" "), headers=bearer)
    no_name = remote.post("/console/resolve", data=resolution(by=""), headers=bearer)
    bad_outcome = remote.post("/console/resolve", data=resolution(resolution="x"), headers=bearer)

    assert [no_reason.status_code, no_name.status_code, bad_outcome.status_code] == [400] * 3
    assert len(service.history(SHOP, "B-200")) == 3  # nothing appended


def test_a_hostile_order_number_and_reason_render_as_text(
    remote: Client, service: OrderService
) -> None:
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    remote.post("/console/resolve", data=resolution(reason=HOSTILE), headers=bearer)

    listing = remote.get("/console/orders", headers=bearer)
    detail = remote.get("/console/order", params={"shop": SHOP, "number": HOSTILE}, headers=bearer)
    resolved = remote.get("/console/order", params=B_200, headers=bearer)
    searched = remote.get("/console/orders", params={"q": HOSTILE}, headers=bearer)

    for page in (listing, detail, resolved, searched):
        assert page.status_code == 200
        assert "<script>document.title" not in page.text
        assert "<img src=x" not in page.text
        assert str(escape(HOSTILE)) in page.text
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy
        assert "script-src" not in policy


def test_no_secret_of_a_kept_callback_is_shown(loopback: Client, service: OrderService) -> None:
    refused = next(item for item in service.inbox_items() if item.status == "rejected")

    page = loopback.get(f"/console/inbox/{refused.id}")

    assert page.status_code == 200
    assert "unauthenticated" in page.text
    assert LEAKED not in page.text
    assert "leaked-secret-value" not in page.text
    assert "0" * 128 not in page.text  # the signature header's value
    assert page.text.count("[hidden]") == 2


def test_config_refuses_short_secrets_and_a_user_without_password_and_hides_them() -> None:
    with pytest.raises(ValueError, match="at least 16"):
        ConsoleConfig(token="short")
    with pytest.raises(ValueError, match="both a user and a password"):
        ConsoleConfig(user="ana")

    shown = repr(ConsoleConfig(token=TOKEN, user=USER, password=PASSWORD))

    assert TOKEN not in shown
    assert PASSWORD not in shown


def test_config_from_env_reads_the_console_variables() -> None:
    config = ConsoleConfig.from_env(
        {"ORDERSTATE_CONSOLE_TOKEN": TOKEN, "ORDERSTATE_CONSOLE_LOOPBACK": "0"}
    )

    assert (config.token, config.user, config.trust_loopback) == (TOKEN, None, False)
    assert ConsoleConfig.from_env({}).has_credentials is False
