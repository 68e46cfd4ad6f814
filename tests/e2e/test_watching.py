"""Two pages watch one fine-tuning run: the owner shares it, a page that opens its watch link mid-run
draws the earlier points too, and both end with the same curves (every step, in order)."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import open_tab
from tests.e2e.test_sharing import first_run_id, pick

CURVE = "document.querySelector('#finetune-loss-step .js-plotly-plot')"


def curves(page) -> list:
    """[[name, xs, ys]] of the loss-vs-step plot as the browser drew it."""
    return page.evaluate(f"() => {{ const p = {CURVE}; return p && p.data ? "
                         "p.data.map(t => [t.name, Array.from(t.x), Array.from(t.y)]) : []; }")


def open_finetune(browser, url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    page.wait_for_selector("#tab-pipeline", state="attached")
    open_tab(page, "4 · Fine-tuning")
    return context, page


def test_two_pages_watch_one_run(browser, app_url, shot):
    first_context, first = open_finetune(browser, app_url)
    methods = first.locator("#finetune-methods")
    for name in ("head", "lora", "qlora"):
        methods.get_by_label(name, exact=True).uncheck()
    steps = first.locator("#finetune-steps input[type=number]")
    steps.fill("10")
    steps.press("Enter")
    first.locator("#finetune-run").click()
    first.wait_for_function(f"() => {{ const p = {CURVE}; return p && p.data && p.data.length && "
                            "p.data[0].x.length >= 3; }", timeout=120_000)
    run_id = first_run_id(first)  # the owner shares the run: its watch link is what the class opens
    pick(first, run_id)
    first.locator("#runs-share").click()
    expect(first.locator("#runs-note")).to_contain_text(f"?run={run_id}")
    open_tab(first, "4 · Fine-tuning")
    first.wait_for_function(f"() => {{ const p = {CURVE}; return p && p.data && p.data.length; }}")
    seen_before = curves(first)[0][1]

    second_context, second = open_finetune(browser, f"{app_url}?run={run_id}")  # arrives mid-run
    second.wait_for_function(f"() => {{ const p = {CURVE}; return p && p.data && p.data.length; }}")
    joined = curves(second)[0][1]
    assert joined[: len(seen_before)] == seen_before and joined[0] == 1
    shot(second, "watching-01-joined-mid-run")

    for page in (first, second):
        expect(page.locator("#finetune-status")).to_contain_text("Done", timeout=170_000)
    final_first, final_second = curves(first), curves(second)
    assert final_first == final_second
    assert [name for name, _, _ in final_first] == ["full"]
    assert final_first[0][1] == list(range(1, 11))
    assert "shared with the class" in second.locator("#finetune-status").inner_text()
    shot(first, "watching-02-first-page-done")
    shot(second, "watching-03-second-page-done")
    first_context.close()
    second_context.close()
