/* liveavatar engine tests: a Live Avatar session's life
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Flushing starts every stage over (front-end history, step caches and
 * sink, decoder), so the same audio again gives a fresh session's frames;
 * a prompt change takes effect at the next block cut once encoded,
 * without changing frame count or order; and the errors: no reference
 * picture, a model folder that lacks a file.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <glib/gstdio.h>

#include "avatar-util.h"
#include "la-session-private.h"
#include "test-tiny.h"

#define N_BLOCKS 6
#define PROMPT_WAIT_US (60 * G_USEC_PER_SEC)

static gfloat *pcm;
static gsize n_pcm;
static GPtrArray *ref;

static void
test_flush (void)
{
  LaEngine *e = av_engine_new ("0,1", 1, TRUE);
  LaSession *s = av_session_new (e, AV_PROMPT);
  GPtrArray *frames;

  /* three blocks in, the first one out: caches and sinks are warm */
  av_push (s, pcm, 3 * LA_SAMPLES_PER_BLOCK + 6400);
  av_pop (s, LA_FRAMES_PER_BLOCK, NULL);
  la_session_set_flushing (s, TRUE);
  la_session_set_flushing (s, FALSE);

  frames = av_run (s, pcm, n_pcm);
  g_assert_cmpuint (frames->len, ==, N_BLOCKS * LA_FRAMES_PER_BLOCK);
  av_assert_frames (frames, ref, 0, frames->len);
  g_assert_true (((LaFrame *) g_ptr_array_index (frames, 0))->flags &
      LA_FRAME_FLAG_DISCONT);

  g_ptr_array_unref (frames);
  la_session_free (s);
  la_engine_free (e);
}

static void
test_prompt_change (void)
{
  LaEngine *e = av_engine_new ("0", 1, TRUE);
  LaSession *s = av_session_new (e, AV_PROMPT);
  /* blocks 0 and 1 are cut once their audio and the look-ahead are in */
  gsize first = 2 * LA_SAMPLES_PER_BLOCK + la_engine_get_lookahead_samples (e);
  GPtrArray *frames =
      g_ptr_array_new_with_free_func ((GDestroyNotify) la_frame_unref);
  GError *err = NULL;
  guint i, b;

  av_push (s, pcm, first);
  av_pop (s, 2 * LA_FRAMES_PER_BLOCK, frames);
  g_assert_true (la_session_set_prompt (s, "an old man shouting angrily "
          "in the rain", &err));
  g_assert_no_error (err);
  g_assert_true (la_session_wait_prompt (s, PROMPT_WAIT_US));

  av_run_into (s, pcm + first, n_pcm - first, frames);

  /* count and indices exact; before the change, the old prompt's frames */
  g_assert_cmpuint (frames->len, ==, N_BLOCKS * LA_FRAMES_PER_BLOCK);
  av_assert_frames (frames, ref, 0, 2 * LA_FRAMES_PER_BLOCK);
  for (i = 0; i < frames->len; i++)
    g_assert_cmpuint (((LaFrame *) g_ptr_array_index (frames, i))->index, ==,
        i);
  /* from block 2 on, every block shows the new prompt's effect */
  for (b = 2; b < N_BLOCKS; b++) {
    gboolean differs = FALSE;

    for (i = 0; i < LA_FRAMES_PER_BLOCK; i++)
      differs |= av_frame_differs (frames, ref, b * LA_FRAMES_PER_BLOCK + i);
    g_assert_true (differs);
  }

  g_ptr_array_unref (frames);
  la_session_free (s);
  la_engine_free (e);
}

/* QoS: blocks 0 and 1 are late before they start. They are not
 * generated: the picture stands in for them (nothing was generated yet),
 * flagged REPEATED. Block 0 started the picture's first clip, so the sink
 * of blocks 4 and 5 falls back to the picture's latent instead of waiting
 * for a frame that never comes. */
static void
check_qos (gboolean online_decode)
{
  LaEngine *e = av_engine_new ("0,1", 1, online_decode);
  LaSession *s = av_session_new (e, AV_PROMPT);
  gsize size = (gsize) AV_WIDTH * AV_HEIGHT * 3;
  guint late = 2 * LA_FRAMES_PER_BLOCK, i;
  LaSessionStats stats;
  GPtrArray *frames;

  la_session_set_earliest_frame (s, late);
  frames = av_run (s, pcm, n_pcm);
  g_assert_cmpuint (frames->len, ==, N_BLOCKS * LA_FRAMES_PER_BLOCK);
  for (i = 0; i < frames->len; i++) {
    LaFrame *f = g_ptr_array_index (frames, i);
    gboolean repeated = (f->flags & LA_FRAME_FLAG_REPEATED) != 0;

    g_assert_cmpuint (f->index, ==, i);
    g_assert_cmpint (repeated, ==, i < late);
    /* the primed decoder's 3 missing frames at the first generated
     * block: the picture as well */
    if (i < late + 3)
      g_assert_cmpmem (f->data, size, av_picture (), size);
    else
      g_assert_true (memcmp (f->data, av_picture (), size) != 0);
  }
  la_session_get_stats (s, &stats);
  g_assert_cmpuint (stats.blocks_skipped, ==, 2);
  g_assert_cmpuint (stats.blocks_generated, ==, N_BLOCKS - 2);
  g_assert_cmpuint (stats.frames_repeated, ==, late);

  g_ptr_array_unref (frames);
  la_session_free (s);
  la_engine_free (e);
}

/* per-clip decode: the decoder is primed at block 2, which starts a
 * partial clip (the online path is the simpler case of the same code) */
static void
test_qos (void)
{
  check_qos (FALSE);
}

/* empty and over-long prompts are fine: the encoder truncates at
 * text_len tokens */
static void
test_prompt_lengths (void)
{
  LaEngine *e = av_engine_new ("0", 1, TRUE);
  LaSession *s = av_session_new (e, NULL);
  GString *longer = g_string_new (NULL);
  GPtrArray *frames;
  GError *err = NULL;

  while (longer->len < 10000)
    g_string_append (longer, "talking ");
  g_string_truncate (longer, 10000);
  g_assert_true (la_session_set_prompt (s, longer->str, &err));
  g_assert_no_error (err);
  g_assert_true (la_session_wait_prompt (s, PROMPT_WAIT_US));
  g_assert_true (la_session_set_prompt (s, "", &err));
  g_assert_no_error (err);
  g_assert_true (la_session_wait_prompt (s, PROMPT_WAIT_US));

  frames = av_run (s, pcm, LA_SAMPLES_PER_BLOCK);
  g_assert_cmpuint (frames->len, ==, LA_FRAMES_PER_BLOCK);

  g_ptr_array_unref (frames);
  g_string_free (longer, TRUE);
  la_session_free (s);
  la_engine_free (e);
}

static void
test_no_reference (void)
{
  LaEngine *e = av_engine_new ("0", 1, TRUE);
  LaSessionConfig cfg;
  LaFrame *frame = NULL;
  GError *err = NULL;
  LaSession *s;

  la_session_config_init (&cfg);
  s = la_session_new (e, &cfg, &err);
  g_assert_no_error (err);
  av_push (s, pcm, LA_SAMPLES_PER_BLOCK);
  la_session_drain (s);
  g_assert_cmpint (la_session_pop_frame (s, &frame, 60 * G_USEC_PER_SEC,
          &err), ==, LA_POP_ERROR);
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (err->message,
          "model liveavatar needs a reference picture"));
  g_clear_error (&err);

  /* a picture of the wrong size is refused where it is given */
  g_assert_false (la_session_set_reference_image (s, av_picture (),
          AV_WIDTH / 2, AV_HEIGHT, AV_WIDTH * 3, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&err);

  la_session_free (s);
  la_engine_free (e);
}

/* the loader's error, naming the file, at la_engine_new */
static void
test_bad_model (void)
{
  LaEngineConfig cfg;
  GError *err = NULL;
  gchar *dir = la_test_tiny_model_new (1);
  gchar *vae;

  vae = g_build_filename (dir, LA_AVATAR_VAE_FILE, NULL);
  g_assert_cmpint (g_remove (vae), ==, 0);

  la_engine_config_init (&cfg);
  cfg.model = LA_MODEL_LIVEAVATAR;
  cfg.model_path = dir;
  cfg.backend = LA_BACKEND_CPU;
  cfg.width = AV_WIDTH;
  cfg.height = AV_HEIGHT;
  g_assert_null (la_engine_new (&cfg, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_MODEL_NOT_FOUND);
  g_assert_nonnull (strstr (err->message, vae));
  g_clear_error (&err);

  la_test_tiny_model_free (dir);
  g_free (vae);
}

int
main (int argc, char **argv)
{
  gint ret;

  g_test_init (&argc, &argv, NULL);

  pcm = av_audio_new (N_BLOCKS, 5, &n_pcm);
  ref = av_reference (pcm, n_pcm, N_BLOCKS, TRUE, AV_PROMPT);

  g_test_add_func ("/avatar/session/flush", test_flush);
  g_test_add_func ("/avatar/session/prompt-change", test_prompt_change);
  g_test_add_func ("/avatar/session/prompt-lengths", test_prompt_lengths);
  g_test_add_func ("/avatar/session/qos", test_qos);
  g_test_add_func ("/avatar/session/no-reference", test_no_reference);
  g_test_add_func ("/avatar/session/bad-model", test_bad_model);

  ret = g_test_run ();
  g_ptr_array_unref (ref);
  g_free (pcm);
  av_cleanup ();
  return ret;
}
