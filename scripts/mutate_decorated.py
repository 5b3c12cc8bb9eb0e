"""Mutation testing for the decorated functions mutmut skips.

mutmut 3 does not mutate decorated functions (its trampoline replaces the function object),
so properties such as ``CourseProgress.eligible_for_completion`` and ``percent`` and the
``@_exact`` graders would never be mutated. This runner covers exactly those: it applies one
AST mutation at a time to a named function in a temporary copy of the project, runs the
named tests there and reports killed / survived with line numbers.

Operators: comparison swaps (``<``/``<=``, ``>``/``>=``, ``==``/``!=``, ``in``/``not in``,
``is``/``is not``), ``and``/``or``, ``+``/``-``, ``*``/``/``/``//``, ``not x`` → ``x``, integer
constants ±1, ``True``/``False``, ``ROUND_HALF_UP``/``ROUND_HALF_EVEN``, a ``return`` of
None, and removal of a statement (replaced by ``pass``).

    python scripts/mutate_decorated.py            # every target below
    python scripts/mutate_decorated.py --list     # the mutants, without running tests
"""

import argparse
import ast
import copy
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (file, qualified function name, tests that own it)
PROGRESS_TESTS = ["tests/courses/test_progress.py"]
GRADER_TESTS = ["tests/assessments/test_graders.py"]
TARGETS = [
    ("courses/progress.py", "CourseProgress.percent", PROGRESS_TESTS),
    ("courses/progress.py", "CourseProgress.eligible_for_completion", PROGRESS_TESTS),
    ("courses/progress.py", "CourseProgress.started", PROGRESS_TESTS),
    ("courses/progress.py", "CourseProgress.resume_step", PROGRESS_TESTS),
    ("courses/progress.py", "Step.label", PROGRESS_TESTS),
    ("assessments/graders.py", "_exact", GRADER_TESTS),
    ("assessments/graders.py", "grade_single_choice", GRADER_TESTS),
    ("assessments/graders.py", "grade_multiple_response", GRADER_TESTS),
    ("assessments/graders.py", "grade_true_false", GRADER_TESTS),
    ("assessments/graders.py", "grade_short_answer", GRADER_TESTS),
    ("assessments/graders.py", "grade_numeric", GRADER_TESTS),
    ("assessments/graders.py", "grade_matching", GRADER_TESTS),
    ("assessments/graders.py", "grade_essay", GRADER_TESTS),
    ("assessments/graders.py", "grade_rubric", GRADER_TESTS),
    ("assessments/graders.py", "correct_response", GRADER_TESTS),
    ("assessments/graders.py", "weights_sum_to_one", GRADER_TESTS),
]

COMPARE_SWAPS = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
BINOP_SWAPS = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
}
NAME_SWAPS = {"ROUND_HALF_UP": "ROUND_HALF_EVEN", "ROUND_HALF_EVEN": "ROUND_HALF_UP"}


def _find(tree: ast.Module, qualname: str) -> ast.FunctionDef:
    scope: list[ast.stmt] = tree.body
    parts = qualname.split(".")
    for index, part in enumerate(parts):
        wanted = ast.FunctionDef if index == len(parts) - 1 else ast.ClassDef
        node = next(n for n in scope if isinstance(n, wanted) and n.name == part)
        scope = node.body
    return node


def _mutations(function: ast.FunctionDef):
    """Yield (line, description, apply) where apply(node_copy) mutates the copied node."""
    nodes = [n for stmt in function.body for n in ast.walk(stmt)]
    for position, node in enumerate(nodes):
        line = getattr(node, "lineno", function.lineno)
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in COMPARE_SWAPS:
                    new = COMPARE_SWAPS[type(op)]
                    yield line, f"{type(op).__name__} -> {new.__name__}", (position, "op", i, new)
        elif isinstance(node, ast.BoolOp):
            new = ast.Or if isinstance(node.op, ast.And) else ast.And
            yield line, f"{type(node.op).__name__} -> {new.__name__}", (position, "boolop", None, new)
        elif isinstance(node, ast.BinOp) and type(node.op) in BINOP_SWAPS:
            new = BINOP_SWAPS[type(node.op)]
            yield line, f"{type(node.op).__name__} -> {new.__name__}", (position, "binop", None, new)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield line, "not x -> x", (position, "not", None, None)
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool):
                yield line, f"{node.value} -> {not node.value}", (position, "const", None, not node.value)
            elif isinstance(node.value, int):
                for delta in (1, -1):
                    new_value = node.value + delta
                    yield line, f"{node.value} -> {new_value}", (position, "const", None, new_value)
        elif isinstance(node, ast.Name) and node.id in NAME_SWAPS:
            yield line, f"{node.id} -> {NAME_SWAPS[node.id]}", (position, "name", None, NAME_SWAPS[node.id])
        if isinstance(node, ast.Return) and node.value is not None:
            yield line, "return None", (position, "return_none", None, None)
        is_docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if (
            isinstance(node, ast.stmt)
            and not isinstance(node, ast.Return | ast.FunctionDef)
            and not is_docstring
        ):
            yield line, f"remove {type(node).__name__} statement", (position, "remove", None, None)


def _apply(tree: ast.Module, qualname: str, mutation) -> ast.Module:
    tree = copy.deepcopy(tree)
    function = _find(tree, qualname)
    position, kind, index, new = mutation
    nodes = [n for stmt in function.body for n in ast.walk(stmt)]
    node = nodes[position]
    if kind == "op":
        node.ops[index] = new()
    elif kind in ("boolop", "binop"):
        node.op = new()
    elif kind == "const":
        node.value = new
    elif kind == "name":
        node.id = new
    elif kind == "return_none":
        node.value = None
    elif kind in ("not", "remove"):
        replacement = node.operand if kind == "not" else ast.Pass()
        for parent in [function, *nodes]:
            for field, value in ast.iter_fields(parent):
                if value is node:
                    setattr(parent, field, replacement)
                elif isinstance(value, list) and any(item is node for item in value):
                    setattr(parent, field, [replacement if item is node else item for item in value])
    return ast.fix_missing_locations(tree)


def _copy_project(destination: Path) -> None:
    ignore = shutil.ignore_patterns(".git", "mutants", "var", "__pycache__", ".hypothesis", "node_modules")
    for name in ("manage.py", "pyproject.toml"):
        shutil.copy2(ROOT / name, destination / name)
    for name in ("training_site", "courses", "certificates", "assessments", "content", "tests"):
        shutil.copytree(ROOT / name, destination / name, ignore=ignore)


def _run_tests(workdir: Path, tests: list[str], timeout: float) -> str:
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-m", "not services and not e2e"]
    # A migrated test database kept in the copy's var/ (see tests/settings_mutation.py).
    command += ["--ds=tests.settings_mutation", "--reuse-db", *tests]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        result = subprocess.run(  # noqa: S603 -- our own interpreter and test paths
            command, cwd=workdir, env=env, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return "timeout"
    return {0: "survived", 1: "killed"}.get(result.returncode, f"error {result.returncode}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--only", help="run only targets whose qualified name contains this")
    args = parser.parse_args()
    targets = [t for t in TARGETS if not args.only or args.only in t[1]]
    totals: dict[str, dict[str, int]] = {}
    survivors = []
    with tempfile.TemporaryDirectory(prefix="mutate-decorated-") as tmp:
        workdir = Path(tmp)
        if not args.list:
            _copy_project(workdir)
        baseline: dict[tuple[str, ...], float] = {}
        for path, qualname, tests in targets:
            source = (ROOT / path).read_text()
            tree = ast.parse(source)
            function = _find(tree, qualname)
            mutations = list(_mutations(function))
            if args.list:
                for line, description, _mutation in mutations:
                    print(f"{path}:{line} {qualname}: {description}")
                continue
            key = tuple(tests)
            if key not in baseline:
                started = time.monotonic()
                if _run_tests(workdir, tests, timeout=1800) != "survived":
                    print(f"the clean run of {tests} fails: fix it first", file=sys.stderr)
                    return 2
                baseline[key] = time.monotonic() - started
            counts = totals.setdefault(path, {"killed": 0, "survived": 0})
            for line, description, mutation in mutations:
                mutated = ast.unparse(_apply(tree, qualname, mutation))
                (workdir / path).write_text(mutated)
                outcome = _run_tests(workdir, tests, timeout=baseline[key] * 5 + 30)
                (workdir / path).write_text(source)
                killed = outcome != "survived"
                counts["killed" if killed else "survived"] += 1
                print(f"{outcome:9} {path}:{line} {qualname}: {description}", flush=True)
                if not killed:
                    survivors.append(f"{path}:{line} {qualname}: {description}")
    if args.list:
        return 0
    print("\nsummary (decorated functions)")
    for path, counts in totals.items():
        total = counts["killed"] + counts["survived"]
        print(f"  {path}: {total} mutants, {counts['killed']} killed, {counts['survived']} survived")
    for survivor in survivors:
        print(f"  survived: {survivor}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
