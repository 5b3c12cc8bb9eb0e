"""End-to-end tests: Django's live server and Debian's Chromium driven by Playwright."""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django refuses ORM calls
    # there unless told it is safe (these tests make no concurrent ORM calls). Set here,
    # not at import, so the rest of the suite keeps Django's async-safety check.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `make browser` (or `make test-e2e`).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_RUN = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                 targets: v.nodes.slice(0, 5).map(n => n.target.join(" ")) }));
}"""


@pytest.fixture(scope="session")
def axe_source():
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run `make test-e2e` (it runs `npm ci --prefix tests/e2e`).")
    return AXE.read_text()


@pytest.fixture
def axe(axe_source):
    """Serious and critical axe-core violations on the page as it is now. Injected through
    DevTools (page.evaluate), so the site's Content-Security-Policy does not block it."""

    def run(page) -> list[dict]:
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(axe_source)
        return page.evaluate(AXE_RUN)

    return run
