"""No secret is ever shown: database passwords, shop callback secrets and the provider's
access token stay out of reprs, error messages and ``describe()`` however they are mistyped."""

from __future__ import annotations

import pytest

from orderstate.adapters.bootstrap import Settings, build_service, create_app
from orderstate.adapters.port import Shop
from orderstate.adapters.store import StoreError, describe, store_env

PASSWORDS = [
    "pa/ss",
    "pa#ss",
    "pa?ss",
    "pa@ss",
    "pa:ss",
    "a/b#c?d@e:f",
    "p%zzw",
    "pa ss",
    "pässwörd",
    "@/#?",
    "s3cret@db",
]
"""Passwords as an operator might paste them, unencoded, into a store URL."""

URL_SHAPES = [
    "postgresql://shop:{pw}@db.internal:5432/orders",
    "postgres://shop:{pw}@db.internal/orders?schema=x",
    "postgresql://shop:{pw}@db.internal:pg/orders",
    "postgresql://shop:{pw}@/orders",
    "postgresql://shop:{pw}@",
    "postgresq://shop:{pw}@db.internal/orders",
    "mysql://shop:{pw}@db/orders",
    "postgresql://db.internal/orders?user=shop&password={pw}",
]


def _secret_parts(secret: str) -> list[str]:
    """The secret and the pieces of it a careless parser might print (split at / # ? @ :)."""
    pieces = [secret]
    for sep in "/#?@:":
        pieces = [part for piece in pieces for part in piece.split(sep)]
    return [secret, *(piece for piece in pieces if len(piece) >= 3)]


def assert_hidden(secret: str, text: str) -> None:
    for part in _secret_parts(secret):
        assert part not in text, f"{part!r} (of the secret) shown in {text!r}"


@pytest.mark.parametrize("shape", URL_SHAPES)
@pytest.mark.parametrize("password", PASSWORDS)
def test_describe_never_shows_a_store_password(shape: str, password: str) -> None:
    url = shape.format(pw=password)

    shown = describe(url)

    assert_hidden(password, shown)
    assert shown.startswith(url.split("://")[0])


@pytest.mark.parametrize("shape", URL_SHAPES)
@pytest.mark.parametrize("password", PASSWORDS)
def test_a_store_setting_error_never_shows_the_password(shape: str, password: str) -> None:
    url = shape.format(pw=password)

    try:
        store_env(url)
    except StoreError as error:
        assert_hidden(password, str(error))


@pytest.mark.parametrize("password", ["pa/ss", "pa#ss", "pa?ss", "a@b"])
def test_refuses_an_unencoded_reserved_character_in_the_password(password: str) -> None:
    with pytest.raises(StoreError, match="percent-encode") as refused:
        store_env(f"postgresql://shop:{password}Zq7@db.internal/orders")

    assert_hidden(f"{password}Zq7", str(refused.value))


def test_an_encoded_password_still_reaches_the_store() -> None:
    env = store_env("postgresql://shop:a%2Fb%23c%3Fd%40e@db.internal/orders")

    assert env["POSTGRES_PASSWORD"] == "a/b#c?d@e"
    assert env["POSTGRES_HOST"] == "db.internal"


@pytest.mark.parametrize("password", PASSWORDS)
def test_settings_repr_shows_no_secret(password: str) -> None:
    settings = Settings(
        db=f"postgresql://shop:{password}@db.internal/orders",
        vertex_token="tok-" + password,
        shops=((115, "shop-" + password), (116, "other-" + password, "vertex")),
    )

    shown = f"{settings!r} {settings!s}"

    for secret in (password, "tok-" + password, "shop-" + password, "other-" + password):
        assert_hidden(secret, shown)
    assert "115" in shown
    assert "db.internal" in shown


@pytest.mark.parametrize("secret", ["s3cret-value", "with:colon", "with,comma"])
def test_shop_repr_shows_no_secret(secret: str) -> None:
    shop = Shop((secret, "second-" + secret), webhook_url="https://shop.example/cb")

    shown = f"{shop!r} {shop!s}"

    assert_hidden(secret, shown)
    assert "second-" not in shown
    assert "https://shop.example/cb" in shown


SHOP_ENTRIES = [
    "{s}",
    "{s}:115",
    "{s}:115:more",
    "115{s}",
    "115 {s}",
    "vertex:{s}",
    "vertex:x{s}:y",
    "1²:{s}",
    "\uff11\uff11\uff15:{s}",  # fullwidth 115
    "115:",
    "115:ok,{s}",
    "115:ok,{s}:116:x",
    "9" * 5000 + ":{s}",
]
"""Malformed ``ORDERSTATE_SHOPS`` values, each carrying the secret somewhere."""


@pytest.mark.parametrize("entry", SHOP_ENTRIES)
def test_a_malformed_shops_setting_never_echoes_the_secret(entry: str) -> None:
    secret = "whsec_TOPSECRET42"
    environ = {"ORDERSTATE_SHOPS": entry.format(s=secret), "ORDERSTATE_DB": "memory"}

    with pytest.raises((ValueError, LookupError)) as refused:
        create_app(Settings.from_env(environ))

    assert_hidden(secret, str(refused.value))
    assert_hidden(secret, repr(refused.value))


@pytest.mark.parametrize("secret", ["\udcff", "ok\ud800", "", "\udce9t\udce9"])
def test_refuses_a_shop_secret_that_is_empty_or_not_utf8(secret: str) -> None:
    with pytest.raises(ValueError, match=r"callback secret 2 .*(empty|UTF-8)"):
        build_service(shops={115: Shop(("fine", secret))})


@pytest.mark.parametrize("secret", ["\udcff", "ok\ud800", "\udce9t\udce9tOPs3cret"])
def test_the_app_refuses_to_start_with_an_undecodable_secret_naming_its_shop(secret: str) -> None:
    environ = {"ORDERSTATE_SHOPS": f"115:fine,115:{secret}", "ORDERSTATE_DB": "memory"}

    with pytest.raises(ValueError, match=r"shop 115: callback secret 2 is not valid UTF-8") as no:
        create_app(Settings.from_env(environ))

    assert_hidden(secret, str(no.value))
