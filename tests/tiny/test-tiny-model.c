/* liveavatar tiny-model tests: the folder, read back by the engine's loaders
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "la-tiny-model.h"
#include "la-checkpoint.h"
#include "la-dit-config.h"
#include "la-dit.h"
#include "la-lora.h"
#include "la-t5-text-encoder.h"
#include "la-vae.h"
#include "la-wav2vec2.h"
#include "liveavatar.h"
#include "test-common.h"
#include "test-tiny.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#define W2V_DIR "wav2vec2-large-xlsr-53-english"

/* the folder written once, with seed 1, shared by the tests */
static gchar *tiny_dir;

static const gchar *const files[] = {
  "config.json",
  "diffusion_pytorch_model-00001-of-00002.safetensors",
  "diffusion_pytorch_model-00002-of-00002.safetensors",
  "diffusion_pytorch_model.safetensors.index.json",
  "Wan2.1_VAE.pth",
  "models_t5_umt5-xxl-enc-bf16.pth",
  "google/umt5-xxl/spiece.model",
  "google/umt5-xxl/special_tokens_map.json",
  "google/umt5-xxl/tokenizer_config.json",
  W2V_DIR "/config.json",
  W2V_DIR "/preprocessor_config.json",
  W2V_DIR "/vocab.json",
  W2V_DIR "/model.safetensors",
  "liveavatar.safetensors",
  "README.txt",
};

/* the weight files, whose tensors depend on the seed */
static const gchar *const weight_files[] = {
  "diffusion_pytorch_model-00001-of-00002.safetensors",
  "diffusion_pytorch_model-00002-of-00002.safetensors",
  "Wan2.1_VAE.pth",
  "models_t5_umt5-xxl-enc-bf16.pth",
  W2V_DIR "/model.safetensors",
  "liveavatar.safetensors",
};

static gchar *
tiny_path (const gchar * dir, const gchar * name)
{
  return g_build_filename (dir, name, NULL);
}

static gchar *
write_tiny (guint64 seed)
{
  GError *err = NULL;
  gchar *dir = g_dir_make_tmp ("la-tiny-XXXXXX", &err);
  gchar *model;
  gint64 t0;

  g_assert_no_error (err);
  /* into a folder that does not exist yet */
  model = g_build_filename (dir, "Wan2.2-S2V-14B", NULL);
  t0 = g_get_monotonic_time ();
  g_assert_true (la_tiny_model_write (model, seed, &err));
  g_assert_no_error (err);
  g_test_message ("tiny model written in %.3f s",
      (g_get_monotonic_time () - t0) / 1e6);
  g_free (dir);
  return model;
}

static void
remove_tiny (gchar * model)
{
  gchar *dir = g_path_get_dirname (model);

  la_test_remove_tree (dir);
  g_free (dir);
  g_free (model);
}

/* ---- layout ---- */

static void
test_layout (void)
{
  gsize total = 0;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (files); i++) {
    gchar *path = tiny_path (tiny_dir, files[i]);
    GStatBuf st;

    g_assert_cmpint (g_stat (path, &st), ==, 0);
    g_assert_true (S_ISREG (st.st_mode));
    g_assert_cmpint (st.st_size, >, 0);
    total += st.st_size;
    g_free (path);
  }
  g_test_message ("tiny model: %" G_GSIZE_FORMAT " bytes", total);
  /* small enough to write in every test that wants one */
  g_assert_cmpuint (total, <, 8 * 1024 * 1024);

  {
    gchar *path = tiny_path (tiny_dir, "README.txt"), *text;

    g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
    g_assert_nonnull (strstr (text, "random weights"));
    g_free (text);
    g_free (path);
  }
}

/* ---- the DiT and its LoRA ---- */

static void
test_dit (void)
{
  static const gint inject[] = { 0, 2, 3 };
  gchar *path = tiny_path (tiny_dir, "config.json");
  gchar *index = tiny_path (tiny_dir,
      "diffusion_pytorch_model.safetensors.index.json");
  gchar *lora_path = tiny_path (tiny_dir, "liveavatar.safetensors");
  LaBackend *be = la_test_cpu ();
  GError *err = NULL;
  LaDitConfig cfg;
  LaCheckpoint *ck, *lora;
  LaDit *dit;
  guint i;

  g_assert_true (la_dit_config_load (&cfg, path, &err));
  g_assert_no_error (err);
  g_assert_cmpint (cfg.dim, ==, LA_TINY_DIT_DIM);
  g_assert_cmpint (cfg.ffn_dim, ==, LA_TINY_DIT_FFN_DIM);
  g_assert_cmpint (cfg.num_heads, ==, LA_TINY_DIT_NUM_HEADS);
  g_assert_cmpint (la_dit_config_head_dim (&cfg), ==, 32);
  g_assert_cmpint (cfg.num_layers, ==, LA_TINY_DIT_NUM_LAYERS);
  g_assert_cmpint (cfg.in_dim, ==, 16);
  g_assert_cmpint (cfg.out_dim, ==, 16);
  g_assert_cmpint (cfg.cond_dim, ==, 16);
  g_assert_cmpint (cfg.text_dim, ==, LA_TINY_T5_DIM);
  g_assert_cmpint (cfg.text_len, ==, 512);
  g_assert_cmpint (cfg.freq_dim, ==, 256);
  g_assert_cmpint (cfg.audio_dim, ==, LA_TINY_W2V_HIDDEN);
  g_assert_cmpint (cfg.num_audio_token, ==, 4);
  g_assert_cmpint (cfg.patch_size[0], ==, 1);
  g_assert_cmpint (cfg.patch_size[1], ==, 2);
  g_assert_cmpint (cfg.patch_size[2], ==, 2);
  g_assert_cmpfloat (cfg.eps, ==, 1e-6);
  g_assert_true (cfg.zero_timestep);
  g_assert_true (cfg.enable_adain);
  g_assert_true (cfg.enable_framepack);
  g_assert_cmpuint (cfg.n_audio_inject_layers, ==, G_N_ELEMENTS (inject));
  for (i = 0; i < G_N_ELEMENTS (inject); i++)
    g_assert_cmpint (cfg.audio_inject_layers[i], ==, inject[i]);

  ck = la_checkpoint_open (index, &err);
  g_assert_no_error (err);
  g_assert_cmpint (la_checkpoint_get_format (ck), ==,
      LA_CHECKPOINT_SAFETENSORS_SHARDED);
  /* the official file's tensor count scaled down: 27 per block, 12 per
   * injector, 18 + 12 + 6 others (1260 at 40 layers and 12 injectors) */
  g_assert_cmpuint (la_checkpoint_n_tensors (ck), ==,
      27 * LA_TINY_DIT_NUM_LAYERS + 12 * LA_TINY_DIT_N_INJECT + 36);
  for (i = 0; i < la_checkpoint_n_tensors (ck); i++)
    g_assert_cmpint (la_checkpoint_get (ck, i)->dtype, ==, LA_IO_DTYPE_BF16);
  /* both shards hold tensors */
  g_assert_cmpstr (la_checkpoint_lookup (ck, "patch_embedding.weight")->file,
      ==, "diffusion_pytorch_model-00001-of-00002.safetensors");
  g_assert_cmpstr (la_checkpoint_lookup (ck,
          "frame_packer.proj_4x.weight")->file, ==,
      "diffusion_pytorch_model-00002-of-00002.safetensors");

  dit = la_dit_new (be, &cfg, ck, &err);
  g_assert_no_error (err);
  g_assert_nonnull (dit);
  la_dit_free (dit);

  lora = la_checkpoint_open (lora_path, &err);
  g_assert_no_error (err);
  dit = la_dit_new_full (be, &cfg, ck, lora, &err);
  g_assert_no_error (err);
  /* q, k, v, o of both attentions and ffn.0, ffn.2 per block; q, k, v, o
   * per injector */
  g_assert_cmpuint (la_dit_get_n_lora_merged (dit), ==,
      10 * LA_TINY_DIT_NUM_LAYERS + 4 * LA_TINY_DIT_N_INJECT);
  la_dit_free (dit);

  la_checkpoint_free (lora);
  la_checkpoint_free (ck);
  la_backend_free (be);
  g_free (lora_path);
  g_free (index);
  g_free (path);
}

static gdouble
norm (const gfloat * v, gsize n)
{
  gdouble s = 0;
  gsize i;

  for (i = 0; i < n; i++)
    s += (gdouble) v[i] * v[i];
  return sqrt (s);
}

/* every pair targets a DiT tensor of its shape, with peft's names; the
 * merge moves each weight measurably, and not by much */
static void
test_lora (void)
{
  gchar *index = tiny_path (tiny_dir,
      "diffusion_pytorch_model.safetensors.index.json");
  gchar *lora_path = tiny_path (tiny_dir, "liveavatar.safetensors");
  GError *err = NULL;
  LaCheckpoint *ck, *lora;
  GPtrArray *pairs;
  guint i;

  ck = la_checkpoint_open (index, &err);
  g_assert_no_error (err);
  lora = la_checkpoint_open (lora_path, &err);
  g_assert_no_error (err);
  pairs = la_lora_find_pairs (lora, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (pairs->len, ==, 10 * LA_TINY_DIT_NUM_LAYERS +
      4 * LA_TINY_DIT_N_INJECT);
  g_assert_cmpuint (la_checkpoint_n_tensors (lora), ==, 2 * pairs->len);

  for (i = 0; i < pairs->len; i++) {
    const LaLoraPair *p = g_ptr_array_index (pairs, i);
    const LaCheckpointTensor *w = la_checkpoint_lookup (ck, p->target);
    gfloat *data, *before;
    gdouble change;
    gint64 k;

    g_assert_nonnull (w);
    g_assert_true (g_str_has_suffix (p->a->name, ".lora_A.default.weight"));
    g_assert_false (g_str_has_prefix (p->a->name, "base_model."));
    g_assert_cmpint (p->a->dtype, ==, LA_IO_DTYPE_BF16);
    g_assert_cmpint (p->rank, ==, LA_TINY_LORA_RANK);
    g_assert_false (p->has_alpha);
    g_assert_cmpint (w->ndim, ==, 2);
    g_assert_cmpint (p->b->shape[0], ==, w->shape[0]);
    g_assert_cmpint (p->a->shape[1], ==, w->shape[1]);

    data = la_checkpoint_tensor_dup_f32 (w, &err);
    g_assert_no_error (err);
    before = g_memdup2 (data, w->numel * sizeof (gfloat));
    g_assert_true (la_lora_merge_pair (data, w->shape[0], w->shape[1], p,
            LA_DIT_LORA_ALPHA, &err));
    g_assert_no_error (err);
    for (k = 0; k < w->numel; k++)
      before[k] = data[k] - before[k];
    change = norm (before, w->numel) / norm (data, w->numel);
    g_assert_cmpfloat (change, >, 0.02);
    g_assert_cmpfloat (change, <, 0.3);
    g_free (before);
    g_free (data);
  }
  g_ptr_array_unref (pairs);
  la_checkpoint_free (lora);
  la_checkpoint_free (ck);
  g_free (lora_path);
  g_free (index);
}

/* ---- the VAE ---- */

static void
assert_finite_bounded (const gfloat * v, gsize n, gdouble bound)
{
  gsize i;

  for (i = 0; i < n; i++)
    if (!(fabsf (v[i]) <= bound))
      g_error ("value %" G_GSIZE_FORMAT " is %g", i, v[i]);
}

/* a 16x16 picture encodes to one 2x2 latent and decodes to one picture */
static void
test_vae (void)
{
  gchar *path = tiny_path (tiny_dir, "Wan2.1_VAE.pth");
  LaBackend *be = la_test_cpu ();
  GError *err = NULL;
  LaCheckpoint *ck;
  const LaCheckpointTensor *conv1;
  LaVaeConfig vc;
  LaVae *vae;
  LaVaeCache *cache;
  gint64 vne[4] = { 1, 3, 16, 16 }, zne[4] = { 16, 1, 2, 2 };
  LaTensor *video, *z, *out;
  gfloat *pixels, *back, *latent;
  guint i;

  ck = la_checkpoint_open (path, &err);
  g_assert_no_error (err);
  g_assert_cmpint (la_checkpoint_get_format (ck), ==, LA_CHECKPOINT_TORCH_ZIP);
  for (i = 0; i < la_checkpoint_n_tensors (ck); i++)
    g_assert_cmpint (la_checkpoint_get (ck, i)->dtype, ==, LA_IO_DTYPE_F32);
  /* the engine reads the base width off encoder.conv1 (la-avatar.c) */
  conv1 = la_checkpoint_lookup (ck, "encoder.conv1.weight");
  g_assert_nonnull (conv1);
  g_assert_cmpint (conv1->shape[0], ==, LA_TINY_VAE_DIM);
  la_vae_config_init (&vc);
  vc.dim = LA_TINY_VAE_DIM;
  vae = la_vae_new (be, &vc, LA_VAE_ENCODER | LA_VAE_DECODER,
      (LaVaeReadFunc) la_checkpoint_read_f32, ck, &err);
  g_assert_no_error (err);
  g_assert_nonnull (vae);

  la_test_seed (7);
  pixels = la_test_rnd_array (3 * 16 * 16, 1.0);
  video = la_test_tensor_f32 (be, 4, vne, pixels);
  z = la_test_tensor_f32 (be, 4, zne, NULL);
  g_assert_true (la_vae_encode (vae, z, video, &err));
  g_assert_no_error (err);
  latent = la_test_download (z);
  assert_finite_bounded (latent, 16 * 4, 100.0);

  cache = la_vae_cache_new (vae);
  out = la_test_tensor_f32 (be, 4, vne, NULL);
  g_assert_true (la_vae_decode (vae, cache, out, z, &err));
  g_assert_no_error (err);
  back = la_test_download (out);
  assert_finite_bounded (back, 3 * 16 * 16, 100.0);

  g_free (back);
  g_free (latent);
  g_free (pixels);
  la_tensor_free (out);
  la_tensor_free (z);
  la_tensor_free (video);
  la_vae_cache_free (cache);
  la_vae_free (vae);
  la_checkpoint_free (ck);
  la_backend_free (be);
  g_free (path);
}

/* ---- umT5 and its tokenizer ---- */

static void
test_t5 (void)
{
  /* each a piece of the tiny vocabulary, then "." and </s> */
  static const gchar *const want[] = { "\xe2\x96\x81" "A",
    "\xe2\x96\x81" "man", "\xe2\x96\x81" "is", "\xe2\x96\x81" "talking",
    "\xe2\x96\x81" "to", "\xe2\x96\x81" "the", "\xe2\x96\x81" "camera", ".",
    "</s>"
  };
  LaBackend *be = la_test_cpu ();
  GError *err = NULL;
  LaT5TextEncoder *te;
  const LaTextTokenizer *tok;
  LaTextTokens tokens = { 0 };
  LaT5TextInfo info;
  gint64 ne[2] = { LA_TEXT_LEN, LA_TINY_T5_DIM };
  LaTensor *context;
  gfloat *c;
  guint i;

  te = la_t5_text_encoder_new (be, tiny_dir, &err);
  g_assert_no_error (err);
  g_assert_nonnull (te);
  g_assert_cmpint (la_t5_text_encoder_get_dim (te), ==, LA_TINY_T5_DIM);
  {
    const LaT5Config *tc =
        la_t5_encoder_get_config (la_t5_text_encoder_get_encoder (te));

    g_assert_cmpint (tc->num_heads, ==, LA_TINY_T5_NUM_HEADS);
    g_assert_cmpint (tc->num_layers, ==, LA_TINY_T5_NUM_LAYERS);
    g_assert_cmpint (tc->dim_ffn, ==, LA_TINY_T5_DIM_FFN);
    g_assert_cmpint (tc->num_buckets, ==, LA_TINY_T5_NUM_BUCKETS);
  }

  tok = la_t5_text_encoder_get_tokenizer (te);
  g_assert_cmpint (la_text_tokenizer_get_pad_id (tok), ==, 0);
  g_assert_cmpint (la_text_tokenizer_get_eos_id (tok), ==, 1);
  g_assert_cmpint (la_spm_get_unk_id (la_text_tokenizer_get_spm (tok)), ==, 2);
  g_assert_cmpuint (la_spm_get_n_pieces (la_text_tokenizer_get_spm (tok)),
      ==, la_t5_encoder_get_config (la_t5_text_encoder_get_encoder
          (te))->vocab_size);
  g_assert_true (la_text_tokenizer_encode (tok,
          "A man is talking to the camera.", LA_TEXT_LEN, &tokens, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (tokens.length, ==, G_N_ELEMENTS (want));
  for (i = 0; i < G_N_ELEMENTS (want); i++)
    g_assert_cmpstr (la_spm_id_to_piece (la_text_tokenizer_get_spm (tok),
            tokens.ids[i]), ==, want[i]);
  la_text_tokens_clear (&tokens);

  context = la_test_tensor_f32 (be, 2, ne, NULL);
  g_assert_true (la_t5_text_encoder_encode (te,
          "A man is talking to the camera.", context, &info, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (info.n_tokens, ==, G_N_ELEMENTS (want));
  c = la_test_download (context);
  /* the final RMSNorm: rows of order one; zero padding after them */
  for (i = 0; i < info.n_tokens; i++) {
    gdouble rms = norm (c + i * LA_TINY_T5_DIM, LA_TINY_T5_DIM) /
        sqrt (LA_TINY_T5_DIM);

    g_assert_cmpfloat (rms, >, 0.3);
    g_assert_cmpfloat (rms, <, 3.0);
  }
  g_assert_cmpfloat (norm (c + info.n_tokens * LA_TINY_T5_DIM,
          (LA_TEXT_LEN - info.n_tokens) * LA_TINY_T5_DIM), ==, 0.0);
  g_free (c);
  la_tensor_free (context);
  la_t5_text_encoder_free (te);
  la_backend_free (be);
}

/* ---- wav2vec2 ---- */

static void
test_wav2vec2 (void)
{
  gchar *dir = tiny_path (tiny_dir, W2V_DIR);
  LaBackend *be = la_test_cpu ();
  GError *err = NULL;
  LaWav2Vec2 *w2v;
  const LaWav2Vec2Config *wc;
  gfloat *pcm, *hidden;
  gint64 n;
  gint s;
  guint i;

  w2v = la_wav2vec2_new (be, dir, &err);
  g_assert_no_error (err);
  g_assert_nonnull (w2v);
  wc = la_wav2vec2_get_config (w2v);
  g_assert_cmpint (wc->hidden_size, ==, LA_TINY_W2V_HIDDEN);
  g_assert_cmpint (wc->num_hidden_layers, ==, LA_TINY_W2V_LAYERS);
  g_assert_cmpint (la_wav2vec2_n_hidden_states (wc), ==, LA_DIT_AUDIO_STATES);
  g_assert_cmpint (wc->num_attention_heads, ==, LA_TINY_W2V_HEADS);
  g_assert_cmpint (wc->intermediate_size, ==, LA_TINY_W2V_INTERMEDIATE);
  g_assert_cmpint (wc->n_conv_layers, ==, 7);
  g_assert_true (wc->do_normalize);

  /* one second: a vowel-like tone with some noise */
  pcm = g_new (gfloat, LA_WAV2VEC2_SAMPLE_RATE);
  la_test_seed (3);
  for (i = 0; i < LA_WAV2VEC2_SAMPLE_RATE; i++)
    pcm[i] = (gfloat) (0.3 * sin (2 * G_PI * 220.0 * i / 16000.0) +
        0.05 * la_test_rnd ());
  n = la_wav2vec2_n_frames (wc, LA_WAV2VEC2_SAMPLE_RATE);
  g_assert_cmpint (n, ==, 49);
  hidden = g_new (gfloat, LA_DIT_AUDIO_STATES * n * LA_TINY_W2V_HIDDEN);
  g_assert_true (la_wav2vec2_encode (w2v, pcm, LA_WAV2VEC2_SAMPLE_RATE,
          hidden, &err));
  g_assert_no_error (err);
  assert_finite_bounded (hidden, LA_DIT_AUDIO_STATES * n * LA_TINY_W2V_HIDDEN,
      1000.0);
  /* the last state is layer-normed: rows of order one */
  for (s = 0; s < n; s++) {
    gfloat *row = hidden + ((gsize) (LA_DIT_AUDIO_STATES - 1) * n + s) *
        LA_TINY_W2V_HIDDEN;
    gdouble rms = norm (row, LA_TINY_W2V_HIDDEN) / sqrt (LA_TINY_W2V_HIDDEN);

    g_assert_cmpfloat (rms, >, 0.3);
    g_assert_cmpfloat (rms, <, 3.0);
  }
  g_free (hidden);
  g_free (pcm);
  la_wav2vec2_free (w2v);
  la_backend_free (be);
  g_free (dir);
}

/* ---- seeds ---- */

static GBytes *
read_file (const gchar * dir, const gchar * name)
{
  gchar *path = tiny_path (dir, name), *data;
  gsize len;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_free (path);
  return g_bytes_new_take (data, len);
}

static void
test_seeds (void)
{
  gchar *same = write_tiny (1), *other = write_tiny (2);
  GError *err = NULL;
  guint i, j;

  /* the same seed: the same bytes, every file */
  for (i = 0; i < G_N_ELEMENTS (files); i++) {
    GBytes *a = read_file (tiny_dir, files[i]), *b = read_file (same, files[i]);

    if (!g_bytes_equal (a, b))
      g_error ("%s differs between two writes with one seed", files[i]);
    g_bytes_unref (a);
    g_bytes_unref (b);
  }

  /* another seed: every tensor differs, names and shapes do not */
  for (i = 0; i < G_N_ELEMENTS (weight_files); i++) {
    gchar *pa = tiny_path (tiny_dir, weight_files[i]);
    gchar *pb = tiny_path (other, weight_files[i]);
    LaCheckpoint *a = la_checkpoint_open (pa, &err), *b;

    g_assert_no_error (err);
    b = la_checkpoint_open (pb, &err);
    g_assert_no_error (err);
    g_assert_cmpuint (la_checkpoint_n_tensors (a), ==,
        la_checkpoint_n_tensors (b));
    for (j = 0; j < la_checkpoint_n_tensors (a); j++) {
      const LaCheckpointTensor *ta = la_checkpoint_get (a, j);
      const LaCheckpointTensor *tb = la_checkpoint_get (b, j);

      g_assert_cmpstr (ta->name, ==, tb->name);
      g_assert_cmpuint (ta->nbytes, ==, tb->nbytes);
      if (ta->numel > 1 && memcmp (ta->data, tb->data, ta->nbytes) == 0)
        g_error ("%s: '%s' is the same with seeds 1 and 2", weight_files[i],
            ta->name);
    }
    la_checkpoint_free (b);
    la_checkpoint_free (a);
    g_free (pb);
    g_free (pa);
  }
  /* and the configuration stays */
  {
    GBytes *a = read_file (tiny_dir, "config.json");
    GBytes *b = read_file (other, "config.json");

    g_assert_true (g_bytes_equal (a, b));
    g_bytes_unref (a);
    g_bytes_unref (b);
  }
  remove_tiny (same);
  remove_tiny (other);
}

/* ---- errors ---- */

static void
test_unwritable (void)
{
  gchar *readme = tiny_path (tiny_dir, "README.txt");
  gchar *under_file = g_build_filename (readme, "model", NULL);
  GError *err = NULL;

  /* a folder where a file is */
  g_assert_false (la_tiny_model_write (readme, 1, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_FAILED);
  g_assert_nonnull (strstr (err->message, "README.txt"));
  g_clear_error (&err);
  g_assert_false (la_tiny_model_write (under_file, 1, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_FAILED);
  g_clear_error (&err);

  g_free (under_file);
  g_free (readme);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  tiny_dir = write_tiny (1);
  g_test_add_func ("/tiny/model/layout", test_layout);
  g_test_add_func ("/tiny/model/dit", test_dit);
  g_test_add_func ("/tiny/model/lora", test_lora);
  g_test_add_func ("/tiny/model/vae", test_vae);
  g_test_add_func ("/tiny/model/t5", test_t5);
  g_test_add_func ("/tiny/model/wav2vec2", test_wav2vec2);
  g_test_add_func ("/tiny/model/seeds", test_seeds);
  g_test_add_func ("/tiny/model/unwritable", test_unwritable);
  ret = g_test_run ();
  remove_tiny (tiny_dir);
  return ret;
}
