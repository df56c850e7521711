"""Time from `make run` to the first page that shows listings, on a fresh clone.

    python benchmarks/first_page.py [--repeat 3] [--port 8765] [--json out.json]

Cold: `git clone` of this repository into a scratch folder, then `make run`
(create .venv, install, migrate, seed the demo data, serve). Warm: stop it and
run `make run` again in the same clone (installed and seeded already).
Phases are cut where make echoes the next command. pip's download cache in
~/.cache/pip is left alone, so "cold" means a new clone, not an empty cache.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKERS = {"resale db upgrade": "install", "resale seed": "migrate", "resale serve": "seed"}


def _first_page(url: str, deadline: float) -> bool:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (local URL)
                if response.status == 200 and b'class="card"' in response.read():
                    return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def run_once(clone: Path, port: int, timeout: float) -> dict[str, float]:
    """Start `make run` in ``clone``; return seconds per phase and in total."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESALE_")}
    start = time.monotonic()
    process = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    cuts: dict[str, float] = {}
    output: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            for marker, phase in MARKERS.items():
                if marker in line and phase not in cuts:
                    cuts[phase] = time.monotonic() - start

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    ok = _first_page(f"http://127.0.0.1:{port}/", start + timeout)
    total = time.monotonic() - start
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)
    if not ok:
        raise SystemExit("no page within the timeout; make run printed:\n" + "".join(output[-40:]))
    figures = {"total_s": total}
    previous = 0.0
    for phase in ("install", "migrate", "seed"):
        if phase in cuts:
            figures[f"{phase}_s"] = cuts[phase] - previous
            previous = cuts[phase]
    figures["serve_s"] = total - previous
    return figures


def _summary(runs: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    keys = sorted({k for run in runs for k in run})
    out = {}
    for key in keys:
        values = sorted(run[key] for run in runs if key in run)
        p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
        out[key] = {"median": statistics.median(values), "p95": p95, "n": len(values)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    cold: list[dict[str, float]] = []
    warm: list[dict[str, float]] = []
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="resale-first-page-") as tmp:
            clone = Path(tmp) / "resale"
            subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
            cold.append(run_once(clone, args.port, args.timeout))
            warm.append(run_once(clone, args.port, args.timeout))
        print(
            f"run {i + 1}: cold {cold[-1]['total_s']:.1f} s, warm {warm[-1]['total_s']:.1f} s",
            flush=True,
        )
    result = {"cold": _summary(cold), "warm": _summary(warm), "runs": {"cold": cold, "warm": warm}}
    print(f"\n{'':8}{'phase':10}{'median s':>10}{'p95 s':>10}")
    for label in ("cold", "warm"):
        for key, stats in result[label].items():
            print(
                f"{label:8}{key.removesuffix('_s'):10}{stats['median']:>10.1f}{stats['p95']:>10.1f}"
            )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
