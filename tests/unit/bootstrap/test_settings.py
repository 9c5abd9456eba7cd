"""Settings from the environment: shops per provider, and refusals that never echo a secret."""

from __future__ import annotations

import pytest

from orderstate.adapters.bootstrap import (
    Settings,
    build_service,
    create_app,
    parse_shops,
    shops_from_pairs,
)
from orderstate.adapters.port import Shop
from orderstate.adapters.service import UnknownProvider


def test_reads_shops_with_and_without_a_provider() -> None:
    shops = parse_shops("115:a, 115:b,stripe:116:whsec_x:y")

    assert shops == ((115, "a"), (115, "b"), (116, "whsec_x:y", "stripe"))


@pytest.mark.parametrize("text", ["115", "abc:secret", "115:", "stripe:x:secret", "vertex:115"])
def test_refuses_a_shop_it_cannot_read_without_echoing_it(text: str) -> None:
    with pytest.raises(ValueError, match="a shop is SHOP_ID:SECRET") as refused:
        parse_shops(text)

    assert "secret" not in str(refused.value).replace("SECRET", "")


def test_groups_secrets_per_shop_and_keeps_the_provider() -> None:
    pairs = [(115, "a"), (115, "b"), (116, "c", "stripe")]

    shops = shops_from_pairs(pairs, webhook_url="https://shop.example/cb")

    assert shops[115] == Shop(("a", "b"), "https://shop.example/cb")
    assert shops[116].provider == "stripe"


def test_reads_every_setting_from_the_environment() -> None:
    environ = {
        "ORDERSTATE_DB": "orders.db",
        "ORDERSTATE_SHOPS": "115:s3cret",
        "ORDERSTATE_VERTEX_TOKEN": "token",
        "ORDERSTATE_WEBHOOK_URL": "https://shop.example/cb",
    }

    settings = Settings.from_env(environ)

    assert (settings.db, settings.vertex_token) == ("orders.db", "token")
    assert settings.shop_map() == {115: Shop(("s3cret",), "https://shop.example/cb")}


def test_the_app_factory_refuses_to_start_without_callback_secrets() -> None:
    with pytest.raises(ValueError, match="ORDERSTATE_SHOPS"):
        create_app(Settings(db="memory"))


def test_a_shop_of_a_provider_nobody_registered_is_refused_at_start() -> None:
    with pytest.raises(UnknownProvider, match="shop 116: the provider it names is not registered"):
        build_service(shops={116: Shop(("s",), provider="acme")})


def test_an_expiry_status_other_than_cancelled_or_failed_is_refused() -> None:
    with pytest.raises(ValueError, match="cancelled or failed"):
        build_service(expiry_status="expired")  # type: ignore[arg-type]
