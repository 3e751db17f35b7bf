/* liveavatar: the reference picture a session animates
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Also the output size Live Avatar picks for a picture: its `--size W*H`
 * is an area, and the picture's aspect decides the sides.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include "la-reference.h"

LaReference *
la_reference_new (const guint8 * rgb, gint width, gint height, gint stride,
    guint serial)
{
  LaReference *r;
  gint y;

  g_return_val_if_fail (rgb != NULL, NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);
  g_return_val_if_fail (stride >= width * 3, NULL);

  r = g_new0 (LaReference, 1);
  r->ref_count = 1;
  r->serial = serial;
  r->width = width;
  r->height = height;
  r->rgb = g_malloc ((gsize) width * height * 3);
  for (y = 0; y < height; y++)
    memcpy (r->rgb + (gsize) y * width * 3, rgb + (gsize) y * stride,
        (gsize) width * 3);
  return r;
}

LaReference *
la_reference_ref (LaReference * r)
{
  g_return_val_if_fail (r != NULL, NULL);

  g_atomic_int_inc (&r->ref_count);
  return r;
}

void
la_reference_unref (LaReference * r)
{
  if (r == NULL)
    return;

  if (g_atomic_int_dec_and_test (&r->ref_count)) {
    if (r->cond)
      la_avatar_cond_unref (r->cond);
    g_free (r->rgb);
    g_free (r);
  }
}

/* ---- Live Avatar's output size for a picture ---- */

/* get_size_less_than_area pads to this (it writes 64 in the loop and
 * `divisor`, default 64, in the fallback; Live Avatar never passes another) */
#define DIVISOR 64

/* Python's float // int for x >= 0 (CPython float_floor_div): not
 * floor (x / d), which can round x / d up to the next integer first */
static gdouble
py_floor_div (gdouble x, gdouble d)
{
  gdouble mod = fmod (x, d);
  gdouble div = (x - mod) / d;
  gdouble floordiv;

  if (div == 0.0)
    return 0.0;
  floordiv = floor (div);
  if (div - floordiv > 0.5)
    floordiv += 1.0;
  return floordiv;
}

/* Python's int (x) for x >= 0 */
static gint64
py_int (gdouble x)
{
  return (gint64) x;
}

/* (-b + sqrt (b**2 - 2*a*c)) / (2*a), with Python's arithmetic: the
 * integers are exact (Python has big integers, hence 128 bits here) and
 * become doubles, correctly rounded, only at sqrt. -1 when the square root
 * of a negative number would raise. */
static gdouble
min_scale_for (gint64 a, gint64 b, gint64 c)
{
  __int128 disc = (__int128) b * b - (__int128) 2 * a * c;

  if (disc < 0)
    return -1.0;
  return (-(gdouble) b + sqrt ((gdouble) disc)) / (gdouble) (2 * a);
}

/* A reproduction of Live Avatar's
 * WanS2V.get_size_less_than_area (height, width, target_area, divisor=64)
 * in liveavatar/models/wan/causal_s2v_pipeline_tpp.py (commit 9c2c38d; the
 * same function is in causal_s2v_pipeline.py), step by step with its
 * floating-point operations in its order, so that it agrees to the pixel:
 *
 *  - a picture no larger than the area is scaled by 1.0 down to 0.1, a
 *    larger one from sqrt (area / (h * w)) down to the scale at which the
 *    maximum padding (63 pixels a side) would just fit: the root of the
 *    quadratic it writes as (-b + sqrt (b**2 - 2*a*c)) / (2*a) (sic: 2*a*c,
 *    not 4*a*c);
 *  - 100 scales evenly spaced from the largest, scale = max - (max - min) *
 *    i / 100: the sides int (h * scale), int (w * scale) (truncated) padded
 *    UP to multiples of 64; the first whose padded area is <= the area wins;
 *  - none fits: sqrt (area * w / h) and sqrt (area * h / w) rounded down to
 *    multiples of 64, or the picture's own sides rounded down to multiples
 *    of 64 when those are not smaller than the picture.
 */
gboolean
la_size_for_area (gint image_width, gint image_height, gint area_width,
    gint area_height, gint * width, gint * height)
{
  gint64 h = image_height, w = image_width;
  gint64 target, out_h = 0, out_w = 0;
  gdouble min_scale, max_scale;
  gint i;

  g_return_val_if_fail (width != NULL && height != NULL, FALSE);

  *width = *height = 0;
  if (image_width <= 0 || image_height <= 0 || area_width <= 0 ||
      area_height <= 0)
    return FALSE;
  /* beyond 2**53 pixels a double would round h * w where Python does not */
  if (h * w > (G_GINT64_CONSTANT (1) << 53))
    return FALSE;
  target = area_width * (gint64) area_height;

  if (h * w <= target) {
    min_scale = 0.1;
    max_scale = 1.0;
  } else {
    gint64 d = DIVISOR - 1;

    min_scale = min_scale_for (h * w, d * (h + w), d * d - target);
    if (min_scale < 0.0)
      return FALSE;
    max_scale = sqrt ((gdouble) target / (gdouble) (h * w));
  }

  for (i = 0; i < 100; i++) {
    gdouble scale = max_scale - (max_scale - min_scale) * i / 100;
    gint64 new_h = py_int ((gdouble) h * scale);
    gint64 new_w = py_int ((gdouble) w * scale);
    gint64 padded_h = new_h + (DIVISOR - new_h % DIVISOR) % DIVISOR;
    gint64 padded_w = new_w + (DIVISOR - new_w % DIVISOR) % DIVISOR;

    if (padded_h * padded_w <= target) {
      out_h = padded_h;
      out_w = padded_w;
      break;
    }
  }

  if (i == 100) {
    gdouble aspect = (gdouble) w / (gdouble) h;

    out_w = py_int (py_floor_div (pow ((gdouble) target * aspect, 0.5),
            DIVISOR) * DIVISOR);
    out_h = py_int (py_floor_div (pow ((gdouble) target / aspect, 0.5),
            DIVISOR) * DIVISOR);
    if (out_w >= w || out_h >= h) {
      out_w = w / DIVISOR * DIVISOR;
      out_h = h / DIVISOR * DIVISOR;
    }
  }

  /* Live Avatar would go on with a side of 0 (a picture less than a pixel
   * tall once scaled): no video can have that */
  if (out_w <= 0 || out_h <= 0 || out_w > G_MAXINT || out_h > G_MAXINT)
    return FALSE;
  *width = (gint) out_w;
  *height = (gint) out_h;
  return TRUE;
}

/* Python's round (x / 2.0) for x >= 0: halves go to the even neighbour */
static gint
half_round_even (gint x)
{
  gint k = x / 2;

  return (x % 2 == 1 && k % 2 == 1) ? k + 1 : k;
}

/* torchvision.transforms.functional.center_crop on one axis: pad with
 * black, (out - scaled) // 2 before, when smaller; else crop from
 * int (round ((scaled - out) / 2.0)) */
static void
crop_axis (gint scaled, gint out, gint * src, gint * dst, gint * n)
{
  if (out > scaled) {
    *src = 0;
    *dst = (out - scaled) / 2;
    *n = scaled;
  } else {
    *src = half_round_even (scaled - out);
    *dst = 0;
    *n = out;
  }
}

gboolean
la_crop_for (gint image_width, gint image_height, gint width, gint height,
    LaCrop * crop)
{
  gint64 size = MIN (width, height);
  gint64 short_side = MIN (image_width, image_height);
  gint64 long_side = MAX (image_width, image_height);
  gint64 new_long;

  if (image_width <= 0 || image_height <= 0 || width <= 0 || height <= 0 ||
      crop == NULL)
    return FALSE;

  /* torchvision's _compute_resized_output_size for Resize (size): a true
   * division, then truncated */
  new_long = (gint64) ((gdouble) (size * long_side) / (gdouble) short_side);
  new_long = CLAMP (new_long, 1, G_MAXINT);
  if (image_width <= image_height) {
    crop->scaled_width = (gint) size;
    crop->scaled_height = (gint) new_long;
  } else {
    crop->scaled_width = (gint) new_long;
    crop->scaled_height = (gint) size;
  }
  crop_axis (crop->scaled_width, width, &crop->src_x, &crop->dst_x,
      &crop->copy_width);
  crop_axis (crop->scaled_height, height, &crop->src_y, &crop->dst_y,
      &crop->copy_height);
  return TRUE;
}
