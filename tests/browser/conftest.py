"""Real-browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

- One Chromium for the whole session; each test gets a fresh browser context (cookies, viewport, language).
- Only the live server is reachable: every request to another host (map tiles from openstreetmap.org...) is
  aborted, so the pages must work from our own static files and vector layers.
- Screenshots go to artifacts/screenshots/<journey>/NN-step.png (git-ignored), with axe-results.json beside
  them: the axe-core audit of every page the journey audited (see Browsing.audit).
- Never downloads a browser: Chromium must be installed from Debian (`apt-get install chromium`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from tests.conftest import configured_now

# Playwright's sync API runs an event loop in this thread; Django would refuse ORM calls from the test.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("VICINATO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PROJECT_DIR = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT_DIR / "artifacts" / "screenshots"
AXE_JS = PROJECT_DIR / "src" / "vicinato" / "static" / "vendor" / "axe-core" / "axe.min.js"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
TIMEOUT_MS = 15_000
DEMO_PASSWORD = "vicinato"
CSP_REPORTER = """document.addEventListener('securitypolicyviolation', (e) => console.error(
  `Content Security Policy violation: ${e.violatedDirective} at ${e.sourceFile}:${e.lineNumber} (${e.sample})`));"""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember whether the test body failed (the teardown of `browsing` then adds no second failure)."""
    report = yield
    if report.when == "call":
        item.browser_call_failed = report.failed
    return report


@pytest.fixture(scope="session")
def browser():
    if configured_now() is not None:
        pytest.fail(
            "The browser journeys run at the real time (Chromium keeps its own clock): unset VICINATO_TEST_NOW.",
            pytrace=False,
        )
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium (apt-get install chromium). "
            "The browser tests never download a browser (no `playwright install`).",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev extra installs it
        pytest.fail("The playwright Python package is missing: pip install -e '.[dev]'", pytrace=False)
    from playwright.sync_api import expect

    # Assertions wait as long as actions do: a first search builds its index, slower on a busy machine.
    expect.set_options(timeout=TIMEOUT_MS)
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception as error:
        playwright.stop()
        pytest.fail(
            f"Chromium at {CHROMIUM} did not start ({error}); install Debian's chromium (apt-get install chromium).",
            pytrace=False,
        )
    yield chromium
    chromium.close()
    playwright.stop()


@dataclass
class DemoCopy:
    """The database and the routing indexes just after the demo city was loaded, to start the next journeys from
    (loading it takes about 17 s; copying it back, well under one)."""

    day: date  # the day it was loaded (Europe/Rome): the demo's bookings are placed from that day
    database: sqlite3.Connection
    indexes: Path
    counts: dict[str, int]

    @classmethod
    def take(cls, connection, index_dir: Path, counts: dict[str, int], folder: Path) -> DemoCopy:
        database = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(database)
        indexes = folder / "routing-index"
        shutil.rmtree(indexes, ignore_errors=True)
        if index_dir.exists():
            shutil.copytree(index_dir, indexes)
        return cls(timezone.localdate(), database, indexes, counts)

    def restore(self, connection, index_dir: Path) -> dict[str, int]:
        self.database.backup(connection.connection)
        if self.indexes.exists():
            shutil.rmtree(index_dir, ignore_errors=True)  # a test's own folder: nothing of another test stays
            shutil.copytree(self.indexes, index_dir)
        return dict(self.counts)


_demo_copy: list[DemoCopy] = []


@pytest.fixture
def demo(transactional_db, settings, tmp_path_factory):
    """The Milan demo city, as the project's own code loads it; the database is flushed after each test.

    On SQLite it is loaded once a day per session and copied back for each later test (page by page, with
    SQLite's backup): the same rows and ids a fresh load gives, and the reachable-place indexes built with it.
    On PostgreSQL every test loads it."""
    from django.core import mail
    from django.db import connection

    from vicinato.demo.loader import load_demo

    if connection.vendor != "sqlite":
        return load_demo()
    connection.ensure_connection()
    if _demo_copy and _demo_copy[0].day == timezone.localdate():
        return _demo_copy[0].restore(connection, settings.ROUTING_INDEX_DIR)
    counts = load_demo()
    # The demo's own e-mails stay out of the test's outbox, as they do when the demo is copied back.
    if hasattr(mail, "outbox"):
        mail.outbox.clear()
    _demo_copy[:] = [
        DemoCopy.take(connection, settings.ROUTING_INDEX_DIR, counts, tmp_path_factory.mktemp("demo-copy"))
    ]
    return counts


@pytest.fixture
def site(live_server) -> str:
    return live_server.url


class Browsing:
    """A browser context limited to the live server: its page, screenshots, axe audits and blocked requests."""

    def __init__(self, browser, base_url: str, journey: str, subtests, **context_options):
        self.base_url = base_url
        self.journey = journey
        self.subtests = subtests
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.audits: dict[str, dict] = {}
        self.context = browser.new_context(base_url=base_url, **context_options)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.route("**/*", self._only_local)
        # Every refusal reaches the console (Chromium logs most of them itself; this reports each one, with its
        # directive and source, as the `securitypolicyviolation` event gives it).
        self.context.add_init_script(CSP_REPORTER)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        # What the Content-Security-Policy refused (an inline script or style, a request elsewhere) is an error.
        self.page.on(
            "console",
            lambda message: (
                self.errors.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        self.folder = SCREENSHOTS / journey
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.step = 0

    def _only_local(self, route):
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")

    @property
    def path(self) -> str:
        """The current page's address without the live server's origin."""
        return self.page.url.removeprefix(self.base_url)

    def shot(self, name: str, full_page: bool = True) -> Path:
        """Save artifacts/screenshots/<journey>/NN-name.png."""
        self.step += 1
        path = self.folder / f"{self.step:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def audit(self, name: str) -> dict:
        """Run axe on the page as it is now, as a subtest of its own (the journey goes on if it fails)."""
        lang = self.page.evaluate("document.documentElement.lang")
        result = {"lang": lang, "url": self.path, **run_axe(self.page)}
        key = f"{lang} {name}"
        assert key not in self.audits, f"two audits named {key!r}"
        self.audits[key] = result
        with self.subtests.test(msg=f"axe {key} {result['url']}"):
            axe_verdict(name, result)
        return result

    def close(self):
        if self.audits:
            save_json(self.folder / "axe-results.json", self.audits)
        self.context.close()


@pytest.fixture
def browsing(browser, site, request, subtests):
    """browsing(journey, **context options) -> Browsing; closed at the end of the test."""
    opened: list[Browsing] = []

    def open_(journey: str, **options) -> Browsing:
        options.setdefault("viewport", {"width": 1280, "height": 900})
        opened.append(Browsing(browser, site, journey, subtests, **options))
        return opened[-1]

    yield open_
    for b in opened:
        b.close()
    # No uncaught script error on any page of the journey (the map script, Bootstrap Italia, htmx...).
    errors = [e for b in opened for e in b.errors]
    if errors and not getattr(request.node, "browser_call_failed", False):
        pytest.fail("JavaScript errors in the pages: " + "; ".join(errors), pytrace=False)


def sign_in(page, username: str, prefix: str = "/en", password: str = DEMO_PASSWORD, next: str = "") -> None:
    """Sign in through the login form, as a person would; lands on `next` (default: the dashboard for whoever
    runs an organisation or reviews a register, one's bookings for everyone else)."""
    page.goto(f"{prefix}/accedi/" + (f"?next={next}" if next else ""))
    submit_login(page, username, password)
    page.wait_for_url(re.compile(re.escape(next) + "$" if next else r"/(gestione|prenotazioni)/$"))


def page_width(page) -> int:
    """The page's scroll width once it has loaded (its styles and scripts applied), its web fonts are in and
    two readings 100 ms apart agree: measured before, a page still being laid out can be a few pixels wider
    than it will be. Nothing here waits on the page's own callbacks (requestAnimationFrame, promises), which
    never run in a context with JavaScript off: each reading is a synchronous evaluation, and the waiting is
    Playwright's."""
    page.wait_for_load_state("load")
    previous = None
    for _ in range(50):  # five seconds at most
        width, fonts = page.evaluate("[document.documentElement.scrollWidth, document.fonts.status]")
        if fonts == "loaded" and width == previous:
            break
        previous = width
        page.wait_for_timeout(100)
    return width


def submit_login(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main").get_by_role("button").click()


def sign_out(page) -> None:
    page.locator("header form[action$='/esci/'] button").click()
    page.wait_for_load_state()


def wait_for_map(page, vector_layers: int = 1) -> None:
    """The Leaflet map has started and drawn at least `vector_layers` vector shapes (areas, stations...)."""
    page.wait_for_selector(".vicinato-map[data-vicinato-map='ready']")
    page.wait_for_function(
        "n => document.querySelectorAll('.vicinato-map .leaflet-overlay-pane path').length >= n",
        arg=vector_layers,
    )


# --- accessibility (axe-core from the project's own static files) ---------------------------------------

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SERIOUS = {"serious", "critical"}


@dataclass(frozen=True)
class Known:
    """A serious violation caused by a template, reported to its owners: xfail (not skip) until it is fixed."""

    rule: str  # axe rule id
    target: str  # regular expression matched against axe's target selector
    where: str  # template and element
    fix: str


# Add an entry only for a violation traced to a template (and reported), never to quiet one not understood.
KNOWN_TEMPLATE_VIOLATIONS: list[Known] = []


def run_axe(page) -> dict:
    """axe-core's WCAG 2.0/2.1 A and AA results on the page as it is now.

    Answers {"violations": [{id, impact, help, nodes: [{target, html, summary}]}], "passes": number of rules
    passed, "incomplete": [{id, impact, count, nodes: [{target, why}]}] (what axe could not decide alone,
    e.g. contrast over a background image), "version"}.
    """
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `make assets` (scripts/build_assets.py) first.", pytrace=False)
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        origin = re.match(r"https?://[^/]+", page.url)
        if origin:  # from the site's static files: the Content-Security-Policy refuses inline scripts
            page.add_script_tag(url=origin.group(0) + "/static/vendor/axe-core/axe.min.js")
        else:  # a page made by the test (no policy)
            page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        # resultTypes: all the nodes of violations and incomplete results, one node of the passes (faster).
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations', 'incomplete']})
            .then(r => ({
            version: r.testEngine.version,
            passes: r.passes.length,
            incomplete: r.incomplete.map(v => ({id: v.id, impact: v.impact, count: v.nodes.length,
                nodes: v.nodes.slice(0, 12).map(n => ({target: n.target.join(' '),
                    why: ((n.any[0] || n.all[0] || n.none[0] || {}).message || '').slice(0, 160)}))})),
            violations: r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), impact: n.impact,
                                          html: n.html.slice(0, 200), summary: n.failureSummary}))}))}))""",
        AXE_TAGS,
    )


def axe_verdict(name: str, result: dict) -> None:
    """Fail listing the serious/critical violations; xfail when every one of them is a known template bug."""
    unknown, known = [], {}
    for violation in (v for v in result["violations"] if v["impact"] in SERIOUS):
        nodes = []
        for node in violation["nodes"]:
            match = next(
                (
                    k
                    for k in KNOWN_TEMPLATE_VIOLATIONS
                    if k.rule == violation["id"] and re.search(k.target, node["target"])
                ),
                None,
            )
            if match:
                known[match] = known.get(match, 0) + 1
            else:
                nodes.append(node)
        if nodes:
            unknown.append({**violation, "nodes": nodes})
    assert not unknown, (
        f"{sum(len(v['nodes']) for v in unknown)} serious/critical axe violation(s) on {name} "
        f"({result['url']}, lang={result['lang']}):\n" + describe(unknown)
    )
    if known:
        pytest.xfail(
            "; ".join(f"{k.rule} at {k.where} ({n} node(s)); fix: {k.fix}" for k, n in known.items())
        )


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:8]:
            lines.append(f"    {node['target']}  {node['html']}")
        if len(v["nodes"]) > 8:
            lines.append(f"    ... and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def save_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False))


MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def upload_document(page, name: str = "dichiarazione.pdf") -> None:
    """Upload a small PDF for the first of the application's checks that needs a document, as a person does."""
    form = page.locator("main form[enctype='multipart/form-data']").first
    form.locator("input[type='file']").set_input_files(
        {"name": name, "mimeType": "application/pdf", "buffer": MINIMAL_PDF}
    )
    form.locator("button[type='submit']").click()
    page.wait_for_selector(".vicinato-messages .alert-success")
