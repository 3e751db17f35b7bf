/* liveavatar: the wav2vec2 audio encoder
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Wav2Vec2Model.forward with output_hidden_states=True (the stable layer
 * norm variant), the processor's normalisation, and the loading of the
 * folder Wan ships. */

#include "config.h"

#include "la-wav2vec2-private.h"
#include "liveavatar.h"

#include <math.h>

/* Wav2Vec2ForCTC keeps the model under this prefix (next to lm_head.) */
#define CTC_PREFIX "wav2vec2."

struct _LaWav2Vec2
{
  LaBackend *backend;
  LaWav2Vec2Config config;
  GPtrArray *tensors;           /* every weight */
  LaW2vConvLayer *conv_layers;  /* feature_extractor.conv_layers */
  /* feature_projection */
  LaW2vLayerNorm projection_norm;       /* layer_norm over conv_dim[-1] */
  LaW2vLinear projection;       /* conv_dim[-1] -> hidden_size */
  /* encoder */
  LaW2vPosConv pos_conv;        /* pos_conv_embed */
  LaW2vEncoderLayer *layers;
  LaW2vLayerNorm final_norm;    /* encoder.layer_norm */
};

static void
free_tensors (GPtrArray * tensors)
{
  guint i;

  for (i = tensors->len; i > 0; i--)
    la_tensor_free (g_ptr_array_index (tensors, i - 1));
  g_ptr_array_free (tensors, TRUE);
}

void
la_wav2vec2_free (LaWav2Vec2 * model)
{
  if (!model)
    return;
  free_tensors (model->tensors);
  g_free (model->conv_layers);
  g_free (model->layers);
  g_free (model);
}

LaWav2Vec2 *
la_wav2vec2_new_from_checkpoint (LaBackend * backend,
    const LaWav2Vec2Config * config, LaCheckpoint * checkpoint, GError ** error)
{
  LaWav2Vec2 *m;
  LaW2vLoader ld;
  const LaWav2Vec2Config *c;
  gchar *probe;
  gint i;

  if (!la_wav2vec2_config_validate (config, error))
    return NULL;

  m = g_new0 (LaWav2Vec2, 1);
  m->backend = backend;
  m->config = *config;
  m->tensors = g_ptr_array_new ();
  m->conv_layers = g_new0 (LaW2vConvLayer, config->n_conv_layers);
  m->layers = g_new0 (LaW2vEncoderLayer, config->num_hidden_layers);
  c = &m->config;

  /* a Wav2Vec2ForCTC checkpoint (the one Wan ships) prefixes every name */
  probe = g_strconcat (CTC_PREFIX, "feature_projection.projection.weight",
      NULL);
  ld.backend = backend;
  ld.checkpoint = checkpoint;
  ld.prefix = la_checkpoint_lookup (checkpoint, probe) ? CTC_PREFIX : "";
  ld.tensors = m->tensors;
  g_free (probe);

  for (i = 0; i < c->n_conv_layers; i++)
    if (!la_w2v_load_conv_layer (&ld, &m->conv_layers[i], c, i, error))
      goto failed;
  if (!la_w2v_load_layer_norm (&ld, &m->projection_norm,
          "feature_projection.layer_norm.",
          c->conv_dim[c->n_conv_layers - 1], c->layer_norm_eps, error)
      || !la_w2v_load_linear (&ld, &m->projection,
          "feature_projection.projection.",
          c->conv_dim[c->n_conv_layers - 1], c->hidden_size, error)
      || !la_w2v_load_pos_conv (&ld, &m->pos_conv, c, error))
    goto failed;
  for (i = 0; i < c->num_hidden_layers; i++)
    if (!la_w2v_load_encoder_layer (&ld, &m->layers[i], c, i, error))
      goto failed;
  if (!la_w2v_load_layer_norm (&ld, &m->final_norm, "encoder.layer_norm.",
          c->hidden_size, c->layer_norm_eps, error))
    goto failed;
  return m;

  /* ERRORS */
failed:
  {
    la_wav2vec2_free (m);
    return NULL;
  }
}

/* model.safetensors (or its sharded index), else pytorch_model.bin */
static gchar *
find_weights (const gchar * dir, GError ** error)
{
  static const gchar *const names[] = {
    "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    gchar *path = g_build_filename (dir, names[i], NULL);

    if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
      return path;
    g_free (path);
  }
  g_set_error (error, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND,
      "wav2vec2: %s has no model.safetensors, "
      "model.safetensors.index.json or pytorch_model.bin", dir);
  return NULL;
}

LaWav2Vec2 *
la_wav2vec2_new (LaBackend * backend, const gchar * dir, GError ** error)
{
  LaWav2Vec2Config config;
  LaCheckpoint *ck;
  LaWav2Vec2 *m;
  gchar *path;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR)) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND,
        "wav2vec2: %s is not a folder", dir);
    return NULL;
  }
  if (!la_wav2vec2_config_load (&config, dir, error))
    return NULL;
  path = find_weights (dir, error);
  if (!path)
    return NULL;
  ck = la_checkpoint_open (path, error);
  g_free (path);
  if (!ck)
    return NULL;
  m = la_wav2vec2_new_from_checkpoint (backend, &config, ck, error);
  la_checkpoint_free (ck);
  return m;
}

const LaWav2Vec2Config *
la_wav2vec2_get_config (LaWav2Vec2 * model)
{
  return &model->config;
}

LaBackend *
la_wav2vec2_get_backend (LaWav2Vec2 * model)
{
  return model->backend;
}

void
la_wav2vec2_normalize (gfloat * dst, const gfloat * src, gsize n)
{
  gdouble mean = 0.0, var = 0.0, inv;
  gsize i;

  if (n == 0)
    return;
  for (i = 0; i < n; i++)
    mean += src[i];
  mean /= (gdouble) n;
  for (i = 0; i < n; i++)
    var += (src[i] - mean) * (src[i] - mean);
  var /= (gdouble) n;
  inv = 1.0 / sqrt (var + LA_WAV2VEC2_NORMALIZE_EPS);
  for (i = 0; i < n; i++)
    dst[i] = (gfloat) ((src[i] - mean) * inv);
}

/* hidden state @index of @hidden [S, T, H], a view */
static LaTensor *
state_view (LaTensor * hidden, gint64 index, GError ** error)
{
  gint64 ne[2] = { hidden->ne[1], hidden->ne[2] };

  return la_tensor_new_view (hidden, index * ne[0] * ne[1], 2, ne, error);
}

/* Wav2Vec2FeatureEncoder then Wav2Vec2FeatureProjection:
 * input [N] -> @h [T, H] */
static gboolean
embed (LaWav2Vec2 * m, LaTensor * h, const LaTensor * input, GError ** error)
{
  gint64 ne[2] = { input->ne[0], 1 };
  LaTensor *x, *y;
  gint i;

  /* x [N, 1]: one input channel */
  x = la_tensor_new_view ((LaTensor *) input, 0, 2, ne, error);
  for (i = 0; x && i < m->config.n_conv_layers; i++) {
    /* [L_i, conv_dim[i]] */
    y = la_w2v_conv_layer_forward (&m->conv_layers[i], x, error);
    la_tensor_free (x);
    x = y;
  }
  if (!x)
    return FALSE;
  /* x [T, conv_dim[-1]] (extract_features); the LayerNorm in place, then
   * the projection into h */
  if (!la_w2v_layer_norm_forward (&m->projection_norm, x, x, error)
      || !la_linear (m->backend, h, x, m->projection.weight,
          m->projection.bias, error)) {
    la_tensor_free (x);
    return FALSE;
  }
  la_tensor_free (x);
  return TRUE;
}

gboolean
la_wav2vec2_forward (LaWav2Vec2 * m, LaTensor * hidden,
    const LaTensor * input, GError ** error)
{
  const LaWav2Vec2Config *c = &m->config;
  gint n_states = la_wav2vec2_n_hidden_states (c);
  LaTensor *cur = NULL, *next = NULL;
  gint64 t;
  gint i;
  gboolean ok = FALSE;

  if (!input || !hidden || input->dtype != LA_DTYPE_F32
      || hidden->dtype != LA_DTYPE_F32 || input->n_dims != 1)
    goto bad_args;
  t = la_wav2vec2_n_frames (c, input->ne[0]);
  if (t < 1)
    goto too_short;
  if (hidden->n_dims != 3 || hidden->ne[0] != n_states || hidden->ne[1] != t
      || hidden->ne[2] != c->hidden_size)
    goto bad_args;

  /* hidden_states[0]: projected features + positional conv (the stable
   * variant has no LayerNorm before the layers) */
  cur = state_view (hidden, 0, error);
  if (!cur || !embed (m, cur, input, error)
      || !la_w2v_pos_conv_add (&m->pos_conv, cur, error))
    goto done;

  /* hidden_states[i + 1]: layer i's output; the last one after the
   * encoder's final LayerNorm (HF appends the state after it) */
  for (i = 0; i < c->num_hidden_layers; i++) {
    next = state_view (hidden, i + 1, error);
    if (!next || !la_w2v_encoder_layer_forward (&m->layers[i], next, cur,
            error))
      goto done;
    g_clear_pointer (&cur, la_tensor_free);
    cur = next;
    next = NULL;
  }
  if (!la_w2v_layer_norm_forward (&m->final_norm, cur, cur, error))
    goto done;
  ok = TRUE;

done:
  g_clear_pointer (&cur, la_tensor_free);
  g_clear_pointer (&next, la_tensor_free);
  return ok;

  /* ERRORS */
bad_args:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "wav2vec2: input must be f32 [N] and hidden states f32 [%d, T, %d] "
        "with T = the input's frame count", n_states, c->hidden_size);
    return FALSE;
  }
too_short:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "wav2vec2: %" G_GINT64_FORMAT " samples are too few for one frame",
        input->ne[0]);
    return FALSE;
  }
}

gboolean
la_wav2vec2_encode (LaWav2Vec2 * m, const gfloat * pcm, gsize n,
    gfloat * hidden_states, GError ** error)
{
  const LaWav2Vec2Config *c = &m->config;
  gint64 t = la_wav2vec2_n_frames (c, (gint64) n);
  gint64 in_ne[1] = { (gint64) n };
  gint64 out_ne[3] = { la_wav2vec2_n_hidden_states (c), t, c->hidden_size };
  LaTensor *input = NULL, *hidden = NULL;
  gfloat *normed = NULL;
  gboolean ok = FALSE;

  if (t < 1) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "wav2vec2: %" G_GSIZE_FORMAT " samples are too few for one frame", n);
    return FALSE;
  }
  if (c->do_normalize) {
    normed = g_new (gfloat, n);
    la_wav2vec2_normalize (normed, pcm, n);
    pcm = normed;
  }
  input = la_tensor_new (m->backend, LA_DTYPE_F32, 1, in_ne, error);
  hidden = input ? la_tensor_new (m->backend, LA_DTYPE_F32, 3, out_ne,
      error) : NULL;
  ok = hidden && la_tensor_set_f32 (input, pcm, n, error)
      && la_wav2vec2_forward (m, hidden, input, error)
      && la_tensor_get_f32 (hidden, hidden_states,
      la_tensor_nelements (hidden), error);
  g_clear_pointer (&hidden, la_tensor_free);
  g_clear_pointer (&input, la_tensor_free);
  g_free (normed);
  return ok;
}
