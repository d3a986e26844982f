"""Rotating the audit signing key: each signature carries its key id, new ones use the current
key, old checkpoints still verify with their retired key, and an unknown key id is named."""

import asyncio
from collections.abc import Iterator
from functools import partial
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner, Result

from hub.app import create_app
from hub.audit.chain import sign
from hub.audit.keys import DEVELOPMENT_KEY, Keyring, SigningKeyError, SigningKeyMissing, keyring
from hub.audit.verify import verify
from hub.cli import app as cli
from hub.settings import Settings, get_settings

OLD = "old-audit-key-0123456789abcdefghijklmnopqrstuvwxyz"
NEW = "new-audit-key-zyxwvutsrqponmlkjihgfedcba9876543210"


def _settings(**given: Any) -> Settings:
    for name in ("audit_signing_key", "audit_signing_keys"):
        if isinstance(given.get(name), str):
            given[name] = SecretStr(given[name])
    return Settings(**given)


def test_the_single_key_is_the_default_key() -> None:
    keys = keyring(_settings(audit_signing_key=OLD))
    assert (keys.current_id, keys.current) == ("default", OLD.encode())
    assert keys.secret(None) == OLD.encode()  # signatures stored before key ids existed


def test_several_keys_and_the_current_one() -> None:
    keys = keyring(
        _settings(
            audit_signing_keys=f"default={OLD}, 2026-11 = {NEW}", audit_signing_key_id="2026-11"
        )
    )
    assert keys.current_id == "2026-11"
    assert keys.current == NEW.encode()
    assert keys.secret("default") == keys.secret(None) == OLD.encode()
    assert keys.secret("2025") is None
    assert "key" not in repr(keys).replace("Keyring", "")  # no secret in a repr
    legacy_and_list = keyring(
        _settings(audit_signing_key=OLD, audit_signing_keys=f"b={NEW}", audit_signing_key_id="b")
    )
    assert legacy_and_list.keys == {"default": OLD.encode(), "b": NEW.encode()}
    assert keyring(_settings(audit_signing_keys=f"only={NEW}")).current_id == "only"
    assert keyring(_settings(audit_signing_key=OLD)).current_id == "default"
    assert keyring(_settings(audit_signing_keys=f"default={OLD}")).current_id == "default"


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"audit_signing_keys": f"a={OLD},b={NEW}"}, "set HUB_AUDIT_SIGNING_KEY_ID"),
        # After a rotation `default` is the oldest key: never guess it as the current one.
        ({"audit_signing_keys": f"default={OLD},2026-11={NEW}"}, "set HUB_AUDIT_SIGNING_KEY_ID"),
        (
            {"audit_signing_key": OLD, "audit_signing_keys": f"2026-11={NEW}"},
            "ids: 2026-11, default",
        ),
        ({"audit_signing_keys": f"a={OLD}", "audit_signing_key_id": "b"}, "'b', which is not"),
        ({"audit_signing_keys": f"a={OLD},a={NEW}"}, "given twice"),
        ({"audit_signing_keys": f"a={OLD},{NEW}"}, "entry 2 is not `id=key`"),
        ({"audit_signing_keys": "a="}, "entry 1 is not `id=key`"),
        ({"audit_signing_keys": f"a b={OLD}"}, "a key id is 1 to 32"),
        ({"audit_signing_key": OLD, "audit_signing_keys": f"default={NEW}"}, "differ"),
    ],
)
def test_muddled_settings_are_refused_clearly(given: dict[str, Any], says: str) -> None:
    with pytest.raises(SigningKeyError) as refused:
        keyring(_settings(**given))
    assert says in str(refused.value)
    assert OLD not in str(refused.value)
    assert NEW not in str(refused.value)


def test_production_needs_a_key_development_falls_back() -> None:
    with pytest.raises(SigningKeyMissing):
        keyring(_settings(mode="production"))
    assert keyring(_settings()) == Keyring.single(DEVELOPMENT_KEY)


async def _requests(url: str, count: int, **settings: Any) -> None:
    """`count` requests through an app with these key settings (each is one access record)."""
    app = create_app(_settings(database_url=url, audit_checkpoint_every=2, **settings))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            for _ in range(count):
                await client.post("/graphql", json={"query": "{ __typename }"})
    finally:
        await app.state.engine.dispose()


async def _stored_key_ids(engine: AsyncEngine) -> tuple[list[Any], Any]:
    async with engine.connect() as connection:
        checkpoints = await connection.execute(
            text("SELECT id, key_id FROM access_checkpoint ORDER BY id")
        )
        head = await connection.execute(text("SELECT seq, key_id FROM access_chain_head"))
        return [tuple(r) for r in checkpoints], tuple(head.one())


ROTATED = {"audit_signing_keys": f"default={OLD},2026-11={NEW}", "audit_signing_key_id": "2026-11"}


async def test_rotation_end_to_end(engine: AsyncEngine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    await _requests(url, 4, audit_signing_key=OLD)  # before: the single key
    async with engine.begin() as connection:  # as written before key ids existed
        await connection.execute(text("UPDATE access_checkpoint SET key_id = NULL"))
    await _requests(url, 4, **ROTATED)
    checkpoints, head = await _stored_key_ids(engine)
    assert checkpoints == [(2, None), (4, None), (6, "2026-11"), (8, "2026-11")]
    assert head == (8, "2026-11")

    both = await verify(engine, keyring(_settings(**ROTATED)))
    assert both.ok, both.problems
    assert both.signed_by == {"default": 2, "2026-11": 2}
    assert both.warnings == []

    new_only = await verify(engine, Keyring("2026-11", {"2026-11": NEW.encode()}))
    assert [(p.kind, p.record_id) for p in new_only.problems] == [
        ("checkpoint", 2),
        ("checkpoint", 4),
    ]
    assert "key id 'default', which is not configured" in new_only.problems[0].message

    old_only = await verify(engine, Keyring.single(OLD.encode()))
    assert sorted((p.kind, p.record_id) for p in old_only.problems) == [
        ("checkpoint", 6),
        ("checkpoint", 8),
        ("head", 8),
    ]

    # A retired key cannot vouch for a checkpoint the current key signed: relabelled, it fails.
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE access_checkpoint SET key_id = 'default' WHERE id = 6")
        )
    relabelled = await verify(engine, keyring(_settings(**ROTATED)))
    assert [(p.kind, p.record_id) for p in relabelled.problems] == [("checkpoint", 6)]
    assert "not valid (key id 'default')" in relabelled.problems[0].message


async def _rotated_log(engine: AsyncEngine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    await _requests(url, 4, audit_signing_key=OLD)
    await _requests(url, 4, **ROTATED)


async def test_a_log_cut_back_to_before_the_rotation_is_flagged(engine: AsyncEngine) -> None:
    """Someone holding the retired key cuts the log back to before the rotation and re-signs
    the head with it: every signature holds, but verify warns that the head is not signed with
    the current key."""
    await _rotated_log(engine)
    async with engine.begin() as connection:
        for statement in (
            "DELETE FROM access_checkpoint WHERE id > 4",
            "DELETE FROM access_touch WHERE record_id > 4",
            "DELETE FROM access_record WHERE id > 4",
        ):
            await connection.execute(text(statement))
        fourth = (
            await connection.execute(text("SELECT record_hash FROM access_record WHERE id = 4"))
        ).scalar_one()
        await connection.execute(
            text(
                "UPDATE access_chain_head SET seq = 4, head_hash = :h, signature = :s, "
                "key_id = 'default'"
            ),
            {"h": fourth, "s": sign(OLD.encode(), 4, fourth)},
        )
    cut = await verify(engine, keyring(_settings(**ROTATED)))
    assert cut.ok, cut.problems
    assert cut.warnings == [
        "the chain head is signed with the retired key 'default', not the current key "
        "'2026-11': expected until the first request after a rotation; if requests were served "
        "since, the log may have been cut back"
    ]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in ("HUB_AUDIT_SIGNING_KEY", "HUB_AUDIT_SIGNING_KEYS", "HUB_AUDIT_SIGNING_KEY_ID"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


async def _verify_command(environment: dict[str, str]) -> Result:
    get_settings.cache_clear()
    invoke = partial(CliRunner().invoke, cli, ["audit", "verify"], env=environment)
    return await asyncio.to_thread(invoke)


async def test_hub_audit_verify_after_rotation(
    engine: AsyncEngine, env: pytest.MonkeyPatch
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    env.setenv("HUB_DATABASE_URL", url)
    await _requests(url, 3, audit_signing_key=OLD)
    await _requests(url, 3, **ROTATED)

    both = await _verify_command(
        {
            "HUB_AUDIT_SIGNING_KEYS": ROTATED["audit_signing_keys"],
            "HUB_AUDIT_SIGNING_KEY_ID": "2026-11",
        }
    )
    assert both.exit_code == 0, both.output
    assert (
        "6 records, 3 signed checkpoints (1 with key 'default', 2 with key '2026-11')"
        in both.output
    )

    legacy_setting = await _verify_command(
        {
            "HUB_AUDIT_SIGNING_KEY": OLD,
            "HUB_AUDIT_SIGNING_KEYS": f"2026-11={NEW}",
            "HUB_AUDIT_SIGNING_KEY_ID": "2026-11",
        }
    )  # the old key kept where it was, the new one added beside it
    assert legacy_setting.exit_code == 0, legacy_setting.output
    unnamed = await _verify_command(
        {"HUB_AUDIT_SIGNING_KEY": OLD, "HUB_AUDIT_SIGNING_KEYS": f"2026-11={NEW}"}
    )  # two keys and no current id: refused, not signed or checked with the oldest
    assert unnamed.exit_code == 2
    assert "set HUB_AUDIT_SIGNING_KEY_ID" in unnamed.output

    forgotten = await _verify_command({"HUB_AUDIT_SIGNING_KEYS": f"2026-11={NEW}"})
    assert forgotten.exit_code == 1
    assert (
        "first problem: record 2: checkpoint: the checkpoint is signed with key id 'default', "
        "which is not configured: add that key to HUB_AUDIT_SIGNING_KEYS to check it"
    ) in forgotten.output
    assert NEW not in forgotten.output

    muddled = await _verify_command({"HUB_AUDIT_SIGNING_KEYS": f"a={OLD},b={NEW}"})
    assert muddled.exit_code == 2
    assert "set HUB_AUDIT_SIGNING_KEY_ID" in muddled.output
