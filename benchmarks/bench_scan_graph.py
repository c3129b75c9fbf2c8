"""`fundbot scan` on a 2,000-package tree with edges: CPU of scan, graph and weights (< 2 s).

Issue 10 made lockfiles carry edges and the scan walk them from the project's roots; the
plan then lets weight trickle down the graph. This generates, in a temporary directory, the
2,000-file monorepo of bench_scan_tree.py and, beside it, projects whose lockfiles record
edges, 2,000 locked packages in all: a Cargo workspace (1,000 crates, five member
manifests with runtime, dev and build sections), a poetry project (500 packages) and a uv
project (500 packages). It reports the median CPU time (`time.process_time`, so waiting on
the disk does not count) of `scan_tree`, of `build_graph` + `via`, and of the trickle-down
weights (`plan.build.weigh` with the default settings); the script exits 1 when their sum
is over 2 s.

    .venv/bin/python benchmarks/bench_scan_graph.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_cargo_lock import generate_lock
from bench_poetry_lock import _names, poetry_lock, uv_lock
from bench_scan_tree import build as build_plain_tree

from fundbot.config import default_config
from fundbot.graph import build_graph, via
from fundbot.model import Dependency
from fundbot.plan.build import weigh
from fundbot.scan import scan_tree

LIMIT = 2.0
CARGO_PACKAGES = 1000
PYTHON_PACKAGES = 500


def build(root: Path) -> int:
    """The plain tree plus three projects with edges; returns the number of files written."""
    count = build_plain_tree(root)
    cargo = root / "rust"
    cargo.mkdir()
    lock = generate_lock(CARGO_PACKAGES)
    (cargo / "Cargo.lock").write_text(lock)
    (cargo / "Cargo.toml").write_text('[workspace]\nmembers = ["m*"]\n')
    # The generator's members are every 500th crate; give each member manifest real sections.
    for n in range(5):
        member = cargo / f"m{n}"
        member.mkdir()
        first = n * 150 + 1
        runtime = "".join(f'crate-{i:05d} = "1"\n' for i in range(first, first + 60))
        dev = "".join(f'crate-{i:05d} = "1"\n' for i in range(first + 60, first + 120))
        build_deps = "".join(f'crate-{i:05d} = "1"\n' for i in range(first + 120, first + 150))
        (member / "Cargo.toml").write_text(
            f'[package]\nname = "m{n}"\nversion = "0.1.0"\n[dependencies]\n{runtime}'
            f"[dev-dependencies]\n{dev}[build-dependencies]\n{build_deps}"
        )
    count += 7
    for name, text in (
        ("poetry.lock", poetry_lock(PYTHON_PACKAGES)),
        ("uv.lock", uv_lock(PYTHON_PACKAGES)),
    ):
        project = root / name.split(".")[0]
        project.mkdir()
        (project / name).write_text(text)
        # The poetry project's own declarations: its first 40 packages are direct.
        declared = ", ".join(f'"{n}"' for n in _names(PYTHON_PACKAGES)[:40])
        (project / "pyproject.toml").write_text(
            f'[project]\nname = "app"\ndependencies = [{declared}]\n'
        )
        count += 2
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    config = default_config()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = build(root)
        scans: list[float] = []
        graphs: list[float] = []
        weights: list[float] = []
        deps: tuple[Dependency, ...] = ()
        for _ in range(args.runs):
            started = time.process_time()
            deps = scan_tree(root).dependencies
            scans.append(time.process_time() - started)
            started = time.process_time()
            via(build_graph(deps))
            graphs.append(time.process_time() - started)
            started = time.process_time()
            weigh({"acme/monorepo": deps}, config)
            weights.append(time.process_time() - started)
    locked = [d for d in deps if d.requires is not None]
    edges = sum(len(d.requires or ()) for d in locked)
    scan, graph, weight = (statistics.median(t) for t in (scans, graphs, weights))
    total = scan + graph + weight
    print(f"files in tree:             {files}")
    print(f"dependencies found:        {len(deps)} ({len(locked)} locked with {edges} edges)")
    print(f"scan_tree CPU:             {scan:.3f} s")
    print(f"build_graph + via CPU:     {graph:.3f} s")
    print(f"trickle weights CPU:       {weight:.3f} s")
    print(f"total, median of {args.runs}:       {total:.3f} s (limit {LIMIT} s)")
    return 1 if total > LIMIT else 0


if __name__ == "__main__":
    sys.exit(main())
