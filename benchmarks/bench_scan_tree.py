"""scan_tree over a 2,000-file monorepo: walking, matching and parsing (target: under 2 s).

The tree is generated in a temporary directory: 2,000 files in 200 packages, each package
holding nine source files and one real dependency file (copied from the test fixtures,
cycling through every ecosystem), plus a node_modules folder that must not be walked.

    .venv/bin/python benchmarks/bench_scan_tree.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from fundbot.scan import scan_tree, scanner_for

FIXTURES = Path(__file__).parent.parent / "tests" / "fixtures" / "manifests"
MAX_FIXTURE = 300_000  # keep the tree "a repository", not a lockfile benchmark


def manifests() -> list[tuple[str, bytes]]:
    found = []
    for path in sorted(FIXTURES.rglob("*")):
        if path.is_file() and scanner_for(path.name) and path.stat().st_size < MAX_FIXTURE:
            found.append((path.name, path.read_bytes()))
    return found


def build(root: Path) -> int:
    files = manifests()
    count = 0
    for n in range(200):
        package = root / "packages" / f"pkg{n:03d}"
        (package / "src").mkdir(parents=True)
        name, data = files[n % len(files)]
        if "/" in name:
            name = name.rsplit("/", 1)[1]
        (package / name).write_bytes(data)
        count += 1
        for m in range(9):
            (package / "src" / f"module{m}.py").write_text(f"VALUE = {m}\n" * 20)
            count += 1
        # Vendored dependencies must be skipped without being walked into.
        (package / "node_modules" / "left-pad").mkdir(parents=True)
        (package / "node_modules" / "left-pad" / "package.json").write_text("{}")
    return count


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = build(root)
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            result = scan_tree(root)
            timings.append(time.perf_counter() - started)
        print(f"files in tree:            {files} (+200 under node_modules)")
        print(f"dependency files parsed:  {result.files_scanned}")
        print(f"dependencies found:       {len(result.dependencies)}")
        print(f"files with errors:        {len(result.errors)}")
        print(f"scan_tree median of 5:    {statistics.median(timings):.3f} s (target < 2 s)")


if __name__ == "__main__":
    main()
