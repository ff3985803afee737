"""`sentra-cluster`: generate, render and check the Kubernetes manifests.

sentra-cluster generate [--check]    write deploy/kubernetes/base/generated/ from topics.toml
                                     and access.toml (--check: change nothing, exit 1 if stale)
sentra-cluster tools                 build the pinned tools and CRD schemas that are missing
sentra-cluster render OVERLAY        print the overlay's rendered YAML
sentra-cluster validate [PATH...]    check overlays (default: every one) or YAML files;
                                     exit 1 with one line per problem
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sentra_shared.access import AccessFileError

from sentra_cluster import generate
from sentra_cluster import render as rendering
from sentra_cluster.tools import ToolError


def _counts(objects: list[dict[str, Any]]) -> str:
    by_kind = Counter(str(o.get("kind")) for o in objects)
    return ", ".join(f"{kind} {n}" for kind, n in sorted(by_kind.items()))


def cmd_tools(args: list[str]) -> int:
    from sentra_cluster.operators import every_build

    for build in every_build():
        folder, took = build.ensure()
        state = "cached" if took is None else f"built in {took:.0f}s"
        print(f"{build.name:<28} {state:<16} {folder}")
    return 0


def cmd_render(args: list[str]) -> int:
    if len(args) != 1:
        print("usage: sentra-cluster render OVERLAY", file=sys.stderr)
        return 2
    try:
        text = rendering.render_text(Path(args[0]))
    except rendering.RenderError as e:
        print(e, file=sys.stderr)
        return 1
    sys.stdout.write(text)
    print(f"{args[0]}: {_counts(rendering.parse(text))}", file=sys.stderr)
    return 0


def cmd_validate(args: list[str]) -> int:
    from sentra_cluster.operators import operator_crds
    from sentra_cluster.validate import Schemas, validate_objects

    targets = [Path(a) for a in args] or rendering.overlays()
    if not targets:
        print(f"no overlay under {rendering.overlays_dir()}", file=sys.stderr)
        return 1
    schemas = Schemas(operator_crds())
    failed = False
    for target in targets:
        try:
            if target.is_file():
                objects = rendering.parse(target.read_text())
            else:
                objects = rendering.render(target)
        except rendering.RenderError as e:
            print(f"{target}: cannot render: {e}")
            failed = True
            continue
        problems = validate_objects(objects, str(target), schemas)
        for problem in problems:
            print(problem)
        if not objects:
            print(f"{target}: renders no object")
        failed = failed or bool(problems) or not objects
        if objects and not problems:
            print(f"ok {target}: {len(objects)} objects ({_counts(objects)})")
    return 1 if failed else 0


def cmd_generate(args: list[str]) -> int:
    if args not in ([], ["--check"]):
        print("usage: sentra-cluster generate [--check]", file=sys.stderr)
        return 2
    if args:
        problems = generate.check()
        for problem in problems:
            print(f"{generate.GENERATED_DIR}/{problem}", file=sys.stderr)
        if problems:
            print("run `sentra-cluster generate` and commit the result", file=sys.stderr)
            return 1
        print(f"{generate.GENERATED_DIR}: up to date")
        return 0
    changed = generate.write()
    print(f"{generate.GENERATED_DIR}: {', '.join(changed) if changed else 'unchanged'}")
    return 0


COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "generate": cmd_generate,
    "tools": cmd_tools,
    "render": cmd_render,
    "validate": cmd_validate,
}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        return COMMANDS[args[0]](args[1:])
    except (ToolError, AccessFileError) as e:
        # AccessFileError: generate read an access.toml it refuses; nothing was written.
        print(f"sentra-cluster: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
