"""Schemathesis against a real server: the OpenAPI document is fed back to the API it describes.

``fuzz(server, token, examples=N)`` runs the schemathesis CLI with every check against
``server``'s ``/api/v1/openapi.json`` as the holder of ``token`` and returns the parsed outcome.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class FuzzOutcome:
    returncode: int
    output: str
    requests: int = 0
    operations: int = 0
    server_errors: int = 0
    failures: Counter = field(default_factory=Counter)  # check name -> failing cases


def fuzz(
    url: str, token: str, *, examples: int, workdir: Path, label: str, extra: tuple[str, ...] = ()
) -> FuzzOutcome:
    """Run schemathesis (every check, ``examples`` cases per operation) and parse its report."""
    ndjson = workdir / f"{label}.ndjson"
    cmd = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{url}/api/v1/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(examples),
        "--header",
        f"Authorization: Bearer {token}",
        "--workers",
        "2",
        "--seed",
        "20261130",
        "--generation-deterministic",
        "--no-shrink",
        "--no-color",
        "--output-truncate",
        "true",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(ndjson),
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
        *extra,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=workdir)  # noqa: S603
    outcome = FuzzOutcome(proc.returncode, proc.stdout + proc.stderr)
    _read_events(ndjson, outcome)
    return outcome


def _read_events(path: Path, outcome: FuzzOutcome) -> None:
    if not path.exists():
        return
    for line in path.read_text().splitlines():
        event = json.loads(line)
        for kind, data in event.items():
            if kind == "ScenarioFinished":
                _count_scenario(data, outcome)
            elif kind == "LoadingFinished":
                operations = (data.get("statistic") or {}).get("operations") or {}
                outcome.operations = operations.get("selected", 0)


def _count_scenario(data: dict, outcome: FuzzOutcome) -> None:
    recorder = data.get("recorder") or {}
    interactions = recorder.get("interactions") or {}
    outcome.requests += len(interactions)
    for item in interactions.values():
        response = item.get("response") or {}
        if response.get("status_code", 0) >= 500:
            outcome.server_errors += 1
    for checks in (recorder.get("checks") or {}).values():
        for check in checks:
            if check.get("status") == "failure":
                outcome.failures[check.get("name")] += 1
