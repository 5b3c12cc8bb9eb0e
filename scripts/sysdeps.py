"""Checks for, and installs with apt-get when running as root, the system packages we need.

Used by `make setup` (WeasyPrint's libraries and fonts) and `make browser` (Chromium for
end-to-end tests). Without root it prints the exact command to run and fails.
"""

import ctypes.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

PDF_PACKAGES = [
    "libpango-1.0-0",
    "libpangoft2-1.0-0",
    "libharfbuzz-subset0",
    "fonts-dejavu-core",
    "fonts-liberation2",
    "fontconfig",
]
# npm installs axe-core (tests/e2e/package.json) for the accessibility checks.
BROWSER_PACKAGES = ["chromium", "fonts-dejavu-core", "npm"]


def pdf_missing() -> bool:
    libraries = ("pango-1.0", "pangoft2-1.0", "harfbuzz-subset")
    if any(ctypes.util.find_library(name) is None for name in libraries):
        return True
    return not Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").exists()


def browser_missing() -> bool:
    return not Path("/usr/bin/chromium").exists() or shutil.which("npm") is None


def install(packages: list[str]) -> None:
    command = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        print("Missing system packages. Run, as root:", file=sys.stderr)
        print(f"  apt-get update && {' '.join(command)}", file=sys.stderr)
        sys.exit(1)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"Installing {' '.join(packages)} with apt-get ...")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)  # noqa: S607
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)  # noqa: S603


def main() -> None:
    what = sys.argv[1] if len(sys.argv) > 1 else "pdf"
    if what == "pdf" and pdf_missing():
        install(PDF_PACKAGES)
    elif what == "browser" and browser_missing():
        install(BROWSER_PACKAGES)


if __name__ == "__main__":
    main()
