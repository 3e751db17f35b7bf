/* liveavatar-cli: fitting the reference picture to the output size
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <math.h>
#include <string.h>

#include "liveavatar.h"
#include "la-cli-resize.h"

/* libImaging/Resample.c: 32 bits less 8 for the pixel, less 2 for the
 * sign and headroom */
#define PRECISION_BITS (32 - 8 - 2)

/* the bilinear filter, support 1 */
static gdouble
triangle (gdouble x)
{
  if (x < 0.0)
    x = -x;
  return x < 1.0 ? 1.0 - x : 0.0;
}

/* precompute_coeffs () then normalize_coeffs_8bpc (): for each output
 * pixel the first input pixel bounds[2 i], the count bounds[2 i + 1], and
 * ksize fixed-point weights from kk[i * ksize]. Returns ksize. */
static gint
precompute (gint in_size, gint out_size, gint ** bounds_out, gint32 ** kk_out)
{
  gdouble scale, filterscale, support, center, ww, ss;
  gint ksize, xx, x, xmin, xmax;
  gdouble *k;
  gint32 *kk;
  gint *bounds;

  filterscale = scale = (gdouble) in_size / out_size;
  if (filterscale < 1.0)
    filterscale = 1.0;
  support = 1.0 * filterscale;
  ksize = (gint) ceil (support) * 2 + 1;

  k = g_new0 (gdouble, ksize);
  kk = g_new0 (gint32, (gsize) out_size * ksize);
  bounds = g_new0 (gint, (gsize) out_size * 2);
  for (xx = 0; xx < out_size; xx++) {
    center = (xx + 0.5) * scale;
    ww = 0.0;
    ss = 1.0 / filterscale;
    /* PIL rounds by truncating after adding 0.5 */
    xmin = (gint) (center - support + 0.5);
    if (xmin < 0)
      xmin = 0;
    xmax = (gint) (center + support + 0.5);
    if (xmax > in_size)
      xmax = in_size;
    xmax -= xmin;
    for (x = 0; x < xmax; x++) {
      gdouble w = triangle ((x + xmin - center + 0.5) * ss);

      k[x] = w;
      ww += w;
    }
    for (x = 0; x < xmax; x++)
      if (ww != 0.0)
        k[x] /= ww;
    for (x = 0; x < ksize; x++) {
      gdouble v = x < xmax ? k[x] : 0.0;

      kk[xx * ksize + x] = v < 0 ? (gint32) (-0.5 + v * (1 << PRECISION_BITS))
          : (gint32) (0.5 + v * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  g_free (k);
  *bounds_out = bounds;
  *kk_out = kk;
  return ksize;
}

static guint8
clip8 (gint32 v)
{
  if (v >= (1 << PRECISION_BITS << 8))
    return 255;
  if (v <= 0)
    return 0;
  return (guint8) (v >> PRECISION_BITS);
}

/* one pass along rows (step 3: x) or columns (step 3 * width: y) */
static void
resample_pass (const guint8 * src, gint src_stride, gint src_step,
    guint8 * dst, gint dst_stride, gint dst_step, gint n_lines,
    gint out_size, gint ksize, const gint * bounds, const gint32 * kk)
{
  gint line, xx, x, c;

  for (line = 0; line < n_lines; line++) {
    const guint8 *in = src + (gsize) line * src_stride;
    guint8 *out = dst + (gsize) line * dst_stride;

    for (xx = 0; xx < out_size; xx++) {
      gint xmin = bounds[xx * 2], xmax = bounds[xx * 2 + 1];
      const gint32 *k = kk + xx * ksize;

      for (c = 0; c < 3; c++) {
        gint32 ss = 1 << (PRECISION_BITS - 1);

        for (x = 0; x < xmax; x++)
          ss += in[(gsize) (x + xmin) * src_step + c] * k[x];
        out[(gsize) xx * dst_step + c] = clip8 (ss);
      }
    }
  }
}

void
la_cli_resize_bilinear (const guint8 * src, gint width, gint height,
    guint8 * dst, gint out_width, gint out_height)
{
  gint *bounds_h, *bounds_v;
  gint32 *kk_h, *kk_v;
  gint ksize_h, ksize_v;
  guint8 *tmp;

  g_return_if_fail (width > 0 && height > 0);
  g_return_if_fail (out_width > 0 && out_height > 0);

  /* Image.resize to the same size is a copy */
  if (width == out_width && height == out_height) {
    memcpy (dst, src, (gsize) width * height * 3);
    return;
  }

  ksize_h = precompute (width, out_width, &bounds_h, &kk_h);
  ksize_v = precompute (height, out_height, &bounds_v, &kk_v);

  /* PIL skips a pass whose size does not change; the other pass then
   * reads the source directly. Restricting the horizontal pass to the
   * rows the vertical one uses (as PIL does) changes no value. */
  if (width != out_width && height != out_height) {
    tmp = g_malloc ((gsize) out_width * height * 3);
    resample_pass (src, width * 3, 3, tmp, out_width * 3, 3, height,
        out_width, ksize_h, bounds_h, kk_h);
    resample_pass (tmp, 3, out_width * 3, dst, 3, out_width * 3, out_width,
        out_height, ksize_v, bounds_v, kk_v);
    g_free (tmp);
  } else if (width != out_width) {
    resample_pass (src, width * 3, 3, dst, out_width * 3, 3, height,
        out_width, ksize_h, bounds_h, kk_h);
  } else {
    resample_pass (src, 3, width * 3, dst, 3, width * 3, width, out_height,
        ksize_v, bounds_v, kk_v);
  }

  g_free (bounds_h);
  g_free (bounds_v);
  g_free (kk_h);
  g_free (kk_v);
}

guint8 *
la_cli_fit_picture (const guint8 * src, gint width, gint height,
    gint out_width, gint out_height)
{
  LaCrop c;
  guint8 *scaled, *out;
  gint y;

  g_return_val_if_fail (la_crop_for (width, height, out_width, out_height,
          &c), NULL);
  scaled = g_malloc ((gsize) c.scaled_width * c.scaled_height * 3);
  la_cli_resize_bilinear (src, width, height, scaled, c.scaled_width,
      c.scaled_height);
  out = g_malloc0 ((gsize) out_width * out_height * 3);
  for (y = 0; y < c.copy_height; y++)
    memcpy (out + ((gsize) (y + c.dst_y) * out_width + c.dst_x) * 3,
        scaled + ((gsize) (y + c.src_y) * c.scaled_width + c.src_x) * 3,
        (gsize) c.copy_width * 3);
  g_free (scaled);
  return out;
}
