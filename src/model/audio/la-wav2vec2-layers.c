/* liveavatar: the wav2vec2 audio encoder's layers
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* LayerNorm, Linear, the feature extractor's conv layer, the positional
 * conv embedding and the pre-LN encoder layer of transformers'
 * modeling_wav2vec2.py, loaded by their checkpoint names and run with the
 * op layer. Dropouts are identity (inference). */

#include "config.h"

#include "la-wav2vec2-private.h"
#include "liveavatar.h"

#include <math.h>
#include <stdarg.h>

/* nn.LayerNorm's default, which Wav2Vec2LayerNormConvLayer keeps (it does
 * not pass config.layer_norm_eps) */
#define CONV_LAYER_NORM_EPS 1e-5

/* ---- weights ---- */

LaTensor *
la_w2v_upload (LaW2vLoader * ld, gint ndim, const gint64 * shape,
    const gfloat * data, GError ** error)
{
  LaTensor *t = la_tensor_new (ld->backend, LA_DTYPE_F32, ndim, shape,
      error);

  if (t && !la_tensor_set_f32 (t, data, la_tensor_nelements (t), error))
    g_clear_pointer (&t, la_tensor_free);
  if (t)
    g_ptr_array_add (ld->tensors, t);
  return t;
}

LaTensor *
la_w2v_load (LaW2vLoader * ld, gint ndim, const gint64 * shape,
    GError ** error, const gchar * format, ...)
{
  va_list args;
  gchar *rest, *name;
  gfloat *data;
  LaTensor *t = NULL;

  va_start (args, format);
  rest = g_strdup_vprintf (format, args);
  va_end (args);
  name = g_strconcat (ld->prefix, rest, NULL);
  data = la_checkpoint_read_f32 (ld->checkpoint, name, ndim, shape, error);
  if (data)
    t = la_w2v_upload (ld, ndim, shape, data, error);
  g_free (data);
  g_free (name);
  g_free (rest);
  return t;
}

LaTensor *
la_w2v_new_seq (LaBackend * backend, gint64 rows, gint64 cols, GError ** error)
{
  gint64 ne[2] = { rows, cols };

  return la_tensor_new (backend, LA_DTYPE_F32, 2, ne, error);
}

/* ---- nn.LayerNorm, nn.Linear ---- */

gboolean
la_w2v_load_layer_norm (LaW2vLoader * ld, LaW2vLayerNorm * norm,
    const gchar * prefix, gint dim, gdouble eps, GError ** error)
{
  gint64 shape[1] = { dim };

  norm->eps = (gfloat) eps;
  norm->weight = la_w2v_load (ld, 1, shape, error, "%sweight", prefix);
  norm->bias = norm->weight ? la_w2v_load (ld, 1, shape, error, "%sbias",
      prefix) : NULL;
  return norm->bias != NULL;
}

gboolean
la_w2v_load_linear (LaW2vLoader * ld, LaW2vLinear * linear,
    const gchar * prefix, gint in, gint out, GError ** error)
{
  gint64 wshape[2] = { out, in }, bshape[1] = { out };

  linear->weight = la_w2v_load (ld, 2, wshape, error, "%sweight", prefix);
  linear->bias = linear->weight ? la_w2v_load (ld, 1, bshape, error,
      "%sbias", prefix) : NULL;
  return linear->bias != NULL;
}

gboolean
la_w2v_layer_norm_forward (LaW2vLayerNorm * norm, LaTensor * y,
    const LaTensor * x, GError ** error)
{
  LaBackend *be = y->backend;

  /* the op normalises without affine; weight and bias broadcast over the
   * rows */
  return la_layer_norm_modulate (be, y, x, NULL, NULL, norm->eps, error)
      && la_mul (be, y, y, norm->weight, error)
      && la_add (be, y, y, norm->bias, error);
}

/* ---- Wav2Vec2LayerNormConvLayer ---- */

gboolean
la_w2v_load_conv_layer (LaW2vLoader * ld, LaW2vConvLayer * layer,
    const LaWav2Vec2Config * config, gint index, GError ** error)
{
  gint64 wshape[3], bshape[1];
  gchar *prefix;
  gboolean ok;

  layer->in = index > 0 ? config->conv_dim[index - 1] : 1;
  layer->out = config->conv_dim[index];
  layer->kernel = config->conv_kernel[index];
  layer->params.stride = config->conv_stride[index];
  layer->params.pad[0] = layer->params.pad[1] = 0;
  layer->params.groups = 1;
  wshape[0] = layer->out;
  wshape[1] = layer->in;
  wshape[2] = layer->kernel;
  bshape[0] = layer->out;

  layer->weight = la_w2v_load (ld, 3, wshape, error,
      "feature_extractor.conv_layers.%d.conv.weight", index);
  if (!layer->weight)
    return FALSE;
  layer->bias = NULL;
  if (config->conv_bias) {
    layer->bias = la_w2v_load (ld, 1, bshape, error,
        "feature_extractor.conv_layers.%d.conv.bias", index);
    if (!layer->bias)
      return FALSE;
  }
  prefix = g_strdup_printf ("feature_extractor.conv_layers.%d.layer_norm.",
      index);
  ok = la_w2v_load_layer_norm (ld, &layer->layer_norm, prefix, layer->out,
      CONV_LAYER_NORM_EPS, error);
  g_free (prefix);
  return ok;
}

LaTensor *
la_w2v_conv_layer_forward (LaW2vConvLayer * layer, const LaTensor * x,
    GError ** error)
{
  gint64 lo = (x->ne[0] - layer->kernel) / layer->params.stride + 1;
  LaTensor *y = la_w2v_new_seq (x->backend, lo, layer->out, error);

  /* conv over time, then the LayerNorm over channels (HF transposes to
   * [T, C] for it; here the sequence is [T, C] already), then GELU */
  if (!y)
    return NULL;
  if (!la_conv1d (y->backend, y, x, layer->weight, layer->bias,
          &layer->params, error)
      || !la_w2v_layer_norm_forward (&layer->layer_norm, y, y, error)
      || !la_gelu_erf (y->backend, y, y, error))
    g_clear_pointer (&y, la_tensor_free);
  return y;
}

/* ---- Wav2Vec2PositionalConvEmbedding ---- */

/* weight_norm (conv, name="weight", dim=2): w = g * v / ||v||, the norm of
 * each kernel tap k over all output and input channels; g is [1, 1, K] */
static gfloat *
weight_norm (const gfloat * g, const gfloat * v, gint64 rows, gint kernel,
    GError ** error)
{
  gfloat *w = g_new (gfloat, rows * kernel);
  gint64 r;
  gint k;

  for (k = 0; k < kernel; k++) {
    gdouble sum = 0.0;
    gfloat scale;

    for (r = 0; r < rows; r++)
      sum += (gdouble) v[r * kernel + k] * v[r * kernel + k];
    if (!(sum > 0.0) || !isfinite (sum)) {
      g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
          "wav2vec2: the positional conv's weight_v has a zero or "
          "non-finite norm at tap %d", k);
      g_free (w);
      return NULL;
    }
    /* PyTorch's _weight_norm: v * (g / norm) */
    scale = (gfloat) (g[k] / sqrt (sum));
    for (r = 0; r < rows; r++)
      w[r * kernel + k] = v[r * kernel + k] * scale;
  }
  return w;
}

gboolean
la_w2v_load_pos_conv (LaW2vLoader * ld, LaW2vPosConv * pos,
    const LaWav2Vec2Config * config, GError ** error)
{
  static const gchar *const names[][2] = {
    /* torch.nn.utils.parametrizations.weight_norm (newer files) */
    {"encoder.pos_conv_embed.conv.parametrizations.weight.original0",
        "encoder.pos_conv_embed.conv.parametrizations.weight.original1"},
    /* torch.nn.utils.weight_norm (the files of 2021) */
    {"encoder.pos_conv_embed.conv.weight_g",
        "encoder.pos_conv_embed.conv.weight_v"},
  };
  gint hidden = config->hidden_size, kernel = config->num_conv_pos_embeddings;
  gint groups = config->num_conv_pos_embedding_groups;
  gint64 wshape[3] = { hidden, hidden / groups, kernel };
  gint64 gshape[3] = { 1, 1, kernel }, bshape[1] = { hidden };
  gfloat *g = NULL, *v = NULL, *w = NULL;
  gchar *g_name = NULL, *v_name = NULL;
  guint i;

  pos->params.stride = 1;
  pos->params.groups = groups;
  pos->params.pad[0] = kernel / 2;
  /* padding K / 2 on both sides gives T + 1 frames for an even K, and
   * Wav2Vec2SamePadLayer drops the last one: the same as one frame less
   * of padding after */
  pos->params.pad[1] = kernel / 2 - (kernel % 2 == 0 ? 1 : 0);

  for (i = 0; i < G_N_ELEMENTS (names) && !w; i++) {
    g_name = g_strconcat (ld->prefix, names[i][0], NULL);
    v_name = g_strconcat (ld->prefix, names[i][1], NULL);
    if (la_checkpoint_lookup (ld->checkpoint, g_name)) {
      g = la_checkpoint_read_f32 (ld->checkpoint, g_name, 3, gshape, error);
      v = g ? la_checkpoint_read_f32 (ld->checkpoint, v_name, 3, wshape,
          error) : NULL;
      if (!v)
        goto failed;
      w = weight_norm (g, v, wshape[0] * wshape[1], kernel, error);
      if (!w)
        goto failed;
    }
    g_clear_pointer (&g_name, g_free);
    g_clear_pointer (&v_name, g_free);
  }
  if (w) {
    pos->weight = la_w2v_upload (ld, 3, wshape, w, error);
  } else {
    /* weight norm already folded in (or neither form present: this names
     * the plain weight as missing) */
    pos->weight = la_w2v_load (ld, 3, wshape, error,
        "encoder.pos_conv_embed.conv.weight");
  }
  g_free (g);
  g_free (v);
  g_free (w);
  if (!pos->weight)
    return FALSE;
  pos->bias = la_w2v_load (ld, 1, bshape, error,
      "encoder.pos_conv_embed.conv.bias");
  return pos->bias != NULL;

  /* ERRORS */
failed:
  {
    g_free (g_name);
    g_free (v_name);
    g_free (g);
    g_free (v);
    return FALSE;
  }
}

gboolean
la_w2v_pos_conv_add (LaW2vPosConv * pos, LaTensor * x, GError ** error)
{
  LaBackend *be = x->backend;
  LaTensor *p = la_w2v_new_seq (be, x->ne[0], x->ne[1], error);
  gboolean ok;

  /* p [T, H] (the trimmed frame never computed) */
  ok = p && la_conv1d (be, p, x, pos->weight, pos->bias, &pos->params, error)
      && la_gelu_erf (be, p, p, error) && la_add (be, x, x, p, error);
  if (p)
    la_tensor_free (p);
  return ok;
}

/* ---- Wav2Vec2EncoderLayerStableLayerNorm ---- */

gboolean
la_w2v_load_encoder_layer (LaW2vLoader * ld, LaW2vEncoderLayer * layer,
    const LaWav2Vec2Config * config, gint index, GError ** error)
{
  gint h = config->hidden_size, ffn = config->intermediate_size;
  gdouble eps = config->layer_norm_eps;
  gchar *p = g_strdup_printf ("encoder.layers.%d.", index);
  gchar *n[7];
  gboolean ok;
  guint i;

  n[0] = g_strconcat (p, "layer_norm.", NULL);
  n[1] = g_strconcat (p, "attention.q_proj.", NULL);
  n[2] = g_strconcat (p, "attention.k_proj.", NULL);
  n[3] = g_strconcat (p, "attention.v_proj.", NULL);
  n[4] = g_strconcat (p, "attention.out_proj.", NULL);
  n[5] = g_strconcat (p, "final_layer_norm.", NULL);
  n[6] = g_strconcat (p, "feed_forward.", NULL);

  layer->heads = config->num_attention_heads;
  ok = la_w2v_load_layer_norm (ld, &layer->layer_norm, n[0], h, eps, error)
      && la_w2v_load_linear (ld, &layer->q_proj, n[1], h, h, error)
      && la_w2v_load_linear (ld, &layer->k_proj, n[2], h, h, error)
      && la_w2v_load_linear (ld, &layer->v_proj, n[3], h, h, error)
      && la_w2v_load_linear (ld, &layer->out_proj, n[4], h, h, error)
      && la_w2v_load_layer_norm (ld, &layer->final_layer_norm, n[5], h, eps,
      error);
  if (ok) {
    gchar *dense = g_strconcat (n[6], "intermediate_dense.", NULL);
    gchar *out = g_strconcat (n[6], "output_dense.", NULL);

    ok = la_w2v_load_linear (ld, &layer->intermediate_dense, dense, h, ffn,
        error)
        && la_w2v_load_linear (ld, &layer->output_dense, out, ffn, h, error);
    g_free (dense);
    g_free (out);
  }
  for (i = 0; i < G_N_ELEMENTS (n); i++)
    g_free (n[i]);
  g_free (p);
  return ok;
}

gboolean
la_w2v_encoder_layer_forward (LaW2vEncoderLayer * layer, LaTensor * y,
    const LaTensor * x, GError ** error)
{
  LaBackend *be = x->backend;
  gint64 t = x->ne[0], h = x->ne[1];
  gint64 ffn = layer->intermediate_dense.bias->ne[0];
  gint64 heads_ne[3] = { t, layer->heads, h / layer->heads };
  LaTensor *a = NULL, *q = NULL, *k = NULL, *v = NULL, *o = NULL, *r = NULL;
  LaTensor *f = NULL, *q3 = NULL, *k3 = NULL, *v3 = NULL, *o3 = NULL;
  gboolean ok = FALSE;

  if (!(a = la_w2v_new_seq (be, t, h, error))
      || !(q = la_w2v_new_seq (be, t, h, error))
      || !(k = la_w2v_new_seq (be, t, h, error))
      || !(v = la_w2v_new_seq (be, t, h, error))
      || !(o = la_w2v_new_seq (be, t, h, error))
      || !(r = la_w2v_new_seq (be, t, h, error))
      || !(f = la_w2v_new_seq (be, t, ffn, error)))
    goto done;
  /* [T, H] seen as [T, heads, head_dim]: head n is columns
   * [n * head_dim, (n + 1) * head_dim), as HF's view () */
  if (!(q3 = la_tensor_new_view (q, 0, 3, heads_ne, error))
      || !(k3 = la_tensor_new_view (k, 0, 3, heads_ne, error))
      || !(v3 = la_tensor_new_view (v, 0, 3, heads_ne, error))
      || !(o3 = la_tensor_new_view (o, 0, 3, heads_ne, error)))
    goto done;

  /* attention: HF scales q by head_dim^-0.5 before q k^T; the op scales
   * the scores by the same 1 / sqrt (head_dim) */
  if (!la_w2v_layer_norm_forward (&layer->layer_norm, a, x, error)
      || !la_linear (be, q, a, layer->q_proj.weight, layer->q_proj.bias, error)
      || !la_linear (be, k, a, layer->k_proj.weight, layer->k_proj.bias, error)
      || !la_linear (be, v, a, layer->v_proj.weight, layer->v_proj.bias, error)
      || !la_attention (be, o3, q3, k3, v3, 0.0f, error)
      || !la_linear (be, r, o, layer->out_proj.weight, layer->out_proj.bias,
          error)
      || !la_add (be, y, x, r, error))
    goto done;

  /* feed-forward on the attention's residual stream */
  if (!la_w2v_layer_norm_forward (&layer->final_layer_norm, a, y, error)
      || !la_linear (be, f, a, layer->intermediate_dense.weight,
          layer->intermediate_dense.bias, error)
      || !la_gelu_erf (be, f, f, error)
      || !la_linear (be, r, f, layer->output_dense.weight,
          layer->output_dense.bias, error)
      || !la_add (be, y, y, r, error))
    goto done;
  ok = TRUE;

done:
  /* views before what they view */
  g_clear_pointer (&q3, la_tensor_free);
  g_clear_pointer (&k3, la_tensor_free);
  g_clear_pointer (&v3, la_tensor_free);
  g_clear_pointer (&o3, la_tensor_free);
  g_clear_pointer (&a, la_tensor_free);
  g_clear_pointer (&q, la_tensor_free);
  g_clear_pointer (&k, la_tensor_free);
  g_clear_pointer (&v, la_tensor_free);
  g_clear_pointer (&o, la_tensor_free);
  g_clear_pointer (&r, la_tensor_free);
  g_clear_pointer (&f, la_tensor_free);
  return ok;
}
