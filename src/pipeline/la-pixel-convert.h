/* liveavatar: RGB to the output pixel formats
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Models render packed 8-bit RGB; this writes it into a frame of the
 * session's format. I420 is BT.601 limited range in integers:
 *   Y = ((66R + 129G + 25B + 128) >> 8) + 16
 *   U = ((-38R - 74G + 112B + 128) >> 8) + 128
 *   V = ((112R - 94G - 18B + 128) >> 8) + 128
 * with U and V taken from each 2x2 block's mean colour, (sum + 2) / 4 per
 * channel. RGBA gets A = 255.
 */

#ifndef __LA_PIXEL_CONVERT_H__
#define __LA_PIXEL_CONVERT_H__

#include "liveavatar.h"

G_BEGIN_DECLS

/* @rgb: dst->width x dst->height pixels, @rgb_stride bytes per row */
void la_pixel_convert_from_rgb (LaFrame * dst, const guint8 * rgb,
    gint rgb_stride);

G_END_DECLS

#endif /* __LA_PIXEL_CONVERT_H__ */
