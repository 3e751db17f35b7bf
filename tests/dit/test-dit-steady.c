/* liveavatar: the steady state of a step allocates no device memory
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Issue #6's precondition for capturing a step as a CUDA graph: once the
 * ring is full and the sink set, a block through la_avatar_step_prepare ()
 * and la_avatar_step_run () makes no backend buffer
 * (la_backend_get_n_allocations ()), in fp32 and under
 * LIVEAVATAR_COMPUTE=bf16. And reusing the DiT's workspace does not move
 * a bit: steps made after it is warm (holding the last forward's values)
 * give the same latents as the first steps, which ran on freshly zeroed
 * buffers. */

#include "config.h"

#include "la-avatar.h"
#include "la-dit.h"
#include "liveavatar.h"
#include "test-common.h"
#include "test-tiny.h"

#include <string.h>

#define W 80
#define H 64
#define SEED 11
#define STEPS 2
/* clip 0 (blocks 0..3) fills the ring; block 4 moves the sink to the
 * generated frame (a prefill); from block 5 on nothing changes */
#define N_WARM 5
#define N_STEADY 3
#define N_BLOCKS (N_WARM + N_STEADY)

static gchar *tiny_dir;

typedef struct
{
  LaBackend *be;
  LaAvatar *a;
  LaAvatarCond *cond;
  LaAvatarPrompt *prompt;
  gfloat *features;
  gfloat *gen_ref;
  gsize n_lat;
  gsize nf;
} Model;

static void
model_init (Model * m)
{
  LaAvatarConfig cfg;
  const LaDitConfig *dc;
  GError *err = NULL;
  gfloat *latents, *context;
  gsize plane;

  m->be = la_backend_new (LA_BACKEND_CPU, 0, &err);
  g_assert_no_error (err);
  la_avatar_config_init (&cfg);
  cfg.model_dir = tiny_dir;
  cfg.width = W;
  cfg.height = H;
  cfg.sample_steps = STEPS;
  cfg.load_text_encoder = FALSE;
  cfg.load_audio_encoder = FALSE;
  m->a = la_avatar_new (m->be, &cfg, &err);
  g_assert_no_error (err);
  dc = la_dit_get_config (la_avatar_get_dit (m->a));
  m->n_lat = la_avatar_block_latent_size (m->a);
  m->nf = la_avatar_block_features_size (m->a);
  plane = m->n_lat / 3;

  la_test_seed (SEED);
  latents = la_test_rnd_array (plane * (1 + LA_AVATAR_MOTION_LATENTS), 1.0);
  context = la_test_rnd_array (5 * (gsize) dc->text_dim, 1.0);
  m->features = la_test_rnd_array (m->nf * N_BLOCKS, 1.0);
  m->gen_ref = la_test_rnd_array (plane, 1.0);
  m->cond = la_avatar_cond_new_from_latents (m->a, latents, latents + plane,
      NULL, &err);
  g_assert_no_error (err);
  m->prompt = la_avatar_prompt_new_from_context (m->a, context, 5, &err);
  g_assert_no_error (err);
  g_free (latents);
  g_free (context);
}

static void
model_clear (Model * m)
{
  la_avatar_prompt_unref (m->prompt);
  la_avatar_cond_unref (m->cond);
  la_avatar_free (m->a);
  g_assert_cmpuint (la_backend_get_allocated_bytes (m->be), ==, 0);
  la_backend_free (m->be);
  g_free (m->features);
  g_free (m->gen_ref);
}

/* blocks 0 .. N_BLOCKS - 1 through STEPS fresh steps: each block's clean
 * latent into @out, the buffers each block made into @counts */
static void
run (Model * m, gfloat * out, guint64 * counts)
{
  LaAvatarStep *steps[STEPS];
  LaAvatarSink sink = { m->cond, 0, m->gen_ref };
  GError *err = NULL;
  guint64 b, before;
  gint i;

  for (i = 0; i < STEPS; i++) {
    steps[i] = la_avatar_step_new (m->a, i, SEED, &err);
    g_assert_no_error (err);
  }
  for (b = 0; b < N_BLOCKS; b++) {
    gfloat *lat = out + b * m->n_lat;

    la_avatar_noise (m->a, SEED, b, lat);
    before = la_backend_get_n_allocations (m->be);
    for (i = 0; i < STEPS; i++) {
      g_assert_true (la_avatar_step_prepare (steps[i], b, &sink, m->prompt,
              &err));
      g_assert_no_error (err);
      g_assert_true (la_avatar_step_run (steps[i], lat, b,
              m->features + b * m->nf, -1, &err));
      g_assert_no_error (err);
    }
    counts[b] = la_backend_get_n_allocations (m->be) - before;
  }
  for (i = 0; i < STEPS; i++)
    la_avatar_step_free (steps[i]);
}

static void
check_steady (LaDitCompute want)
{
  Model m;
  guint64 first[N_BLOCKS], again[N_BLOCKS];
  gfloat *a, *b;
  GString *msg = g_string_new (NULL);
  guint i;

  model_init (&m);
  g_assert_cmpint (la_avatar_get_compute (m.a), ==, want);
  a = g_new (gfloat, m.n_lat * N_BLOCKS);
  b = g_new (gfloat, m.n_lat * N_BLOCKS);

  /* the prompt's text embedding warmed a workspace: the first steps
   * start without one, on buffers of their own */
  la_dit_release_workspaces (la_avatar_get_dit (m.a));
  run (&m, a, first);
  run (&m, b, again);
  for (i = 0; i < N_BLOCKS; i++)
    g_string_append_printf (msg, " %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
        first[i], again[i]);
  g_test_message ("%s: buffers made per block of %d steps, first steps / "
      "steps made later:%s", la_dit_compute_name (want), STEPS, msg->str);

  /* the first block sizes the workspace: it allocates */
  g_assert_cmpuint (first[0], >, 0);
  for (i = N_WARM; i < N_BLOCKS; i++) {
    g_assert_cmpuint (first[i], ==, 0);
    g_assert_cmpuint (again[i], ==, 0);
  }
  /* a warm workspace holds the previous forward's values: nothing may
   * read them */
  g_assert_cmpmem (a, m.n_lat * N_BLOCKS * sizeof (gfloat), b,
      m.n_lat * N_BLOCKS * sizeof (gfloat));

  g_string_free (msg, TRUE);
  g_free (a);
  g_free (b);
  model_clear (&m);
}

static void
test_steady_f32 (void)
{
  g_setenv ("LIVEAVATAR_COMPUTE", "f32", TRUE);
  check_steady (LA_DIT_COMPUTE_F32);
}

static void
test_steady_bf16 (void)
{
  g_setenv ("LIVEAVATAR_COMPUTE", "bf16", TRUE);
  check_steady (LA_DIT_COMPUTE_BF16);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  tiny_dir = la_test_tiny_model_new (SEED);
  g_assert_nonnull (tiny_dir);
  g_test_add_func ("/dit/steady/f32", test_steady_f32);
  g_test_add_func ("/dit/steady/bf16", test_steady_bf16);
  ret = g_test_run ();
  la_test_tiny_model_free (tiny_dir);
  return ret;
}
