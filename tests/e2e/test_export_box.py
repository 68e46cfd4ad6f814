"""The export box under Run history: another browser's run is not exported, and the token box empties."""
from __future__ import annotations

from playwright.sync_api import expect

from lab.store import Store


def test_export_box_refuses_a_run_of_another_browser(page, shot, app_data):
    store = Store(app_data)
    store.create_run("e2e-export-1", "tokenizer", "another-browser", {"base": "minilm", "vocab_size": 200})
    store.finish_run("e2e-export-1", "done", {"vocab_size": 200}, None)

    page.get_by_role("tab", name="Run history").click()
    page.locator("#runs-refresh").click()
    expect(page.locator("#runs-table")).not_to_contain_text("e2e-export-1")  # private: not even listed
    # Typed in by hand, its id still exports nothing: the server checks the owner again.
    page.locator("#runs-picked textarea, #runs-picked input").first.fill("e2e-export-1")
    page.locator("#runs-export").get_by_text("Export this run").click()
    page.locator("#runs-export-button").click()
    expect(page.locator("#runs-export-note")).to_contain_text("that you can open")
    page.locator("#runs-push-repo textarea, #runs-push-repo input").first.fill("someone/model")
    token = page.locator("#runs-push-token input").first
    token.fill("hf_e2eSecret")
    page.locator("#runs-push-button").click()
    expect(token).to_have_value("")
    expect(page.locator("#runs-export-note")).to_contain_text("that you can open")
    shot(page, "runs-export-refused")
