"""Per-module counts of a `make mutation` run, read from mutmut's results in mutants/.

Counts only the mutants the run was asked for (the same name patterns as the Makefile), so a
function left out of scope (say ``enrollment_create``) does not count either way. A timeout
counts as killed (the mutant made the tests hang); "no tests" counts as survived.
"""

import fnmatch
import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code


def main(patterns: list[str]) -> int:
    by_module: dict[str, Counter] = {}
    survivors = []
    for meta in sorted(Path("mutants").rglob("*.meta")):
        module = str(meta.relative_to("mutants")).removesuffix(".meta")
        exit_codes = json.loads(meta.read_text())["exit_code_by_key"]
        for name, exit_code in exit_codes.items():
            if not any(fnmatch.fnmatch(name, pattern) for pattern in patterns):
                continue
            status = "not run" if exit_code is None else status_by_exit_code[exit_code]
            if status == "timeout":
                status = "killed"
            by_module.setdefault(module, Counter())[status] += 1
            if status != "killed":
                survivors.append(f"{status:9} {name}")
    for module, counts in by_module.items():
        total = sum(counts.values())
        killed = counts["killed"]
        share = 100 * killed / total if total else 0
        details = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()) if status != "killed")
        print(f"{module}: {total} mutants, {killed} killed ({share:.1f}%){'; ' + details if details else ''}")
    for survivor in survivors:
        print(f"  {survivor}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
