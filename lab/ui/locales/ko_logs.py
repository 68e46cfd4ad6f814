"""Korean for the log lines jobs emit (`ctx.log(...)` in lab/kinds/), which a running job's status line shows.

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
}
