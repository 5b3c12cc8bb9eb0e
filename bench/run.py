"""`make bench`: every benchmark section, one table, bench/results.json.

    python bench/run.py                 # every section in SECTIONS
    python bench/run.py pages quiz      # only these

Each section (a module of this package with ``run() -> list[dict]``, rows as described in
bench/common.py) measures ratios against baselines taken in the same run, interleaved, as
medians of at least 7 rounds after a warm-up, on data it generates itself. A section whose
module does not exist yet is skipped with a note. Exits 1 when any goal is missed.

The driver prepares Django once for every section: the bench settings (test settings plus a
bare view, bench/settings.py) and a private, empty VAR_DIR, so the SQLite database a section
migrates and fills is its own and is removed at the end.
"""

import importlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, sys.path[0] is bench/ itself, where bench/certificates.py would shadow the
# certificates app: the project root takes its place.
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)
else:
    sys.path.insert(0, str(ROOT))

SECTIONS = ["certificates", "pages", "quiz", "burst", "exports"]
RESULTS = ROOT / "bench" / "results.json"


def django_setup(var_dir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["VAR_DIR"] = var_dir
    # Benchmarks measure the embedded default: no Redis, no external database in-process.
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    import django

    django.setup()


def print_table(rows: list[dict]) -> None:
    header = f"{'id':<4} {'subject':<58} {'baseline':<40} {'ratio':>8} {'goal':>9}  result"
    print(header)
    print("-" * len(header))
    for item in rows:
        sign = "≥" if item.get("goal_kind") == "min" else "≤"
        print(
            f"{item['id']:<4} {item['subject'][:58]:<58} {item['baseline'][:40]:<40} "
            f"{item['ratio']:>8.2f} {sign + ' ' + format(item['goal'], 'g'):>9}  "
            f"{'met' if item['met'] else 'MISSED'}"
        )


def main(argv: list[str]) -> int:
    names = argv or SECTIONS
    unknown = [name for name in names if name not in SECTIONS]
    if unknown:
        print(f"Unknown section(s): {', '.join(unknown)}. Sections: {', '.join(SECTIONS)}.")
        return 2
    var_dir = tempfile.mkdtemp(prefix="academy-bench-")
    rows: list[dict] = []
    failed: list[str] = []
    started = time.monotonic()
    try:
        django_setup(var_dir)
        for name in names:
            try:
                module = importlib.import_module(f"bench.{name}")
            except ModuleNotFoundError as error:
                if error.name != f"bench.{name}":
                    raise
                print(f"note: section {name!r} skipped: bench/{name}.py does not exist yet.", file=sys.stderr)
                continue
            print(f"== {name}", file=sys.stderr, flush=True)
            section_start = time.monotonic()
            try:
                section_rows = module.run()
            except Exception:
                traceback.print_exc()
                failed.append(name)
                continue
            for item in section_rows:
                item["section"] = name
            rows.extend(section_rows)
            print(f"   {name}: {time.monotonic() - section_start:.0f} s", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    print()
    print_table(rows)
    for item in rows:
        print(f"  {item['id']} {item['subject']}: {item['detail']}")
    missed = [item for item in rows if not item["met"]]
    print()
    if failed:
        print(f"Section(s) failed: {', '.join(failed)}.")
    print("All goals met." if not missed else f"{len(missed)} goal(s) missed.")
    RESULTS.write_text(
        json.dumps(
            {
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "load_average": os.getloadavg(),
                },
                "seconds": round(time.monotonic() - started),
                "sections": names,
                "failed": failed,
                "rows": rows,
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    return 1 if missed or failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
