"""Korean for the Run history tab (sharing, stopping, deleting, pinning, instructor mode, export box),
the watch links, and the status lines that say how a run stopped."""

RUNS = {
    # the tab's page text
    "Your runs and the runs shared with the class, kept across restarts of the app. Click a row to see its "
    "settings, figures and curves; share your run to give the class a read-only watch link.":
        "내 실행과 반에 공유된 실행입니다. 앱을 다시 시작해도 남습니다. 행을 누르면 설정, 수치, 곡선이 보이고, "
        "내 실행을 공유하면 반에 읽기 전용 보기 링크를 줄 수 있습니다.",
    "Instructor token": "강사 토큰",
    "Run (click a row, or paste a run id and press Enter)": "실행 (행을 누르거나, 실행 id를 붙여 넣고 Enter)",
    "Share / unshare": "공유 / 공유 해제",
    "Delete": "삭제",
    "Pin for the class": "반 전체에 고정",
    "shared": "공유됨",
    # what the buttons answer
    "This run is private again.": "이 실행은 다시 비공개입니다.",
    "Shared with the class. Watch link: {link} (read-only).": "반에 공유했습니다. 보기 링크: {link} (읽기 전용).",
    "Stopping at the end of this step; what finished is kept.": "이번 스텝이 끝나면 멈춥니다. 끝난 것은 남습니다.",
    "This run is not queued or running any more.": "이 실행은 더 이상 대기 중이거나 실행 중이 아닙니다.",
    "Deleted, with its files.": "파일과 함께 삭제했습니다.",
    "Pinned: every page without a job of its own now watches this run.":
        "고정했습니다: 자기 작업이 없는 모든 페이지가 이제 이 실행을 봅니다.",
    "This run saved no files.": "이 실행은 파일을 저장하지 않았습니다.",
    "Its files download once the run has ended.": "파일은 실행이 끝난 뒤에 내려받을 수 있습니다.",
    # the export box
    "Export this run: script, report, Hub": "이 실행 내보내기: 스크립트, 보고서, Hub",
    "**Export** gives a zip with the run's settings, per-step metrics (CSV), figures (HTML that opens offline) "
    "and `script/train.py`: the run as a standalone script that reproduces it with transformers, peft and trl, "
    "and scales out with `accelerate launch` (see its README).":
        "**내보내기**는 실행의 설정, 스텝별 지표 (CSV), 그림 (오프라인에서 열리는 HTML), 그리고 `script/train.py`를 "
        "담은 zip을 줍니다. `script/train.py`는 이 실행을 transformers, peft, trl로 재현하는 독립 스크립트이며 "
        "`accelerate launch`로 규모를 키울 수 있습니다 (README 참고).",
    "Export script and report (zip)": "스크립트와 보고서 내보내기 (zip)",
    "Report and script (zip)": "보고서와 스크립트 (zip)",
    "**Push to the Hub**: the trained model (or LoRA adapter) with a model card of its figures. The token is "
    "used for this upload only and never stored.":
        "**Hub에 올리기**: 학습된 모델 (또는 LoRA 어댑터)을 수치가 담긴 모델 카드와 함께 올립니다. 토큰은 이번 "
        "업로드에만 쓰이고 저장되지 않습니다.",
    "Repository (your-name/model-name)": "저장소 (your-name/model-name)",
    "Method (fine-tuning comparisons only)": "방법 (파인튜닝 비교만)",
    "Hugging Face token (write)": "Hugging Face 토큰 (쓰기)",
    "Push to the Hub": "Hub에 올리기",
    "Exported: download the zip above.": "내보냈습니다: 위의 zip을 내려받으세요.",
    "Pushed to {url}.": "{url}에 올렸습니다.",
    "Start a run first; then export it here.": "먼저 실행을 시작하세요. 그다음 여기서 내보낼 수 있습니다.",
    "Export the run once it has ended.": "실행이 끝난 뒤에 내보내세요.",
    # status lines and the job panel
    " (shared with the class)": " (반에 공유된 실행)",
    "This run is no longer shared with the class.": "이 실행은 이제 반에 공유되어 있지 않습니다.",
    "**Stopped**{whose}: {why}": "**멈춤**{whose}: {why}",
    "what finished before is kept.": "그 전에 끝난 것은 남습니다.",
    "Only the person who started this job (or the instructor) can stop it.":
        "이 작업은 시작한 사람 (또는 강사)만 멈출 수 있습니다.",
    "The page has not finished loading; reload it and press the button again.":
        "페이지가 아직 다 열리지 않았습니다. 새로 고친 뒤 버튼을 다시 누르세요.",
    "The job could not be queued ({error}); check the settings and press the button again.":
        "작업을 대기열에 넣지 못했습니다 ({error}). 설정을 확인하고 버튼을 다시 누르세요.",
    " before it was stopped (last evaluated at step {step})": " (멈추기 전까지, 마지막 평가는 {step} 스텝)",
    " → not asked again: stopped before the end": " → 다시 묻지 않음: 끝나기 전에 멈춤",
    "{params:,} parameters trained {steps} steps{stopped} in {seconds:.0f} s; eval perplexity {first:,.0f} → "
    "{last:,.0f}, {verdict} the unigram level {unigram:,.0f}. Saved as “{label}”: pick it in the Pipeline tab "
    "(fill-mask) or as a base model for fine-tuning.":
        "파라미터 {params:,}개를 {steps} 스텝{stopped}, {seconds:.0f}초 동안 학습. 평가 perplexity {first:,.0f} → "
        "{last:,.0f}, 유니그램 수준 {unigram:,.0f}보다 {verdict}. “{label}”(으)로 저장했습니다: 파이프라인 탭 "
        "(fill-mask)에서 고르거나 파인튜닝의 기반 모델로 쓰세요.",
    # handlers' number checks
    "Max new tokens and temperature must be numbers.": "새 토큰 수와 temperature는 숫자여야 합니다.",
    "Steps, batch size, learning rate and held-out prompts must be numbers.":
        "스텝, 배치 크기, 학습률, 검증 프롬프트 수는 숫자여야 합니다.",
    "Steps, beta and held-out prompts must be numbers.": "스텝, beta, 검증 프롬프트 수는 숫자여야 합니다.",
    "workspace": "작업 공간",
    "latest (the newest trained tokenizer, else MiniLM's), minilm, smollm2, or run:<id> of a tokenizer run.":
        "latest(가장 최근에 학습한 토크나이저, 없으면 MiniLM의 것), minilm, smollm2, 또는 토크나이저 실행의 run:<id>.",
}
