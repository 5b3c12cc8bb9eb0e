import ast
from pathlib import Path

import pytest

import assessments

MIGRATIONS = sorted((Path(assessments.__file__).parent / "migrations").glob("0*.py"))


@pytest.mark.parametrize("path", MIGRATIONS, ids=lambda p: p.name)
def test_assessments_migrations_import_no_application_code(path):
    """A migration freezes what it needs: importing live code (group names, helpers) would
    break old migrations when that code changes."""
    tree = ast.parse(path.read_text())
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in getattr(node, "names", [])
    ]
    assert imported
    assert [
        name
        for name in imported
        if name
        and name.split(".")[0]
        not in {"django", "wagtail", "modelcluster", "taggit", "decimal", "uuid", "__future__"}
    ] == []
