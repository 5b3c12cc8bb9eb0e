"""Settings for `make mutation` only: the test settings with a SQLite test database kept on disk.

A mutation run runs the tests once per mutant; creating the in-memory test database runs
every migration each time (about 20 CPU seconds here), so the run keeps one migrated
database under var/ of the copy it runs in and pytest reuses it (``--reuse-db``). One mutant
runs at a time against it (SQLite has one writer).
"""

from training_site.settings.test import *  # noqa: F403
from training_site.settings.test import DATABASES, VAR_DIR

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "mutation-test.sqlite3")}
