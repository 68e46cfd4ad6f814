"""Korean for the log lines jobs emit (`ctx.log(...)` in lab/kinds/), which a running job's status line
shows, and for the sentences a job's end gives when its process fails (lab/serve/).

Keys are templates as lab/ui/locales/errors.py finds them with `ast`: an f-string's values become
`{0}`, `{1}`, ... and are matched at display time, so "Training lora…" reaches a Korean page as
"lora 학습하는 중…". ko_errors.py folds this table into its own; tests/test_i18n.py fails on a log
line without Korean here.
"""

LOGS = {
    "Checking the settings and the data…": "설정과 데이터를 확인하는 중…",
    "Training {0}…": "{0} 학습하는 중…",
    "Loading {0}…": "{0} 불러오는 중…",
    "Answering {0} held-out prompts before training…": "학습 전에 검증 프롬프트 {0}개에 답하는 중…",
    "Answering the same held-out prompts after training…": "학습 뒤 같은 검증 프롬프트에 답하는 중…",
    "Tokenizing the pairs with trl…": "trl로 쌍을 토큰화하는 중…",
    "Tokenizing and masking with trl…": "trl로 토큰화하고 마스킹하는 중…",
    "Saving the tuned model…": "튜닝한 모델을 저장하는 중…",
    "Continuing MiniLM's pre-training: its encoder is trained, its MLM head starts untrained":
        "MiniLM 사전학습을 이어 가는 중: 인코더는 학습되어 있고 MLM 헤드는 처음부터 시작",
    "Tokenizing the corpus with datasets.map(batched=True) and cutting it into blocks":
        "datasets.map(batched=True)로 말뭉치를 토큰화하고 블록으로 자르는 중",
    "{0} parameters; {1} training blocks of {2} tokens": "파라미터 {0}개, {2} 토큰짜리 학습 블록 {1}개",
    "No trained tokenizer yet: using MiniLM's 30,522-token vocabulary":
        "아직 학습한 토크나이저가 없어 MiniLM의 30,522개 토큰 어휘를 쓰는 중",
    "Using the newest trained tokenizer: {0}": "가장 최근에 학습한 토크나이저를 쓰는 중: {0}",
    "Reading the corpus": "말뭉치를 읽는 중",
    "Training a {0}-token vocabulary from {1} on {2} texts": "텍스트 {2}개로 {1}에서 {0}개 토큰 어휘를 학습하는 중",
    "Comparing the old and the new tokenizer on held-out texts": "검증 텍스트에서 기존 토크나이저와 새 토크나이저를 비교하는 중",
    # a job's end when its handler or its process fails (lab/serve/runner.py, lab/serve/child.py)
    "The job failed: {0}": "작업이 실패했습니다: {0}",
    "The job's process was killed (SIGKILL), most likely because the machine ran out of memory; "
    "try fewer methods, a smaller batch or shorter texts.":
        "작업 프로세스가 강제로 종료되었습니다 (SIGKILL). 아마 컴퓨터의 메모리가 모자랐을 것입니다. "
        "방법 수를 줄이거나, 배치를 작게 하거나, 텍스트를 짧게 하세요.",
    "The job's process was stopped by signal {0}; run it again, and report it if it happens again.":
        "작업 프로세스가 신호 {0}(으)로 멈췄습니다. 다시 실행하고, 또 그러면 알려 주세요.",
    "The job's process exited with code {0} before it finished; its log shows how far it got.":
        "작업 프로세스가 끝나기 전에 코드 {0}(으)로 종료되었습니다. 어디까지 진행했는지는 로그에 있습니다.",
}
