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


static void
add_pair (GPtrArray * l, LaTinyRng * rng, gint64 r, const gchar * module,
    gint64 in, gint64 out)
{
  gint64 a[2] = { r, in }, b[2] = { out, r };
  gchar *n = g_strdup_printf ("%s.lora_A.default.weight", module);

  la_tiny_add (l, rng, n, 2, a, 0.0, 1.0 / sqrt ((gdouble) in));
  g_free (n);
  n = g_strdup_printf ("%s.lora_B.default.weight", module);
  la_tiny_add (l, rng, n, 2, b, 0.0, 0.3 / sqrt ((gdouble) r));
  g_free (n);
}

static void
add_attention (GPtrArray * l, LaTinyRng * rng, const LaTinySizes * s,
    const gchar * prefix)
{
  static const gchar *const proj[] = { "q", "k", "v", "o" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (proj); i++) {
    gchar *m = g_strdup_printf ("%s.%s", prefix, proj[i]);

    add_pair (l, rng, s->lora_rank, m, s->dit_dim, s->dit_dim);
    g_free (m);
  }
}

GPtrArray *
la_tiny_lora_tensors (const LaTinySizes * s, guint64 seed)
{
  GPtrArray *l = la_tiny_tensors_new ();
  LaTinyRng rng;
  gint i;

  la_tiny_rng_init (&rng, seed, 5);
  for (i = 0; i < s->dit_num_layers; i++) {
    gchar *p = g_strdup_printf ("blocks.%d.self_attn", i);

    add_attention (l, &rng, s, p);
    g_free (p);
    p = g_strdup_printf ("blocks.%d.cross_attn", i);
    add_attention (l, &rng, s, p);
    g_free (p);
    p = g_strdup_printf ("blocks.%d.ffn.0", i);
    add_pair (l, &rng, s->lora_rank, p, s->dit_dim, s->dit_ffn_dim);
    g_free (p);
    p = g_strdup_printf ("blocks.%d.ffn.2", i);
    add_pair (l, &rng, s->lora_rank, p, s->dit_ffn_dim, s->dit_dim);
    g_free (p);
  }
  for (i = 0; i < s->dit_n_inject; i++) {
    gchar *p = g_strdup_printf ("audio_injector.injector.%d", i);

    add_attention (l, &rng, s, p);
    g_free (p);
  }
  return l;
}
