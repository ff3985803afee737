"""A project-local PostgreSQL cluster (initdb + pg_ctl) on loopback, no system service.

Uses the machine's PostgreSQL server binaries; as root on Debian they are installed
with apt when missing. Runs as the `postgres` user when we are root, because initdb
refuses to run as root.
"""

from __future__ import annotations

import asyncio
import glob
import hashlib
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from sentra_local.processes import StartupError, port_open, tail

SUPERUSER = "sentra"


def server_bindir() -> Path | None:
    """The directory holding initdb/pg_ctl/postgres, newest version first."""
    configured = os.environ.get("SENTRA_PG_BINDIR")
    if configured:
        return Path(configured)
    found = shutil.which("pg_ctl")
    if found and (Path(found).resolve().parent / "initdb").exists():
        return Path(found).resolve().parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name),
        reverse=True,
    )
    return Path(candidates[0]).parent if candidates else None


def _is_debian() -> bool:
    return Path("/etc/debian_version").exists() and shutil.which("apt-get") is not None


def ensure_server_binaries() -> Path:
    bindir = server_bindir()
    if bindir is not None:
        return bindir
    if os.geteuid() == 0 and _is_debian():
        print("sentra-local: installing the PostgreSQL server (apt-get install postgresql)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", "postgresql"],
            check=True,
            env=env,
        )
        bindir = server_bindir()
        if bindir is not None:
            return bindir
    raise StartupError(
        "The PostgreSQL server binaries (initdb, pg_ctl) were not found. Install them, e.g. "
        "'sudo apt-get install postgresql' on Debian/Ubuntu, or set SENTRA_PG_BINDIR to the "
        "directory that holds initdb and pg_ctl."
    )


def _run_as() -> str | None:
    """initdb and postgres refuse root; run them as the 'postgres' user instead."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError as missing:
        raise StartupError(
            "Running as root needs a 'postgres' system user for the database server "
            "(created by Debian's postgresql package)."
        ) from missing
    return "postgres"


def _traversable_by_others(path: Path) -> bool:
    for parent in [path, *path.parents]:
        if parent.exists() and not parent.stat().st_mode & 0o001:
            return False
    return True


def reachable_home(preferred: Path) -> Path:
    """Where the cluster can live: below the clone when the server user can reach it.

    As root the server runs as 'postgres', which cannot enter a clone below a private
    directory (e.g. /root); then the cluster lives under /var/tmp, named after the clone.
    """
    if _run_as() is None or _traversable_by_others(preferred):
        return preferred
    digest = hashlib.sha256(str(preferred.resolve()).encode()).hexdigest()[:12]
    return Path("/var/tmp") / f"sentra-postgres-{digest}"


@dataclass(frozen=True)
class PostgresCluster:
    home: Path
    port: int
    host: str = "127.0.0.1"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def log_file(self) -> Path:
        return self.home / "postgres.log"

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def _command(self, *argv: str) -> list[str]:
        user = _run_as()
        return ["runuser", "-u", user, "--", *argv] if user else list(argv)

    def _prepare_home(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "socket").mkdir(exist_ok=True)
        user = _run_as()
        if user:
            entry = pwd.getpwnam(user)
            for path in (self.home, self.home / "socket"):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            # The server user must be able to reach its data below the clone.
            parent = self.home.parent
            while parent != parent.parent:
                mode = parent.stat().st_mode
                if not mode & 0o001:
                    raise StartupError(
                        f"{parent} is not traversable by the '{user}' user; "
                        "set SENTRA_STATE_DIR to a directory it can reach."
                    )
                parent = parent.parent

    def running(self) -> bool:
        bindir = server_bindir()
        if bindir is None or not (self.data_dir / "PG_VERSION").exists():
            return False
        status = subprocess.run(
            self._command(str(bindir / "pg_ctl"), "-D", str(self.data_dir), "status"),
            capture_output=True,
            check=False,
        )
        return status.returncode == 0

    def start(self, timeout: float = 60.0) -> bool:
        """Start the cluster unless it already runs; True if this call started it."""
        bindir = ensure_server_binaries()
        if self.running():
            return False
        if port_open(self.host, self.port):
            raise StartupError(
                f"Port {self.port} on {self.host} is taken by another process; "
                "set SENTRA_PG_PORT to a free port."
            )
        self._prepare_home()
        if not (self.data_dir / "PG_VERSION").exists():
            initdb = subprocess.run(
                self._command(
                    str(bindir / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    SUPERUSER,
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ),
                capture_output=True,
                text=True,
                check=False,
            )
            if initdb.returncode != 0:
                raise StartupError(f"initdb failed:\n{initdb.stdout}\n{initdb.stderr}")
        options = (
            f"-p {self.port} -k {self.home / 'socket'} -c listen_addresses={self.host} "
            "-c max_connections=200 -c fsync=on"
        )
        started = subprocess.run(
            self._command(
                str(bindir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-o",
                options,
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                str(int(timeout)),
                "start",
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        if started.returncode != 0:
            raise StartupError(
                f"PostgreSQL did not start:\n{started.stderr}\nLog:\n{tail(self.log_file)}"
            )
        return True

    def stop(self) -> bool:
        bindir = server_bindir()
        if bindir is None or not self.running():
            return False
        subprocess.run(
            self._command(
                str(bindir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"
            ),
            capture_output=True,
            check=True,
        )
        return True

    def ensure_databases(self, names: list[str]) -> None:
        asyncio.run(self.create_missing_databases(names))

    async def create_missing_databases(self, names: list[str]) -> None:
        conn = await asyncpg.connect(self.dsn())
        try:
            existing = {r["datname"] for r in await conn.fetch("SELECT datname FROM pg_database")}
            for name in names:
                if name not in existing:
                    # Identifiers cannot be bound as parameters; names come from our own list.
                    await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    async def recreate_databases(self, names: list[str]) -> None:
        """Drop and create: a clean slate for a test."""
        conn = await asyncpg.connect(self.dsn())
        try:
            for name in names:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()


def cluster_from_env(home: Path) -> PostgresCluster:
    return PostgresCluster(
        home=reachable_home(home), port=int(os.environ.get("SENTRA_PG_PORT", "15432"))
    )
