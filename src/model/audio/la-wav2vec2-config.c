/* liveavatar: the wav2vec2 audio encoder's configuration
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Wav2Vec2Config as config.json spells it, with transformers' defaults for
 * absent keys, and the variant checks: this code implements the
 * layer-norm feature extractor and the stable-layer-norm encoder
 * (wav2vec2-large-xlsr-53-english), nothing else. */

#include "config.h"

#include "la-config.h"
#include "la-wav2vec2.h"
#include "liveavatar.h"

#include <string.h>

/* generous bounds: they keep every size product far from overflowing */
#define MAX_WIDTH 65536
#define MAX_LAYERS 1024
#define MAX_KERNEL 4096

/* Wav2Vec2Config's defaults (transformers 4.51) */
static const gint default_conv_dim[] = { 512, 512, 512, 512, 512, 512, 512 };
static const gint default_conv_kernel[] = { 10, 3, 3, 3, 3, 2, 2 };
static const gint default_conv_stride[] = { 5, 2, 2, 2, 2, 2, 2 };

static void
set_defaults (LaWav2Vec2Config * c)
{
  guint i;

  memset (c, 0, sizeof (*c));
  c->n_conv_layers = G_N_ELEMENTS (default_conv_dim);
  for (i = 0; i < G_N_ELEMENTS (default_conv_dim); i++) {
    c->conv_dim[i] = default_conv_dim[i];
    c->conv_kernel[i] = default_conv_kernel[i];
    c->conv_stride[i] = default_conv_stride[i];
  }
  c->conv_bias = FALSE;
  c->hidden_size = 768;
  c->num_hidden_layers = 12;
  c->num_attention_heads = 12;
  c->intermediate_size = 3072;
  c->num_conv_pos_embeddings = 128;
  c->num_conv_pos_embedding_groups = 16;
  c->layer_norm_eps = 1e-5;
  c->do_normalize = TRUE;
}

static gboolean
get_int (LaConfig * cfg, const gchar * key, gint * value, GError ** error)
{
  gint64 v;

  if (!la_config_get_int (cfg, key, *value, &v, error))
    return FALSE;
  if (v < G_MININT || v > G_MAXINT) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "wav2vec2 config: %s = %" G_GINT64_FORMAT " is out of range", key, v);
    return FALSE;
  }
  *value = (gint) v;
  return TRUE;
}

/* conv_dim, conv_kernel, conv_stride: absent keeps the default; present
 * they must agree on a length */
static gboolean
get_conv_array (LaConfig * cfg, const gchar * key, gint * values, gint * n,
    GError ** error)
{
  gint64 *v = NULL;
  guint len = 0, i;

  if (!la_config_get_int_array (cfg, key, &v, &len, error))
    return FALSE;
  if (!v)
    return TRUE;
  if (len < 1 || len > LA_WAV2VEC2_MAX_CONV_LAYERS) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "wav2vec2 config: %s has %u entries (1 to %d)", key, len,
        LA_WAV2VEC2_MAX_CONV_LAYERS);
    g_free (v);
    return FALSE;
  }
  for (i = 0; i < len; i++) {
    if (v[i] < 1 || v[i] > MAX_WIDTH) {
      g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
          "wav2vec2 config: %s[%u] = %" G_GINT64_FORMAT " is out of range",
          key, i, v[i]);
      g_free (v);
      return FALSE;
    }
    values[i] = (gint) v[i];
  }
  *n = (gint) len;
  g_free (v);
  return TRUE;
}

/* a string key that must equal @want (absent: @dflt) */
static gboolean
check_string (LaConfig * cfg, const gchar * key, const gchar * dflt,
    const gchar * want, GError ** error)
{
  gchar *v = NULL;
  gboolean ok;

  if (!la_config_get_string (cfg, key, dflt, &v, error))
    return FALSE;
  ok = g_strcmp0 (v, want) == 0;
  if (!ok)
    g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
        "wav2vec2 config: %s \"%s\" is not supported (only \"%s\")", key,
        v ? v : "", want);
  g_free (v);
  return ok;
}

static gboolean
check_flag (LaConfig * cfg, const gchar * key, gboolean dflt, gboolean want,
    const gchar * why, GError ** error)
{
  gboolean v;

  if (!la_config_get_bool (cfg, key, dflt, &v, error))
    return FALSE;
  if (v != want) {
    g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
        "wav2vec2 config: %s = %s is not supported (%s)", key,
        v ? "true" : "false", why);
    return FALSE;
  }
  return TRUE;
}

static gboolean
read_model_config (LaWav2Vec2Config * c, LaConfig * cfg, GError ** error)
{
  gint n_dim = c->n_conv_layers, n_kernel = c->n_conv_layers;
  gint n_stride = c->n_conv_layers;
  gdouble eps = c->layer_norm_eps;

  if (!check_string (cfg, "model_type", "wav2vec2", "wav2vec2", error)
      || !check_string (cfg, "feat_extract_norm", "group", "layer", error)
      || !check_flag (cfg, "do_stable_layer_norm", FALSE, TRUE,
          "only the pre-LN encoder", error)
      || !check_string (cfg, "feat_extract_activation", "gelu", "gelu", error)
      || !check_string (cfg, "hidden_act", "gelu", "gelu", error)
      || !check_flag (cfg, "add_adapter", FALSE, FALSE, "no adapter", error)
      || !la_config_get_bool (cfg, "conv_bias", c->conv_bias, &c->conv_bias,
          error)
      || !get_conv_array (cfg, "conv_dim", c->conv_dim, &n_dim, error)
      || !get_conv_array (cfg, "conv_kernel", c->conv_kernel, &n_kernel, error)
      || !get_conv_array (cfg, "conv_stride", c->conv_stride, &n_stride, error)
      || !get_int (cfg, "hidden_size", &c->hidden_size, error)
      || !get_int (cfg, "num_hidden_layers", &c->num_hidden_layers, error)
      || !get_int (cfg, "num_attention_heads", &c->num_attention_heads, error)
      || !get_int (cfg, "intermediate_size", &c->intermediate_size, error)
      || !get_int (cfg, "num_conv_pos_embeddings",
          &c->num_conv_pos_embeddings, error)
      || !get_int (cfg, "num_conv_pos_embedding_groups",
          &c->num_conv_pos_embedding_groups, error)
      || !la_config_get_double (cfg, "layer_norm_eps", eps, &eps, error))
    return FALSE;
  if (n_dim != n_kernel || n_dim != n_stride) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "wav2vec2 config: conv_dim, conv_kernel and conv_stride have %d, %d "
        "and %d entries", n_dim, n_kernel, n_stride);
    return FALSE;
  }
  c->n_conv_layers = n_dim;
  c->layer_norm_eps = eps;
  return TRUE;
}

static gboolean
read_processor_config (LaWav2Vec2Config * c, LaConfig * cfg, GError ** error)
{
  gint rate = LA_WAV2VEC2_SAMPLE_RATE, size = 1;

  if (!get_int (cfg, "sampling_rate", &rate, error)
      || !get_int (cfg, "feature_size", &size, error)
      || !la_config_get_bool (cfg, "do_normalize", c->do_normalize,
          &c->do_normalize, error))
    return FALSE;
  if (rate != LA_WAV2VEC2_SAMPLE_RATE || size != 1) {
    g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
        "wav2vec2 processor: %d Hz with %d features per sample; only %d Hz "
        "mono is supported", rate, size, LA_WAV2VEC2_SAMPLE_RATE);
    return FALSE;
  }
  return TRUE;
}

gboolean
la_wav2vec2_config_validate (const LaWav2Vec2Config * c, GError ** error)
{
  gint i;

  if (c->n_conv_layers < 1 || c->n_conv_layers > LA_WAV2VEC2_MAX_CONV_LAYERS)
    goto invalid;
  for (i = 0; i < c->n_conv_layers; i++)
    if (c->conv_dim[i] < 1 || c->conv_dim[i] > MAX_WIDTH
        || c->conv_kernel[i] < 1 || c->conv_kernel[i] > MAX_KERNEL
        || c->conv_stride[i] < 1 || c->conv_stride[i] > MAX_KERNEL)
      goto invalid;
  if (c->hidden_size < 1 || c->hidden_size > MAX_WIDTH
      || c->intermediate_size < 1 || c->intermediate_size > 4 * MAX_WIDTH
      || c->num_hidden_layers < 1 || c->num_hidden_layers > MAX_LAYERS
      || c->num_attention_heads < 1
      || c->num_conv_pos_embeddings < 1
      || c->num_conv_pos_embeddings > MAX_KERNEL
      || c->num_conv_pos_embedding_groups < 1
      || !(c->layer_norm_eps >= 0.0 && c->layer_norm_eps < 1.0))
    goto invalid;
  if (c->hidden_size % c->num_attention_heads != 0
      || c->hidden_size % c->num_conv_pos_embedding_groups != 0) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "wav2vec2 config: hidden_size %d does not split into %d heads and "
        "%d positional conv groups", c->hidden_size, c->num_attention_heads,
        c->num_conv_pos_embedding_groups);
    return FALSE;
  }
  return TRUE;

invalid:
  g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
      "wav2vec2 config: sizes out of range (%d conv layers, hidden %d, "
      "%d layers, %d heads, FFN %d, positional kernel %d in %d groups, "
      "eps %g)", c->n_conv_layers, c->hidden_size, c->num_hidden_layers,
      c->num_attention_heads, c->intermediate_size,
      c->num_conv_pos_embeddings, c->num_conv_pos_embedding_groups,
      c->layer_norm_eps);
  return FALSE;
}

gboolean
la_wav2vec2_config_load (LaWav2Vec2Config * config, const gchar * dir,
    GError ** error)
{
  LaWav2Vec2Config c;
  gchar *path = g_build_filename (dir, "config.json", NULL);
  LaConfig *cfg = la_config_load (path, error);
  gboolean ok;

  g_free (path);
  if (!cfg)
    return FALSE;
  set_defaults (&c);
  ok = read_model_config (&c, cfg, error);
  la_config_free (cfg);

  path = g_build_filename (dir, "preprocessor_config.json", NULL);
  if (ok && g_file_test (path, G_FILE_TEST_EXISTS)) {
    cfg = la_config_load (path, error);
    ok = cfg && read_processor_config (&c, cfg, error);
    if (cfg)
      la_config_free (cfg);
  }
  g_free (path);

  if (!ok || !la_wav2vec2_config_validate (&c, error))
    return FALSE;
  *config = c;
  return TRUE;
}

gint64
la_wav2vec2_n_frames (const LaWav2Vec2Config * config, gint64 n_samples)
{
  gint64 len = n_samples;
  gint i;

  for (i = 0; i < config->n_conv_layers; i++) {
    if (len < config->conv_kernel[i])
      return 0;
    len = (len - config->conv_kernel[i]) / config->conv_stride[i] + 1;
  }
  return len;
}

gint
la_wav2vec2_n_hidden_states (const LaWav2Vec2Config * config)
{
  return config->num_hidden_layers + 1;
}
