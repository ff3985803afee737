"""Unit tests of the cluster resource generator (no cluster, no broker)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sentra_cluster import generate
from sentra_shared.access import (
    Grant,
    Operation,
    PatternType,
    ResourceType,
    grants,
    load_principals,
)
from sentra_shared.topics import TOPICS_FILE, declared_topics

PRINCIPALS = load_principals()


def _resources(files: dict[str, str], kind: str) -> list[dict[str, Any]]:
    return [
        doc
        for content in files.values()
        for doc in yaml.safe_load_all(content)
        if doc and doc["kind"] == kind
    ]


def _with_topic(tmp_path: Path, table: str) -> Path:
    copy = tmp_path / "topics.toml"
    text = TOPICS_FILE.read_text()
    # A new topic table goes before [agencies.*] (still inside [topics]).
    head, tail = text.split("[agencies.dukcapil]", 1)
    copy.write_text(head + table + "\n[agencies.dukcapil]" + tail)
    return copy


def test_a_topic_added_to_topics_toml_yields_its_kafka_topics(tmp_path: Path) -> None:
    topics = declared_topics(
        _with_topic(
            tmp_path,
            '[topics."sentra.marketplace.events.v1"]\n'
            'description = "Orders for returnees\' products."\n'
            "partitions = 12\n"
            "retention_ms = 86400000\n",
        )
    )
    files = generate.render(PRINCIPALS, topics)
    made = {t["spec"]["topicName"]: t for t in _resources(files, "KafkaTopic")}
    assert len(made) == len(declared_topics()) + 2
    for name in ("sentra.marketplace.events.v1", "sentra.marketplace.events.v1.dlq"):
        assert made[name]["spec"]["partitions"] == 12
        assert made[name]["spec"]["config"] == {
            "retention.ms": 86400000,
            "cleanup.policy": "delete",
        }
    assert made["sentra.marketplace.events.v1"]["metadata"]["annotations"] == {
        "sentra/description": "Orders for returnees' products."
    }
    # The committed files no longer match: the drift check names the stale file.
    assert files["kafka-topics.yaml"] != generate.render()["kafka-topics.yaml"]


def test_a_service_scales_up_to_the_largest_partition_count_it_reads(tmp_path: Path) -> None:
    text = TOPICS_FILE.read_text().replace(
        '[topics."sentra.agency.bank.results.v2"]\n',
        '[topics."sentra.agency.bank.results.v2"]\npartitions = 12\n',
    )
    copy = tmp_path / "topics.toml"
    copy.write_text(text)
    files = generate.render(PRINCIPALS, declared_topics(copy))
    caps = {
        s["metadata"]["name"]: s["spec"]["maxReplicaCount"]
        for s in _resources(files, "ScaledObject")
    }
    # credit and empowerment (the bank's programme reports) read the bank's results;
    # insurance and notifications do not.
    assert caps == {
        "documents": 6,
        "credit": 12,
        "insurance": 6,
        "notifications": 6,
        "empowerment": 12,
    }


def test_every_principal_s_acls_equal_its_grants() -> None:
    files = generate.render()
    users = {
        u["metadata"]["annotations"]["sentra/principal"]: u for u in _resources(files, "KafkaUser")
    }
    granted = grants()
    for name in PRINCIPALS:
        mine = [g for g in granted if g.principal == name]
        assert mine, name
        assert generate.acl_grants(users[name], name) == mine


def test_acl_rules_in_strimzi_terms() -> None:
    """Literal and prefixed patterns, groups, and `*.dlq` expanded, as the broker gets them
    from `sentra-access apply`."""
    files = generate.render()
    users = {u["metadata"]["name"]: u for u in _resources(files, "KafkaUser")}
    polri = users["polri"]["spec"]["authorization"]
    assert polri["type"] == "simple"
    assert polri["acls"] == [
        {
            "resource": {"type": "group", "name": "polri", "patternType": "literal"},
            "operations": ["Read"],
            "host": "*",
        },
        {
            "resource": {"type": "group", "name": "polri.", "patternType": "prefix"},
            "operations": ["Read"],
            "host": "*",
        },
        {
            "resource": {
                "type": "topic",
                "name": "sentra.agency.polri.requests.v1",
                "patternType": "literal",
            },
            "operations": ["Read"],
            "host": "*",
        },
        {
            "resource": {
                "type": "topic",
                "name": "sentra.agency.polri.results.v2",
                "patternType": "literal",
            },
            "operations": ["Write"],
            "host": "*",
        },
        {
            "resource": {
                "type": "topic",
                "name": "sentra.referrals.tppo.v1",
                "patternType": "literal",
            },
            "operations": ["Read"],
            "host": "*",
        },
    ]
    responders = users["responders"]["spec"]["authorization"]["acls"]
    assert {
        "resource": {"type": "topic", "name": "sentra.agency.", "patternType": "prefix"},
        "operations": ["Read", "Write"],
        "host": "*",
    } in responders
    operator = users["operator"]["spec"]["authorization"]["acls"]
    dlq_reads = {r["resource"]["name"] for r in operator if r["operations"] == ["Read"]}
    assert dlq_reads == {t.name for t in declared_topics() if t.name.endswith(".dlq")}
    # A service may park what it cannot apply in the dead-letter topic of what it reads.
    credit = generate.acl_grants(users["credit"], "credit")
    assert (
        Grant(
            "credit",
            ResourceType.TOPIC,
            PatternType.LITERAL,
            "sentra.agency.bank.results.v2.dlq",
            Operation.WRITE,
        )
        in credit
    )


def test_principals_with_underscores_get_kubernetes_names() -> None:
    files = generate.render()
    users = {
        u["metadata"]["annotations"]["sentra/principal"]: u for u in _resources(files, "KafkaUser")
    }
    assert users["health_facility"]["metadata"]["name"] == "health-facility"
    assert generate.user_secret("bpjs_ketenagakerjaan") == "kafka-user-bpjs-ketenagakerjaan"
    # The ACLs still name the topics and groups exactly as Kafka knows them.
    groups = [
        r["resource"]["name"]
        for r in users["health_facility"]["spec"]["authorization"]["acls"]
        if r["resource"]["type"] == "group"
    ]
    assert groups == ["health_facility", "health_facility."]


def test_two_names_that_differ_only_by_underscore_are_refused(tmp_path: Path) -> None:
    topics = declared_topics(
        _with_topic(
            tmp_path,
            '[topics."sentra.agency.health-facility.requests.v1"]\ndescription = "clash"\n',
        )
    )
    with pytest.raises(ValueError, match="one Kubernetes name"):
        generate.render(PRINCIPALS, topics)


def test_write_then_check_is_clean_and_stale_files_are_named(tmp_path: Path) -> None:
    target = tmp_path / "generated"
    assert generate.check(target) == [f"{name}: missing" for name in sorted(generate.render())]
    assert generate.write(target) == sorted(generate.render())
    assert generate.check(target) == []
    assert generate.write(target) == []
    (target / "autoscaling.yaml").write_text("# edited by hand\n")
    (target / "old.yaml").write_text("# no longer generated\n")
    assert generate.check(target) == ["old.yaml: not generated any more", "autoscaling.yaml: stale"]
