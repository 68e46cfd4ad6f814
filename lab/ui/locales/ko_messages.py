"""Korean for what handlers build on the server: status lines, messages, chart titles, table headers,
the predict-first questions and the method names as people say them."""

MESSAGES = {
    # the job panel
    "**Queued**, position {position}{whose}. The lab runs one job at a time.":
        "**대기 중**, {position}번째{whose}. 랩은 한 번에 작업 하나만 실행합니다.",
    "**Running**{whose}:{method} step {step}/{max_steps}, {per_step:.2f} s/step, about {eta:.0f} s left.":
        "**실행 중**{whose}:{method} 스텝 {step}/{max_steps}, 스텝당 {per_step:.2f}초, 약 {eta:.0f}초 남음.",
    "**Running**{whose}: {what}": "**실행 중**{whose}: {what}",
    "starting": "시작하는 중",
    "**Done** in {took:.1f} s{whose}.": "**완료**: {took:.1f}초{whose}.",
    "· trains in bf16 (mixed precision: this machine computes bf16 natively)":
        "· bf16로 학습 (혼합 정밀도: 이 컴퓨터는 bf16을 직접 계산합니다)",
    "· trains in fp32": "· fp32로 학습",
    "**Failed**{whose}: {error}": "**실패**{whose}: {error}",
    "No job to stop.": "멈출 작업이 없습니다.",
    "This job has already ended.": "이 작업은 이미 끝났습니다.",
    "**Stopping** at the end of this step…": "이번 스텝이 끝나면 **멈춥니다**…",
    # the fine-tuning tab
    "Results appear as each method finishes.": "방법마다 끝나는 대로 결과가 나타납니다.",
    "Eval accuracy": "평가 정확도",
    "Trainable parameters (%)": "학습 가능한 파라미터 (%)",
    "Memory: predicted ledger vs measured peak (MB)": "메모리: 예측 장부 대 측정한 최고치 (MB)",
    "Bytes to save (MB, log scale)": "저장할 바이트 (MB, 로그 눈금)",
    "weights": "가중치", "gradients": "그래디언트", "optimizer": "옵티마이저 상태", "activations": "활성값",
    "measured peak": "측정한 최고치", "whole model": "모델 전체", "what must be saved": "저장해야 하는 것",
    "Training loss vs step": "스텝별 학습 손실", "Training loss vs seconds": "시간(초)별 학습 손실",
    "Singular values of the learned update (alpha/r) B A": "학습된 업데이트 (alpha/r) B A의 특잇값",
    "AdaLoRA: rank kept per layer": "AdaLoRA: 층마다 남은 랭크",
    "step": "스텝", "rank": "랭크",
    "Tick AdaLoRA to watch its rank move between layers.": "AdaLoRA를 고르면 층 사이로 랭크가 옮겨 가는 모습을 볼 수 있습니다.",
    "method": "방법", "trainable": "학습 가능", "all params": "전체 파라미터", "trainable %": "학습 가능 %",
    "predicted MB": "예측 MB", "measured peak MB": "측정 최고 MB", "s / step": "초 / 스텝", "wall s": "총 초",
    "accuracy": "정확도", "F1": "F1", "saved MB": "저장 MB", "exported": "내보내기",
    "Use textbook settings": "교과서 설정 쓰기",
    "The code each ticked method runs (from lab/kinds/finetune/methods)": "선택한 방법마다 실행되는 코드 (lab/kinds/finetune/methods에서)",
    "Textbook settings set: {epochs} epochs of {rows:,} examples at batch {batch} = {steps} steps per method, "
    "up to 512 tokens, LoRA dropout 0.1, adapter width 64; each method keeps its own learning rate. ":
        "교과서 설정 적용: 예제 {rows:,}개를 배치 {batch}로 {epochs} 에폭 = 방법당 {steps} 스텝, 최대 512 토큰, "
        "LoRA 드롭아웃 0.1, 어댑터 너비 64. 학습률은 방법마다 자기 값을 씁니다. ",
    "About {minutes:.0f} minutes for the ticked methods, at the last comparison's measured speed.":
        "지난 비교에서 잰 속도로 치면, 선택한 방법들에 약 {minutes:.0f}분 걸립니다.",
    "The time per step shows in the status line once the first steps have run.":
        "첫 스텝들이 돌고 나면 상태 줄에 스텝당 시간이 나타납니다.",
    # method names as people say them (technical names stay)
    "Full fine-tuning": "전체 파인튜닝 (Full fine-tuning)",
    "Classifier only": "분류기만 (Classifier only)",
    "Head + top layers": "헤드 + 상위 층 (Head + top layers)",
    "Bottleneck adapter": "병목 어댑터 (Bottleneck adapter)",
    "Prompt tuning": "프롬프트 튜닝 (Prompt tuning)",
    "LoRA (peft)": "LoRA (peft)",
    "LoRA (from scratch)": "LoRA (직접 구현)",
    "QLoRA (4-bit NF4 + LoRA)": "QLoRA (4비트 NF4 + LoRA)",
    "DoRA (weight-decomposed LoRA)": "DoRA (가중치 분해 LoRA)",
    "AdaLoRA (dynamic rank)": "AdaLoRA (동적 랭크)",
    # the teaching panel and predict-first
    "Fine-Tuning Lab": "파인튜닝 랩",
    "Learn: the ideas behind this tab": "배우기: 이 탭에 담긴 개념",
    "**Textbook settings against this lab's defaults**": "**교과서 설정과 이 랩의 기본값 비교**",
    "The code this tab runs, read from the lab's own source": "이 탭이 실행하는 코드 (랩의 소스에서 그대로 읽음)",
    "Predict first: guess before you run; the result will tell.": "먼저 예측하기: 실행하기 전에 맞혀 보세요. 결과가 답해 줍니다.",
    "Will the new tokenizer use fewer tokens per text than the old one?":
        "새 토크나이저는 기존 것보다 텍스트당 토큰을 적게 쓸까요?",
    "Fewer tokens": "더 적게", "About the same": "비슷하게", "More tokens": "더 많이",
    "Will the eval perplexity end below the unigram level (the dashed line)?":
        "평가 perplexity가 유니그램 수준(점선)보다 낮게 끝날까요?",
    "Below": "낮게", "Above": "높게",
    "Which ticked method will be the most accurate?": "선택한 방법 중 어느 것이 가장 정확할까요?",
    "Will held-out accuracy rise after SFT?": "SFT 뒤에 검증 정확도가 오를까요?",
    "It will rise": "오른다", "It will stay": "그대로다", "It will fall": "내린다",
    "**The run's answer:** {answer}.": "**실행 결과의 답:** {answer}.",
    "**You guessed** {guess}; **the run says** {answer}: right!": "**내 예측** {guess}, **실행 결과** {answer}: 맞혔어요!",
    "**You guessed** {guess}; **the run says** {answer}.": "**내 예측** {guess}, **실행 결과** {answer}.",
    # the tokenizer tab
    "Choose a .txt, .csv or .jsonl file to upload first.": "먼저 올릴 .txt, .csv 또는 .jsonl 파일을 고르세요.",
    "Type a Hub dataset id such as owner/name, or pick the built-in tweets.":
        "owner/name 같은 Hub 데이터셋 id를 입력하거나 내장 트윗을 고르세요.",
    "Old tokenizer: {n} tokens": "기존 토크나이저: 토큰 {n}개",
    "New tokenizer: {n} tokens": "새 토크나이저: 토큰 {n}개",
    "{old:.2f} old → {new:.2f} new": "기존 {old:.2f} → 새 {new:.2f}",
    "Training time": "학습 시간",
    "{seconds:.2f} s on {texts:,} texts": "텍스트 {texts:,}개에 {seconds:.2f}초",
    "Final vocabulary": "최종 어휘",
    "{size:,} tokens (asked for {target:,})": "토큰 {size:,}개 (요청 {target:,}개)",
    "Tokens per held-out text": "검증 텍스트당 토큰 수",
    " ({saved:+.1%} fewer)": " ({saved:+.1%} 감소)",
    "Shared vocabulary": "공유 어휘",
    "{overlap:.1%} of the new tokens are also in the old vocabulary": "새 토큰의 {overlap:.1%}가 기존 어휘에도 있음",
    "Most used new tokens that the old vocabulary lacks (count on held-out texts)":
        "기존 어휘에 없는 새 토큰 중 가장 많이 쓰인 것 (검증 텍스트에서 센 횟수)",
    "Texts fed to train_new_from_iterator: {done:,} / {total:,}": "train_new_from_iterator에 넣은 텍스트: {done:,} / {total:,}",
    "Train a tokenizer first; then edit the sentence to compare.": "먼저 토크나이저를 학습하세요. 그런 다음 문장을 고쳐 비교합니다.",
    # figures drawn in lab/teach/figures.py, translated by i18n.localise
    "Nothing to show yet.": "아직 보여 줄 것이 없습니다.",
    "The curve appears with the first logged step.": "첫 스텝이 기록되면 곡선이 나타납니다.",
    "loss": "손실", "seconds": "초", "eval loss": "평가 손실", "train loss": "학습 손실",
    "eval perplexity": "평가 perplexity", "reward margin": "보상 차이",
    "Curves": "곡선", "Pick a run.": "실행을 고르세요.", "This run logged no curve.": "이 실행은 곡선을 남기지 않았습니다.",
    "Curves saved with the run": "실행과 함께 저장된 곡선",
    "DPO loss": "DPO 손실", "Eval perplexity": "평가 perplexity", "Eval perplexity (lower is better)": "평가 perplexity (낮을수록 좋음)",
    "MLM loss": "MLM 손실", "MLM loss (masked tokens only)": "MLM 손실 (가린 토큰만)",
    "Start pre-training to draw the curve.": "사전학습을 시작하면 곡선이 그려집니다.",
    "Milliseconds per stage": "단계별 밀리초", "Run the pipeline to time it.": "파이프라인을 실행하면 시간을 잽니다.",
    "load": "로드", "preprocess": "전처리", "forward": "순전파", "postprocess": "후처리",
    "One NF4 block": "NF4 블록 하나", "Press 'Show NF4 block' to quantise a real weight block.":
        "'NF4 블록 보기'를 누르면 실제 가중치 블록을 양자화합니다.",
    "Parameter map": "파라미터 지도", "Press the button to see what each method trains.":
        "버튼을 누르면 방법마다 무엇을 학습하는지 보여 줍니다.",
    "Which parameters train (count of trainable parameters per module group)":
        "어떤 파라미터가 학습되나 (모듈 묶음별 학습 가능한 파라미터 수)",
    "Reward margin (chosen − rejected)": "보상 차이 (선택 − 거절)", "no preference": "선호 없음",
    "Training loss": "학습 손실", "Training loss (answer tokens only)": "학습 손실 (답 토큰만)",
    "Train LoRA to see the singular values of its update.": "LoRA를 학습하면 업데이트의 특잇값을 볼 수 있습니다.",
    "singular value index": "특잇값 순번", "singular value": "특잇값", "weight value": "가중치 값", "count": "개수",
    "weights in the block": "블록 안의 가중치", "16 NF4 levels x absmax": "NF4의 16개 값 x absmax",
    # the run history's table
    "run": "실행", "tab": "탭", "status": "상태", "started": "시작", "yours": "내 것",
    # the pre-training tab
    ", about {mb:,.0f} MB to train": ", 학습에 약 {mb:,.0f} MB",
    "{params:,} parameters; vocabulary {vocab:,} tokens{memory}.": "파라미터 {params:,}개, 어휘 토큰 {vocab:,}개{memory}.",
    "MiniLM's own shape (6 layers, hidden 384, 12 heads, its 30,522-token vocabulary); the shape fields are ignored.":
        "MiniLM 고유의 형태 (6층, hidden 384, 헤드 12개, 토큰 30,522개 어휘). 형태 칸은 쓰지 않습니다.",
    "was {token}": "원래 {token}", "kept": "그대로",
    "Chosen tokens:": "고른 토큰:", "random token": "무작위 토큰", "kept as it was": "그대로 둠",
    "; the grey ones are not predicted.": ". 회색 토큰은 예측하지 않습니다.",
    "“{sentence}” at step {step}: top 5": "스텝 {step}의 “{sentence}”: 상위 5개",
    "below": "아래", "not yet below": "아직 위",
    "{params:,} parameters trained {steps} steps in {seconds:.0f} s; eval perplexity {first:,.0f} → {last:,.0f}, "
    "{verdict} the unigram level {unigram:,.0f}. Saved as “{label}”: pick it in the Pipeline tab (fill-mask) or "
    "as a base model for fine-tuning.":
        "파라미터 {params:,}개를 {steps} 스텝, {seconds:.0f}초 동안 학습. 평가 perplexity {first:,.0f} → {last:,.0f}, "
        "유니그램 수준 {unigram:,.0f}보다 {verdict}. “{label}”(으)로 저장: 파이프라인 탭(fill-mask)에서 고르거나 "
        "파인튜닝의 기반 모델로 쓰세요.",
    "{train:,} training blocks and {held:,} held-out blocks of {size} tokens; unigram perplexity {unigram:,.1f}.":
        "{size} 토큰 블록: 학습 {train:,}개, 검증 {held:,}개. 유니그램 perplexity {unigram:,.1f}.",
    # the SFT and DPO tab
    "carries loss": "손실 계산", "masked (label -100)": "가림 (레이블 -100)",
    "— in this example {loss} of {length} tokens carry loss; across the training set <b>{share:.1f}%</b> of tokens "
    "do. The number under each token is its label.":
        "— 이 예제에서는 토큰 {length}개 중 {loss}개에 손실이 걸리고, 학습 세트 전체로는 토큰의 <b>{share:.1f}%</b>에 "
        "걸립니다. 각 토큰 아래 숫자가 그 레이블입니다.",
    "One training example as trl tokenized it": "trl이 토큰화한 학습 예제 하나",
    "Held-out answers appear before training starts and again after it.": "검증 답변은 학습 시작 전과 학습 후에 나타납니다.",
    "Held-out accuracy: {before:.1f}% before": "검증 정확도: 학습 전 {before:.1f}%",
    " → {after:.1f}% after": " → 학습 후 {after:.1f}%", " → training…": " → 학습 중…",
    "held-out prompt": "검증 프롬프트", "expected": "정답", "before": "학습 전", "after": "학습 후",
    # the pipeline tab
    "No model for {task} yet: train one in {tab}, then it appears here.":
        "아직 {task} 모델이 없습니다. {tab}에서 하나 학습하면 여기에 나타납니다.",
    "the Fine-tuning tab": "파인튜닝 탭", "the Pre-training tab": "사전학습 탭",
    "This task's default model comes from the Hugging Face Hub; offline, it answers with one sentence instead.":
        "이 작업의 기본 모델은 Hugging Face Hub에서 옵니다. 오프라인이면 대신 한 문장으로 답합니다.",
    "Context": "문맥", "Candidate labels (comma-separated)": "후보 레이블 (쉼표로 구분)", "Second text": "두 번째 텍스트",
    "cosine similarity (1 = same direction, 0 = unrelated)": "코사인 유사도 (1 = 같은 방향, 0 = 무관)",
    "similarity": "유사도", "confidence": "확신도", "Label probabilities": "레이블 확률",
    "Top tokens for the mask": "마스크 자리의 상위 토큰", "Label scores": "레이블 점수",
    "Tokens and their ids": "토큰과 id", "**Post-processing:** {what}.": "**후처리:** {what}.",
    "Loaded the first of {n:,} texts from the file.": "파일의 텍스트 {n:,}개 중 첫 번째를 불러왔습니다.",
    "mean of the token vectors (mean pooling), then the cosine of the two sentence vectors":
        "토큰 벡터의 평균(mean pooling), 그다음 두 문장 벡터의 코사인",
    "the new token ids decoded to text; the prompt's ids are dropped": "새 토큰 id를 텍스트로 디코딩. 프롬프트의 id는 버림",
    "softmax over the logits, one probability per label": "logits에 softmax, 레이블마다 확률 하나",
    "softmax over the vocabulary at the [MASK] position, the top 5 tokens": "[MASK] 자리에서 어휘 전체에 softmax, 상위 5개 토큰",
    "softmax over start and end logits, the best span of the context": "시작과 끝 logits에 softmax, 문맥에서 가장 좋은 구간",
    "entailment logits of 'This example is {label}.' compared across labels":
        "'This example is {label}.'의 함의(entailment) logits를 레이블끼리 비교",
    "the generated ids decoded to text": "생성된 id를 텍스트로 디코딩",
    # the fine-tuning tab's results and explainers
    "plain model": "일반 모델", "adapter only: ": "어댑터만: ",
    "plain classifier folder": "일반 분류기 폴더",
    "LoRA merged into the weights: W + (alpha/r) B A": "LoRA를 가중치에 합침: W + (alpha/r) B A",
    "adds modules that a plain classifier does not have; saved as adapter weights only":
        "일반 분류기에 없는 모듈을 더하므로 어댑터 가중치만 저장",
    "reads the base's own sentence vector (the mean or [CLS] of its token vectors), which a plain classifier folder "
    "cannot hold; saved as the head's weights only":
        "기반 모델 자신의 문장 벡터(토큰 벡터의 평균 또는 [CLS])를 읽는데 일반 분류기 폴더에는 담을 수 없으므로 헤드 가중치만 저장",
    "the virtual tokens are not weights of the model; saved as the prompt vectors only":
        "가상 토큰은 모델의 가중치가 아니므로 프롬프트 벡터만 저장",
    "its base is 4-bit: merging would round the update into NF4, so only the adapter is saved (load it on the 4-bit base)":
        "기반 모델이 4비트라 합치면 업데이트가 NF4로 반올림되므로 어댑터만 저장 (4비트 기반 모델 위에 불러오기)",
    " · about {seconds:.0f} s left in all (if the next methods run as fast)":
        " · 전체 약 {seconds:.0f}초 남음 (다음 방법들도 같은 속도라면)",
    "Packed: over its steps the encoder computed {tokens:,} real tokens, not the {positions:,} positions of the "
    "padded batches ({ratio:.2f}x fewer; the values are the same)":
        "패킹: 인코더는 학습 내내 패딩된 배치의 {positions:,}개 위치가 아니라 실제 토큰 {tokens:,}개만 계산했습니다 "
        "({ratio:.2f}배 적음, 값은 같음)",
    "Now training": "지금 학습 중", "Last trained": "마지막으로 학습함", "({done} of {total})": "({total}개 중 {done}번째)",
    "A setting is not a number where one is needed ({error}).": "숫자가 필요한 설정에 숫자가 아닌 값이 있습니다 ({error}).",
    "**Queued**…": "**대기 중**…",
    "Run a comparison to the end first; its trained models answer here.": "먼저 비교를 끝까지 실행하세요. 학습한 모델들이 여기서 답합니다.",
    "Each target W is {w0}×{w1}: A is <b>{a0}×{a1}</b>, B is <b>{b0}×{b1}</b> ({lora:,} parameters instead of {wp:,}). "
    "{n} target layers: <b>{total_lora:,}</b> LoRA parameters, {pct:.3f}% of {total:,}; the update is scaled by "
    "alpha/r = {scaling:.2f}.":
        "대상 W는 각각 {w0}×{w1}: A는 <b>{a0}×{a1}</b>, B는 <b>{b0}×{b1}</b> ({wp:,}개 대신 파라미터 {lora:,}개). "
        "대상 층 {n}개: LoRA 파라미터 <b>{total_lora:,}</b>개, 전체 {total:,}개의 {pct:.3f}%. 업데이트에는 "
        "alpha/r = {scaling:.2f}를 곱합니다.",
    "absmax scale **{absmax:.4f}**; round-trip error **{error:.1%}** (relative), largest {largest:.4f}; **{bits:.3f}** "
    "bits per parameter ({double:.3f} with double quantisation) instead of 32.":
        "absmax 스케일 **{absmax:.4f}**, 왕복 오차 **{error:.1%}** (상대), 최대 {largest:.4f}. 파라미터당 32비트 대신 "
        "**{bits:.3f}**비트 (이중 양자화하면 {double:.3f}).",
    # textbook presets of the pre-training and SFT tabs
    "Textbook settings set: BERT-base's shape (12 layers, hidden 768, 12 heads), blocks of 512, dropout 0.1, "
    "learning rate 1e-4. The line above gives its size and memory; the status line gives the time per step once it runs.":
        "교과서 설정 적용: BERT-base의 형태 (12층, hidden 768, 헤드 12개), 512 토큰 블록, 드롭아웃 0.1, 학습률 1e-4. "
        "위 줄에 크기와 메모리가 나오고, 실행하면 상태 줄에 스텝당 시간이 나옵니다.",
    "Textbook learning rate set: 2e-4 for LoRA (the lab's default is 2e-3, for 60 steps).":
        "교과서 학습률 적용: LoRA에 2e-4 (랩의 기본값은 60스텝에 맞춘 2e-3).",
}
