"""The access file (access.toml): every Kafka principal and exactly what it may do.

Pure: reading the file and turning it into ACL bindings. Applying them to a broker is
`access_admin`; the drift checks against topics.toml and the code are in the tests.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sentra_shared.topics import DLQ_SUFFIX, TopicSpec, declared_topics

ACCESS_FILE = Path(__file__).with_name("access.toml")
# The broker's own super user (topics, users and ACLs); never a service's or agency's name.
ADMIN = "admin"
# The controller listener's own user (SASL/PLAIN) where the broker is ours to configure.
CONTROLLER = "controller"
BROKER_USERS = (ADMIN, CONTROLLER)
KINDS = ("service", "agency", "reader", "tool")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_RESOURCE = re.compile(r"^[A-Za-z0-9._-]+$")


class AccessFileError(ValueError):
    """The access file is malformed or names a topic that is not declared."""


class Operation(StrEnum):
    READ = "READ"
    WRITE = "WRITE"


class ResourceType(StrEnum):
    TOPIC = "TOPIC"
    GROUP = "GROUP"


class PatternType(StrEnum):
    LITERAL = "LITERAL"
    PREFIXED = "PREFIXED"


@dataclass(frozen=True, order=True)
class Grant:
    """One ALLOW ACL for one principal (`User:<principal>`, any host)."""

    principal: str
    resource: ResourceType
    pattern: PatternType
    name: str
    operation: Operation

    def __str__(self) -> str:
        star = "*" if self.pattern is PatternType.PREFIXED else ""
        return f"{self.principal}: {self.operation} {self.resource.lower()} {self.name}{star}"


@dataclass(frozen=True)
class Principal:
    name: str
    kind: str
    description: str
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


def load_principals(path: Path = ACCESS_FILE) -> dict[str, Principal]:
    data = tomllib.loads(path.read_text())
    principals: dict[str, Principal] = {}
    for name, table in data.get("principals", {}).items():
        if not _NAME.match(name) or name == ADMIN:
            raise AccessFileError(f"principal name {name!r} is not allowed")
        kind = table.get("kind")
        if kind not in KINDS:
            raise AccessFileError(f"{name}: kind must be one of {', '.join(KINDS)}")
        unknown = set(table) - {"kind", "description", "reads", "writes", "groups"}
        if unknown:
            raise AccessFileError(f"{name}: unknown keys {', '.join(sorted(unknown))}")
        principals[name] = Principal(
            name=name,
            kind=kind,
            description=str(table.get("description", "")),
            reads=tuple(table.get("reads", ())),
            writes=tuple(table.get("writes", ())),
            groups=tuple(table.get("groups", ())),
        )
    return principals


def _patterns(entry: str, declared: list[str], owner: str) -> list[tuple[PatternType, str]]:
    """One access-file entry as ACL patterns (see the file's header for the three forms)."""
    if entry.startswith("*"):
        suffix = entry[1:]
        matches = [name for name in declared if name.endswith(suffix)]
        if not suffix.startswith(".") or not matches:
            raise AccessFileError(f"{owner}: {entry!r} matches no declared topic")
        return [(PatternType.LITERAL, name) for name in matches]
    if entry.endswith("*"):
        prefix = entry[:-1]
        if not prefix.endswith((".", "-", "_")) or not _RESOURCE.match(prefix):
            raise AccessFileError(
                f"{owner}: prefix {entry!r} must end with a delimiter ('.', '-' or '_') "
                "so that it cannot match a longer name"
            )
        return [(PatternType.PREFIXED, prefix)]
    if not _RESOURCE.match(entry):
        raise AccessFileError(f"{owner}: {entry!r} is not a valid topic or group name")
    return [(PatternType.LITERAL, entry)]


def _topic_patterns(entry: str, declared: list[str], owner: str) -> list[tuple[PatternType, str]]:
    patterns = _patterns(entry, declared, owner)
    for pattern, name in patterns:
        if pattern is PatternType.LITERAL and name not in declared:
            raise AccessFileError(f"{owner}: topic {name!r} is not declared in topics.toml")
        if pattern is PatternType.PREFIXED and not any(t.startswith(name) for t in declared):
            raise AccessFileError(f"{owner}: prefix {name!r}* matches no declared topic")
    return patterns


def grants(
    principals: dict[str, Principal] | None = None, topics: list[TopicSpec] | None = None
) -> list[Grant]:
    """Every ACL the access file asks for, sorted; raises AccessFileError on a bad entry."""
    principals = load_principals() if principals is None else principals
    declared = [spec.name for spec in (declared_topics() if topics is None else topics)]
    result: set[Grant] = set()
    for principal in principals.values():
        writes = list(principal.writes)
        if principal.kind == "service":
            # Its consumer parks what it cannot apply in `<topic>.dlq`.
            writes += [f"{topic}{DLQ_SUFFIX}" for topic in principal.reads]
        for operation, entries in ((Operation.READ, principal.reads), (Operation.WRITE, writes)):
            for entry in entries:
                for pattern, name in _topic_patterns(entry, declared, principal.name):
                    result.add(Grant(principal.name, ResourceType.TOPIC, pattern, name, operation))
        for entry in principal.groups:
            for pattern, name in _patterns(entry, declared, principal.name):
                result.add(Grant(principal.name, ResourceType.GROUP, pattern, name, Operation.READ))
    return sorted(result)


def _matches(grant: Grant, topic: str) -> bool:
    if grant.pattern is PatternType.PREFIXED:
        return topic.startswith(grant.name)
    return topic == grant.name


def may(principal: str, operation: Operation, topic: str, granted: list[Grant]) -> bool:
    """Whether `granted` lets `principal` do `operation` on `topic` (what the broker decides)."""
    return any(
        g.principal == principal
        and g.resource is ResourceType.TOPIC
        and g.operation is operation
        and _matches(g, topic)
        for g in granted
    )


def may_join(principal: str, group: str, granted: list[Grant]) -> bool:
    return any(
        g.principal == principal and g.resource is ResourceType.GROUP and _matches(g, group)
        for g in granted
    )


def owners(topic: str, principals: dict[str, Principal], granted: list[Grant]) -> list[str]:
    """The services and agencies that may write `topic` (tools, which may write broadly to
    replay or to play a side, are not owners)."""
    return [
        p.name
        for p in principals.values()
        if p.kind in ("service", "agency") and may(p.name, Operation.WRITE, topic, granted)
    ]


def unowned_topics(
    principals: dict[str, Principal], granted: list[Grant], topics: list[TopicSpec]
) -> list[str]:
    """Declared topics (dead-letter topics aside) that no service or agency may write."""
    return [
        spec.name
        for spec in topics
        if not spec.name.endswith(DLQ_SUFFIX) and not owners(spec.name, principals, granted)
    ]
