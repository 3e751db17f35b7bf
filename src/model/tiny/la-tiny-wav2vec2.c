/* liveavatar: the tiny model's wav2vec2 (wav2vec2-large-xlsr-53-english)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The folder Wan2.2-S2V-14B ships is jonatasgrosman's fine-tune saved by
 * transformers' Wav2Vec2ForCTC: every encoder name under "wav2vec2.", the
 * CTC head lm_head.* over its 33-letter vocabulary, masked_spec_embed, and
 * the positional conv's weight norm as weight_g / weight_v (saved before
 * torch's parametrizations). Its config keys are kept with tiny sizes; the
 * conv feature extractor keeps the real kernels and strides (320x, so
 * 50 Hz out of 16 kHz) with narrow channels. */

#include "config.h"

#include "la-tiny-private.h"

#define N_CONV 7
#define VOCAB 33

static const gint conv_kernel[N_CONV] = { 10, 3, 3, 3, 3, 2, 2 };
static const gint conv_stride[N_CONV] = { 5, 2, 2, 2, 2, 2, 2 };

void
la_tiny_wav2vec2_config (const LaTinySizes * s, LaTinyJson * j)
{
  static const gchar *const arch[] = { "Wav2Vec2ForCTC" };
  gint conv_dim[N_CONV], i;

  for (i = 0; i < N_CONV; i++)
    conv_dim[i] = s->w2v_conv_dim;
  la_tiny_json_set_string (j, "_name_or_path",
      "facebook/wav2vec2-large-xlsr-53");
  la_tiny_json_set_double (j, "activation_dropout", 0.05);
  la_tiny_json_set_bool (j, "apply_spec_augment", TRUE);
  la_tiny_json_set_string_array (j, "architectures", arch, 1);
  la_tiny_json_set_double (j, "attention_dropout", 0.1);
  la_tiny_json_set_int (j, "bos_token_id", 1);
  la_tiny_json_set_int (j, "codevector_dim", 256);
  la_tiny_json_set_double (j, "contrastive_logits_temperature", 0.1);
  la_tiny_json_set_bool (j, "conv_bias", TRUE);
  la_tiny_json_set_int_array (j, "conv_dim", conv_dim, N_CONV);
  la_tiny_json_set_int_array (j, "conv_kernel", conv_kernel, N_CONV);
  la_tiny_json_set_int_array (j, "conv_stride", conv_stride, N_CONV);
  la_tiny_json_set_string (j, "ctc_loss_reduction", "mean");
  la_tiny_json_set_bool (j, "ctc_zero_infinity", TRUE);
  la_tiny_json_set_double (j, "diversity_loss_weight", 0.1);
  la_tiny_json_set_bool (j, "do_stable_layer_norm", TRUE);
  la_tiny_json_set_int (j, "eos_token_id", 2);
  la_tiny_json_set_string (j, "feat_extract_activation", "gelu");
  la_tiny_json_set_double (j, "feat_extract_dropout", 0.0);
  la_tiny_json_set_string (j, "feat_extract_norm", "layer");
  la_tiny_json_set_double (j, "feat_proj_dropout", 0.05);
  la_tiny_json_set_double (j, "feat_quantizer_dropout", 0.0);
  la_tiny_json_set_double (j, "final_dropout", 0.0);
  la_tiny_json_set_string (j, "hidden_act", "gelu");
  la_tiny_json_set_double (j, "hidden_dropout", 0.05);
  la_tiny_json_set_int (j, "hidden_size", s->w2v_hidden);
  la_tiny_json_set_double (j, "initializer_range", 0.02);
  la_tiny_json_set_int (j, "intermediate_size", s->w2v_intermediate);
  la_tiny_json_set_double (j, "layer_norm_eps", 1e-5);
  la_tiny_json_set_double (j, "layerdrop", 0.05);
  la_tiny_json_set_int (j, "mask_feature_length", 10);
  la_tiny_json_set_double (j, "mask_feature_prob", 0.0);
  la_tiny_json_set_int (j, "mask_time_length", 10);
  la_tiny_json_set_double (j, "mask_time_prob", 0.05);
  la_tiny_json_set_string (j, "model_type", "wav2vec2");
  la_tiny_json_set_int (j, "num_attention_heads", s->w2v_heads);
  la_tiny_json_set_int (j, "num_codevector_groups", 2);
  la_tiny_json_set_int (j, "num_codevectors_per_group", 320);
  la_tiny_json_set_int (j, "num_conv_pos_embedding_groups", s->w2v_pos_groups);
  la_tiny_json_set_int (j, "num_conv_pos_embeddings", s->w2v_pos_kernel);
  la_tiny_json_set_int (j, "num_feat_extract_layers", N_CONV);
  la_tiny_json_set_int (j, "num_hidden_layers", s->w2v_layers);
  la_tiny_json_set_int (j, "num_negatives", 100);
  la_tiny_json_set_int (j, "pad_token_id", 0);
  la_tiny_json_set_int (j, "proj_codevector_dim", 256);
  la_tiny_json_set_string (j, "transformers_version", "4.7.0.dev0");
  la_tiny_json_set_int (j, "vocab_size", VOCAB);
}

GPtrArray *
la_tiny_wav2vec2_tensors (const LaTinySizes * s, guint64 seed)
{
  GPtrArray *l = la_tiny_tensors_new ();
  LaTinyRng rng;
  const gint64 H = s->w2v_hidden, C = s->w2v_conv_dim;
  gint64 h = H, cin = 1, g[3] = { 1, 1, s->w2v_pos_kernel };
  gint64 v[3] = { H, H / s->w2v_pos_groups, s->w2v_pos_kernel };
  gint i;

  la_tiny_rng_init (&rng, seed, 4);
  /* HF's init draws it uniform in [0, 1) */
  la_tiny_add (l, &rng, "wav2vec2.masked_spec_embed", 1, &h, 0.5, 0.5);
  for (i = 0; i < N_CONV; i++) {
    gint64 w[3] = { C, cin, conv_kernel[i] };
    gchar *p = g_strdup_printf ("wav2vec2.feature_extractor.conv_layers.%d",
        i), *n;

    n = g_strconcat (p, ".conv", NULL);
    la_tiny_add_layer (l, &rng, n, 3, w);
    g_free (n);
    n = g_strconcat (p, ".layer_norm", NULL);
    la_tiny_add_norm (l, &rng, n, C);
    g_free (n);
    g_free (p);
    cin = C;
  }
  la_tiny_add_norm (l, &rng, "wav2vec2.feature_projection.layer_norm", C);
  la_tiny_add_linear (l, &rng, "wav2vec2.feature_projection.projection", C, H);
  la_tiny_add (l, &rng, "wav2vec2.encoder.pos_conv_embed.conv.bias", 1, &h,
      0.0, 0.1);
  /* weight_norm (dim=2): each tap's filter has norm g */
  la_tiny_add_gain (l, &rng, "wav2vec2.encoder.pos_conv_embed.conv.weight_g",
      3, g);
  la_tiny_add (l, &rng, "wav2vec2.encoder.pos_conv_embed.conv.weight_v", 3,
      v, 0.0, 1.0);
  la_tiny_add_norm (l, &rng, "wav2vec2.encoder.layer_norm", H);
  for (i = 0; i < s->w2v_layers; i++) {
    gchar *p = g_strdup_printf ("wav2vec2.encoder.layers.%d", i), *n;

#define NAME(s) (g_free (n), n = g_strconcat (p, s, NULL))
    n = NULL;
    la_tiny_add_linear (l, &rng, NAME (".attention.k_proj"), H, H);
    la_tiny_add_linear (l, &rng, NAME (".attention.v_proj"), H, H);
    la_tiny_add_linear (l, &rng, NAME (".attention.q_proj"), H, H);
    la_tiny_add_linear (l, &rng, NAME (".attention.out_proj"), H, H);
    la_tiny_add_norm (l, &rng, NAME (".layer_norm"), H);
    la_tiny_add_linear (l, &rng, NAME (".feed_forward.intermediate_dense"),
        H, s->w2v_intermediate);
    la_tiny_add_linear (l, &rng, NAME (".feed_forward.output_dense"),
        s->w2v_intermediate, H);
    la_tiny_add_norm (l, &rng, NAME (".final_layer_norm"), H);
#undef NAME
    g_free (n);
    g_free (p);
  }
  la_tiny_add_linear (l, &rng, "lm_head", H, VOCAB);
  return l;
}
