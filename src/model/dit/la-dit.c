/* liveavatar: the DiT core's weights
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Tensor names and shapes are WanModel_S2V's state dict
 * (wan/modules/s2v/model_s2v.py, wan/modules/model.py). */

#include "config.h"

#include "la-dit-private.h"
#include "la-lora.h"
#include "liveavatar.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

LaTensor *
la_dit_tensor (LaDit * dit, gint n_dims, const gint64 * ne, GError ** error)
{
  return la_tensor_new (dit->backend, LA_DTYPE_F32, n_dims, ne, error);
}

LaTensor *
la_dit_tensor_c (LaDit * dit, gint n_dims, const gint64 * ne, GError ** error)
{
  return la_tensor_new (dit->backend, dit->cdtype, n_dims, ne, error);
}

gboolean
la_dit_linear (LaDit * dit, LaTensor * y, const LaTensor * x,
    const LaDitLinear * l, GError ** error)
{
  if (l->scale)
    return la_linear_fp8 (dit->backend, y, x, l->weight, l->scale, l->bias,
        error);
  /* a bf16 weight under fp32 activations is la_linear's mixed case; bf16
   * x with a bf16 output takes the bias in bf16 */
  return la_linear (dit->backend, y, x, l->weight,
      y->dtype == LA_DTYPE_BF16 && l->bias_c ? l->bias_c : l->bias, error);
}

/* Live Avatar converts its whole model to bf16: under BF16 compute the
 * parameters kept fp32 here hold bf16 values */
static void
round_params (LaDit * dit, gfloat * data, gsize n)
{
  gsize i;

  if (dit->compute != LA_DIT_COMPUTE_BF16)
    return;
  for (i = 0; i < n; i++)
    data[i] = la_bf16_to_f32 (la_f32_to_bf16 (data[i]));
}

/* Live Avatar's --fp8 (minimal_inference/s2v_streaming_interact.py):
 * replace_linear_with_scaled_fp8 (noise_model, ignore_keys) leaves the
 * nn.Linear modules whose name contains one of these in bf16 */
static const gchar *const fp8_ignore_keys[] = {
  "text_embedding", "time_embedding", "time_projection", "head.head",
  "casual_audio_encoder.encoder.final_linear",
};

static gboolean
keeps_bf16 (const gchar * module)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (fp8_ignore_keys); i++)
    if (strstr (module, fp8_ignore_keys[i]))
      return TRUE;
  return FALSE;
}

/* peft's merge_and_unload () of the pair targeting @name, if any, into
 * @data (the tensor as read, rows = shape[0]) */
static gboolean
merge_lora (LaDit * dit, LaCheckpoint * ck, const gchar * name, gfloat * data,
    gint ndim, const gint64 * shape, GError ** error)
{
  const LaLoraPair *pair = g_hash_table_lookup (dit->lora, name);
  const LaCheckpointTensor *base;
  gint64 n_in = 1;
  GError *err = NULL;
  gint i;

  if (!pair)
    return TRUE;
  for (i = 1; i < ndim; i++)
    n_in *= shape[i];
  if (ndim < 1 || !la_lora_merge_pair (data, shape[0], n_in, pair,
          LA_DIT_LORA_ALPHA, &err)) {
    base = la_checkpoint_lookup (ck, name);
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s' cannot take its LoRA from %s: %s",
        base ? base->file : la_checkpoint_get_path (ck), name,
        la_checkpoint_get_path (dit->lora_ck),
        err ? err->message : "not a matrix");
    g_clear_error (&err);
    return FALSE;
  }
  g_hash_table_remove (dit->lora, name);
  dit->n_lora_merged++;
  return TRUE;
}

static gint64
la_shape_nelements (gint ndim, const gint64 * shape)
{
  gint64 n = 1;
  gint i;

  for (i = 0; i < ndim; i++)
    n *= shape[i];
  return n;
}

/* a copy of the fp32 parameter @t in the compute dtype, kept by @dit (@t
 * itself when that is fp32); unless @keep, @t is freed */
static LaTensor *
to_compute (LaDit * dit, LaTensor * t, gboolean keep, GError ** error)
{
  LaTensor *c;

  if (!t || dit->cdtype == LA_DTYPE_F32)
    return t;
  c = la_tensor_new (dit->backend, dit->cdtype, t->n_dims, t->ne, error);
  if (!c)
    return NULL;
  g_ptr_array_add (dit->tensors, c);
  if (!la_convert (dit->backend, c, t, error))
    return NULL;
  if (keep)
    return c;
  /* the convert is queued: wait for it before freeing its source */
  if (!la_backend_synchronize (dit->backend, error))
    return NULL;
  g_ptr_array_remove (dit->tensors, t);
  la_tensor_free (t);
  return c;
}

/* *INDENT-OFF* */
static LaTensor *load (LaDit * dit, LaCheckpoint * ck, gint ndim,
    const gint64 * shape, gint t_ndim, const gint64 * t_shape,
    GError ** error, const gchar * format, ...) G_GNUC_PRINTF (8, 9);
/* *INDENT-ON* */

/* tensor @name, @ndim dims @shape, as fp32 with its LoRA merged */
static gfloat *
read_merged (LaDit * dit, LaCheckpoint * ck, const gchar * name, gint ndim,
    const gint64 * shape, GError ** error)
{
  gfloat *data = la_checkpoint_read_f32 (ck, name, ndim, shape, error);

  if (data && dit->lora && !merge_lora (dit, ck, name, data, ndim, shape,
          error))
    g_clear_pointer (&data, g_free);
  return data;
}

/* a new @dtype tensor @t_ndim dims @t_shape holding @data, kept by @dit */
static LaTensor *
upload (LaDit * dit, LaDType dtype, gint t_ndim, const gint64 * t_shape,
    const gfloat * data, GError ** error)
{
  LaTensor *t = la_tensor_new (dit->backend, dtype, t_ndim, t_shape, error);

  if (!t)
    return NULL;
  if (!la_tensor_set_f32 (t, data, la_tensor_nelements (t), error)) {
    la_tensor_free (t);
    return NULL;
  }
  g_ptr_array_add (dit->tensors, t);
  return t;
}

/* tensor @format... with @ndim dims @shape, placed as @t_ndim dims
 * @t_shape (same element count), fp32 */
static LaTensor *
load (LaDit * dit, LaCheckpoint * ck, gint ndim, const gint64 * shape,
    gint t_ndim, const gint64 * t_shape, GError ** error,
    const gchar * format, ...)
{
  va_list args;
  gchar *name;
  gfloat *data;
  LaTensor *t = NULL;

  va_start (args, format);
  name = g_strdup_vprintf (format, args);
  va_end (args);

  data = read_merged (dit, ck, name, ndim, shape, error);
  if (data) {
    round_params (dit, data, (gsize) la_shape_nelements (ndim, shape));
    t = upload (dit, LA_DTYPE_F32, t_ndim, t_shape, data, error);
  }
  g_free (data);
  g_free (name);
  return t;
}

/* @l->weight [out, in] (@n values of @data, LoRA merged) in the storage
 * LaDitWeights asks for. Live Avatar merges in its bf16 model and
 * quantises that: here the fp32 merge is rounded to bf16 once (RNE), and
 * FP8 quantises the bf16 values, so both see the same weight. */
static gboolean
store_weight (LaDit * dit, LaDitLinear * l, const gchar * module,
    gfloat * data, const gint64 * ws, GError ** error)
{
  gsize n = (gsize) (ws[0] * ws[1]), i;
  guint8 *q;
  gfloat scale;
  gint64 one = 1;

  if (dit->weights == LA_DIT_WEIGHTS_F32) {
    l->weight = upload (dit, LA_DTYPE_F32, 2, ws, data, error);
    return l->weight != NULL;
  }
  if (dit->weights == LA_DIT_WEIGHTS_BF16 || keeps_bf16 (module)) {
    l->weight = upload (dit, LA_DTYPE_BF16, 2, ws, data, error);
    return l->weight != NULL;
  }
  for (i = 0; i < n; i++)
    data[i] = la_bf16_to_f32 (la_f32_to_bf16 (data[i]));
  q = g_malloc (n);
  scale = la_fp8_quantize (data, n, q);
  l->weight = la_tensor_new (dit->backend, LA_DTYPE_FP8_E4M3, 2, ws, error);
  if (l->weight) {
    g_ptr_array_add (dit->tensors, l->weight);
    if (!la_tensor_set_data (l->weight, 0, q, n, error))
      l->weight = NULL;
  }
  g_free (q);
  if (!l->weight)
    return FALSE;
  l->scale = upload (dit, LA_DTYPE_F32, 1, &one, &scale, error);
  return l->scale != NULL;
}

static gboolean
load_linear (LaDit * dit, LaCheckpoint * ck, LaDitLinear * l, gint64 in,
    gint64 out, const gchar * prefix, GError ** error)
{
  gint64 ws[2] = { out, in };
  gchar *name = g_strdup_printf ("%s.weight", prefix);
  gfloat *data = read_merged (dit, ck, name, 2, ws, error);
  gboolean ok = data && store_weight (dit, l, prefix, data, ws, error);

  g_free (data);
  g_free (name);
  if (!ok)
    return FALSE;
  l->bias = load (dit, ck, 1, &out, 1, &out, error, "%s.bias", prefix);
  if (!l->bias)
    return FALSE;
  /* bf16 x with a bf16 weight may write bf16: it takes a bf16 bias */
  if (dit->cdtype == LA_DTYPE_BF16 && l->weight->dtype == LA_DTYPE_BF16) {
    l->bias_c = to_compute (dit, l->bias, TRUE, error);
    return l->bias_c != NULL;
  }
  return TRUE;
}

static gboolean
load_attention (LaDit * dit, LaCheckpoint * ck, LaDitAttention * a,
    gint64 dim, gint64 kv_in, const gchar * prefix, GError ** error)
{
  gchar *p = NULL;
  gboolean ok = FALSE;

  /* k and v read from kv_in wide inputs; WanCrossAttention's context is
   * the text embedding, already dim wide, so kv_in is dim here */
  p = g_strdup_printf ("%s.q", prefix);
  if (!load_linear (dit, ck, &a->q, dim, dim, p, error))
    goto out;
  g_free (p);
  p = g_strdup_printf ("%s.k", prefix);
  if (!load_linear (dit, ck, &a->k, kv_in, dim, p, error))
    goto out;
  g_free (p);
  p = g_strdup_printf ("%s.v", prefix);
  if (!load_linear (dit, ck, &a->v, kv_in, dim, p, error))
    goto out;
  g_free (p);
  p = g_strdup_printf ("%s.o", prefix);
  if (!load_linear (dit, ck, &a->o, dim, dim, p, error))
    goto out;
  a->norm_q = to_compute (dit, load (dit, ck, 1, &dim, 1, &dim, error,
          "%s.norm_q.weight", prefix), FALSE, error);
  if (!a->norm_q)
    goto out;
  a->norm_k = to_compute (dit, load (dit, ck, 1, &dim, 1, &dim, error,
          "%s.norm_k.weight", prefix), FALSE, error);
  ok = a->norm_k != NULL;

out:
  g_free (p);
  return ok;
}

static gboolean
load_block (LaDit * dit, LaCheckpoint * ck, guint i, GError ** error)
{
  const LaDitConfig *c = &dit->cfg;
  LaDitBlock *b = &dit->blocks[i];
  gint64 dim = c->dim, ffn = c->ffn_dim;
  gint64 mod_file[3] = { 1, 6, dim }, mod[2] = { 6, dim };
  gchar *p;
  gboolean ok = FALSE;

  p = g_strdup_printf ("blocks.%u.self_attn", i);
  if (!load_attention (dit, ck, &b->self_attn, dim, dim, p, error))
    goto out;
  g_free (p);
  p = g_strdup_printf ("blocks.%u.cross_attn", i);
  if (!load_attention (dit, ck, &b->cross_attn, dim, dim, p, error))
    goto out;
  g_free (p);
  p = g_strdup_printf ("blocks.%u.ffn.0", i);
  if (!load_linear (dit, ck, &b->ffn0, dim, ffn, p, error))
    goto out;
  g_free (p);
  p = g_strdup_printf ("blocks.%u.ffn.2", i);
  if (!load_linear (dit, ck, &b->ffn2, ffn, dim, p, error))
    goto out;
  b->norm3_weight = load (dit, ck, 1, &dim, 1, &dim, error,
      "blocks.%u.norm3.weight", i);
  if (!b->norm3_weight)
    goto out;
  b->norm3_bias = load (dit, ck, 1, &dim, 1, &dim, error,
      "blocks.%u.norm3.bias", i);
  if (!b->norm3_bias)
    goto out;
  b->modulation = load (dit, ck, 3, mod_file, 2, mod, error,
      "blocks.%u.modulation", i);
  ok = b->modulation != NULL;

out:
  g_free (p);
  return ok;
}

static gboolean
load_top (LaDit * dit, LaCheckpoint * ck, GError ** error)
{
  const LaDitConfig *c = &dit->cfg;
  const gint *ps = c->patch_size;
  gint64 dim = c->dim, n_patch = (gint64) ps[0] * ps[1] * ps[2];
  gint64 conv_file[5] = { dim, c->in_dim, ps[0], ps[1], ps[2] };
  gint64 conv[4] = { dim, c->in_dim, ps[0], (gint64) ps[1] * ps[2] };
  gint64 cond_conv_file[5] = { dim, c->cond_dim, ps[0], ps[1], ps[2] };
  gint64 mask[2] = { 3, dim }, head_mod_file[3] = { 1, 2, dim };
  gint64 head_mod[2] = { 2, dim };
  gint i;

  dit->patch_weight = load (dit, ck, 5, conv_file, 4, conv, error,
      "patch_embedding.weight");
  if (!dit->patch_weight)
    return FALSE;
  dit->patch_bias = load (dit, ck, 1, &dim, 1, &dim, error,
      "patch_embedding.bias");
  if (!dit->patch_bias)
    return FALSE;

  if (c->cond_dim > 0) {
    /* only the bias acts (the pose latents are zeros), but the weight is
     * checked so that a wrong checkpoint is refused here */
    if (!la_checkpoint_expect (ck, "cond_encoder.weight", LA_IO_DTYPES_FLOAT,
            5, cond_conv_file, error))
      return FALSE;
    dit->cond_bias = load (dit, ck, 1, &dim, 1, &dim, error,
        "cond_encoder.bias");
    if (!dit->cond_bias)
      return FALSE;
  }

  dit->cond_mask = load (dit, ck, 2, mask, 2, mask, error,
      "trainable_cond_mask.weight");
  if (!dit->cond_mask)
    return FALSE;
  for (i = 0; i < 3; i++) {
    dit->cond_mask_row[i] = la_tensor_new_view (dit->cond_mask, i * dim, 1,
        &dim, error);
    if (!dit->cond_mask_row[i])
      return FALSE;
    g_ptr_array_add (dit->tensors, dit->cond_mask_row[i]);
  }

  if (!load_linear (dit, ck, &dit->text0, c->text_dim, dim,
          "text_embedding.0", error)
      || !load_linear (dit, ck, &dit->text2, dim, dim, "text_embedding.2",
          error)
      || !load_linear (dit, ck, &dit->time0, c->freq_dim, dim,
          "time_embedding.0", error)
      || !load_linear (dit, ck, &dit->time2, dim, dim, "time_embedding.2",
          error)
      || !load_linear (dit, ck, &dit->time_proj, dim, 6 * dim,
          "time_projection.1", error)
      || !load_linear (dit, ck, &dit->head, dim, n_patch * c->out_dim,
          "head.head", error))
    return FALSE;

  dit->head_modulation = load (dit, ck, 3, head_mod_file, 2, head_mod, error,
      "head.modulation");
  return dit->head_modulation != NULL;
}

/* SiLU (w) / sum: the fusion as one [1, L] linear */
static gboolean
load_fusion (LaDit * dit, LaCheckpoint * ck, GError ** error)
{
  gint64 file[4] = { 1, LA_DIT_AUDIO_STATES, 1, 1 };
  gint64 shape[2] = { 1, LA_DIT_AUDIO_STATES };
  gfloat *w;
  gdouble sum = 0;
  gint i;
  gboolean ok = FALSE;

  w = la_checkpoint_read_f32 (ck, "casual_audio_encoder.weights", 4, file,
      error);
  if (!w)
    return FALSE;
  round_params (dit, w, LA_DIT_AUDIO_STATES);
  for (i = 0; i < LA_DIT_AUDIO_STATES; i++) {
    w[i] = w[i] / (1.0f + expf (-w[i]));
    sum += w[i];
  }
  if (!(sum > 0.0)) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "casual_audio_encoder.weights: the SiLU of the layer weights sums "
        "to %g, not a positive number", sum);
    goto out;
  }
  for (i = 0; i < LA_DIT_AUDIO_STATES; i++)
    w[i] = (gfloat) (w[i] / sum);
  dit->audio.fusion = la_dit_tensor (dit, 2, shape, error);
  if (!dit->audio.fusion)
    goto out;
  g_ptr_array_add (dit->tensors, dit->audio.fusion);
  ok = la_tensor_set_f32 (dit->audio.fusion, w, LA_DIT_AUDIO_STATES, error);

out:
  g_free (w);
  return ok;
}

static gboolean
load_conv1d (LaDit * dit, LaCheckpoint * ck, LaTensor ** w, LaTensor ** b,
    gint64 in, gint64 out, const gchar * name, GError ** error)
{
  gint64 ws[3] = { out, in, 3 };

  *w = load (dit, ck, 3, ws, 3, ws, error,
      "casual_audio_encoder.encoder.%s.conv.weight", name);
  if (!*w)
    return FALSE;
  *b = load (dit, ck, 1, &out, 1, &out, error,
      "casual_audio_encoder.encoder.%s.conv.bias", name);
  return *b != NULL;
}

/* CausalAudioEncoder (dim = audio_dim, out_dim = dim, num_token,
 * need_global = enable_adain) and AudioInjector_WAN */
static gboolean
load_audio (LaDit * dit, LaCheckpoint * ck, GError ** error)
{
  const LaDitConfig *c = &dit->cfg;
  LaDitAudioEncoder *a = &dit->audio;
  gint64 dim = c->dim, n = c->num_audio_token, pad[4] = { 1, 1, 1, dim };
  guint k;

  if (!c->enable_adain) {
    /* the injector would use its pre-norm instead of AdaLayerNorm, and
     * the encoder would have no global branch: not Wan2.2-S2V */
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "DiT config: only enable_adain (adain_mode attn_norm) is supported");
    return FALSE;
  }
  if (dim % 4 != 0) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "DiT config: the audio encoder needs dim %" G_GINT64_FORMAT
        " divisible by 4", dim);
    return FALSE;
  }
  if (!load_fusion (dit, ck, error)
      || !load_conv1d (dit, ck, &a->conv1_local_w, &a->conv1_local_b,
          c->audio_dim, dim / 4 * n, "conv1_local", error)
      || !load_conv1d (dit, ck, &a->conv1_global_w, &a->conv1_global_b,
          c->audio_dim, dim / 4, "conv1_global", error)
      || !load_conv1d (dit, ck, &a->conv2_w, &a->conv2_b, dim / 4, dim / 2,
          "conv2", error)
      || !load_conv1d (dit, ck, &a->conv3_w, &a->conv3_b, dim / 2, dim,
          "conv3", error)
      || !load_linear (dit, ck, &a->final_linear, dim, dim,
          "casual_audio_encoder.encoder.final_linear", error))
    return FALSE;
  a->padding_token = load (dit, ck, 4, pad, 1, &dim, error,
      "casual_audio_encoder.encoder.padding_tokens");
  if (!a->padding_token)
    return FALSE;

  dit->injectors = g_new0 (LaDitInjector, c->n_audio_inject_layers);
  for (k = 0; k < c->n_audio_inject_layers; k++) {
    gchar *p = g_strdup_printf ("audio_injector.injector.%u", k);
    gboolean ok = load_attention (dit, ck, &dit->injectors[k].attn, dim, dim,
        p, error);

    g_free (p);
    if (!ok)
      return FALSE;
    p = g_strdup_printf ("audio_injector.injector_adain_layers.%u.linear", k);
    ok = load_linear (dit, ck, &dit->injectors[k].adain, dim, 2 * dim, p,
        error);
    g_free (p);
    if (!ok)
      return FALSE;
  }
  return TRUE;
}

/* FramePackMotioner's three patchifiers (frame_packer.*) */
static gboolean
load_frame_packer (LaDit * dit, LaCheckpoint * ck, GError ** error)
{
  static const gchar *const names[3] = { "proj", "proj_2x", "proj_4x" };
  const LaDitConfig *c = &dit->cfg;
  gint64 dim = c->dim;
  gint i;

  for (i = 0; i < 3; i++) {
    gint64 kt = LA_DIT_PACK_KT (i), k = LA_DIT_PACK_KS (i);
    gint64 file[5] = { dim, c->in_dim, kt, k, k };
    gint64 shape[4] = { dim, c->in_dim, kt, k * k };

    dit->pack_w[i] = load (dit, ck, 5, file, 4, shape, error,
        "frame_packer.%s.weight", names[i]);
    if (!dit->pack_w[i])
      return FALSE;
    dit->pack_b[i] = load (dit, ck, 1, &dim, 1, &dim, error,
        "frame_packer.%s.bias", names[i]);
    if (!dit->pack_b[i])
      return FALSE;
  }
  return TRUE;
}

LaDit *
la_dit_new (LaBackend * backend, const LaDitConfig * cfg, LaCheckpoint * ck,
    GError ** error)
{
  return la_dit_new_full (backend, cfg, ck, NULL, error);
}

/* the LoRA pairs by target, for load () to merge and remove */
static gboolean
index_lora (LaDit * dit, LaCheckpoint * lora, GPtrArray ** pairs,
    GError ** error)
{
  guint i;

  *pairs = la_lora_find_pairs (lora, error);
  if (!*pairs)
    return FALSE;
  dit->lora_ck = lora;
  dit->lora = g_hash_table_new (g_str_hash, g_str_equal);
  for (i = 0; i < (*pairs)->len; i++) {
    LaLoraPair *p = g_ptr_array_index (*pairs, i);

    g_hash_table_insert (dit->lora, p->target, p);
  }
  return TRUE;
}

/* a pair left after loading targets nothing the DiT has */
static gboolean
check_lora_used (LaDit * dit, LaCheckpoint * ck, GPtrArray * pairs,
    GError ** error)
{
  guint i;

  for (i = 0; i < pairs->len; i++) {
    LaLoraPair *p = g_ptr_array_index (pairs, i);

    if (g_hash_table_contains (dit->lora, p->target)) {
      g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
          "%s: the LoRA of '%s' ('%s') targets '%s', which the DiT in %s "
          "does not have", la_checkpoint_get_path (dit->lora_ck), p->module,
          p->a->name, p->target, la_checkpoint_get_path (ck));
      return FALSE;
    }
  }
  return TRUE;
}

LaDit *
la_dit_new_full (LaBackend * backend, const LaDitConfig * cfg,
    LaCheckpoint * ck, LaCheckpoint * lora, GError ** error)
{
  return la_dit_new_with_weights (backend, cfg, ck, lora, LA_DIT_WEIGHTS_F32,
      error);
}

const gchar *
la_dit_weights_name (LaDitWeights weights)
{
  switch (weights) {
    case LA_DIT_WEIGHTS_F32:
      return "fp32";
    case LA_DIT_WEIGHTS_BF16:
      return "bf16";
    case LA_DIT_WEIGHTS_FP8:
      return "fp8";
  }
  return "unknown";
}

/* refused before anything is read: a backend that cannot run the storage
 * would otherwise fail at the first block, after minutes of loading */
static gboolean
check_weights (LaBackend * backend, LaDitWeights weights, GError ** error)
{
  LaOp op;

  switch (weights) {
    case LA_DIT_WEIGHTS_F32:
      op = LA_OP_LINEAR;
      break;
    case LA_DIT_WEIGHTS_BF16:
      op = LA_OP_LINEAR_MIXED;
      break;
    case LA_DIT_WEIGHTS_FP8:
      /* FP8 keeps Live Avatar's few bf16 linears: it needs both */
      if (!la_backend_supports_op (backend, LA_OP_LINEAR_MIXED, LA_DTYPE_F32)) {
        op = LA_OP_LINEAR_MIXED;
        break;
      }
      op = LA_OP_LINEAR_FP8;
      break;
    default:
      g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
          "DiT: unknown weight storage %d (fp32, bf16 or fp8)", (gint) weights);
      return FALSE;
  }
  if (!la_backend_supports_op (backend, op, LA_DTYPE_F32)) {
    g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
        "DiT: %s weights need the %s op on fp32 activations, which %s (%s) "
        "does not have", la_dit_weights_name (weights), la_op_name (op),
        la_backend_get_name (backend), la_backend_get_description (backend));
    return FALSE;
  }
  return TRUE;
}

const gchar *
la_dit_compute_name (LaDitCompute compute)
{
  switch (compute) {
    case LA_DIT_COMPUTE_F32:
      return "f32";
    case LA_DIT_COMPUTE_BF16:
      return "bf16";
    case LA_DIT_COMPUTE_AUTO:
      return "auto";
  }
  return "unknown";
}

LaDType
la_dit_compute_dtype (LaDitCompute compute)
{
  return compute == LA_DIT_COMPUTE_BF16 ? LA_DTYPE_BF16 : LA_DTYPE_F32;
}

LaDitCompute
la_dit_compute_resolve (LaDitCompute compute, LaBackendKind kind)
{
  const gchar *env;

  if (compute == LA_DIT_COMPUTE_F32 || compute == LA_DIT_COMPUTE_BF16)
    return compute;
  /* LIVEAVATAR_COMPUTE=bf16 lets the CPU reference run the GPU's numerics
   * (tests, and comparing a GPU run with the host) */
  env = g_getenv ("LIVEAVATAR_COMPUTE");
  if (env && g_ascii_strcasecmp (env, "bf16") == 0)
    return LA_DIT_COMPUTE_BF16;
  if (env && (g_ascii_strcasecmp (env, "f32") == 0
          || g_ascii_strcasecmp (env, "fp32") == 0))
    return LA_DIT_COMPUTE_F32;
  if (env && *env)
    g_warning ("LIVEAVATAR_COMPUTE=%s is not f32 or bf16: ignored", env);
  return kind == LA_BACKEND_CUDA ? LA_DIT_COMPUTE_BF16 : LA_DIT_COMPUTE_F32;
}

/* every op a BF16 block runs on bf16 data */
static const LaOp bf16_ops[] = {
  LA_OP_LINEAR, LA_OP_RMS_NORM, LA_OP_ROPE_3D, LA_OP_ATTENTION,
  LA_OP_GELU_TANH, LA_OP_CONVERT, LA_OP_CLAMP,
};

static gboolean
check_compute (LaBackend * backend, LaDitWeights weights,
    LaDitCompute compute, GError ** error)
{
  guint i;

  if (compute == LA_DIT_COMPUTE_F32)
    return TRUE;
  if (compute != LA_DIT_COMPUTE_BF16) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "DiT: compute dtype %d is not f32 or bf16", (gint) compute);
    return FALSE;
  }
  if (weights == LA_DIT_WEIGHTS_F32) {
    /* la_linear has no bf16 x over fp32 weights, and Live Avatar's bf16
     * run holds bf16 weights */
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "DiT: bf16 compute needs bf16 or fp8 weights, not fp32");
    return FALSE;
  }
  if (weights == LA_DIT_WEIGHTS_FP8
      && !la_backend_supports_op (backend, LA_OP_LINEAR_FP8, LA_DTYPE_BF16)) {
    g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
        "DiT: bf16 compute with fp8 weights needs the linear_fp8 op on bf16, "
        "which %s (%s) does not have", la_backend_get_name (backend),
        la_backend_get_description (backend));
    return FALSE;
  }
  for (i = 0; i < G_N_ELEMENTS (bf16_ops); i++)
    if (!la_backend_supports_op (backend, bf16_ops[i], LA_DTYPE_BF16)) {
      g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
          "DiT: bf16 compute needs the %s op on bf16, which %s (%s) does "
          "not have", la_op_name (bf16_ops[i]), la_backend_get_name (backend),
          la_backend_get_description (backend));
      return FALSE;
    }
  return TRUE;
}

LaDit *
la_dit_new_with_weights (LaBackend * backend, const LaDitConfig * cfg,
    LaCheckpoint * ck, LaCheckpoint * lora, LaDitWeights weights,
    GError ** error)
{
  return la_dit_new_with_compute (backend, cfg, ck, lora, weights,
      LA_DIT_COMPUTE_F32, error);
}

LaDit *
la_dit_new_with_compute (LaBackend * backend, const LaDitConfig * cfg,
    LaCheckpoint * ck, LaCheckpoint * lora, LaDitWeights weights,
    LaDitCompute compute, GError ** error)
{
  LaDit *dit;
  GPtrArray *pairs = NULL;
  gint i;

  g_return_val_if_fail (backend != NULL && cfg != NULL && ck != NULL, NULL);

  if (!check_weights (backend, weights, error)
      || !check_compute (backend, weights, compute, error))
    return NULL;
  dit = g_new0 (LaDit, 1);
  dit->backend = backend;
  dit->cfg = *cfg;
  dit->weights = weights;
  dit->compute = compute;
  dit->cdtype = la_dit_compute_dtype (compute);
  dit->tensors = g_ptr_array_new ();
  g_mutex_init (&dit->ws_lock);
  dit->blocks = g_new0 (LaDitBlock, cfg->num_layers);
  if (lora && !index_lora (dit, lora, &pairs, error))
    goto error;

  if (!load_top (dit, ck, error))
    goto error;
  for (i = 0; i < cfg->num_layers; i++)
    if (!load_block (dit, ck, i, error))
      goto error;
  if (!load_audio (dit, ck, error))
    goto error;
  if (cfg->enable_framepack && !load_frame_packer (dit, ck, error))
    goto error;
  if (pairs && !check_lora_used (dit, ck, pairs, error))
    goto error;
  g_clear_pointer (&dit->lora, g_hash_table_unref);
  dit->lora_ck = NULL;
  if (pairs)
    g_ptr_array_unref (pairs);
  return dit;

  /* ERRORS */
error:
  {
    if (pairs)
      g_ptr_array_unref (pairs);
    la_dit_free (dit);
    return NULL;
  }
}

guint
la_dit_get_n_lora_merged (LaDit * dit)
{
  return dit->n_lora_merged;
}

LaDitWeights
la_dit_get_weights (LaDit * dit)
{
  return dit->weights;
}

LaDitCompute
la_dit_get_compute (LaDit * dit)
{
  return dit->compute;
}

void
la_dit_free (LaDit * dit)
{
  guint i;

  if (!dit)
    return;
  la_dit_release_workspaces (dit);
  g_mutex_clear (&dit->ws_lock);
  for (i = dit->tensors->len; i > 0; i--)
    la_tensor_free (g_ptr_array_index (dit->tensors, i - 1));
  g_ptr_array_free (dit->tensors, TRUE);
  g_clear_pointer (&dit->lora, g_hash_table_unref);
  g_free (dit->blocks);
  g_free (dit->injectors);
  g_free (dit);
}

const LaDitConfig *
la_dit_get_config (LaDit * dit)
{
  return &dit->cfg;
}

void
la_dit_grid_positions (gint32 * pos, gint t0, gint n_frames, gint h, gint w)
{
  gint f, y, x;

  for (f = 0; f < n_frames; f++)
    for (y = 0; y < h; y++)
      for (x = 0; x < w; x++) {
        pos[0] = t0 + f;
        pos[1] = y;
        pos[2] = x;
        pos += 3;
      }
}
