"""The secured broker refuses what access.toml does not grant, with the broker's own error.

Against the session's real broker (SASL/SCRAM-SHA-512, StandardAuthorizer,
`allow.everyone.if.no.acl.found=false`), each principal signing in with the password the
local runner generated for it. Every denial is paired with the same principal doing what
it is granted, so a refusal can never come from a broken setup. `pytest -s` prints each
refusal as the broker gave it.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.conn import AIOKafkaConnection, create_conn
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaError,
    SaslAuthenticationFailed,
    TopicAuthorizationFailedError,
)
from sentra_local.stack import Stack
from sentra_shared.access import load_principals
from sentra_shared.kafka_login import SCRAM_MECHANISM, KafkaLogin

SERVICE_STREAMS = [
    "sentra.documents.events.v1",
    "sentra.credit.events.v1",
    "sentra.insurance.events.v1",
    "sentra.notifications.events.v1",
]


async def refused(label: str, attempt: Awaitable[object], error: type[KafkaError]) -> str:
    with pytest.raises(error) as caught:
        await attempt
    print(f"denied  {label}: {type(caught.value).__name__}: {caught.value}")
    return str(caught.value)


async def read(login: KafkaLogin, topic: str, group: str | None = None) -> None:
    """Subscribe and fetch once, as a consumer would."""
    consumer = AIOKafkaConsumer(topic, **login.aiokafka(), group_id=group)
    try:
        await consumer.start()
        await consumer.getmany(timeout_ms=2000)
    finally:
        with contextlib.suppress(KafkaError):
            await consumer.stop()


async def write(login: KafkaLogin, topic: str) -> None:
    producer = AIOKafkaProducer(**login.aiokafka())
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"{}", key=b"acl-test")
    finally:
        await producer.stop()


async def test_polri_reads_only_its_requests(local_stack: Stack) -> None:
    polri = local_stack.kafka.login("polri")
    await read(polri, "sentra.agency.polri.requests.v1", group="polri")  # granted
    message = await refused(
        "polri reads imigrasi's requests",
        read(polri, "sentra.agency.imigrasi.requests.v1"),
        TopicAuthorizationFailedError,
    )
    assert "sentra.agency.imigrasi.requests.v1" in message
    # Dukcapil's requests carry NIK, name and birth date: nobody but Dukcapil reads them.
    await refused(
        "polri reads dukcapil's requests",
        read(polri, "sentra.agency.dukcapil.requests.v1"),
        TopicAuthorizationFailedError,
    )


async def test_polri_cannot_answer_in_another_agencys_name(local_stack: Stack) -> None:
    polri = local_stack.kafka.login("polri")
    await write(polri, "sentra.agency.polri.results.v2")  # granted
    message = await refused(
        "polri writes dukcapil's results",
        write(polri, "sentra.agency.dukcapil.results.v2"),
        TopicAuthorizationFailedError,
    )
    assert "sentra.agency.dukcapil.results.v2" in message


@pytest.mark.parametrize("stream", SERVICE_STREAMS)
async def test_polri_cannot_read_any_service_stream(local_stack: Stack, stream: str) -> None:
    await refused(
        f"polri reads {stream}",
        read(local_stack.kafka.login("polri"), stream),
        TopicAuthorizationFailedError,
    )


async def test_polri_cannot_join_another_principals_group(local_stack: Stack) -> None:
    polri = local_stack.kafka.login("polri")
    requests = "sentra.agency.polri.requests.v1"
    await read(polri, requests, group=f"polri.acl-test-{uuid.uuid4().hex[:6]}")  # granted
    for group in ("imigrasi", "sentra-documents", "sentra-builtin-agencies", "polri2"):
        message = await refused(
            f"polri joins group {group}",
            read(polri, requests, group=group),
            GroupAuthorizationFailedError,
        )
        assert group in message


async def test_a_service_cannot_write_another_services_stream(local_stack: Stack) -> None:
    credit = local_stack.kafka.login("credit")
    await write(credit, "sentra.credit.events.v1")  # granted
    for stream in ("sentra.documents.events.v1", "sentra.notifications.events.v1"):
        await refused(
            f"credit writes {stream}",
            write(credit, stream),
            TopicAuthorizationFailedError,
        )
    # Nor ask an agency on another service's behalf.
    await refused(
        "credit writes dukcapil's requests",
        write(credit, "sentra.agency.dukcapil.requests.v1"),
        TopicAuthorizationFailedError,
    )


async def sign_in(stack: Stack, username: str, password: str) -> AIOKafkaConnection:
    """One SASL/SCRAM handshake with the broker, nothing else."""
    host, port = stack.kafka.bootstrap.rsplit(":", 1)
    return await create_conn(
        host,
        int(port),
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism=SCRAM_MECHANISM,
        sasl_plain_username=username,
        sasl_plain_password=password,
    )


async def test_a_wrong_password_is_refused(local_stack: Stack) -> None:
    right = local_stack.kafka.login("polri")
    assert right.password is not None
    (await sign_in(local_stack, "polri", right.password)).close()  # the right one signs in
    message = await refused(
        "polri signs in with a wrong password",
        sign_in(local_stack, "polri", right.password + "x"),
        SaslAuthenticationFailed,
    )
    assert "invalid credentials" in message
    await refused(
        "an unknown user signs in",
        sign_in(local_stack, "mallory", "anything"),
        SaslAuthenticationFailed,
    )


async def test_every_principal_in_the_access_file_can_sign_in(local_stack: Stack) -> None:
    for name in load_principals():
        password = local_stack.kafka.login(name).password
        assert password is not None
        (await sign_in(local_stack, name, password)).close()
