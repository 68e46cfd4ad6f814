"""The pipeline tab in a real browser: sentence similarity, text generation, a bad input."""
from __future__ import annotations

import re

from playwright.sync_api import expect


def test_sentence_similarity(page, shot):
    shot(page, "pipeline-01-opened")
    page.locator("#pipeline-run").click()
    answer = page.locator("#pipeline-answer")
    expect(answer).to_contain_text("cosine similarity", timeout=120_000)
    score = float(re.search(r"(-?\d\.\d{3})", answer.inner_text()).group(1))
    assert 0.3 < score <= 1.0
    expect(page.locator("#pipeline-tokens")).to_contain_text("[CLS]")
    shot(page, "pipeline-02-similarity")


def test_text_generation_and_empty_input(page, shot):
    page.locator("#pipeline-task input").click()
    page.get_by_role("option", name="text-generation").click()
    expect(page.locator("#pipeline-text textarea")).to_have_value(re.compile("fine-tuning"))
    page.locator("#pipeline-run").click()
    answer = page.locator("#pipeline-answer .lab-generated")
    expect(answer).to_be_visible(timeout=180_000)
    expect(page.locator("#pipeline-tokens")).to_contain_text("<|im_start|>", timeout=180_000)
    assert len(answer.inner_text().strip()) > 10
    shot(page, "pipeline-03-generation")

    page.locator("#pipeline-text textarea").fill("")
    page.locator("#pipeline-run").click()
    expect(page.locator("#pipeline-answer")).to_contain_text("Type some text first.")
    shot(page, "pipeline-04-empty-input")


def test_an_upload_that_is_not_text_gets_a_sentence(page, shot, tmp_path):
    binary = tmp_path / "weights.txt"
    binary.write_bytes(b"\x00\x01\x02\x03" * 100)
    page.locator("#pipeline-upload input[type=file]").set_input_files(str(binary))
    expect(page.get_by_text("weights.txt is not a text file; upload UTF-8 text.")).to_be_visible()
    good = tmp_path / "tweets.txt"
    good.write_text("Driverless cars are the future.\nSecond line\n")
    page.locator("#pipeline-upload input[type=file]").set_input_files(str(good))
    expect(page.locator("#pipeline-text textarea")).to_have_value("Driverless cars are the future.")
    shot(page, "pipeline-05-upload")
