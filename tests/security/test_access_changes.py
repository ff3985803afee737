"""Rotating a principal's password and removing a principal, as the README tells operators.

Against the session's real broker, through `sentra-access` (rotate) and the same apply
that `make up` runs (remove: the principal left out of the access file).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from aiokafka.errors import SaslAuthenticationFailed, TopicAuthorizationFailedError
from sentra_local.processes import free_port
from sentra_local.stack import Stack
from sentra_shared.access import grants, load_principals
from sentra_shared.access_admin import apply_access
from sentra_shared.access_command import main as sentra_access

from .test_kafka_acls import read, sign_in


async def signs_in(stack: Stack, username: str, password: str) -> bool:
    try:
        conn = await sign_in(stack, username, password)
    except SaslAuthenticationFailed:
        return False
    conn.close()
    return True


async def test_rotating_an_agencys_password_retires_the_old_one(
    local_stack: Stack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SENTRA_KAFKA_USERNAME", raising=False)
    old = local_stack.kafka.login("polri").password
    assert old is not None and await signs_in(local_stack, "polri", old)
    store = str(local_stack.kafka.credentials.path)
    code = sentra_access(["--bootstrap", local_stack.kafka.bootstrap, "rotate", "polri",
                          "--credentials", store])  # fmt: skip
    assert code == 0
    new = local_stack.kafka.login("polri").password
    assert new is not None and new != old
    assert new not in capsys.readouterr().out  # never printed
    assert not await signs_in(local_stack, "polri", old)
    assert await signs_in(local_stack, "polri", new)
    # Its rights are unchanged: it still reads its requests with the new password.
    await read(local_stack.kafka.login("polri"), "sentra.agency.polri.requests.v1")


async def test_removing_an_agency_takes_its_user_and_acls(local_stack: Stack) -> None:
    kafka = local_stack.kafka
    principals = load_principals()
    passwords = {name: kafka.credentials.password(name) for name in principals}
    bp2mi = kafka.login("bp2mi")
    assert bp2mi.password is not None
    await read(bp2mi, "sentra.referrals.tppo.v1")  # granted while listed
    remaining = {name: p for name, p in principals.items() if name != "bp2mi"}
    try:
        applied = apply_access(kafka.admin, remaining, grants(remaining), passwords)
        assert applied.users_removed == ["bp2mi"]
        assert applied.acls_deleted and all(
            a.startswith("User:bp2mi:") for a in applied.acls_deleted
        )
        assert not await signs_in(local_stack, "bp2mi", bp2mi.password)
    finally:
        restored = apply_access(kafka.admin, principals, grants(principals), passwords)
    assert restored.users_removed == [] and restored.acls_deleted == []
    assert {str(g) for g in restored.acls_created} == {
        str(g) for g in grants(principals) if g.principal == "bp2mi"
    }
    await read(kafka.login("bp2mi"), "sentra.referrals.tppo.v1")
    with pytest.raises(TopicAuthorizationFailedError):
        await read(kafka.login("bp2mi"), "sentra.documents.events.v1")


def test_a_rotation_the_broker_did_not_take_keeps_the_old_password(
    local_stack: Stack,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("SENTRA_KAFKA_USERNAME", raising=False)
    store = tmp_path / "credentials.json"
    shutil.copy(local_stack.kafka.credentials.path, store)
    before = store.read_bytes()
    nowhere = f"127.0.0.1:{free_port()}"  # no broker listens there
    code = sentra_access(["--bootstrap", nowhere, "rotate", "polri", "--credentials", str(store)])
    assert code == 1
    assert f"rotate on {nowhere} failed" in capsys.readouterr().err
    assert store.read_bytes() == before  # nothing half-written: the old password stands
