/* liveavatar: what the engine will allocate, per device, before it loads
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Every row mirrors the code that allocates it; when that code changes,
 * the test in tests/plan that compares the rows with the byte counters on
 * the tiny model fails until this file follows. */

#include "config.h"

#include "la-memory-plan.h"

#include "la-avatar.h"
#include "la-checkpoint.h"
#include "la-device.h"
#include "la-dit.h"
#include "la-t5-text-encoder.h"
#include "la-vae.h"
#include "la-wav2vec2.h"

#include <string.h>

#define GIB (1024.0 * 1024.0 * 1024.0)

static const gchar *const row_names[LA_MEMORY_N_ROWS][2] = {
  {"DiT weights", "weights"},
  {"KV cache", "KV"},
  {"cross-attention K/V", "cross K/V"},
  {"step buffers", "step buffers"},
  {"DiT activations (estimate)", "activations"},
  {"VAE weights", "VAE"},
  {"VAE stream cache", "VAE cache"},
  {"VAE activations (estimate)", "VAE activations"},
  {"wav2vec2 weights", "wav2vec2"},
  {"umT5 weights", "umT5"},
  {"picture encode (estimate)", "picture encode"},
};

const gchar *
la_memory_row_name (LaMemoryRow row)
{
  g_return_val_if_fail (row < LA_MEMORY_N_ROWS, NULL);
  return row_names[row][0];
}

const gchar *
la_memory_row_short_name (LaMemoryRow row)
{
  g_return_val_if_fail (row < LA_MEMORY_N_ROWS, NULL);
  return row_names[row][1];
}

/* ---- the DiT's weights, as la-dit.c loads them ----
 *
 * la-dit.c's LaDitWeights: every nn.Linear weight fp32, bf16, or FP8
 * (e4m3 plus a [1] fp32 scale tensor, Live Avatar's exempt linears bf16);
 * biases, norms, modulation tables, convolutions and the audio fusion
 * weights fp32 always. Under BF16 compute (la-dit.h LaDitCompute) a linear
 * with a bf16 weight also keeps its bias in bf16 (for its bf16 outputs),
 * and the q/k RMSNorm weights are bf16 instead of fp32. */

typedef struct
{
  LaPrecision precision;        /* resolved */
  gboolean bf16_compute;
  guint64 params;
  guint64 bytes;
} DitSum;

/* a tensor kept fp32 whatever the precision (biases, norms, modulation,
 * convolutions) */
static void
plain (DitSum * s, guint64 n)
{
  s->params += n;
  s->bytes += n * 4;
}

/* nn.Linear in -> out with its bias. @fp8_exempt: a linear Live Avatar's
 * --fp8 leaves in bf16 (replace_linear_with_scaled_fp8's ignore_keys:
 * text_embedding, time_embedding, time_projection, head.head,
 * casual_audio_encoder.encoder.final_linear) */
static void
linear (DitSum * s, guint64 in, guint64 out, gboolean fp8_exempt)
{
  guint64 n = in * out;

  s->params += n + out;
  switch (s->precision) {
    case LA_PRECISION_BF16:
      s->bytes += n * 2;
      break;
    case LA_PRECISION_FP8:
      /* e4m3 and its [1] fp32 scale, or the exempt ones in bf16 */
      s->bytes += fp8_exempt ? n * 2 : n + 4;
      break;
    default:
      s->bytes += n * 4;
      break;
  }
  s->bytes += out * 4;
  if (s->bf16_compute && (s->precision == LA_PRECISION_BF16
          || (s->precision == LA_PRECISION_FP8 && fp8_exempt)))
    s->bytes += out * 2;
}

static void
attention (DitSum * s, guint64 dim)
{
  gint i;

  for (i = 0; i < 4; i++)
    linear (s, dim, dim, FALSE);
  /* norm_q, norm_k, in the compute dtype */
  s->params += 2 * dim;
  s->bytes += 2 * dim * (s->bf16_compute ? 2 : 4);
}

static DitSum
dit_sum (const LaDitConfig * c, LaPrecision precision, LaDitCompute compute)
{
  DitSum s = { precision, compute == LA_DIT_COMPUTE_BF16, 0, 0 };
  guint64 dim = c->dim, n_patch, audio_w;
  gint i;

  n_patch = (guint64) c->patch_size[0] * c->patch_size[1] * c->patch_size[2];
  /* load_top */
  plain (&s, dim * c->in_dim * n_patch + dim);  /* patch_embedding */
  if (c->cond_dim > 0)
    plain (&s, dim);            /* cond_encoder.bias only */
  plain (&s, 3 * dim);          /* trainable_cond_mask */
  linear (&s, c->text_dim, dim, TRUE);
  linear (&s, dim, dim, TRUE);
  linear (&s, c->freq_dim, dim, TRUE);
  linear (&s, dim, dim, TRUE);
  linear (&s, dim, 6 * dim, TRUE);
  linear (&s, dim, n_patch * c->out_dim, TRUE);
  plain (&s, 2 * dim);          /* head.modulation */
  /* load_block */
  for (i = 0; i < c->num_layers; i++) {
    attention (&s, dim);
    attention (&s, dim);
    linear (&s, dim, c->ffn_dim, FALSE);
    linear (&s, c->ffn_dim, dim, FALSE);
    plain (&s, 2 * dim);        /* norm3 */
    plain (&s, 6 * dim);        /* modulation */
  }
  /* load_audio: the fusion, four causal convs, final_linear, the padding
   * token, then per injector its attention and its adain linear */
  audio_w = dim / 4 * c->num_audio_token;
  plain (&s, LA_DIT_AUDIO_STATES);
  plain (&s, audio_w * c->audio_dim * 3 + audio_w);
  plain (&s, dim / 4 * c->audio_dim * 3 + dim / 4);
  plain (&s, dim / 2 * (dim / 4) * 3 + dim / 2);
  plain (&s, dim * (dim / 2) * 3 + dim);
  linear (&s, dim, dim, TRUE);
  plain (&s, dim);
  for (i = 0; i < (gint) c->n_audio_inject_layers; i++) {
    attention (&s, dim);
    linear (&s, dim, 2 * dim, FALSE);
  }
  /* load_frame_packer */
  if (c->enable_framepack)
    for (i = 0; i < 3; i++) {
      guint64 kt = LA_DIT_PACK_KT (i), k = LA_DIT_PACK_KS (i);

      plain (&s, dim * c->in_dim * kt * k * k + dim);
    }
  return s;
}

guint64
la_memory_dit_params (const LaDitConfig * cfg)
{
  g_return_val_if_fail (cfg != NULL, 0);
  return dit_sum (cfg, LA_PRECISION_FP32, LA_DIT_COMPUTE_F32).params;
}

/* ---- the VAE: Wan2.1's architecture (wan/modules/vae2_1.py) ---- */

static const gint vae_mult[4] = { 1, 2, 4, 4 };
static const gboolean vae_temporal[3] = { FALSE, TRUE, TRUE };

#define VAE_N_RES 2

static guint64
conv_params (guint64 cin, guint64 cout, guint64 k)
{
  return cout * cin * k + cout;
}

static guint64
vae_residual_params (guint64 cin, guint64 cout)
{
  return cin + conv_params (cin, cout, 27) + cout + conv_params (cout, cout, 27)
      + (cin != cout ? conv_params (cin, cout, 1) : 0);
}

static guint64
vae_middle_params (guint64 d)
{
  /* residual, attention (norm, to_qkv, proj), residual */
  return 2 * vae_residual_params (d, d) + d + conv_params (d, 3 * d, 1)
      + conv_params (d, d, 1);
}

/* every tensor of Wan2.1_VAE.pth at base width @dim: encoder, decoder,
 * conv1, conv2 (la-vae.c loads them all) */
static guint64
vae_params (gint dim)
{
  guint64 d[5], n = 0, cin, cout = 0;
  gint i, r;

  d[0] = dim;
  for (i = 0; i < 4; i++)
    d[i + 1] = (guint64) dim *vae_mult[i];
  n += conv_params (3, d[0], 27);
  for (i = 0; i < 4; i++) {
    cin = d[i];
    cout = d[i + 1];
    for (r = 0; r < VAE_N_RES; r++) {
      n += vae_residual_params (cin, cout);
      cin = cout;
    }
    if (i != 3)
      n += conv_params (cout, cout, 9)
          + (vae_temporal[i] ? conv_params (cout, cout, 3) : 0);
  }
  n += vae_middle_params (cout) + cout + conv_params (cout, 2 * LA_VAE_Z_DIM,
      27) + conv_params (2 * LA_VAE_Z_DIM, 2 * LA_VAE_Z_DIM, 1);

  d[0] = (guint64) dim *vae_mult[3];
  for (i = 0; i < 4; i++)
    d[i + 1] = (guint64) dim *vae_mult[3 - i];
  n += conv_params (LA_VAE_Z_DIM, LA_VAE_Z_DIM, 1)
      + conv_params (LA_VAE_Z_DIM, d[0], 27) + vae_middle_params (d[0]);
  for (i = 0; i < 4; i++) {
    cin = i >= 1 ? d[i] / 2 : d[i];
    cout = d[i + 1];
    for (r = 0; r < VAE_N_RES + 1; r++) {
      n += vae_residual_params (cin, cout);
      cin = cout;
    }
    if (i != 3)
      n += conv_params (cout, cout / 2, 9)
          + (vae_temporal[2 - i] ? conv_params (cout, 2 * cout, 3) : 0);
  }
  n += cout + conv_params (cout, 3, 27);
  return n;
}

/* la-vae.c's four latent tables (mean, std, 1 / std, shift), fp32 */
#define VAE_TABLE_BYTES (4 * LA_VAE_Z_DIM * 4)

/* The decoder's causal cache: every causal conv with a time kernel keeps
 * its input's last LA_VAE_CACHE_T frames (la-vae-layers.c history), at
 * the resolution it runs at, in the VAE's compute dtype (@esize bytes).
 * The decoder's layout is vae_params ()'s. */
static guint64
vae_cache_bytes (gint dim, guint64 h, guint64 w, guint64 esize)
{
  guint64 d[5], cin, cout = 0, n, hw = h * w;
  gint i, r;

  d[0] = (guint64) dim *vae_mult[3];
  for (i = 0; i < 4; i++)
    d[i + 1] = (guint64) dim *vae_mult[3 - i];
  /* decoder.conv1, then the middle's two residuals of two convs each */
  n = LA_VAE_Z_DIM * hw + 4 * d[0] * hw;
  for (i = 0; i < 4; i++) {
    cin = i >= 1 ? d[i] / 2 : d[i];
    cout = d[i + 1];
    for (r = 0; r < VAE_N_RES + 1; r++) {
      n += (cin + cout) * hw;
      cin = cout;
    }
    if (i != 3) {
      /* time_conv runs before the spatial upsampling */
      if (vae_temporal[2 - i])
        n += cout * hw;
      hw *= 4;
    }
  }
  n += cout * hw;               /* head.2 */
  return n * LA_VAE_CACHE_T * esize;
}

/* One block's decode (3 latent frames, 12 pictures): the biggest
 * temporaries live at the top stage, base-width maps of every picture in
 * the compute dtype; counted as a few of them plus the pictures
 * themselves (fp32 at the API, and one latent frame's 4 in the compute
 * dtype before they are widened). */
#define VAE_ACT_MAPS 4

static guint64
vae_activation_bytes (gint dim, guint64 h, guint64 w, guint64 esize)
{
  guint64 pictures = LA_FRAMES_PER_BLOCK, HW = h * w * 64;

  return esize * pictures * HW * VAE_ACT_MAPS * dim + 4 * pictures * HW * 3
      + (esize != 4 ? esize * 4 * HW * 3 : 0);
}

/* The encoder's causal cache, made afresh by each la_vae_encode: the
 * input of every causal conv, LA_VAE_CACHE_T frames, at its resolution
 * (conv1's pictures; per stage two residuals of two convs; the middle's
 * two residuals and the head). */
static guint64
vae_encoder_cache_elements (gint dim, guint64 HW)
{
  guint64 d[5], n = 3 * HW, cin, cout = 0;
  gint i, r;

  d[0] = dim;
  for (i = 0; i < 4; i++)
    d[i + 1] = (guint64) dim *vae_mult[i];
  for (i = 0; i < 4; i++) {
    cin = d[i];
    cout = d[i + 1];
    for (r = 0; r < VAE_N_RES; r++) {
      n += (cin + cout) * HW;
      cin = cout;
    }
    if (i != 3) {
      HW /= 4;
      if (vae_temporal[i])
        n += cout * HW;         /* time_conv after the spatial downsample */
    }
  }
  return (n + 4 * cout * HW + cout * HW) * LA_VAE_CACHE_T;
}

/* The reference picture's encode (la-avatar-cond.c, in the caller's
 * thread on the vae-device): the 73 copies as fp32 pictures and, under a
 * bf16 VAE, in bf16 too; the latents; the encoder's cache; and a chunk's
 * temporaries at full resolution (4 frames and the cache's 2 of
 * base-width maps, a few at once). An estimate, held to a measured encode
 * in tests/plan. */
#define VAE_ENC_MAPS 3

static guint64
picture_encode_bytes (gint dim, guint64 z, guint64 h, guint64 w, guint64 esize)
{
  guint64 T = LA_AVATAR_MOTION_FRAMES, HW = h * w * 64;
  guint64 t_lat = LA_AVATAR_MOTION_LATENTS, lat = z * t_lat * h * w;

  return 4 * T * 3 * HW + (esize != 4 ? esize * T * 3 * HW : 0) + 4 * lat
      + esize * 6 * lat + esize * vae_encoder_cache_elements (dim, HW)
      + esize * VAE_ENC_MAPS * (4 + LA_VAE_CACHE_T) * dim * HW;
}

/* ---- the encoders ---- */

/* la-wav2vec2.c's tensors for @c, fp32 */
static guint64
wav2vec2_params (const LaWav2Vec2Config * c)
{
  guint64 n = 0, h = c->hidden_size, in = 1, last;
  gint i;

  for (i = 0; i < c->n_conv_layers; i++) {
    guint64 out = c->conv_dim[i];

    n += out * in * c->conv_kernel[i] + (c->conv_bias ? out : 0) + 2 * out;
    in = out;
  }
  last = in;
  n += 2 * last + last * h + h; /* projection norm and linear */
  n += h * (h / c->num_conv_pos_embedding_groups) * c->num_conv_pos_embeddings
      + h;
  for (i = 0; i < c->num_hidden_layers; i++)
    n += 2 * h + 4 * (h * h + h) + 2 * h + 2 * h * c->intermediate_size
        + c->intermediate_size + h;
  n += 2 * h;                   /* encoder.layer_norm */
  return n;
}

static guint64
align_up (guint64 n)
{
  return (n + LA_TENSOR_ALIGNMENT - 1) / LA_TENSOR_ALIGNMENT
      * LA_TENSOR_ALIGNMENT;
}

/* la-t5.c's one weight buffer: matrices kept bf16/f16 as stored (the
 * backends have LA_OP_LINEAR_MIXED), vectors fp32, each slot aligned; the
 * relative position tables stay on the host */
static guint64
t5_bytes (LaCheckpoint * ck, guint64 * params)
{
  guint i, n = la_checkpoint_n_tensors (ck);
  guint64 size = 0;

  *params = 0;
  for (i = 0; i < n; i++) {
    const LaCheckpointTensor *t = la_checkpoint_get (ck, i);
    LaDType stored;
    gsize esize = 4;

    *params += t->numel;
    if (strstr (t->name, "pos_embedding"))
      continue;
    if (t->ndim == 2 && la_io_dtype_to_backend (t->dtype, &stored)
        && (stored == LA_DTYPE_BF16 || stored == LA_DTYPE_F16))
      esize = 2;
    size += align_up (t->numel * esize);
  }
  return size;
}

/* ---- the model ---- */

/* Wan2.2-S2V-14B as published: the DiT from wan/configs/wan_s2v_14B.py
 * and shared_config.py (Wan-Video/Wan2.2: text_len 512, t5 dim 4096),
 * num_audio_token 4 from WanModel_S2V's default (wan/modules/s2v/
 * model_s2v.py); the VAE from Wan2.1_VAE.pth's WanVAE_ (wan/modules/
 * vae2_1.py: dim 96); wav2vec2-large-xlsr-53-english's config.json
 * (jonatasgrosman: 7 convs of 512, kernels 10 3 3 3 3 2 2, conv_bias,
 * hidden 1024, 24 layers, intermediate 4096, positional conv 128 in 16
 * groups); umT5-xxl's encoder (google/umt5-xxl config.json: vocab 256384,
 * d_model 4096, d_kv 64 x 64 heads, d_ff 10240 gated, 24 layers, 32
 * buckets; Wan's models_t5_umt5-xxl-enc-bf16.pth stores it in bf16); the
 * encoders' numbers are la-memory-plan.h's LA_MEMORY_OFFICIAL_*. */
void
la_memory_model_official (LaMemoryModel * m)
{
  static const gint inject[] = { 0, 4, 8, 12, 16, 20, 24, 27, 30, 33, 36, 39 };
  LaDitConfig *c = &m->dit;
  LaWav2Vec2Config w = { 0 };
  guint64 vocab = LA_MEMORY_OFFICIAL_T5_VOCAB, d = LA_MEMORY_OFFICIAL_T5_DIM;
  guint64 attn = LA_MEMORY_OFFICIAL_T5_NUM_HEADS
      * LA_MEMORY_OFFICIAL_T5_HEAD_DIM, ffn = LA_MEMORY_OFFICIAL_T5_DIM_FFN;
  guint64 layers = LA_MEMORY_OFFICIAL_T5_NUM_LAYERS;
  guint i;

  memset (m, 0, sizeof (*m));
  c->dim = 5120;
  c->ffn_dim = 13824;
  c->num_heads = 40;
  c->num_layers = 40;
  c->in_dim = 16;
  c->out_dim = 16;
  c->text_dim = LA_MEMORY_OFFICIAL_T5_DIM;
  c->text_len = 512;
  c->freq_dim = 256;
  c->patch_size[0] = 1;
  c->patch_size[1] = 2;
  c->patch_size[2] = 2;
  c->eps = 1e-6;
  c->cond_dim = 16;
  c->zero_timestep = TRUE;
  c->audio_dim = LA_MEMORY_OFFICIAL_W2V_HIDDEN;
  c->num_audio_token = 4;
  c->enable_adain = TRUE;
  c->enable_framepack = TRUE;
  c->n_audio_inject_layers = G_N_ELEMENTS (inject);
  for (i = 0; i < G_N_ELEMENTS (inject); i++)
    c->audio_inject_layers[i] = inject[i];

  m->vae_dim = 96;
  m->vae_params = vae_params (m->vae_dim);
  m->vae_weight_bytes = m->vae_params * 4 + VAE_TABLE_BYTES;

  w.n_conv_layers = 7;
  for (i = 0; i < 7; i++) {
    w.conv_dim[i] = LA_MEMORY_OFFICIAL_W2V_CONV_DIM;
    w.conv_kernel[i] = i == 0 ? 10 : i < 5 ? 3 : 2;
    w.conv_stride[i] = i == 0 ? 5 : 2;
  }
  w.conv_bias = TRUE;
  w.hidden_size = LA_MEMORY_OFFICIAL_W2V_HIDDEN;
  w.num_hidden_layers = LA_MEMORY_OFFICIAL_W2V_LAYERS;
  w.num_attention_heads = LA_MEMORY_OFFICIAL_W2V_HEADS;
  w.intermediate_size = LA_MEMORY_OFFICIAL_W2V_INTERMEDIATE;
  w.num_conv_pos_embeddings = LA_MEMORY_OFFICIAL_W2V_POS_KERNEL;
  w.num_conv_pos_embedding_groups = LA_MEMORY_OFFICIAL_W2V_POS_GROUPS;
  m->audio_params = wav2vec2_params (&w);
  m->audio_weight_bytes = m->audio_params * 4;

  /* token embedding, per layer q k v o, gate fc1 fc2 (bf16) and two norms
   * (fp32), the final norm; the position tables stay on the host */
  m->text_weight_bytes = align_up (vocab * d * 2)
      + layers * (3 * align_up (attn * d * 2) + align_up (d * attn * 2)
      + 2 * align_up (ffn * d * 2) + align_up (d * ffn * 2) + 2 * align_up (d
          * 4)) + align_up (d * 4);
  m->text_params = vocab * d + layers * (4 * attn * d + 3 * ffn * d + 2 * d
      + LA_MEMORY_OFFICIAL_T5_NUM_BUCKETS * LA_MEMORY_OFFICIAL_T5_NUM_HEADS)
      + d;
  m->source = g_strdup ("official Wan2.2-S2V-14B (constants)");
}

void
la_memory_model_clear (LaMemoryModel * m)
{
  if (m)
    g_clear_pointer (&m->source, g_free);
}

static gboolean
missing (GError ** error, const gchar * what, const gchar * path)
{
  g_set_error (error, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND,
      "memory plan: %s %s not found", what, path);
  return FALSE;
}

gboolean
la_memory_model_load (LaMemoryModel * m, const gchar * dir, GError ** error)
{
  gchar *path = NULL;
  LaCheckpoint *ck = NULL;
  const LaCheckpointTensor *conv1;
  LaWav2Vec2Config w;
  guint i;
  gboolean ok = FALSE;

  g_return_val_if_fail (m != NULL && dir != NULL, FALSE);
  memset (m, 0, sizeof (*m));

  path = g_build_filename (dir, LA_AVATAR_CONFIG_FILE, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    missing (error, "config", path);
    goto out;
  }
  if (!la_dit_config_load (&m->dit, path, error))
    goto out;
  g_free (path);

  /* the VAE: every tensor, fp32 (la-vae.c), and its base width as
   * la-avatar.c reads it */
  path = g_build_filename (dir, LA_AVATAR_VAE_FILE, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    missing (error, "VAE", path);
    goto out;
  }
  if (!(ck = la_checkpoint_open (path, error)))
    goto out;
  m->vae_dim = 96;
  conv1 = la_checkpoint_lookup (ck, "encoder.conv1.weight");
  if (conv1 && conv1->ndim == 5 && conv1->shape[0] > 0
      && conv1->shape[0] < 65536)
    m->vae_dim = (gint) conv1->shape[0];
  for (i = 0; i < la_checkpoint_n_tensors (ck); i++)
    m->vae_params += la_checkpoint_get (ck, i)->numel;
  m->vae_weight_bytes = m->vae_params * 4 + VAE_TABLE_BYTES;
  g_clear_pointer (&ck, la_checkpoint_free);
  g_free (path);

  path = g_build_filename (dir, LA_AVATAR_WAV2VEC2_DIR, NULL);
  if (!la_wav2vec2_config_load (&w, path, error))
    goto out;
  m->audio_params = wav2vec2_params (&w);
  m->audio_weight_bytes = m->audio_params * 4;
  g_free (path);

  path = g_build_filename (dir, LA_T5_CHECKPOINT_FILE, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    missing (error, "umT5 checkpoint", path);
    goto out;
  }
  if (!(ck = la_checkpoint_open (path, error)))
    goto out;
  m->text_weight_bytes = t5_bytes (ck, &m->text_params);
  m->source = g_strdup (dir);
  ok = TRUE;

out:
  la_checkpoint_free (ck);
  g_free (path);
  return ok;
}

/* ---- the plan ---- */

void
la_memory_plan_config_init (LaMemoryPlanConfig * cfg)
{
  g_return_if_fail (cfg != NULL);
  memset (cfg, 0, sizeof (*cfg));
  cfg->backend = LA_BACKEND_CPU;
  cfg->dit_devices = "0";
  cfg->vae_device = -1;
  cfg->ulysses_size = 1;
  cfg->precision = LA_PRECISION_AUTO;
  cfg->width = 704;
  cfg->height = 384;
  cfg->sample_steps = LA_DEFAULT_SAMPLE_STEPS;
  cfg->kv_dtype = LA_MEMORY_KV_DTYPE_AUTO;
  cfg->compute = LA_DIT_COMPUTE_AUTO;
  cfg->offload = FALSE;
}

/* The temporaries of one step, in floats, phase by phase (the I32
 * positions apart): they are freed between phases, so the step needs the
 * largest. Mirrors la-dit-*.c's scratch tensors closely enough to bound
 * them; tests/plan holds it to a measured run. */

/* la_dit_block_forward on @L tokens, @F noisy frames (0: cond only) */
static guint64
block_floats (const LaDitConfig * c, guint64 L, guint64 F)
{
  guint64 dim = c->dim;

  /* h, y, q, o; the FFN; the modulation sums */
  return 4 * L * dim + L * c->ffn_dim + (F ? 12 * F * dim : 6 * dim);
}

/* the sink prefill: its tokens, then FramePack's packing or a block */
static guint64
prefill_floats (const LaDitConfig * c, guint64 h, guint64 w, guint64 sink)
{
  guint64 dim = c->dim, n_mot = sink - (h / c->patch_size[1])
      * (w / c->patch_size[2]);
  guint64 pack = 2 * LA_DIT_PACK_FRAMES * (guint64) c->in_dim * h * w
      + n_mot * dim;

  return sink * dim + 6 * dim + MAX (pack, block_floats (c, sink, 0));
}

/* la_dit_forward: x and the time embeddings, then the patch embedding,
 * a block, an audio injection, or the head and unpatchify */
static guint64
forward_floats (const LaDitConfig * c, guint64 h, guint64 w, guint64 L,
    guint64 F, guint64 n_out)
{
  guint64 dim = c->dim, embed, inject, head, time;

  embed = (guint64) LA_AVATAR_LATENTS_PER_BLOCK *c->in_dim * h * w + L * dim;
  inject = 4 * L * dim + 2 * F * (c->num_audio_token + 1) * dim + 4 * F * dim;
  head = 3 * L * n_out + L * dim + 2 * F * dim;
  time = F * (c->freq_dim + dim);
  return L * dim + 7 * F * dim + 6 * dim + MAX (MAX (embed, inject),
      MAX (MAX (head, time), block_floats (c, L, F)));
}

/* the text embedding of a prompt (context, padding, hidden, output) */
static guint64
text_floats (const LaDitConfig * c)
{
  return (guint64) c->text_len * (2 * c->dim + c->text_dim);
}

/* la_dit_audio_encode on a block's 12 frames after 73 motion copies */
static guint64
audio_floats (const LaDitConfig * c)
{
  guint64 T = LA_AVATAR_FRAMES_PER_BLOCK, A = c->audio_dim, dim = c->dim;
  guint64 L1 = T + LA_DIT_AUDIO_MOTION_FRAMES + 2;

  return 2 * T * LA_DIT_AUDIO_STATES * A + L1 * A
      + 2 * L1 * c->num_audio_token * (dim / 4) + L1 * (dim / 4)
      + 2 * L1 * (dim / 2) + 2 * L1 * dim;
}

/* the per-step and per-forward sizes at @cfg's picture size */
typedef struct
{
  guint64 kv;                   /* one step's self-attention cache */
  guint64 cross;                /* one step's cross K/V */
  guint64 step;                 /* one step's own buffers */
  guint64 act;                  /* one forward's temporaries */
} StepSizes;

static StepSizes
step_sizes (const LaDitConfig * c, const LaMemoryPlanConfig * cfg,
    guint ulysses)
{
  StepSizes z;
  guint64 h = cfg->height / 8, w = cfg->width / 8, fsl, ring, sink, noisy,
      D, HD, kvs = la_dtype_size (cfg->kv_dtype), F, dim = c->dim, n_out, heads;

  D = la_dit_config_head_dim (c);
  /* Ulysses splits attention by heads: each device keeps its share */
  heads = (c->num_heads + ulysses - 1) / ulysses;
  HD = heads * D;
  fsl = (h / c->patch_size[1]) * (w / c->patch_size[2]);
  /* la_avatar_step_new: a ring of one clip, the sink of
   * la_dit_sink_tokens () */
  ring = (guint64) LA_AVATAR_LATENTS_PER_BLOCK *LA_AVATAR_BLOCKS_PER_CLIP
      * ((h / 2) * (w / 2));
  sink = fsl + (c->enable_framepack ? la_dit_motion_n_tokens (h, w) : 0);
  z.kv = (guint64) c->num_layers * ((2 * (sink + ring) + sink) * HD) * kvs;
  z.cross = (guint64) c->num_layers * 2 * c->text_len * HD * kvs;

  F = la_dit_audio_n_latent (LA_AVATAR_FRAMES_PER_BLOCK,
      LA_DIT_AUDIO_MOTION_FRAMES, LA_DIT_AUDIO_MOTION_LATENTS);
  z.step = 4 * ((guint64) c->in_dim * h * w * (2 * LA_AVATAR_LATENTS_PER_BLOCK
          + 1 + LA_AVATAR_MOTION_LATENTS) + F * (c->num_audio_token + 1) * dim
      + F * dim);

  noisy = (guint64) LA_AVATAR_LATENTS_PER_BLOCK / c->patch_size[0] * fsl;
  n_out = (guint64) c->patch_size[0] * c->patch_size[1] * c->patch_size[2]
      * c->out_dim;
  z.act = 4 * MAX (MAX (prefill_floats (c, h, w, sink),
          forward_floats (c, h, w, noisy, LA_AVATAR_LATENTS_PER_BLOCK
              / c->patch_size[0], n_out)),
      MAX (text_floats (c), audio_floats (c)))
      + 4 * 3 * (MAX (noisy, sink) + sink);
  return z;
}

static LaMemoryPlanDevice *
device_for (LaMemoryPlan * p, LaBackendKind kind, gint index)
{
  guint i;
  LaMemoryPlanDevice *d;

  for (i = 0; i < p->n_devices; i++)
    if (p->devices[i].index == index && !p->devices[i].host)
      return &p->devices[i];
  d = &p->devices[p->n_devices++];
  memset (d, 0, sizeof (*d));
  d->kind = kind;
  d->index = index;
  d->first_step = d->end_step = -1;
  if (kind == LA_BACKEND_CPU)
    g_strlcpy (d->name, "CPU", sizeof (d->name));
  else
    g_snprintf (d->name, sizeof (d->name), "CUDA%d", index);
  return d;
}

/* the host's column (offload): after the devices, named apart */
static LaMemoryPlanDevice *
host_device (LaMemoryPlan * p)
{
  LaMemoryPlanDevice *d = &p->devices[p->n_devices++];

  memset (d, 0, sizeof (*d));
  d->kind = LA_BACKEND_CPU;
  d->index = 0;
  d->host = TRUE;
  d->first_step = d->end_step = -1;
  g_strlcpy (d->name, "host", sizeof (d->name));
  return d;
}

/* the vae-device's share; umT5 on @text (the host under offload) */
static void
add_vae_side (LaMemoryPlan * p, LaMemoryPlanDevice * d,
    LaMemoryPlanDevice * text, const LaMemoryModel * m)
{
  guint64 h = p->config.height / 8, w = p->config.width / 8;
  guint64 esize = la_dtype_size (p->vae_dtype);

  d->holds_vae = TRUE;
  /* la_vae_new_with_dtype: every weight in the compute dtype, the four
   * latent tables fp32 */
  d->bytes[LA_MEMORY_VAE_WEIGHTS] = m->vae_params * esize + VAE_TABLE_BYTES;
  d->bytes[LA_MEMORY_VAE_CACHE] = vae_cache_bytes (m->vae_dim, h, w, esize);
  d->bytes[LA_MEMORY_VAE_ACTIVATIONS] = vae_activation_bytes (m->vae_dim, h,
      w, esize);
  d->bytes[LA_MEMORY_PICTURE_ENCODE] = picture_encode_bytes (m->vae_dim,
      m->dit.in_dim, h, w, esize);
  d->bytes[LA_MEMORY_AUDIO_ENCODER] = m->audio_weight_bytes;
  text->bytes[LA_MEMORY_TEXT_ENCODER] = m->text_weight_bytes;
}

LaMemoryPlan *
la_memory_plan_new (const LaMemoryModel * m, const LaMemoryPlanConfig * cfg,
    GError ** error)
{
  guint dit[LA_MAX_DEVICES], n_dit = 0, ulysses, k, j, S, vae;
  LaBackendKind kind;
  LaMemoryPlan *p;
  LaDitCompute compute;
  DitSum ds;
  StepSizes z;

  g_return_val_if_fail (m != NULL && cfg != NULL, NULL);

  if (cfg->width < 16 || cfg->height < 16 || cfg->width % 16 != 0
      || cfg->height % 16 != 0) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "memory plan: size %dx%d is not a multiple of 16", cfg->width,
        cfg->height);
    return NULL;
  }
  if (cfg->sample_steps < 1 || cfg->sample_steps > LA_MAX_SAMPLE_STEPS
      || cfg->ulysses_size < 1 || (cfg->kv_dtype >= LA_DTYPE_COUNT
          && cfg->kv_dtype != LA_MEMORY_KV_DTYPE_AUTO)
      || (cfg->compute != LA_DIT_COMPUTE_AUTO
          && cfg->compute != LA_DIT_COMPUTE_F32
          && cfg->compute != LA_DIT_COMPUTE_BF16)) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "memory plan: sample-steps %d (1 .. %d), ulysses-size %d (>= 1), "
        "the cache dtype or the compute out of range", cfg->sample_steps,
        LA_MAX_SAMPLE_STEPS, cfg->ulysses_size);
    return NULL;
  }
  if (!la_device_list_parse (cfg->dit_devices, "dit-devices", dit, &n_dit,
          error))
    return NULL;
  ulysses = (guint) cfg->ulysses_size;
  S = (guint) cfg->sample_steps;
  if (n_dit % ulysses != 0 || n_dit / ulysses > S) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "memory plan: %u DiT devices do not make stages of ulysses-size %u "
        "with at most %u (sample-steps) stages", n_dit, ulysses, S);
    return NULL;
  }
  if (cfg->vae_device < -1 || cfg->vae_device >= LA_MAX_DEVICES) {
    g_set_error (error, LA_ERROR, LA_ERROR_DEVICE,
        "memory plan: vae-device %d is out of range", cfg->vae_device);
    return NULL;
  }
  vae = cfg->vae_device < 0 ? dit[n_dit - 1] : (guint) cfg->vae_device;
  kind = cfg->backend == LA_BACKEND_CPU ? LA_BACKEND_CPU : LA_BACKEND_CUDA;

  p = g_new0 (LaMemoryPlan, 1);
  p->config = *cfg;
  p->config.dit_devices = NULL;
  p->config.backend = kind;
  p->config.vae_device = (gint) vae;
  p->source = g_strdup (m->source ? m->source : "(model)");
  /* as the engine and la_avatar_new () resolve them */
  p->precision = cfg->precision;
  compute = cfg->compute;
  la_avatar_resolve_compute (&p->precision, &compute, kind);
  p->config.precision = p->precision;
  p->config.compute = compute;
  if (cfg->kv_dtype == LA_MEMORY_KV_DTYPE_AUTO)
    p->config.kv_dtype = la_dit_compute_dtype (compute);
  /* la-avatar.c: the VAE computes in the DiT's compute dtype */
  p->vae_dtype = la_avatar_resolve_vae_dtype (compute);
  p->n_stages = n_dit / ulysses;

  ds = dit_sum (&m->dit, p->precision, compute);
  p->dit_params = ds.params;
  /* a group's first device computes all its heads for now */
  z = step_sizes (&m->dit, &p->config, 1);

  if (kind == LA_BACKEND_CPU) {
    /* one process: the weights once, every step's caches, one forward per
     * stage thread at a time; one avatar, so one cross K/V per prompt;
     * umT5 is in the host's memory anyway */
    LaMemoryPlanDevice *d = device_for (p, kind, 0);

    p->config.offload = FALSE;
    d->holds_dit = TRUE;
    d->first_step = 0;
    d->end_step = (gint) S;
    d->bytes[LA_MEMORY_DIT_WEIGHTS] = ds.bytes;
    d->bytes[LA_MEMORY_KV_CACHE] = z.kv * S;
    d->bytes[LA_MEMORY_CROSS_KV] = z.cross;
    d->bytes[LA_MEMORY_STEP_BUFFERS] = z.step * S;
    d->bytes[LA_MEMORY_DIT_ACTIVATIONS] = z.act * p->n_stages;
    add_vae_side (p, d, d, m);
    return p;
  }

  for (k = 0; k < n_dit; k++)
    for (j = 0; j < k; j++)
      if (dit[j] == dit[k]) {
        g_set_error (error, LA_ERROR, LA_ERROR_DEVICE,
            "memory plan: CUDA%u is listed twice in dit-devices", dit[k]);
        la_memory_plan_free (p);
        return NULL;
      }
  for (k = 0; k < p->n_stages; k++) {
    guint first = k * S / p->n_stages, end = (k + 1) * S / p->n_stages;
    guint index = dit[k * ulysses];
    LaMemoryPlanDevice *d = device_for (p, kind, (gint) index);

    d->holds_dit = TRUE;
    d->first_step = (gint) first;
    d->end_step = (gint) end;
    d->bytes[LA_MEMORY_DIT_WEIGHTS] = ds.bytes;
    d->bytes[LA_MEMORY_KV_CACHE] = z.kv * (end - first);
    /* the prompt is the vae-device's avatar's: shared there, a copy per
     * step elsewhere (la-avatar-step.c use_prompt) */
    d->bytes[LA_MEMORY_CROSS_KV] = index == vae ? z.cross
        : z.cross * (end - first);
    d->bytes[LA_MEMORY_STEP_BUFFERS] = z.step * (end - first);
    d->bytes[LA_MEMORY_DIT_ACTIVATIONS] = z.act;
  }
  {
    LaMemoryPlanDevice *d = device_for (p, kind, (gint) vae);

    add_vae_side (p, d, cfg->offload ? host_device (p) : d, m);
  }
  return p;
}

void
la_memory_plan_free (LaMemoryPlan * plan)
{
  if (!plan)
    return;
  g_free (plan->source);
  g_free (plan);
}

guint64
la_memory_plan_device_total (const LaMemoryPlanDevice * dev)
{
  guint64 n = 0;
  gint r;

  for (r = 0; r < LA_MEMORY_N_ROWS; r++)
    n += dev->bytes[r];
  return n;
}

static guint64
reserve (const LaMemoryPlanDevice * d, guint64 total)
{
  if (d->kind == LA_BACKEND_CPU)
    return 0;
  return LA_MEMORY_PLAN_CUDA_RESERVE
      + total / 100 * LA_MEMORY_PLAN_CUDA_RESERVE_PERCENT;
}

static void
refuse (const LaMemoryPlan * p, const LaMemoryPlanDevice * d, guint64 total,
    guint64 usable, GError ** error)
{
  GString *s = g_string_new (NULL);
  guint64 need = la_memory_plan_device_total (d);
  /* GiB for GPUs and hosts, MiB for what a test plays */
  gdouble unit = MAX (need, total) >= GIB ? GIB : 1024.0 * 1024.0;
  const gchar *uname = unit == GIB ? "GiB" : "MiB";
  gboolean first = TRUE;
  gint r;

  g_string_append_printf (s, "%s needs %.1f %s (", d->name, need / unit, uname);
  for (r = 0; r < LA_MEMORY_N_ROWS; r++) {
    if (!d->bytes[r])
      continue;
    g_string_append_printf (s, "%s%s %.1f", first ? "" : ", ",
        la_memory_row_short_name ((LaMemoryRow) r), d->bytes[r] / unit);
    first = FALSE;
  }
  g_string_append_printf (s, ") but has %.1f %s", total / unit, uname);
  if (usable != total)
    g_string_append_printf (s, " (%.1f after a reserve of %.1f)",
        usable / unit, (total - usable) / unit);
  g_string_append (s, "; try ");
  if (p->precision != LA_PRECISION_FP8 && d->holds_dit)
    g_string_append (s, "precision=fp8 or ");
  /* on the CPU more stages only add caches: the weights are shared */
  if (d->holds_dit && d->kind != LA_BACKEND_CPU
      && p->n_stages < (guint) p->config.sample_steps)
    g_string_append (s, "more dit-devices or ");
  if (d->holds_dit && d->holds_vae && d->kind != LA_BACKEND_CPU)
    g_string_append (s, "another vae-device or ");
  /* umT5 can live in the host's memory */
  if (d->bytes[LA_MEMORY_TEXT_ENCODER] && d->kind != LA_BACKEND_CPU)
    g_string_append (s, "offload=true or ");
  g_string_append (s, "a smaller size");
  g_set_error_literal (error, LA_ERROR, LA_ERROR_OUT_OF_MEMORY, s->str);
  g_string_free (s, TRUE);
}

gboolean
la_memory_plan_check (const LaMemoryPlan * plan, GError ** error)
{
  guint i;

  g_return_val_if_fail (plan != NULL, FALSE);
  for (i = 0; i < plan->n_devices; i++) {
    const LaMemoryPlanDevice *d = &plan->devices[i];
    LaBackend *be;
    guint64 total = 0, usable;
    gboolean ok;

    be = la_backend_new (d->kind, d->host ? 0 : d->index, error);
    if (!be)
      return FALSE;
    ok = la_backend_get_memory_info (be, &total, NULL, error);
    la_backend_free (be);
    if (!ok)
      return FALSE;
    usable = total - MIN (total, reserve (d, total));
    if (la_memory_plan_device_total (d) > usable) {
      refuse (plan, d, total, usable, error);
      return FALSE;
    }
    g_debug ("memory plan: %s needs %.2f GiB of %.2f GiB", d->name,
        la_memory_plan_device_total (d) / GIB, total / GIB);
  }
  return TRUE;
}

void
la_memory_plan_config_init_from_engine (LaMemoryPlanConfig * cfg,
    const LaEngineConfig * engine)
{
  la_memory_plan_config_init (cfg);
  cfg->backend = engine->backend;
  cfg->dit_devices = engine->dit_devices;
  cfg->vae_device = engine->vae_device;
  cfg->ulysses_size = engine->ulysses_size;
  cfg->precision = engine->precision;
  cfg->offload = engine->offload;
  cfg->width = engine->width;
  cfg->height = engine->height;
  cfg->sample_steps = engine->sample_steps;
}

gboolean
la_memory_plan_check_engine (const LaEngineConfig * cfg, GError ** error)
{
  LaMemoryModel m;
  LaMemoryPlanConfig pc;
  LaMemoryPlan *p;
  GError *err = NULL;
  gboolean ok;

  g_return_val_if_fail (cfg != NULL, FALSE);
  if (!la_memory_model_load (&m, cfg->model_path, &err)) {
    /* a folder the planner cannot read, la_avatar_new () cannot load
     * either: its errors name the file as users know them */
    g_debug ("memory plan: %s", err->message);
    g_clear_error (&err);
    la_memory_model_clear (&m);
    return TRUE;
  }
  la_memory_plan_config_init_from_engine (&pc, cfg);
  p = la_memory_plan_new (&m, &pc, error);
  ok = p && la_memory_plan_check (p, error);
  la_memory_plan_free (p);
  la_memory_model_clear (&m);
  return ok;
}

gchar *
la_memory_plan_to_markdown (const LaMemoryPlan * p)
{
  GString *s;
  const gchar *precision;
  guint i;
  gint r;

  g_return_val_if_fail (p != NULL, NULL);
  /* la_memory_plan_new () does not check it: out of range prints "auto" */
  precision = la_precision_name (p->precision);
  s = g_string_new (NULL);
  g_string_append_printf (s, "Memory plan: %s, %dx%d, %d steps, precision "
      "%s, %s compute, %s caches, %s VAE, %u DiT stage%s (ulysses %d)%s, DiT "
      "%.2f B parameters\n\n", p->source, p->config.width, p->config.height,
      p->config.sample_steps, precision ? precision : "auto",
      la_dit_compute_name (p->config.compute),
      la_dtype_name (p->config.kv_dtype), la_dtype_name (p->vae_dtype),
      p->n_stages, p->n_stages == 1 ? "" : "s", p->config.ulysses_size,
      p->config.offload ? ", umT5 offloaded to the host" : "",
      p->dit_params / 1e9);
  if (p->config.ulysses_size > 1)
    g_string_append (s, "A Ulysses group computes on its first device for "
        "now: the others hold nothing and are not listed.\n\n");
  g_string_append (s, "| GiB |");
  for (i = 0; i < p->n_devices; i++)
    g_string_append_printf (s, " %s |", p->devices[i].name);
  g_string_append (s, "\n|---|");
  for (i = 0; i < p->n_devices; i++)
    g_string_append (s, "---:|");
  g_string_append (s, "\n| steps held |");
  for (i = 0; i < p->n_devices; i++) {
    const LaMemoryPlanDevice *d = &p->devices[i];

    if (d->holds_dit)
      g_string_append_printf (s, " %d..%d |", d->first_step, d->end_step - 1);
    else
      g_string_append (s, " - |");
  }
  g_string_append_c (s, '\n');
  for (r = 0; r < LA_MEMORY_N_ROWS; r++) {
    g_string_append_printf (s, "| %s |", la_memory_row_name ((LaMemoryRow) r));
    for (i = 0; i < p->n_devices; i++)
      g_string_append_printf (s, " %.2f |", p->devices[i].bytes[r] / GIB);
    g_string_append_c (s, '\n');
  }
  g_string_append (s, "| **total** |");
  for (i = 0; i < p->n_devices; i++)
    g_string_append_printf (s, " **%.2f** |",
        la_memory_plan_device_total (&p->devices[i]) / GIB);
  g_string_append_c (s, '\n');
  return g_string_free (s, FALSE);
}
