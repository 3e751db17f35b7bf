/* liveavatar: the tiny model's LoRA (liveavatar.safetensors)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Live Avatar wraps the DiT with peft (LoraConfig r=128, alpha=64,
 * target_modules q,k,v,o,ffn.0,ffn.2) and loads the file with
 * model.load_state_dict after prefixing "base_model.model." when the keys
 * lack it (causal_s2v_pipeline_tpp.py, add_lora_to_model): so the keys are
 * peft's parameter names with the adapter "default", here without the
 * prefix. peft's suffix match takes every Linear whose name ends in a
 * target: both attentions and the FFN of each block, and the audio
 * injectors' q, k, v, o. A is peft's kaiming-uniform; B (zero at init) is
 * small, so that the merge (scale 64 / 128) moves the weights by about a
 * tenth of their size. */

#include "config.h"

#include "la-tiny-private.h"

#include <math.h>

#define DIM LA_TINY_DIT_DIM
#define FFN LA_TINY_DIT_FFN_DIM
#define R LA_TINY_LORA_RANK

static void
add_pair (GPtrArray * l, LaTinyRng * rng, const gchar * module, gint64 in,
    gint64 out)
{
  gint64 a[2] = { R, in }, b[2] = { out, R };
  gchar *n = g_strdup_printf ("%s.lora_A.default.weight", module);

  la_tiny_add (l, rng, n, 2, a, 0.0, 1.0 / sqrt ((gdouble) in));
  g_free (n);
  n = g_strdup_printf ("%s.lora_B.default.weight", module);
  la_tiny_add (l, rng, n, 2, b, 0.0, 0.3 / sqrt ((gdouble) R));
  g_free (n);
}

static void
add_attention (GPtrArray * l, LaTinyRng * rng, const gchar * prefix)
{
  static const gchar *const proj[] = { "q", "k", "v", "o" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (proj); i++) {
    gchar *m = g_strdup_printf ("%s.%s", prefix, proj[i]);

    add_pair (l, rng, m, DIM, DIM);
    g_free (m);
  }
}

GPtrArray *
la_tiny_lora_tensors (guint64 seed)
{
  GPtrArray *l = la_tiny_tensors_new ();
  LaTinyRng rng;
  gint i;

  la_tiny_rng_init (&rng, seed, 5);
  for (i = 0; i < LA_TINY_DIT_NUM_LAYERS; i++) {
    gchar *p = g_strdup_printf ("blocks.%d.self_attn", i);

    add_attention (l, &rng, p);
    g_free (p);
    p = g_strdup_printf ("blocks.%d.cross_attn", i);
    add_attention (l, &rng, p);
    g_free (p);
    p = g_strdup_printf ("blocks.%d.ffn.0", i);
    add_pair (l, &rng, p, DIM, FFN);
    g_free (p);
    p = g_strdup_printf ("blocks.%d.ffn.2", i);
    add_pair (l, &rng, p, FFN, DIM);
    g_free (p);
  }
  for (i = 0; i < LA_TINY_DIT_N_INJECT; i++) {
    gchar *p = g_strdup_printf ("audio_injector.injector.%d", i);

    add_attention (l, &rng, p);
    g_free (p);
  }
  return l;
}
