/* liveavatar: the tiny model's DiT (WanModel_S2V) and its config.json
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Names, shapes and order of WanModel_S2V's state dict
 * (wan/modules/s2v/model_s2v.py with Wan2.2-S2V-14B's config: cond_dim,
 * enable_adain with adain_mode attn_norm, framepack, no motioner): the
 * 1260 tensors of the official index at 40 layers and 12 injectors. */

#include "config.h"

#include "la-tiny-private.h"

#include <math.h>

#define Z 16                    /* in_dim = out_dim = cond_dim: VAE latents */

void
la_tiny_dit_config (const LaTinySizes * s, LaTinyJson * j)
{
  static const gint patch[3] = { 1, 2, 2 };

  la_tiny_json_set_string (j, "_class_name", "WanModel_S2V");
  la_tiny_json_set_string (j, "_diffusers_version", "0.34.0");
  la_tiny_json_set_string (j, "adain_mode", "attn_norm");
  la_tiny_json_set_bool (j, "add_last_motion", TRUE);
  la_tiny_json_set_int (j, "audio_dim", s->w2v_hidden);
  la_tiny_json_set_int_array (j, "audio_inject_layers",
      s->dit_inject_layers, s->dit_n_inject);
  la_tiny_json_set_int (j, "cond_dim", Z);
  la_tiny_json_set_int (j, "dim", s->dit_dim);
  la_tiny_json_set_bool (j, "enable_adain", TRUE);
  la_tiny_json_set_bool (j, "enable_framepack", TRUE);
  la_tiny_json_set_bool (j, "enable_motioner", FALSE);
  la_tiny_json_set_bool (j, "enable_tsm", FALSE);
  la_tiny_json_set_double (j, "eps", 1e-6);
  la_tiny_json_set_int (j, "ffn_dim", s->dit_ffn_dim);
  la_tiny_json_set_string (j, "framepack_drop_mode", "padd");
  la_tiny_json_set_int (j, "freq_dim", s->dit_freq_dim);
  la_tiny_json_set_int (j, "in_dim", Z);
  la_tiny_json_set_string (j, "model_type", "s2v");
  la_tiny_json_set_int (j, "motion_token_num", 1024);
  la_tiny_json_set_int (j, "num_audio_token", s->dit_num_audio_token);
  la_tiny_json_set_int (j, "num_heads", s->dit_num_heads);
  la_tiny_json_set_int (j, "num_layers", s->dit_num_layers);
  la_tiny_json_set_int (j, "out_dim", Z);
  la_tiny_json_set_int (j, "text_len", s->dit_text_len);
  la_tiny_json_set_bool (j, "trainable_token_pos_emb", FALSE);
  la_tiny_json_set_bool (j, "zero_init", TRUE);
  la_tiny_json_set_bool (j, "zero_timestep", TRUE);
  /* not in the official file (diffusers leaves constructor arguments in
   * ignore_for_config out): the official values are the class defaults,
   * the tiny model's text_dim is not, so both are written */
  la_tiny_json_set_int (j, "text_dim", s->t5_dim);
  la_tiny_json_set_int_array (j, "patch_size", patch, 3);
}

/* q, k, v, o and the q/k RMSNorm gains of an attention module */
static void
add_attention (GPtrArray * l, LaTinyRng * rng, gint64 dim, const gchar * prefix)
{
  static const gchar *const proj[] = { "q", "k", "v", "o" };
  static const gchar *const norm[] = { "norm_q", "norm_k" };
  gchar *name;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (proj); i++) {
    name = g_strdup_printf ("%s.%s", prefix, proj[i]);
    la_tiny_add_linear (l, rng, name, dim, dim);
    g_free (name);
  }
  for (i = 0; i < G_N_ELEMENTS (norm); i++) {
    name = g_strdup_printf ("%s.%s.weight", prefix, norm[i]);
    la_tiny_add_gain (l, rng, name, 1, &dim);
    g_free (name);
  }
}

static void
add_block (GPtrArray * l, LaTinyRng * rng, const LaTinySizes * s, gint i)
{
  gint64 dim = s->dit_dim, mod[3] = { 1, 6, dim };
  gchar *p = g_strdup_printf ("blocks.%d", i), *name;

  name = g_strdup_printf ("%s.self_attn", p);
  add_attention (l, rng, dim, name);
  g_free (name);
  name = g_strdup_printf ("%s.cross_attn", p);
  add_attention (l, rng, dim, name);
  g_free (name);
  name = g_strdup_printf ("%s.norm3", p);
  la_tiny_add_norm (l, rng, name, dim);
  g_free (name);
  name = g_strdup_printf ("%s.ffn.0", p);
  la_tiny_add_linear (l, rng, name, dim, s->dit_ffn_dim);
  g_free (name);
  name = g_strdup_printf ("%s.ffn.2", p);
  la_tiny_add_linear (l, rng, name, s->dit_ffn_dim, dim);
  g_free (name);
  /* Wan's init: randn / dim ** 0.5 */
  name = g_strdup_printf ("%s.modulation", p);
  la_tiny_add (l, rng, name, 3, mod, 0.0, 1.0 / sqrt (dim));
  g_free (name);
  g_free (p);
}

/* a Conv3d patchifier: @prefix.weight [dim, Z, kt, k, k], @prefix.bias */
static void
add_patchifier (GPtrArray * l, LaTinyRng * rng, gint64 dim,
    const gchar * prefix, gint64 kt, gint64 k)
{
  gint64 w[5] = { dim, Z, kt, k, k };

  la_tiny_add_layer (l, rng, prefix, 5, w);
}

/* a CausalConv1d of MotionEncoder_tc: kernel 3 */
static void
add_conv1d (GPtrArray * l, LaTinyRng * rng, const gchar * which, gint64 in,
    gint64 out)
{
  gint64 w[3] = { out, in, 3 };
  gchar *name = g_strdup_printf ("casual_audio_encoder.encoder.%s.conv", which);

  la_tiny_add_layer (l, rng, name, 3, w);
  g_free (name);
}

GPtrArray *
la_tiny_dit_tensors (const LaTinySizes * s, guint64 seed)
{
  GPtrArray *l = la_tiny_tensors_new ();
  LaTinyRng rng;
  gint64 dim = s->dit_dim, audio = s->w2v_hidden;
  gint64 n_token = s->dit_num_audio_token;
  gint64 mask[2] = { 3, dim }, head_mod[3] = { 1, 2, dim };
  gint64 fusion[4] = { 1, s->w2v_layers + 1, 1, 1 }, pad[4] = { 1, 1, 1, dim };
  gint i;

  la_tiny_rng_init (&rng, seed, 1);

  add_patchifier (l, &rng, dim, "patch_embedding", 1, 2);
  la_tiny_add_linear (l, &rng, "text_embedding.0", s->t5_dim, dim);
  la_tiny_add_linear (l, &rng, "text_embedding.2", dim, dim);
  la_tiny_add_linear (l, &rng, "time_embedding.0", s->dit_freq_dim, dim);
  la_tiny_add_linear (l, &rng, "time_embedding.2", dim, dim);
  la_tiny_add_linear (l, &rng, "time_projection.1", dim, 6 * dim);
  for (i = 0; i < s->dit_num_layers; i++)
    add_block (l, &rng, s, i);
  la_tiny_add_linear (l, &rng, "head.head", dim, 4 * Z);
  la_tiny_add (l, &rng, "head.modulation", 3, head_mod, 0.0, 1.0 / sqrt (dim));
  add_patchifier (l, &rng, dim, "cond_encoder", 1, 2);

  /* the 25-state fusion: positive, so its SiLU sums to a positive number */
  la_tiny_add (l, &rng, "casual_audio_encoder.weights", 4, fusion, 0.5, 0.4);
  add_conv1d (l, &rng, "conv1_local", audio, dim / 4 * n_token);
  add_conv1d (l, &rng, "conv1_global", audio, dim / 4);
  add_conv1d (l, &rng, "conv2", dim / 4, dim / 2);
  add_conv1d (l, &rng, "conv3", dim / 2, dim);
  la_tiny_add_linear (l, &rng, "casual_audio_encoder.encoder.final_linear",
      dim, dim);
  la_tiny_add (l, &rng, "casual_audio_encoder.encoder.padding_tokens", 4,
      pad, 0.0, 1.0);

  for (i = 0; i < s->dit_n_inject; i++) {
    gchar *p = g_strdup_printf ("audio_injector.injector.%d", i);

    add_attention (l, &rng, dim, p);
    g_free (p);
  }
  for (i = 0; i < s->dit_n_inject; i++) {
    gchar *p =
        g_strdup_printf ("audio_injector.injector_adain_layers.%d.linear", i);

    la_tiny_add_linear (l, &rng, p, dim, 2 * dim);
    g_free (p);
  }

  /* nn.Embedding (3, dim): normal init, so of order one */
  la_tiny_add (l, &rng, "trainable_cond_mask.weight", 2, mask, 0.0, 1.0);
  add_patchifier (l, &rng, dim, "frame_packer.proj", 1, 2);
  add_patchifier (l, &rng, dim, "frame_packer.proj_2x", 2, 4);
  add_patchifier (l, &rng, dim, "frame_packer.proj_4x", 4, 8);
  return l;
}
