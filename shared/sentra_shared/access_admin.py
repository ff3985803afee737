"""Applying the access file to a broker: SCRAM users and ACLs, and nothing else.

Uses confluent-kafka's admin client (aiokafka has no ACL or SCRAM API). Applying is
idempotent and exact: every listed principal gets its credential (upserted) and exactly
its ACLs; ACLs of listed principals that the file no longer grants are deleted, and a
principal removed from the file loses its ACLs and its credential. `admin`, the broker's
own super user, is never touched.

Passwords come from a `CredentialStore` (a JSON file readable by its owner only): the local
runner keeps one under `.sentra/`; a production operator keeps the file (or its values) in
the cluster's secret store.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import confluent_kafka.admin as _confluent_admin
from confluent_kafka import KafkaException

from sentra_shared.access import ADMIN, Grant, Operation, PatternType, Principal
from sentra_shared.access import ResourceType as Resource
from sentra_shared.kafka_login import KafkaLogin

# The package re-exports its admin types without `__all__`; used untyped here.
ck: Any = _confluent_admin
SCRAM_ITERATIONS = 8192
_TIMEOUT_S = 30.0


class CredentialStore:
    """Generated passwords by principal, in a JSON file only its owner can read."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        data = json.loads(self.path.read_text())
        if not isinstance(data, dict):
            raise ValueError(f"{self.path} is not a credential store")
        return {str(k): str(v) for k, v in data.items()}

    def _save(self, passwords: Mapping[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        staging = self.path.with_suffix(".partial")
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(dict(sorted(passwords.items())), out, indent=2)
        staging.replace(self.path)

    def password(self, principal: str) -> str:
        """The principal's password, generated (and kept) the first time it is asked for."""
        passwords = self._load()
        if principal not in passwords:
            passwords[principal] = secrets.token_urlsafe(24)
            self._save(passwords)
        return passwords[principal]

    def rotate(self, principal: str, give: Callable[[str], None]) -> None:
        """A new password: `give` hands it to the broker first, and only once the broker
        took it is it kept (a failure leaves the old one working, in both places)."""
        new = secrets.token_urlsafe(24)
        give(new)
        passwords = self._load()
        passwords[principal] = new
        self._save(passwords)

    def forget(self, keep: Iterable[str]) -> list[str]:
        """Drop the passwords of principals not in `keep`; return their names."""
        passwords = self._load()
        keep = set(keep)
        gone = sorted(set(passwords) - keep)
        if gone:
            self._save({k: v for k, v in passwords.items() if k in keep})
        return gone

    def login(self, principal: str, bootstrap: str) -> KafkaLogin:
        return KafkaLogin(bootstrap, principal, self.password(principal))


@dataclass
class Applied:
    """What one `apply` changed, for the operator to read."""

    users: list[str] = field(default_factory=list)
    acls_created: list[Grant] = field(default_factory=list)
    acls_deleted: list[str] = field(default_factory=list)
    users_removed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.users)} principals, {len(self.acls_created)} ACLs created, "
            f"{len(self.acls_deleted)} deleted, {len(self.users_removed)} principals removed"
            + (f" ({', '.join(self.users_removed)})" if self.users_removed else "")
        )


def _binding(grant: Grant) -> Any:
    return ck.AclBinding(
        ck.ResourceType.TOPIC if grant.resource is Resource.TOPIC else ck.ResourceType.GROUP,
        grant.name,
        ck.ResourcePatternType.PREFIXED
        if grant.pattern is PatternType.PREFIXED
        else ck.ResourcePatternType.LITERAL,
        f"User:{grant.principal}",
        "*",
        ck.AclOperation.READ if grant.operation is Operation.READ else ck.AclOperation.WRITE,
        ck.AclPermissionType.ALLOW,
    )


def _key(binding: Any) -> tuple[str, str, str, str, str, str, str]:
    return (
        binding.restype.name,
        binding.name,
        binding.resource_pattern_type.name,
        binding.principal,
        binding.host,
        binding.operation.name,
        binding.permission_type.name,
    )


def _wait(futures: Mapping[Any, Any]) -> None:
    for future in futures.values():
        future.result(timeout=_TIMEOUT_S)


def admin_client(login: KafkaLogin) -> Any:
    return ck.AdminClient(login.librdkafka() | {"socket.timeout.ms": "10000"})


def existing_users(client: Any) -> list[str]:
    try:
        described = client.describe_user_scram_credentials().result(timeout=_TIMEOUT_S)
    except KafkaException as error:
        raise RuntimeError(f"could not list the broker's SCRAM users: {error}") from error
    return sorted(described)


def apply_access(
    login: KafkaLogin,
    principals: Mapping[str, Principal],
    granted: list[Grant],
    passwords: Mapping[str, str],
) -> Applied:
    """Make the broker's users and ACLs exactly what the access file says."""
    client = admin_client(login)
    applied = Applied(users=sorted(principals))
    upserts = [
        ck.UserScramCredentialUpsertion(
            name,
            ck.ScramCredentialInfo(ck.ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS),
            passwords[name].encode(),
        )
        for name in principals
    ]
    removed = [u for u in existing_users(client) if u not in principals and u != ADMIN]
    deletions = [
        ck.UserScramCredentialDeletion(name, ck.ScramMechanism.SCRAM_SHA_512) for name in removed
    ]
    _wait(client.alter_user_scram_credentials([*upserts, *deletions]))
    applied.users_removed = removed

    wanted = {_key(b): b for b in map(_binding, granted)}
    any_acl = ck.AclBindingFilter(
        ck.ResourceType.ANY,
        None,
        ck.ResourcePatternType.ANY,
        None,
        None,
        ck.AclOperation.ANY,
        ck.AclPermissionType.ANY,
    )
    current = client.describe_acls(any_acl).result(timeout=_TIMEOUT_S)
    have = {_key(b): b for b in current}
    stale = [b for k, b in have.items() if k not in wanted and b.principal != f"User:{ADMIN}"]
    if stale:
        filters = [
            ck.AclBindingFilter(
                b.restype,
                b.name,
                b.resource_pattern_type,
                b.principal,
                b.host,
                b.operation,
                b.permission_type,
            )
            for b in stale
        ]
        _wait(client.delete_acls(filters))
        applied.acls_deleted = sorted(
            f"{b.principal}: {b.operation.name} {b.restype.name.lower()} {b.name}" for b in stale
        )
    missing = [k for k in wanted if k not in have]
    if missing:
        _wait(client.create_acls([wanted[k] for k in missing]))
    by_key = {_key(_binding(g)): g for g in granted}
    applied.acls_created = sorted(by_key[k] for k in missing)
    _settle(client, set(principals), set(wanted), any_acl)
    return applied


def _settle(client: Any, users: set[str], wanted: set[tuple[str, ...]], any_acl: Any) -> None:
    """Wait until the broker serves what was applied: users and ACLs go through the
    metadata log, which lags behind a burst of topic creation by a second or two, and a
    client signing in before then would be refused."""
    deadline = time.monotonic() + _TIMEOUT_S
    while True:
        have_users = set(existing_users(client))
        have_acls = {_key(b) for b in client.describe_acls(any_acl).result(timeout=_TIMEOUT_S)}
        if users <= have_users and have_acls == wanted | {
            k for k in have_acls if k[3] == f"User:{ADMIN}"
        }:
            return
        if time.monotonic() > deadline:
            raise RuntimeError("the broker did not show the applied users and ACLs in time")
        time.sleep(0.2)


def rotate_password(login: KafkaLogin, principal: str, password: str) -> None:
    """Give one principal a new password (its ACLs stay). Its clients reconnect with it."""
    client = admin_client(login)
    upsert = ck.UserScramCredentialUpsertion(
        principal,
        ck.ScramCredentialInfo(ck.ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS),
        password.encode(),
    )
    _wait(client.alter_user_scram_credentials([upsert]))
