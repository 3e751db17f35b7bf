/* liveavatar engine tests: QoS skipping and stage failures
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <string.h>

#include "la-session-private.h"
#include "test-util.h"

#define WAIT_US (5 * G_USEC_PER_SEC)

static void
check_frame (LaFrame * f, guint64 index, guint flags, const gfloat * pcm,
    gsize n_pcm)
{
  gsize size;
  guint8 *ref = ref_frame_bytes (f->format, f->width, f->height, index, pcm,
      n_pcm, &size);

  g_assert_cmpuint (f->index, ==, index);
  g_assert_cmpuint (f->flags, ==, flags);
  g_assert_cmpuint (f->size, ==, size);
  g_assert_true (memcmp (f->data, ref, size) == 0);
  g_free (ref);
}

static guint
count_events (const LaTraceEvent * ev, guint n, LaTraceKind kind, guint64 block)
{
  guint i, count = 0;

  for (i = 0; i < n; i++)
    count += ev[i].kind == kind && ev[i].block == block;
  return count;
}

/* late from the start: the test pattern with the mouth closed */
static void
test_skip_before_any_picture (void)
{
  const gsize n_samples = 4 * 7680;
  LaEngine *e = test_engine_new ("0,1", 1, 4, 64, 64);
  LaSession *s = test_session_new (e, LA_PIXEL_FORMAT_RGB, 2);
  gfloat *pcm = test_audio_new (n_samples, 2);
  LaSessionStats stats;
  LaTraceEvent *ev;
  GPtrArray *frames;
  guint i, n;

  la_session_set_trace (s, TRUE);
  /* frame 30 is in block 2: blocks 0 and 1 are wholly late */
  la_session_set_earliest_frame (s, 30);
  frames = test_run_stream (s, pcm, n_samples, 7680);
  g_assert_cmpuint (frames->len, ==, 48);
  for (i = 0; i < 24; i++)
    check_frame (g_ptr_array_index (frames, i), i,
        LA_FRAME_FLAG_REPEATED | (i == 0 ? LA_FRAME_FLAG_DISCONT : 0), NULL, 0);
  for (i = 24; i < 48; i++)
    check_frame (g_ptr_array_index (frames, i), i, 0, pcm, n_samples);

  la_session_get_stats (s, &stats);
  g_assert_cmpuint (stats.blocks_skipped, ==, 2);
  g_assert_cmpuint (stats.frames_repeated, ==, 24);
  g_assert_cmpuint (stats.blocks_generated, ==, 2);
  g_assert_cmpuint (stats.frames_out, ==, 48);

  /* skipped blocks never reached a DiT step or the decoder */
  ev = la_session_get_trace (s, &n);
  for (i = 0; i < 4; i++) {
    g_assert_cmpuint (count_events (ev, n, LA_TRACE_DIT_STEP, i), ==,
        i < 2 ? 0 : 4);
    g_assert_cmpuint (count_events (ev, n, LA_TRACE_DECODE, i), ==,
        i < 2 ? 0 : 1);
  }
  g_free (ev);
  g_ptr_array_unref (frames);

  /* a flush forgets the QoS position */
  la_session_set_flushing (s, TRUE);
  la_session_set_flushing (s, FALSE);
  test_check_stream (s, pcm, 7680, 7680);

  la_session_free (s);
  la_engine_free (e);
  g_free (pcm);
}

/* late after a generated block: copies of its last picture */
static void
test_skip_repeats_last_picture (void)
{
  const gsize n_samples = 3 * 7680 + 1000;      /* frames 0 .. 37 */
  LaEngine *e = test_engine_new ("0", 1, 4, 64, 64);
  LaSession *s = test_session_new (e, LA_PIXEL_FORMAT_I420, 2);
  gfloat *pcm = test_audio_new (n_samples, 8);
  GPtrArray *frames =
      g_ptr_array_new_with_free_func ((GDestroyNotify) la_frame_unref);
  GPtrArray *rest;
  LaSessionStats stats;
  GError *err = NULL;
  LaFrame *last;
  guint i;

  g_assert_true (la_session_push_audio (s, pcm, 7680, &err));
  test_pop_frames (s, 12, frames);
  last = g_ptr_array_index (frames, 11);

  /* blocks 1 and 2 and the short block 3 (frames 36, 37) are late */
  la_session_set_earliest_frame (s, 38);
  g_assert_true (la_session_push_audio (s, pcm + 7680, n_samples - 7680, &err));
  g_assert_no_error (err);
  la_session_drain (s);
  rest = test_pop_until_eos (s);
  g_assert_cmpuint (rest->len, ==, 26);
  for (i = 0; i < rest->len; i++) {
    LaFrame *f = g_ptr_array_index (rest, i);
    guint flags = LA_FRAME_FLAG_REPEATED;

    if (i == rest->len - 1)
      flags |= LA_FRAME_FLAG_PADDING;
    g_assert_cmpuint (f->index, ==, 12 + i);
    g_assert_cmpuint (f->flags, ==, flags);
    g_assert_cmpuint (f->size, ==, last->size);
    g_assert_true (memcmp (f->data, last->data, f->size) == 0);
  }
  la_session_get_stats (s, &stats);
  g_assert_cmpuint (stats.blocks_generated, ==, 1);
  g_assert_cmpuint (stats.blocks_skipped, ==, 3);
  g_assert_cmpuint (stats.frames_repeated, ==, 26);

  g_ptr_array_unref (rest);
  g_ptr_array_unref (frames);
  la_session_free (s);
  la_engine_free (e);
  g_free (pcm);
}

typedef struct
{
  LaSession *session;
  const gfloat *pcm;
  gsize n_samples;
  gboolean ok;
  GError *error;
} Pusher;

static gpointer
push_all (gpointer data)
{
  Pusher *p = data;

  p->ok = la_session_push_audio (p->session, p->pcm, p->n_samples, &p->error);
  return NULL;
}

static void
test_fault (void)
{
  /* far more than the stages hold, so the push is still going on when
   * the fault hits */
  const gsize n_samples = 40 * 7680;
  LaEngine *e = test_engine_new ("0,1", 1, 4, 64, 64);
  gfloat *pcm = test_audio_new (n_samples, 9);
  guint stage;

  /* audio, DiT 0, DiT 1, VAE */
  for (stage = 0; stage < 4; stage++) {
    LaSession *s = test_session_new (e, LA_PIXEL_FORMAT_RGB, 1);
    Pusher p = { s, pcm, n_samples, FALSE, NULL };
    gchar *message = g_strdup_printf ("injected fault in stage %u at block 1",
        stage);
    LaFrame *frame = NULL;
    GError *err = NULL;
    GThread *t;
    guint64 next = 0;
    LaPopResult res;

    la_session_inject_fault (s, stage, 1);
    t = g_thread_new ("pusher", push_all, &p);
    for (;;) {
      res = la_session_pop_frame (s, &frame, WAIT_US, &err);
      if (res != LA_POP_FRAME)
        break;
      /* only block 0 can come out, in order */
      g_assert_cmpuint (frame->index, ==, next);
      g_assert_cmpuint (frame->index, <, 12);
      next++;
      la_frame_unref (frame);
    }
    g_assert_cmpint (res, ==, LA_POP_ERROR);
    g_assert_error (err, LA_ERROR, LA_ERROR_FAILED);
    g_assert_cmpstr (err->message, ==, message);
    g_clear_error (&err);

    /* the push stops with the same error */
    g_thread_join (t);
    g_assert_false (p.ok);
    g_assert_error (p.error, LA_ERROR, LA_ERROR_FAILED);
    g_assert_cmpstr (p.error->message, ==, message);
    g_clear_error (&p.error);

    /* and the error stays until a flush */
    g_assert_cmpint (la_session_pop_frame (s, &frame, 0, &err), ==,
        LA_POP_ERROR);
    g_assert_cmpstr (err->message, ==, message);
    g_clear_error (&err);
    g_assert_false (la_session_push_silence (s, 640, &err));
    g_assert_error (err, LA_ERROR, LA_ERROR_FAILED);
    g_clear_error (&err);
    la_session_drain (s);

    la_session_set_flushing (s, TRUE);
    la_session_set_flushing (s, FALSE);
    test_check_stream (s, pcm, 7680 + 640, 1280);

    g_free (message);
    la_session_free (s);
  }
  la_engine_free (e);
  g_free (pcm);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qos/skip-before-any-picture",
      test_skip_before_any_picture);
  g_test_add_func ("/qos/skip-repeats-last-picture",
      test_skip_repeats_last_picture);
  g_test_add_func ("/qos/fault", test_fault);

  return g_test_run ();
}
