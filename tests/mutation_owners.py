"""A pytest plugin for `make mutation` only: each mutant runs the tests that own its rule.

mutmut runs, for every mutant, each test of its selection that called the mutated function.
The graders are called by every quiz test (starting, submitting, reviewing), so without this
a grader mutant would also run dozens of database tests, which are slow and are not where a
grading rule is pinned down. For the modules listed here only the owning test files run; a
mutant they do not kill counts as survived even if some integration test would notice it.
Modules not listed keep mutmut's own choice. mutmut names the mutant under test in the
``MUTANT_UNDER_TEST`` environment variable (module path, then function).

Loaded with ``-p tests.mutation_owners`` from ``[tool.mutmut] pytest_add_cli_args``.
"""

import os

OWNERS = {
    "assessments.graders.": (
        "tests/assessments/test_graders.py",
        "tests/assessments/test_mistakes.py",
    ),
    "assessments.services.review.": (
        "tests/assessments/test_review.py",
        "tests/assessments/test_result_next_steps.py",
    ),
    "assessments.services.attempts.": (
        "tests/assessments/test_attempts.py",
        "tests/assessments/test_mistakes.py",
    ),
    "assessments.selectors.": ("tests/assessments/test_access.py",),
}


def owning_tests(mutant: str) -> tuple[str, ...] | None:
    return next((files for prefix, files in OWNERS.items() if mutant.startswith(prefix)), None)


def pytest_collection_modifyitems(config, items):
    owners = owning_tests(os.environ.get("MUTANT_UNDER_TEST", ""))
    if owners is None:
        return
    kept = [item for item in items if item.nodeid.startswith(owners)]
    dropped = [item for item in items if not item.nodeid.startswith(owners)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
