/* liveavatar: the sampler's schedule and Euler step against diffusers
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * data/schedule.txt holds what diffusers' FlowMatchEulerDiscreteScheduler
 * (shift 3) gives for 1..8 steps, and Euler steps on random tensors
 * through its step () (make_goldens.py).
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "la-sampler.h"
#include "liveavatar.h"
#include "test-common.h"

static const gchar *data_dir;

typedef struct
{
  gint n_sigmas, n_timesteps, n_euler;
} Counts;

static void
parse_values (gchar ** tok, gint n, gdouble * out)
{
  gint i;

  for (i = 0; i < n; i++) {
    gchar *end = NULL;

    g_assert_nonnull (tok[i]);
    out[i] = g_ascii_strtod (tok[i], &end);
    g_assert_true (end != tok[i] && *end == '\0');
  }
}

static void
check_line (gchar ** tok, Counts * counts)
{
  LaSamplerSchedule s;
  GError *error = NULL;
  gint steps = atoi (tok[1]);
  gint i;

  g_assert_true (la_sampler_schedule_init (&s, steps, 3.0, &error));
  g_assert_no_error (error);

  if (g_str_equal (tok[0], "sigmas")) {
    gdouble want[LA_SAMPLER_MAX_STEPS + 1];

    g_assert_cmpuint (g_strv_length (tok), ==, (guint) steps + 3);
    parse_values (tok + 2, steps + 1, want);
    for (i = 0; i <= steps; i++)
      g_assert_cmpfloat_with_epsilon (s.sigmas[i], want[i], 1e-6);
    counts->n_sigmas++;
  } else if (g_str_equal (tok[0], "timesteps")) {
    gdouble want[LA_SAMPLER_MAX_STEPS];

    g_assert_cmpuint (g_strv_length (tok), ==, (guint) steps + 2);
    parse_values (tok + 2, steps, want);
    for (i = 0; i < steps; i++)
      g_assert_cmpfloat_with_epsilon (s.timesteps[i], want[i], 1e-6);
    counts->n_timesteps++;
  } else if (g_str_equal (tok[0], "euler")) {
    gint step = atoi (tok[2]);
    gint n_read = atoi (tok[3]);
    /* clamped as well, so the allocation sizes stay provably small */
    gsize n = CLAMP (n_read, 1, 4096);
    gdouble *vals;
    gfloat *x, *v, *want;
    gsize j;

    g_assert_cmpint (n_read, ==, (gint) n);
    g_assert_cmpuint (g_strv_length (tok), ==, 4 + 3 * n);
    vals = g_new (gdouble, 3 * n);
    x = g_new (gfloat, n);
    v = g_new (gfloat, n);
    want = g_new (gfloat, n);
    parse_values (tok + 4, (gint) (3 * n), vals);
    for (j = 0; j < n; j++) {
      x[j] = vals[j];
      v[j] = vals[n + j];
      want[j] = vals[2 * n + j];
    }
    g_assert_true (la_sampler_euler_step (&s, step, x, v, n, &error));
    g_assert_no_error (error);
    g_assert_cmpfloat (la_test_rel_error (x, want, n), <=, 1e-6);
    g_free (vals);
    g_free (x);
    g_free (v);
    g_free (want);
    counts->n_euler++;
  } else {
    g_error ("unknown line kind '%s'", tok[0]);
  }
}

static void
test_goldens (void)
{
  gchar *path = g_build_filename (data_dir, "schedule.txt", NULL);
  gchar *text = NULL;
  gchar **lines;
  Counts counts = { 0, };
  GError *error = NULL;
  guint i;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i]; i++) {
    gchar **tok;

    if (lines[i][0] == '\0' || lines[i][0] == '#')
      continue;
    tok = g_strsplit (lines[i], " ", -1);
    check_line (tok, &counts);
    g_strfreev (tok);
  }
  /* every step count, and every step of each: 1 + 2 + ... + 8 */
  g_assert_cmpint (counts.n_sigmas, ==, 8);
  g_assert_cmpint (counts.n_timesteps, ==, 8);
  g_assert_cmpint (counts.n_euler, ==, 36);

  g_strfreev (lines);
  g_free (text);
  g_free (path);
}

/* the shape of any shifted schedule: from 1 down to 0, timesteps in
 * [0, 1000] matching the sigmas, and with shift 1 the plain linspace */
static void
test_shape (void)
{
  gint steps, i;

  for (steps = LA_SAMPLER_MIN_STEPS; steps <= LA_SAMPLER_MAX_STEPS; steps++) {
    LaSamplerSchedule s, lin;

    g_assert_true (la_sampler_schedule_init (&s, steps,
            LA_SAMPLER_DEFAULT_SHIFT, NULL));
    g_assert_cmpint (s.n_steps, ==, steps);
    g_assert_cmpfloat (s.sigmas[0], ==, 1.0f);
    g_assert_cmpfloat (s.timesteps[0], ==, 1000.0f);
    g_assert_cmpfloat (s.sigmas[steps], ==, 0.0f);
    for (i = 0; i < steps; i++) {
      g_assert_cmpfloat (s.sigmas[i + 1], <, s.sigmas[i]);
      g_assert_cmpfloat (s.timesteps[i], ==, s.sigmas[i] * 1000.0f);
    }

    g_assert_true (la_sampler_schedule_init (&lin, steps, 1.0, NULL));
    for (i = 0; i < steps; i++) {
      gdouble t = steps > 1 ? 1000.0 - i * 999.0 / (steps - 1) : 1000.0;

      g_assert_cmpfloat_with_epsilon (lin.sigmas[i], t / 1000.0, 1e-6);
      /* shifting pushes every intermediate sigma up */
      g_assert_cmpfloat (s.sigmas[i], >=, lin.sigmas[i]);
    }
  }
}

/* with a constant velocity noise - x0, the steps sum to -1 sigma: the
 * latents land on x0 */
static void
test_euler_reaches_data (void)
{
  const gsize n = 257;
  gint steps, i;
  gsize j;

  la_test_seed (7);
  for (steps = LA_SAMPLER_MIN_STEPS; steps <= LA_SAMPLER_MAX_STEPS; steps++) {
    LaSamplerSchedule s;
    gfloat *noise = la_test_rnd_array (n, 2.0);
    gfloat *x0 = la_test_rnd_array (n, 1.0);
    gfloat *x = g_memdup2 (noise, n * sizeof (gfloat));
    gfloat *v = g_new (gfloat, n);

    for (j = 0; j < n; j++)
      v[j] = noise[j] - x0[j];
    g_assert_true (la_sampler_schedule_init (&s, steps, 3.0, NULL));
    for (i = 0; i < steps; i++)
      g_assert_true (la_sampler_euler_step (&s, i, x, v, n, NULL));
    for (j = 0; j < n; j++)
      g_assert_cmpfloat_with_epsilon (x[j], x0[j], 1e-5);
    g_free (noise);
    g_free (x0);
    g_free (x);
    g_free (v);
  }
}

static void
test_bad_arguments (void)
{
  LaSamplerSchedule s, before;
  GError *error = NULL;
  gfloat x[2] = { 1.0f, 2.0f }, v[2] = { 3.0f, 4.0f };
  const gint bad_steps[] = { 0, 9, -1, G_MININT, G_MAXINT };
  guint i;

  memset (&s, 0x5a, sizeof (s));
  before = s;
  for (i = 0; i < G_N_ELEMENTS (bad_steps); i++) {
    la_test_expect_invalid (la_sampler_schedule_init (&s, bad_steps[i], 3.0,
            &error), &error);
    g_assert_true (memcmp (&s, &before, sizeof (s)) == 0);
  }
  la_test_expect_invalid (la_sampler_schedule_init (&s, 4, 0.0, &error),
      &error);
  la_test_expect_invalid (la_sampler_schedule_init (&s, 4, -3.0, &error),
      &error);
  la_test_expect_invalid (la_sampler_schedule_init (&s, 4, NAN, &error),
      &error);
  la_test_expect_invalid (la_sampler_schedule_init (&s, 4, INFINITY,
          &error), &error);
  g_assert_true (memcmp (&s, &before, sizeof (s)) == 0);

  g_assert_true (la_sampler_schedule_init (&s, 4, 3.0, &error));
  la_test_expect_invalid (la_sampler_euler_step (&s, -1, x, v, 2, &error),
      &error);
  la_test_expect_invalid (la_sampler_euler_step (&s, 4, x, v, 2, &error),
      &error);
  la_test_expect_invalid (la_sampler_euler_step (&s, 0, NULL, v, 2, &error),
      &error);
  la_test_expect_invalid (la_sampler_euler_step (&s, 0, x, NULL, 2, &error),
      &error);
  /* nothing moved by the refused steps */
  g_assert_cmpfloat (x[0], ==, 1.0f);
  g_assert_cmpfloat (x[1], ==, 2.0f);
  g_assert_true (la_sampler_euler_step (&s, 3, NULL, NULL, 0, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (argc, ==, 2);
  data_dir = argv[1];

  g_test_add_func ("/sampler/schedule/goldens", test_goldens);
  g_test_add_func ("/sampler/schedule/shape", test_shape);
  g_test_add_func ("/sampler/euler/reaches-data", test_euler_reaches_data);
  g_test_add_func ("/sampler/bad-arguments", test_bad_arguments);
  return g_test_run ();
}
