"""Two pages watch one fine-tuning run: the page that opens mid-run draws the earlier points too, and
both end with the same curves (every step, in order)."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import loaded, open_tab
from tests.e2e.test_sharing import first_run_id, new_page, pick

CURVE = "document.querySelector('#finetune-loss-step .js-plotly-plot')"


def wait_curves(page, points: int = 1, timeout: float = 60_000) -> list:
    """[[name, xs, ys]] of the loss-vs-step plot as the browser drew it, once it shows at least `points`
    steps. The wait returns the data it saw: Gradio may swap the plot element between two evaluations, so a
    wait followed by a separate read can race and read an empty plot."""
    data = "p.data.map(t => [t.name, Array.from(t.x), Array.from(t.y)])"
    handle = page.wait_for_function(
        f"() => {{ const p = {CURVE}; return p && p.data && p.data.length && p.data[0].x.length >= {points} "
        f"? {data} : null; }}", timeout=timeout)
    return handle.json_value()


def open_finetune(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(app_url)
    loaded(page)
    page.get_by_role("tab", name="4 · Fine-tuning").click()
    return context, page


def test_two_pages_watch_one_run(browser, app_url, shot):
    first_context, first = open_finetune(browser, app_url)
    methods = first.locator("#finetune-methods")
    for name in ("Classifier only", "LoRA (peft)", "QLoRA (4-bit NF4 + LoRA)"):  # the checkboxes' readable names
        methods.get_by_label(name, exact=True).uncheck()
    steps = first.locator("#finetune-steps input[type=number]")
    steps.fill("10")
    steps.press("Enter")
    first.locator("#finetune-run").click()
    seen_before = wait_curves(first, points=3, timeout=120_000)[0][1]
    run_id = first_run_id(first)  # runs are private: the first page shares its run to give its watch link
    pick(first, run_id)
    first.locator("#runs-share").click()
    expect(first.locator("#runs-note")).to_contain_text(f"?run={run_id}")
    open_tab(first, "4 · Fine-tuning")

    second_context, second = new_page(browser, f"{app_url}?run={run_id}")  # a student who arrives mid-run
    joined = wait_curves(second)[0][1]
    assert joined[: len(seen_before)] == seen_before and joined[0] == 1
    shot(second, "watching-01-joined-mid-run")

    for page in (first, second):
        expect(page.locator("#finetune-status")).to_contain_text("Done", timeout=170_000)
    final_first, final_second = wait_curves(first, points=10), wait_curves(second, points=10)
    assert final_first == final_second
    assert [name for name, _, _ in final_first] == ["full"]
    assert final_first[0][1] == list(range(1, 11))
    assert "shared with the class" in second.locator("#finetune-status").inner_text()
    shot(first, "watching-02-first-page-done")
    shot(second, "watching-03-second-page-done")
    first_context.close()
    second_context.close()
