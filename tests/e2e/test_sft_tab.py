"""The SFT & DPO tab in a real browser: a two-step LoRA SFT on SmolLM2 with its mask, loss and answers;
a bad DPO upload gets its sentence."""
from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.e2e.conftest import open_tab


def set_slider(page, elem_id: str, value: int) -> None:
    box = page.locator(f"#{elem_id} input[type=number]")
    box.fill(str(value))
    box.press("Enter")


def test_sft_two_steps(page, shot):
    open_tab(page, "5 · SFT, DPO & RLHF")
    expect(page.locator("#sft-run")).to_be_visible()
    shot(page, "sft-01-opened")
    set_slider(page, "sft-steps", 2)
    set_slider(page, "sft-eval", 4)
    page.locator("#sft-run").click()
    expect(page.locator("#sft-mask")).to_contain_text("carries loss", timeout=150_000)
    expect(page.locator("#sft-mask .lab-chip").first).to_be_visible()
    expect(page.locator("#sft-answers")).to_contain_text("after", timeout=150_000)
    expect(page.locator("#sft-status")).to_contain_text("Done", timeout=150_000)
    expect(page.locator("#sft-answers")).to_contain_text("→")
    assert page.locator("#sft-answers tr").count() == 5  # header + 4 held-out prompts
    expect(page.locator("#sft-loss .js-plotly-plot")).to_be_visible()
    shot(page, "sft-02-done")


def test_dpo_bad_upload(page, shot, tmp_path):
    open_tab(page, "5 · SFT, DPO & RLHF")
    page.locator("#sft-sub-dpo-button").click() if page.locator("#sft-sub-dpo-button").count() else \
        page.get_by_role("tab", name="Preference tuning (DPO)").click()
    rows = [{"prompt": "Is the sky blue?", "chosen": "yes", "rejected": "yes"}] * 6
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    page.locator("#dpo-upload input[type=file]").set_input_files(str(path))
    page.wait_for_timeout(1500)
    page.locator("#dpo-run").click()
    expect(page.locator("#dpo-status")).to_contain_text("chosen and rejected are the same", timeout=120_000)
    shot(page, "sft-03-dpo-bad-upload")
