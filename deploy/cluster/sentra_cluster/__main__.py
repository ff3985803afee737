"""`sentra-cluster`: generate, render and check the Kubernetes manifests."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    print(f"sentra-cluster: nothing here yet ({' '.join(args)})", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
