#!/usr/bin/python3
"""The PyTorch training step a user would write instead of mmaux, for side-by-side timing.

Bench-only tool (mmaux never needs Python). Run it with Debian's interpreter, which has
python3-torch (1.13, CPU):

    /usr/bin/python3 reference_step.py --mode step --kind attention --n 16 --lengths 12,40,64 ...
    /usr/bin/python3 reference_step.py --json '{"mode": "step", "config": {...model.config...}, ...}'
    /usr/bin/python3 reference_step.py --mode itc            # ITC loss fwd+bwd, N=256, D=512
    /usr/bin/python3 reference_step.py --mode matmul         # [3152,768]·[768,768] GFLOP/s
    /usr/bin/python3 reference_step.py --mode check --input weights.json   # load mmaux weights, compare

Each model is written the plain way, with the same layers, widths and wiring as
packages/fusion/src (config.ts, fusion-model.ts, late-fusion.ts, transformer-fusion.ts,
attention.ts, layers.ts) and the objective of train-step.ts / packages/losses:

  class logits = classifier(dropout(fused)), dropout 0.05
  ITC ('fusion' source): text/image parts of the fusion layers -> Linear(h -> 512, no bias) each,
      logits = exp(s) * normalize(t) @ normalize(v).T, symmetric CE, learnable s = ln(1/0.07)
  ITM: post i's image with post partner[i]'s text (swap with p = 0.5), a second pass that reuses
      the image-side computation, Linear(h -> 2), no dropout on the head
  CE: class weights, 'batch' normalisation (one-hot targets: sum_i w_i l_i / N, as the paper)
  loss = 0.8 CE + 0.1 ITC + 0.1 ITM (convex); CE only when both betas are 0
  torch.optim.AdamW(lr=1e-5, weight_decay=2.5e-4), torch.set_num_threads(threads)

With config.textLayers (mmaux's model.config of a model with fine-tuned text encoder layers,
issue 13), the text input is the hidden state entering layer L - k (or token ids for 'all') and
goes through a plain torch BERT layer stack first (TextLayers: HF's BertLayer math, post-LN, erf
GELU, padded keys masked with -1e9, dropout; modules named as HF names them, so state_dict keys
are mmaux's weight names); its parameters train in their own AdamW group (encoderLearningRate).

Prints one JSON line.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

MAX_LOGIT_SCALE = math.log(100.0)


# --------------------------------------------------------------------------------------------
# configuration


def default_config(kind):
    transformer = kind in ('single-stream', 'dual-stream')
    hidden = 256 if transformer else 768
    return {
        'kind': kind,
        'textDim': 768,
        'imageDim': 768,
        'numClasses': 3,
        'hiddenDim': hidden,
        'projectionDim': 512,
        'dropout': 0.05,
        'summary': 'first-token',
        'layers': 2,
        'heads': 4,
        'ffnDim': 4 * hidden,
        'transformerDropout': 0.1,
        'maxTextLength': 128,
        'maxImageTokens': 197,
        'itcSource': 'fusion',
        'logitScale': math.log(1 / 0.07),
    }


class Cfg:
    def __init__(self, d):
        self.__dict__.update(d)


# --------------------------------------------------------------------------------------------
# late fusion (Ber-ViT-Conc, Ber-ViT-Att, GMU, text-only)


def text_summary(c, tokens, pooled):
    return tokens[:, 0] if c.summary == 'first-token' else pooled


def image_summary(c, patches, pooled):
    return patches[:, 0] if c.summary == 'first-token' else pooled


class ConcatFusion(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.dense = nn.Linear(c.textDim + c.imageDim, c.hiddenDim)

    def encode_image(self, patches, pooled):
        return image_summary(self.c, patches, pooled)

    def forward(self, tokens, mask, pooled, img):
        t = text_summary(self.c, tokens, pooled)
        fused = F.relu(self.dense(torch.cat([t, img], 1)))
        # each modality's share of the fusion layer: W_t t and W_v v
        w = self.dense.weight
        return fused, t @ w[:, : self.c.textDim].T, img @ w[:, self.c.textDim:].T


class AttentionFusion(nn.Module):
    """The text's first token queries the image patches: one head, scaled dot product."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        h = c.hiddenDim
        self.q = nn.Linear(c.textDim, h)
        self.k = nn.Linear(c.imageDim, h)
        self.v = nn.Linear(c.imageDim, h)
        self.dense = nn.Linear(c.textDim + h, h)

    def encode_image(self, patches, pooled):
        # K = V W_K + b_K and U = V W_V + b_V for every patch, as the paper
        return self.k(patches), self.v(patches)

    def forward(self, tokens, mask, pooled, img):
        keys, values = img
        t = text_summary(self.c, tokens, pooled)
        q = self.q(t)                                                          # [N, H]
        scores = torch.bmm(keys, q.unsqueeze(2)).squeeze(2) / math.sqrt(self.c.hiddenDim)  # [N, P]
        attn = torch.softmax(scores, dim=-1)
        attended = torch.bmm(attn.unsqueeze(1), values).squeeze(1)             # [N, H]
        fused = F.relu(self.dense(torch.cat([t, attended], 1)))
        return fused, q, keys.mean(1)


class GmuFusion(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        h = c.hiddenDim
        self.text = nn.Linear(c.textDim, h)
        self.image = nn.Linear(c.imageDim, h)
        self.gate = nn.Linear(c.textDim + c.imageDim, h)

    def encode_image(self, patches, pooled):
        v = image_summary(self.c, patches, pooled)
        return v, torch.tanh(self.image(v))

    def forward(self, tokens, mask, pooled, img):
        v, hv = img
        t = text_summary(self.c, tokens, pooled)
        ht = torch.tanh(self.text(t))
        z = torch.sigmoid(self.gate(torch.cat([t, v], 1)))
        fused = z * ht + (1 - z) * hv
        return fused, ht, hv


class TextOnly(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.dense = nn.Linear(c.textDim, c.hiddenDim)

    def encode_image(self, patches, pooled):
        return None

    def forward(self, tokens, mask, pooled, img):
        return F.relu(self.dense(text_summary(self.c, tokens, pooled))), None, None


# --------------------------------------------------------------------------------------------
# transformer fusion (MMBT/ViLT-like single stream, LXMERT-like dual stream), pre-LN blocks


def gelu(x):
    return F.gelu(x, approximate='tanh')


class AttentionBlock(nn.Module):
    """x + dropout(MHA(LN(x))) (self-attention), or with keys/values from another stream."""

    def __init__(self, h, heads, p):
        super().__init__()
        self.norm = nn.LayerNorm(h)
        self.attn = nn.MultiheadAttention(h, heads, batch_first=True)
        self.drop = nn.Dropout(p)

    def forward(self, x, pad):
        y = self.norm(x)
        a, _ = self.attn(y, y, y, key_padding_mask=pad, need_weights=False)
        return x + self.drop(a)


class FeedForwardBlock(nn.Module):
    def __init__(self, h, f, p):
        super().__init__()
        self.norm = nn.LayerNorm(h)
        self.fc1 = nn.Linear(h, f)
        self.fc2 = nn.Linear(f, h)
        self.drop = nn.Dropout(p)

    def forward(self, x):
        return x + self.drop(self.fc2(gelu(self.fc1(self.norm(x)))))


def normal_param(*shape):
    return nn.Parameter(torch.randn(*shape).clamp_(-2, 2) * 0.02)


class SingleStream(nn.Module):
    """[CLS, text tokens, SEP, image tokens] through a pre-LN transformer encoder."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        h, p = c.hiddenDim, c.transformerDropout
        self.text_in = nn.Linear(c.textDim, h)
        self.image_in = nn.Linear(c.imageDim, h)
        self.cls = normal_param(h)
        self.sep = normal_param(h)
        self.text_position = normal_param(c.maxTextLength + 2, h)
        self.image_position = normal_param(c.maxImageTokens, h)
        self.modality_type = normal_param(2, h)
        self.embed_norm = nn.LayerNorm(h)
        self.attn_blocks = nn.ModuleList([AttentionBlock(h, c.heads, p) for _ in range(c.layers)])
        self.ffn_blocks = nn.ModuleList([FeedForwardBlock(h, c.ffnDim, p) for _ in range(c.layers)])
        self.final_norm = nn.LayerNorm(h)
        self.pooler = nn.Linear(h, h)
        self.drop = nn.Dropout(p)

    def encode_image(self, patches, pooled):
        n_patches = patches.shape[1]
        x = self.image_in(patches) + self.image_position[:n_patches] + self.modality_type[1]
        return self.embed_norm(x)

    def forward(self, tokens, mask, pooled, img):
        n, l = mask.shape
        h = self.c.hiddenDim
        text_type = self.modality_type[0]
        x_t = self.text_in(tokens * mask.unsqueeze(-1)) + self.text_position[1:l + 1] + text_type
        cls = (self.cls + self.text_position[0] + text_type).expand(n, 1, h)
        lengths = mask.sum(1).long()
        sep = (self.sep + self.text_position[lengths + 1] + text_type).unsqueeze(1)   # after the last real token
        text_part = self.embed_norm(torch.cat([cls, x_t, sep], 1))
        x = self.drop(torch.cat([text_part, img], 1))
        pad = torch.cat([
            torch.zeros(n, 1, dtype=torch.bool),
            mask == 0,
            torch.zeros(n, 1 + img.shape[1], dtype=torch.bool),
        ], 1)
        for attn, ffn in zip(self.attn_blocks, self.ffn_blocks):
            x = ffn(attn(x, pad))
        out = self.final_norm(x)
        first = out[:, 0]
        return torch.tanh(self.pooler(first)), first, out[:, l + 2:].mean(1)


class CrossLayer(nn.Module):
    def __init__(self, h, heads, f, p):
        super().__init__()
        self.text_cross_norm = nn.LayerNorm(h)
        self.image_cross_norm = nn.LayerNorm(h)
        self.text_cross = nn.MultiheadAttention(h, heads, batch_first=True)
        self.image_cross = nn.MultiheadAttention(h, heads, batch_first=True)
        self.text_self = AttentionBlock(h, heads, p)
        self.image_self = AttentionBlock(h, heads, p)
        self.text_ffn = FeedForwardBlock(h, f, p)
        self.image_ffn = FeedForwardBlock(h, f, p)
        self.drop = nn.Dropout(p)

    def forward(self, t, v, text_pad):
        nt = self.text_cross_norm(t)
        nv = self.image_cross_norm(v)
        t2 = t + self.drop(self.text_cross(nt, nv, nv, need_weights=False)[0])
        v2 = v + self.drop(self.image_cross(nv, nt, nt, key_padding_mask=text_pad, need_weights=False)[0])
        t = self.text_ffn(self.text_self(t2, text_pad))
        v = self.image_ffn(self.image_self(v2, None))
        return t, v


class DualStream(nn.Module):
    """A text and an image stream with cross-modal layers (LXMERT-like), pre-LN."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        h, p = c.hiddenDim, c.transformerDropout
        self.text_in = nn.Linear(c.textDim, h)
        self.image_in = nn.Linear(c.imageDim, h)
        self.text_position = normal_param(c.maxTextLength, h)
        self.image_position = normal_param(c.maxImageTokens, h)
        self.text_embed_norm = nn.LayerNorm(h)
        self.image_embed_norm = nn.LayerNorm(h)
        self.layers = nn.ModuleList([CrossLayer(h, c.heads, c.ffnDim, p) for _ in range(c.layers)])
        self.text_final_norm = nn.LayerNorm(h)
        self.image_final_norm = nn.LayerNorm(h)
        self.pooler = nn.Linear(2 * h, h)
        self.drop = nn.Dropout(p)

    def encode_image(self, patches, pooled):
        n_patches = patches.shape[1]
        return self.image_embed_norm(self.image_in(patches) + self.image_position[:n_patches])

    def forward(self, tokens, mask, pooled, img):
        l = mask.shape[1]
        t = self.drop(self.text_embed_norm(self.text_in(tokens * mask.unsqueeze(-1)) + self.text_position[:l]))
        v = self.drop(img)
        pad = mask == 0
        for layer in self.layers:
            t, v = layer(t, v, pad)
        first = self.text_final_norm(t)[:, 0]
        image_mean = self.image_final_norm(v).mean(1)
        return torch.tanh(self.pooler(torch.cat([first, image_mean], 1))), first, image_mean


# --------------------------------------------------------------------------------------------
# fine-tuned text encoder layers (issue 13): a plain-torch BERT layer stack, HF's BertLayer math
# (post-LN, exact erf GELU, padded keys masked, dropout on the attention weights), its modules
# named as HF names them so that state_dict keys are the checkpoint's (and mmaux's) names.


class Sub(nn.Module):
    """A named container (HF's attention / output / intermediate wrappers)."""


def bert_gelu(x, act):
    return F.gelu(x) if act == 'gelu' else F.gelu(x, approximate='tanh')


class BertLayer(nn.Module):
    def __init__(self, e):
        super().__init__()
        h, f = e['hiddenSize'], e['intermediateSize']
        self.e = e
        self.attention = Sub()
        setattr(self.attention, 'self', Sub())
        for name in ('query', 'key', 'value'):
            setattr(self.attention.self, name, nn.Linear(h, h))
        self.attention.output = Sub()
        self.attention.output.dense = nn.Linear(h, h)
        self.attention.output.LayerNorm = nn.LayerNorm(h, eps=e['layerNormEps'])
        self.intermediate = Sub()
        self.intermediate.dense = nn.Linear(h, f)
        self.output = Sub()
        self.output.dense = nn.Linear(f, h)
        self.output.LayerNorm = nn.LayerNorm(h, eps=e['layerNormEps'])
        self.hidden_drop = nn.Dropout(e['hiddenDropout'])
        self.attention_drop = nn.Dropout(e['attentionDropout'])

    def forward(self, x, key_bias):
        n, t, h = x.shape
        heads = self.e['numHeads']
        d = h // heads
        sa = self.attention.self

        def split(y):
            return y.view(n, t, heads, d).transpose(1, 2)

        q, k, v = split(sa.query(x)), split(sa.key(x)), split(sa.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d) + key_bias
        p = self.attention_drop(torch.softmax(scores, dim=-1))
        context = (p @ v).transpose(1, 2).reshape(n, t, h)
        a = self.hidden_drop(self.attention.output.dense(context))
        x = self.attention.output.LayerNorm(x + a)
        f = self.hidden_drop(self.output.dense(bert_gelu(self.intermediate.dense(x), self.e['hiddenAct'])))
        return self.output.LayerNorm(x + f)


class BertEmbeddings(nn.Module):
    def __init__(self, e):
        super().__init__()
        h = e['hiddenSize']
        self.e = e
        self.word_embeddings = nn.Embedding(e['vocabSize'], h)
        self.position_embeddings = nn.Embedding(e['maxPositions'], h)
        self.token_type_embeddings = nn.Embedding(e['typeVocabSize'], h)
        self.LayerNorm = nn.LayerNorm(h, eps=e['layerNormEps'])
        self.drop = nn.Dropout(e['hiddenDropout'])

    def forward(self, ids):
        n, t = ids.shape
        e = self.e
        if e['architecture'] == 'bert':
            positions = torch.arange(t).expand(n, t)
        else:  # RoBERTa / XLM-R: count real tokens from pad + 1
            real = (ids != e['padTokenId']).long()
            positions = torch.cumsum(real, 1) * real + e['padTokenId']
        x = self.word_embeddings(ids) + self.position_embeddings(positions) + self.token_type_embeddings(torch.zeros_like(ids))
        return self.drop(self.LayerNorm(x))


class TextLayers(nn.Module):
    """The top k layers of the encoder (and the pooler; 'all': the embeddings too); input: the hidden state entering layer L - k, or token ids."""

    def __init__(self, t):
        super().__init__()
        e = t['encoder']
        self.e = e
        k = e['numLayers'] if t['trainableLayers'] == 'all' else int(t['trainableLayers'])
        self.first = e['numLayers'] - k
        if t['trainableLayers'] == 'all':
            self.embeddings = BertEmbeddings(e)
        self.encoder = Sub()
        self.encoder.layer = nn.ModuleDict({str(i): BertLayer(e) for i in range(self.first, e['numLayers'])})
        if t.get('pooler', True):
            self.pooler = Sub()
            self.pooler.dense = nn.Linear(e['hiddenSize'], e['hiddenSize'])

    def forward(self, x, mask):
        if hasattr(self, 'embeddings'):
            x = self.embeddings(x)
        key_bias = ((1 - mask) * -1e9)[:, None, None, :]  # [N, 1, 1, T]: padded keys get weight 0
        for i in range(self.first, self.e['numLayers']):
            x = self.encoder.layer[str(i)](x, key_bias)
        pooled = torch.tanh(self.pooler.dense(x[:, 0])) if hasattr(self, 'pooler') else x[:, 0]
        return x, pooled


FUSIONS = {
    'concat': ConcatFusion,
    'attention': AttentionFusion,
    'gmu': GmuFusion,
    'text-only': TextOnly,
    'single-stream': SingleStream,
    'dual-stream': DualStream,
}


class MultimodalClassifier(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.unimodal = c.kind == 'text-only'
        self.fusion = FUSIONS[c.kind](c)
        self.dropout = nn.Dropout(c.dropout)
        self.classifier = nn.Linear(c.hiddenDim, c.numClasses)
        if not self.unimodal:
            self.itm_head = nn.Linear(c.hiddenDim, 2)
            from_fusion = c.itcSource == 'fusion'
            self.text_projection = nn.Linear(c.hiddenDim if from_fusion else c.textDim, c.projectionDim, bias=False)
            self.image_projection = nn.Linear(c.hiddenDim if from_fusion else c.imageDim, c.projectionDim, bias=False)
            self.logit_scale = nn.Parameter(torch.tensor(float(c.logitScale)))
        layers = getattr(c, 'textLayers', None)
        self.text_layers = TextLayers(layers) if layers else None

    def forward(self, text, text_mask, text_pooled, patches, image_pooled, partner=None, itc=True):
        if self.text_layers is not None:
            # text: the hidden state entering layer L - k (or token ids); the fusion reads the stack's output
            text, text_pooled = self.text_layers(text, text_mask)
        img = self.fusion.encode_image(patches, image_pooled)
        fused, t_part, v_part = self.fusion(text, text_mask, text_pooled, img)
        out = {'class_logits': self.classifier(self.dropout(fused))}
        if itc and not self.unimodal:
            if self.c.itcSource == 'fusion':
                te, ie = self.text_projection(t_part), self.image_projection(v_part)
            else:
                te, ie = self.text_projection(text_pooled), self.image_projection(image_pooled)
            out['itc_logits'] = contrastive_logits(te, ie, self.logit_scale)
        if partner is not None:
            # post i's image with post partner[i]'s text; the image side is reused
            if self.c.kind in ('single-stream', 'dual-stream'):
                sw = (text[partner], text_mask[partner], text_pooled[partner])
            else:  # late fusion reads only the first token (or pooled)
                sw = (text[:, :1][partner], text_mask[:, :1][partner], text_pooled[partner])
            fused_sw, _, _ = self.fusion(*sw, img)
            out['itm_logits'] = self.itm_head(fused_sw)
        return out


def contrastive_logits(te, ie, logit_scale):
    return logit_scale.clamp(0, MAX_LOGIT_SCALE).exp() * F.normalize(te, dim=-1) @ F.normalize(ie, dim=-1).T


def clip_loss(logits):
    labels = torch.arange(logits.shape[0])
    return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2


def class_ce(logits, labels, weights, normalize='batch'):
    if normalize == 'batch':  # one-hot targets: PyTorch divides by N (the paper's code)
        return F.cross_entropy(logits, F.one_hot(labels, logits.shape[1]).float(), weight=weights)
    return F.cross_entropy(logits, labels, weight=weights)


def sample_partner(n, match_probability=0.5):
    idx = torch.arange(n)
    if n < 2:
        return idx
    swap = torch.rand(n) >= match_probability
    other = (idx + torch.randint(1, n, (n,))) % n   # uniform over the other posts
    return torch.where(swap, other, idx)


def joint_loss(model, batch, labels, weights, beta_itc, beta_itm, normalize, partner=None):
    use_itm = beta_itm > 0 and not model.unimodal
    if use_itm and partner is None:
        partner = sample_partner(labels.shape[0])
    out = model(*batch, partner=partner if use_itm else None, itc=beta_itc > 0)
    ce = class_ce(out['class_logits'], labels, weights, normalize)
    parts = {'ce': ce}
    loss = (1 - beta_itc - beta_itm) * ce
    if beta_itc > 0 and not model.unimodal:
        parts['itc'] = clip_loss(out['itc_logits'])
        loss = loss + beta_itc * parts['itc']
    if use_itm:
        parts['itm'] = F.cross_entropy(out['itm_logits'], (partner == torch.arange(len(partner))).long())
        loss = loss + beta_itm * parts['itm']
    return loss, parts, out


# --------------------------------------------------------------------------------------------
# inputs and timing


def make_batch(c, n, text_length, lengths, patches):
    tokens = torch.randn(n, text_length, c.textDim)
    mask = (torch.arange(text_length)[None, :] < torch.tensor(lengths)[:, None]).float()
    layers = getattr(c, 'textLayers', None)
    if layers and layers['trainableLayers'] == 'all':  # token ids: real tokens above the special ones, padding = pad id
        e = layers['encoder']
        tokens = torch.where(mask > 0, torch.randint(1000, e['vocabSize'], (n, text_length)), torch.full((n, text_length), e['padTokenId']))
    return (tokens, mask, torch.randn(n, c.textDim), torch.randn(n, patches, c.imageDim), torch.randn(n, c.imageDim))


def balanced_weights(labels, k):
    counts = torch.bincount(labels, minlength=k).float()
    return torch.where(counts > 0, len(labels) / (k * counts.clamp(min=1)), torch.zeros(k))


def timed(fn, warmup, steps, min_steps, max_seconds):
    """warm-up calls, then calls until `steps` or `max_seconds` (at least `min_steps`); ms each."""
    for i in range(warmup):
        t0 = time.perf_counter()
        fn()
        if i == 0 and time.perf_counter() - t0 > max_seconds / 2:
            break  # a slow case: one warm-up is enough
    times = []
    start = time.perf_counter()
    while len(times) < min_steps or (len(times) < steps and time.perf_counter() - start < max_seconds):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def summary_of(times):
    return {'median_ms': statistics.median(times), 'min_ms': min(times), 'times_ms': [round(t, 3) for t in times]}


def run_step(a):
    c = Cfg({**default_config(a['kind']), **a.get('config', {})})
    torch.manual_seed(a.get('seed', 0))
    n = a['n']
    lengths = a['lengths']
    text_length = a.get('textLength') or max(lengths)
    model = MultimodalClassifier(c)
    model.train()
    lr = a.get('learningRate', 1e-5)
    if model.text_layers is not None:  # the encoder at its own rate (the paper: 1e-5)
        encoder = set(id(p) for p in model.text_layers.parameters())
        groups = [{'params': [p for p in model.parameters() if id(p) not in encoder]},
                  {'params': list(model.text_layers.parameters()), 'lr': a.get('encoderLearningRate', lr)}]
    else:
        groups = model.parameters()
    opt = torch.optim.AdamW(groups, lr=lr, weight_decay=a.get('weightDecay', 2.5e-4))
    batch = make_batch(c, n, text_length, lengths, a['patches'])
    labels = torch.tensor(a['labels'] if 'labels' in a else [i % c.numClasses for i in range(n)])
    weights = torch.tensor(a['classWeights'], dtype=torch.float32) if a.get('classWeights') else balanced_weights(labels, c.numClasses)
    beta_itc, beta_itm = a.get('betaItc', 0.1), a.get('betaItm', 0.1)
    if model.unimodal:
        beta_itc = beta_itm = 0.0
    last = {}

    def step():
        opt.zero_grad()
        loss, _, _ = joint_loss(model, batch, labels, weights, beta_itc, beta_itm, a.get('ceNormalize', 'batch'))
        loss.backward()
        opt.step()
        if not model.unimodal:
            with torch.no_grad():
                model.logit_scale.clamp_(0, MAX_LOGIT_SCALE)
        last['loss'] = loss.item()

    times = timed(step, a['warmup'], a['steps'], a['minSteps'], a['maxSeconds'])
    return {
        'kind': c.kind, 'n': n, 'textLength': text_length, 'patches': a['patches'],
        'betaItc': beta_itc, 'betaItm': beta_itm,
        'params': sum(p.numel() for p in model.parameters()), 'loss': last['loss'],
        'textLayers': getattr(c, 'textLayers', {}) and c.textLayers['trainableLayers'], **summary_of(times),
    }


def run_itc(a):
    n, d = a.get('itcN', 256), a.get('itcD', 512)
    torch.manual_seed(a.get('seed', 0))
    text = torch.randn(n, d, requires_grad=True)
    image = torch.randn(n, d, requires_grad=True)
    scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def step():
        for p in (text, image, scale):
            p.grad = None
        loss = clip_loss(contrastive_logits(text, image, scale))
        loss.backward()
        loss.item()

    return {'n': n, 'd': d, **summary_of(timed(step, a['warmup'], a['steps'], a['minSteps'], a['maxSeconds']))}


def run_matmul(a):
    m, k, n = a.get('matmulShape', [3152, 768, 768])
    torch.manual_seed(a.get('seed', 0))
    x, y = torch.randn(m, k), torch.randn(k, n)
    times = timed(lambda: torch.mm(x, y), a['warmup'], max(a['steps'], 10), max(a['minSteps'], 5), a['maxSeconds'])
    s = summary_of(times)
    return {'shape': [m, k, n], 'gflops': 2 * m * k * n / (s['median_ms'] / 1000) / 1e9, **s}


# --------------------------------------------------------------------------------------------
# cross-check against mmaux's weights


def mmaux_parameter_map(model):
    """mmaux weight name -> (tensor, how to read an mmaux value into it).

    mmaux dense kernels are [in, out]; a Linear's weight is [out, in] (so 'T'). The q/k/v
    kernels of an nn.MultiheadAttention live in rows [0,H), [H,2H), [2H,3H) of in_proj_weight.
    """
    c = model.c
    k = c.kind
    h = c.hiddenDim
    out = {}

    def linear(prefix, lin, bias=True):
        out[f'{prefix}/kernel'] = (lin.weight, 'T', None)
        if bias:
            out[f'{prefix}/bias'] = (lin.bias, 'id', None)

    def norm(prefix, ln):
        out[f'{prefix}/gamma'] = (ln.weight, 'id', None)
        out[f'{prefix}/beta'] = (ln.bias, 'id', None)

    def mha(prefix, m):
        for i, part in enumerate(('q', 'k', 'v')):
            rows = slice(i * h, (i + 1) * h)
            out[f'{prefix}/{part}/kernel'] = (m.in_proj_weight, 'T', rows)
            out[f'{prefix}/{part}/bias'] = (m.in_proj_bias, 'id', rows)
        linear(f'{prefix}/out', m.out_proj)

    def param(name, p):
        out[name] = (p, 'id', None)

    f = model.fusion
    if k == 'concat':
        linear('concat/dense', f.dense)
    elif k == 'attention':
        linear('attention/q', f.q)
        linear('attention/k', f.k)
        linear('attention/v', f.v)
        linear('attention/dense', f.dense)
    elif k == 'gmu':
        linear('gmu/text', f.text)
        linear('gmu/image', f.image)
        linear('gmu/gate', f.gate)
    elif k == 'text-only':
        linear('text-only/dense', f.dense)
    elif k == 'single-stream':
        p = 'single-stream'
        linear(f'{p}/text_in', f.text_in)
        linear(f'{p}/image_in', f.image_in)
        for name in ('cls', 'sep', 'text_position', 'image_position', 'modality_type'):
            param(f'{p}/{name}', getattr(f, name))
        norm(f'{p}/embed_norm', f.embed_norm)
        for i, (a, b) in enumerate(zip(f.attn_blocks, f.ffn_blocks)):
            norm(f'{p}/layer_{i}/attention_norm', a.norm)
            mha(f'{p}/layer_{i}/attention', a.attn)
            norm(f'{p}/layer_{i}/ffn_norm', b.norm)
            linear(f'{p}/layer_{i}/ffn/in', b.fc1)
            linear(f'{p}/layer_{i}/ffn/out', b.fc2)
        norm(f'{p}/final_norm', f.final_norm)
        linear(f'{p}/pooler', f.pooler)
    elif k == 'dual-stream':
        p = 'dual-stream'
        linear(f'{p}/text_in', f.text_in)
        linear(f'{p}/image_in', f.image_in)
        param(f'{p}/text_position', f.text_position)
        param(f'{p}/image_position', f.image_position)
        norm(f'{p}/text_embed_norm', f.text_embed_norm)
        norm(f'{p}/image_embed_norm', f.image_embed_norm)
        for i, layer in enumerate(f.layers):
            q = f'{p}/layer_{i}'
            norm(f'{q}/text_cross_norm', layer.text_cross_norm)
            norm(f'{q}/image_cross_norm', layer.image_cross_norm)
            mha(f'{q}/text_cross', layer.text_cross)
            mha(f'{q}/image_cross', layer.image_cross)
            for side in ('text', 'image'):
                blk = getattr(layer, f'{side}_self')
                norm(f'{q}/{side}_self_norm', blk.norm)
                mha(f'{q}/{side}_self', blk.attn)
                ffn = getattr(layer, f'{side}_ffn')
                norm(f'{q}/{side}_ffn_norm', ffn.norm)
                linear(f'{q}/{side}_ffn/in', ffn.fc1)
                linear(f'{q}/{side}_ffn/out', ffn.fc2)
        norm(f'{p}/text_final_norm', f.text_final_norm)
        norm(f'{p}/image_final_norm', f.image_final_norm)
        linear(f'{p}/pooler', f.pooler)
    else:
        raise SystemExit(f'reference_step.py: no weight mapping for kind {k!r}')
    if model.text_layers is not None:  # HF names, PyTorch layout on both sides
        for name, p in model.text_layers.named_parameters():
            out[name] = (p, 'id', None)
    linear('classifier', model.classifier)
    if not model.unimodal:
        linear('itm', model.itm_head)
        linear('itc/text_projection', model.text_projection, bias=False)
        linear('itc/image_projection', model.image_projection, bias=False)
        param('itc/logit_scale', model.logit_scale)
    return out


def read_into(target, how, rows, value):
    v = value.T if how == 'T' else value
    dst = target if rows is None else target[rows]
    if tuple(dst.shape) != tuple(v.shape):
        raise SystemExit(f'reference_step.py: shape mismatch: mmaux {tuple(value.shape)} ({how}) vs torch {tuple(dst.shape)}')
    dst.copy_(v)


def grad_as_mmaux(target, how, rows):
    g = target.grad
    if g is None:
        g = torch.zeros_like(target)
    if rows is not None:
        g = g[rows]
    return g.T if how == 'T' else g


def tensor_of(entry):
    return torch.tensor(entry['data'], dtype=torch.float32).reshape(entry['shape'])


def max_abs(a, b):
    return float((a - b).abs().max()) if a.numel() else 0.0


def run_check(a):
    with open(a['input']) as fh:
        data = json.load(fh)
    c = Cfg({**default_config(data['config']['kind']), **data['config']})
    model = MultimodalClassifier(c)
    mapping = mmaux_parameter_map(model)
    names = set(data['weights'])
    missing = sorted(names - set(mapping))
    extra = sorted(set(mapping) - names)
    if missing or extra:
        raise SystemExit(f'reference_step.py: weight names differ: unmapped mmaux {missing}, absent in mmaux {extra}')
    # every PyTorch parameter must be written exactly once (q/k/v slices cover in_proj fully)
    covered = {}
    for name, (t, _, rows) in mapping.items():
        size = t.numel() if rows is None else t[rows].numel()
        covered[id(t)] = covered.get(id(t), 0) + size
    for pname, p in model.named_parameters():
        if covered.get(id(p), 0) != p.numel():
            raise SystemExit(f'reference_step.py: PyTorch parameter {pname} is not covered by the mapping')
    with torch.no_grad():
        for name, (t, how, rows) in mapping.items():
            read_into(t, how, rows, tensor_of(data['weights'][name]))
    b = data['batch']
    text = tensor_of(b['inputIds']).long() if 'inputIds' in b else tensor_of(b['tokens'])
    batch = (text, tensor_of(b['mask']), tensor_of(b['textPooled']), tensor_of(b['patches']), tensor_of(b['imagePooled']))
    partner = torch.tensor(data['partner'], dtype=torch.long) if data.get('partner') is not None else None
    labels = torch.tensor(data['labels'], dtype=torch.long)
    weights = torch.tensor(data['classWeights'], dtype=torch.float32)
    model.eval()  # no dropout
    loss, parts, out = joint_loss(model, batch, labels, weights, data['betaItc'], data['betaItm'], data.get('ceNormalize', 'batch'), partner)
    model.zero_grad()
    loss.backward()
    exp = data['expected']
    diffs = {'classLogits': max_abs(out['class_logits'].detach(), tensor_of(exp['classLogits']))}
    if 'itcLogits' in exp:
        diffs['itcLogits'] = max_abs(out['itc_logits'].detach(), tensor_of(exp['itcLogits']))
    if 'itmLogits' in exp:
        diffs['itmLogits'] = max_abs(out['itm_logits'].detach(), tensor_of(exp['itmLogits']))
    losses = {'loss': float(loss)}
    losses.update({k: float(v) for k, v in parts.items()})
    diffs['losses'] = max(abs(losses[k] - exp['losses'][k]) for k in losses)
    grad_abs = 0.0
    grad_rel = 0.0
    worst = None
    worst_rel = None
    # relative to each weight's largest gradient entry, floored at 1e-3 of the model's largest
    # (some gradients are 0 in exact arithmetic, e.g. attention key biases: softmax ignores a
    # per-query constant; both sides then return rounding noise)
    largest = max(float(tensor_of(g).abs().max()) if g['data'] else 0.0 for g in exp['grads'].values())
    for name, (t, how, rows) in mapping.items():
        g = grad_as_mmaux(t, how, rows)
        e = tensor_of(exp['grads'][name])
        d = max_abs(g, e)
        rel = d / max(float(e.abs().max()) if e.numel() else 0.0, 1e-3 * largest, 1e-12)
        if d > grad_abs:
            grad_abs, worst = d, name
        if rel > grad_rel:
            grad_rel, worst_rel = rel, {'name': name, 'absDiff': d, 'maxAbsGrad': float(e.abs().max())}
    diffs['grads'] = grad_abs
    diffs['gradsRelative'] = grad_rel
    result = {'kind': c.kind, 'weights': len(mapping), 'maxAbsDiff': diffs, 'worstGrad': worst, 'worstRelativeGrad': worst_rel, 'losses': losses}
    # a training step as mmaux's trainer took it (dropout 0 config), when recorded
    if 'trainStep' in exp:
        ts = exp['trainStep']
        ts_partner = torch.tensor(ts['partner'], dtype=torch.long)
        # mmaux's trainer ran a dropout-0 copy, so its training mode equals eval mode here
        with torch.no_grad():
            l2, p2, _ = joint_loss(model, batch, labels, weights, data['betaItc'], data['betaItm'], data.get('ceNormalize', 'batch'), ts_partner)
        got = {'loss': float(l2), **{k: float(v) for k, v in p2.items()}}
        result['trainStepLossDiff'] = max(abs(got[k] - ts['losses'][k]) for k in got if ts['losses'].get(k) is not None)
    return result


# --------------------------------------------------------------------------------------------


def parse():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--json', help='all arguments as one JSON object ("config" takes mmaux model.config verbatim)')
    ap.add_argument('--mode', choices=['step', 'itc', 'matmul', 'check'])
    ap.add_argument('--kind', choices=sorted(FUSIONS))
    ap.add_argument('--n', type=int, help='batch size (16)')
    ap.add_argument('--lengths', help='real text lengths, comma separated (one per post)')
    ap.add_argument('--text-length', type=int, help='padded text length (default: the longest of --lengths)')
    ap.add_argument('--patches', type=int, help='image tokens (197)')
    for flag in ('hidden-dim', 'layers', 'heads', 'ffn-dim', 'projection-dim', 'num-classes', 'text-dim', 'image-dim'):
        ap.add_argument(f'--{flag}', type=int)
    ap.add_argument('--ce-only', action='store_true', help='betas 0: CE only, no ITC/ITM computed')
    ap.add_argument('--threads', type=int, help='torch.set_num_threads (2)')
    ap.add_argument('--warmup', type=int)
    ap.add_argument('--steps', type=int, help='most timed steps (10)')
    ap.add_argument('--min-steps', type=int, help='fewest timed steps (3)')
    ap.add_argument('--max-seconds', type=float, help='stop timing after this many seconds once min-steps ran (6)')
    ap.add_argument('--input', help='check mode: the JSON file the TS side exported')
    ns = ap.parse_args()
    a = json.loads(ns.json) if ns.json else {}
    cfg = dict(a.get('config', {}))
    simple = {'mode': ns.mode, 'kind': ns.kind, 'n': ns.n, 'textLength': ns.text_length, 'patches': ns.patches,
              'threads': ns.threads, 'warmup': ns.warmup, 'steps': ns.steps, 'minSteps': ns.min_steps,
              'maxSeconds': ns.max_seconds, 'input': ns.input}
    a.update({k: v for k, v in simple.items() if v is not None})
    if ns.lengths:
        a['lengths'] = [int(x) for x in ns.lengths.split(',')]
    for flag, key in (('hidden_dim', 'hiddenDim'), ('layers', 'layers'), ('heads', 'heads'), ('ffn_dim', 'ffnDim'),
                      ('projection_dim', 'projectionDim'), ('num_classes', 'numClasses'), ('text_dim', 'textDim'),
                      ('image_dim', 'imageDim')):
        if getattr(ns, flag) is not None:
            cfg[key] = getattr(ns, flag)
    if ns.ce_only:
        a['betaItc'] = a['betaItm'] = 0.0
    a.setdefault('mode', 'step')
    a['kind'] = a.get('kind') or cfg.get('kind') or 'concat'
    cfg['kind'] = a['kind']
    if 'hiddenDim' in cfg and 'ffnDim' not in cfg:
        cfg['ffnDim'] = 4 * cfg['hiddenDim']
    a['config'] = cfg
    a.setdefault('n', 16)
    a.setdefault('patches', 197)
    a.setdefault('lengths', [a.get('textLength') or 128] * a['n'])
    if len(a['lengths']) != a['n']:
        raise SystemExit(f"reference_step.py: {len(a['lengths'])} lengths for a batch of {a['n']}")
    a.setdefault('threads', 2)
    a.setdefault('warmup', 2)
    a.setdefault('steps', 10)
    a.setdefault('minSteps', 3)
    a.setdefault('maxSeconds', 6.0)
    return a


def main():
    a = parse()
    torch.set_num_threads(a['threads'])
    mode = a['mode']
    if mode == 'check':
        result = run_check(a)
    elif mode == 'itc':
        result = run_itc(a)
    elif mode == 'matmul':
        result = run_matmul(a)
    else:
        result = run_step(a)
    result = {'mode': mode, **result, 'threads': torch.get_num_threads(), 'torch': torch.__version__,
              'loadavg': [round(x, 2) for x in os.getloadavg()]}
    print(json.dumps(result))


if __name__ == '__main__':
    main()
