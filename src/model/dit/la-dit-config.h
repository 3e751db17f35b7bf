/* liveavatar: the S2V DiT's architecture, from its config.json
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The keys are WanModel_S2V's constructor arguments as diffusers saves
 * them (wan/modules/s2v/model_s2v.py). diffusers leaves patch_size,
 * text_dim, qk_norm, cross_attn_norm and window_size out of the file
 * (ignore_for_config), so those take the class defaults unless present;
 * a tiny test model writes text_dim and patch_size, and they are honoured.
 * Wan2.2-S2V-14B: dim 5120, ffn_dim 13824, 40 heads, 40 layers, in/out 16,
 * text 4096 x 512, freq_dim 256, patch (1, 2, 2), eps 1e-6, cond_dim 16,
 * zero_timestep, audio injection after layers 0 4 8 ... 36 39.
 */

#ifndef __LA_DIT_CONFIG_H__
#define __LA_DIT_CONFIG_H__

#include <glib.h>

#include "la-config.h"

G_BEGIN_DECLS

#define LA_DIT_MAX_INJECT_LAYERS 64

typedef struct
{
  gint            dim;
  gint            ffn_dim;
  gint            num_heads;
  gint            num_layers;
  gint            in_dim;       /* latent channels into patch_embedding */
  gint            out_dim;      /* latent channels out of the head */
  gint            text_dim;
  gint            text_len;     /* context rows after zero padding */
  gint            freq_dim;     /* sinusoidal timestep embedding width */
  gint            patch_size[3];        /* t, h, w */
  gdouble         eps;
  gint            cond_dim;     /* pose latent channels; 0: no cond_encoder */
  gboolean        zero_timestep;        /* cond tokens modulated with t = 0 */
  /* read for the parts built on the core (audio injection, FramePack) */
  gint            audio_dim;
  gint            num_audio_token;
  gboolean        enable_adain;
  gboolean        enable_framepack;
  guint           n_audio_inject_layers;
  gint            audio_inject_layers[LA_DIT_MAX_INJECT_LAYERS];
} LaDitConfig;

/* dim / num_heads */
gint            la_dit_config_head_dim (const LaDitConfig * cfg);

/* Fills @cfg from a parsed config.json; checks that the numbers make an
 * architecture this code runs (LA_ERROR_MODEL_INVALID otherwise). */
gboolean        la_dit_config_from_config (LaDitConfig * cfg,
    LaConfig * json, GError ** error);
gboolean        la_dit_config_load (LaDitConfig * cfg, const gchar * path,
    GError ** error);

G_END_DECLS

#endif /* __LA_DIT_CONFIG_H__ */
