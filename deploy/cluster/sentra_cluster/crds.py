"""CustomResourceDefinitions as validators: the `openAPIV3Schema` of each served version,
turned into a JSON Schema that `jsonschema` checks the way the API server would.

A CRD schema is a *structural* OpenAPI v3 schema, close to JSON Schema draft 4 but with
Kubernetes extensions that plain JSON Schema does not know:
- an object field that is not declared is pruned by the API server (silently dropped),
  unless `x-kubernetes-preserve-unknown-fields` keeps it. A dropped field is a setting
  that never takes effect, so here it is an error (`additionalProperties: false`);
- `x-kubernetes-int-or-string` accepts an integer or a string;
- `nullable` also accepts null;
- `x-kubernetes-embedded-resource` objects also carry apiVersion, kind and metadata.
Value checks inside `allOf`/`anyOf`/`oneOf`/`not` are not structural: they only constrain
fields declared elsewhere, so they are converted but never closed. CEL rules
(`x-kubernetes-validations`) are not evaluated: they need the API server.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

JUNCTORS = ("allOf", "anyOf", "oneOf")


@dataclass(frozen=True)
class Crd:
    group: str
    kind: str
    source: str  # where it was generated from, e.g. "strimzi 1.2.0"
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)  # served version -> schema

    def served(self) -> list[str]:
        return sorted(self.schemas)


def convert(schema: dict[str, Any], *, structural: bool = True) -> dict[str, Any]:
    """A JSON Schema (draft 4) equivalent of one structural OpenAPI v3 schema node."""
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "properties":
            out[key] = {name: convert(sub, structural=structural) for name, sub in value.items()}
        elif (key == "items" and isinstance(value, dict)) or (
            key == "additionalProperties" and isinstance(value, dict)
        ):
            out[key] = convert(value, structural=structural)
        elif key in JUNCTORS:
            out[key] = [convert(sub, structural=False) for sub in value]
        elif key == "not":
            out[key] = convert(value, structural=False)
        elif key.startswith("x-kubernetes-") or key in ("nullable", "default", "example"):
            continue
        else:
            out[key] = value
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
    if schema.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if schema.get("x-kubernetes-embedded-resource"):
        props = out.setdefault("properties", {})
        props.setdefault("apiVersion", {"type": "string"})
        props.setdefault("kind", {"type": "string"})
        props.setdefault("metadata", {"type": "object"})
    is_object = schema.get("type") == "object" or "properties" in schema
    if (
        structural
        and is_object
        and "additionalProperties" not in schema
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def from_definition(doc: dict[str, Any], source: str) -> Crd:
    """A Crd from one `apiextensions.k8s.io/v1` CustomResourceDefinition document."""
    spec = doc["spec"]
    schemas: dict[str, dict[str, Any]] = {}
    for version in spec["versions"]:
        if not version.get("served", True):
            continue
        raw = (version.get("schema") or {}).get("openAPIV3Schema")
        if raw is None:
            raw = (spec.get("validation") or {}).get("openAPIV3Schema", {})
        converted = convert(raw)
        # metadata is the API server's ObjectMeta, checked separately (validate.py); the
        # CRD only says "object".
        converted.get("properties", {}).pop("metadata", None)
        converted.setdefault("properties", {})["metadata"] = {"type": "object"}
        schemas[version["name"]] = converted
    return Crd(spec["group"], spec["names"]["kind"], source, schemas)


def load(files: Iterable[Path], source: str) -> list[Crd]:
    """Every CRD in these YAML files (other documents are ignored)."""
    crds: list[Crd] = []
    for path in files:
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                crds.append(from_definition(doc, source))
    return crds
