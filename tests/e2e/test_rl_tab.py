"""The RLHF sub-tab in a real browser, in English and in Korean: stage 1 trains a reward model for a few steps
and scores an answer, stage 2 runs GRPO against it with its reward curve, sampled completions and held-out
answers; fewer than 2 generations gets its sentence and queues nothing."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lab.ui import i18n
from tests.e2e.test_languages import open_page
from tests.e2e.test_sft_tab import set_slider


def open_rl(page, locale):
    page.get_by_role("tab", name=i18n.t(locale, "5 · SFT, DPO & RLHF")).click()
    page.get_by_role("tab", name=i18n.t(locale, "Reinforcement (RLHF: reward model, GRPO)")).click()
    expect(page.locator("#rm-run")).to_be_visible()


@pytest.mark.parametrize("locale", ["en-US", "ko-KR"])
def test_both_stages(browser, app_url, shot, locale):
    context, page = open_page(browser, app_url, locale)
    try:
        open_rl(page, locale)
        shot(page, f"rl-01-opened-{locale}")
        set_slider(page, "rm-steps", 3)
        set_slider(page, "rm-eval", 4)
        page.locator("#rm-run").click()
        korean = locale.startswith("ko")
        done = "완료" if korean else "Done"
        expect(page.locator("#reward-status")).to_contain_text(done, timeout=180_000)
        expect(page.locator("#rm-heldout")).to_contain_text("%")
        expect(page.locator("#rm-loss .js-plotly-plot")).to_be_visible()
        page.locator("#rm-score-box").get_by_text(i18n.t(locale, "Score any prompt and answer with your reward model")).click()
        page.locator("#rm-score").click()
        expect(page.locator("#rm-score-result")).to_contain_text("보상:" if korean else "Reward:", timeout=60_000)
        shot(page, f"rl-02-reward-model-{locale}")

        generations = page.locator("#rl-generations input")
        generations.fill("1")
        page.locator("#rl-run").click()
        expect(page.locator("#rl-message")).to_contain_text(
            "프롬프트당 생성 수는 2에서" if korean else "Generations per prompt must be between 2",
            timeout=60_000)
        generations.fill("2")
        set_slider(page, "rl-steps", 2)
        page.locator("#rl-run").click()
        expect(page.locator("#rl-status")).to_contain_text(done, timeout=240_000)
        expect(page.locator("#rl-samples tr").first).to_be_visible()
        expect(page.locator("#rl-reward .js-plotly-plot")).to_be_visible()
        assert page.locator("#rl-answers tr").count() == 33  # header + the 32 held-out prompts SFT and DPO use
        shot(page, f"rl-03-grpo-done-{locale}")
    finally:
        context.close()
