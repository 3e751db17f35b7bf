/* liveavatar engine tests: creating and freeing with work in flight
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Run under AddressSanitizer this is the leak and use-after-free check of
 * the whole pipeline: sessions die with blocks in every queue, frames
 * half-rendered, a drain or an error pending, frames still referenced.
 */

#include "la-session-private.h"
#include "test-util.h"

#define N_CYCLES 200

static const struct
{
  const gchar *devices;
  gint ulysses;
} engines[] = {
  {"0", 1}, {"0,1", 1}, {"0,1,2,3", 1}, {"0,1,2,3", 2},
};

static void
test_cycles (void)
{
  gfloat *pcm = test_audio_new (4 * 7680, 0);
  LaEngine *e = NULL;
  GPtrArray *kept =
      g_ptr_array_new_with_free_func ((GDestroyNotify) la_frame_unref);
  guint i;

  for (i = 0; i < N_CYCLES; i++) {
    /* a new engine every 25 cycles, with another placement */
    LaPixelFormat format = (LaPixelFormat) (i % 3);
    LaSession *s;
    GError *err = NULL;
    gsize n = (i % 4) * 7680 + (i * 131) % 7680;

    if (i % 25 == 0) {
      guint k = (i / 25) % G_N_ELEMENTS (engines);

      la_engine_free (e);
      e = test_engine_new (engines[k].devices, engines[k].ulysses, 4, 64, 64);
    }

    s = test_session_new (e, format, 1 + i % 2);
    if (i % 6 == 5)
      la_session_inject_fault (s, 1 + i % 2, 0);
    /* at most 3 blocks: they fit in the stages without a reader */
    if (!la_session_push_audio (s, pcm, n, &err)) {
      /* only an injected fault can refuse it */
      g_assert_error (err, LA_ERROR, LA_ERROR_FAILED);
      g_clear_error (&err);
    }
    if (i % 3 == 0)
      la_session_drain (s);
    if (i % 4 == 1) {
      LaFrame *frame = NULL;

      /* keep the odd frame past its session's end */
      if (la_session_pop_frame (s, &frame, 20000, &err) == LA_POP_FRAME)
        g_ptr_array_add (kept, frame);
      g_clear_error (&err);
    }
    if (i % 7 == 3)
      la_session_set_flushing (s, TRUE);
    la_session_free (s);
  }

  g_test_message ("%u frames outlived their sessions", kept->len);
  g_ptr_array_unref (kept);
  la_engine_free (e);
  g_free (pcm);
}

/* the engine itself: all the ways la_engine_new can fail, many times */
static void
test_engine_errors (void)
{
  guint i;

  for (i = 0; i < 50; i++) {
    LaEngineConfig cfg;
    GError *err = NULL;

    la_engine_config_init (&cfg);
    cfg.model = LA_MODEL_TEST;
    cfg.backend = LA_BACKEND_CPU;
    switch (i % 5) {
      case 0:
        cfg.dit_devices = "0,0";
        break;
      case 1:
        cfg.dit_devices = "0,,1";
        break;
      case 2:
        cfg.width = 65;
        break;
      case 3:
        cfg.model = LA_MODEL_LIVEAVATAR;
        cfg.model_path = "/nonexistent";
        break;
      case 4:
        cfg.dit_devices = "0,1,2";
        cfg.ulysses_size = 2;
        break;
    }
    g_assert_null (la_engine_new (&cfg, &err));
    g_assert_nonnull (err);
    g_clear_error (&err);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/lifecycle/cycles", test_cycles);
  g_test_add_func ("/lifecycle/engine-errors", test_engine_errors);

  return g_test_run ();
}
