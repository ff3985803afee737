"""Is each event still readable and writable by whoever built on its last released schema?

Breaking, unless the event moved to a new topic version: removing an event or a field,
changing a field's type or constraints, and adding a required field. Adding an optional
field, changing titles, descriptions and examples, or marking a field deprecated, is
compatible.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Words that explain a schema without changing what it accepts. `deprecated` (JSON Schema
# 2020-12 meta-data) retires a field that must stay readable until the next topic version.
_ANNOTATIONS = frozenset({"title", "description", "examples", "$comment", "deprecated"})


def breaking_changes(
    released: Mapping[str, Mapping[str, Any]], current: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """Every incompatible change from `released` to `current`, keyed by event name."""
    problems: list[str] = []
    for name, old in released.items():
        new = current.get(name)
        if new is None:
            problems.append(f"{name}: event removed (publish a new topic version instead)")
            continue
        if _topic(new) != _topic(old):
            continue  # a new topic version may change anything
        problems += [
            f"{name} ({_topic(new)}): {p}"
            for p in _diff(_resolved(old, old), _resolved(new, new), "")
        ]
    return problems


def _topic(schema: Mapping[str, Any]) -> str:
    return str(schema.get("x-sentra", {}).get("topic", ""))


def _resolved(node: Any, root: Mapping[str, Any]) -> Any:
    """The schema with local `$ref`s replaced by what they point to."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _resolved(root["$defs"][ref.removeprefix("#/$defs/")], root)
        return {k: _resolved(v, root) for k, v in node.items() if k not in ("$defs", "x-sentra")}
    if isinstance(node, list):
        return [_resolved(item, root) for item in node]
    return node


def _diff(old: Any, new: Any, path: str) -> list[str]:
    where = path or "the event"
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return [] if old == new else [f"{where}: changed from {old!r} to {new!r}"]
    if "properties" in old or "properties" in new:
        return _diff_object(old, new, path)
    old_any, new_any = old.get("anyOf"), new.get("anyOf")
    if isinstance(old_any, list) and isinstance(new_any, list) and len(old_any) == len(new_any):
        nested = [
            problem
            for i, (a, b) in enumerate(zip(old_any, new_any, strict=True))
            for problem in _diff(a, b, f"{path}[{i}].")
        ]
        return nested + _diff_keywords(old, new, path, skip={"anyOf"})
    return _diff_keywords(old, new, path)


def _diff_object(old: dict[str, Any], new: dict[str, Any], path: str) -> list[str]:
    problems: list[str] = []
    old_props: dict[str, Any] = old.get("properties", {})
    new_props: dict[str, Any] = new.get("properties", {})
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for field in old_props:
        if field not in new_props:
            problems.append(f"field {path}{field} removed")
    for field in new_props:
        if field not in old_props and field in new_required:
            problems.append(f"required field {path}{field} added")
    for field in old_props.keys() & new_props.keys():
        problems += _diff(old_props[field], new_props[field], f"{path}{field}.")
        if field in new_required and field not in old_required:
            problems.append(f"field {path}{field} became required")
        if field in old_required and field not in new_required:
            problems.append(f"field {path}{field} is no longer always present")
    problems += _diff_keywords(old, new, path, skip={"properties", "required"})
    return problems


def _diff_keywords(
    old: dict[str, Any],
    new: dict[str, Any],
    path: str,
    skip: frozenset[str] | set[str] = frozenset(),
) -> list[str]:
    problems: list[str] = []
    where = path.rstrip(".") or "the event"
    for key in sorted((old.keys() | new.keys()) - _ANNOTATIONS - skip):
        before, after = old.get(key), new.get(key)
        if isinstance(before, dict) and isinstance(after, dict):
            problems += _diff(before, after, f"{path}{key}.")
        elif before != after:
            problems.append(f"{where}: {key} changed from {before!r} to {after!r}")
    return problems
