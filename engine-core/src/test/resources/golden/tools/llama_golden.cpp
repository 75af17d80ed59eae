// Golden-data harness against libllama (written for the Klotski golden fixtures; not llama.cpp code).
// usage: llama_golden MODEL.gguf tokenize TEXTFILE OUT_IDS.txt
//        llama_golden MODEL.gguf run IDS.txt N_GEN OUT.f32
// "tokenize": llama_tokenize(add_special=true, parse_special=true), ids written space separated.
// "run": evaluates the prompt ids in one llama_decode batch, then feeds back the argmax token N_GEN-1 times,
//        one token per llama_decode; writes N_GEN x n_vocab float32 logits (LE, no header) to OUT.f32
//        and the greedy ids to stdout. EOS is not treated specially.
#include "llama.h"
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

static void quiet(enum ggml_log_level level, const char * text, void *) {
    if (level >= GGML_LOG_LEVEL_WARN) fputs(text, stderr);
}

int main(int argc, char ** argv) {
    if (argc < 5) { fprintf(stderr, "bad args\n"); return 2; }
    llama_log_set(quiet, nullptr);
    llama_backend_init();
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    mp.use_mmap = false;
    llama_model * model = llama_model_load_from_file(argv[1], mp);
    if (!model) { fprintf(stderr, "load failed\n"); return 1; }
    const llama_vocab * vocab = llama_model_get_vocab(model);
    const int n_vocab = llama_vocab_n_tokens(vocab);
    std::string mode = argv[2];
    if (mode == "tokenize") {
        std::ifstream f(argv[3], std::ios::binary);
        std::stringstream ss; ss << f.rdbuf();
        std::string text = ss.str();
        std::vector<llama_token> toks(text.size() + 16);
        int n = llama_tokenize(vocab, text.data(), (int) text.size(), toks.data(), (int) toks.size(), true, true);
        if (n < 0) { fprintf(stderr, "tokenize failed\n"); return 1; }
        FILE * o = fopen(argv[4], "w");
        for (int i = 0; i < n; i++) fprintf(o, i ? " %d" : "%d", toks[i]);
        fprintf(o, "\n");
        fclose(o);
        llama_model_free(model);
        return 0;
    }
    std::vector<llama_token> ids;
    { std::ifstream f(argv[3]); int x; while (f >> x) ids.push_back(x); }
    const int n_gen = atoi(argv[4]);
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = 4096;
    cp.n_batch = 4096;
    cp.n_ubatch = 4096;
    cp.n_seq_max = 1;
    cp.n_threads = 2;
    cp.n_threads_batch = 2;
    cp.type_k = GGML_TYPE_F32;
    cp.type_v = GGML_TYPE_F32;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    cp.no_perf = true;
    llama_context * ctx = llama_init_from_model(model, cp);
    if (!ctx) { fprintf(stderr, "ctx failed\n"); return 1; }
    FILE * out = fopen(argv[5], "wb");
    std::vector<llama_token> cur = ids;
    for (int step = 0; step < n_gen; step++) {
        llama_batch b = llama_batch_get_one(cur.data(), (int) cur.size());
        if (llama_decode(ctx, b) != 0) { fprintf(stderr, "decode failed\n"); return 1; }
        const float * lg = llama_get_logits_ith(ctx, -1);
        fwrite(lg, sizeof(float), n_vocab, out);
        int best = 0;
        for (int i = 1; i < n_vocab; i++) if (lg[i] > lg[best]) best = i;
        printf(step ? " %d" : "%d", best);
        cur.assign(1, best);
    }
    printf("\n");
    fclose(out);
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
