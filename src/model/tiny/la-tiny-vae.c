/* liveavatar: the tiny model's VAE (Wan2.1_VAE.pth)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* WanVAE_'s state dict (wan/modules/vae2_1.py) for dim LA_TINY_VAE_DIM,
 * z_dim 16 and the official dim_mult {1, 2, 4, 4}, 2 residual blocks,
 * temporal downsampling {no, yes, yes}: the layout the engine infers from
 * encoder.conv1.weight's width. The same walk as la-vae-encoder.c and
 * la-vae-decoder.c (and tests/vae/make_goldens.py's official_shapes). */

#include "config.h"

#include "la-tiny-private.h"

#define Z_DIM 16
#define N_RES 2

static const gint dim_mult[4] = { 1, 2, 4, 4 };
static const gboolean temporal[3] = { FALSE, TRUE, TRUE };

typedef struct
{
  GPtrArray *l;
  LaTinyRng *rng;
} Ctx;

static void
conv (Ctx * c, const gchar * name, gint64 cin, gint64 cout, gint64 kt,
    gint64 kh, gboolean is_3d)
{
  gint64 w[5] = { cout, cin, kt, kh, kh };
  gint64 w2[4] = { cout, cin, kh, kh };
  gchar *n = g_strconcat (name, ".weight", NULL);

  if (is_3d)
    la_tiny_add_weight (c->l, c->rng, n, 5, w);
  else
    la_tiny_add_weight (c->l, c->rng, n, 4, w2);
  g_free (n);
  n = g_strconcat (name, ".bias", NULL);
  la_tiny_add (c->l, c->rng, n, 1, &cout, 0.0, 0.1);
  g_free (n);
}

/* RMS_norm's gamma: [dim, 1, 1, 1] in 3-D, [dim, 1, 1] for images */
static void
rms (Ctx * c, const gchar * name, gint64 dim, gboolean images)
{
  gint64 shape[4] = { dim, 1, 1, 1 };
  gchar *n = g_strconcat (name, ".gamma", NULL);

  la_tiny_add_gain (c->l, c->rng, n, images ? 3 : 4, shape);
  g_free (n);
}

static void
residual (Ctx * c, const gchar * p, gint64 cin, gint64 cout)
{
  gchar *n;

  n = g_strconcat (p, ".residual.0", NULL);
  rms (c, n, cin, FALSE);
  g_free (n);
  n = g_strconcat (p, ".residual.2", NULL);
  conv (c, n, cin, cout, 3, 3, TRUE);
  g_free (n);
  n = g_strconcat (p, ".residual.3", NULL);
  rms (c, n, cout, FALSE);
  g_free (n);
  n = g_strconcat (p, ".residual.6", NULL);
  conv (c, n, cout, cout, 3, 3, TRUE);
  g_free (n);
  if (cin != cout) {
    n = g_strconcat (p, ".shortcut", NULL);
    conv (c, n, cin, cout, 1, 1, TRUE);
    g_free (n);
  }
}

static void
attention (Ctx * c, const gchar * p, gint64 dim)
{
  gchar *n;

  n = g_strconcat (p, ".norm", NULL);
  rms (c, n, dim, TRUE);
  g_free (n);
  n = g_strconcat (p, ".to_qkv", NULL);
  conv (c, n, dim, 3 * dim, 1, 1, FALSE);
  g_free (n);
  n = g_strconcat (p, ".proj", NULL);
  conv (c, n, dim, dim, 1, 1, FALSE);
  g_free (n);
}

static void
resample (Ctx * c, const gchar * p, gint64 dim, gboolean up, gboolean in_time)
{
  gchar *n = g_strconcat (p, ".resample.1", NULL);

  conv (c, n, dim, up ? dim / 2 : dim, 1, 3, FALSE);
  g_free (n);
  if (in_time) {
    n = g_strconcat (p, ".time_conv", NULL);
    conv (c, n, dim, up ? 2 * dim : dim, 3, 1, TRUE);
    g_free (n);
  }
}

static void
middle (Ctx * c, const gchar * p, gint64 dim)
{
  gchar *n;

  n = g_strconcat (p, ".0", NULL);
  residual (c, n, dim, dim);
  g_free (n);
  n = g_strconcat (p, ".1", NULL);
  attention (c, n, dim);
  g_free (n);
  n = g_strconcat (p, ".2", NULL);
  residual (c, n, dim, dim);
  g_free (n);
}

static void
encoder (Ctx * c)
{
  gint64 dims[5], cin, cout = 0;
  gint i, r, layer = 0;
  gchar *n;

  dims[0] = LA_TINY_VAE_DIM;
  for (i = 0; i < 4; i++)
    dims[i + 1] = (gint64) LA_TINY_VAE_DIM *dim_mult[i];
  conv (c, "encoder.conv1", 3, dims[0], 3, 3, TRUE);
  for (i = 0; i < 4; i++) {
    cin = dims[i];
    cout = dims[i + 1];
    for (r = 0; r < N_RES; r++) {
      n = g_strdup_printf ("encoder.downsamples.%d", layer++);
      residual (c, n, cin, cout);
      g_free (n);
      cin = cout;
    }
    if (i != 3) {
      n = g_strdup_printf ("encoder.downsamples.%d", layer++);
      resample (c, n, cout, FALSE, temporal[i]);
      g_free (n);
    }
  }
  middle (c, "encoder.middle", cout);
  rms (c, "encoder.head.0", cout, FALSE);
  conv (c, "encoder.head.2", cout, 2 * Z_DIM, 3, 3, TRUE);
  conv (c, "conv1", 2 * Z_DIM, 2 * Z_DIM, 1, 1, TRUE);
}

static void
decoder (Ctx * c)
{
  gint64 dims[5], cin, cout = 0;
  gint i, r, layer = 0;
  gchar *n;

  dims[0] = (gint64) LA_TINY_VAE_DIM *dim_mult[3];
  for (i = 0; i < 4; i++)
    dims[i + 1] = (gint64) LA_TINY_VAE_DIM *dim_mult[3 - i];
  conv (c, "conv2", Z_DIM, Z_DIM, 1, 1, TRUE);
  conv (c, "decoder.conv1", Z_DIM, dims[0], 3, 3, TRUE);
  middle (c, "decoder.middle", dims[0]);
  for (i = 0; i < 4; i++) {
    /* the upsampling before halved the channels */
    cin = i >= 1 ? dims[i] / 2 : dims[i];
    cout = dims[i + 1];
    for (r = 0; r < N_RES + 1; r++) {
      n = g_strdup_printf ("decoder.upsamples.%d", layer++);
      residual (c, n, cin, cout);
      g_free (n);
      cin = cout;
    }
    if (i != 3) {
      n = g_strdup_printf ("decoder.upsamples.%d", layer++);
      resample (c, n, cout, TRUE, temporal[2 - i]);
      g_free (n);
    }
  }
  rms (c, "decoder.head.0", cout, FALSE);
  conv (c, "decoder.head.2", cout, 3, 3, 3, TRUE);
}

GPtrArray *
la_tiny_vae_tensors (guint64 seed)
{
  LaTinyRng rng;
  Ctx c;

  la_tiny_rng_init (&rng, seed, 2);
  c.l = la_tiny_tensors_new ();
  c.rng = &rng;
  encoder (&c);
  decoder (&c);
  return c.l;
}
