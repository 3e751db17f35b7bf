/* liveavatar: the tiny model's VAE (Wan2.1_VAE.pth)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* WanVAE_'s state dict (wan/modules/vae2_1.py) for base width dim,
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
  gint64 dim;
} Ctx;

/* The layers' names are printf formats: each builder appends its own
 * parts to the name it is given. */

static void
conv (Ctx * c, gint64 cin, gint64 cout, gint64 kt, gint64 kh,
    gboolean is_3d, const gchar * format, ...)
{
  /* a 2-D conv's weight lacks the time axis */
  gint64 w[5] = { cout, cin, kt, kh, kh }, w2[4] = { cout, cin, kh, kh };
  va_list args;
  gchar *name;

  va_start (args, format);
  name = g_strdup_vprintf (format, args);
  va_end (args);
  if (is_3d)
    la_tiny_add_layer (c->l, c->rng, name, 5, w);
  else
    la_tiny_add_layer (c->l, c->rng, name, 4, w2);
  g_free (name);
}

/* RMS_norm's gamma: [dim, 1, 1, 1] in 3-D, [dim, 1, 1] for images */
static void
rms (Ctx * c, gint64 dim, gboolean images, const gchar * format, ...)
{
  gint64 shape[4] = { dim, 1, 1, 1 };
  va_list args;
  gchar *name, *n;

  va_start (args, format);
  name = g_strdup_vprintf (format, args);
  va_end (args);
  n = g_strconcat (name, ".gamma", NULL);
  la_tiny_add_gain (c->l, c->rng, n, images ? 3 : 4, shape);
  g_free (n);
  g_free (name);
}

static void
residual (Ctx * c, gint64 cin, gint64 cout, const gchar * format, ...)
{
  va_list args;
  gchar *p;

  va_start (args, format);
  p = g_strdup_vprintf (format, args);
  va_end (args);
  rms (c, cin, FALSE, "%s.residual.0", p);
  conv (c, cin, cout, 3, 3, TRUE, "%s.residual.2", p);
  rms (c, cout, FALSE, "%s.residual.3", p);
  conv (c, cout, cout, 3, 3, TRUE, "%s.residual.6", p);
  if (cin != cout)
    conv (c, cin, cout, 1, 1, TRUE, "%s.shortcut", p);
  g_free (p);
}

static void
attention (Ctx * c, gint64 dim, const gchar * format, ...)
{
  va_list args;
  gchar *p;

  va_start (args, format);
  p = g_strdup_vprintf (format, args);
  va_end (args);
  rms (c, dim, TRUE, "%s.norm", p);
  conv (c, dim, 3 * dim, 1, 1, FALSE, "%s.to_qkv", p);
  conv (c, dim, dim, 1, 1, FALSE, "%s.proj", p);
  g_free (p);
}

static void
resample (Ctx * c, gint64 dim, gboolean up, gboolean in_time,
    const gchar * format, ...)
{
  va_list args;
  gchar *p;

  va_start (args, format);
  p = g_strdup_vprintf (format, args);
  va_end (args);
  conv (c, dim, up ? dim / 2 : dim, 1, 3, FALSE, "%s.resample.1", p);
  if (in_time)
    conv (c, dim, up ? 2 * dim : dim, 3, 1, TRUE, "%s.time_conv", p);
  g_free (p);
}

static void
middle (Ctx * c, gint64 dim, const gchar * format, ...)
{
  va_list args;
  gchar *p;

  va_start (args, format);
  p = g_strdup_vprintf (format, args);
  va_end (args);
  residual (c, dim, dim, "%s.0", p);
  attention (c, dim, "%s.1", p);
  residual (c, dim, dim, "%s.2", p);
  g_free (p);
}

static void
encoder (Ctx * c)
{
  gint64 dims[5], cin, cout = 0;
  gint i, r, layer = 0;

  dims[0] = c->dim;
  for (i = 0; i < 4; i++)
    dims[i + 1] = (gint64) c->dim * dim_mult[i];
  conv (c, 3, dims[0], 3, 3, TRUE, "encoder.conv1");
  for (i = 0; i < 4; i++) {
    cin = dims[i];
    cout = dims[i + 1];
    for (r = 0; r < N_RES; r++) {
      residual (c, cin, cout, "encoder.downsamples.%d", layer++);
      cin = cout;
    }
    if (i != 3)
      resample (c, cout, FALSE, temporal[i], "encoder.downsamples.%d", layer++);
  }
  middle (c, cout, "encoder.middle");
  rms (c, cout, FALSE, "encoder.head.0");
  conv (c, cout, 2 * Z_DIM, 3, 3, TRUE, "encoder.head.2");
  conv (c, 2 * Z_DIM, 2 * Z_DIM, 1, 1, TRUE, "conv1");
}

static void
decoder (Ctx * c)
{
  gint64 dims[5], cin, cout = 0;
  gint i, r, layer = 0;

  dims[0] = (gint64) c->dim * dim_mult[3];
  for (i = 0; i < 4; i++)
    dims[i + 1] = (gint64) c->dim * dim_mult[3 - i];
  conv (c, Z_DIM, Z_DIM, 1, 1, TRUE, "conv2");
  conv (c, Z_DIM, dims[0], 3, 3, TRUE, "decoder.conv1");
  middle (c, dims[0], "decoder.middle");
  for (i = 0; i < 4; i++) {
    /* the upsampling before halved the channels */
    cin = i >= 1 ? dims[i] / 2 : dims[i];
    cout = dims[i + 1];
    for (r = 0; r < N_RES + 1; r++) {
      residual (c, cin, cout, "decoder.upsamples.%d", layer++);
      cin = cout;
    }
    if (i != 3)
      resample (c, cout, TRUE, temporal[2 - i], "decoder.upsamples.%d",
          layer++);
  }
  rms (c, cout, FALSE, "decoder.head.0");
  conv (c, cout, 3, 3, 3, TRUE, "decoder.head.2");
}

GPtrArray *
la_tiny_vae_tensors (const LaTinySizes * s, guint64 seed)
{
  LaTinyRng rng;
  Ctx c;

  la_tiny_rng_init (&rng, seed, 2);
  c.l = la_tiny_tensors_new ();
  c.rng = &rng;
  c.dim = s->vae_dim;
  encoder (&c);
  decoder (&c);
  return c.l;
}
