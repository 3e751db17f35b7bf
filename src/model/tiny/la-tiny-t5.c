/* liveavatar: the tiny model's umT5 encoder and its tokenizer
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Wan's T5Encoder state dict (wan/modules/t5.py, shared_pos=False) as in
 * models_t5_umt5-xxl-enc-bf16.pth, with the scales of its init_weights ()
 * (uniform with the same standard deviation); and a small SentencePiece
 * unigram vocabulary with umT5's special ids (<pad> 0, </s> 1, <unk> 2),
 * byte fallback, the letters, digits, some punctuation and a few English
 * words, so that prompts tokenize into real pieces. */

#include "config.h"

#include "la-tiny-private.h"
#include "la-spm-writer.h"

#include <math.h>

#define SQRT3 1.7320508075688772

/* uniform with standard deviation @std */
static void
add_std (GPtrArray * l, LaTinyRng * rng, const gchar * name, gint64 rows,
    gint64 cols, gdouble std)
{
  gint64 shape[2] = { rows, cols };

  la_tiny_add (l, rng, name, 2, shape, 0.0, std * SQRT3);
}

GPtrArray *
la_tiny_t5_tensors (const LaTinySizes * s, guint64 seed, gint64 vocab_size)
{
  GPtrArray *l = la_tiny_tensors_new ();
  LaTinyRng rng;
  gint64 dim = s->t5_dim, ffn = s->t5_dim_ffn;
  gint i;

  la_tiny_rng_init (&rng, seed, 3);
  add_std (l, &rng, "token_embedding.weight", vocab_size, dim, 1.0);
  for (i = 0; i < s->t5_num_layers; i++) {
    gchar *p = g_strdup_printf ("blocks.%d.", i), *n;

#define NAME(s) (g_free (n), n = g_strconcat (p, s, NULL))
    n = NULL;
    la_tiny_add_gain (l, &rng, NAME ("norm1.weight"), 1, &dim);
    /* q: (dim * dim_attn) ** -0.5, dim_attn = dim here */
    add_std (l, &rng, NAME ("attn.q.weight"), dim, dim, pow (dim * dim, -0.5));
    add_std (l, &rng, NAME ("attn.k.weight"), dim, dim, pow (dim, -0.5));
    add_std (l, &rng, NAME ("attn.v.weight"), dim, dim, pow (dim, -0.5));
    add_std (l, &rng, NAME ("attn.o.weight"), dim, dim, pow (dim, -0.5));
    la_tiny_add_gain (l, &rng, NAME ("norm2.weight"), 1, &dim);
    add_std (l, &rng, NAME ("ffn.gate.0.weight"), ffn, dim, pow (dim, -0.5));
    add_std (l, &rng, NAME ("ffn.fc1.weight"), ffn, dim, pow (dim, -0.5));
    add_std (l, &rng, NAME ("ffn.fc2.weight"), dim, ffn, pow (ffn, -0.5));
    /* a trained bias is of order one; Wan's init would make it vanish */
    add_std (l, &rng, NAME ("pos_embedding.embedding.weight"),
        s->t5_num_buckets, s->t5_num_heads, 1.0);
#undef NAME
    g_free (n);
    g_free (p);
  }
  la_tiny_add_gain (l, &rng, "norm.weight", 1, &dim);
  return l;
}

/* "\xe2\x96\x81" is U+2581, SentencePiece's space */
#define SP "\xe2\x96\x81"

static const gchar *const words[] = {
  SP "a", SP "the", SP "man", SP "woman", SP "person", SP "is", SP "are",
  SP "talking", SP "speaking", SP "smiling", SP "to", SP "and", SP "in",
  SP "of", SP "with", SP "at", SP "camera", SP "face", SP "video", SP "he",
  SP "she", SP "hello", SP "A", SP "The",
};

GBytes *
la_tiny_spm_model (guint * n_pieces, GError ** error)
{
  LaSpmWriter *w = la_spm_writer_new ();
  GBytes *bytes = NULL;
  gchar piece[2] = { 0, 0 };
  gint c;
  guint i;
  gboolean ok;

  ok = la_spm_writer_add (w, "<pad>", 0.0f, LA_SPM_PIECE_CONTROL, error)
      && la_spm_writer_add (w, "</s>", 0.0f, LA_SPM_PIECE_CONTROL, error)
      && la_spm_writer_add (w, "<unk>", 0.0f, LA_SPM_PIECE_UNKNOWN, error)
      && la_spm_writer_add_bytes (w, error);
  /* a unigram model's scores are log probabilities: words are likelier
   * than the letters that spell them, and the space likelier than both */
  ok = ok && la_spm_writer_add (w, SP, -3.0f, LA_SPM_PIECE_NORMAL, error);
  for (i = 0; ok && i < G_N_ELEMENTS (words); i++)
    ok = la_spm_writer_add (w, words[i], -4.0f - 0.125f * i,
        LA_SPM_PIECE_NORMAL, error);
  for (c = 'a'; ok && c <= 'z'; c++) {
    piece[0] = (gchar) c;
    ok = la_spm_writer_add (w, piece, -6.0f - 0.0625f * (c - 'a'),
        LA_SPM_PIECE_NORMAL, error);
  }
  for (c = 'A'; ok && c <= 'Z'; c++) {
    piece[0] = (gchar) c;
    ok = la_spm_writer_add (w, piece, -8.0f - 0.0625f * (c - 'A'),
        LA_SPM_PIECE_NORMAL, error);
  }
  for (c = '0'; ok && c <= '9'; c++) {
    piece[0] = (gchar) c;
    ok = la_spm_writer_add (w, piece, -9.0f, LA_SPM_PIECE_NORMAL, error);
  }
  for (i = 0; ok && i < 7; i++) {
    piece[0] = ".,!?'-:"[i];
    ok = la_spm_writer_add (w, piece, -7.0f, LA_SPM_PIECE_NORMAL, error);
  }
  if (ok) {
    *n_pieces = la_spm_writer_get_n_pieces (w);
    bytes = la_spm_writer_to_bytes (w, error);
  }
  la_spm_writer_free (w);
  return bytes;
}
