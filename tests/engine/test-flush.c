/* liveavatar engine tests: flushing and back-pressure
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <string.h>

#include "test-util.h"

#define WAIT_US (5 * G_USEC_PER_SEC)    /* "did not deadlock" bound */
#define BLOCKED_US (300 * 1000) /* long enough to be sure a call waits */

/* one push or pop call (or loop of calls) in another thread */
typedef struct
{
  LaSession *session;
  const gfloat *pcm;
  gsize n_samples, chunk;
  gboolean loop;                /* keep going until a call fails */

  GMutex lock;
  GCond cond;
  gboolean done;
  gboolean push_ok;
  LaPopResult pop_result;
  GError *error;
  guint64 frames_seen;
  gboolean order_ok;
} Call;

static void
call_init (Call * c, LaSession * s)
{
  memset (c, 0, sizeof (*c));
  c->session = s;
  c->order_ok = TRUE;
  g_mutex_init (&c->lock);
  g_cond_init (&c->cond);
}

static void
call_finish (Call * c, GThread * thread)
{
  g_thread_join (thread);
  g_clear_error (&c->error);
  g_mutex_clear (&c->lock);
  g_cond_clear (&c->cond);
}

static void
call_done (Call * c)
{
  g_mutex_lock (&c->lock);
  c->done = TRUE;
  g_cond_signal (&c->cond);
  g_mutex_unlock (&c->lock);
}

static gboolean
call_wait (Call * c, gint64 timeout_us)
{
  return test_wait_flag (&c->lock, &c->cond, &c->done, timeout_us);
}

static gpointer
push_thread (gpointer data)
{
  Call *c = data;

  do {
    gsize done = 0;

    while (done < c->n_samples) {
      gsize n = MIN (c->chunk, c->n_samples - done);

      c->push_ok = la_session_push_audio (c->session, c->pcm + done, n,
          &c->error);
      if (!c->push_ok)
        goto out;
      done += n;
    }
  } while (c->loop);
out:
  call_done (c);
  return NULL;
}

static gpointer
pop_thread (gpointer data)
{
  Call *c = data;

  for (;;) {
    LaFrame *frame = NULL;

    c->pop_result = la_session_pop_frame (c->session, &frame, -1, &c->error);
    if (c->pop_result != LA_POP_FRAME)
      break;
    if (frame->index != c->frames_seen)
      c->order_ok = FALSE;
    c->frames_seen++;
    la_frame_unref (frame);
    if (!c->loop)
      break;
  }
  call_done (c);
  return NULL;
}

/* Starts pushing @n_samples of @pcm in chunks of @chunk (over and over
 * with @loop) from another thread. */
static GThread *
call_start_push (Call * c, LaSession * s, const gfloat * pcm,
    gsize n_samples, gsize chunk, gboolean loop)
{
  call_init (c, s);
  c->pcm = pcm;
  c->n_samples = n_samples;
  c->chunk = chunk;
  c->loop = loop;
  return g_thread_new ("pusher", push_thread, c);
}

/* Waits until the pusher in @c is held back: the first queue full and
 * the sample count still for a while. Returns the samples pushed. */
static guint64
wait_held_back (LaSession * s, Call * c)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_US;
  guint64 last = G_MAXUINT64;

  for (;;) {
    LaSessionStats stats;

    g_assert_false (call_wait (c, 50000));
    la_session_get_stats (s, &stats);
    if (stats.queue_depth[0] == 1 && stats.samples_pushed == last)
      return last;
    last = stats.samples_pushed;
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
  }
}

/* after a flush, a new stream starts at frame 0 with exactly its own
 * pictures: nothing stale can hide in it */
static void
check_fresh_stream (LaSession * s, guint salt)
{
  const gsize n_samples = 7680 + 3000;
  gfloat *pcm = test_audio_new (n_samples, salt);

  test_check_stream (s, pcm, n_samples, 1500);
  g_free (pcm);
}

static void
test_flush_state (void)
{
  LaEngine *e = test_engine_new ("0", 1, 4, 64, 64);
  LaSession *s = test_session_new (e, LA_PIXEL_FORMAT_RGB, 2);
  gfloat *pcm = test_audio_new (7680 * 2, 0);
  LaFrame *frame = NULL;
  LaSessionStats stats;
  GError *err = NULL;

  g_assert_true (la_session_push_audio (s, pcm, 7680 + 100, &err));
  test_pop_frames (s, 12, NULL);
  la_session_get_stats (s, &stats);
  g_assert_cmpuint (stats.samples_pushed, ==, 7780);
  g_assert_cmpuint (stats.frames_out, ==, 12);

  la_session_set_flushing (s, TRUE);
  la_session_set_flushing (s, TRUE);    /* twice is harmless */
  g_assert_cmpint (la_session_pop_frame (s, &frame, -1, &err), ==,
      LA_POP_FLUSHING);
  g_assert_null (frame);
  g_assert_no_error (err);
  g_assert_false (la_session_push_audio (s, pcm, 10, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_FLUSHING);
  g_clear_error (&err);
  la_session_drain (s);         /* ignored while flushing */

  la_session_set_flushing (s, FALSE);
  la_session_get_stats (s, &stats);
  g_assert_cmpuint (stats.samples_pushed, ==, 0);
  g_assert_cmpuint (stats.frames_out, ==, 0);
  g_assert_cmpuint (stats.blocks_generated, ==, 0);
  /* the 100 samples of the partial block are gone too */
  check_fresh_stream (s, 7);

  la_session_free (s);
  la_engine_free (e);
  g_free (pcm);
}

static void
test_flush_wakes_pop (void)
{
  LaEngine *e = test_engine_new ("0,1", 1, 4, 64, 64);
  LaSession *s = test_session_new (e, LA_PIXEL_FORMAT_RGB, 2);
  gfloat *pcm = test_audio_new (7680 * 2, 1);
  GError *err = NULL;
  GThread *t;
  Call c;

  /* one block out, half of the next one in: pop waits for the rest */
  g_assert_true (la_session_push_audio (s, pcm, 7680 + 3840, &err));
  test_pop_frames (s, 12, NULL);
  call_init (&c, s);
  t = g_thread_new ("popper", pop_thread, &c);
  g_assert_false (call_wait (&c, BLOCKED_US));

  la_session_set_flushing (s, TRUE);
  g_assert_true (call_wait (&c, WAIT_US));
  g_assert_cmpint (c.pop_result, ==, LA_POP_FLUSHING);
  g_assert_no_error (c.error);
  call_finish (&c, t);

  la_session_set_flushing (s, FALSE);
  check_fresh_stream (s, 2);

  la_session_free (s);
  la_engine_free (e);
  g_free (pcm);
}

static void
test_flush_wakes_push (void)
{
  const gsize n_samples = 40 * 7680;
  LaEngine *e = test_engine_new ("0,1", 1, 4, 64, 64);
  LaSession *s = test_session_new (e, LA_PIXEL_FORMAT_RGB, 1);
  gfloat *pcm = test_audio_new (n_samples, 1);
  LaSessionStats stats;
  GThread *t;
  Call c;

  /* nobody pops: the push stops when the stages are full */
  t = call_start_push (&c, s, pcm, n_samples, n_samples, FALSE);
  g_assert_cmpuint (wait_held_back (s, &c), <, n_samples);

  la_session_set_flushing (s, TRUE);
  g_assert_true (call_wait (&c, WAIT_US));
  g_assert_false (c.push_ok);
  g_assert_error (c.error, LA_ERROR, LA_ERROR_FLUSHING);
  call_finish (&c, t);
  la_session_get_stats (s, &stats);
  g_assert_cmpuint (stats.queue_depth[0], ==, 0);

  la_session_set_flushing (s, FALSE);
  check_fresh_stream (s, 3);

  la_session_free (s);
  la_engine_free (e);
  g_free (pcm);
}

static void
test_back_pressure (void)
{
  const gsize n_blocks = 30, n_samples = n_blocks * 7680;
  LaEngine *e = test_engine_new ("0", 1, 4, 64, 64);
  LaSession *s = test_session_new (e, LA_PIXEL_FORMAT_RGB, 1);
  gfloat *pcm = test_audio_new (n_samples, 4);
  LaSessionStats stats;
  guint64 pushed, n_popped;
  GPtrArray *frames;
  GThread *t;
  Call c;

  t = call_start_push (&c, s, pcm, n_samples, 7680, FALSE);

  /* held back: with one block per queue (3 stage inputs, 12 output
   * frames), 3 stages and the pusher, fewer than 10 blocks are in */
  pushed = wait_held_back (s, &c);
  g_assert_cmpuint (pushed, <, 10 * 7680);
  g_assert_cmpuint (pushed, >=, 4 * 7680);
  g_assert_false (call_wait (&c, BLOCKED_US));
  la_session_get_stats (s, &stats);
  g_assert_cmpuint (stats.samples_pushed, ==, pushed);

  /* popping lets it through, and nothing is lost */
  n_popped = 0;
  while (!call_wait (&c, 0)) {
    LaFrame *frame = NULL;
    GError *err = NULL;

    if (la_session_pop_frame (s, &frame, 100000, &err) == LA_POP_FRAME) {
      g_assert_cmpuint (frame->index, ==, n_popped);
      n_popped++;
      la_frame_unref (frame);
    }
    g_assert_no_error (err);
  }
  g_assert_true (c.push_ok);
  call_finish (&c, t);
  la_session_drain (s);
  frames = test_pop_until_eos (s);
  g_assert_cmpuint (n_popped + frames->len, ==, n_blocks * 12);
  g_ptr_array_unref (frames);

  la_session_free (s);
  la_engine_free (e);
  g_free (pcm);
}

/* flushes land anywhere: in push, in pop, mid-block, mid-stage */
static void
test_flush_races (void)
{
  const gsize n_samples = 4 * 7680;
  LaEngine *e = test_engine_new ("0,1,2,3", 1, 4, 64, 64);
  LaSession *s = test_session_new (e, LA_PIXEL_FORMAT_RGB, 1);
  gfloat *pcm = test_audio_new (n_samples, 5);
  guint round;

  for (round = 0; round < 12; round++) {
    Call push, pop;
    GThread *pusher, *popper;

    /* odd rounds: the popper starts late, so the pusher is held back */
    pusher = call_start_push (&push, s, pcm, n_samples, 441 + round * 97, TRUE);
    call_init (&pop, s);
    pop.loop = TRUE;
    if (round % 2)
      g_usleep (20000);
    popper = g_thread_new ("popper", pop_thread, &pop);
    g_usleep (1000 * (round * 7 % 30));

    la_session_set_flushing (s, TRUE);
    g_assert_true (call_wait (&push, WAIT_US));
    g_assert_true (call_wait (&pop, WAIT_US));
    g_assert_false (push.push_ok);
    g_assert_error (push.error, LA_ERROR, LA_ERROR_FLUSHING);
    g_assert_cmpint (pop.pop_result, ==, LA_POP_FLUSHING);
    g_assert_true (pop.order_ok);
    call_finish (&push, pusher);
    call_finish (&pop, popper);

    la_session_set_flushing (s, FALSE);
    check_fresh_stream (s, round);
    la_session_set_flushing (s, TRUE);
    la_session_set_flushing (s, FALSE);
  }

  la_session_free (s);
  la_engine_free (e);
  g_free (pcm);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/flush/state", test_flush_state);
  g_test_add_func ("/flush/wakes-pop", test_flush_wakes_pop);
  g_test_add_func ("/flush/wakes-push", test_flush_wakes_push);
  g_test_add_func ("/flush/back-pressure", test_back_pressure);
  g_test_add_func ("/flush/races", test_flush_races);

  return g_test_run ();
}
