"""A class on one Space, in real browsers: private runs, watch links, reload, the instructor, typed paths.

Three browser contexts are three students' laptops (each its own local storage, so its own owner).
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN_TOKEN, loaded, open_tab


def new_page(browser, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    loaded(page)
    return context, page


def first_run_id(page) -> str:
    """The newest run in this page's history (the table lists newest first)."""
    open_tab(page, "Run history")
    page.locator("#runs-refresh").click()
    expect(page.locator("#runs-table")).to_contain_text(re.compile(r"[0-9a-f]{32}"))
    return re.search(r"[0-9a-f]{32}", page.locator("#runs-table").inner_text()).group(0)


def pick(page, run_id: str) -> None:
    box = page.locator("#runs-picked textarea, #runs-picked input").first
    box.fill(run_id)
    box.press("Enter")
    expect(page.locator("#runs-details")).to_contain_text(run_id)


def test_private_shared_reload_and_instructor(browser, app_url, shot):
    alice_ctx, alice = new_page(browser, app_url)
    open_tab(alice, "3 · Pre-training")
    alice.locator("#pre-steps input").fill("2000")
    alice.locator("#pre-steps input").press("Tab")
    alice.locator("#pretrain-train").click()
    expect(alice.locator("#pretrain-status")).to_contain_text("Running", timeout=90_000)

    alice.reload()  # the signed owner token is in local storage: the page finds its job again
    loaded(alice)
    open_tab(alice, "3 · Pre-training")
    expect(alice.locator("#pretrain-status")).to_contain_text("Running", timeout=30_000)
    expect(alice.locator("#pretrain-status")).not_to_contain_text("shared with the class")
    shot(alice, "sharing-01-reattached")
    run_id = first_run_id(alice)

    bob_ctx, bob = new_page(browser, app_url)  # another laptop: sees neither the run nor its curves
    open_tab(bob, "Run history")
    bob.locator("#runs-refresh").click()
    expect(bob.locator("#runs-table")).not_to_contain_text(run_id)
    bob.goto(f"{app_url}?run={run_id}")
    expect(bob.locator("#watch-note")).to_contain_text("no run", timeout=30_000)
    open_tab(bob, "3 · Pre-training")
    expect(bob.locator("#pretrain-status")).to_contain_text("No job yet")
    shot(bob, "sharing-02-private-refused")

    pick(alice, run_id)
    alice.locator("#runs-share").click()
    expect(alice.locator("#runs-note")).to_contain_text(f"?run={run_id}")
    bob.goto(f"{app_url}?run={run_id}")  # the watch link opens the run's tab on the run
    expect(bob.locator("#pretrain-status")).to_contain_text("shared with the class", timeout=30_000)
    shot(bob, "sharing-03-watch-link")
    alice.locator("#runs-share").click()  # taken back: bob's open page stops following the run
    expect(bob.locator("#pretrain-status")).to_contain_text("no longer shared with the class", timeout=30_000)
    shot(bob, "sharing-03b-unshared")
    alice.locator("#runs-share").click()  # shared again for the instructor part below

    teacher_ctx, teacher = new_page(browser, app_url)
    open_tab(teacher, "Run history")
    teacher.locator("#runs-admin input").fill(ADMIN_TOKEN)
    teacher.locator("#runs-admin input").press("Enter")
    expect(teacher.locator("#runs-table")).to_contain_text(run_id)
    pick(teacher, run_id)
    teacher.locator("#runs-stop").click()
    expect(teacher.locator("#runs-note")).to_contain_text("Stopping")
    shot(teacher, "sharing-04-instructor-stop")
    open_tab(alice, "3 · Pre-training")
    expect(alice.locator("#pretrain-status")).to_contain_text("Stopped", timeout=60_000)
    for context in (alice_ctx, bob_ctx, teacher_ctx):
        context.close()


def test_a_typed_server_path_is_refused(page, shot):
    open_tab(page, "2 · Tokenizer")
    page.locator("#tok-corpus").get_by_text("Hub dataset", exact=True).click()
    page.locator("#tok-hub textarea, #tok-hub input").first.fill("/etc/passwd")
    page.locator("#tokenizer-train").click()
    expect(page.locator("#tok-note")).to_contain_text("only as uploads")
    shot(page, "sharing-05-typed-path")
