#!/usr/bin/env python3
"""Tiny random-weight MoE fixtures (Qwen3-MoE, Qwen2-MoE, OLMoE) + independent references.

Subcommands (run from anywhere; llama.cpp's gguf-py must be on PYTHONPATH for `gguf`):
  build  ARCH SEED OUTDIR          write HF files (config, safetensors, tokenizer) for ARCH
  gguf   ARCH OUTDIR GGUF          write an all-F32 GGUF the way convert_hf_to_gguf.py does for ARCH
  ref    ARCH OUTDIR IDS_JSON N    float64 numpy HF-semantics greedy run; prints json
  search ARCH IDS_JSON SEEDS...    numpy-only seed search (min top1-top2 margin over all prompts/steps)
  final  ARCH OUTDIR WORKDIR       combine llama.cpp outputs + numpy reference into golden.json + logits/
ARCH in {qwen3_moe, qwen2_moe, olmoe}.
"""
import json, os, struct, sys, hashlib
import numpy as np

VOCAB = 512
N_GEN = 24
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]  # ids 509, 510, 511
QWEN2_PRETOK = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
                r"\s*[\r\n]+|\s+(?!\S)|\s+")

PROMPTS = [
    ("short", "Hi"),
    ("fox", "The quick brown fox jumps over the lazy dog."),
    ("unicode", "naïve café 東京 — Ünïcödé ✓"),
    ("code", "def add(a, b):\n    return a + b\n\nprint(add(2, 3))\n"),
    ("chat", "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"),
    ("long", "Once upon a time, in a small village by the sea, there lived an old fisherman who went out "
             "every morning before sunrise. He knew the tides, the winds and the moods of the water better "
             "than anyone else, and the children of the village would gather around him in the evening to "
             "hear stories about storms, strange lights and the great fish that got away."),
]

CONFIGS = {
    "qwen3_moe": dict(
        architectures=["Qwen3MoeForCausalLM"], model_type="qwen3_moe", attention_bias=False, attention_dropout=0.0,
        bos_token_id=509, eos_token_id=511, decoder_sparse_step=1, head_dim=32, hidden_act="silu", hidden_size=64,
        initializer_range=0.02, intermediate_size=128, max_position_embeddings=4096, max_window_layers=3,
        mlp_only_layers=[], moe_intermediate_size=48, norm_topk_prob=True, num_attention_heads=4, num_experts=8,
        num_experts_per_tok=2, num_hidden_layers=3, num_key_value_heads=2, output_router_logits=False,
        rms_norm_eps=1e-6, rope_scaling=None, rope_theta=1000000.0, router_aux_loss_coef=0.001, sliding_window=None,
        tie_word_embeddings=True, torch_dtype="bfloat16", transformers_version="4.51.0", use_cache=True,
        use_sliding_window=False, vocab_size=VOCAB),
    "qwen2_moe": dict(
        architectures=["Qwen2MoeForCausalLM"], model_type="qwen2_moe", attention_dropout=0.0, bos_token_id=509,
        eos_token_id=511, decoder_sparse_step=1, hidden_act="silu", hidden_size=64, initializer_range=0.02,
        intermediate_size=96, max_position_embeddings=4096, max_window_layers=2, mlp_only_layers=[],
        moe_intermediate_size=32, norm_topk_prob=False, num_attention_heads=4, num_experts=8, num_experts_per_tok=2,
        num_hidden_layers=2, num_key_value_heads=2, output_router_logits=False, qkv_bias=True, rms_norm_eps=1e-6,
        rope_scaling=None, rope_theta=1000000.0, router_aux_loss_coef=0.001, shared_expert_intermediate_size=96,
        sliding_window=4096, tie_word_embeddings=False, torch_dtype="bfloat16", transformers_version="4.51.0",
        use_cache=True, use_sliding_window=False, vocab_size=VOCAB),
    "olmoe": dict(
        architectures=["OlmoeForCausalLM"], model_type="olmoe", attention_bias=False, attention_dropout=0.0,
        bos_token_id=None, clip_qkv=None, eos_token_id=511, hidden_act="silu", hidden_size=64,
        initializer_range=0.02, intermediate_size=32, max_position_embeddings=4096, norm_topk_prob=False,
        num_attention_heads=4, num_experts=8, num_experts_per_tok=2, num_hidden_layers=2, num_key_value_heads=4,
        output_router_logits=False, pad_token_id=509, rms_norm_eps=1e-5, rope_scaling=None, rope_theta=10000.0,
        router_aux_loss_coef=0.01, tie_word_embeddings=False, torch_dtype="bfloat16",
        transformers_version="4.51.0", use_cache=True, vocab_size=VOCAB),
}
# Residual-branch output scale (o_proj and expert/shared down_proj std multiplier). With tied embeddings the
# residual stream otherwise stays close to the input embedding and greedy decoding just echoes the last token.
OUT_SCALE = {"qwen3_moe": 4.0, "qwen2_moe": 1.0, "olmoe": 1.0}
GGUF_ARCH = {"qwen3_moe": "QWEN3MOE", "qwen2_moe": "QWEN2MOE", "olmoe": "OLMOE"}


# ---------------------------------------------------------------- bf16 + safetensors
def to_bf16_bits(x):
    b = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    r = (b + 0x7FFF + ((b >> 16) & 1)) >> 16  # round to nearest even (no NaNs here)
    return r.astype(np.uint16)


def bf16_bits_to_f32(u):
    return (u.astype(np.uint32) << 16).view(np.float32)


def write_safetensors(path, tensors):
    header, off, blobs = {"__metadata__": {"format": "pt"}}, 0, []
    for name in sorted(tensors):
        bits = tensors[name]
        data = bits.astype("<u2").tobytes()
        header[name] = {"dtype": "BF16", "shape": list(bits.shape), "data_offsets": [off, off + len(data)]}
        off += len(data)
        blobs.append(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for d in blobs:
            f.write(d)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "BF16"
        a, b = info["data_offsets"]
        u = np.frombuffer(data[a:b], dtype="<u2").reshape(info["shape"])
        out[name] = bf16_bits_to_f32(u)
    return out


# ---------------------------------------------------------------- tokenizer (GPT-2 byte-level BPE)
def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


TRAIN_TEXT = (
    "the quick brown fox jumps over the lazy dog. The cat sat on the mat and the dog ate the bone. "
    "Once upon a time there was a little girl who lived in a village near the forest. "
    "def main():\n    return print(\"hello world\")\n\nfor i in range(10):\n    print(i)\n"
    "In the beginning the people of the town went to the market every morning, and in the evening they "
    "would sit together and tell stories about the sea, the wind, the rain and the stars. "
    "What is the capital of France? The capital of France is Paris. Hello, how are you today? "
    "I am fine, thank you. This is a test of the tokenizer with some numbers 12345 and 2024. "
    "Scientists have discovered that many animals communicate through complex patterns of sound and movement. "
    "Whales sing long songs across the ocean, birds learn melodies from their parents, and bees dance to "
    "share information about flowers. Understanding these systems requires careful observation, patient "
    "recording and thoughtful analysis. Researchers spend years collecting data, comparing behaviour between "
    "species, and building models that explain how information travels. Language, music, mathematics, history, "
    "geography, chemistry, physics, biology, engineering, computer programming, architecture, philosophy. "
    "class Node:\n    def __init__(self, value, children=None):\n        self.value = value\n"
    "        self.children = children or []\n\n    def walk(self):\n        yield self.value\n"
    "        for child in self.children:\n            yield from child.walk()\n"
) * 3


def train_merges(n_merges):
    """Deterministic byte-level BPE training on TRAIN_TEXT, words = ' '+letters runs (rough pre-split)."""
    import re
    b2u = bytes_to_unicode()
    words = re.findall(r" ?[A-Za-z]+| ?[0-9]| ?[^\sA-Za-z0-9]+|\s+", TRAIN_TEXT)
    counts = {}
    for w in words:
        t = tuple(b2u[c] for c in w.encode())
        counts[t] = counts.get(t, 0) + 1
    merges = []
    for _ in range(n_merges):
        pairs = {}
        for w, c in counts.items():
            for p in zip(w[:-1], w[1:]):
                pairs[p] = pairs.get(p, 0) + c
        if not pairs:
            break
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))[0]
        merges.append(best)
        new = {}
        for w, c in counts.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1]); i += 2
                else:
                    out.append(w[i]); i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + c
        counts = new
    return merges


def make_tokenizer():
    b2u = bytes_to_unicode()
    n_merges = VOCAB - 256 - len(SPECIALS)
    merges = train_merges(n_merges)
    assert len(merges) == n_merges
    vocab = {}
    for b in range(256):
        vocab[b2u[b]] = b
    for a, b in merges:
        vocab[a + b] = len(vocab)
    assert len(vocab) == VOCAB - len(SPECIALS)
    added = []
    for s in SPECIALS:
        added.append({"id": len(vocab), "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                      "normalized": False, "special": True})
        vocab[s] = len(vocab)
    tok = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": QWEN2_PRETOK}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": {k: v for k, v in vocab.items() if k not in SPECIALS},
                  "merges": [f"{a} {b}" for a, b in merges]},
    }
    tcfg = {
        "add_bos_token": False, "add_prefix_space": False,
        "added_tokens_decoder": {str(a["id"]): {k: a[k] for k in ("content", "lstrip", "normalized", "rstrip",
                                                               "single_word", "special")} for a in added},
        "additional_special_tokens": ["<|im_start|>", "<|im_end|>"], "bos_token": None,
        "chat_template": ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
                          "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
                          "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"),
        "clean_up_tokenization_spaces": False, "eos_token": "<|im_end|>", "errors": "replace",
        "model_max_length": 4096, "pad_token": "<|endoftext|>", "split_special_tokens": False,
        "tokenizer_class": "Qwen2Tokenizer", "unk_token": None,
    }
    return tok, tcfg


def decode_ids(ids, tok, skip_special=False):
    u2b = {v: k for k, v in bytes_to_unicode().items()}
    inv = {v: k for k, v in tok["model"]["vocab"].items()}
    for a in tok["added_tokens"]:
        inv[a["id"]] = a["content"]
    out = bytearray()
    for i in ids:
        s = inv[i]
        if s in SPECIALS:
            if not skip_special:
                out += s.encode()
        else:
            out += bytes(u2b[c] for c in s)
    return out.decode("utf-8", errors="replace")


# ---------------------------------------------------------------- weights
def make_weights(arch, seed):
    c = CONFIGS[arch]
    rng = np.random.default_rng(seed)
    H, L, nh, nkv = c["hidden_size"], c["num_hidden_layers"], c["num_attention_heads"], c["num_key_value_heads"]
    hd = c.get("head_dim") or H // nh
    E = c["num_experts"]
    ff = c["intermediate_size"] if arch == "olmoe" else c["moe_intermediate_size"]
    W = {}
    n = lambda shape, std: rng.standard_normal(shape) * std
    normw = lambda d: 1.0 + 0.2 * rng.standard_normal(d)
    emb = n((VOCAB, H), 1.0)
    if c["tie_word_embeddings"]:
        emb[509:512] *= 0.25
    W["model.embed_tokens.weight"] = emb
    for l in range(L):
        p = f"model.layers.{l}."
        W[p + "input_layernorm.weight"] = normw(H)
        W[p + "post_attention_layernorm.weight"] = normw(H)
        W[p + "self_attn.q_proj.weight"] = n((nh * hd, H), 1 / np.sqrt(H))
        W[p + "self_attn.k_proj.weight"] = n((nkv * hd, H), 1 / np.sqrt(H))
        W[p + "self_attn.v_proj.weight"] = n((nkv * hd, H), 1 / np.sqrt(H))
        W[p + "self_attn.o_proj.weight"] = n((H, nh * hd), OUT_SCALE[arch] / np.sqrt(nh * hd))
        if arch == "qwen2_moe":
            W[p + "self_attn.q_proj.bias"] = n(nh * hd, 0.5)
            W[p + "self_attn.k_proj.bias"] = n(nkv * hd, 0.5)
            W[p + "self_attn.v_proj.bias"] = n(nkv * hd, 0.5)
        if arch == "qwen3_moe":
            W[p + "self_attn.q_norm.weight"] = normw(hd)
            W[p + "self_attn.k_norm.weight"] = normw(hd)
        if arch == "olmoe":
            W[p + "self_attn.q_norm.weight"] = normw(nh * hd)
            W[p + "self_attn.k_norm.weight"] = normw(nkv * hd)
        W[p + "mlp.gate.weight"] = n((E, H), 2 / np.sqrt(H))
        for e in range(E):
            q = p + f"mlp.experts.{e}."
            W[q + "gate_proj.weight"] = n((ff, H), 1 / np.sqrt(H))
            W[q + "up_proj.weight"] = n((ff, H), 1 / np.sqrt(H))
            W[q + "down_proj.weight"] = n((H, ff), 1.5 * OUT_SCALE[arch] / np.sqrt(ff))
        if arch == "qwen2_moe":
            sff = c["shared_expert_intermediate_size"]
            W[p + "mlp.shared_expert.gate_proj.weight"] = n((sff, H), 1 / np.sqrt(H))
            W[p + "mlp.shared_expert.up_proj.weight"] = n((sff, H), 1 / np.sqrt(H))
            W[p + "mlp.shared_expert.down_proj.weight"] = n((H, sff), 1.5 * OUT_SCALE[arch] / np.sqrt(sff))
            W[p + "mlp.shared_expert_gate.weight"] = n((1, H), 2 / np.sqrt(H))
    W["model.norm.weight"] = normw(H)
    if not c["tie_word_embeddings"]:
        lm = n((VOCAB, H), 8 / np.sqrt(H))
        lm[509:512] *= 0.25
        W["lm_head.weight"] = lm
    return {k: to_bf16_bits(v) for k, v in W.items()}


def build(arch, seed, outdir):
    os.makedirs(outdir, exist_ok=True)
    c = CONFIGS[arch]
    with open(os.path.join(outdir, "config.json"), "w") as f:
        json.dump(c, f, indent=2)
    gen = {"bos_token_id": c["bos_token_id"], "eos_token_id": c["eos_token_id"], "do_sample": False,
           "transformers_version": c["transformers_version"]}
    if c.get("pad_token_id") is not None:
        gen["pad_token_id"] = c["pad_token_id"]
    with open(os.path.join(outdir, "generation_config.json"), "w") as f:
        json.dump(gen, f, indent=2)
    tok, tcfg = make_tokenizer()
    with open(os.path.join(outdir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, indent=2, ensure_ascii=False)
    with open(os.path.join(outdir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(tcfg, f, indent=2, ensure_ascii=False)
    write_safetensors(os.path.join(outdir, "model.safetensors"), make_weights(arch, seed))


# ---------------------------------------------------------------- GGUF (mirrors convert_hf_to_gguf.py)
def write_gguf(arch, outdir, path):
    import gguf
    c = json.load(open(os.path.join(outdir, "config.json")))
    W = read_safetensors(os.path.join(outdir, "model.safetensors"))
    march = getattr(gguf.MODEL_ARCH, GGUF_ARCH[arch])
    L = c["num_hidden_layers"]
    w = gguf.GGUFWriter(path, gguf.MODEL_ARCH_NAMES[march])
    w.add_type(gguf.GGUFType.MODEL)
    w.add_name("tiny-" + arch.replace("_", "-"))
    # TextModel.set_gguf_parameters
    w.add_block_count(L)
    w.add_context_length(c["max_position_embeddings"])
    w.add_embedding_length(c["hidden_size"])
    w.add_feed_forward_length(c["intermediate_size"])
    w.add_head_count(c["num_attention_heads"])
    w.add_head_count_kv(c["num_key_value_heads"])
    w.add_rope_freq_base(c["rope_theta"])
    w.add_layer_norm_rms_eps(c["rms_norm_eps"])
    w.add_expert_count(c["num_experts"])
    w.add_expert_used_count(c["num_experts_per_tok"])
    if c.get("head_dim") is not None:
        w.add_key_length(c["head_dim"])
        w.add_value_length(c["head_dim"])
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    if arch in ("qwen3_moe", "qwen2_moe"):  # Qwen2MoeModel.set_gguf_parameters
        w.add_expert_feed_forward_length(c["moe_intermediate_size"])
        if "shared_expert_intermediate_size" in c:
            w.add_expert_shared_feed_forward_length(c["shared_expert_intermediate_size"])
    if arch == "olmoe":  # OlmoeModel.set_gguf_parameters hard-codes this
        w.add_layer_norm_rms_eps(1e-5)
    # vocab: TextModel._set_vocab_gpt2
    tok = json.load(open(os.path.join(outdir, "tokenizer.json"), encoding="utf-8"))
    inv = {v: k for k, v in tok["model"]["vocab"].items()}
    specials = {a["id"]: a["content"] for a in tok["added_tokens"]}
    tokens, types = [], []
    for i in range(VOCAB):
        if i in specials:
            tokens.append(specials[i]); types.append(gguf.TokenType.CONTROL)
        else:
            tokens.append(inv[i]); types.append(gguf.TokenType.NORMAL)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    sv = gguf.SpecialVocab(outdir, load_merges=True, n_vocab=VOCAB)
    sv.add_to_gguf(w)
    # tensors
    tmap = gguf.get_tensor_name_map(march, L)
    E = c["num_experts"]
    for name in sorted(W):
        if ".mlp.experts." in name:
            continue
        new = tmap.get_name(name, try_suffixes=(".weight", ".bias"))
        assert new is not None, name
        w.add_tensor(new, np.ascontiguousarray(W[name], dtype=np.float32))
    for l in range(L):
        for wn in ("down_proj", "gate_proj", "up_proj"):
            st = np.stack([W[f"model.layers.{l}.mlp.experts.{e}.{wn}.weight"] for e in range(E)], 0)
            new = tmap.get_name(f"model.layers.{l}.mlp.experts.{wn}.weight", try_suffixes=(".weight",))
            assert new is not None
            w.add_tensor(new, np.ascontiguousarray(st, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


# ---------------------------------------------------------------- numpy float64 reference (HF semantics)
class Ref:
    def __init__(self, arch, outdir=None, W=None):
        self.arch = arch
        self.c = CONFIGS[arch] if outdir is None else json.load(open(os.path.join(outdir, "config.json")))
        W = W if W is not None else read_safetensors(os.path.join(outdir, "model.safetensors"))
        self.W = {k: np.asarray(v, dtype=np.float64) for k, v in W.items()}
        if "lm_head.weight" not in self.W:
            assert self.c["tie_word_embeddings"]
            self.W["lm_head.weight"] = self.W["model.embed_tokens.weight"]

    @staticmethod
    def rms(x, w, eps):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w

    def rope(self, x, pos, hd):  # x [T, nheads, hd], rotate_half (NEOX) layout
        theta = self.c["rope_theta"]
        inv = 1.0 / theta ** (np.arange(0, hd, 2, dtype=np.float64) / hd)
        fr = pos[:, None] * inv[None, :]
        emb = np.concatenate([fr, fr], -1)
        cos, sin = np.cos(emb)[:, None, :], np.sin(emb)[:, None, :]
        x1, x2 = x[..., : hd // 2], x[..., hd // 2:]
        rot = np.concatenate([-x2, x1], -1)
        return x * cos + rot * sin

    @staticmethod
    def silu(x):
        return x / (1 + np.exp(-x))

    def mlp(self, p, x):
        return (self.silu(x @ self.W[p + "gate_proj.weight"].T) * (x @ self.W[p + "up_proj.weight"].T)) @ self.W[p + "down_proj.weight"].T

    def forward(self, ids):
        c, W = self.c, self.W
        H, nh, nkv = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"]
        hd = c.get("head_dim") or H // nh
        eps = c["rms_norm_eps"]
        T = len(ids)
        pos = np.arange(T, dtype=np.float64)
        x = W["model.embed_tokens.weight"][np.asarray(ids)]
        mask = np.triu(np.full((T, T), -np.inf), 1)
        for l in range(c["num_hidden_layers"]):
            p = f"model.layers.{l}."
            h = self.rms(x, W[p + "input_layernorm.weight"], eps)
            q = h @ W[p + "self_attn.q_proj.weight"].T
            k = h @ W[p + "self_attn.k_proj.weight"].T
            v = h @ W[p + "self_attn.v_proj.weight"].T
            if self.arch == "qwen2_moe":
                q = q + W[p + "self_attn.q_proj.bias"]
                k = k + W[p + "self_attn.k_proj.bias"]
                v = v + W[p + "self_attn.v_proj.bias"]
            if self.arch == "olmoe":  # norm over the whole projection, before the head split
                q = self.rms(q, W[p + "self_attn.q_norm.weight"], eps)
                k = self.rms(k, W[p + "self_attn.k_norm.weight"], eps)
            q = q.reshape(T, nh, hd)
            k = k.reshape(T, nkv, hd)
            v = v.reshape(T, nkv, hd)
            if self.arch == "qwen3_moe":  # per-head norm over head_dim
                q = self.rms(q, W[p + "self_attn.q_norm.weight"], eps)
                k = self.rms(k, W[p + "self_attn.k_norm.weight"], eps)
            q = self.rope(q, pos, hd)
            k = self.rope(k, pos, hd)
            rep = nh // nkv
            out = np.empty((T, nh, hd))
            for hh in range(nh):
                kv = hh // rep
                s = q[:, hh, :] @ k[:, kv, :].T / np.sqrt(hd) + mask
                s = np.exp(s - s.max(-1, keepdims=True))
                s /= s.sum(-1, keepdims=True)
                out[:, hh, :] = s @ v[:, kv, :]
            x = x + out.reshape(T, nh * hd) @ W[p + "self_attn.o_proj.weight"].T
            h = self.rms(x, W[p + "post_attention_layernorm.weight"], eps)
            logits = h @ W[p + "mlp.gate.weight"].T
            pr = np.exp(logits - logits.max(-1, keepdims=True))
            pr /= pr.sum(-1, keepdims=True)
            K = c["num_experts_per_tok"]
            moe = np.zeros_like(h)
            for t in range(T):
                sel = np.argsort(-pr[t], kind="stable")[:K]
                wts = pr[t, sel]
                if c["norm_topk_prob"]:
                    wts = wts / wts.sum()
                for e, wt in zip(sel, wts):
                    moe[t] += wt * self.mlp(p + f"mlp.experts.{e}.", h[t])
            if self.arch == "qwen2_moe":
                g = 1 / (1 + np.exp(-(h @ W[p + "mlp.shared_expert_gate.weight"].T)))  # [T,1]
                moe = moe + g * self.mlp(p + "mlp.shared_expert.", h)
            x = x + moe
        x = self.rms(x, W["model.norm.weight"], eps)
        return x[-1] @ W["lm_head.weight"].T

    def greedy(self, ids, n):
        seq, gen, logs = list(ids), [], []
        for _ in range(n):
            lg = self.forward(seq)
            t = int(np.argmax(lg))
            gen.append(t); logs.append(lg); seq.append(t)
        return gen, np.array(logs)


def margin(lg):
    s = np.sort(lg)
    return float(s[-1] - s[-2])


def search(arch, ids_json, seeds):
    prompts = json.load(open(ids_json))
    for seed in seeds:
        W = {k: bf16_bits_to_f32(v) for k, v in make_weights(arch, seed).items()}
        r = Ref(arch, W=W)
        mins, top1, distinct = [], [], []
        for name, ids in prompts.items():
            g, logs = r.greedy(ids, N_GEN)
            distinct.append(len(set(g)))
            mins.append(min(margin(l) for l in logs))
            for l in logs:
                pr = np.exp(l - l.max()); pr /= pr.sum(); top1.append(pr.max())
        print(f"seed {seed}: min margin {min(mins):.4f}  median top1 prob {np.median(top1):.3f}  distinct gen tokens {distinct}", flush=True)


# ---------------------------------------------------------------- final assembly
def final(arch, outdir, work):
    tok = json.load(open(os.path.join(outdir, "tokenizer.json"), encoding="utf-8"))
    ref = Ref(arch, outdir)
    c = ref.c
    os.makedirs(os.path.join(outdir, "logits"), exist_ok=True)
    meta = json.load(open(os.path.join(work, "meta.json")))
    out_prompts, all_diff, all_margins, tokens_agree = [], 0.0, [], True
    top1s = []
    for name, text in PROMPTS:
        ids = [int(x) for x in open(os.path.join(work, f"{name}.ids")).read().split()]
        gen = [int(x) for x in open(os.path.join(work, f"{name}.gen")).read().split()]
        lg = np.fromfile(os.path.join(work, f"{name}.f32"), dtype="<f4").reshape(N_GEN, VOCAB)
        lg2 = np.fromfile(os.path.join(work, f"{name}.run2.f32"), dtype="<f4").reshape(N_GEN, VOCAB)
        det = bool(np.array_equal(lg, lg2))
        assert decode_ids(ids, tok) == text, (name, decode_ids(ids, tok))
        assert [int(np.argmax(l)) for l in lg] == gen
        ngen, nlogs = ref.greedy(ids, N_GEN)
        agree = ngen == gen
        tokens_agree &= agree
        diff = float(np.max(np.abs(nlogs - lg.astype(np.float64))))
        all_diff = max(all_diff, diff)
        steps = []
        for i in range(N_GEN):
            l = lg[i].astype(np.float64)
            ls = l - (l.max() + np.log(np.sum(np.exp(l - l.max()))))
            order = np.argsort(-l, kind="stable")[:5]
            m = margin(lg[i].astype(np.float64))
            all_margins.append(m)
            top1s.append(float(np.exp(ls[order[0]])))
            steps.append({"step": i, "position": len(ids) + i, "id": int(gen[i]), "logit": float(lg[i][gen[i]]),
                          "logprob": float(ls[gen[i]]), "prob": float(np.exp(ls[gen[i]])),
                          "margin_top1_top2_logit": m,
                          "top5": [{"id": int(j), "logit": float(lg[i][j]), "logprob": float(ls[j]),
                                    "prob": float(np.exp(ls[j]))} for j in order]})
        lf = f"logits/{name}.step0.logits.f32"
        lg[0].astype("<f4").tofile(os.path.join(outdir, lf))
        out_prompts.append({
            "name": name, "text": text, "prompt_ids": ids, "generated_ids": gen,
            "generated_text_hf_decode": decode_ids(gen, tok),
            "full_text_hf_decode_skip_special": decode_ids(ids + gen, tok, skip_special=True),
            "steps": steps, "step0_full_vocab_logits_file": lf,
            "min_margin_top1_top2_logit": min(s["margin_top1_top2_logit"] for s in steps),
            "numpy_reference": {"same_greedy_tokens": agree, "max_abs_logit_diff_vs_llama_cpp": diff},
            "deterministic_two_runs": det})
    sha = lambda f: hashlib.sha256(open(os.path.join(outdir, f), "rb").read()).hexdigest()
    g = {
        "format_version": 1,
        "description": f"Golden greedy-decoding data for the tiny random-weight {c['architectures'][0]} in this folder, "
                       "produced by llama.cpp and cross-checked by an independent float64 numpy reference (see README.md).",
        "model": {"hf_architecture": c["architectures"][0], "llama_cpp_arch": meta["llama_cpp_arch"],
                  "safetensors_sha256": sha("model.safetensors"), "tokenizer_json_sha256": sha("tokenizer.json"),
                  "add_bos_token": False, "weights_seed": meta["seed"]},
        "reference": {
            "engine": "llama.cpp", "commit": meta["commit"], "commit_date": meta["commit_date"],
            "backend": "CPU (ggml-cpu, -DGGML_NATIVE=ON), Release",
            "gguf_tensor_type": "F32 for every tensor (exact upcast of the BF16 safetensors values)",
            "kv_cache_type": "f32", "flash_attention": "off", "threads": 2,
            "prompt_evaluation": "whole prompt in one llama_decode batch; then one token per llama_decode call",
            "sampling": "greedy: argmax over the full vocabulary of the raw logits; no penalties; EOS/EOG tokens are "
                        f"NOT treated specially (generation always runs {N_GEN} steps)",
            "n_generated": N_GEN},
        "field_notes": {
            "prompt_ids": "token ids exactly as llama.cpp tokenized `text` (llama_tokenize add_special=true, "
                          "parse_special=true; no BOS is added for this tokenizer); special tokens in the text are parsed",
            "steps[i]": "the distribution used to choose generated_ids[i]; position = index of the token being "
                        "predicted (= len(prompt_ids)+i)",
            "logit": "raw float32 logit from llama.cpp", "logprob/prob": "float64 log-softmax / softmax of the float32 logits",
        },
        "checks": {
            "numpy_float64_reference_same_greedy_tokens_all_prompts": tokens_agree,
            "numpy_float64_reference_max_abs_logit_diff_vs_llama_cpp": all_diff,
            "numpy_reference_scope": "full vocabulary, every step of every prompt (full-sequence recompute, no KV cache)",
            "deterministic_two_runs": all(p["deterministic_two_runs"] for p in out_prompts),
            "min_margin_top1_top2_logit": min(all_margins),
            "median_top1_prob": float(np.median(top1s)), "min_top1_prob": float(np.min(top1s)),
            "n_steps": len(all_margins)},
        "prompts": out_prompts,
    }
    with open(os.path.join(outdir, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(g, f, indent=1, ensure_ascii=False)
    print(json.dumps(g["checks"], indent=1))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "build":
        build(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif cmd == "gguf":
        write_gguf(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "prompts":  # write prompt text files into a work dir
        os.makedirs(sys.argv[2], exist_ok=True)
        for n, t in PROMPTS:
            open(os.path.join(sys.argv[2], n + ".txt"), "wb").write(t.encode())
    elif cmd == "search":
        search(sys.argv[2], sys.argv[3], [int(s) for s in sys.argv[4:]])
    elif cmd == "final":
        final(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        raise SystemExit(__doc__)
