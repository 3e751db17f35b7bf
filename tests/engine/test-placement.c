/* liveavatar engine tests: stage placement on (virtual) devices
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * With N DiT devices in groups of U (Ulysses) there are P = N / U stages;
 * stage k owns the k-th group, in the order the devices are listed, and
 * runs steps [k S / P, (k + 1) S / P) of every block; the VAE runs on the
 * last listed device unless told otherwise. The trace shows who ran what,
 * in which order; the pictures must not depend on the placement.
 */

#include <string.h>

#include "la-session-private.h"
#include "test-util.h"

#define N_SAMPLES (3 * 7680 + 1000)     /* 4 blocks, the last one short */
#define N_BLOCKS 4

typedef struct
{
  const gchar *devices;
  guint device_list[LA_MAX_DEVICES];
  guint n_devices;
  gint ulysses;
  gint steps;
} Placement;

static const Placement placements[] = {
  {"0", {0}, 1, 1, 4},
  {"0,1", {0, 1}, 2, 1, 4},
  {"0,1,2,3", {0, 1, 2, 3}, 4, 1, 4},
  /* steps 0 | 1 2 | 3 | 4 5 | 6 7 */
  {"4,3,2,1,0", {4, 3, 2, 1, 0}, 5, 1, 8},
  {"0,1,2,3", {0, 1, 2, 3}, 4, 2, 4},   /* two Ulysses pairs */
  {"7, 5", {7, 5}, 2, 1, 3},    /* steps 0 | 1 2 */
  {"2,0,1,5,4,3", {2, 0, 1, 5, 4, 3}, 6, 3, 4},
};

static GPtrArray *
run (const Placement * p, const gfloat * pcm, LaTraceEvent ** events,
    guint * n_events)
{
  LaEngine *e = test_engine_new (p->devices, p->ulysses, p->steps, 64, 64);
  LaSession *s = test_session_new (e, LA_PIXEL_FORMAT_RGB, 2);
  GPtrArray *frames;

  g_assert_cmpuint (la_engine_get_n_dit_stages (e), ==,
      p->n_devices / p->ulysses);
  la_session_set_trace (s, TRUE);
  frames = test_run_stream (s, pcm, N_SAMPLES, 2000);
  *events = la_session_get_trace (s, n_events);
  la_session_free (s);
  la_engine_free (e);
  return frames;
}

static void
check_trace (const Placement * p, const LaTraceEvent * ev, guint n_events)
{
  guint n_stages = p->n_devices / p->ulysses;
  guint vae_stage = n_stages + 1;
  guint vae_device = p->device_list[p->n_devices - 1];
  guint64 last_block_of_stage[LA_MAX_DEVICES + 2];
  guint b, i;

  /* each stage takes the blocks in order */
  for (i = 0; i < G_N_ELEMENTS (last_block_of_stage); i++)
    last_block_of_stage[i] = 0;
  for (i = 0; i < n_events; i++) {
    g_assert_cmpuint (ev[i].stage, <=, vae_stage);
    g_assert_cmpuint (ev[i].block, >=, last_block_of_stage[ev[i].stage]);
    last_block_of_stage[ev[i].stage] = ev[i].block;
  }

  for (b = 0; b < N_BLOCKS; b++) {
    guint runs[LA_MAX_SAMPLE_STEPS][LA_MAX_DEVICES];
    guint n_audio = 0, n_decode = 0, last_stage = 0;
    gint last_step = -1;
    guint step, d;

    memset (runs, 0, sizeof (runs));
    for (i = 0; i < n_events; i++) {
      if (ev[i].block != b)
        continue;
      /* hand-off order: a block never goes back to an earlier stage */
      g_assert_cmpuint (ev[i].stage, >=, last_stage);
      last_stage = ev[i].stage;

      switch (ev[i].kind) {
        case LA_TRACE_AUDIO:
          g_assert_cmpuint (ev[i].stage, ==, 0);
          g_assert_cmpuint (n_audio, ==, 0);
          n_audio++;
          break;
        case LA_TRACE_DIT_STEP:{
          guint k = ev[i].stage - 1, slot;

          g_assert_cmpuint (n_audio, ==, 1);
          g_assert_cmpint (ev[i].step, >=, last_step);
          last_step = ev[i].step;
          /* the step belongs to this stage ... */
          g_assert_cmpuint (ev[i].stage, >=, 1);
          g_assert_cmpuint (k, <, n_stages);
          g_assert_cmpint (ev[i].step, >=, (gint) (k * p->steps / n_stages));
          g_assert_cmpint (ev[i].step, <,
              (gint) ((k + 1) * p->steps / n_stages));
          /* ... and ran on one of the stage's devices */
          for (slot = 0; slot < (guint) p->ulysses; slot++) {
            if (p->device_list[k * p->ulysses + slot] == (guint) ev[i].device)
              break;
          }
          g_assert_cmpuint (slot, <, (guint) p->ulysses);
          runs[ev[i].step][slot]++;
          break;
        }
        case LA_TRACE_DECODE:
          g_assert_cmpuint (ev[i].stage, ==, vae_stage);
          g_assert_cmpint (ev[i].device, ==, (gint) vae_device);
          n_decode++;
          break;
        case LA_TRACE_PROMPT:
        case LA_TRACE_REFERENCE:
          /* no prompt or picture given here */
          g_assert_not_reached ();
          break;
      }
    }
    g_assert_cmpuint (n_audio, ==, 1);
    g_assert_cmpuint (n_decode, ==, 1);
    /* every step once on every device of its group */
    for (step = 0; step < (guint) p->steps; step++)
      for (d = 0; d < (guint) p->ulysses; d++)
        g_assert_cmpuint (runs[step][d], ==, 1);
  }
}

static void
test_placements (void)
{
  gfloat *pcm = test_audio_new (N_SAMPLES, 6);
  GPtrArray *baseline = NULL;
  guint c, i;

  for (c = 0; c < G_N_ELEMENTS (placements); c++) {
    const Placement *p = &placements[c];
    LaTraceEvent *events;
    guint n_events;
    GPtrArray *frames = run (p, pcm, &events, &n_events);

    g_test_message ("dit-devices \"%s\", ulysses %d, %d steps: %u events",
        p->devices, p->ulysses, p->steps, n_events);
    test_check_sequence (frames, N_SAMPLES);
    check_trace (p, events, n_events);
    g_free (events);

    if (baseline == NULL) {
      test_check_pictures (frames, pcm, N_SAMPLES);
      baseline = frames;
      continue;
    }
    g_assert_cmpuint (frames->len, ==, baseline->len);
    for (i = 0; i < frames->len; i++) {
      LaFrame *a = g_ptr_array_index (frames, i);
      LaFrame *b = g_ptr_array_index (baseline, i);

      g_assert_cmpuint (a->size, ==, b->size);
      g_assert_true (memcmp (a->data, b->data, a->size) == 0);
    }
    g_ptr_array_unref (frames);
  }
  g_ptr_array_unref (baseline);
  g_free (pcm);
}

static void
test_too_many_stages (void)
{
  LaEngineConfig cfg;
  GError *err = NULL;
  LaEngine *e;

  test_engine_config_init (&cfg);
  cfg.dit_devices = "0,1,2,3,4";
  g_assert_null (la_engine_new (&cfg, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (err->message, ==, "5 DiT stages but only 4 sampling "
      "steps: every stage runs at least one step (use fewer dit-devices, a "
      "larger ulysses-size or more sample-steps)");
  g_clear_error (&err);

  /* the same five devices as Ulysses groups or with more steps are fine */
  cfg.dit_devices = "0,1,2,3,4,5,6,7,8,9";
  cfg.ulysses_size = 5;
  e = la_engine_new (&cfg, &err);
  g_assert_no_error (err);
  g_assert_cmpuint (la_engine_get_n_dit_stages (e), ==, 2);
  la_engine_free (e);
}

/* a prompt change takes effect at the next block cut after it */
static void
test_prompt (void)
{
  LaEngine *e = test_engine_new ("0,1", 1, 4, 64, 64);
  LaSession *s = test_session_new (e, LA_PIXEL_FORMAT_RGB, 2);
  gfloat *pcm = test_audio_new (4 * 7680, 0);
  LaTraceEvent *ev;
  GError *err = NULL;
  GPtrArray *frames;
  guint n, i, n_prompt = 0;

  la_session_set_trace (s, TRUE);
  g_assert_true (la_session_push_audio (s, pcm, 7680 + 100, &err));
  g_assert_true (la_session_set_prompt (s, "a person talking", &err));
  g_assert_true (la_session_push_audio (s, pcm + 7780, 2 * 7680, &err));
  g_assert_true (la_session_set_prompt (s, "smiling", &err));
  g_assert_true (la_session_set_prompt (s, NULL, &err));
  g_assert_no_error (err);
  g_assert_false (la_session_set_prompt (s, "\xc3\x28", &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);
  g_assert_true (la_session_push_audio (s, pcm + 7780 + 2 * 7680,
          7680 - 100, &err));
  la_session_drain (s);
  frames = test_pop_until_eos (s);
  g_assert_cmpuint (frames->len, ==, 48);
  g_ptr_array_unref (frames);

  ev = la_session_get_trace (s, &n);
  for (i = 0; i < n; i++) {
    if (ev[i].kind != LA_TRACE_PROMPT)
      continue;
    /* block 1 was cut after the first change, block 3 after the others */
    g_assert_cmpuint (ev[i].block, ==, n_prompt == 0 ? 1 : 3);
    n_prompt++;
  }
  g_assert_cmpuint (n_prompt, ==, 2);
  g_free (ev);

  la_session_free (s);
  la_engine_free (e);
  g_free (pcm);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/placement/devices", test_placements);
  g_test_add_func ("/placement/too-many-stages", test_too_many_stages);
  g_test_add_func ("/placement/prompt", test_prompt);

  return g_test_run ();
}
