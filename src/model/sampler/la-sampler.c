/* liveavatar: Live Avatar's flow-matching Euler sampler and its noise
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Reference: Alibaba-Quark/LiveAvatar
 * liveavatar/models/wan/causal_s2v_pipeline_tpp.py :: WanS2V.generate
 * (and causal_s2v_pipeline.py :: WanS2V.generate, the one-GPU path):
 *   sample_scheduler = FlowMatchEulerDiscreteScheduler (
 *       num_train_timesteps=1000, shift=3)
 *   sample_scheduler.set_timesteps (sampling_steps)   (once, cached)
 *   per block: _step_index = rank (0 on one GPU), step i runs the DiT at
 *   t = timesteps[i] for the block's frames, then scheduler.step ().
 * diffusers (checked against 0.42.1)
 * schedulers/scheduling_flow_match_euler_discrete.py:
 *   __init__: sigmas = shift * s / (1 + (shift - 1) * s) over
 *     s = linspace (1, 1000, 1000, float32)[::-1] / 1000 in float32, so
 *     sigma_max = shifted (1.0f) = 1 and sigma_min = shifted (0.001f);
 *   set_timesteps: t = numpy linspace (sigma_max * 1000, sigma_min * 1000,
 *     N) in float64, s = t / 1000, shifted AGAIN in float64, cast to
 *     float32; timesteps = sigmas * 1000 in float32; sigmas gets a
 *     trailing 0;
 *   step: x = x.float () + (sigmas[i + 1] - sigmas[i]) * v.
 * The computation below follows those precisions step by step, so the
 * schedule is bit-identical to diffusers' (tests/sampler checks it).
 */

#include "la-sampler.h"

#include <math.h>

#include "liveavatar.h"

/* the shift as torch applies it to a float32 tensor (float32 throughout) */
static gfloat
shift_f32 (gfloat shift, gfloat s)
{
  gfloat num = shift * s;
  gfloat den = 1.0f + (shift - 1.0f) * s;

  return num / den;
}

/* the shift as numpy applies it to a float64 array */
static gdouble
shift_f64 (gdouble shift, gdouble s)
{
  return shift * s / (1.0 + (shift - 1.0) * s);
}

gboolean
la_sampler_schedule_init (LaSamplerSchedule * schedule, gint n_steps,
    gdouble shift, GError ** error)
{
  const gfloat n_train = LA_SAMPLER_NUM_TRAIN_TIMESTEPS;
  gfloat sigma_max, sigma_min;
  gdouble t_max, t_min, delta;
  gint i;

  g_return_val_if_fail (schedule != NULL, FALSE);

  if (n_steps < LA_SAMPLER_MIN_STEPS || n_steps > LA_SAMPLER_MAX_STEPS)
    goto bad_steps;
  if (!isfinite (shift) || shift <= 0.0)
    goto bad_shift;

  /* __init__: the training sigmas' ends, float32 tensors, .item () */
  sigma_max = shift_f32 ((gfloat) shift, n_train / n_train);
  sigma_min = shift_f32 ((gfloat) shift, 1.0f / n_train);

  /* set_timesteps: _sigma_to_t () is sigma * 1000 on Python floats, then
   * numpy.linspace (start + i * step, the last one exactly stop) */
  t_max = (gdouble) sigma_max *LA_SAMPLER_NUM_TRAIN_TIMESTEPS;
  t_min = (gdouble) sigma_min *LA_SAMPLER_NUM_TRAIN_TIMESTEPS;
  delta = n_steps > 1 ? (t_min - t_max) / (n_steps - 1) : 0.0;

  schedule->n_steps = n_steps;
  schedule->shift = shift;
  for (i = 0; i < n_steps; i++) {
    gdouble t = (n_steps > 1 && i == n_steps - 1) ? t_min : i * delta + t_max;
    gdouble s = t / LA_SAMPLER_NUM_TRAIN_TIMESTEPS;

    schedule->sigmas[i] = (gfloat) shift_f64 (shift, s);
    schedule->timesteps[i] = schedule->sigmas[i] * n_train;
  }
  for (i = n_steps; i <= LA_SAMPLER_MAX_STEPS; i++)
    schedule->sigmas[i] = 0.0f;
  for (i = n_steps; i < LA_SAMPLER_MAX_STEPS; i++)
    schedule->timesteps[i] = 0.0f;

  return TRUE;

  /* ERRORS */
bad_steps:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "sampler: %d steps, must be %d to %d", n_steps,
        LA_SAMPLER_MIN_STEPS, LA_SAMPLER_MAX_STEPS);
    return FALSE;
  }
bad_shift:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "sampler: shift %g, must be finite and > 0", shift);
    return FALSE;
  }
}

gboolean
la_sampler_euler_step (const LaSamplerSchedule * schedule, gint step,
    gfloat * x, const gfloat * v, gsize n, GError ** error)
{
  gfloat dt;
  gsize j;

  g_return_val_if_fail (schedule != NULL, FALSE);

  if (step < 0 || step >= schedule->n_steps)
    goto bad_step;
  if (n > 0 && (x == NULL || v == NULL))
    goto no_data;

  /* a 0-d float32 tensor difference in diffusers, then float32 math */
  dt = schedule->sigmas[step + 1] - schedule->sigmas[step];
  for (j = 0; j < n; j++)
    x[j] = x[j] + dt * v[j];

  return TRUE;

  /* ERRORS */
bad_step:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "sampler: step %d of a %d-step schedule", step, schedule->n_steps);
    return FALSE;
  }
no_data:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "sampler: no latents or no velocity for %" G_GSIZE_FORMAT " values", n);
    return FALSE;
  }
}

/* The noise: splitmix64 (Steele, Lea, Flood 2014; the constants of
 * Vigna's reference splitmix64.c) as a counter-based generator.
 *   key   = mix (mix (seed) ^ clip)
 *   u(k)  = mix (key + k * GOLDEN), k = 1, 2, ... (the k-th output of a
 *           splitmix64 stream whose state starts at key)
 * Element 2p and 2p + 1 are the Box-Muller pair of u(2p + 1), u(2p + 2):
 *   u1 = ((u(2p + 1) >> 11) + 1) / 2^53 in (0, 1]
 *   u2 = (u(2p + 2) >> 11) / 2^53 in [0, 1)
 *   r = sqrt (-2 ln u1): element 2p = r cos (2 pi u2),
 *                        element 2p + 1 = r sin (2 pi u2),
 * computed in double and rounded to float. Each element depends only on
 * (seed, clip, index): no state, so threads and devices agree as long as
 * they use IEEE double log/sqrt/cos/sin (the CPU reference computes it
 * on the host; a device backend should do the same or upload it). */
#define GOLDEN G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)

static inline guint64
mix64 (guint64 z)
{
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static inline guint64
noise_key (guint64 seed, guint64 clip)
{
  return mix64 (mix64 (seed) ^ clip);
}

static void
noise_pair (guint64 key, guint64 pair, gdouble * z0, gdouble * z1)
{
  guint64 a = mix64 (key + (2 * pair + 1) * GOLDEN);
  guint64 b = mix64 (key + (2 * pair + 2) * GOLDEN);
  gdouble u1 = ((a >> 11) + 1) * (1.0 / 9007199254740992.0);
  gdouble u2 = (b >> 11) * (1.0 / 9007199254740992.0);
  gdouble r = sqrt (-2.0 * log (u1));
  gdouble angle = 2.0 * G_PI * u2;

  *z0 = r * cos (angle);
  *z1 = r * sin (angle);
}

gfloat
la_sampler_noise_at (guint64 seed, guint64 clip, guint64 index)
{
  gdouble z0, z1;

  noise_pair (noise_key (seed, clip), index / 2, &z0, &z1);
  return (gfloat) ((index & 1) ? z1 : z0);
}

void
la_sampler_noise_fill (guint64 seed, guint64 clip, guint64 first,
    gfloat * out, gsize n)
{
  guint64 key = noise_key (seed, clip);
  gsize j = 0;

  g_return_if_fail (out != NULL || n == 0);

  while (j < n) {
    guint64 index = first + j;
    gdouble z0, z1;

    noise_pair (key, index / 2, &z0, &z1);
    if (index & 1) {
      out[j++] = (gfloat) z1;
    } else {
      out[j++] = (gfloat) z0;
      if (j < n)
        out[j++] = (gfloat) z1;
    }
  }
}
