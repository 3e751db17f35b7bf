/* liveavatar: the deterministic test model
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>

#include "la-test-model.h"

/* ---- audio front-end */

void
la_test_model_features (const gfloat * pcm, gdouble * features)
{
  guint f, i;

  for (f = 0; f < LA_FRAMES_PER_BLOCK; f++) {
    const gfloat *frame = pcm + (gsize) f * LA_SAMPLES_PER_FRAME;
    gdouble sum = 0.0;

    for (i = 0; i < LA_SAMPLES_PER_FRAME; i++)
      sum += (gdouble) frame[i] * (gdouble) frame[i];
    features[f] = sqrt (sum / LA_SAMPLES_PER_FRAME);
  }
}

gdouble
la_test_model_level (gdouble rms)
{
  gdouble level;

  if (isnan (rms))
    return 0.0;
  level = rms / 0.25;
  return level < 1.0 ? level : 1.0;
}

/* ---- sampler */

static guint64
splitmix64_next (guint64 * state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

void
la_test_model_init_latent (guint64 seed, guint64 block_index, gdouble * latent)
{
  guint64 state = seed + (block_index + 1) *
      G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  guint i;

  for (i = 0; i < LA_TEST_MODEL_LATENT_SIZE; i++)
    latent[i] = (gdouble) (splitmix64_next (&state) >> 11) * 0x1.0p-53;
}

void
la_test_model_step (gdouble * latent, const gdouble * features,
    guint begin, guint end, guint step, guint n_steps)
{
  gdouble w;
  guint i;

  g_return_if_fail (step < n_steps);
  g_return_if_fail (end <= LA_TEST_MODEL_LATENT_SIZE);

  w = 1.0 / (gdouble) (n_steps - step);
  for (i = begin; i < end; i++) {
    gdouble target = la_test_model_level (features[i]);

    /* the last step must land on the target exactly, not within rounding */
    latent[i] = w == 1.0 ? target : latent[i] + w * (target - latent[i]);
  }
}

/* ---- decoder */

typedef struct
{
  guint8 r, g, b;
} Rgb;

static const Rgb background_colour = { 40, 40, 60 };
static const Rgb face_colour = { 230, 190, 150 };
static const Rgb eye_colour = { 30, 30, 30 };
static const Rgb mouth_colour = { 120, 20, 30 };
static const Rgb bit_one_colour = { 255, 255, 255 };
static const Rgb bit_zero_colour = { 0, 0, 0 };

static inline void
put_pixel (guint8 * rgb, gint stride, gint x, gint y, Rgb c)
{
  guint8 *p = rgb + (gsize) y * stride + (gsize) x * 3;

  p[0] = c.r;
  p[1] = c.g;
  p[2] = c.b;
}

/* fills [x0, x1) x [y0, y1), clipped to the picture */
static void
fill_rect (guint8 * rgb, gint stride, gint width, gint height,
    gint x0, gint y0, gint x1, gint y1, Rgb c)
{
  gint x, y;

  x0 = MAX (x0, 0);
  y0 = MAX (y0, 0);
  x1 = MIN (x1, width);
  y1 = MIN (y1, height);
  for (y = y0; y < y1; y++)
    for (x = x0; x < x1; x++)
      put_pixel (rgb, stride, x, y, c);
}

static gint
face_radius (gint width, gint height)
{
  return MIN (width, height - 8) * 3 / 8;
}

gint
la_test_model_mouth_height (gint width, gint height, gdouble level)
{
  gint r = face_radius (width, height);

  /* a latent always ends in [0, 1]; clamp anyway so a bad value cannot
   * make the cast below undefined */
  if (!(level >= 0.0))
    level = 0.0;
  if (level > 1.0)
    level = 1.0;
  return (gint) floor (level * (r / 2) + 0.5);
}

void
la_test_model_render_rgb (guint8 * rgb, gint stride, gint width, gint height,
    guint64 frame_index, gdouble level)
{
  gint r = face_radius (width, height);
  gint s = MAX (2, r / 6);
  gint cx = width / 2, cy = height / 2 + 4;
  gint eye_y = cy - r / 3 - s / 2;
  gint mouth_y = cy + r / 3;
  gint mouth_h = la_test_model_mouth_height (width, height, level);
  gint64 r2 = 4 * (gint64) r * r;
  gint x, y, i;

  g_return_if_fail (rgb != NULL);
  g_return_if_fail (width >= 64 && height >= 64);

  for (y = 0; y < height; y++) {
    gint64 dy = 2 * y + 1 - (height + 8);

    for (x = 0; x < width; x++) {
      gint64 dx = 2 * x + 1 - width;

      put_pixel (rgb, stride, x, y,
          dx * dx + dy * dy <= r2 ? face_colour : background_colour);
    }
  }

  fill_rect (rgb, stride, width, height, cx - r / 2 - s / 2, eye_y,
      cx - r / 2 - s / 2 + s, eye_y + s, eye_colour);
  fill_rect (rgb, stride, width, height, cx + r / 2 - s / 2, eye_y,
      cx + r / 2 - s / 2 + s, eye_y + s, eye_colour);

  if (mouth_h > 0)
    fill_rect (rgb, stride, width, height, cx - r / 2, mouth_y, cx + r / 2,
        mouth_y + mouth_h, mouth_colour);

  for (i = 0; i < 32; i++) {
    gint bx = 4 * (i % 16), by = 4 * (i / 16);
    Rgb c = (frame_index >> i) & 1 ? bit_one_colour : bit_zero_colour;

    fill_rect (rgb, stride, width, height, bx, by, bx + 4, by + 4, c);
  }
}
