/* liveavatar: the deterministic test model
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * A stand-in for Live Avatar with the same data flow and a picture a test
 * can predict exactly (the rules are in docs and tests, restated here):
 *
 *   audio front-end  features[i] = RMS of frame i's 640 samples (double)
 *   sampler          latent x[i], one per frame of the block, starts as
 *                    seeded noise; target[i] = level (features[i]) with
 *                    level (rms) = min (1, rms / 0.25);
 *                    step i of S: x += w (target - x), w = 1 / (S - i),
 *                    so the last step lands exactly on the target
 *   decoder          renders a face whose mouth opens with x[i], with the
 *                    frame index as bit cells in the top-left corner
 *
 * Picture (W x H, both multiples of 16, >= 64), drawn in this order:
 *   background (40, 40, 60);
 *   face: disc of colour (230, 190, 150), r = min (W, H - 8) * 3 / 8, pixel
 *     (x, y) inside when (2x+1-W)^2 + (2y+1-(H+8))^2 <= (2r)^2;
 *   eyes: squares of side s = max (2, r / 6), colour (30, 30, 30), top-left
 *     at (W/2 - r/2 - s/2, H/2 + 4 - r/3 - s/2) and (W/2 + r/2 - s/2, same);
 *   mouth: (120, 20, 30), x in [W/2 - r/2, W/2 + r/2),
 *     y in [H/2 + 4 + r/3, ... + mouth_h), mouth_h = floor (x * (r/2) + 0.5);
 *   index: bit i of the frame index (i < 32) as a 4x4 cell at
 *     (4 (i % 16), 4 (i / 16)), white for 1, black for 0.
 * All divisions above are integer divisions.
 *
 * Nothing here knows about threads or devices: the pipeline decides which
 * device "runs" a step; the arithmetic is plain C on the CPU everywhere.
 */

#ifndef __LA_TEST_MODEL_H__
#define __LA_TEST_MODEL_H__

#include <glib.h>

#include "liveavatar.h"

G_BEGIN_DECLS

/* one latent value per video frame of a block */
#define LA_TEST_MODEL_LATENT_SIZE LA_FRAMES_PER_BLOCK

/* audio front-end. @pcm: LA_SAMPLES_PER_BLOCK samples.
 * @features: LA_FRAMES_PER_BLOCK RMS values. */
void la_test_model_features (const gfloat * pcm, gdouble * features);

/* min (1, rms / 0.25); a non-finite RMS (NaN input) gives 0 */
gdouble la_test_model_level (gdouble rms);

/* Seeded noise in [0, 1) for block @block_index: splitmix64 started at
 * @seed + (block_index + 1) * 0x9E3779B97F4A7C15, the top 53 bits of each
 * output scaled by 2^-53. */
void la_test_model_init_latent (guint64 seed, guint64 block_index,
    gdouble * latent);

/* Sampling step @step of @n_steps on latent entries [@begin, @end): the
 * slice one device of a sequence-parallel group owns. */
void la_test_model_step (gdouble * latent, const gdouble * features,
    guint begin, guint end, guint step, guint n_steps);

/* Mouth height in pixels for a latent value @level in a @width x @height
 * picture. */
gint la_test_model_mouth_height (gint width, gint height, gdouble level);

/* Renders frame @frame_index, mouth opened by @level (a final latent value),
 * into packed RGB @rgb with @stride bytes per row. */
void la_test_model_render_rgb (guint8 * rgb, gint stride, gint width,
    gint height, guint64 frame_index, gdouble level);

G_END_DECLS

#endif /* __LA_TEST_MODEL_H__ */
