"""Checking rendered objects offline, every field of every object:
- core kinds against the Kubernetes OpenAPI schemas of one pinned version (shipped by
  kubernetes-validate), strict: a field Kubernetes does not know is an error;
- the operators' kinds against the CRDs built from their pinned releases (crds.py);
- an object of any other kind is an error: nothing passes unchecked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from typing import Any

import jsonschema
from referencing import Registry, Resource

from sentra_cluster.crds import Crd
from sentra_cluster.tools import pinned

DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json"
OBJECT_META = {"$ref": f"{DEFINITIONS_ID}#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}


@dataclass(frozen=True)
class Problem:
    file: str
    kind: str
    name: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.kind}/{self.name}: {self.path or '.'}: {self.message}"


def _path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _explain(error: jsonschema.ValidationError) -> Iterator[tuple[str, str]]:
    """(path, message) for one schema error, naming the offending field itself."""
    here = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        for extra in sorted(set(error.instance) - known):
            yield _path([*here, extra]), "unknown field"
    elif error.validator == "required" and isinstance(error.instance, dict):
        for missing in error.validator_value:
            if missing not in error.instance:
                yield _path([*here, missing]), "required field is missing"
    else:
        yield _path(here), error.message


class Schemas:
    """Validators for the kinds we know, built on first use and then reused."""

    def __init__(self, crds: Iterable[Crd] = (), kubernetes_version: str | None = None) -> None:
        version = kubernetes_version or str(pinned("kubernetes")["version"])
        self.kubernetes_version = version
        self._dir = (
            resources.files("kubernetes_validate")
            / "kubernetes-json-schema"
            / f"v{version}.0-local-strict"
        )
        if not self._dir.is_dir():
            raise ValueError(f"kubernetes-validate has no schemas for Kubernetes {version}")
        self.crds = {(crd.group, crd.kind): crd for crd in crds}
        self._validators: dict[tuple[str, str], jsonschema.protocols.Validator | None] = {}

    @cached_property
    def _registry(self) -> Registry[Any]:
        definitions = Resource.from_contents(
            _load_json(self._dir / "_definitions.json"),
        )
        return definitions @ Registry()

    @cached_property
    def _object_meta(self) -> jsonschema.protocols.Validator:
        return jsonschema.Draft202012Validator(OBJECT_META, registry=self._registry)

    def _core(self, api_version: str, kind: str) -> jsonschema.protocols.Validator | None:
        # The package's file naming: "rbac.authorization.k8s.io/v1" -> "rbac-v1".
        api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
        schema_file = self._dir / f"{kind.lower()}-{api}.json"
        if not schema_file.is_file():
            return None
        schema = _load_json(schema_file)
        registry = Resource.from_contents(schema) @ self._registry
        return jsonschema.Draft202012Validator(schema, registry=registry)

    def check(self, obj: dict[str, Any]) -> list[tuple[str, str]]:
        """(path, message) for every problem of one object."""
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str):
            return [("", "not a Kubernetes object: apiVersion and kind are required")]
        group, _, version = api_version.rpartition("/")
        crd = self.crds.get((group, kind))
        if crd is not None:
            if version not in crd.schemas:
                return [
                    (
                        "apiVersion",
                        f"{api_version} {kind} is not served by {crd.source} "
                        f"(served: {', '.join(f'{group}/{v}' for v in crd.served())})",
                    )
                ]
            problems = _errors(jsonschema.Draft4Validator(crd.schemas[version]), obj)
            meta = obj.get("metadata")
            if meta is not None:
                problems += [
                    (_path(["metadata", p]) if p else "metadata", m)
                    for p, m in _errors(self._object_meta, meta)
                ]
            return sorted(problems)
        key = (api_version, kind)
        if key not in self._validators:
            self._validators[key] = self._core(api_version, kind)
        validator = self._validators[key]
        if validator is None:
            return [
                (
                    "kind",
                    f"no schema for {api_version} {kind}: not a Kubernetes "
                    f"{self.kubernetes_version} kind, nor a kind of the pinned operators' CRDs",
                )
            ]
        return sorted(_errors(validator, obj))


def _errors(validator: jsonschema.protocols.Validator, instance: Any) -> list[tuple[str, str]]:
    return [found for error in validator.iter_errors(instance) for found in _explain(error)]


def _load_json(path: Any) -> Any:
    return json.loads(path.read_text())


def validate_objects(
    objects: Iterable[dict[str, Any]], file: str, schemas: Schemas
) -> list[Problem]:
    problems: list[Problem] = []
    for obj in objects:
        kind = str(obj.get("kind", "?"))
        name = str((obj.get("metadata") or {}).get("name", "?"))
        for path, message in schemas.check(obj):
            problems.append(Problem(file, kind, name, path, message))
    return problems
