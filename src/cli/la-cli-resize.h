/* liveavatar-cli: fitting the reference picture to the output size
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Live Avatar (causal_s2v_pipeline_tpp.py, WanS2V.generate) prepares the
 * picture with torchvision on a PIL image:
 *
 *   Resize (min (H, W)) then CenterCrop ((H, W))
 *
 * Resize on a PIL image is PIL's Image.resize (BILINEAR): a separable
 * triangle filter whose support widens by the scale factor when
 * shrinking (antialiasing), horizontal pass first into an 8-bit
 * intermediate, coefficients in 22-bit fixed point, rounded. This file
 * reproduces libImaging/Resample.c step for step, so the bytes are PIL's
 * (tests/cli checks goldens made by Pillow 12; Pillow 13 sometimes runs
 * the vertical pass first, which moves some pixels by 1). CenterCrop crops from
 * int (round ((scaled - out) / 2.0)) and pads with black, (out - scaled)
 * // 2 before, where the scaled picture is smaller.
 */

#ifndef __LA_CLI_RESIZE_H__
#define __LA_CLI_RESIZE_H__

#include <glib.h>

G_BEGIN_DECLS

/* PIL's Image.resize ((out_width, out_height), BILINEAR) of packed RGB */
void            la_cli_resize_bilinear (const guint8 * src, gint width,
    gint height, guint8 * dst, gint out_width, gint out_height);

/* Resize + CenterCrop (la_crop_for ()) into a new packed RGB picture of out_width x
 * out_height (g_free). */
guint8         *la_cli_fit_picture (const guint8 * src, gint width,
    gint height, gint out_width, gint out_height);

G_END_DECLS

#endif /* __LA_CLI_RESIZE_H__ */
