/* liveavatar: RGB to the output pixel formats
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "la-pixel-convert.h"

static void
convert_to_rgb (LaFrame * dst, const guint8 * rgb, gint rgb_stride)
{
  gint y;

  for (y = 0; y < dst->height; y++)
    memcpy (dst->data + (gsize) y * dst->stride[0],
        rgb + (gsize) y * rgb_stride, (gsize) dst->width * 3);
}

static void
convert_to_rgba (LaFrame * dst, const guint8 * rgb, gint rgb_stride)
{
  gint x, y;

  for (y = 0; y < dst->height; y++) {
    const guint8 *src_row = rgb + (gsize) y * rgb_stride;
    guint8 *dst_row = dst->data + (gsize) y * dst->stride[0];

    for (x = 0; x < dst->width; x++) {
      dst_row[4 * x + 0] = src_row[3 * x + 0];
      dst_row[4 * x + 1] = src_row[3 * x + 1];
      dst_row[4 * x + 2] = src_row[3 * x + 2];
      dst_row[4 * x + 3] = 255;
    }
  }
}

static inline guint8
rgb_to_y (gint r, gint g, gint b)
{
  return (guint8) (((66 * r + 129 * g + 25 * b + 128) >> 8) + 16);
}

static inline guint8
rgb_to_u (gint r, gint g, gint b)
{
  return (guint8) (((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128);
}

static inline guint8
rgb_to_v (gint r, gint g, gint b)
{
  return (guint8) (((112 * r - 94 * g - 18 * b + 128) >> 8) + 128);
}

static void
convert_to_i420 (LaFrame * dst, const guint8 * rgb, gint rgb_stride)
{
  guint8 *y_plane = dst->data + dst->offset[0];
  guint8 *u_plane = dst->data + dst->offset[1];
  guint8 *v_plane = dst->data + dst->offset[2];
  gint x, y;

  for (y = 0; y < dst->height; y++) {
    const guint8 *src_row = rgb + (gsize) y * rgb_stride;
    guint8 *y_row = y_plane + (gsize) y * dst->stride[0];

    for (x = 0; x < dst->width; x++)
      y_row[x] = rgb_to_y (src_row[3 * x], src_row[3 * x + 1],
          src_row[3 * x + 2]);
  }

  for (y = 0; y < dst->height / 2; y++) {
    const guint8 *top = rgb + (gsize) (2 * y) * rgb_stride;
    const guint8 *bottom = top + rgb_stride;
    guint8 *u_row = u_plane + (gsize) y * dst->stride[1];
    guint8 *v_row = v_plane + (gsize) y * dst->stride[2];

    for (x = 0; x < dst->width / 2; x++) {
      const guint8 *t = top + 6 * x, *b = bottom + 6 * x;
      gint r = (t[0] + t[3] + b[0] + b[3] + 2) / 4;
      gint g = (t[1] + t[4] + b[1] + b[4] + 2) / 4;
      gint bl = (t[2] + t[5] + b[2] + b[5] + 2) / 4;

      u_row[x] = rgb_to_u (r, g, bl);
      v_row[x] = rgb_to_v (r, g, bl);
    }
  }
}

void
la_pixel_convert_from_rgb (LaFrame * dst, const guint8 * rgb, gint rgb_stride)
{
  g_return_if_fail (dst != NULL);
  g_return_if_fail (rgb != NULL);

  switch (dst->format) {
    case LA_PIXEL_FORMAT_RGB:
      convert_to_rgb (dst, rgb, rgb_stride);
      break;
    case LA_PIXEL_FORMAT_RGBA:
      convert_to_rgba (dst, rgb, rgb_stride);
      break;
    case LA_PIXEL_FORMAT_I420:
      convert_to_i420 (dst, rgb, rgb_stride);
      break;
  }
}
