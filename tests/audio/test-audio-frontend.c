/* liveavatar: the streaming audio front-end against the whole-file encode
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* la-audio-frontend.h on the tiny model of data/wav2vec2-tiny:
 *  - the whole-file path reproduces Live Avatar's 25 fps features of the
 *    golden audio (make_goldens.py: transformers + Wan's resampling);
 *  - a window covering the whole stream gives exactly (bit for bit) the
 *    whole-file features, block by block, however much older audio the
 *    caller still holds;
 *  - the window arithmetic (start rounded down to 200 ms, clamped at the
 *    stream start; end = block + look-ahead) and the errors for audio
 *    dropped too early or not there yet;
 *  - and, as a SANITY FIGURE ONLY, how far windowed features are from
 *    whole-file ones on speech-like test audio with these tiny RANDOM
 *    weights (printed; says nothing about the real model, whose numbers
 *    need the real weights and real speech). */

#include "config.h"

#include "audio-test-util.h"
#include "la-audio-frontend.h"
#include "la-audio-resample.h"
#include "liveavatar.h"

#include <math.h>
#include <string.h>

#define BLOCK 12                /* video frames per block */
#define STATES 4
#define HIDDEN 32
#define PER_FRAME (STATES * HIDDEN)

static LaBackend *be;
static LaWav2Vec2 *model;

static void
test_window_range (void)
{
  LaAudioWindow w;
  gint64 start, end, first;

  la_audio_window_init (&w);
  g_assert_cmpint (w.lookback, ==, LA_AUDIO_DEFAULT_LOOKBACK);
  g_assert_cmpint (w.lookahead, ==, LA_AUDIO_DEFAULT_LOOKAHEAD);
  g_assert_cmpint (LA_AUDIO_DEFAULT_LOOKBACK, ==, 32000);
  g_assert_cmpint (LA_AUDIO_DEFAULT_LOOKAHEAD, ==, 6400);
  g_assert_cmpint (w.grid, ==, LA_AUDIO_GRID_STREAM);

  /* block 0: nothing before the stream */
  la_audio_window_range (&w, 0, BLOCK, &start, &end);
  g_assert_cmpint (start, ==, 0);
  g_assert_cmpint (end, ==, 7680 + 6400);
  /* block 5 starts at 38400: 38400 - 32000 = 6400, on the grid already */
  la_audio_window_range (&w, 60, BLOCK, &start, &end);
  g_assert_cmpint (start, ==, 6400);
  g_assert_cmpint (end, ==, 46080 + 6400);
  /* block 6 at 46080: 14080 rounds down to 12800 */
  la_audio_window_range (&w, 72, BLOCK, &start, &end);
  g_assert_cmpint (start, ==, 12800);

  for (first = 0; first < 2000; first += 7) {
    gint64 want = first * 640 - w.lookback;

    la_audio_window_range (&w, first, BLOCK, &start, &end);
    g_assert_cmpint (start % LA_AUDIO_WINDOW_ALIGN, ==, 0);
    g_assert_cmpint (start, >=, 0);
    g_assert_cmpint (start, <=, MAX (want, 0));
    g_assert_cmpint (start, >, want - LA_AUDIO_WINDOW_ALIGN);
    g_assert_cmpint (end, ==, (first + BLOCK) * 640 + w.lookahead);
  }
}

/* the golden audio, whole-file, against Live Avatar's features */
static void
test_whole_golden (void)
{
  const LaCheckpointTensor *t = la_checkpoint_lookup (audio_test_goldens (),
      "audio.pcm");
  gsize n = t->numel, i;
  gfloat *x = g_new (gfloat, n);
  gfloat *want = audio_test_golden ("video", 48 * PER_FRAME);
  gfloat *got = g_new (gfloat, 48 * PER_FRAME);
  GError *error = NULL;

  for (i = 0; i < n; i++) {
    gint16 v;

    memcpy (&v, (const guint8 *) t->data + 2 * i, 2);
    x[i] = (gfloat) GINT16_FROM_LE (v) / 32768.0f;
  }
  g_assert_true (la_audio_encode_whole (model, x, n, LA_AUDIO_GRID_CLIP, 0,
          48, got, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (la_test_rel_error (got, want, 48 * PER_FRAME), <=, 1e-4);
  /* and block by block, the same numbers */
  for (i = 0; i < 4; i++) {
    gfloat block[BLOCK * PER_FRAME];

    g_assert_true (la_audio_encode_whole (model, x, n, LA_AUDIO_GRID_CLIP,
            i * BLOCK, BLOCK, block, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (block, sizeof (block), got + i * BLOCK * PER_FRAME,
        sizeof (block));
  }
  g_free (got);
  g_free (want);
  g_free (x);
}

/* a window covering everything is the whole-file encode on the same
 * grid, exactly, for every block, past the end of the audio too (zeros
 * there) */
static void
full_window_is_whole (LaAudioGrid grid)
{
  const gint64 n = 50000;       /* 3.125 s, not a whole number of blocks */
  gfloat *x = audio_test_speech_like (n, 11);
  LaAudioWindow w = { 1 << 30, 1 << 30, grid };
  gfloat whole[BLOCK * PER_FRAME], win[BLOCK * PER_FRAME];
  GError *error = NULL;
  gint64 b;
  gboolean saw_zero_frame = FALSE;

  for (b = 0; b * BLOCK * 640 < n + 2 * BLOCK * 640; b++) {
    gint64 f;

    g_assert_true (la_audio_encode_whole (model, x, n, grid, b * BLOCK,
            BLOCK, whole, &error));
    g_assert_no_error (error);
    g_assert_true (la_audio_frontend_encode (model, &w, x, 0, n, TRUE,
            b * BLOCK, BLOCK, win, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (win, sizeof (win), whole, sizeof (whole));
    for (f = 0; f < BLOCK; f++) {
      gfloat zero[PER_FRAME] = { 0 };

      saw_zero_frame |= memcmp (whole + f * PER_FRAME, zero,
          sizeof (zero)) == 0;
    }
  }
  /* the blocks past the audio are all zeros, as in Live Avatar */
  g_assert_true (saw_zero_frame);
  g_free (x);
}

static void
test_full_window_is_whole_clip (void)
{
  full_window_is_whole (LA_AUDIO_GRID_CLIP);
}

static void
test_full_window_is_whole_stream (void)
{
  full_window_is_whole (LA_AUDIO_GRID_STREAM);
}

/* the result depends on the window, not on how much audio the caller
 * passes around it */
static void
test_window_independent_of_buffer (void)
{
  const gint64 n = 80000;
  gfloat *x = audio_test_speech_like (n, 12);
  LaAudioWindow w = { 16000, 3200, LA_AUDIO_GRID_STREAM };
  gfloat a[BLOCK * PER_FRAME], b[BLOCK * PER_FRAME];
  GError *error = NULL;
  gint64 first;

  for (first = 24; first + BLOCK <= 100; first += BLOCK) {
    gint64 start, end;

    la_audio_window_range (&w, first, BLOCK, &start, &end);
    g_assert_true (la_audio_frontend_encode (model, &w, x, 0, n, FALSE,
            first, BLOCK, a, &error));
    g_assert_no_error (error);
    /* exactly the window, from its start */
    g_assert_true (la_audio_frontend_encode (model, &w, x + start, start,
            end - start, FALSE, first, BLOCK, b, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (a, sizeof (a), b, sizeof (b));
    /* and it is the whole-file encode of the window's audio, frames
     * counted from the window's start */
    g_assert_true (la_audio_encode_whole (model, x + start, end - start,
            w.grid, first - start / 640, BLOCK, b, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (a, sizeof (a), b, sizeof (b));
  }
  g_free (x);
}

static void
test_frontend_errors (void)
{
  const gint64 n = 40000;
  gfloat *x = audio_test_speech_like (n, 13), out[BLOCK * PER_FRAME];
  LaAudioWindow w = { 16000, 3200, LA_AUDIO_GRID_STREAM };
  LaAudioWindow bad = { -1, 0, LA_AUDIO_GRID_STREAM };
  LaAudioWindow bad_grid = { 16000, 3200, (LaAudioGrid) 7 };
  GError *error = NULL;
  gint64 start, end;

  /* block 3 (frames 36..47, samples 23040..30720): window 6400..33920 */
  la_audio_window_range (&w, 36, BLOCK, &start, &end);
  g_assert_cmpint (start, ==, 6400);
  g_assert_cmpint (end, ==, 33920);

  /* audio dropped past the window's start */
  g_assert_false (la_audio_frontend_encode (model, &w, x + 6401, 6401,
          n - 6401, FALSE, 36, BLOCK, out, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* the look-ahead not there yet... */
  g_assert_false (la_audio_frontend_encode (model, &w, x, 0, 33919, FALSE,
          36, BLOCK, out, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* ...unless the stream ended: then the window stops with the audio */
  g_assert_true (la_audio_frontend_encode (model, &w, x, 0, 33919, TRUE,
          36, BLOCK, out, &error));
  g_assert_no_error (error);
  g_assert_true (la_audio_frontend_encode (model, &w, x, 0, 33920, FALSE,
          36, BLOCK, out, &error));
  g_assert_no_error (error);

  /* nonsense arguments */
  g_assert_false (la_audio_frontend_encode (model, &bad, x, 0, n, FALSE, 36,
          BLOCK, out, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_audio_frontend_encode (model, &w, x, 0, n, FALSE, -12,
          BLOCK, out, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_audio_frontend_encode (model, &w, x, 0, n, FALSE, 36,
          0, out, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_audio_frontend_encode (model, &bad_grid, x, 0, n, FALSE,
          36, BLOCK, out, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (la_audio_encode_whole (model, x, -1, LA_AUDIO_GRID_CLIP, 0,
          BLOCK, out, &error));
  g_assert_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* shorter than one wav2vec2 frame (400 samples): zeros, as past the end
   * of the features */
  memset (out, 0xff, sizeof (out));
  g_assert_true (la_audio_encode_whole (model, x, 399, LA_AUDIO_GRID_STREAM,
          0, BLOCK, out, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (out[0], ==, 0.0f);
  g_assert_cmpfloat (out[BLOCK * PER_FRAME - 1], ==, 0.0f);
  g_free (x);
}

/* SANITY FIGURE on tiny random weights: relative L2 distance between the
 * windowed and whole-file features over all 16 blocks of 7.68 s of
 * speech-like audio, for each hidden state (dist[s]) and all together
 * (dist[STATES]). Asserted only: zero for a window that covers
 * everything, finite and nonzero otherwise. */
static void
window_distance (const gfloat * x, gint64 n, const gfloat * whole,
    gint64 n_frames, const LaAudioWindow * w, gdouble dist[STATES + 1])
{
  gfloat *win = g_new (gfloat, n_frames * PER_FRAME);
  GError *error = NULL;
  gdouble diff[STATES + 1] = { 0 }, norm[STATES + 1] = { 0 };
  gint64 f, i;
  gint s;

  g_assert_cmpint (n_frames % BLOCK, ==, 0);
  for (f = 0; f < n_frames; f += BLOCK) {
    g_assert_true (la_audio_frontend_encode (model, w, x, 0, n, TRUE, f,
            BLOCK, win + f * PER_FRAME, &error));
    g_assert_no_error (error);
  }
  for (i = 0; i < n_frames * PER_FRAME; i++) {
    gdouble d = (gdouble) win[i] - whole[i];

    s = (i % PER_FRAME) / HIDDEN;
    diff[s] += d * d;
    norm[s] += (gdouble) whole[i] * whole[i];
    diff[STATES] += d * d;
    norm[STATES] += (gdouble) whole[i] * whole[i];
  }
  for (s = 0; s <= STATES; s++)
    dist[s] = sqrt (diff[s] / norm[s]);
  g_free (win);
}

static void
distance_sanity (LaAudioGrid grid)
{
  const gint64 n_frames = 16 * BLOCK, n = n_frames * 640;       /* 7.68 s */
  static const gint64 lookbacks[] = { 6400, 16000, 32000 };
  static const gint64 lookaheads[] = { 0, 3200, 6400 };
  gfloat *x = audio_test_speech_like (n, 14);
  gfloat *whole = g_new (gfloat, n_frames * PER_FRAME);
  LaAudioWindow all = { n, n, grid };
  gdouble d[STATES + 1];
  GError *error = NULL;
  guint i, j;
  gint s;

  g_assert_true (la_audio_encode_whole (model, x, n, grid, 0, n_frames,
          whole, &error));
  g_assert_no_error (error);
  window_distance (x, n, whole, n_frames, &all, d);
  for (s = 0; s <= STATES; s++)
    g_assert_cmpfloat (d[s], ==, 0.0);

  g_test_message ("SANITY ONLY (tiny random weights, synthetic audio), %s "
      "grid: relative L2 distance of windowed from whole-file 25 fps "
      "features, hidden states 0 .. %d and all",
      grid == LA_AUDIO_GRID_CLIP ? "clip (Live Avatar's)" : "stream",
      STATES - 1);
  for (i = 0; i < G_N_ELEMENTS (lookbacks); i++)
    for (j = 0; j < G_N_ELEMENTS (lookaheads); j++) {
      LaAudioWindow w = { lookbacks[i], lookaheads[j], grid };

      window_distance (x, n, whole, n_frames, &w, d);
      g_test_message ("  look-back %.1f s, look-ahead %.1f s: %.4f %.4f "
          "%.4f %.4f, all %.4f", lookbacks[i] / 16000.0,
          lookaheads[j] / 16000.0, d[0], d[1], d[2], d[3], d[STATES]);
      g_assert_true (isfinite (d[STATES]));
      g_assert_cmpfloat (d[STATES], >, 0.0);
    }
  g_free (whole);
  g_free (x);
}

static void
test_distance_sanity_stream (void)
{
  distance_sanity (LA_AUDIO_GRID_STREAM);
}

static void
test_distance_sanity_clip (void)
{
  distance_sanity (LA_AUDIO_GRID_CLIP);
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  gchar *dir;
  int ret;

  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (argc, ==, 2);
  audio_test_set_data_dir (argv[1]);
  be = la_test_cpu ();
  dir = audio_test_data_path ("wav2vec2-tiny");
  model = la_wav2vec2_new (be, dir, &error);
  g_assert_no_error (error);
  g_free (dir);

  g_test_add_func ("/audio/frontend/window-range", test_window_range);
  g_test_add_func ("/audio/frontend/whole-golden", test_whole_golden);
  g_test_add_func ("/audio/frontend/full-window-is-whole-clip",
      test_full_window_is_whole_clip);
  g_test_add_func ("/audio/frontend/full-window-is-whole-stream",
      test_full_window_is_whole_stream);
  g_test_add_func ("/audio/frontend/independent-of-buffer",
      test_window_independent_of_buffer);
  g_test_add_func ("/audio/frontend/errors", test_frontend_errors);
  g_test_add_func ("/audio/frontend/distance-sanity-stream",
      test_distance_sanity_stream);
  g_test_add_func ("/audio/frontend/distance-sanity-clip",
      test_distance_sanity_clip);
  ret = g_test_run ();

  la_wav2vec2_free (model);
  la_backend_free (be);
  audio_test_goldens_free ();
  return ret;
}
