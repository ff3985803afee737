"""`sentra-cluster`: generate, render and check the Kubernetes manifests."""

from __future__ import annotations

import argparse
import sys

from sentra_cluster import generate


def _generate(args: argparse.Namespace) -> int:
    if args.check:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sentra-cluster", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    generating = commands.add_parser(
        "generate",
        help="write deploy/kubernetes/base/generated/ from topics.toml and access.toml",
    )
    generating.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 when the files are stale"
    )
    generating.set_defaults(run=_generate)
    args = parser.parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
