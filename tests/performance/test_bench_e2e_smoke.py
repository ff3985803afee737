"""`make bench-e2e` end to end, tiny: a fresh stack, one step of 15 applications, and the
JSON it writes holds a step whose every column was measured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sentra_local.bench_e2e import main
from sentra_local.load_report import PROCESS_ORDER
from sentra_local.load_steps import WARM_UP_RATE

pytestmark = [pytest.mark.slow, pytest.mark.timeout(150)]


def test_one_small_step_on_a_fresh_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The bench's stack and the fleet's files under this test's own directory.
    monkeypatch.setenv("SENTRA_STATE_DIR", str(tmp_path / "state"))
    output = tmp_path / "e2e.json"

    # A generous drain: the machine may be busy with other work; the pass rule itself is
    # tested on its own (test_load_rules.py).
    args = ["--rates", "5", "--duration", "3", "--drain", "40", "--no-search"]
    args += ["--warmup", "1", "--idle", "1"]
    assert main([*args, "--output", str(output)]) == 0

    document = json.loads(output.read_text())
    assert document["machine"]["cpu_count"] >= 1
    assert document["arguments"]["rates"] == [5.0]
    warm_up = document["warm_up"]
    assert warm_up["completed"] == warm_up["applications"] == round(WARM_UP_RATE * 1)
    assert set(document["idle_cpu_ms_per_s"]) == set(PROCESS_ORDER)
    assert sum(document["idle_cpu_ms_per_s"].values()) > 0
    (step,) = document["steps"]
    assert step["rate"] == 5
    assert step["submitted"] == 15
    assert step["post_errors"] == 0
    assert step["completed"] == 15, step["post_error_samples"]
    assert 0 < step["p50_ms"] <= step["p95_ms"] <= step["p99_ms"]
    assert step["completions_per_s"] > 0
    cpu = step["cpu_ms_per_app"]
    assert set(cpu) == {*PROCESS_ORDER, "total"}
    assert all(cpu[process] > 0 for process in PROCESS_ORDER), cpu
    assert cpu["total"] == pytest.approx(sum(cpu[p] for p in PROCESS_ORDER), rel=1e-3)
    # Each application is at least submitted, verified or decided, and told: several
    # transactions and several records each.
    assert step["pg_transactions_per_app"] > 1
    assert step["kafka_records_per_app"] > 1
    # Nothing of the bench's stack is left behind.
    assert not (tmp_path / "state" / "bench" / "e2e").exists()
