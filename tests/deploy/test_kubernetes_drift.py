"""The committed Kubernetes resources and the code must say the same thing.

A topic or principal declared in topics.toml / access.toml without its KafkaTopic or
KafkaUser would be missing on the cluster (the broker refuses what has no ACL); a
generated resource without its declaration would be a topic or a right nobody asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sentra_cluster import generate
from sentra_cluster.__main__ import main
from sentra_shared.access import ADMIN, grants, load_principals
from sentra_shared.config import default_consumer_group
from sentra_shared.topics import declared_topics

KUBERNETES = generate.GENERATED_DIR.parents[1]
BASE = KUBERNETES / "base"
PRINCIPALS = load_principals()
TOPICS = declared_topics()
SERVICES = [p for p in PRINCIPALS.values() if p.kind == "service"]


def _load(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _generated(kind: str) -> list[dict[str, Any]]:
    return [
        doc
        for path in sorted(generate.GENERATED_DIR.glob("*.yaml"))
        for doc in _load(path)
        if doc["kind"] == kind
    ]


def _one(path: Path, kind: str, name: str) -> dict[str, Any]:
    (found,) = [d for d in _load(path) if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


def _env(deployment: dict[str, Any]) -> dict[str, dict[str, Any]]:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return {var["name"]: var for var in container["env"]}


def test_generated_files_are_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert generate.check() == []
    assert main(["generate", "--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_every_topic_has_its_kafka_topic_and_no_other() -> None:
    topics = {t["spec"]["topicName"]: t for t in _generated("KafkaTopic")}
    assert sorted(topics) == sorted(spec.name for spec in TOPICS)
    for spec in TOPICS:
        resource = topics[spec.name]
        assert resource["metadata"]["labels"]["strimzi.io/cluster"] == generate.KAFKA_CLUSTER
        assert resource["spec"]["partitions"] == spec.partitions, spec.name
        assert resource["spec"]["config"] == {
            "retention.ms": spec.retention_ms,
            "cleanup.policy": spec.cleanup_policy,
        }, spec.name
    # Every dead-letter topic too, with the settings of the topic it belongs to.
    dlq = topics["sentra.audit.heads.v1.dlq"]["spec"]
    assert dlq["config"]["retention.ms"] == -1
    assert topics["sentra.agency.health_facility.requests.v1"]["metadata"]["name"] == (
        "sentra.agency.health-facility.requests.v1"
    )


def test_every_principal_has_its_kafka_user_with_exactly_its_grants() -> None:
    users = {u["metadata"]["annotations"]["sentra/principal"]: u for u in _generated("KafkaUser")}
    assert sorted(users) == sorted([*PRINCIPALS, ADMIN])
    granted = grants()
    for name in PRINCIPALS:
        user = users[name]
        assert user["metadata"]["name"] == generate.user_name(name)
        assert user["spec"]["authentication"] == {"type": "scram-sha-512"}
        assert generate.acl_grants(user, name) == [g for g in granted if g.principal == name]
    # The admin signs in like everyone else and is the one super user: no ACLs of its own.
    assert "authorization" not in users[ADMIN]["spec"]
    kafka = _one(BASE / "kafka" / "kafka.yaml", "Kafka", generate.KAFKA_CLUSTER)
    assert kafka["spec"]["kafka"]["authorization"] == {"type": "simple", "superUsers": [ADMIN]}
    # Strimzi writes each password where the Deployments and KEDA look for it.
    user_operator = kafka["spec"]["entityOperator"]["userOperator"]
    assert user_operator["secretPrefix"] == generate.USER_SECRET_PREFIX


def test_each_service_scales_on_its_group_up_to_the_partitions_it_reads() -> None:
    scaled = {s["metadata"]["name"]: s for s in _generated("ScaledObject")}
    assert sorted(scaled) == sorted(p.name for p in SERVICES)
    for principal in SERVICES:
        spec = scaled[principal.name]["spec"]
        read = [t for t in TOPICS if t.name in principal.reads]
        assert spec["maxReplicaCount"] == max(t.partitions for t in read)
        (trigger,) = spec["triggers"]
        assert trigger["type"] == "kafka"
        assert trigger["metadata"]["consumerGroup"] == default_consumer_group(principal.name)
        authentication = {a["metadata"]["name"]: a for a in _generated("TriggerAuthentication")}[
            trigger["authenticationRef"]["name"]
        ]
        assert authentication["spec"]["secretTargetRef"] == [
            {
                "parameter": "password",
                "name": generate.user_secret(principal.name),
                "key": "password",
            }
        ]


@pytest.mark.parametrize("service", [p.name for p in SERVICES])
def test_each_service_deployment_signs_in_as_its_principal(service: str) -> None:
    path = BASE / "services" / f"{service}.yaml"
    deployment = _one(path, "Deployment", service)
    env = _env(deployment)
    prefix = f"SENTRA_{service.upper()}_"
    assert env[prefix + "KAFKA_USERNAME"]["value"] == generate.user_name(service)
    assert env[prefix + "KAFKA_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": generate.user_secret(service),
        "key": "password",
    }
    assert env[prefix + "HTTP_HOST"]["value"] == "0.0.0.0"
    assert f"/{service}?" in env[prefix + "DATABASE_URL"]["value"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "-m", f"sentra_{service}"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/health"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    # KEDA reads the username from this container's environment.
    (authentication,) = [
        a
        for a in _generated("TriggerAuthentication")
        if a["metadata"]["name"] == f"{service}-kafka"
    ]
    (username,) = authentication["spec"]["env"]
    assert (username["name"], username["containerName"]) == (prefix + "KAFKA_USERNAME", service)
    assert {d["kind"] for d in _load(path)} == {"Deployment", "Service", "PodDisruptionBudget"}


def test_the_responders_sign_in_as_their_principal() -> None:
    deployment = _one(KUBERNETES / "responders" / "agencies.yaml", "Deployment", "agencies")
    env = _env(deployment)
    assert env["SENTRA_AGENCIES_KAFKA_USERNAME"]["value"] == "responders"
    assert PRINCIPALS["responders"].kind == "tool"
    assert env["SENTRA_AGENCIES_KAFKA_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == (
        generate.user_secret("responders")
    )


def test_no_secret_value_is_committed() -> None:
    """Secrets are referenced, never inlined: no Secret object and no literal password."""
    for path in KUBERNETES.rglob("*.yaml"):
        for doc in _load(path):
            if not isinstance(doc, dict):
                continue  # a JSON patch (a list of operations)
            assert doc.get("kind") != "Secret", path
            if doc.get("kind") == "Kustomization":
                assert "secretGenerator" not in doc, path
    for path in (BASE / "services").glob("*.yaml"):
        for name, var in _env(_one(path, "Deployment", path.stem)).items():
            if any(word in name for word in ("PASSWORD", "KEY")):
                assert "value" not in var, f"{path}: {name}"


def test_each_service_has_its_own_role_and_database() -> None:
    postgres = _load(BASE / "postgres" / "cluster.yaml")
    (cluster,) = [d for d in postgres if d["kind"] == "Cluster"]
    roles = {r["name"]: r for r in cluster["spec"]["managed"]["roles"]}
    databases = {d["spec"]["name"]: d["spec"] for d in postgres if d["kind"] == "Database"}
    services = sorted(p.name for p in SERVICES)
    assert sorted(roles) == services
    assert sorted(databases) == services
    for service in services:
        assert roles[service]["passwordSecret"] == {"name": f"postgres-{service}"}
        assert databases[service]["owner"] == service
        # The Deployment's DSN takes its password from the same Secret as the role.
        env = _env(_one(BASE / "services" / f"{service}.yaml", "Deployment", service))
        assert env["POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == (
            f"postgres-{service}"
        )


def _generated_config_maps(kustomization: Path) -> dict[str, dict[str, Any]]:
    (found,) = _load(kustomization)
    return {g["name"]: g for g in found.get("configMapGenerator", [])}


def test_the_programmes_file_is_mounted_where_the_empowerment_service_reads_it() -> None:
    deployment = _one(BASE / "services" / "empowerment.yaml", "Deployment", "empowerment")
    path = Path(_env(deployment)["SENTRA_EMPOWERMENT_PROGRAMMES_FILE"]["value"])
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == str(path.parent)]
    assert mount["readOnly"] is True
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    config_map = volumes[mount["name"]]["configMap"]
    assert config_map["items"] == [{"key": path.name, "path": path.name}]
    # The ConfigMap is generated from a file in the repository under the key mounted.
    generator = _generated_config_maps(BASE / "kustomization.yaml")[config_map["name"]]
    (entry,) = generator["files"]
    key, _, source = entry.partition("=")
    assert key == path.name
    assert (BASE / source).is_file()
    # The production overlay offers its own list (maintained by the operators), not the
    # base's example.
    production = KUBERNETES / "overlays" / "production"
    replaced = _generated_config_maps(production / "kustomization.yaml")[config_map["name"]]
    assert replaced["behavior"] == "replace"
    assert replaced["files"] == [path.name]
    assert (production / path.name).is_file()


def test_the_programmes_files_are_ones_the_service_loads() -> None:
    # The programmes' rules land with the service; until then there is nothing to load with.
    pytest.importorskip("sentra_empowerment.domain.programmes")
    from sentra_empowerment.programmes import load_programmes

    example = {
        p.id: (p.organiser, p.capacity)
        for p in load_programmes(BASE / "empowerment" / "programmes.toml")
    }
    assert example == {
        "cilacap-wirausaha-2027-01": ("disnaker", 25),
        "jateng-pemasaran-umkm-2027-02": ("trade_office", 40),
        "banyumas-kur-mikro-2027-02": ("bank", 30),
    }
    assert load_programmes(KUBERNETES / "overlays" / "production" / "programmes.toml") == ()
