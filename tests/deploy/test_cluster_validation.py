"""The Kubernetes manifests render with the real kustomize and every object is checked
offline: core kinds against the pinned Kubernetes schemas, the operators' kinds against
CRDs built from the operators' pinned releases. The first run builds the tools (a few
minutes); later runs use the cache."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest
from sentra_cluster.crds import convert
from sentra_cluster.operators import operator_crds
from sentra_cluster.render import overlays, overlays_dir, render
from sentra_cluster.validate import Problem, Schemas, validate_objects

# Building the operators' CRDs from source the first time takes minutes.
pytestmark = pytest.mark.timeout(1200)


@pytest.fixture(scope="module")
def schemas() -> Schemas:
    return Schemas(operator_crds())


def overlay(tmp_path: Path, *documents: str) -> Path:
    """A one-file kustomize overlay holding these YAML documents."""
    (tmp_path / "objects.yaml").write_text(
        "\n---\n".join(textwrap.dedent(d).strip() for d in documents) + "\n"
    )
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - objects.yaml\n")
    return tmp_path


def problems_of(tmp_path: Path, schemas: Schemas, *documents: str) -> list[Problem]:
    return validate_objects(render(overlay(tmp_path, *documents)), "fixture", schemas)


def where(problems: list[Problem]) -> set[tuple[str, str, str]]:
    return {(p.kind, p.name, p.path) for p in problems}


def test_every_overlay_renders_and_every_object_validates(schemas: Schemas) -> None:
    found = overlays()
    assert found, f"no Kustomize overlay under {overlays_dir()}"
    for overlay_dir in found:
        objects = render(overlay_dir)
        assert objects, f"{overlay_dir} renders no object"
        problems = validate_objects(objects, str(overlay_dir), schemas)
        assert problems == [], "\n".join(map(str, problems))


VALID_DEPLOYMENT = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: documents, labels: {app: documents}}
    spec:
      replicas: 2
      selector: {matchLabels: {app: documents}}
      template:
        metadata: {labels: {app: documents}}
        spec:
          containers:
            - name: documents
              image: sentra:test
              ports: [{name: http, containerPort: 8001}]
              readinessProbe: {httpGet: {path: /health, port: http}}
              resources:
                requests: {cpu: 100m, memory: 128Mi}
                limits: {cpu: "1", memory: 256Mi}
"""


def test_valid_core_objects_pass(tmp_path: Path, schemas: Schemas) -> None:
    problems = problems_of(
        tmp_path,
        schemas,
        VALID_DEPLOYMENT,
        """
        apiVersion: v1
        kind: Service
        metadata: {name: documents}
        spec:
          selector: {app: documents}
          ports: [{name: http, port: 8001, targetPort: http}]
        """,
        """
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: documents}
        spec:
          maxUnavailable: 1
          selector: {matchLabels: {app: documents}}
        """,
    )
    assert problems == []


def test_misspelt_deployment_field_is_reported_with_its_path(
    tmp_path: Path, schemas: Schemas
) -> None:
    misspelt = VALID_DEPLOYMENT.replace("replicas: 2", "replcas: 2").replace(
        "readinessProbe:", "readinesProbe:"
    )
    problems = problems_of(tmp_path, schemas, misspelt)
    assert where(problems) == {
        ("Deployment", "documents", "spec.replcas"),
        ("Deployment", "documents", "spec.template.spec.containers[0].readinesProbe"),
    }
    assert {p.message for p in problems} == {"unknown field"}


def test_wrong_type_in_a_core_object_is_reported(tmp_path: Path, schemas: Schemas) -> None:
    problems = problems_of(tmp_path, schemas, VALID_DEPLOYMENT.replace("8001", '"8001"'))
    assert where(problems) == {
        ("Deployment", "documents", "spec.template.spec.containers[0].ports[0].containerPort")
    }
    assert "is not of type 'integer'" in problems[0].message


def test_an_object_of_an_unknown_kind_is_an_error(tmp_path: Path, schemas: Schemas) -> None:
    problems = problems_of(
        tmp_path,
        schemas,
        """
        apiVersion: example.sentra.id/v1
        kind: Widget
        metadata: {name: gadget}
        spec: {size: 3}
        """,
    )
    assert where(problems) == {("Widget", "gadget", "kind")}
    assert "no schema for example.sentra.id/v1 Widget" in problems[0].message


def test_the_command_prints_one_line_per_problem_and_exits_1(tmp_path: Path) -> None:
    misspelt = VALID_DEPLOYMENT.replace("replicas: 2", "replcas: 2")
    target = overlay(tmp_path, misspelt, "apiVersion: v1\nkind: Nonsense\nmetadata: {name: n}")
    result = run_cli("validate", str(target))
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        f"{target}: Deployment/documents: spec.replcas: unknown field",
        f"{target}: Nonsense/n: kind: no schema for v1 Nonsense: not a Kubernetes "
        f"{Schemas().kubernetes_version} kind, nor a kind of the pinned operators' CRDs",
    ]


def test_render_prints_the_rendered_yaml(tmp_path: Path) -> None:
    result = run_cli("render", str(overlay(tmp_path, VALID_DEPLOYMENT)))
    assert result.returncode == 0, result.stderr
    assert "kind: Deployment" in result.stdout
    assert "containerPort: 8001" in result.stdout
    assert result.stderr.strip().endswith("Deployment 1")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sentra_cluster", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


KAFKA_TOPIC = """
    apiVersion: kafka.strimzi.io/v1
    kind: KafkaTopic
    metadata: {name: applications.submitted, labels: {strimzi.io/cluster: sentra}}
    spec:
      partitions: 3
      replicas: 3
      config: {retention.ms: 604800000, min.insync.replicas: 2}
"""

KAFKA_USER = """
    apiVersion: kafka.strimzi.io/v1
    kind: KafkaUser
    metadata: {name: documents, labels: {strimzi.io/cluster: sentra}}
    spec:
      authentication: {type: scram-sha-512}
      authorization:
        type: simple
        acls:
          - resource: {type: topic, name: agency.polri., patternType: prefix}
            operations: [Write, Describe]
          - resource: {type: group, name: documents}
            operations: [Read]
"""

SCALED_OBJECT = """
    apiVersion: keda.sh/v1alpha1
    kind: ScaledObject
    metadata: {name: documents}
    spec:
      scaleTargetRef: {name: documents}
      minReplicaCount: 1
      maxReplicaCount: 3
      triggers:
        - type: kafka
          metadata: {bootstrapServers: "sentra-kafka-bootstrap:9093", consumerGroup: documents,
                     topic: applications.submitted, lagThreshold: "50"}
          authenticationRef: {name: documents-kafka}
"""

OPERATOR_OBJECTS = [
    """
    apiVersion: kafka.strimzi.io/v1
    kind: Kafka
    metadata: {name: sentra}
    spec:
      kafka:
        version: 4.1.0
        listeners:
          - {name: tls, port: 9093, type: internal, tls: true,
             authentication: {type: scram-sha-512}}
        authorization: {type: simple}
        config: {auto.create.topics.enable: false, allow.everyone.if.no.acl.found: false}
      entityOperator: {topicOperator: {}, userOperator: {}}
    """,
    """
    apiVersion: kafka.strimzi.io/v1
    kind: KafkaNodePool
    metadata: {name: dual-role, labels: {strimzi.io/cluster: sentra}}
    spec:
      replicas: 3
      roles: [controller, broker]
      storage: {type: persistent-claim, size: 10Gi}
      resources: {requests: {cpu: 500m, memory: 2Gi}}
    """,
    KAFKA_TOPIC,
    KAFKA_USER,
    """
    apiVersion: postgresql.cnpg.io/v1
    kind: Cluster
    metadata: {name: sentra-db}
    spec:
      instances: 3
      storage: {size: 10Gi}
      bootstrap: {initdb: {database: documents, owner: documents,
                           secret: {name: documents-db}}}
    """,
    """
    apiVersion: postgresql.cnpg.io/v1
    kind: Database
    metadata: {name: credit}
    spec: {name: credit, owner: credit, cluster: {name: sentra-db}}
    """,
    SCALED_OBJECT,
    """
    apiVersion: keda.sh/v1alpha1
    kind: TriggerAuthentication
    metadata: {name: documents-kafka}
    spec:
      secretTargetRef:
        - {parameter: sasl, name: documents-kafka, key: sasl}
        - {parameter: username, name: documents-kafka, key: username}
        - {parameter: password, name: documents-kafka, key: password}
    """,
]


def test_valid_operator_objects_pass(tmp_path: Path, schemas: Schemas) -> None:
    assert problems_of(tmp_path, schemas, *OPERATOR_OBJECTS) == []


def test_every_operator_kind_has_a_schema(schemas: Schemas) -> None:
    assert {kind for _, kind in schemas.crds} >= {
        "Kafka",
        "KafkaNodePool",
        "KafkaTopic",
        "KafkaUser",
        "Cluster",
        "Database",
        "ScaledObject",
        "TriggerAuthentication",
    }


def test_kafka_topic_with_partitions_as_a_word(tmp_path: Path, schemas: Schemas) -> None:
    problems = problems_of(
        tmp_path, schemas, KAFKA_TOPIC.replace("partitions: 3", "partitions: three")
    )
    assert where(problems) == {("KafkaTopic", "applications.submitted", "spec.partitions")}
    assert problems[0].message == "'three' is not of type 'integer'"


def test_kafka_user_with_an_unknown_acl_operation(tmp_path: Path, schemas: Schemas) -> None:
    problems = problems_of(tmp_path, schemas, KAFKA_USER.replace("[Read]", "[Consume]"))
    assert where(problems) == {
        ("KafkaUser", "documents", "spec.authorization.acls[1].operations[0]")
    }
    assert problems[0].message.startswith("'Consume' is not one of ['Read', 'Write'")


def test_scaled_object_without_its_target(tmp_path: Path, schemas: Schemas) -> None:
    problems = problems_of(
        tmp_path, schemas, SCALED_OBJECT.replace("scaleTargetRef: {name: documents}", "")
    )
    assert where(problems) == {("ScaledObject", "documents", "spec.scaleTargetRef")}
    assert problems[0].message == "required field is missing"


def test_a_field_the_crd_would_prune_is_an_error(tmp_path: Path, schemas: Schemas) -> None:
    # The API server would drop it silently: the setting would never take effect.
    problems = problems_of(tmp_path, schemas, KAFKA_TOPIC.replace("replicas: 3", "replica: 3"))
    assert where(problems) == {("KafkaTopic", "applications.submitted", "spec.replica")}
    assert problems[0].message == "unknown field"


def test_an_api_version_the_crd_does_not_serve(tmp_path: Path, schemas: Schemas) -> None:
    problems = problems_of(
        tmp_path, schemas, KAFKA_TOPIC.replace("kafka.strimzi.io/v1", "kafka.strimzi.io/v1alpha9")
    )
    assert where(problems) == {("KafkaTopic", "applications.submitted", "apiVersion")}
    assert "not served by Strimzi" in problems[0].message


def test_metadata_of_a_custom_resource_is_checked_too(tmp_path: Path, schemas: Schemas) -> None:
    problems = problems_of(tmp_path, schemas, KAFKA_TOPIC.replace("labels: {", "lables: {"))
    assert where(problems) == {("KafkaTopic", "applications.submitted", "metadata.lables")}


# The structural-schema rules on their own (pure conversion, no tools needed).


def crd_validator(schema: dict[str, object]) -> jsonschema.Draft4Validator:
    return jsonschema.Draft4Validator(convert(schema))


def test_int_or_string_accepts_both_and_nothing_else() -> None:
    port = crd_validator({"x-kubernetes-int-or-string": True})
    assert port.is_valid(8080)
    assert port.is_valid("http")
    assert not port.is_valid(1.5)
    assert not port.is_valid(["http"])


def test_undeclared_fields_are_errors_unless_preserved() -> None:
    closed = crd_validator({"type": "object", "properties": {"size": {"type": "string"}}})
    assert closed.is_valid({"size": "1Gi"})
    assert not closed.is_valid({"size": "1Gi", "szie": "2Gi"})
    preserved = crd_validator(
        {
            "type": "object",
            "properties": {"size": {"type": "string"}},
            "x-kubernetes-preserve-unknown-fields": True,
        }
    )
    assert preserved.is_valid({"size": "1Gi", "anything": {"goes": 1}})
    a_map = crd_validator({"type": "object", "additionalProperties": {"type": "string"}})
    assert a_map.is_valid({"max_connections": "200"})
    assert not a_map.is_valid({"max_connections": 200})


def test_value_checks_in_junctors_do_not_close_the_object() -> None:
    # oneOf only says which of the declared fields may be set together.
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
        "oneOf": [{"properties": {"a": {}}, "required": ["a"]}, {"required": ["b"]}],
    }
    validator = crd_validator(schema)
    assert validator.is_valid({"a": "x"})
    assert validator.is_valid({"b": "y"})
    assert not validator.is_valid({"a": "x", "b": "y"})
    assert not validator.is_valid({"c": "z"})


def test_nullable_and_embedded_resources() -> None:
    assert crd_validator({"type": "string", "nullable": True}).is_valid(None)
    assert not crd_validator({"type": "string"}).is_valid(None)
    embedded = crd_validator(
        {
            "type": "object",
            "x-kubernetes-embedded-resource": True,
            "properties": {
                "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
            },
        }
    )
    assert embedded.is_valid({"apiVersion": "v1", "kind": "Pod", "metadata": {}, "spec": {"x": 1}})
    assert not embedded.is_valid({"apiVersion": "v1", "status": {}})
