"""The Runs tab lists the runs a page may see (its own and shared ones), shows one, and offers its files as a zip."""
from __future__ import annotations

from playwright.sync_api import expect

from lab.store import Store


def test_a_saved_run_is_listed_shown_and_downloadable(page, shot, app_data):
    store = Store(app_data)
    store.create_run("e2e-run-1", "pretrain", "someone", {"steps": 2, "hidden": 16})
    store.finish_run("e2e-run-1", "done", {"params": 1234}, None,
                     [{"type": "step", "step": 1, "loss": 5.0}, {"type": "step", "step": 2, "loss": 4.0}])
    store.set_shared("e2e-run-1", True)  # another student's run is listed only once it is shared
    (store.run_dir("e2e-run-1") / "notes.txt").write_text("saved by the e2e test")

    page.get_by_role("tab", name="Run history").click()
    page.locator("#runs-refresh").click()
    row = page.locator("#runs-table").get_by_test_id("cell-0-0")
    expect(row).to_contain_text("e2e-run-1")
    row.click()
    expect(page.locator("#runs-details")).to_contain_text('"params": 1234')
    expect(page.locator("#runs-download")).to_contain_text("e2e-run-1")
    expect(page.locator("#runs-download a[download]")).to_have_count(1)
    shot(page, "runs-01-run-shown")
