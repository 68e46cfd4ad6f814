"""The kinds of job the lab runs, one module (or package) per stage, in the order of the tabs:

    tokenizer.py        train a WordPiece / BPE tokenizer on a corpus (train_new_from_iterator)
    pretrain/           BERT masked-language-model pre-training from a BertConfig (job, mlm)
    finetune/           the side-by-side fine-tuning comparison (job, data, models, methods/)
    causal/             SFT, DPO and RLHF (a reward model, then GRPO/RLOO) of a small causal LM with trl
    pipeline.py         transformers.pipeline on a packaged, Hub or trained model (runs in the web process)

A job kind maps to "module:function", fn(config, ctx) -> result dict; the worker's child process
imports it (lab/serve/child.py), so neither the page nor the web server waits for torch.
"""
JOB_KINDS = {
    "tokenizer": "lab.kinds.tokenizer:tokenizer_job",
    "pretrain": "lab.kinds.pretrain.job:pretrain_job",
    "finetune": "lab.kinds.finetune.job:finetune_job",
    "sft": "lab.kinds.causal.sft:sft_job",
    "dpo": "lab.kinds.causal.dpo:dpo_job",
    "reward": "lab.kinds.causal.reward:reward_job",
    "rl": "lab.kinds.causal.rl:rl_job",
}
