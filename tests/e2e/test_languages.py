"""Every tab in Korean and in English (the browser's locale picks the language), screenshotted, with
no English string left where a Korean one exists; a Korean page while a comparison runs and once it is
done; and a Korean corpus through the tokenizer tab, with the guess locked when the run starts."""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from lab.teach import concepts
from lab.ui import i18n
from tests.e2e.conftest import loaded
from tests.test_tokenization import KOREAN

TABS = [("1 · Pipeline", "pipeline"), ("2 · Tokenizer", "tokenizer"), ("3 · Pre-training", "pretrain"),
        ("4 · Fine-tuning", "finetune"), ("5 · SFT, DPO & RLHF", "sft"), ("Run history", "runs")]
# English lines that have their own Korean: seeing one on a Korean page means it was not translated
UNTRANSLATED = {key for key, korean in i18n.KOREAN.items() if korean != key and "\n" not in key and len(key) > 3
                and key not in i18n.ENGLISH}


def open_page(browser, app_url, locale):
    context = browser.new_context(locale=locale, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(app_url)
    loaded(page)
    return context, page


@pytest.mark.parametrize("locale", ["ko-KR", "en-US"])
def test_every_tab_in_each_language(browser, app_url, shot, locale):
    context, page = open_page(browser, app_url, locale)
    korean = locale.startswith("ko")
    try:
        expect(page.locator("html")).to_have_attribute("lang", "ko" if korean else "en")
        for label, key in TABS:
            shown = i18n.t(locale, label)
            page.get_by_role("tab", name=shown).click()
            if key != "runs":
                page.locator(f"#{key}-learn").get_by_text(i18n.t(locale, "Learn: the ideas behind this tab")).click()
                expect(page.locator(f"#{key}-concept")).to_be_visible()
            page.wait_for_timeout(500)
            shot(page, f"lang-{locale}-{key}")
            lines = {line.strip() for line in page.locator("body").inner_text().splitlines()}
            if korean:
                assert not sorted(lines & UNTRANSLATED), (key, sorted(lines & UNTRANSLATED))
            else:
                assert not any("\uac00" <= ch <= "\ud7a3" for line in lines for ch in line), key
    finally:
        context.close()


def test_korean_corpus_in_the_tokenizer_tab(browser, app_url, shot, tmp_path):
    corpus = tmp_path / "korean.txt"
    corpus.write_text("\n".join(KOREAN * 3), encoding="utf-8")
    context, page = open_page(browser, app_url, "ko-KR")
    try:
        page.get_by_role("tab", name="2 · 토크나이저").click()
        page.locator("#tokenizer-guess").get_by_text("더 적게", exact=True).click()
        page.locator("#tok-corpus").get_by_text("파일 올리기", exact=True).click()
        page.locator("#tok-upload input[type=file]").set_input_files(str(corpus))
        page.locator("#tok-vocab input").fill("300")
        page.locator("#tok-vocab input").press("Tab")
        page.wait_for_timeout(1000)
        page.locator("#tokenizer-train").click()
        expect(page.locator("#tok-summary")).to_contain_text("최종 어휘", timeout=120_000)
        expect(page.locator("#tokenizer-status")).to_contain_text("완료")
        sample = page.locator("#tok-sample textarea")
        sample.fill("자율주행 자동차가 정말 좋아요")
        sample.press("Enter")
        expect(page.locator("#tok-sample-chips")).to_contain_text("자동차가")
        chips = page.locator("#tok-sample-chips").inner_text()
        assert "자동차가" in chips.replace("\n", "")
        assert not any(0x1100 <= ord(ch) <= 0x11FF for ch in chips)  # no decomposed jamo
        verdict = page.locator("#tokenizer-verdict")
        expect(verdict).to_contain_text("실행 결과")
        expect(verdict).to_contain_text("내 예측 더 적게")  # the guess made before the run
        said = verdict.inner_text()
        page.locator("#tokenizer-guess").get_by_text("더 많이", exact=True).click()  # a change after the answer
        page.wait_for_timeout(1500)
        assert verdict.inner_text() == said  # judged no more: the guess counted as it stood at the start
        shot(page, "lang-ko-KR-tokenizer-korean-corpus")
    finally:
        context.close()


# English a job's status line or table used to show on a Korean page (log lines, headers)
ENGLISH_WHILE_RUNNING = re.compile(r"\b(Training|Loading|Checking|Answering|Running|Done|step|params|trainable)\b")


def test_korean_while_a_comparison_runs_and_when_it_is_done(browser, app_url, shot):
    context, page = open_page(browser, app_url, "ko-KR")
    try:
        page.get_by_role("tab", name=i18n.t("ko", "4 · Fine-tuning")).click()
        for name in ("full", "qlora"):  # two quick methods (head, lora) keep it short on a busy machine
            label = dict((n, l) for l, n in concepts.method_choices())[name]
            page.locator("#finetune-methods").get_by_text(i18n.t("ko", label), exact=True).click()
        steps = page.locator("#finetune-steps input[type=number]")
        steps.fill("2")
        steps.press("Enter")
        guess = page.locator("#finetune-guess input[type=radio]")
        guess.first.check()
        page.locator("#finetune-run").click()
        status = page.locator("#finetune-status")
        expect(status).to_contain_text("실행 중", timeout=120_000)
        expect(guess.first).to_be_disabled()  # the guess is locked while the run runs
        seen, shots = [], 0
        deadline = time.time() + 420
        while time.time() < deadline:
            text = status.inner_text()
            if "완료" in text:
                break
            seen.append(text)
            assert not ENGLISH_WHILE_RUNNING.search(text), text
            if "실행 중" in text and (shots == 0 or ("학습하는 중" in text and shots == 1)):
                shots += 1
                shot(page, f"lang-ko-KR-finetune-running-{shots}")
                lines = {line.strip() for line in page.locator("body").inner_text().splitlines()}
                assert not sorted(lines & UNTRANSLATED), sorted(lines & UNTRANSLATED)
            page.wait_for_timeout(200)
        expect(status).to_contain_text("완료", timeout=10_000)
        assert any("실행 중" in t for t in seen)
        table = page.locator("#finetune-results")
        for header in ("trainable", "all params", "measured peak MB", "accuracy"):
            expect(table).to_contain_text(i18n.t("ko", header))
        assert not ENGLISH_WHILE_RUNNING.search(table.locator("thead").inner_text())
        expect(page.locator("#finetune-verdict")).to_contain_text("내 예측")
        expect(guess.first).to_be_enabled()
        shot(page, "lang-ko-KR-finetune-done")
        lines = {line.strip() for line in page.locator("body").inner_text().splitlines()}
        assert not sorted(lines & UNTRANSLATED), sorted(lines & UNTRANSLATED)
    finally:
        context.close()
