/* liveavatar: the S2V DiT's architecture, from its config.json
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "config.h"

#include "la-dit-config.h"
#include "liveavatar.h"

/* sizes beyond any real model: keeps products of them far from overflow */
#define MAX_SIZE (1 << 20)

gint
la_dit_config_head_dim (const LaDitConfig * cfg)
{
  return cfg->dim / cfg->num_heads;
}

static gboolean
get_size (LaConfig * json, const gchar * key, gint64 def, gint64 min,
    gint * out, GError ** error)
{
  gint64 v;

  if (!la_config_get_int (json, key, def, &v, error))
    return FALSE;
  if (v < min || v > MAX_SIZE) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "DiT config: %s = %" G_GINT64_FORMAT " is out of range [%"
        G_GINT64_FORMAT ", %d]", key, v, min, MAX_SIZE);
    return FALSE;
  }
  *out = (gint) v;
  return TRUE;
}

static gboolean
get_int_array (LaConfig * json, const gchar * key, gint * out, guint max_n,
    guint * n_out, gint64 lo, gint64 hi, GError ** error)
{
  gint64 *v = NULL;
  guint n = 0, i;

  if (!la_config_get_int_array (json, key, &v, &n, error))
    return FALSE;
  if (n > max_n)
    goto bad;
  for (i = 0; i < n; i++) {
    if (v[i] < lo || v[i] > hi)
      goto bad;
    out[i] = (gint) v[i];
  }
  *n_out = n;
  g_free (v);
  return TRUE;

  /* ERRORS */
bad:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "DiT config: %s has %u values or a value outside [%" G_GINT64_FORMAT
        ", %" G_GINT64_FORMAT "]", key, n, lo, hi);
    g_free (v);
    return FALSE;
  }
}

gboolean
la_dit_config_from_config (LaDitConfig * cfg, LaConfig * json, GError ** error)
{
  LaDitConfig c = { 0 };
  gint64 patch_default[3] = { 1, 2, 2 };
  guint n_patch = 0, i;
  gint head_dim;

  g_return_val_if_fail (cfg != NULL && json != NULL, FALSE);

  /* the sizes that define a checkpoint are required; the rest have
   * WanModel_S2V's defaults */
  if (!la_config_require (json, "dim", error)
      || !la_config_require (json, "ffn_dim", error)
      || !la_config_require (json, "num_heads", error)
      || !la_config_require (json, "num_layers", error)
      || !get_size (json, "dim", 0, 1, &c.dim, error)
      || !get_size (json, "ffn_dim", 0, 1, &c.ffn_dim, error)
      || !get_size (json, "num_heads", 0, 1, &c.num_heads, error)
      || !get_size (json, "num_layers", 0, 1, &c.num_layers, error)
      || !get_size (json, "in_dim", 16, 1, &c.in_dim, error)
      || !get_size (json, "out_dim", 16, 1, &c.out_dim, error)
      || !get_size (json, "text_dim", 4096, 1, &c.text_dim, error)
      || !get_size (json, "text_len", 512, 1, &c.text_len, error)
      || !get_size (json, "freq_dim", 256, 2, &c.freq_dim, error)
      || !get_size (json, "cond_dim", 0, 0, &c.cond_dim, error)
      || !get_size (json, "audio_dim", 5120, 1, &c.audio_dim, error)
      || !get_size (json, "num_audio_token", 4, 1, &c.num_audio_token, error)
      || !la_config_get_double (json, "eps", 1e-6, &c.eps, error)
      || !la_config_get_bool (json, "zero_timestep", FALSE, &c.zero_timestep,
          error)
      || !la_config_get_bool (json, "enable_adain", FALSE, &c.enable_adain,
          error)
      || !la_config_get_bool (json, "enable_framepack", FALSE,
          &c.enable_framepack, error)
      || !get_int_array (json, "patch_size", c.patch_size, 3, &n_patch, 1,
          64, error))
    return FALSE;

  if (n_patch == 0) {
    for (i = 0; i < 3; i++)
      c.patch_size[i] = (gint) patch_default[i];
  } else if (n_patch != 3) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "DiT config: patch_size has %u values, expected 3", n_patch);
    return FALSE;
  }

  if (la_config_has (json, "audio_inject_layers")) {
    if (!get_int_array (json, "audio_inject_layers", c.audio_inject_layers,
            LA_DIT_MAX_INJECT_LAYERS, &c.n_audio_inject_layers, 0,
            c.num_layers - 1, error))
      return FALSE;
  } else {
    /* the class default */
    static const gint def[] = { 0, 4, 8, 12, 16, 20, 24, 27 };

    for (i = 0; i < G_N_ELEMENTS (def); i++)
      if (def[i] < c.num_layers)
        c.audio_inject_layers[c.n_audio_inject_layers++] = def[i];
  }

  /* injector k serves the k-th listed layer (the source counts its
   * injectors in block order): the list must be increasing */
  for (i = 1; i < c.n_audio_inject_layers; i++)
    if (c.audio_inject_layers[i] <= c.audio_inject_layers[i - 1]) {
      g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
          "DiT config: audio_inject_layers must be increasing");
      return FALSE;
    }

  if (!(c.eps > 0.0 && c.eps < 1.0)) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "DiT config: eps = %g is out of range (0, 1)", c.eps);
    return FALSE;
  }
  if (c.freq_dim % 2 != 0) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "DiT config: freq_dim = %d must be even", c.freq_dim);
    return FALSE;
  }
  /* rotary parts of c - 2 (c / 3), c / 3, c / 3 pairs: all non-empty */
  head_dim = c.dim / c.num_heads;
  if (c.dim % c.num_heads != 0 || head_dim % 2 != 0 || head_dim < 6) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "DiT config: dim %d over %d heads must give an even head size "
        ">= 6", c.dim, c.num_heads);
    return FALSE;
  }

  *cfg = c;
  return TRUE;
}

gboolean
la_dit_config_load (LaDitConfig * cfg, const gchar * path, GError ** error)
{
  LaConfig *json;
  gboolean ok;

  json = la_config_load (path, error);
  if (!json)
    return FALSE;
  ok = la_dit_config_from_config (cfg, json, error);
  la_config_free (json);
  return ok;
}
