"""A class in real browsers: two students who ask for the same comparison get one training, each in their
own history; and a restarted app still knows every browser (the same history after a reload)."""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, _free_port, loaded, open_tab
from tests.e2e.test_sharing import new_page
from tests.e2e.test_watching import wait_curves

RUN_ID = re.compile(r"[0-9a-f]{32}")
STEPS = 12


def own_runs(page) -> list[str]:
    open_tab(page, "Run history")
    page.locator("#runs-refresh").click()
    expect(page.locator("#runs-table")).to_contain_text(RUN_ID)
    return RUN_ID.findall(page.locator("#runs-table").inner_text())


def compare_head_only(page) -> None:
    open_tab(page, "4 · Fine-tuning")
    methods = page.locator("#finetune-methods")
    for name in ("Full fine-tuning", "LoRA (peft)", "QLoRA (4-bit NF4 + LoRA)"):
        methods.get_by_label(name, exact=True).uncheck()
    steps = page.locator("#finetune-steps input[type=number]")
    steps.fill(str(STEPS))
    steps.press("Enter")
    page.get_by_role("button", name="Settings ▼").click()
    evaluate = page.locator("#finetune-eval-size input")
    expect(evaluate).to_have_value("400", timeout=30_000)  # the accordion has drawn its own value first
    evaluate.fill("32")
    evaluate.press("Tab")
    page.locator("#finetune-run").click()


def test_two_students_with_identical_settings_share_one_training(browser, app_url, app_data, shot):
    alice_ctx, alice = new_page(browser, app_url)
    bob_ctx, bob = new_page(browser, app_url)
    compare_head_only(alice)
    expect(alice.locator("#finetune-status")).to_contain_text("Running", timeout=120_000)
    compare_head_only(bob)  # joins the training, or, on a fast machine, is answered from it at once
    expect(bob.locator("#finetune-status")).to_contain_text(
        re.compile("One training for every page|identical settings and data trained"), timeout=60_000)
    expect(bob.locator("#finetune-afresh")).to_be_visible()  # bob may still train it on his own
    expect(alice.locator("#finetune-afresh")).to_be_hidden()
    shot(bob, "classroom-01-joined")
    for page in (alice, bob):
        expect(page.locator("#finetune-status")).to_contain_text("Done", timeout=600_000)  # CI machines vary
    alice_curves, bob_curves = (wait_curves(page, points=STEPS, timeout=30_000) for page in (alice, bob))
    assert alice_curves == bob_curves  # one training's curve, step for step
    assert len(alice_curves[0][1]) == STEPS
    shot(bob, "classroom-02-both-done")

    with sqlite3.connect(app_data / "runs.sqlite") as db:  # the two newest comparisons: alice's and bob's
        rows = db.execute("SELECT id, owner, result FROM runs WHERE kind='finetune' ORDER BY created DESC "
                          "LIMIT 2").fetchall()
    (bob_run, bob_owner, bob_result), (alice_run, alice_owner, alice_result) = rows
    assert alice_owner != bob_owner
    alice_sees, bob_sees = own_runs(alice), own_runs(bob)  # each their own run; the other's stays private
    assert alice_run in alice_sees and bob_run not in alice_sees
    assert bob_run in bob_sees and alice_run not in bob_sees
    seconds = [re.search(r'"total_seconds": ([0-9.]+)', r).group(1) for r in (alice_result, bob_result)]
    assert seconds[0] == seconds[1]  # the same measured training: it ran once
    shot(bob, "classroom-03-own-history")
    alice_ctx.close()
    bob_ctx.close()


def serve(port: int, data) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "LAB_SECRET"}  # the key file in the data folder only
    env.update({"GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port), "LAB_DATA_DIR": str(data),
                "PYTHONUNBUFFERED": "1", "GRADIO_ANALYTICS_ENABLED": "False"})
    log = open(data / f"app-{time.time():.0f}.log", "w")
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline:
        assert proc.poll() is None, "app.py exited"
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).status == 200:
                return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise AssertionError("app.py did not answer within 120 s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_a_restarted_app_finds_the_same_history(browser, tmp_path, shot):
    data = tmp_path / "restarted_lab"
    data.mkdir()
    shared = Path(os.environ.get("LAB_TEST_CACHE", ROOT / "lab_data")).resolve() / "models"
    (data / "models").symlink_to(shared, target_is_directory=True)
    port = _free_port()  # the same origin before and after: the browser's storage belongs to it
    url = f"http://127.0.0.1:{port}/"
    proc = serve(port, data)
    try:
        context, page = new_page(browser, url)
        open_tab(page, "2 · Tokenizer")
        page.locator("#tokenizer-train").click()
        expect(page.locator("#tokenizer-status")).to_contain_text("Done", timeout=180_000)
        before = own_runs(page)
        assert len(before) == 1
        stop(proc)  # the Space sleeps, is updated or crashes; the data folder stays
        proc = serve(port, data)
        page.reload()
        loaded(page)
        assert own_runs(page) == before
        open_tab(page, "2 · Tokenizer")
        expect(page.locator("#tokenizer-status")).to_contain_text("Done", timeout=30_000)  # it follows its run again
        shot(page, "classroom-04-after-restart")
        context.close()
    finally:
        stop(proc)
