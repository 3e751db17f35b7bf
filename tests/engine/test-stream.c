/* liveavatar engine tests: frame counts, pictures and drain
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <math.h>
#include <string.h>

#include "test-util.h"

static void
test_push_sizes (void)
{
  static const gsize chunks[] = { 1, 160, 441, 1000, 7680, 16000 };
  const gsize n_samples = 2 * 7680 + 5000;
  gfloat *pcm = test_audio_new (n_samples, 0);
  LaEngine *e = test_engine_new ("0", 1, 4, 64, 64);
  guint c;

  for (c = 0; c < G_N_ELEMENTS (chunks); c++) {
    LaSession *s = test_session_new (e, LA_PIXEL_FORMAT_RGB, 2);
    GPtrArray *frames = test_run_stream (s, pcm, n_samples, chunks[c]);
    LaSessionStats stats;

    g_test_message ("chunk %" G_GSIZE_FORMAT ": %u frames", chunks[c],
        frames->len);
    test_check_sequence (frames, n_samples);
    test_check_pictures (frames, pcm, n_samples);

    la_session_get_stats (s, &stats);
    g_assert_cmpuint (stats.samples_pushed, ==, n_samples);
    g_assert_cmpuint (stats.frames_out, ==, test_expected_frames (n_samples));
    g_assert_cmpuint (stats.blocks_generated, ==, 3);
    g_assert_cmpuint (stats.blocks_skipped, ==, 0);
    g_assert_cmpuint (stats.frames_repeated, ==, 0);
    g_assert_cmpuint (stats.n_stages, ==, 3);
    g_assert_cmpint (stats.max_block_us, >=, stats.last_block_us);
    g_assert_cmpint (stats.last_block_us, >=, 0);

    g_ptr_array_unref (frames);
    la_session_free (s);
  }
  la_engine_free (e);
  g_free (pcm);
}

static void
test_exact_ceil (void)
{
  static const gsize sizes[] =
      { 0, 1, 639, 640, 641, 7679, 7680, 7681, 8320, 15360, 16000 };
  gfloat *pcm = test_audio_new (16000, 3);
  LaEngine *e = test_engine_new ("0", 1, 4, 64, 64);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
    LaSession *s = test_session_new (e, LA_PIXEL_FORMAT_RGB, 2);

    test_check_stream (s, pcm, sizes[i], 640);
    la_session_free (s);
  }
  la_engine_free (e);
  g_free (pcm);
}

/* a block's frames come out only when the whole block's audio is in */
static void
test_block_boundary (void)
{
  gfloat *pcm = test_audio_new (7680, 5);
  LaEngine *e = test_engine_new ("0", 1, 4, 64, 64);
  LaSession *s = test_session_new (e, LA_PIXEL_FORMAT_RGB, 2);
  LaFrame *frame = NULL;
  GError *err = NULL;
  GPtrArray *frames;
  guint i;

  g_assert_true (la_session_push_audio (s, pcm, 7679, &err));
  g_assert_no_error (err);
  g_assert_cmpint (la_session_pop_frame (s, &frame, 200000, &err), ==,
      LA_POP_TIMEOUT);
  g_assert_null (frame);
  g_assert_cmpint (la_session_pop_frame (s, &frame, 0, &err), ==,
      LA_POP_TIMEOUT);

  g_assert_true (la_session_push_audio (s, pcm + 7679, 1, &err));
  for (i = 0; i < 12; i++) {
    g_assert_cmpint (la_session_pop_frame (s, &frame, 5 * G_USEC_PER_SEC,
            &err), ==, LA_POP_FRAME);
    g_assert_no_error (err);
    g_assert_cmpuint (frame->index, ==, i);
    la_frame_unref (frame);
  }
  g_assert_cmpint (la_session_pop_frame (s, &frame, 100000, &err), ==,
      LA_POP_TIMEOUT);

  /* 7680 samples drained: nothing to pad, no more frames */
  la_session_drain (s);
  frames = test_pop_until_eos (s);
  g_assert_cmpuint (frames->len, ==, 0);
  g_ptr_array_unref (frames);

  la_session_free (s);
  la_engine_free (e);
  g_free (pcm);
}

static void
test_pictures (void)
{
  static const gint sizes[][2] = { {64, 64}, {80, 128}, {128, 80}, {96, 96} };
  static const LaPixelFormat formats[] =
      { LA_PIXEL_FORMAT_RGB, LA_PIXEL_FORMAT_RGBA, LA_PIXEL_FORMAT_I420 };
  const gsize n_samples = 7680 + 2000;
  guint si, fi;

  for (si = 0; si < G_N_ELEMENTS (sizes); si++) {
    LaEngine *e = test_engine_new ("0", 1, 4, sizes[si][0], sizes[si][1]);

    for (fi = 0; fi < G_N_ELEMENTS (formats); fi++) {
      gfloat *pcm = test_audio_new (n_samples, si * 3 + fi);
      LaSession *s = test_session_new (e, formats[fi], 1);
      GPtrArray *frames = test_run_stream (s, pcm, n_samples, 1000);
      LaFrame *f = g_ptr_array_index (frames, 0);

      g_assert_cmpint (f->width, ==, sizes[si][0]);
      g_assert_cmpint (f->height, ==, sizes[si][1]);
      g_assert_cmpint (f->format, ==, formats[fi]);
      test_check_sequence (frames, n_samples);
      test_check_pictures (frames, pcm, n_samples);

      g_ptr_array_unref (frames);
      la_session_free (s);
      g_free (pcm);
    }
    la_engine_free (e);
  }
}

/* the plane layout is what the header promises */
static void
test_frame_layout (void)
{
  LaEngine *e = test_engine_new ("0", 1, 4, 80, 64);
  LaSession *s = test_session_new (e, LA_PIXEL_FORMAT_I420, 2);
  gfloat *pcm = test_audio_new (640, 0);
  GPtrArray *frames = test_run_stream (s, pcm, 640, 640);
  LaFrame *f = g_ptr_array_index (frames, 0);

  g_assert_cmpuint (frames->len, ==, 1);
  g_assert_cmpint (f->stride[0], ==, 80);
  g_assert_cmpint (f->stride[1], ==, 40);
  g_assert_cmpint (f->stride[2], ==, 40);
  g_assert_cmpuint (f->offset[0], ==, 0);
  g_assert_cmpuint (f->offset[1], ==, 80 * 64);
  g_assert_cmpuint (f->offset[2], ==, 80 * 64 + 40 * 32);
  g_assert_cmpuint (f->size, ==, 80 * 64 * 3 / 2);

  /* a reference outlives the session */
  la_frame_ref (f);
  g_ptr_array_unref (frames);
  la_session_free (s);
  la_engine_free (e);
  g_assert_cmpuint (ref_decode_index (f), ==, 0);
  la_frame_unref (f);
  g_free (pcm);
}

static void
test_drain (void)
{
  LaEngine *e = test_engine_new ("0", 1, 4, 64, 64);
  LaSession *s = test_session_new (e, LA_PIXEL_FORMAT_RGB, 2);
  gfloat *pcm = test_audio_new (1000, 1);
  LaFrame *frame = NULL;
  GError *err = NULL;
  GPtrArray *frames;

  /* nothing pushed: straight to EOS, and EOS stays */
  la_session_drain (s);
  g_assert_cmpint (la_session_pop_frame (s, &frame, 5 * G_USEC_PER_SEC,
          &err), ==, LA_POP_EOS);
  g_assert_null (frame);
  g_assert_cmpint (la_session_pop_frame (s, &frame, -1, &err), ==, LA_POP_EOS);
  g_assert_cmpint (la_session_pop_frame (s, &frame, 0, &err), ==, LA_POP_EOS);
  g_assert_no_error (err);

  /* no audio after drain, until a flush */
  g_assert_false (la_session_push_audio (s, pcm, 10, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_EOS);
  g_clear_error (&err);
  g_assert_false (la_session_push_silence (s, 10, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_EOS);
  g_clear_error (&err);
  la_session_drain (s);         /* harmless */

  la_session_set_flushing (s, TRUE);
  g_assert_cmpint (la_session_pop_frame (s, &frame, -1, &err), ==,
      LA_POP_FLUSHING);
  la_session_set_flushing (s, FALSE);

  frames = test_run_stream (s, pcm, 1000, 300);
  test_check_sequence (frames, 1000);
  test_check_pictures (frames, pcm, 1000);
  g_assert_cmpuint (((LaFrame *) g_ptr_array_index (frames, 1))->flags, ==,
      LA_FRAME_FLAG_PADDING);
  g_ptr_array_unref (frames);

  la_session_free (s);
  la_engine_free (e);
  g_free (pcm);
}

/* silence and audio interleave on one time line */
static void
test_silence (void)
{
  const gsize n_samples = 3000 + 5000 + 1500;
  gfloat *pcm = test_audio_new (n_samples, 4);
  LaEngine *e = test_engine_new ("0", 1, 4, 64, 64);
  LaSession *s = test_session_new (e, LA_PIXEL_FORMAT_RGB, 2);
  GError *err = NULL;
  GPtrArray *frames;

  memset (pcm + 3000, 0, 5000 * sizeof (gfloat));
  g_assert_true (la_session_push_audio (s, pcm, 3000, &err));
  g_assert_true (la_session_push_silence (s, 5000, &err));
  g_assert_true (la_session_push_audio (s, pcm + 8000, 1500, &err));
  g_assert_true (la_session_push_audio (s, NULL, 0, &err));
  g_assert_no_error (err);
  la_session_drain (s);
  frames = test_pop_until_eos (s);
  test_check_sequence (frames, n_samples);
  test_check_pictures (frames, pcm, n_samples);
  g_ptr_array_unref (frames);

  la_session_free (s);
  la_engine_free (e);
  g_free (pcm);
}

/* a NaN or an infinity in the second block stops the session with an
 * error naming the sample; the first block still comes out */
static void
test_non_finite (void)
{
  const gfloat bad[] = { NAN, INFINITY, -INFINITY };
  const gsize n_samples = 2 * 7680;
  LaEngine *e = test_engine_new ("0", 1, 4, 64, 64);
  guint b;

  for (b = 0; b < G_N_ELEMENTS (bad); b++) {
    gfloat *pcm = test_audio_new (n_samples, b);
    LaSession *s = test_session_new (e, LA_PIXEL_FORMAT_RGB, 2);
    const gsize where = 7680 + 100 * (b + 1);
    gchar *expected = g_strdup_printf ("audio sample %" G_GSIZE_FORMAT
        " is %s", where, isnan (bad[b]) ? "NaN" : "infinite");
    LaFrame *frame = NULL;
    GError *err = NULL;
    guint64 next = 0;
    LaPopResult res;

    pcm[where] = bad[b];
    /* the audio stage may already have failed when the push returns */
    if (!la_session_push_audio (s, pcm, n_samples, &err)) {
      g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_DATA);
      g_assert_true (g_str_has_prefix (err->message, expected));
      g_clear_error (&err);
    }
    while ((res = la_session_pop_frame (s, &frame, 5 * G_USEC_PER_SEC,
                &err)) == LA_POP_FRAME) {
      g_assert_cmpuint (frame->index, ==, next);
      next++;
      la_frame_unref (frame);
    }
    g_assert_cmpint (res, ==, LA_POP_ERROR);
    g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_DATA);
    g_assert_true (g_str_has_prefix (err->message, expected));
    g_assert_cmpuint (next, <=, 12);
    g_clear_error (&err);

    g_free (expected);
    la_session_free (s);
    g_free (pcm);
  }
  la_engine_free (e);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stream/push-sizes", test_push_sizes);
  g_test_add_func ("/stream/exact-ceil", test_exact_ceil);
  g_test_add_func ("/stream/block-boundary", test_block_boundary);
  g_test_add_func ("/stream/pictures", test_pictures);
  g_test_add_func ("/stream/frame-layout", test_frame_layout);
  g_test_add_func ("/stream/drain", test_drain);
  g_test_add_func ("/stream/silence", test_silence);
  g_test_add_func ("/stream/non-finite", test_non_finite);

  return g_test_run ();
}
