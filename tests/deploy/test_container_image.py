"""The image definition, checked offline (there is no container engine here): the
Dockerfile parsed into its instructions, and what matters about them asserted."""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import re
import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from sentra_local.services import DEFAULT_PORTS, MODULES, PROCESSES

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "container" / "Dockerfile"
DOCKERIGNORE = ROOT / "deploy" / "container" / "Dockerfile.dockerignore"


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case
    arguments: str
    line: int  # where it starts, for messages


def instructions(text: str) -> list[Instruction]:
    """Logical instructions: continuation lines (a trailing backslash) joined, comment
    and blank lines dropped (also inside a continued instruction, as the builder does)."""
    parsed: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and (not stripped or stripped.startswith("#")):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        keyword, _, arguments = " ".join(pending).partition(" ")
        parsed.append(Instruction(keyword.upper(), arguments.strip(), start))
        pending = []
    assert not pending, f"line {start}: the last instruction ends in a continuation"
    return parsed


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[Instruction]


def stages(parsed: list[Instruction]) -> tuple[dict[str, str], list[Stage]]:
    """The global ARGs (before the first FROM) and each stage with its instructions."""
    args: dict[str, str] = {}
    found: list[Stage] = []
    for instruction in parsed:
        if instruction.keyword == "FROM":
            words = [w for w in instruction.arguments.split() if not w.startswith("--")]
            image = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args[m[1] or m[2]], words[0])
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            found.append(Stage(image, name, []))
        elif not found:
            assert instruction.keyword == "ARG", f"line {instruction.line}: before FROM"
            key, _, value = instruction.arguments.partition("=")
            args[key] = value
        else:
            found[-1].instructions.append(instruction)
    return args, found


def env_of(stage: Stage) -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction in stage.instructions:
        if instruction.keyword == "ENV":
            for word in shlex.split(instruction.arguments):
                key, _, value = word.partition("=")
                env[key] = value
    return env


def copy_sources(instruction: Instruction) -> list[str]:
    words = instruction.arguments
    if words.startswith("["):
        parts: list[str] = json.loads(words)
    else:
        parts = shlex.split(words)
    return [p for p in parts if not p.startswith("--")][:-1]


def ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern decides; `!` re-includes."""
    verdict = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        pattern = pattern.removeprefix("!")
        candidates = [pattern, pattern.removeprefix("**/")]
        parts = Path(path).parts
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(fnmatch.fnmatchcase(p, c) for p in prefixes for c in candidates):
            verdict = not negated
    return verdict


@pytest.fixture(scope="module")
def parsed() -> list[Instruction]:
    return instructions(DOCKERFILE.read_text())


@pytest.fixture(scope="module")
def build_stages(parsed: list[Instruction]) -> list[Stage]:
    return stages(parsed)[1]


@pytest.fixture(scope="module")
def ignore_patterns() -> list[str]:
    lines = (line.strip() for line in DOCKERIGNORE.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def test_the_parser_joins_continuations_and_skips_comments() -> None:
    text = "# c\nFROM a:1 AS x\nRUN one \\\n  # inside\n    two\n\nUSER 1\n"
    assert instructions(text) == [
        Instruction("FROM", "a:1 AS x", 2),
        Instruction("RUN", "one two", 3),
        Instruction("USER", "1", 7),
    ]


def test_several_stages_from_base_images_pinned_by_version(build_stages: list[Stage]) -> None:
    assert len(build_stages) >= 2
    names = {s.name for s in build_stages if s.name}
    for stage in build_stages:
        if stage.image in names:
            continue
        _, _, tag = stage.image.partition(":")
        assert "@sha256:" in stage.image or re.match(r"\d+\.\d+\.\d+", tag), stage.image
        assert tag != "latest"
    # The final stage starts from a base image, not from the build stage with its tools.
    assert build_stages[-1].image not in names


def test_dependencies_come_from_the_lock_file(build_stages: list[Stage]) -> None:
    runs = [i.arguments for s in build_stages for i in s.instructions if i.keyword == "RUN"]
    syncs = [r for r in runs if "uv sync" in r]
    assert syncs and all("--locked" in r and "--no-dev" in r for r in syncs)
    # The workspace packages are installed as wheels: the final stage has no source tree.
    assert any("--no-editable" in r for r in syncs)
    assert any(re.search(r"uv==\d+\.\d+\.\d+", r) for r in runs), "uv itself is pinned"


def test_the_final_stage_runs_as_a_user_that_is_not_root(build_stages: list[Stage]) -> None:
    users = [i.arguments for i in build_stages[-1].instructions if i.keyword == "USER"]
    assert users, "the final stage sets no USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")


def test_read_only_root_filesystem(build_stages: list[Stage]) -> None:
    final = build_stages[-1]
    env = env_of(final)
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    volumes = [i.arguments for i in final.instructions if i.keyword == "VOLUME"]
    assert volumes == ['["/tmp"]']
    # Every place a process would write is inside the declared volume.
    for variable in ("HOME", "SENTRA_STATE_DIR", "SENTRA_CACHE_DIR", "SENTRA_SINKS_JOURNAL"):
        assert env[variable].startswith("/tmp"), variable


def test_every_process_listens_beyond_loopback(build_stages: list[Stage]) -> None:
    env = env_of(build_stages[-1])
    for name in PROCESSES:
        assert env[f"SENTRA_{name.upper()}_HTTP_HOST"] == "0.0.0.0"


def load_healthcheck() -> ModuleType:
    path = ROOT / "deploy" / "container" / "healthcheck.py"
    spec = importlib.util.spec_from_file_location("image_healthcheck", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_healthcheck_asks_each_process_its_health(build_stages: list[Stage]) -> None:
    final = build_stages[-1]
    (check,) = [i.arguments for i in final.instructions if i.keyword == "HEALTHCHECK"]
    assert check.split("CMD", 1)[1].strip() == '["python", "/app/healthcheck.py"]'
    healthcheck = load_healthcheck()
    # The same processes and default ports as the local runner, each by its module.
    assert healthcheck.DEFAULT_PORTS == DEFAULT_PORTS
    for name in PROCESSES:
        module = MODULES.get(name, f"sentra_{name}")
        assert healthcheck.process_name(["python", "-m", module]) == name
        assert importlib.util.find_spec(module) is not None
    assert healthcheck.process_name(["sentra-access", "apply"]) is None


def test_every_copy_source_exists_and_is_sent(
    parsed: list[Instruction], ignore_patterns: list[str]
) -> None:
    copies = [i for i in parsed if i.keyword in ("COPY", "ADD")]
    assert copies
    for copy in copies:
        if "--from=" in copy.arguments:
            continue
        for source in copy_sources(copy):
            assert (ROOT / source).exists(), f"line {copy.line}: {source} is not in the repository"
            assert not ignored(source, ignore_patterns), f"{source} is excluded from the context"
    # The workspace's members are all there, each with its manifest.
    manifests = {s for c in copies for s in copy_sources(c) if s.endswith("pyproject.toml")}
    workspace = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]
    members = {
        str(path.relative_to(ROOT))
        for pattern in workspace["members"]
        for path in ROOT.glob(f"{pattern}/pyproject.toml")
    }
    assert len(members) >= 8 and members <= manifests, members - manifests


def test_the_context_leaves_out_local_state(ignore_patterns: list[str]) -> None:
    for path in (".venv", ".sentra", ".git", ".venv/bin/python", "services/x/.venv"):
        assert ignored(path, ignore_patterns), path
    assert not ignored("shared/sentra_shared/topics.toml", ignore_patterns)
    assert not ignored("uv.lock", ignore_patterns)
