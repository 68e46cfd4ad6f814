"""Settings of every run, as dataclasses with defaults and a help text per field.

The UI builds one of these from its widgets; the CLI builds the same from its flags; the library
only ever reads the dataclass. `help_text(Config, "field")` gives the text shown beside a widget.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields

from lab import limits


def _f(default, help: str, **kw):
    return field(default=default, metadata={"help": help}, **kw)


def help_text(config_class, name: str) -> str:
    for f in fields(config_class):
        if f.name == name:
            return f.metadata.get("help", "")
    raise KeyError(name)


# --- pipeline tab -----------------------------------------------------------------------------------
PIPELINE_TASKS = ("sentence-similarity", "text-generation", "text-classification", "fill-mask",
                  "question-answering", "zero-shot-classification", "summarization")
MAX_INPUT_CHARS = limits.MAX_TEXT_CHARS


@dataclass
class PipelineConfig:
    task: str = _f("sentence-similarity", "What the pipeline does; each task has its own default model.")
    model: str = _f("", "A packaged model (minilm, smollm2), a lab run (run:<id>) or a Hub id; empty for the task's default.")
    text: str = _f("", "The input text (for question answering: the question).")
    text2: str = _f("", "The second sentence (similarity), the context (question answering) or the candidate labels, comma-separated (zero-shot).")
    max_new_tokens: int = _f(64, "How many tokens text generation may add.")
    temperature: float = _f(0.0, "0 picks the most likely token every time; higher samples more freely.")


# --- tokenizer and pre-training tabs ------------------------------------------------------------
TOKENIZER_BASES = ("minilm", "smollm2")
MAX_VOCAB_SIZE = limits.TOKENIZER_MAX_VOCAB


@dataclass
class TokenizerConfig:
    base: str = _f("minilm", "The tokenizer whose algorithm is retrained: minilm (WordPiece, BERT uncased) or smollm2 (byte-level BPE).")
    vocab_size: int = _f(8000, "How many tokens the new vocabulary may hold (special tokens included).")
    corpus: str = _f("tweets", "tweets (the built-in corpus), an uploaded .txt/.csv/.jsonl file, or a Hub dataset id (online only).")
    sample: str = _f("Driverless cars are sooo cool, can't wait to ride one!! #future",
                     "A sentence that the old and the new tokenizer split side by side.")
    batch_size: int = _f(1000, "Texts per batch fed to train_new_from_iterator.")


PRETRAIN_INITS = ("scratch", "minilm")


@dataclass
class PretrainConfig:
    init: str = _f("scratch", "scratch: a new BERT from BertConfig; minilm: continue MiniLM's pre-training (its MLM head starts untrained).")
    tokenizer: str = _f("latest", "latest (the newest trained tokenizer, else MiniLM's), minilm, smollm2, or run:<id> of a tokenizer run.")
    corpus: str = _f("tweets", "tweets, an uploaded .txt/.csv/.jsonl file, or a Hub dataset id (online only).")
    vocab_size: int = _f(0, "0 takes the tokenizer's size; any other value must equal it.")
    hidden: int = _f(128, "Hidden size: the width of every token vector.")
    layers: int = _f(2, "How many transformer blocks.")
    heads: int = _f(2, "Attention heads; they must divide the hidden size.")
    intermediate: int = _f(512, "Width of the feed-forward layer inside each block (usually 4 x hidden).")
    max_positions: int = _f(128, "Longest sequence the position embeddings cover; at least the block size.")
    dropout: float = _f(0.0, "Dropout on hidden states and attention. BERT uses 0.1; a 300-step run underfits, so none learns faster.")
    block_size: int = _f(64, "Tokens per training example: the corpus is concatenated and cut into blocks of this length.")
    mlm_probability: float = _f(0.15, "Share of tokens chosen for prediction; of those 80% become [MASK], 10% a random token, 10% stay.")
    steps: int = _f(300, "Optimizer steps.")
    batch_size: int = _f(32, "Blocks per step.")
    learning_rate: float = _f(2e-3, "Peak learning rate (after warmup, then falling linearly to 0).")
    warmup_steps: int = _f(30, "Steps over which the learning rate rises from 0 to its peak.")
    eval_every: int = _f(50, "Evaluate eval loss, perplexity and the probe every this many steps.")
    probe: str = _f("i love my [MASK] so much", "A sentence with [MASK] whose top-5 fillers are shown as training goes.")
    seed: int = _f(0, "Random seed for the weights, the masking and the data order.")




# --- fine-tuning comparison tab -----------------------------------------------------------------
FINETUNE_METHODS = ("full", "head", "selective", "adapter", "lora", "lora_scratch", "qlora", "dora", "adalora",
                    "prompt")
FINETUNE_DEFAULT_METHODS = "full,head,lora,qlora"
FINETUNE_MAX_STEPS = limits.FINETUNE_MAX_STEPS


@dataclass
class FinetuneConfig:
    methods: str = _f(FINETUNE_DEFAULT_METHODS, "Methods to compare, comma-separated, run one after another: "
                      + ", ".join(FINETUNE_METHODS) + ".")
    base: str = _f("minilm", "The base model: minilm (packaged), a pre-training run (run:<id>) or a Hub id when online.")
    dataset: str = _f("tweets", "tweets (built-in, negative/positive), an uploaded .csv/.jsonl with text and label "
                      "columns, or a Hub dataset id when online.")
    steps: int = _f(72, "Optimizer steps per method; every method sees the same batches in the same order.")
    batch_size: int = _f(16, "Examples per step.")
    max_length: int = _f(64, "Longest input in tokens; batches are padded only to their own longest text.")
    eval_size: int = _f(400, "Held-out examples scored after training (accuracy and F1); 0 uses them all.")
    seed: int = _f(0, "One seed for data order, dropout and new weights, shared by every method.")
    learning_rate: float = _f(0.0, "0 gives each method its own tuned rate; any other value is used for all.")
    lora_r: int = _f(8, "LoRA rank r: A is r x in, B is out x r.")
    lora_alpha: int = _f(16, "LoRA alpha: the update B A is scaled by alpha / r.")
    lora_dropout: float = _f(0.05, "Dropout on the LoRA branch's input.")
    target_modules: str = _f("query,value", "Linear layers that get LoRA, by name, comma-separated (BERT: query, key, "
                             "value, dense).")
    top_k_layers: int = _f(2, "Selective fine-tuning: how many of the top encoder layers train with the head.")
    adapter_size: int = _f(32, "Bottleneck adapter: the width it squeezes each hidden vector down to.")
    prompt_tokens: int = _f(10, "Prompt tuning: how many trainable virtual tokens go before the text.")
    save_models: bool = _f(True, "Save each trained model (or adapter) as a run, in safetensors.")

    def method_list(self) -> list[str]:
        return [m.strip() for m in self.methods.split(",") if m.strip()]

    def target_list(self) -> list[str]:
        return [t.strip() for t in self.target_modules.split(",") if t.strip()]



# --- SFT and DPO tab -----------------------------------------------------------------------------
SFT_METHODS = ("lora", "full")
SFT_DEFAULT_LR = {"lora": 2e-3, "full": 5e-5}  # LoRA's few new weights need a larger step than full
DPO_DEFAULT_LR = {"lora": 2e-3, "full": 1e-5}
MAX_SFT_STEPS = limits.SFT_MAX_STEPS


@dataclass
class CausalRunConfig:
    """Settings SFT and DPO share: the model, the data, the method, the evaluation."""
    model: str = _f("smollm2", "The causal LM to tune: smollm2 (packaged), a lab run (run:<id>) or a Hub id.")
    dataset: str = _f("tweets", "tweets (the built-in sentiment task), an uploaded .jsonl file, or a Hub dataset id (owner/name) when the Hub answers.")
    method: str = _f("lora", "lora trains small adapter matrices beside frozen weights; full trains every weight.")
    steps: int = _f(60, "Optimizer steps to train.")
    batch_size: int = _f(4, "Examples per step.")
    learning_rate: float = _f(0.0, "Step size of AdamW; 0 picks the method's default.")
    max_length: int = _f(128, "Tokens kept per example; longer ones are cut at the end (with a notice).")
    lora_r: int = _f(8, "Rank of the LoRA matrices (LoRA only).")
    lora_alpha: int = _f(16, "LoRA scaling numerator: the update is scaled by alpha / r (LoRA only).")
    lora_targets: str = _f("q_proj,v_proj", "Comma-separated module names that get LoRA adapters.")
    train_size: int = _f(1000, "How many training examples to use at most.")
    eval_size: int = _f(32, "Held-out prompts answered before and after training (never trained on).")
    max_new_tokens: int = _f(3, "Tokens generated per held-out answer (greedy); a label needs only a few.")
    human_marker: str = _f("### Human:", "The marker that starts a prompt in the built-in task and in uploaded 'text' rows.")
    assistant_marker: str = _f("### Assistant:", "The marker after which the answer starts; the loss is taken only after it.")
    instruction: str = _f("What is the sentiment of this tweet?", "The question the built-in task asks before each tweet.")
    seed: int = _f(0, "Random seed for the data order and the new weights.")


@dataclass
class SFTRunConfig(CausalRunConfig):
    """Supervised fine-tuning with trl's SFTTrainer, loss on the completion (or assistant turns) only."""


@dataclass
class DPORunConfig(CausalRunConfig):
    """Direct preference optimisation with trl's DPOTrainer on (prompt, chosen, rejected) pairs."""
    steps: int = _f(30, "Optimizer steps to train.")
    batch_size: int = _f(4, "Preference pairs per step.")
    beta: float = _f(0.1, "How far DPO may move from the reference model: smaller lets it move further.")


# --- reinforcement (RLHF) sub-tab ----------------------------------------------------------------
REWARD_BASES = ("minilm", "smollm2")
RL_ALGORITHMS = ("grpo", "rloo")
RL_DEFAULT_LR = {"lora": 2e-3, "full": 1e-5}
REWARD_DEFAULT_LR = 2e-4


@dataclass
class RewardRunConfig(CausalRunConfig):
    """Stage 1 of RLHF: a reward model (a sequence classifier with one output) learnt from preference pairs."""
    model: str = _f("minilm", "The reward model's base: minilm (packaged encoder) or smollm2 (with a new score head).")
    method: str = _f("full", "full: a reward model trains every weight and its new score head.")
    steps: int = _f(90, "Optimizer steps to train.")
    batch_size: int = _f(16, "Preference pairs per step.")
    learning_rate: float = _f(0.0, "Step size of AdamW; 0 picks the default (2e-4).")
    eval_size: int = _f(64, "Held-out pairs scored after training: pairwise accuracy and reward margin.")


@dataclass
class RLRunConfig(CausalRunConfig):
    """Stage 2 of RLHF: the policy tuned against rewards with trl's GRPOTrainer (or RLOOTrainer)."""
    algorithm: str = _f("grpo", "grpo: each completion's reward minus its group's mean, over the group's spread; "
                        "rloo: minus the mean of the other completions.")
    reward_model: str = _f("latest", "The reward model: latest (your newest reward-model run), run:<id>, or none.")
    reward_model_weight: float = _f(1.0, "Weight of the reward model's score in the summed reward.")
    label_weight: float = _f(0.0, "Weight of the verifiable rule: 1 when the answer names the tweet's label.")
    format_weight: float = _f(0.0, "Weight of the format rule: 1 when the answer is exactly one label.")
    length_weight: float = _f(0.0, "Weight of a rule the policy can game: longer answers score more.")
    steps: int = _f(30, "Optimizer steps; each samples new completions.")
    prompts_per_step: int = _f(4, "Prompts sampled per step.")
    generations: int = _f(4, "Completions sampled per prompt (a group; at least 2, so the group has a mean).")
    max_completion_length: int = _f(10, "Tokens each sampled completion may have.")  # 'The sentiment of this tweet is negative.' is 9
    temperature: float = _f(0.5, "Sampling temperature: higher explores more.")  # at 1.0 SmolLM2 almost never names a label
    beta: float = _f(0.0, "KL weight to the starting model: 0 loads no reference and logs no KL; above 0 holds the "
                     "policy near it.")
    train_size: int = _f(1000, "How many training prompts to sample from.")
