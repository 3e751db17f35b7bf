/* liveavatar: wav2vec2 features to the video rate, against Live Avatar
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The 50 Hz -> 30 Hz -> 25 fps path (la-audio-resample.h) against
 * goldens made with Wan's own linear_interpolation and
 * get_audio_embed_bucket_fps (make_goldens.py): random features of 137
 * frames (two clips of 48 frames, zeros past the features) and the tiny
 * model's hidden states. Plus the index arithmetic against independent
 * formulations, and interpolation of a straight line.
 *
 * Tolerance: max |ours - golden| / max |golden| <= 1e-6 for the float32
 * goldens (the same float arithmetic as PyTorch), 1e-5 for the ones
 * rounded from float64. */

#include "config.h"

#include "audio-test-util.h"
#include "la-audio-resample.h"

#include <math.h>
#include <string.h>

static void
test_n_interp_frames (void)
{
  gint64 t;

  /* int (T / 50.0 * 30) as Python evaluates it */
  g_assert_cmpint (la_audio_n_interp_frames (0), ==, 0);
  g_assert_cmpint (la_audio_n_interp_frames (1), ==, 0);
  g_assert_cmpint (la_audio_n_interp_frames (2), ==, 1);
  g_assert_cmpint (la_audio_n_interp_frames (49), ==, 29);
  g_assert_cmpint (la_audio_n_interp_frames (50), ==, 30);
  /* 205 / 50.0 * 30 is 122.99999999999999 in double: 122, not 123 */
  g_assert_cmpint (la_audio_n_interp_frames (205), ==, 122);
  for (t = 0; t < 100000; t++) {
    gint64 n = la_audio_n_interp_frames (t);

    /* 3 T / 5 rounded down, or one less where the double falls short */
    g_assert_cmpint (n, <=, 3 * t / 5);
    g_assert_cmpint (n, >=, 3 * t / 5 - 1);
  }
}

static void
test_interp_index (void)
{
  static const gint64 first[] = { 0, 1, 2, 4, 5, 6, 7, 8, 10, 11 };
  gint64 i;

  for (i = 0; i < (gint64) G_N_ELEMENTS (first); i++)
    g_assert_cmpint (la_audio_interp_index (i), ==, first[i]);
  /* np.round (linspace (0, n / 25, n, endpoint=False) * 30): the point
   * i * (n / 25 / n) * 30, rounded half to even */
  for (i = 0; i < 200000; i++) {
    gdouble n = 200000.0, at = i * (n / 25.0 / n) * 30.0;

    g_assert_cmpint (la_audio_interp_index (i), ==, (gint64) nearbyint (at));
  }
}

/* a straight line in time stays one, with the ends pinned (align_corners) */
static void
test_interpolate_line (void)
{
  const gint64 n_in = 101, n_out = 60, dim = 3, states = 2;
  gfloat *src = g_new (gfloat, states * n_in * dim);
  gfloat *dst = g_new (gfloat, states * n_out * dim);
  gint64 s, t, c, j;

  for (s = 0; s < states; s++)
    for (t = 0; t < n_in; t++)
      for (c = 0; c < dim; c++)
        src[(s * n_in + t) * dim + c] = (gfloat) (s - c + 0.25 * (c + 1) * t);
  la_audio_interpolate (dst, src, states, n_in, n_out, dim);
  for (s = 0; s < states; s++)
    for (j = 0; j < n_out; j++)
      for (c = 0; c < dim; c++) {
        gdouble at = j * (gdouble) (n_in - 1) / (n_out - 1);
        gdouble want = s - c + 0.25 * (c + 1) * at;

        g_assert_cmpfloat_with_epsilon (dst[(s * n_out + j) * dim + c], want,
            1e-4);
      }
  for (s = 0; s < states; s++)
    for (c = 0; c < dim; c++) {
      g_assert_cmpfloat (dst[(s * n_out) * dim + c], ==,
          src[(s * n_in) * dim + c]);
      g_assert_cmpfloat (dst[(s * n_out + n_out - 1) * dim + c], ==,
          src[(s * n_in + n_in - 1) * dim + c]);
    }
  g_free (dst);
  g_free (src);
}

/* the two steps against Wan's functions on random features */
static void
test_video_features_golden (void)
{
  const gint64 states = 2, t50 = 137, dim = 3, frames = 96;
  gfloat *src = audio_test_golden ("resample.input", states * t50 * dim);
  gfloat *want = audio_test_golden ("resample.video", frames * states * dim);
  gfloat *got = g_new (gfloat, frames * states * dim);
  gint64 f, n_interp = la_audio_n_interp_frames (t50), zeros = 0;

  la_audio_video_features (got, src, states, t50, dim, 0, frames);
  g_assert_cmpfloat (la_test_rel_error (got, want, frames * states * dim),
      <=, 1e-6);
  /* the second clip runs past the 82 points at 30 Hz: zeros there */
  for (f = 0; f < frames; f++) {
    gboolean past = la_audio_interp_index (f) >= n_interp;
    gsize k;

    for (k = 0; k < states * dim; k++)
      if (past)
        g_assert_cmpfloat (got[f * states * dim + k], ==, 0.0f);
    zeros += past;
  }
  /* T30 = int (137 / 50 * 30) = 82; frame 67 takes point round (80.4) =
   * 80, frame 68 round (81.6) = 82, past the end: frames 68 .. 95 */
  g_assert_cmpint (n_interp, ==, 82);
  g_assert_cmpint (zeros, ==, 96 - 68);

  g_free (got);
  g_free (want);
  g_free (src);
}

/* the same on the tiny model's hidden states (float64 goldens) */
static void
test_video_features_hidden (void)
{
  const gint64 states = 4, t50 = 50, dim = 32, frames = 48;
  gfloat *src = audio_test_golden ("hidden_states", states * t50 * dim);
  gfloat *want = audio_test_golden ("video", frames * states * dim);
  gfloat *got = g_new (gfloat, frames * states * dim);

  la_audio_video_features (got, src, states, t50, dim, 0, frames);
  g_assert_cmpfloat (la_test_rel_error (got, want, frames * states * dim),
      <=, 1e-5);
  g_free (got);
  g_free (want);
  g_free (src);
}

/* a range of frames is the same slice of the whole, bit for bit; the
 * whole interpolation agrees with the points taken one by one */
static void
test_video_features_ranges (void)
{
  const gint64 states = 3, t50 = 411, dim = 5, frames = 250;
  gsize per = states * dim;
  gfloat *src, *whole = g_new (gfloat, frames * per), *part;
  gint64 n_interp = la_audio_n_interp_frames (t50), f, first;
  gfloat *interp = g_new (gfloat, states * n_interp * dim);

  la_test_seed (7);
  src = la_test_rnd_array (states * t50 * dim, 1.0);
  la_audio_video_features (whole, src, states, t50, dim, 0, frames);
  for (first = 0; first < frames; first += 37) {
    gint64 n = MIN (12, frames - first);

    part = g_new (gfloat, n * per);
    la_audio_video_features (part, src, states, t50, dim, first, n);
    g_assert_cmpmem (part, n * per * sizeof (gfloat), whole + first * per,
        n * per * sizeof (gfloat));
    g_free (part);
  }

  la_audio_interpolate (interp, src, states, t50, n_interp, dim);
  for (f = 0; f < frames; f++) {
    gint64 p = la_audio_interp_index (f), s;

    if (p >= n_interp)
      continue;
    for (s = 0; s < states; s++)
      g_assert_cmpmem (whole + f * per + s * dim, dim * sizeof (gfloat),
          interp + (s * n_interp + p) * dim, dim * sizeof (gfloat));
  }
  g_free (interp);
  g_free (whole);
  g_free (src);
}

/* one 50 Hz frame makes no 30 Hz point: all zeros */
static void
test_video_features_too_short (void)
{
  gfloat src[4] = { 1, 2, 3, 4 }, out[4 * 3];
  guint i;

  memset (out, 0xff, sizeof (out));
  la_audio_video_features (out, src, 1, 1, 4, 0, 3);
  for (i = 0; i < G_N_ELEMENTS (out); i++)
    g_assert_cmpfloat (out[i], ==, 0.0f);
}

/* the true grid on a straight line: frame f at 50 Hz position
 * 5 round (1.2 f) / 3, zeros once that is past the last feature frame */
static void
test_stream_grid (void)
{
  const gint64 t50 = 40, dim = 2, states = 2, frames = 30;
  gfloat *src = g_new (gfloat, states * t50 * dim);
  gfloat *dst = g_new (gfloat, frames * states * dim), *part;
  gint64 s, t, c, f;

  for (s = 0; s < states; s++)
    for (t = 0; t < t50; t++)
      for (c = 0; c < dim; c++)
        src[(s * t50 + t) * dim + c] = (gfloat) (10 * s + c + 0.5 * t);
  la_audio_video_features_stream (dst, src, states, t50, dim, 0, frames);
  for (f = 0; f < frames; f++) {
    gdouble at = 5.0 * nearbyint (f * 1.2) / 3.0;

    for (s = 0; s < states; s++)
      for (c = 0; c < dim; c++) {
        gfloat v = dst[(f * states + s) * dim + c];

        if (at > t50 - 1)
          g_assert_cmpfloat (v, ==, 0.0f);
        else
          g_assert_cmpfloat_with_epsilon (v, 10 * s + c + 0.5 * at, 1e-5);
      }
  }
  /* frame 5 is point 6, feature frame 10 exactly; frame 19 is point 23 at
   * 38.33, inside; frame 20 is point 24 at 40, past the 40 frames */
  g_assert_cmpfloat (dst[5 * states * dim], ==, src[10 * dim]);
  g_assert_cmpfloat (dst[19 * states * dim], !=, 0.0f);
  g_assert_cmpfloat (dst[20 * states * dim], ==, 0.0f);

  /* a range is the same slice */
  part = g_new (gfloat, 12 * states * dim);
  la_audio_video_features_stream (part, src, states, t50, dim, 7, 12);
  g_assert_cmpmem (part, 12 * states * dim * sizeof (gfloat),
      dst + 7 * states * dim, 12 * states * dim * sizeof (gfloat));
  g_free (part);
  g_free (dst);
  g_free (src);
}

/* Live Avatar's grid drifts from the true one by up to 2 feature frames at
 * the end (la-audio-resample.h): on a line of slope 1 the difference is
 * the drift itself */
static void
test_clip_grid_drift (void)
{
  const gint64 t50 = 383, frames = 190;
  gfloat *src = g_new (gfloat, t50), *clip = g_new (gfloat, frames);
  gfloat *stream = g_new (gfloat, frames);
  gint64 t, f, n_interp = la_audio_n_interp_frames (t50);
  gdouble max_drift = 0.0;

  for (t = 0; t < t50; t++)
    src[t] = (gfloat) t;
  la_audio_video_features (clip, src, 1, t50, 1, 0, frames);
  la_audio_video_features_stream (stream, src, 1, t50, 1, 0, frames);
  for (f = 0; f < frames; f++) {
    gint64 b = la_audio_interp_index (f);
    gdouble want;

    if (b >= n_interp || stream[f] == 0.0f)
      continue;
    /* j (T50 - 1) / (T30 - 1) - 5 j / 3 */
    want = b * (gdouble) (t50 - 1) / (n_interp - 1) - 5.0 * b / 3.0;
    g_assert_cmpfloat_with_epsilon (clip[f] - stream[f], want, 1e-3);
    max_drift = MAX (max_drift, clip[f] - stream[f]);
  }
  /* 383 frames: T30 = 229, and the last point lands 2 frames late */
  g_assert_cmpint (n_interp, ==, 229);
  g_assert_cmpfloat (max_drift, >, 1.9);
  g_assert_cmpfloat (max_drift, <=, 2.0 + 1e-4);
  g_free (stream);
  g_free (clip);
  g_free (src);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (argc, ==, 2);
  audio_test_set_data_dir (argv[1]);

  g_test_add_func ("/audio/resample/n-interp-frames", test_n_interp_frames);
  g_test_add_func ("/audio/resample/interp-index", test_interp_index);
  g_test_add_func ("/audio/resample/interpolate-line", test_interpolate_line);
  g_test_add_func ("/audio/resample/golden", test_video_features_golden);
  g_test_add_func ("/audio/resample/hidden-states", test_video_features_hidden);
  g_test_add_func ("/audio/resample/ranges", test_video_features_ranges);
  g_test_add_func ("/audio/resample/stream-grid", test_stream_grid);
  g_test_add_func ("/audio/resample/clip-grid-drift", test_clip_grid_drift);
  g_test_add_func ("/audio/resample/too-short", test_video_features_too_short);
  ret = g_test_run ();

  audio_test_goldens_free ();
  return ret;
}
