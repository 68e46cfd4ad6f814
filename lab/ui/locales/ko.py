"""Korean for every key: the English text (gettext's msgid) or a named key from en.py.

Technical names stay as they are (LoRA, QLoRA, Trainer, NF4, task and method ids), so some entries
map a string to itself on purpose.
"""

from lab.ui.locales.ko_concepts import CONCEPTS
from lab.ui.locales.ko_messages import MESSAGES
from lab.ui.locales.ko_queue import QUEUE
from lab.ui.locales.ko_rl import STRINGS as RL
from lab.ui.locales.ko_runs import RUNS

STRINGS = {
    '# Fine-Tuning Lab\nUse, pre-train and fine-tune transformers, live and side by side. Every tab runs real Hugging Face code on this machine; training jobs share one worker, so the whole class watches the same curves.':
        '# 파인튜닝 랩\n트랜스포머를 쓰고, 사전학습하고, 파인튜닝하는 과정을 실시간으로 나란히 봅니다. 모든 탭은 이 컴퓨터에서 실제 Hugging Face 코드를 실행하며, 학습 작업은 하나의 워커를 함께 쓰므로 반 전체가 같은 곡선을 봅니다.',
    '1 · Pipeline':
        '1 · 파이프라인',
    'Pick a task, type an input and run it. `pipeline()` hides three steps: **tokenize**, run the **model**, **post-process** its raw numbers into an answer. Open *Under the hood* to see each one.':
        '작업을 고르고 입력을 넣어 실행하세요. `pipeline()`은 세 단계를 숨깁니다: **토큰화**, **모델** 실행, 모델이 낸 숫자를 답으로 바꾸는 **후처리**. *내부 들여다보기*를 열면 각 단계를 볼 수 있습니다.',
    'Task':
        '작업',
    'What the pipeline does; each task has its own default model.':
        '파이프라인이 하는 일. 작업마다 기본 모델이 있습니다.',
    'sentence-similarity':
        'sentence-similarity',
    'text-generation':
        'text-generation',
    'text-classification':
        'text-classification',
    'fill-mask':
        'fill-mask',
    'question-answering':
        'question-answering',
    'zero-shot-classification':
        'zero-shot-classification',
    'summarization':
        'summarization',
    'Model':
        '모델',
    "A packaged model (minilm, smollm2), a lab run (run:<id>) or a Hub id; empty for the task's default.":
        '패키지 모델(minilm, smollm2), 랩 실행(run:<id>) 또는 Hub id. 비워 두면 작업의 기본 모델을 씁니다.',
    'all-MiniLM-L6-v2 (BERT encoder, 22.7M parameters, packaged)':
        'all-MiniLM-L6-v2 (BERT 인코더, 파라미터 2,270만 개, 패키지 포함)',
    'Text':
        '텍스트',
    'Second sentence':
        '두 번째 문장',
    'Max new tokens':
        '최대 새 토큰 수',
    'How many tokens text generation may add.':
        '텍스트 생성이 덧붙일 수 있는 토큰 수.',
    'Temperature':
        '온도(temperature)',
    '0 picks the most likely token every time; higher samples more freely.':
        '0이면 매번 가장 가능성 높은 토큰을 고르고, 높을수록 더 자유롭게 샘플링합니다.',
    'Or take the text from a file (.txt, .csv or .jsonl)':
        '또는 파일에서 텍스트 가져오기 (.txt, .csv, .jsonl)',
    'Run pipeline':
        '파이프라인 실행',
    'Answer':
        '답',
    '<div class="lab-caption">The answer appears here.</div>':
        '<div class="lab-caption">답이 여기에 나타납니다.</div>',
    'Under the hood':
        '내부 들여다보기',
    'Timing':
        '단계별 시간',
    'Raw model outputs (shape, dtype, first values)':
        '모델의 원시 출력 (shape, dtype, 앞부분 값)',
    'The same in three lines of Python':
        '같은 일을 하는 파이썬 세 줄',
    '2 · Tokenizer':
        '2 · 토크나이저',
    "Retrain a tokenizer's vocabulary on a corpus with `tokenizer.train_new_from_iterator(batches, vocab_size)`: the algorithm (WordPiece or byte-level BPE), the normaliser and the special tokens stay; the vocabulary is learnt from the corpus. Then compare old and new on held-out texts.":
        '`tokenizer.train_new_from_iterator(batches, vocab_size)`로 말뭉치에 맞춰 토크나이저의 어휘를 다시 학습합니다. 알고리즘(WordPiece 또는 바이트 수준 BPE), 정규화기, 특수 토큰은 그대로 두고 어휘만 말뭉치에서 배웁니다. 그런 다음 검증용 텍스트에서 기존 것과 새 것을 비교합니다.',
    'Base tokenizer':
        '기반 토크나이저',
    'The tokenizer whose algorithm is retrained: minilm (WordPiece, BERT uncased) or smollm2 (byte-level BPE).':
        '알고리즘을 다시 학습할 토크나이저: minilm(WordPiece, BERT uncased) 또는 smollm2(바이트 수준 BPE).',
    'MiniLM: WordPiece, BERT uncased (30,522 tokens)':
        'MiniLM: WordPiece, BERT uncased (토큰 30,522개)',
    'SmolLM2: byte-level BPE (49,152 tokens)':
        'SmolLM2: 바이트 수준 BPE (토큰 49,152개)',
    'Target vocabulary size':
        '목표 어휘 크기',
    'How many tokens the new vocabulary may hold (special tokens included).':
        '새 어휘에 담을 수 있는 토큰 수 (특수 토큰 포함).',
    'Corpus':
        '말뭉치',
    'Built-in tweets':
        '내장 트윗',
    'Upload a file':
        '파일 올리기',
    'Hub dataset':
        'Hub 데이터셋',
    'Upload (.txt, .csv or .jsonl with a text column)':
        '업로드 (.txt, .csv 또는 text 열이 있는 .jsonl)',
    'Hub dataset id (online only)':
        'Hub 데이터셋 id (온라인에서만)',
    'owner/name':
        'owner/name',
    'Train tokenizer':
        '토크나이저 학습',
    'Download the tokenizer (zip)':
        '토크나이저 내려받기 (zip)',
    'Sample sentence (edit it and press Enter)':
        '예시 문장 (고친 뒤 Enter)',
    'No job yet.':
        '아직 작업이 없습니다.',
    'Stop':
        '멈추기',
    '3 · Pre-training':
        '3 · 사전학습',
    'Pre-train a BERT from nothing with **masked-language modelling**: hide 15% of the tokens, make the model guess them. `BertConfig` → `BertForMaskedLM` → `DataCollatorForLanguageModeling` → `Trainer`. The dashed line is the **unigram level**: the perplexity of a model that knows how often each token occurs and nothing about context. Beating it means the model reads context.':
        '**마스크 언어 모델링**으로 BERT를 처음부터 사전학습합니다: 토큰의 15%를 가리고 모델이 맞히게 합니다. `BertConfig` → `BertForMaskedLM` → `DataCollatorForLanguageModeling` → `Trainer`. 점선은 **유니그램 수준**입니다: 각 토큰이 얼마나 자주 나오는지만 알고 문맥은 모르는 모델의 perplexity입니다. 이보다 낮아지면 모델이 문맥을 읽는다는 뜻입니다.',
    'Starting point':
        '시작점',
    "scratch: a new BERT from BertConfig; minilm: continue MiniLM's pre-training (its MLM head starts untrained).":
        'scratch: BertConfig로 만든 새 BERT. minilm: MiniLM의 사전학습을 이어서 (MLM 헤드는 학습되지 않은 상태로 시작).',
    'A new BERT (from scratch)':
        '새 BERT (처음부터)',
    "Continue MiniLM's pre-training":
        'MiniLM 사전학습 이어 하기',
    '**Continued pre-training of MiniLM.** Its encoder is trained, but the packaged model has no MLM head: `BertForMaskedLM` adds one that **starts untrained**, so the first losses are high and the first probes are junk until the head learns to read the encoder.':
        '**MiniLM 이어서 사전학습하기.** 인코더는 학습되어 있지만 패키지 모델에는 MLM 헤드가 없습니다. `BertForMaskedLM`이 **학습되지 않은** 헤드를 붙이므로, 헤드가 인코더를 읽는 법을 배울 때까지 처음 손실은 높고 처음 탐침 결과는 엉터리입니다.',
    'Tokenizer':
        '토크나이저',
    "latest (the newest trained tokenizer, else MiniLM's), minilm, smollm2, run:<id> of a tokenizer run, or a tokenizer folder.":
        'latest(가장 최근에 학습한 토크나이저, 없으면 MiniLM의 것), minilm, smollm2, 토크나이저 실행의 run:<id>, 또는 토크나이저 폴더.',
    "MiniLM's WordPiece (30,522 tokens)":
        'MiniLM의 WordPiece (토큰 30,522개)',
    "SmolLM2's byte-level BPE (49,152 tokens)":
        'SmolLM2의 바이트 수준 BPE (토큰 49,152개)',
    '↻':
        '↻',
    'hidden':
        'hidden (은닉 크기)',
    'Hidden size: the width of every token vector.':
        '은닉 크기: 모든 토큰 벡터의 너비.',
    'layers':
        'layers (층 수)',
    'How many transformer blocks.':
        '트랜스포머 블록 수.',
    'heads':
        'heads (헤드 수)',
    'Attention heads; they must divide the hidden size.':
        '어텐션 헤드 수. 은닉 크기를 나누어떨어지게 해야 합니다.',
    'intermediate':
        'FFN 너비',
    'Width of the feed-forward layer inside each block (usually 4 x hidden).':
        '각 블록 안 피드포워드 층의 너비 (보통 hidden의 4배).',
    'max positions':
        'max positions (최대 위치)',
    'Longest sequence the position embeddings cover; at least the block size.':
        '위치 임베딩이 다루는 가장 긴 시퀀스. 블록 크기 이상이어야 합니다.',
    'block size':
        'block size (블록 크기)',
    'Tokens per training example: the corpus is concatenated and cut into blocks of this length.':
        '학습 예제 하나의 토큰 수: 말뭉치를 이어 붙여 이 길이의 블록으로 자릅니다.',
    'vocab size':
        'vocab size (어휘 크기)',
    "0 takes the tokenizer's size; any other value must equal it.":
        '0이면 토크나이저의 크기를 씁니다. 다른 값은 그 크기와 같아야 합니다.',
    'mlm_probability':
        'mlm_probability',
    'Share of tokens chosen for prediction; of those 80% become [MASK], 10% a random token, 10% stay.':
        '예측할 토큰의 비율. 그중 80%는 [MASK], 10%는 무작위 토큰, 10%는 그대로 둡니다.',
    'steps':
        'steps (스텝)',
    'Optimizer steps.':
        '옵티마이저 스텝 수.',
    'batch size':
        'batch size (배치 크기)',
    'Blocks per step.':
        '스텝당 블록 수.',
    'learning rate':
        'learning rate (학습률)',
    'Peak learning rate (after warmup, then falling linearly to 0).':
        '최고 학습률 (워밍업 뒤, 이후 0까지 선형으로 감소).',
    'warmup steps':
        'warmup steps (워밍업 스텝)',
    'Steps over which the learning rate rises from 0 to its peak.':
        '학습률이 0에서 최고치까지 오르는 스텝 수.',
    'eval every':
        'eval every (평가 간격)',
    'Evaluate eval loss, perplexity and the probe every this many steps.':
        '이 스텝마다 평가 손실, perplexity, 탐침을 계산합니다.',
    'dropout':
        'dropout (드롭아웃)',
    'Dropout on hidden states and attention. BERT uses 0.1; a 300-step run underfits, so none learns faster.':
        '은닉 상태와 어텐션의 드롭아웃. BERT는 0.1을 쓰지만, 300스텝 학습은 과소적합이라 없는 편이 더 빨리 배웁니다.',
    'Fill-mask probe':
        '빈칸 채우기 탐침',
    'A sentence with [MASK] whose top-5 fillers are shown as training goes.':
        '[MASK]가 든 문장. 학습하는 동안 상위 5개 후보를 보여 줍니다.',
    'seed':
        'seed (시드)',
    'Start pre-training':
        '사전학습 시작',
    'Masking preview: one example':
        '마스킹 미리보기: 예제 하나',
    '4 · Fine-tuning':
        '4 · 파인튜닝',
    'Tick methods and press **Compare**: the lab trains them one after another with the same data order, seed and steps, and every page in the class watches the curves overlap.':
        '방법을 고르고 **비교**를 누르세요. 랩은 같은 데이터 순서, 시드, 스텝으로 방법을 하나씩 차례로 학습하고, 반 전체의 모든 페이지에서 곡선이 겹쳐지는 모습을 봅니다.',
    'Methods':
        '방법',
    'Methods to compare, comma-separated, run one after another: full, head, selective, adapter, lora, lora_scratch, qlora, dora, adalora, prompt.':
        '비교할 방법. 차례로 실행됩니다.',
    'full':
        'full',
    'head':
        'head',
    'selective':
        'selective',
    'adapter':
        'adapter',
    'lora':
        'lora',
    'lora_scratch':
        'lora_scratch',
    'qlora':
        'qlora',
    'dora':
        'dora',
    'adalora':
        'adalora',
    'prompt':
        'prompt',
    'Base model':
        '기반 모델',
    'The base model: minilm (packaged), a pre-training run (run:<id>) or a Hub id when online.':
        '기반 모델: minilm(패키지 포함), 사전학습 실행(run:<id>), 또는 온라인일 때 Hub id.',
    'MiniLM (packaged, 22.7M parameters)':
        'MiniLM (패키지 포함, 파라미터 2,270만 개)',
    'Dataset (empty: the built-in tweets; or a .csv/.jsonl with text and label)':
        '데이터셋 (비우면 내장 트윗, 또는 text와 label 열이 있는 .csv/.jsonl)',
    'Steps per method':
        '방법당 스텝 수',
    'Optimizer steps per method; every method sees the same batches in the same order.':
        '방법마다 옵티마이저 스텝 수. 모든 방법이 같은 배치를 같은 순서로 봅니다.',
    'Settings':
        '설정',
    'Examples per step.':
        '스텝당 예제 수.',
    'max length':
        'max length (최대 길이)',
    'Longest input in tokens; batches are padded only to their own longest text.':
        '입력의 최대 토큰 수. 배치는 그 안에서 가장 긴 텍스트에 맞춰서만 패딩합니다.',
    'eval size':
        'eval size (평가 크기)',
    'Held-out examples scored after training (accuracy and F1); 0 uses them all.':
        '학습 뒤 채점하는 검증 예제 수 (정확도와 F1). 0이면 전부 씁니다.',
    'One seed for data order, dropout and new weights, shared by every method.':
        '데이터 순서, 드롭아웃, 새 가중치에 쓰는 하나의 시드. 모든 방법이 같이 씁니다.',
    '0 gives each method its own tuned rate; any other value is used for all.':
        '0이면 방법마다 조정된 학습률을 쓰고, 다른 값이면 모두에 그 값을 씁니다.',
    'lora r':
        'lora r',
    'LoRA rank r: A is r x in, B is out x r.':
        'LoRA 랭크 r: A는 r x in, B는 out x r.',
    'lora alpha':
        'lora alpha',
    'LoRA alpha: the update B A is scaled by alpha / r.':
        'LoRA alpha: 업데이트 B A에 alpha / r을 곱합니다.',
    'lora dropout':
        'lora dropout',
    "Dropout on the LoRA branch's input.":
        'LoRA 가지의 입력에 거는 드롭아웃.',
    'target modules':
        'target modules (대상 모듈)',
    'Linear layers that get LoRA, by name, comma-separated (BERT: query, key, value, dense).':
        'LoRA를 붙일 Linear 층의 이름, 쉼표로 구분 (BERT: query, key, value, dense).',
    'top k layers':
        'top k layers (상위 층 수)',
    'Selective fine-tuning: how many of the top encoder layers train with the head.':
        '선택적 파인튜닝: 헤드와 함께 학습할 상위 인코더 층 수.',
    'adapter size':
        'adapter size (어댑터 크기)',
    'Bottleneck adapter: the width it squeezes each hidden vector down to.':
        '병목 어댑터: 각 은닉 벡터를 줄여 넣는 너비.',
    'prompt tokens':
        'prompt tokens (프롬프트 토큰 수)',
    'Prompt tuning: how many trainable virtual tokens go before the text.':
        '프롬프트 튜닝: 텍스트 앞에 붙는 학습 가능한 가상 토큰 수.',
    'save models':
        'save models (모델 저장)',
    'Save each trained model (or adapter) as a run, in safetensors.':
        '학습한 모델(또는 어댑터)을 safetensors로 실행 기록에 저장합니다.',
    'Compare':
        '비교',
    'Results per method':
        '방법별 결과',
    'Try it: one sentence through every trained model':
        '직접 해 보기: 학습한 모든 모델에 문장 하나 넣기',
    'Sentence':
        '문장',
    'Try it':
        '해 보기',
    'Explainers (answer at once, no training)':
        '설명 도구 (학습 없이 바로 답함)',
    'LoRA rank r':
        'LoRA 랭크 r',
    'Target modules':
        '대상 모듈',
    'Weight to quantise':
        '양자화할 가중치',
    'Block number':
        '블록 번호',
    'Show NF4 block':
        'NF4 블록 보기',
    'Parameter map of the ticked methods':
        '선택한 방법들의 파라미터 지도',
    "5 · SFT, DPO & RLHF":
        '5 · SFT, DPO와 RLHF',
    "Teach SmolLM2-135M-Instruct to answer in a fixed format. **SFT** shows it prompts and answers (`### Human: What is the sentiment of this tweet? … ### Assistant: positive`) and takes the loss on the answer only. **DPO** shows it pairs (chosen: the right label, rejected: the wrong one) and raises the chosen answer's likelihood over the rejected one. Held-out tweets are never trained on.":
        'SmolLM2-135M-Instruct가 정해진 형식으로 답하도록 가르칩니다. **SFT**는 프롬프트와 답(`### Human: What is the sentiment of this tweet? … ### Assistant: positive`)을 보여 주고 답 부분에서만 손실을 계산합니다. **DPO**는 쌍(chosen: 맞는 레이블, rejected: 틀린 레이블)을 보여 주고 선택된 답의 가능도를 거절된 답보다 높입니다. 검증용 트윗으로는 학습하지 않습니다.',
    'Supervised fine-tuning (SFT)':
        '지도 파인튜닝 (SFT)',
    'Method':
        '방법',
    'lora trains small adapter matrices beside frozen weights; full trains every weight.':
        'lora는 고정된 가중치 옆의 작은 어댑터 행렬만 학습하고, full은 모든 가중치를 학습합니다.',
    'Steps':
        '스텝',
    'Optimizer steps to train.':
        '학습할 옵티마이저 스텝 수.',
    'Batch size':
        '배치 크기',
    'Learning rate':
        '학습률',
    "Step size of AdamW; 0 picks the method's default.":
        'AdamW의 스텝 크기. 0이면 방법의 기본값을 씁니다.',
    'Held-out prompts':
        '검증 프롬프트',
    'Held-out prompts answered before and after training (never trained on).':
        '학습 전과 후에 답하게 하는 검증 프롬프트 (학습에는 쓰지 않음).',
    'Your data (.jsonl: prompt/completion, messages, or text with the markers)':
        '내 데이터 (.jsonl: prompt/completion, messages, 또는 마커가 있는 text)',
    'Train (SFT)':
        '학습 (SFT)',
    '<div class="lab-caption">The tokenized example appears when training starts.</div>':
        '<div class="lab-caption">학습이 시작되면 토큰화된 예제가 나타납니다.</div>',
    'Loss':
        '손실',
    '<div class="lab-caption">Held-out answers appear before training starts and again after it.</div>':
        '<div class="lab-caption">검증 답변은 학습 시작 전과 학습 후에 나타납니다.</div>',
    'Preference tuning (DPO)':
        '선호 튜닝 (DPO)',
    'Beta':
        'Beta',
    'How far DPO may move from the reference model: smaller lets it move further.':
        'DPO가 참조 모델에서 얼마나 멀어질 수 있는지. 작을수록 더 멀리 갑니다.',
    'Your pairs (.jsonl with prompt, chosen, rejected)':
        '내 쌍 데이터 (prompt, chosen, rejected가 있는 .jsonl)',
    'Train (DPO)':
        '학습 (DPO)',
    'Reward margin':
        '보상 차이',
    'Run history':
        '실행 기록',
    'Every run of every tab is kept here, across restarts of the app. Click a row to see its settings, figures and curves, and to download its files.':
        '모든 탭의 모든 실행이 앱을 다시 시작해도 여기에 남습니다. 행을 누르면 설정, 수치, 곡선을 보고 파일을 내려받을 수 있습니다.',
    'Refresh':
        '새로고침',
    'Settings and figures':
        '설정과 수치',
    'Files of this run (zip)':
        '이 실행의 파일 (zip)',
}
STRINGS.update(CONCEPTS)
STRINGS.update(MESSAGES)
STRINGS.update(RUNS)
STRINGS.update(QUEUE)
STRINGS.update(RL)
