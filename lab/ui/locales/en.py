"""English texts with named keys: the concept panels. Every other English string is its own key."""

STRINGS = {
    "concept.pipeline": r"""
**What `pipeline()` hides.** One call does three steps: the **tokenizer** turns text into ids, the **model** turns ids
into numbers (logits, hidden states), and **post-processing** turns those numbers into an answer (a softmax over labels,
a decoded span, generated text). Its main arguments: `task`, `model`, `tokenizer`, `device`, and per call `top_k`,
`max_new_tokens`, `temperature`, `batch_size`.

**When not to use it:** to train (you need the model and the loss, not the answer), to control batching and padding
yourself, to read hidden states or attention, or when the default post-processing is not what your task needs.
""",
    "concept.tokenizer": r"""
**Why retrain a tokenizer.** A vocabulary learnt on other text cuts a new domain's words (names, slang, hashtags,
another language) into many small pieces: sequences get longer, every step costs more and the model sees fewer words
at once. `train_new_from_iterator` keeps the algorithm (WordPiece or byte-level BPE), the normaliser and the special
tokens, and learns only the vocabulary from your corpus.

**Why the vocabulary size matters.** The embedding matrix has $V \times H$ weights: a larger $V$ makes shorter
sequences but a bigger model and rarer tokens that are learnt from fewer examples; a smaller $V$ does the opposite.

**Korean.** BERT-uncased normalisation (lower case, strip accents) splits each Hangul syllable into its jamo (NFD).
For Korean the lab keeps syllables whole (no accent stripping), and SmolLM2's byte-level BPE handles any script; its
chips are decoded back to readable text.
""",
    "concept.pretrain": r"""
**Masked language modelling (MLM).** 15% of the tokens are chosen; of those, 80% become `[MASK]`, 10% a random token
and 10% stay as they are, and the model predicts the original token at each chosen place. The loss counts only those
places: $\mathcal{L} = -\frac{1}{|M|}\sum_{i \in M} \log p(x_i \mid x_{\setminus M})$. BERT's original pre-training also
used **next-sentence prediction** (is sentence B the one that follows A?); later work (RoBERTa) dropped it.

**Padding against packing.** Padding each text to a fixed length (the classic 512) spends most of the compute on
`[PAD]` for short texts such as tweets. Packing concatenates the corpus and cuts it into blocks of the same length:
no padding at all, every token is a real one.
""",
    "concept.finetune": r"""
**Why fine-tune rather than train from scratch.** Pre-training has already taught the model the language; a task
needs only a little more, learnt from a few thousand labelled examples in minutes instead of weeks.

**Three families of fine-tuning.** *Self-supervised* (more MLM or next-token training on your domain's text),
*supervised* (labelled pairs: classification, instruction tuning, SFT) and *reinforcement* (RLHF: a reward model
learnt from human preferences, then PPO; **DPO** reaches the same goal directly from preference pairs, without a reward
model).

**Parameter-efficient families.**

| family | methods here | what trains |
| --- | --- | --- |
| full | Full fine-tuning | every weight |
| selective | Classifier only; Head + top layers | the head; the top layers and the head |
| additive | Bottleneck adapter; Prompt tuning | small new modules after each feed-forward; virtual-token vectors before the text |
| reparameterisation | LoRA (peft / from scratch); QLoRA; DoRA; AdaLoRA | low-rank updates $B A$ beside frozen weights |

Selective tuning is weak on large transformers: the knowledge a task needs is spread across all layers, and the top
ones alone cannot reshape it. An **adapter** keeps the base's knowledge frozen and adds a bottleneck
$h + W_{up}\,\mathrm{ReLU}(W_{down} h)$ that learns the task (its up-projection starts at zero).

**What classifier-only reads.** Every pretrained weight stays frozen and one new linear layer learns, on the base's own
sentence vector: for MiniLM the **mean of its last layer's token vectors** (padding left out), the vector
all-MiniLM-L6-v2 was trained to produce (sentence-transformers with mean pooling, its `1_Pooling/config.json`). BERT's
classifier class would feed the head its *pooler*, a tanh layer over `[CLS]` that MiniLM's training never used and
that a pre-training run of this lab does not have at all (a `BertForMaskedLM` saves none, so it would be random).
Measured at the default settings: 0.81 accuracy on the tweets with the mean against 0.60 with the pooler, 0.93 against
0.54 on BBC News topics. A base whose checkpoint has a trained pooler and no pooling config (BERT pre-trained with
next-sentence prediction) keeps its pooler. A plain classifier folder holds no mean pooling, so such a head is saved
as its weights only.

**LoRA.** The change a task needs has a low *intrinsic rank*, so learn it as a product of two thin matrices:
$$h = W x + \frac{\alpha}{r} B A x, \qquad A \in \mathbb{R}^{r \times d},\; B \in \mathbb{R}^{d \times r},\; r \ll d$$
$B$ starts at zero. LoRA usually targets the attention projections (query, key, value; the original paper used query
and value). **QLoRA** stores the frozen base in 4-bit **NormalFloat** (NF4: 16 levels placed at the quantiles of a
normal distribution, one absmax scale per block of 64) and trains LoRA on top: about 8x less memory for the weights,
for a small rounding error. **DoRA** splits each weight into a length and a direction, $W' = m\,\frac{W + BA}{\lVert W +
BA \rVert}$, and trains both. **AdaLoRA** is LoRA with a *dynamic rank*: it writes the update as $P\,\mathrm{diag}(E)\,Q$
and, step by step, keeps the most important triplets across layers, so the layers that matter end with more rank.
Its curve is the task loss, as every method's; the orthogonality penalty peft adds to what it trains
($\lVert P P^\top - I \rVert$, $\lVert Q^\top Q - I \rVert$) is logged apart as `orth_penalty`.
""",
    "concept.sft": r"""
**SFT: completion-only loss.** The model reads prompt and answer, but only the answer's tokens carry the loss; the
prompt's labels are $-100$ and are ignored, so the model learns to answer, not to repeat questions.

**DPO: preferences without a reward model.** DPO uses the preference pairs directly:
$$\mathcal{L} = -\log \sigma\!\Big(\beta \log \frac{\pi(y_w \mid x)}{\pi_{ref}(y_w \mid x)} - \beta \log
\frac{\pi(y_l \mid x)}{\pi_{ref}(y_l \mid x)}\Big)$$
The chosen answer $y_w$ gains likelihood over the rejected $y_l$, relative to the frozen reference; $\beta$ sets how
far the model may move.

**RLHF: a reward model, then reinforcement learning.** Stage 1 learns a reward model $r(x, y)$ from the same pairs:
a classifier with one output, trained so that $-\log \sigma(r(x, y_w) - r(x, y_l))$ falls. Stage 2 samples answers
from the policy, scores them, and raises the likelihood of the good ones, held near the starting model by a KL term
weighted by $\beta$ ($\beta = 0$: no reference model is loaded and no KL is computed).
**GRPO needs no value model:** it samples a group of $G$ answers per prompt and uses each one's reward against its
group, $A_i = (r_i - \text{mean}(r)) / \text{std}(r)$, as the advantage. **RLOO** subtracts the mean of the
*other* $G-1$ answers instead. Rules can be rewards too: the answer names the right label (a verifiable reward),
or it has the right format. **Reward hacking:** a reward the policy can game (longer is better) is maximised
whatever the answer says; watch the length climb and the accuracy not follow.
""",
    "textbook.pretrain": r"""
| setting | textbook (BERT-base) | this lab | why |
| --- | --- | --- | --- |
| model | BERT-base: 12 layers, hidden 768, 110M parameters | 2 layers, hidden 128 | trains in minutes on 2 CPU cores |
| length | padding to 512 tokens | packed blocks of 64 | tweets are short: padding would waste most of the compute |
| training | 1M steps, batch 256 | 300 steps, batch 32 | a class period, not four days on TPUs |
| objective | MLM + next-sentence prediction | MLM only | NSP was later shown not to help (RoBERTa) |
| dropout | 0.1 | 0.0 | a 300-step run underfits: dropout only slows it |
| learning rate | 1e-4 | 2e-3 | a tiny model and a short run take larger steps |
""",
    "textbook.finetune": r"""
| setting | textbook | this lab | why |
| --- | --- | --- | --- |
| training length | 3 epochs | 72 steps per method | eight methods must finish in one class |
| learning rate | 2e-5 (full), 1e-4 to 5e-4 (LoRA) | tuned per method (2e-4 full, 5e-3 LoRA) | few steps need larger ones |
| length | padding to 512 | dynamic padding, at most 64 tokens; the encoder trains on the real tokens only (packed) | tweets are short: padding is 40% of a random batch |
| base | BERT-base (110M) | MiniLM (22.7M) | packaged, runs offline, 5x faster |
| LoRA dropout | 0.1 | 0.05 here, 0.0 in the SFT tab | a short run barely overfits, SFT's 60 steps even less |
| adapter width | 64 (Houlsby) | 32 | MiniLM's hidden size is 384, half of BERT-base's 768 |
""",
    "textbook.sft": r"""
| setting | textbook | this lab | why |
| --- | --- | --- | --- |
| model | a 7B instruction model | SmolLM2-135M-Instruct | runs on 2 CPU cores |
| training length | 1 to 3 epochs | 60 steps | answers change visibly within a class |
| learning rate | 2e-4 (LoRA) | 2e-3 (LoRA) | a short run needs bigger steps |
| LoRA dropout | 0.05 | 0.0 | 60 steps barely overfit |
""",
}
