"""Korean for the RLHF sub-tab (lab/ui/rl_tab.py) and the sentences its jobs make (lab/kinds/causal/reward.py,
rl.py): ko.py and ko_errors.py fold these tables into their own."""

STRINGS = {
    "**Stage 1** learns a reward model from preference pairs (the DPO pairs: the right label chosen, the wrong one rejected). **Stage 2** samples several answers per prompt, scores them with the rewards and raises the likelihood of those above their group's mean (GRPO). Start stage 2 when stage 1 is done.":
        "**1단계**는 선호 쌍(DPO와 같은 쌍: 맞는 레이블이 선택, 틀린 레이블이 거절)에서 보상 모델을 학습합니다. **2단계**는 프롬프트마다 답을 여러 개 샘플링해 보상으로 점수를 매기고, 그룹 평균보다 높은 답의 확률을 높입니다(GRPO). 1단계가 끝나면 2단계를 시작하세요.",
    '<div class="lab-caption">Held-out pairwise accuracy appears after training.</div>':
        '<div class="lab-caption">학습이 끝나면 보류 쌍의 쌍별 정확도가 나타납니다.</div>',
    '<div class="lab-caption">Sampled completions and their rewards appear every few steps.</div>':
        '<div class="lab-caption">몇 스텝마다 샘플링한 답과 그 보상이 나타납니다.</div>',
    "Held-out pairwise accuracy appears after training.": "학습이 끝나면 보류 쌍의 쌍별 정확도가 나타납니다.",
    "Sampled completions and their rewards appear every few steps.": "몇 스텝마다 샘플링한 답과 그 보상이 나타납니다.",
    "Accuracy": "정확도", "Algorithm": "알고리즘", "Beta (KL)": "베타 (KL)", "Completion length": "답 길이",
    "Completions sampled per prompt (a group; at least 2, so the group has a mean).":
        "프롬프트마다 샘플링하는 답의 수(한 그룹; 그룹에 평균이 있도록 2개 이상).",
    "Format rule weight": "형식 규칙 가중치", "Generations per prompt": "프롬프트당 생성 수",
    "Held-out pairs": "보류 쌍",
    "Held-out pairs scored after training: pairwise accuracy and reward margin.":
        "학습 뒤 점수를 매길 보류 쌍: 쌍별 정확도와 보상 차이.",
    "KL": "KL",
    "Beta is 0: no reference model is loaded, so no KL is computed.":
        "베타가 0이라 참조 모델을 불러오지 않으므로 KL을 계산하지 않습니다.",
    "Will held-out accuracy rise after RL, though no right answer is ever shown to the policy?":
        "정책에게 정답을 한 번도 보여 주지 않는데도, RL 뒤에 검증 정확도가 오를까요?",
    "KL weight to the starting model: 0 loads no reference and logs no KL; above 0 holds the policy near it.":
        "시작 모델에 대한 KL 가중치: 0이면 참조 모델을 불러오지 않고 KL도 기록하지 않습니다. 0보다 크면 정책을 시작 모델 가까이 붙잡아 둡니다.",
    "Label rule weight": "레이블 규칙 가중치", "Length": "길이", "Length rule weight": "길이 규칙 가중치",
    "Optimizer steps; each samples new completions.": "옵티마이저 스텝 수. 스텝마다 새 답을 샘플링합니다.",
    "Policy to start from": "시작할 정책", "Prompt": "프롬프트", "Prompts per step": "스텝당 프롬프트 수",
    "Prompts sampled per step.": "스텝마다 샘플링하는 프롬프트 수.",
    "RLHF: the reward model": "RLHF: 보상 모델", "Reinforcement (RLHF: reward model, GRPO)": "강화학습 (RLHF: 보상 모델, GRPO)",
    "Reward": "보상", "Reward hacking: longer scores more": "보상 해킹: 길수록 점수가 높음",
    "Reward model (latest or run:<id>)": "보상 모델 (latest 또는 run:<id>)", "Reward model base": "보상 모델의 바탕 모델",
    "Reward model weight": "보상 모델 가중치", "Sampling temperature: higher explores more.": "샘플링 온도: 높을수록 더 많이 탐색합니다.",
    "Score": "점수 매기기", "Score any prompt and answer with your reward model": "내 보상 모델로 아무 프롬프트와 답에 점수 매기기",
    "Stage 1 · Reward model (RewardTrainer)": "1단계 · 보상 모델 (RewardTrainer)",
    "Stage 2 · Policy optimisation (GRPOTrainer)": "2단계 · 정책 최적화 (GRPOTrainer)",
    "Step size of AdamW; 0 picks the default (2e-4).": "AdamW의 스텝 크기. 0이면 기본값(2e-4)을 씁니다.",
    "The reward model's base: minilm (packaged encoder) or smollm2 (with a new score head).":
        "보상 모델의 바탕: minilm(패키지 인코더) 또는 smollm2(새 점수 헤드를 붙임).",
    "The reward model: latest (your newest reward-model run), run:<id>, or none.":
        "보상 모델: latest(내 가장 최근 보상 모델 실행), run:<id>, 또는 none.",
    "Tokens each sampled completion may have.": "샘플링한 답 하나가 가질 수 있는 토큰 수.",
    "Train (RL)": "학습 (RL)", "Train the reward model": "보상 모델 학습", "Verifiable: the label rule": "검증 가능한 보상: 레이블 규칙",
    "Weight of a rule the policy can game: longer answers score more.": "정책이 속일 수 있는 규칙의 가중치: 긴 답일수록 점수가 높습니다.",
    "Weight of the format rule: 1 when the answer is exactly one label.": "형식 규칙의 가중치: 답이 정확히 레이블 하나이면 1.",
    "Weight of the reward model's score in the summed reward.": "합산 보상에서 보상 모델 점수의 가중치.",
    "Weight of the verifiable rule: 1 when the answer names the tweet's label.": "검증 가능한 규칙의 가중치: 답이 트윗의 레이블을 말하면 1.",
    "grpo": "grpo", "rloo": "rloo", "minilm": "minilm", "smollm2": "smollm2",
    "grpo: each completion's reward minus its group's mean, over the group's spread; rloo: minus the mean of the other completions.":
        "grpo: 각 답의 보상에서 그룹 평균을 빼고 그룹의 표준편차로 나눕니다. rloo: 나머지 답들의 평균을 뺍니다.",
    "smollm2 shows what RL alone teaches; run:<id> of an SFT run follows the full recipe (SFT, then a reward model, then RL).":
        "smollm2는 강화학습만으로 배우는 것을 보여 줍니다. SFT 실행의 run:<id>는 전체 절차(SFT, 보상 모델, 강화학습)를 따릅니다.",
    "Held-out pairs ranked right: {accuracy:.1f}% (chance: 50%), mean margin {margin:.2f}":
        "보류 쌍을 바르게 순위 매김: {accuracy:.1f}% (우연: 50%), 평균 차이 {margin:.2f}",
    "Reward: **{value:.3f}** (higher means the reward model prefers this answer)":
        "보상: **{value:.3f}** (높을수록 보상 모델이 이 답을 선호합니다)",
    "Sampled completions at step {step}": "스텝 {step}에서 샘플링한 답", "summed": "합산", "completion": "답",
    "prompt": "프롬프트",
    "Steps, learning rate and held-out pairs must be numbers.": "스텝, 학습률, 보류 쌍은 숫자여야 합니다.",
    "Every setting of stage 2 must be a number, except the policy, the reward model and the algorithm.":
        "2단계의 설정은 정책, 보상 모델, 알고리즘을 빼고 모두 숫자여야 합니다.",
    "The code both stages run, read from the lab's own source": "두 단계가 실행하는 코드 (랩의 소스에서 읽음)",
    "Around these functions the lab adds its instruments: live curves from Trainer callbacks, the memory watch, the held-out answers before and after, and a recorder of sampled completions (lab/kinds/causal/reward.py and rl.py).":
        "랩은 이 함수들 바깥에 계측 도구를 붙입니다: Trainer 콜백에서 나오는 실시간 곡선, 메모리 측정, 학습 전후의 보류 프롬프트 답, 샘플링한 답의 기록 (lab/kinds/causal/reward.py와 rl.py).",
    # figures
    "Reward model loss": "보상 모델 손실", "Held-out pairwise accuracy": "보류 쌍의 쌍별 정확도", "chance": "우연",
    "KL to the starting model": "시작 모델에 대한 KL", "Completion length (tokens)": "답 길이 (토큰)",
    "Mean reward per step (band: its spread)": "스텝별 평균 보상 (띠: 표준편차)", "± spread": "± 표준편차",
    "summed reward": "합산 보상", "reward": "보상",
}

ERRORS = {
    "'{0}' is not a model folder transformers can read ({1}); pick minilm.":
        "'{0}'은(는) transformers가 읽을 수 있는 모델 폴더가 아닙니다({1}). minilm을 고르세요.",
    "A reward model trains fully (every weight and its new score head); pick full.":
        "보상 모델은 전체(모든 가중치와 새 점수 헤드)를 학습합니다. full을 고르세요.",
    "Beta must be between 0 (no reference model, no KL) and 10.": "베타는 0(참조 모델 없음, KL 없음)에서 10 사이여야 합니다.",
    "Completion length must be between 1 and {0} tokens; you asked for {1}.":
        "답 길이는 1에서 {0} 토큰 사이여야 합니다. 요청한 값: {1}.",
    "Each reward's weight must be between 0 and 10.": "각 보상의 가중치는 0에서 10 사이여야 합니다.",
    "Generations per prompt must be between 2 and {0}: GRPO compares the completions of one prompt with each other; you asked for {1}.":
        "프롬프트당 생성 수는 2에서 {0} 사이여야 합니다: GRPO는 한 프롬프트의 답들을 서로 비교합니다. 요청한 값: {1}.",
    "Give at least one reward a weight above 0: the policy needs something to optimise.":
        "보상 하나 이상에 0보다 큰 가중치를 주세요: 정책에는 최적화할 대상이 필요합니다.",
    "Learning to score the chosen answer above the rejected one ({0} pairs)…": "선택된 답에 거절된 답보다 높은 점수를 주도록 학습하는 중({0}쌍)…",
    "Loading the policy {0}…": "정책 {0} 불러오는 중…",
    "Loading the reward model {0}…": "보상 모델 {0} 불러오는 중…",
    "Loading {0} with a one-output score head…": "출력 하나짜리 점수 헤드를 붙여 {0} 불러오는 중…",
    "Prompts per step must be between 1 and {0}; you asked for {1}.": "스텝당 프롬프트 수는 1에서 {0} 사이여야 합니다. 요청한 값: {1}.",
    "Sampling {0} completions for each of {1} prompts a step…": "스텝마다 프롬프트 {1}개에 답을 {0}개씩 샘플링하는 중…",
    "Saving the reward model…": "보상 모델 저장하는 중…",
    "Saving the tuned policy…": "튜닝한 정책 저장하는 중…",
    "The model {0} cannot be read as a reward model ({1}); pick minilm or smollm2.":
        "모델 {0}을(를) 보상 모델로 읽을 수 없습니다({1}). minilm이나 smollm2를 고르세요.",
    "The reward model has a weight but none is chosen; train one in stage 1 or set its weight to 0.":
        "보상 모델에 가중치가 있는데 고른 보상 모델이 없습니다. 1단계에서 학습하거나 가중치를 0으로 하세요.",
    "The temperature must be above 0 and at most 2; 1.0 samples as the model predicts.":
        "온도는 0보다 크고 2 이하여야 합니다. 1.0이면 모델이 예측하는 그대로 샘플링합니다.",
    "Unknown algorithm '{0}'; pick one of: {1}.": "알 수 없는 알고리즘 '{0}'. 다음 중 하나를 고르세요: {1}.",
    "You have no reward model yet: train one in stage 1 first, pick a reward run (run:<id>), or set the reward model's weight to 0.":
        "아직 보상 모델이 없습니다: 먼저 1단계에서 학습하거나, 보상 모델 실행(run:<id>)을 고르거나, 보상 모델 가중치를 0으로 하세요.",
    "{0} has no 'prompt' column; reinforcement tuning samples answers to prompts (each line: prompt, and optionally expected, completion or chosen as the right answer).":
        "{0}에는 'prompt' 열이 없습니다. 강화학습은 프롬프트에 대한 답을 샘플링합니다(줄마다 prompt, 그리고 맞는 답으로 expected, completion, chosen 중 하나를 선택적으로).",
    "{0} is not a reward model (a classifier with one output); pick a run of stage 1.":
        "{0}은(는) 보상 모델(출력이 하나인 분류기)이 아닙니다. 1단계의 실행을 고르세요.",
    "{0} is not a reward model (a classifier with one output); pick a run of the reward-model stage.":
        "{0}은(는) 보상 모델(출력이 하나인 분류기)이 아닙니다. 보상 모델 단계의 실행을 고르세요.",
    "{0} is not a reward model; pick a run of the reward-model stage.": "{0}은(는) 보상 모델이 아닙니다. 보상 모델 단계의 실행을 고르세요.",
    "{0}: {1} of {2} rows have an empty prompt (first: row {3}); give every row a prompt.":
        "{0}: {2}개 행 중 {1}개의 프롬프트가 비어 있습니다(첫 번째: {3}번째 행). 모든 행에 프롬프트를 주세요.",
    "The reward model {0} of this run is not a reward-model run any more; export a run whose reward model is still in the run history.":
        "이 실행의 보상 모델 {0}은(는) 더 이상 보상 모델 실행이 아닙니다. 보상 모델이 아직 실행 기록에 있는 실행을 내보내세요.",
}
