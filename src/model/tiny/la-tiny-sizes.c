/* liveavatar: the tiny model's sizes, and the published ones
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The official sizes come from where the engine keeps them:
 * la_memory_model_official () (la-memory-plan.c, which cites
 * Wan2.2-S2V-14B's config.json and Wan's vae2_1.py) for the DiT and the
 * VAE, la-memory-plan.h's LA_MEMORY_OFFICIAL_* for the encoders (umT5-xxl,
 * wav2vec2-large-xlsr-53-english) and the LoRA rank. */

#include "config.h"

#include "la-tiny-model.h"
#include "la-memory-plan.h"
#include "liveavatar.h"

#include <string.h>

void
la_tiny_sizes_init (LaTinySizes * s)
{
  static const gint inject[LA_TINY_DIT_N_INJECT] = { 0, 2, 3 };
  gint i;

  memset (s, 0, sizeof (*s));
  s->dit_dim = LA_TINY_DIT_DIM;
  s->dit_ffn_dim = LA_TINY_DIT_FFN_DIM;
  s->dit_num_heads = LA_TINY_DIT_NUM_HEADS;
  s->dit_num_layers = LA_TINY_DIT_NUM_LAYERS;
  s->dit_freq_dim = LA_TINY_DIT_FREQ_DIM;
  s->dit_text_len = LA_TINY_DIT_TEXT_LEN;
  s->dit_num_audio_token = LA_TINY_DIT_NUM_AUDIO_TOKEN;
  s->dit_n_inject = LA_TINY_DIT_N_INJECT;
  for (i = 0; i < LA_TINY_DIT_N_INJECT; i++)
    s->dit_inject_layers[i] = inject[i];
  s->vae_dim = LA_TINY_VAE_DIM;
  la_tiny_sizes_use_small_t5 (s);
  s->w2v_hidden = LA_TINY_W2V_HIDDEN;
  s->w2v_heads = LA_TINY_W2V_HEADS;
  s->w2v_intermediate = LA_TINY_W2V_INTERMEDIATE;
  s->w2v_layers = LA_TINY_W2V_LAYERS;
  s->w2v_conv_dim = LA_TINY_W2V_CONV_DIM;
  s->w2v_pos_kernel = LA_TINY_W2V_POS_KERNEL;
  s->w2v_pos_groups = LA_TINY_W2V_POS_GROUPS;
  s->lora_rank = LA_TINY_LORA_RANK;
}

void
la_tiny_sizes_use_small_t5 (LaTinySizes * s)
{
  s->t5_dim = LA_TINY_T5_DIM;
  s->t5_num_heads = LA_TINY_T5_NUM_HEADS;
  s->t5_dim_ffn = LA_TINY_T5_DIM_FFN;
  s->t5_num_layers = LA_TINY_T5_NUM_LAYERS;
  s->t5_num_buckets = LA_TINY_T5_NUM_BUCKETS;
  s->t5_vocab = 0;
}

void
la_tiny_sizes_init_official (LaTinySizes * s)
{
  LaMemoryModel m;
  const LaDitConfig *c = &m.dit;
  gint i;

  la_memory_model_official (&m);
  memset (s, 0, sizeof (*s));
  s->dit_dim = c->dim;
  s->dit_ffn_dim = c->ffn_dim;
  s->dit_num_heads = c->num_heads;
  s->dit_num_layers = c->num_layers;
  s->dit_freq_dim = c->freq_dim;
  s->dit_text_len = c->text_len;
  s->dit_num_audio_token = c->num_audio_token;
  s->dit_n_inject = MIN ((gint) c->n_audio_inject_layers, LA_TINY_MAX_INJECT);
  for (i = 0; i < s->dit_n_inject; i++)
    s->dit_inject_layers[i] = c->audio_inject_layers[i];
  s->vae_dim = m.vae_dim;

  s->t5_dim = c->text_dim;
  s->t5_num_heads = LA_MEMORY_OFFICIAL_T5_NUM_HEADS;
  s->t5_dim_ffn = LA_MEMORY_OFFICIAL_T5_DIM_FFN;
  s->t5_num_layers = LA_MEMORY_OFFICIAL_T5_NUM_LAYERS;
  s->t5_num_buckets = LA_MEMORY_OFFICIAL_T5_NUM_BUCKETS;
  s->t5_vocab = LA_MEMORY_OFFICIAL_T5_VOCAB;

  s->w2v_hidden = c->audio_dim;
  s->w2v_heads = LA_MEMORY_OFFICIAL_W2V_HEADS;
  s->w2v_intermediate = LA_MEMORY_OFFICIAL_W2V_INTERMEDIATE;
  s->w2v_layers = LA_MEMORY_OFFICIAL_W2V_LAYERS;
  s->w2v_conv_dim = LA_MEMORY_OFFICIAL_W2V_CONV_DIM;
  s->w2v_pos_kernel = LA_MEMORY_OFFICIAL_W2V_POS_KERNEL;
  s->w2v_pos_groups = LA_MEMORY_OFFICIAL_W2V_POS_GROUPS;
  s->lora_rank = LA_MEMORY_OFFICIAL_LORA_RANK;
  la_memory_model_clear (&m);
}

void
la_tiny_sizes_set_dit_layers (LaTinySizes * s, gint n_layers)
{
  gint i, n = 0;

  g_return_if_fail (n_layers > 0);

  s->dit_num_layers = n_layers;
  for (i = 0; i < s->dit_n_inject; i++)
    if (s->dit_inject_layers[i] < n_layers)
      s->dit_inject_layers[n++] = s->dit_inject_layers[i];
  if (n == 0)
    s->dit_inject_layers[n++] = 0;
  s->dit_n_inject = n;
}

static gboolean
bad (GError ** error, const gchar * what)
{
  g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
      "tiny model sizes: %s", what);
  return FALSE;
}

gboolean
la_tiny_sizes_check (const LaTinySizes * s, GError ** error)
{
  const gint positive[] = { s->dit_dim, s->dit_ffn_dim, s->dit_num_heads,
    s->dit_num_layers, s->dit_freq_dim, s->dit_text_len,
    s->dit_num_audio_token, s->dit_n_inject, s->vae_dim, s->t5_dim,
    s->t5_num_heads, s->t5_dim_ffn, s->t5_num_layers, s->t5_num_buckets,
    s->w2v_hidden, s->w2v_heads, s->w2v_intermediate, s->w2v_layers,
    s->w2v_conv_dim, s->w2v_pos_kernel, s->w2v_pos_groups, s->lora_rank
  };
  guint i;

  g_return_val_if_fail (s != NULL, FALSE);

  for (i = 0; i < G_N_ELEMENTS (positive); i++)
    if (positive[i] <= 0 || positive[i] > (1 << 20))
      return bad (error, "a size is not in [1, 1048576]");
  if (s->t5_vocab < 0 || s->t5_vocab > (1 << 24))
    return bad (error, "umT5 vocabulary not in [0, 16777216]");
  if (s->dit_dim % s->dit_num_heads != 0 || (s->dit_dim / s->dit_num_heads)
      % 2 != 0)
    return bad (error, "DiT heads do not cut dim into even widths");
  /* the audio encoder's convolutions narrow dim by 4 */
  if (s->dit_dim % 4 != 0)
    return bad (error, "DiT dim is not a multiple of 4");
  if (s->t5_dim % s->t5_num_heads != 0 || s->w2v_hidden % s->w2v_heads != 0
      || s->w2v_hidden % s->w2v_pos_groups != 0)
    return bad (error, "encoder heads or groups do not divide the width");
  if (s->dit_n_inject > LA_TINY_MAX_INJECT)
    return bad (error, "too many audio injectors");
  for (i = 0; i < (guint) s->dit_n_inject; i++)
    if (s->dit_inject_layers[i] < 0
        || s->dit_inject_layers[i] >= s->dit_num_layers
        || (i > 0 && s->dit_inject_layers[i] <= s->dit_inject_layers[i - 1]))
      return bad (error, "audio injector layers not ascending DiT blocks");
  return TRUE;
}
