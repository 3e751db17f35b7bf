/* liveavatar engine tests: Live Avatar on several virtual devices
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Live Avatar's timestep-forcing pipeline: with P DiT stages, stage k
 * runs steps [k S / P, (k + 1) S / P) of every block with its own caches,
 * and only the last one sees the clean latent the rolling sink needs from
 * the second clip on. Whatever the placement, the frames must be those of
 * one device (la_avatar_generate's, which test-avatar-identity holds the
 * one-device session to). And a second picture takes effect at the next
 * clip boundary, with two stages.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "avatar-util.h"
#include "la-session-private.h"

/* past the clip boundary: blocks 4 and 5 take their sink from block 0 */
#define N_BLOCKS 6

static gfloat *pcm;
static gsize n_pcm;
static GPtrArray *ref;

static void
run_placement (const gchar * devices, gint ulysses, guint n_stages)
{
  LaEngine *e = av_engine_new (devices, ulysses, TRUE);
  LaSession *s = av_session_new (e, AV_PROMPT);
  guint n_steps = LA_DEFAULT_SAMPLE_STEPS, n_devices = n_stages * ulysses;
  guint n_events, i, seen = 0;
  LaTraceEvent *events;
  GPtrArray *frames;

  g_assert_cmpuint (la_engine_get_n_dit_stages (e), ==, n_stages);
  la_session_set_trace (s, TRUE);
  frames = av_run (s, pcm, n_pcm);
  g_assert_cmpuint (frames->len, ==, N_BLOCKS * LA_FRAMES_PER_BLOCK);
  av_assert_frames (frames, ref, 0, frames->len);

  /* step i of every block ran on the devices of stage i * P / S, each
   * device of a Ulysses group traced */
  events = la_session_get_trace (s, &n_events);
  for (i = 0; i < n_events; i++) {
    const LaTraceEvent *ev = &events[i];
    guint stage;

    if (ev->kind != LA_TRACE_DIT_STEP)
      continue;
    stage = (guint) ev->step * n_stages / n_steps;
    g_assert_cmpuint (ev->stage, ==, 1 + stage);
    g_assert_cmpint (ev->device / ulysses, ==, (gint) stage);
    seen++;
  }
  g_assert_cmpuint (seen, ==, N_BLOCKS * n_steps * ulysses);
  g_assert_cmpuint (n_devices, >, 0);
  g_free (events);

  g_ptr_array_unref (frames);
  la_session_free (s);
  la_engine_free (e);
}

/* A second picture given while block 3 is the last one cut takes effect
 * at block 4, the next clip boundary: the frames before are the first
 * picture's, block 4's first frame says NEW_REFERENCE, count and order do
 * not change. */
static void
test_picture_change (void)
{
  LaEngine *e = av_engine_new ("0,1", 1, TRUE);
  LaSession *s = av_session_new (e, AV_PROMPT);
  gsize first = 4 * LA_SAMPLES_PER_BLOCK + la_engine_get_lookahead_samples (e);
  gsize size = (gsize) AV_WIDTH * AV_HEIGHT * 3, j;
  guint8 *other = g_malloc (size);
  GPtrArray *frames =
      g_ptr_array_new_with_free_func ((GDestroyNotify) la_frame_unref);
  GError *err = NULL;
  guint i, boundary = 4 * LA_FRAMES_PER_BLOCK;

  /* the same picture, colours turned around */
  for (j = 0; j < size; j++)
    other[j] = av_picture ()[size - 1 - j];
  av_push (s, pcm, first);
  g_assert_true (la_session_set_reference_image (s, other, AV_WIDTH,
          AV_HEIGHT, AV_WIDTH * 3, &err));
  g_assert_no_error (err);
  av_run_into (s, pcm + first, n_pcm - first, frames);

  g_assert_cmpuint (frames->len, ==, N_BLOCKS * LA_FRAMES_PER_BLOCK);
  av_assert_frames (frames, ref, 0, boundary);
  for (i = boundary; i < frames->len; i++) {
    LaFrame *f = g_ptr_array_index (frames, i);

    g_assert_cmpuint (f->index, ==, i);
    g_assert_cmpuint (f->flags, ==, i == boundary ?
        LA_FRAME_FLAG_NEW_REFERENCE : 0);
    g_assert_true (av_frame_differs (frames, ref, i));
  }

  g_ptr_array_unref (frames);
  g_free (other);
  la_session_free (s);
  la_engine_free (e);
}

static void
test_four_stages (void)
{
  run_placement ("0,1,2,3", 1, 4);
}

static void
test_two_stages (void)
{
  run_placement ("0,1", 1, 2);
}

static void
test_ulysses (void)
{
  run_placement ("0,1", 2, 1);
}

int
main (int argc, char **argv)
{
  gint ret;

  g_test_init (&argc, &argv, NULL);

  pcm = av_audio_new (N_BLOCKS, 3, &n_pcm);
  ref = av_reference (pcm, n_pcm, N_BLOCKS, TRUE, AV_PROMPT);

  g_test_add_func ("/avatar/devices/four-stages", test_four_stages);
  g_test_add_func ("/avatar/devices/two-stages", test_two_stages);
  g_test_add_func ("/avatar/devices/ulysses", test_ulysses);
  g_test_add_func ("/avatar/devices/picture-change", test_picture_change);

  ret = g_test_run ();
  g_ptr_array_unref (ref);
  g_free (pcm);
  av_cleanup ();
  return ret;
}
