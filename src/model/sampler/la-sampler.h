/* liveavatar: Live Avatar's flow-matching Euler sampler and its noise
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Live Avatar samples every block with diffusers'
 * FlowMatchEulerDiscreteScheduler (num_train_timesteps 1000, shift 3,
 * hard-coded in WanS2V.generate of causal_s2v_pipeline_tpp.py and
 * causal_s2v_pipeline.py), set_timesteps (sample_steps) once and reused
 * for every block and clip; no CFG. Step i of a block feeds the DiT the
 * timestep t_i (in [0, 1000], the same for the block's 3 latent frames)
 * and moves the latents by x <- x + (sigma_{i+1} - sigma_i) * v.
 *
 * The initial noise of clip r is fresh Gaussian noise. Live Avatar draws
 * it with torch.randn from a torch.Generator seeded seed + r; that stream
 * (Philox on CUDA) is not reproduced here. Ours is counter-based, so any
 * element can be drawn by any thread or device in any order with the same
 * result: see la_sampler_noise_fill ().
 */

#ifndef __LA_SAMPLER_H__
#define __LA_SAMPLER_H__

#include <glib.h>

G_BEGIN_DECLS
#define LA_SAMPLER_MIN_STEPS 1
#define LA_SAMPLER_MAX_STEPS 8
#define LA_SAMPLER_DEFAULT_STEPS 4
#define LA_SAMPLER_DEFAULT_SHIFT 3.0
#define LA_SAMPLER_NUM_TRAIN_TIMESTEPS 1000
    typedef struct
{
  gint n_steps;
  gdouble shift;
  /* sigmas[0..n_steps], sigmas[n_steps] = 0; float32 as diffusers keeps them */
  gfloat sigmas[LA_SAMPLER_MAX_STEPS + 1];
  /* the DiT's timestep input at each step: sigmas[i] * 1000 in float32 */
  gfloat timesteps[LA_SAMPLER_MAX_STEPS];
} LaSamplerSchedule;

/* The schedule for @n_steps (LA_SAMPLER_MIN_STEPS..LA_SAMPLER_MAX_STEPS)
 * and @shift (> 0, finite). FALSE with LA_ERROR_INVALID_ARGUMENT
 * otherwise, @schedule untouched. */
gboolean la_sampler_schedule_init (LaSamplerSchedule * schedule,
    gint n_steps, gdouble shift, GError ** error);

/* One Euler step @step (0..n_steps-1) in place on @n values of @x with the
 * velocity @v: x += (sigmas[step + 1] - sigmas[step]) * v, computed in
 * float32 like diffusers' step (). FALSE with LA_ERROR_INVALID_ARGUMENT
 * when @step is out of range or a pointer is NULL with @n > 0. */
gboolean la_sampler_euler_step (const LaSamplerSchedule * schedule,
    gint step, gfloat * x, const gfloat * v, gsize n, GError ** error);

/* Standard normal noise element @index of clip @clip for @seed. */
gfloat la_sampler_noise_at (guint64 seed, guint64 clip, guint64 index);

/* Elements @first .. @first + @n - 1 of clip @clip's noise into @out:
 * the same values as @n calls of la_sampler_noise_at (), whatever the
 * split of the range between calls or threads. */
void la_sampler_noise_fill (guint64 seed, guint64 clip,
    guint64 first, gfloat * out, gsize n);

G_END_DECLS
#endif /* __LA_SAMPLER_H__ */
