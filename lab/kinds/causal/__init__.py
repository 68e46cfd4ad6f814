"""A small causal LM tuned with trl: loading and LoRA settings (common.py), the SFT and DPO data
(data.py), supervised fine-tuning (sft.py) and preference tuning (dpo.py)."""
