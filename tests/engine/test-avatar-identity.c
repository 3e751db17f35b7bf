/* liveavatar engine tests: the session's frames are Live Avatar's
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * model=liveavatar on the tiny model: audio pushed in uneven chunks
 * through the threaded stages (streaming front-end, DiT steps with their
 * caches, the rolling sink after clip 0, the streaming decoder) gives
 * byte for byte the frames of la_avatar_generate, the one-thread
 * generation, for 2 clips, with online decode and with per-clip decode.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "avatar-util.h"

#define N_BLOCKS 8              /* 2 clips */

static void
check_identity (gboolean online_decode)
{
  gsize n, i;
  gfloat *pcm = av_audio_new (N_BLOCKS, 0, &n);
  GPtrArray *ref = av_reference (pcm, n, N_BLOCKS, online_decode, AV_PROMPT);
  LaEngine *e = av_engine_new ("0", 1, online_decode);
  LaSession *s = av_session_new (e, AV_PROMPT);
  GPtrArray *frames = av_run (s, pcm, n);
  gsize size = (gsize) AV_WIDTH * AV_HEIGHT * 3;

  /* the engine waits for the front-end's look-ahead */
  g_assert_cmpuint (la_engine_get_lookahead_samples (e), >, 0);

  g_assert_cmpuint (frames->len, ==, N_BLOCKS * LA_FRAMES_PER_BLOCK);
  av_assert_frames (frames, ref, 0, frames->len);

  /* the frames the primed decoder drops are the picture itself */
  for (i = 0; i < 3; i++) {
    LaFrame *f = g_ptr_array_index (frames, i);

    g_assert_cmpmem (f->data, size, av_picture (), size);
  }
  /* and then the model's */
  g_assert_true (memcmp (((LaFrame *) g_ptr_array_index (frames,
                  3))->data, av_picture (), size) != 0);

  for (i = 0; i < frames->len; i++) {
    LaFrame *f = g_ptr_array_index (frames, i);
    LaBlockStats st;
    guint want = 0;

    if (i == 0)
      want = LA_FRAME_FLAG_DISCONT | LA_FRAME_FLAG_NEW_REFERENCE;
    g_assert_cmpuint (f->flags, ==, want);
    g_assert_cmpint (la_frame_get_block_stats (f, &st) ? 1 : 0, ==,
        i % LA_FRAMES_PER_BLOCK == 0 ? 1 : 0);
    if (i % LA_FRAMES_PER_BLOCK == 0) {
      g_assert_cmpuint (st.block, ==, i / LA_FRAMES_PER_BLOCK);
      g_assert_cmpuint (st.n_frames, ==, LA_FRAMES_PER_BLOCK);
      g_assert_false (st.skipped);
      g_assert_cmpuint (st.n_stages, ==, 3);
      g_assert_cmpint (st.stage_us[1], >, 0);
    }
  }

  g_ptr_array_unref (frames);
  la_session_free (s);
  la_engine_free (e);
  g_ptr_array_unref (ref);
  g_free (pcm);
}

static void
test_online (void)
{
  check_identity (TRUE);
}

static void
test_clip_decode (void)
{
  check_identity (FALSE);
}

int
main (int argc, char **argv)
{
  gint ret;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/avatar/identity/online-decode", test_online);
  g_test_add_func ("/avatar/identity/clip-decode", test_clip_decode);

  ret = g_test_run ();
  av_cleanup ();
  return ret;
}
