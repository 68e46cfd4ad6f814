"""Both languages are complete: every user-visible string of the built page is an I18n key with
Korean and English, every string a handler builds (`tr`/`t`) has Korean, and the server-side lookup
follows the page's language."""
from __future__ import annotations

import ast
import html
import string
from pathlib import Path

import pytest

from lab.ui import i18n

UI_FILES = sorted(Path(__file__).resolve().parents[1].glob("lab/ui/*.py")) + [
    Path(__file__).resolve().parents[1] / "app.py"]
# built on the server at page build (numbers, token chips) and drawn again on load in the page's
# language (pretrain_tab's on_load); the browser test checks the Korean page shows no English there
BUILT_ON_THE_SERVER = {"pre-shape", "pre-preview"}


@pytest.fixture(scope="module")
def demo():
    import app

    built = app.build_demo()
    yield built
    built.runner.shutdown()


def test_every_visible_string_is_a_key_in_both_languages(demo):
    left = [(getattr(block, "elem_id", None), attr, text) for block, attr, text in i18n.visible_strings(demo)
            if getattr(block, "elem_id", None) not in BUILT_ON_THE_SERVER]
    assert left == [], "no Korean for these; add them to lab/ui/locales/ko.py"
    keys = set()
    for block in demo.blocks.values():
        for attr in (*i18n.TEXT_ATTRIBUTES, "value"):
            value = getattr(block, attr, None)
            if isinstance(value, i18n.I18nData):
                keys.add(value.key)
        for choice in getattr(block, "choices", None) or []:
            display = choice[0] if isinstance(choice, (list, tuple)) else choice
            if isinstance(display, i18n.I18nData):
                keys.add(display.key)
    assert len(keys) > 150
    english, korean = i18n.table("en"), i18n.table("ko")
    assert keys <= set(english) and keys <= set(korean)
    assert all(korean[k].strip() and english[k].strip() for k in keys)


def _literal_keys() -> set[str]:
    """First string argument of every tr(...), message_html(...) and translated(...), and second of every
    t(lang, ...), in the UI's source: message_html says its sentence in the page's language."""
    keys = set()
    for path in UI_FILES:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            position = {"tr": 0, "_": 0, "t": 1, "message_html": 0, "translated": 0}.get(node.func.id)
            if position is None or len(node.args) <= position:
                continue
            arg = node.args[position]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                keys.add(arg.value)
    return keys


def _dynamic_keys() -> set[str]:
    """Keys the handlers look up from tables rather than literals."""
    from lab.teach import concepts
    from lab.ui import finetune_tab

    from lab.kinds import pipeline as pipelines
    from lab.ui import common, pipeline_tab, runs_tab

    keys = set(common.PRECISION_TEXT.values()) | set(finetune_tab.TABLE_COLUMNS) | set(runs_tab.COLUMNS) | {"weights", "gradients", "optimizer", "activations",
                                                                       "workspace"}
    for question, choices in concepts.PREDICT.values():
        keys |= {question, *(choices or [])}
    figures = {"Nothing to show yet.", "The curve appears with the first logged step.", "loss", "seconds",
               "MLM loss (masked tokens only)", "Eval perplexity (lower is better)", "Milliseconds per stage",
               "One NF4 block", "Parameter map", "DPO loss", "Training loss (answer tokens only)",
               "Reward model loss", "Held-out pairwise accuracy", "chance", "KL to the starting model",
               "Completion length (tokens)", "Mean reward per step (band: its spread)", "± spread", "summed reward",
               "reward", "Steps, learning rate and held-out pairs must be numbers.",
               "Every setting of stage 2 must be a number, except the policy, the reward model and the algorithm."}
    keys |= set(pipelines.POSTPROCESS.values()) | set(pipelines.TRAINED_BY.values())
    from lab.kinds.finetune.methods import METHODS  # each method's reason it saves only its adapter, shown in the table

    keys |= {m.NO_EXPORT_REASON for m in METHODS.values() if getattr(m, "NO_EXPORT_REASON", None)}
    keys |= {"plain classifier folder", "LoRA merged into the weights: W + (alpha/r) B A"}
    keys |= {label for label, _ in pipeline_tab.SECOND_BOX.values()} | {"Second text"}
    return keys | figures | {label for label, _ in concepts.method_choices()}


def test_every_handler_message_has_korean():
    keys = _literal_keys() | _dynamic_keys()
    assert len(keys) > 30
    missing = sorted(k for k in keys if k not in i18n.KOREAN)
    assert missing == []


def test_named_keys_exist_in_both_tables():
    assert set(i18n.ENGLISH) <= set(i18n.KOREAN)
    named = {k for k in i18n.KOREAN if k.startswith(("concept.", "textbook."))}
    assert named == set(i18n.ENGLISH)


def test_placeholders_match_between_languages():
    import string

    for key, korean in i18n.KOREAN.items():
        english = i18n.english(key)
        fields = lambda text: sorted(f for _, f, _, _ in string.Formatter().parse(text) if f)  # noqa: E731
        if "{" in key and "$" not in english and "{label}" not in key:  # templates (not LaTeX, not a quoted {label})
            assert fields(korean) == fields(english), key


def test_server_side_lookup_follows_the_page_language():
    assert i18n.language("ko-KR") == "ko" and i18n.language("en-US") == "en" and i18n.language(None) == "en"
    assert i18n.t("ko", "Stop") == "멈추기" and i18n.t("en", "Stop") == "Stop"
    assert i18n.t("ko", "**Done** in {took:.1f} s{whose}.", took=3.14159, whose="") == "**완료**: 3.1초."
    assert "bf16" in i18n.t("ko", "· trains in bf16 (mixed precision: this machine computes bf16 natively)")
    handler = i18n.with_lang(lambda x: (x, i18n.tr("Stop")))
    assert handler(1, "ko") == (1, "멈추기") and handler(2, "en-GB") == (2, "Stop")

    def stream(n):
        for _ in range(n):
            yield i18n.tr("Stop")
    assert list(i18n.with_lang(stream)(2, "ko")) == ["멈추기", "멈추기"]


def test_figures_are_redrawn_in_the_page_language():
    from lab.teach.figures import curve_figure, empty_figure

    fig = i18n.with_lang(lambda: i18n.localise(empty_figure("MLM loss", "Start pre-training to draw the curve.")))("ko")
    assert fig.layout.title.text == "MLM 손실" and fig.layout.annotations[0].text == "사전학습을 시작하면 곡선이 그려집니다."
    events = [{"type": "step", "step": 1, "loss": 2.0, "method": "lora"}]
    fig = i18n.with_lang(lambda: i18n.localise(curve_figure(events, title="Training loss vs step")))("ko-KR")
    assert fig.layout.title.text == "스텝별 학습 손실" and fig.layout.xaxis.title.text == "스텝"
    assert fig.data[0].name == "lora"  # method ids stay
    english = i18n.with_lang(lambda: i18n.localise(curve_figure(events, title="Training loss vs step")))("en")
    assert english.layout.title.text == "Training loss vs step"


def test_technical_names_stay():
    for name in ("LoRA (peft)", "QLoRA (4-bit NF4 + LoRA)", "DoRA (weight-decomposed LoRA)", "AdaLoRA (dynamic rank)"):
        tech = name.split(" ")[0]
        assert tech in i18n.KOREAN[name]


def test_every_sentence_lab_can_make_has_korean():
    """LabError, Cancelled and notice sentences anywhere in lab/ (found with ast) have a Korean template."""
    from lab.ui.locales.errors import english_templates
    from lab.ui.locales.ko_errors import ERRORS

    found = english_templates()
    assert len(found) > 150
    missing = {text: where for text, where in found.items() if text not in ERRORS}
    assert missing == {}, "add these to lab/ui/locales/ko_errors.py"
    for english, korean in ERRORS.items():  # the Korean uses exactly the values the English has
        assert sorted(f for _, f, _, _ in string.Formatter().parse(korean) if f) == \
            sorted(f for _, f, _, _ in string.Formatter().parse(english) if f), english


@pytest.mark.parametrize("english, korean", [
    ("Steps must be between 1 and 2000; 5000 is not.", "스텝은 1에서 2000 사이여야 합니다. 5000은(는) 안 됩니다."),
    ("reviews.csv has 3 different labels for 3 rows; labels must be categories, not free text or numbers.",
     "reviews.csv에는 3개 행에 서로 다른 레이블이 3개 있습니다. 레이블은 자유 텍스트나 숫자가 아닌 범주여야 합니다."),
    ('notes.jsonl, line 3, is not a JSON object; write {"text": ...} per line.',
     'notes.jsonl, 3번째 줄이 JSON 객체가 아닙니다. 줄마다 {"text": ...}를 쓰세요.'),
    ("Stopped at its time budget of 600 s; what finished before is kept. Lower the steps or the batch size to fit.",
     "시간 예산 600초에 이르러 멈췄습니다. 그 전에 끝난 것은 남습니다. 맞추려면 스텝이나 배치 크기를 낮추세요."),
    ("The job failed: KeyError: 'label'", "작업이 실패했습니다: KeyError: 'label'"),
    ("The job's process exited with code 3 before it finished; its log shows how far it got.",
     "작업 프로세스가 끝나기 전에 코드 3(으)로 종료되었습니다. 어디까지 진행했는지는 로그에 있습니다."),
])
def test_an_english_sentence_reaches_a_korean_page_in_korean(english, korean):
    from lab.ui.html import message_html

    assert i18n.with_lang(lambda: i18n.translated(english))("ko-KR") == korean
    assert i18n.with_lang(lambda: i18n.translated(english))("en") == english
    assert html.escape(korean) in i18n.with_lang(lambda: message_html(english))("ko")
    assert i18n.with_lang(lambda: i18n.translated("Not a sentence the lab makes."))("ko") == \
        "Not a sentence the lab makes."


def test_a_raised_error_is_translated_with_its_values():
    from lab.errors import LabError
    from lab.kinds.finetune.data import check_settings
    from lab.config import FinetuneConfig

    with pytest.raises(LabError) as caught:
        check_settings(FinetuneConfig(steps=10 ** 6))
    korean = i18n.with_lang(lambda: i18n.translated(str(caught.value)))("ko")
    assert korean != str(caught.value) and "1000000" in korean and not any(c.isascii() and c.isalpha() for c in
                                                                            korean.replace("1000000", ""))


@pytest.mark.parametrize("log_line, korean", [
    ("Training full…", "full 학습하는 중…"),
    ("Loading smollm2…", "smollm2 불러오는 중…"),
    ("Answering 8 held-out prompts before training…", "학습 전에 검증 프롬프트 8개에 답하는 중…"),
    ("Reading the corpus", "말뭉치를 읽는 중…"),
])
def test_a_running_jobs_log_line_reaches_a_korean_page_in_korean(log_line, korean):
    """The status line of a running job shows its last log line, f-strings included, in the page's language."""
    from lab.ui.common import status_text

    snap = {"owner": "me", "status": "running", "all_events": [{"type": "log", "message": log_line}]}
    assert i18n.with_lang(lambda: status_text(snap, "me"))("ko") == f"**실행 중**: {korean}"
    assert i18n.with_lang(lambda: status_text(snap, "me"))("en") == f"**Running**: {log_line.rstrip('…')}…"


def test_every_log_line_a_job_emits_has_korean_with_its_values():
    """Every `ctx.log(...)` in lab/ (found with ast) is matched at display time, its values kept."""
    from lab.ui.locales.errors import english_templates
    from lab.ui.locales.ko_logs import LOGS

    logs = {t for t, where in english_templates().items() if t in LOGS}
    assert "Training {0}…" in logs and len(logs) >= 15
    for template in logs:
        values = [f"v{i}" for i in range(template.count("{"))]
        korean = i18n.with_lang(lambda: i18n.translated(template.format(*values)))("ko")
        assert korean == LOGS[template].format(*values)
        assert all(v in korean for v in values)


def test_the_results_table_keeps_korean_headers_while_a_comparison_runs():
    """Before the first method finishes the table still gets its headers, in the page's language
    (an empty value brought back the English headers it was built with)."""
    from lab.ui import finetune_tab

    snap = {"owner": "me", "status": "running", "all_events": []}
    table = i18n.with_lang(lambda: finetune_tab.render([], snap))("ko")[3]
    assert table["data"] == [] and table["headers"] == [i18n.t("ko", c) for c in finetune_tab.TABLE_COLUMNS]
    assert table["headers"][2] != "all params"
