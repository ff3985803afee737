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
    "sentra.empowerment.events.v1",
    "sentra.notifications.events.v1",
]
DESKS = ["placement_desk", "credit_desk", "refund_desk", "product_desk"]
ORGANISERS = ["disnaker", "bank", "trade_office"]


def requests(agency: str) -> str:
    return f"sentra.agency.{agency}.requests.v1"


def results(agency: str) -> str:
    return f"sentra.agency.{agency}.results.v2"


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


@pytest.mark.parametrize("desk", DESKS)
async def test_a_desk_reads_only_its_questions_and_answers_only_in_its_own_name(
    local_stack: Stack, desk: str
) -> None:
    login = local_stack.kafka.login(desk)
    other = next(d for d in DESKS if d != desk)
    await read(login, requests(desk), group=f"{desk}.acl-test-{uuid.uuid4().hex[:6]}")  # granted
    await write(login, results(desk))  # granted
    message = await refused(
        f"{desk} reads {other}'s questions",
        read(login, requests(other)),
        TopicAuthorizationFailedError,
    )
    assert requests(other) in message
    message = await refused(
        f"{desk} answers in {other}'s name",
        write(login, results(other)),
        TopicAuthorizationFailedError,
    )
    assert results(other) in message
    # Nor ask itself questions, nor read the empowerment stream (it holds the askers'
    # contacts), nor another agency's requests, nor join another desk's group.
    await refused(
        f"{desk} writes its own questions",
        write(login, requests(desk)),
        TopicAuthorizationFailedError,
    )
    await refused(
        f"{desk} reads the empowerment stream",
        read(login, "sentra.empowerment.events.v1"),
        TopicAuthorizationFailedError,
    )
    await refused(
        f"{desk} reads dukcapil's requests",
        read(login, requests("dukcapil")),
        TopicAuthorizationFailedError,
    )
    message = await refused(
        f"{desk} joins group {other}",
        read(login, requests(desk), group=other),
        GroupAuthorizationFailedError,
    )
    assert other in message


async def test_the_trade_office_reads_only_its_requests_and_answers_only_its_own(
    local_stack: Stack,
) -> None:
    login = local_stack.kafka.login("trade_office")
    await read(login, requests("trade_office"), group="trade_office")  # granted
    await write(login, results("trade_office"))  # granted
    # The other organisers' requests carry NIKs (Disnaker's checks, the bank's SLIK).
    for organiser in ("disnaker", "bank"):
        await refused(
            f"trade_office reads {organiser}'s requests",
            read(login, requests(organiser)),
            TopicAuthorizationFailedError,
        )
        await refused(
            f"trade_office reports in {organiser}'s name",
            write(login, results(organiser)),
            TopicAuthorizationFailedError,
        )


async def test_empowerment_asks_organisers_and_desks_and_reads_their_answers_only(
    local_stack: Stack,
) -> None:
    empowerment = local_stack.kafka.login("empowerment")
    group = f"sentra-empowerment.acl-test-{uuid.uuid4().hex[:6]}"
    await write(empowerment, "sentra.empowerment.events.v1")  # granted: its own stream
    for agency in ORGANISERS + DESKS:
        await write(empowerment, requests(agency))  # granted: it asks them
        await read(empowerment, results(agency), group=group)  # granted: it reads the answers
    # Not the checks of applications: neither asking the other agencies nor reading
    # Disnaker's or the bank's requests (NIKs), nor answering in an agency's name.
    for topic in (requests("dukcapil"), requests("insurer")):
        await refused(
            f"empowerment writes {topic}", write(empowerment, topic), TopicAuthorizationFailedError
        )
    for topic in (requests("disnaker"), requests("bank"), results("dukcapil")):
        await refused(
            f"empowerment reads {topic}", read(empowerment, topic), TopicAuthorizationFailedError
        )
    await refused(
        "empowerment answers in the trade office's name",
        write(empowerment, results("trade_office")),
        TopicAuthorizationFailedError,
    )
    # Nor another service's stream, nor its group.
    for stream in ("sentra.credit.events.v1", "sentra.documents.events.v1"):
        await refused(
            f"empowerment writes {stream}",
            write(empowerment, stream),
            TopicAuthorizationFailedError,
        )
    await refused(
        "empowerment reads the documents stream",
        read(empowerment, "sentra.documents.events.v1"),
        TopicAuthorizationFailedError,
    )
    await refused(
        "empowerment joins group sentra-credit",
        read(empowerment, results("bank"), group="sentra-credit"),
        GroupAuthorizationFailedError,
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
