"""Tabs 2 and 3 in a real browser: train a tokenizer on the defaults, pre-train on it for a few steps."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import open_tab


def test_tokenizer_then_pretraining(page, shot):
    open_tab(page, "2 · Tokenizer")
    shot(page, "tokenizer-01-opened")
    page.locator("#tokenizer-train").click()
    expect(page.locator("#tok-summary")).to_contain_text("Final vocabulary", timeout=120_000)
    expect(page.locator("#tok-summary")).to_contain_text("8,000 tokens")
    expect(page.locator("#tok-new-tokens")).to_contain_text("deflategate")
    expect(page.locator("#tok-download")).to_be_visible()
    page.locator("#tok-sample textarea").fill("deflategate at jetblue")
    page.locator("#tok-sample textarea").press("Enter")
    expect(page.locator("#tok-sample-chips")).to_contain_text("New tokenizer: 3 tokens")
    shot(page, "tokenizer-02-trained")

    open_tab(page, "3 · Pre-training")
    page.locator("#pre-refresh").click()
    expect(page.locator("#pre-shape")).to_contain_text("vocabulary 8,000 tokens")
    page.locator("#pre-init").get_by_text("Continue MiniLM's pre-training", exact=True).click()
    expect(page.locator("#pre-minilm-note")).to_contain_text("starts untrained")
    expect(page.locator("#pre-shape")).to_contain_text("MiniLM's own shape")
    shot(page, "pretrain-00-minilm-note")
    page.locator("#pre-init").get_by_text("A new BERT (from scratch)", exact=True).click()
    page.locator("#pre-heads input").fill("3")
    page.locator("#pre-heads input").press("Tab")
    expect(page.locator("#pre-shape")).to_contain_text("do not divide the hidden size")
    page.locator("#pre-heads input").fill("2")
    page.locator("#pre-heads input").press("Tab")
    expect(page.locator("#pre-shape")).to_contain_text("1,462,208 parameters")
    expect(page.locator("#pre-preview")).to_contain_text("[MASK]")
    page.locator("#pre-steps input").fill("12")
    page.locator("#pre-eval_every input").fill("6")
    page.locator("#pre-eval_every input").press("Tab")
    shot(page, "pretrain-01-configured")
    page.locator("#pretrain-train").click()
    expect(page.locator("#pretrain-status")).to_contain_text("step", timeout=90_000)
    expect(page.locator("#pre-summary")).to_contain_text("Saved as", timeout=150_000)
    expect(page.locator("#pre-probe-out")).to_contain_text("at step 12")
    expect(page.locator("#pre-loss")).to_contain_text("unigram level")
    shot(page, "pretrain-02-trained")
