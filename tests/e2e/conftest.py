"""Real-browser fixtures: the app in a subprocess on a free port, Playwright driving Debian's Chromium.

Screenshots go to tests/e2e/artifacts/ (ignored by git); look at them after a UI change.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = os.environ.get("LAB_CHROMIUM", "/usr/bin/chromium")
ADMIN_TOKEN = "e2e-instructor"  # the served app's LAB_ADMIN_TOKEN
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_data(tmp_path_factory):
    """The served app's data folder (its runs, its SQLite history); converted models are shared."""
    data = Path(os.environ.get("LAB_E2E_DATA_DIR") or tmp_path_factory.mktemp("lab_data"))
    shared = Path(os.environ.get("LAB_TEST_CACHE", ROOT / "lab_data")).resolve() / "models"
    shared.mkdir(parents=True, exist_ok=True)
    if not (data / "models").exists():
        (data / "models").symlink_to(shared, target_is_directory=True)
    return data


@pytest.fixture(scope="session")
def app_url(app_data):
    port = _free_port()
    data = app_data
    env = {**os.environ, "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
           "LAB_DATA_DIR": str(data), "PYTHONUNBUFFERED": "1",
           "GRADIO_ANALYTICS_ENABLED": "False", "LAB_ADMIN_TOKEN": ADMIN_TOKEN}
    log = open(data / "app.log", "w")
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited: {(data / 'app.log').read_text()[-3000:]}")
        try:
            if urllib.request.urlopen(url, timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError("app.py did not answer within 120 s")
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}; .ci/run installs it with apt-get install chromium.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(app_url)
    loaded(page)
    yield page
    context.close()


@pytest.fixture()
def shot():
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


OWNER_KEY = "fine-tuning-lab-owner"  # app.py's gr.BrowserState: written once the page's load event set it


def loaded(page) -> None:
    """Wait until the page is drawn and holds its signed owner token. The token is set by the page's load
    event; a button pressed before that is refused ("The page has not finished loading"), which a test
    clicking at once would take for a job that never started."""
    page.wait_for_selector("#tab-pipeline", state="attached")
    page.wait_for_function(f"() => !!localStorage.getItem('{OWNER_KEY}')")


def open_tab(page, label: str) -> None:
    """Click a top-level tab by its visible label, until the page marks it selected. Just after a reload the
    owner token is already stored, so `loaded` can return while gradio is still drawing the page, and a
    click that lands then can be lost (seen once in CI: the history tab never opened after a restart)."""
    from playwright.sync_api import expect

    tab = page.get_by_role("tab", name=label)
    for _ in range(3):
        tab.click()
        try:
            expect(tab).to_have_attribute("aria-selected", "true", timeout=5_000)
            return
        except AssertionError:
            continue
    expect(tab).to_have_attribute("aria-selected", "true")
