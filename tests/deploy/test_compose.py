"""The Compose stack, checked offline: valid against the Compose specification's JSON
Schema, and every container configured the way the code reads its configuration."""

from __future__ import annotations

import copy
import importlib.util
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from pydantic import AliasChoices
from pydantic_settings import BaseSettings
from sentra_agencies.app import AgenciesSettings
from sentra_cluster.compose_schema import compose_schema
from sentra_credit.config import CreditSettings
from sentra_documents.config import DocumentsSettings
from sentra_empowerment.config import EmpowermentSettings
from sentra_insurance.config import InsuranceSettings
from sentra_local.services import DEFAULT_PORTS, MODULES, PRINCIPALS
from sentra_local.stack import SERVICES
from sentra_notifications.config import NotificationsSettings
from sentra_notifications.status import StatusSettings
from sentra_shared.access import load_principals

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_DIR = ROOT / "deploy" / "compose"
SINKS_SOURCE = ROOT / "deploy" / "local" / "sentra_local" / "sinks.py"

# What each process reads its configuration with.
SETTINGS: dict[str, list[type[BaseSettings]]] = {
    "documents": [DocumentsSettings],
    "credit": [CreditSettings],
    "insurance": [InsuranceSettings],
    "notifications": [NotificationsSettings, StatusSettings],
    "empowerment": [EmpowermentSettings],
    "agencies": [AgenciesSettings],
}
PROCESSES = (*SERVICES, "agencies", "sinks")
# The standard OpenTelemetry variables the exporters read (sentra_shared.telemetry).
OTEL_VARIABLES = {"OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT"}
# Shared with the Kubernetes deployment (base/observability/); mounted here.
OBSERVABILITY = {
    "../kubernetes/base/observability/otel-collector.yaml",
    "../kubernetes/base/observability/alerts.yml",
    "../kubernetes/base/observability/sentra-dashboard.json",
}
INTERPOLATION = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((COMPOSE_DIR / "compose.yaml").read_text())
    return loaded


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return compose_schema()


def settings_variables(process: str) -> tuple[set[str], set[str]]:
    """(every variable the process's settings read, those it cannot start without)."""
    if process == "sinks":
        read = set(re.findall(r'env\("(SENTRA_SINKS_\w+)"', SINKS_SOURCE.read_text()))
        return read, set()
    known: set[str] = set()
    required: set[str] = set()
    for settings in SETTINGS[process]:
        prefix = settings.model_config.get("env_prefix", "")
        for name, field in settings.model_fields.items():
            alias = field.validation_alias
            names = (
                {c for c in alias.choices if isinstance(c, str) and c.isupper()}
                if isinstance(alias, AliasChoices)
                else {f"{prefix}{name}".upper()}
            )
            known |= names
            if field.is_required():
                required |= names
    return known, required


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    assert isinstance(env, dict), "environment as a mapping"
    return {k: str(v) for k, v in env.items()}


def test_valid_against_the_compose_specification(
    compose: dict[str, Any], schema: dict[str, Any]
) -> None:
    # The schema names draft 2019-09 by a URI jsonschema does not know (http, not https).
    assert "draft/2019-09" in schema["$schema"]
    validator = jsonschema.Draft201909Validator(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(compose)]
    assert errors == []
    # ... and the schema does refuse what Compose would refuse.
    broken = copy.deepcopy(compose)
    broken["services"]["documents"]["enviroment"] = {}
    broken["services"]["credit"]["ports"] = "8002"
    assert len(list(validator.iter_errors(broken))) == 2


def test_the_stack_holds_every_part(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {
        *PROCESSES,
        "kafka",
        "kafka-setup",
        "postgres",
        "otel-collector",
        "jaeger",
        "prometheus",
        "grafana",
    }
    images = {name: s["image"] for name, s in compose["services"].items()}
    assert images["kafka"].startswith("apache/kafka:")
    for name, image in images.items():
        assert re.search(r":v?\d+\.\d+(\.\d+)?(-\w+)?$", image), f"{name}: {image} is not pinned"


def test_every_process_runs_from_the_one_image(compose: dict[str, Any]) -> None:
    setup = compose["services"]["kafka-setup"]
    assert setup["build"] == {"context": "../..", "dockerfile": "deploy/container/Dockerfile"}
    assert (COMPOSE_DIR / setup["build"]["context"] / setup["build"]["dockerfile"]).exists()
    for name in PROCESSES:
        service = compose["services"][name]
        assert service["image"] == setup["image"]
        module = MODULES.get(name, f"sentra_{name}")
        assert service["command"] == ["python", "-m", module]
        assert importlib.util.find_spec(module) is not None
        # A read-only root filesystem; /tmp is the one place it writes (the image's volume).
        assert service["read_only"] is True and service["tmpfs"] == ["/tmp"]


def test_every_variable_is_one_the_code_reads_and_every_required_one_is_set(
    compose: dict[str, Any],
) -> None:
    for name in PROCESSES:
        env = environment(compose["services"][name])
        known, required = settings_variables(name)
        unknown = set(env) - known - OTEL_VARIABLES
        assert unknown == set(), f"{name} sets variables its settings do not read"
        assert required <= set(env), f"{name} misses {required - set(env)}"


def test_ports_match_the_settings_and_the_scrape_targets(compose: dict[str, Any]) -> None:
    prometheus = yaml.safe_load((COMPOSE_DIR / "prometheus" / "prometheus.yml").read_text())
    targets = {
        target
        for job in prometheus["scrape_configs"]
        if job["metrics_path"] == "/metrics"
        for group in job["static_configs"]
        for target in group["targets"]
    }
    assert targets == {f"{name}:{DEFAULT_PORTS[name]}" for name in SERVICES}
    for name in PROCESSES:
        service = compose["services"][name]
        port = environment(service)[f"SENTRA_{name.upper()}_HTTP_PORT"]
        assert int(port) == DEFAULT_PORTS[name]
        # Published on loopback only, to the port the process listens on.
        assert f"127.0.0.1:{port}:{port}" in service["ports"]


def test_each_process_signs_in_to_kafka_as_its_own_principal(compose: dict[str, Any]) -> None:
    principals = set(load_principals())
    setup = environment(compose["services"]["kafka-setup"])
    given = {
        key.removeprefix("SENTRA_PRINCIPAL_PASSWORD_").lower(): value
        for key, value in setup.items()
        if key.startswith("SENTRA_PRINCIPAL_PASSWORD_")
    }
    signing_in = set()
    for name in PROCESSES:
        env = environment(compose["services"][name])
        principal = PRINCIPALS.get(name, name)
        if principal is None:
            assert not any("KAFKA" in key for key in env), f"{name} needs no broker"
            continue
        assert env["SENTRA_KAFKA_BOOTSTRAP"] == "kafka:9092"
        assert env[f"SENTRA_{name.upper()}_KAFKA_USERNAME"] == principal
        assert principal in principals
        # The password the setup gave that principal is the one the process signs in with.
        assert env[f"SENTRA_{name.upper()}_KAFKA_PASSWORD"] == given[principal]
        signing_in.add(principal)
    assert set(given) == signing_in
    assert setup["SENTRA_KAFKA_USERNAME"] == "admin"
    command = " ".join(compose["services"]["kafka-setup"]["command"])
    assert "python -m sentra_shared.topics" in command
    assert "sentra-access apply --credentials" in command


def test_each_service_has_its_own_database(compose: dict[str, Any]) -> None:
    script = (COMPOSE_DIR / "postgres" / "init-databases.sh").read_text()
    (created,) = re.findall(r"for service in ([\w ]+); do", script)
    assert created.split() == list(SERVICES)
    for name in SERVICES:
        url = environment(compose["services"][name])[f"SENTRA_{name.upper()}_DATABASE_URL"]
        parts = re.fullmatch(r"postgresql://(\w+):(\$\{[^}]+\})@postgres:5432/(\w+)", url)
        assert parts, url
        assert (parts[1], parts[3]) == (name, name)
        assert INTERPOLATION.fullmatch(parts[2])


def test_secrets_come_from_the_env_file_only(compose: dict[str, Any]) -> None:
    text = (COMPOSE_DIR / "compose.yaml").read_text()
    used = set(INTERPOLATION.findall(text))
    example = (COMPOSE_DIR / ".env.example").read_text()
    documented = set(re.findall(r"^(\w+)=", example, re.MULTILINE))
    assert used == documented
    # Every value in the example is empty: the user chooses each secret.
    assert re.findall(r"^\w+=(.+)$", example, re.MULTILINE) == []
    assert (COMPOSE_DIR / ".gitignore").read_text().splitlines()[-1] == ".env"
    for name, service in compose["services"].items():
        for key, value in environment(service).items():
            if re.search(r"PASSWORD|SECRET|_KEY(S)?$", key):
                assert INTERPOLATION.fullmatch(value), f"{name}: {key} is written inline"


def test_mounted_files_exist(compose: dict[str, Any]) -> None:
    sources = {
        volume.split(":")[0]
        for service in compose["services"].values()
        for volume in service.get("volumes", [])
        if volume.startswith(".")
    }
    assert sources >= OBSERVABILITY
    for source in sources:
        assert (COMPOSE_DIR / source).exists(), source
    grafana = compose["services"]["grafana"]["volumes"]
    assert (
        "../kubernetes/base/observability/sentra-dashboard.json:"
        "/var/lib/grafana/dashboards/sentra-dashboard.json:ro"
    ) in grafana
    provider = yaml.safe_load(
        (COMPOSE_DIR / "grafana/provisioning/dashboards/dashboards.yml").read_text()
    )
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"


def test_traces_go_through_the_collector(compose: dict[str, Any]) -> None:
    for name in SERVICES:
        env = environment(compose["services"][name])
        assert env["OTEL_TRACES_EXPORTER"] == "otlp"
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4318"


def test_the_empowerment_service_reads_the_programmes_file_it_is_given(
    compose: dict[str, Any],
) -> None:
    service = compose["services"]["empowerment"]
    path = environment(service)["SENTRA_EMPOWERMENT_PROGRAMMES_FILE"]
    # The same example list as the Kubernetes base, mounted read-only where it is read.
    assert f"../kubernetes/base/empowerment/programmes.toml:{path}:ro" in service["volumes"]
