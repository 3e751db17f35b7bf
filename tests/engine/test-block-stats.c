/* liveavatar engine tests: the stats each block's first frame carries
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <string.h>

#include "test-util.h"

/* Every frame of @frames: block stats on the first of each block only,
 * with the block's index, the stages of @e and the devices they run on
 * (@devices[stage] as a comma list, "" for the host). Late blocks are
 * those below @first_generated. */
static void
check_block_stats (GPtrArray * frames, guint n_stages,
    const gchar * const *devices, guint64 first_generated)
{
  guint i, k, d;

  for (i = 0; i < frames->len; i++) {
    LaFrame *f = g_ptr_array_index (frames, i);
    LaBlockStats st;
    gint64 sum = 0;

    memset (&st, 0xa5, sizeof (st));
    if (f->index % LA_FRAMES_PER_BLOCK != 0) {
      g_assert_false (la_frame_get_block_stats (f, &st));
      continue;
    }
    g_assert_true (la_frame_get_block_stats (f, &st));
    g_assert_cmpuint (st.block, ==, f->index / LA_FRAMES_PER_BLOCK);
    g_assert_cmpint (st.skipped, ==, st.block < first_generated);
    /* the last block of a drain has the frames that are left */
    g_assert_cmpuint (st.n_frames, ==, MIN (LA_FRAMES_PER_BLOCK,
            frames->len - f->index));
    g_assert_cmpuint (st.n_stages, ==, n_stages);
    for (k = 0; k < n_stages; k++) {
      GString *list = g_string_new (NULL);

      g_assert_cmpint (st.stage_us[k], >=, 0);
      sum += st.stage_us[k];
      for (d = 0; d < st.n_devices[k]; d++)
        g_string_append_printf (list, "%s%u", d ? "," : "", st.devices[k][d]);
      g_assert_cmpstr (list->str, ==, devices[k]);
      g_string_free (list, TRUE);
    }
    /* the stages ran one after the other between those two moments */
    g_assert_cmpint (st.total_us, >=, sum);
  }
}

static void
run_case (const gchar * dit_devices, gint ulysses, gint vae_device,
    guint n_stages, const gchar * const *devices)
{
  const gsize n_samples = 3 * 7680 + 1000;      /* a partial last block */
  LaEngineConfig cfg;
  GError *err = NULL;
  LaEngine *e;
  LaSession *s;
  gfloat *pcm = test_audio_new (n_samples, 5);
  GPtrArray *frames;

  test_engine_config_init (&cfg);
  cfg.dit_devices = dit_devices;
  cfg.ulysses_size = ulysses;
  cfg.vae_device = vae_device;
  e = la_engine_new (&cfg, &err);
  g_assert_no_error (err);
  s = test_session_new (e, LA_PIXEL_FORMAT_RGB, 2);

  frames = test_run_stream (s, pcm, n_samples, 1000);
  g_assert_cmpuint (frames->len, ==, test_expected_frames (n_samples));
  check_block_stats (frames, n_stages, devices, 0);

  g_ptr_array_unref (frames);
  la_session_free (s);
  la_engine_free (e);
  g_free (pcm);
}

static void
test_pipeline_stages (void)
{
  const gchar *const devices[] = { "", "0", "1", "1" };

  run_case ("0,1", 1, -1, 4, devices);
}

static void
test_ulysses_group (void)
{
  const gchar *const devices[] = { "", "0,1", "1" };

  run_case ("0,1", 2, -1, 3, devices);
}

static void
test_vae_device (void)
{
  const gchar *const devices[] = { "", "2", "3", "0" };

  run_case ("2,3", 1, 0, 4, devices);
}

/* QoS: the late blocks say they were skipped */
static void
test_skipped (void)
{
  const gchar *const devices[] = { "", "0", "1", "1" };
  const gsize n_samples = 4 * 7680;
  LaEngine *e = test_engine_new ("0,1", 1, 4, 64, 64);
  LaSession *s = test_session_new (e, LA_PIXEL_FORMAT_RGB, 2);
  gfloat *pcm = test_audio_new (n_samples, 2);
  GPtrArray *frames;

  /* frame 30 is in block 2: blocks 0 and 1 are wholly late */
  la_session_set_earliest_frame (s, 30);
  frames = test_run_stream (s, pcm, n_samples, 7680);
  g_assert_cmpuint (frames->len, ==, 48);
  check_block_stats (frames, 4, devices, 2);

  g_ptr_array_unref (frames);
  la_session_free (s);
  la_engine_free (e);
  g_free (pcm);
}

/* after a flush the block numbers start again with the frames' */
static void
test_after_flush (void)
{
  const gchar *const devices[] = { "", "0", "0" };
  const gsize n_samples = 2 * 7680;
  LaEngine *e = test_engine_new ("0", 1, 2, 64, 64);
  LaSession *s = test_session_new (e, LA_PIXEL_FORMAT_I420, 1);
  gfloat *pcm = test_audio_new (n_samples, 9);
  GPtrArray *frames;

  frames = test_run_stream (s, pcm, n_samples, 640);
  check_block_stats (frames, 3, devices, 0);
  g_ptr_array_unref (frames);

  la_session_set_flushing (s, TRUE);
  la_session_set_flushing (s, FALSE);
  frames = test_run_stream (s, pcm, n_samples, 640);
  g_assert_cmpuint (frames->len, ==, 24);
  check_block_stats (frames, 3, devices, 0);

  g_ptr_array_unref (frames);
  la_session_free (s);
  la_engine_free (e);
  g_free (pcm);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/block-stats/pipeline-stages", test_pipeline_stages);
  g_test_add_func ("/block-stats/ulysses-group", test_ulysses_group);
  g_test_add_func ("/block-stats/vae-device", test_vae_device);
  g_test_add_func ("/block-stats/skipped", test_skipped);
  g_test_add_func ("/block-stats/after-flush", test_after_flush);
  return g_test_run ();
}
