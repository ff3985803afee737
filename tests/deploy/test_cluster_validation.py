"""The Kubernetes manifests render with the real kustomize and every object is checked
offline: core kinds against the pinned Kubernetes schemas, the operators' kinds against
CRDs built from the operators' pinned releases. The first run builds the tools (a few
minutes); later runs use the cache."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
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
