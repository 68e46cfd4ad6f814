"""BERT masked-language-model pre-training: the job (job.py) and the masking it learns from (mlm.py)."""
