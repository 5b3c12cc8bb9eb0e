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
import resource

OWNERS = {
    "training_site.readiness.rules.": ("tests/readiness/test_rules.py",),
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


# The graders are pure: their owning tests take about 5 CPU seconds, so a grader mutant still
# running after this many more is an endless loop (several _glob_match and _compile_pattern
# mutants never advance their index). mutmut's own limit would let each run for about a
# minute of CPU. The process gets SIGXCPU, which mutmut records as a timeout.
PURE_CPU_SECONDS = {"assessments.graders.": 30}


def owning_tests(mutant: str) -> tuple[str, ...] | None:
    return next((files for prefix, files in OWNERS.items() if mutant.startswith(prefix)), None)


def pytest_configure(config):
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    seconds = next((s for prefix, s in PURE_CPU_SECONDS.items() if mutant.startswith(prefix)), None)
    if seconds is None:
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    limit = int(usage.ru_utime + usage.ru_stime) + seconds
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if soft == resource.RLIM_INFINITY or limit < soft:
        resource.setrlimit(resource.RLIMIT_CPU, (limit, hard))


def pytest_collection_modifyitems(config, items):
    owners = owning_tests(os.environ.get("MUTANT_UNDER_TEST", ""))
    if owners is None:
        return
    kept = [item for item in items if item.nodeid.startswith(owners)]
    dropped = [item for item in items if not item.nodeid.startswith(owners)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
