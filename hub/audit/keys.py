"""The audit signing keys: which key signs now, and every key a checkpoint may have been signed
with, by id, so that the key can be rotated while old checkpoints still verify.

Settings (all secrets stay in SecretStr until used):
- HUB_AUDIT_SIGNING_KEYS: `id=key` pairs separated by commas, the current key and retired ones;
- HUB_AUDIT_SIGNING_KEY_ID: the id of the key that signs from now on;
- HUB_AUDIT_SIGNING_KEY: the single key of the time before rotation; its id is `default`, which
  is also the id of every signature stored before key ids were (their `key_id` is NULL).
Production refuses to run without a key; development signs with a public key (id `default`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from hub.settings import Settings

log = logging.getLogger("hub.audit")

LEGACY_ID = "default"
# Used only in development mode when no key is set: public, so worthless.
DEVELOPMENT_KEY = b"hub-development-audit-key-not-secret"
_ID = re.compile(r"[A-Za-z0-9._-]{1,32}")


class SigningKeyError(RuntimeError):
    """The signing-key settings are missing or do not make sense; the message says why."""


class SigningKeyMissing(SigningKeyError):
    pass


@dataclass(frozen=True)
class Keyring:
    """The key that signs (`current_id`) and every known key by id (the current one too)."""

    current_id: str
    keys: Mapping[str, bytes] = field(repr=False)

    @property
    def current(self) -> bytes:
        return self.keys[self.current_id]

    def secret(self, key_id: str | None) -> bytes | None:
        """The key a signature with this stored id was made with; None if it is not known."""
        return self.keys.get(key_id or LEGACY_ID)

    @classmethod
    def single(cls, key: bytes) -> Keyring:
        return cls(LEGACY_ID, {LEGACY_ID: key})


def parse_keys(text: str) -> dict[str, bytes]:
    """`id=key,id=key` into a dict; each id once, each key non-empty."""
    keys: dict[str, bytes] = {}
    for number, pair in enumerate((p.strip() for p in text.split(",")), start=1):
        if not pair:
            continue
        key_id, equals, secret = (part.strip() for part in pair.partition("="))
        if not equals or not secret:
            raise SigningKeyError(f"HUB_AUDIT_SIGNING_KEYS: entry {number} is not `id=key`")
        if not _ID.fullmatch(key_id):
            raise SigningKeyError(
                f"HUB_AUDIT_SIGNING_KEYS: entry {number}: a key id is 1 to 32 letters, digits, "
                "'.', '_' or '-'"
            )
        if key_id in keys:
            raise SigningKeyError(f"HUB_AUDIT_SIGNING_KEYS: key id {key_id!r} is given twice")
        keys[key_id] = secret.encode()
    return keys


def keyring(settings: Settings) -> Keyring:
    """The keyring the settings describe; raises SigningKeyError saying what is wrong."""
    given = settings.audit_signing_keys
    keys = parse_keys(given.get_secret_value()) if given is not None else {}
    if settings.audit_signing_key is not None:
        single = settings.audit_signing_key.get_secret_value().encode()
        if keys.get(LEGACY_ID, single) != single:
            raise SigningKeyError(
                f"HUB_AUDIT_SIGNING_KEY and the {LEGACY_ID!r} entry of HUB_AUDIT_SIGNING_KEYS "
                "differ: give that key once"
            )
        keys[LEGACY_ID] = single
    if not keys:
        if settings.mode == "production":
            raise SigningKeyMissing(
                "HUB_AUDIT_SIGNING_KEY (or HUB_AUDIT_SIGNING_KEYS) must be set in production mode"
            )
        log.warning(
            "no audit signing key is set: signing access-log checkpoints with the public "
            "development key"
        )
        return Keyring.single(DEVELOPMENT_KEY)
    current = settings.audit_signing_key_id
    if current is None:
        # Only an unambiguous keyring may go without a current id: a lone HUB_AUDIT_SIGNING_KEY
        # (id `default`) or a single entry. With several keys, guessing `default` would sign
        # with the oldest key after a rotation.
        if len(keys) != 1:
            raise SigningKeyError(
                f"several audit signing keys are given (ids: {', '.join(sorted(keys))}): set "
                "HUB_AUDIT_SIGNING_KEY_ID to the id of the one that signs now"
            )
        current = next(iter(keys))
    if current not in keys:
        raise SigningKeyError(
            f"HUB_AUDIT_SIGNING_KEY_ID is {current!r}, which is not a key id of "
            f"HUB_AUDIT_SIGNING_KEYS (ids given: {', '.join(sorted(keys))})"
        )
    return Keyring(current, keys)
