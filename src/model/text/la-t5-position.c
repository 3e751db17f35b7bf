/* liveavatar: T5's relative position bias
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* T5RelativeEmbedding._relative_position_bucket with bidirectional=True:
 *
 *   half = num_buckets // 2;  bucket = (rel > 0) * half;  n = |rel|
 *   max_exact = half // 2
 *   large = max_exact + long (log (float (n) / max_exact)
 *                             / log (max_distance / max_exact)
 *                             * (half - max_exact))
 *   bucket += n if n < max_exact else min (large, half - 1)
 *
 * PyTorch does the log part in float32 and truncates toward zero; doing it
 * in float32 too keeps the bucket edges where Wan has them (at n = 16, 32,
 * 64 for 32 buckets the quotient is an exact integer). The bias is built
 * on the host: it is small next to the matmuls and the same for every
 * prompt length's rows. */

#include "config.h"

#include "la-t5-position.h"

#include <math.h>

gint
la_t5_relative_position_bucket (gint64 relative_position, gint num_buckets,
    gint max_distance)
{
  gint half = num_buckets / 2, max_exact = half / 2;
  gint bucket = relative_position > 0 ? half : 0;
  gint64 n = relative_position < 0 ? -relative_position : relative_position;
  gfloat ratio;
  gint64 large;

  g_return_val_if_fail (max_exact >= 1 && max_distance > max_exact, 0);

  if (n < max_exact)
    return bucket + (gint) n;
  ratio = logf ((gfloat) n / (gfloat) max_exact)
      / (gfloat) log ((gdouble) max_distance / (gdouble) max_exact)
      * (gfloat) (half - max_exact);
  large = max_exact + (gint64) ratio;
  return bucket + (gint) MIN (large, half - 1);
}

void
la_t5_position_bias (gfloat * bias, const gfloat * table,
    const guint8 * mask, gint64 len, gint heads, gint num_buckets,
    gint max_distance)
{
  /* bucket of key - query, offset by len - 1 */
  gint *bucket = g_new (gint, 2 * len - 1);
  gint64 i, j;
  gint h;

  for (i = 0; i < 2 * len - 1; i++)
    bucket[i] = la_t5_relative_position_bucket (i - (len - 1), num_buckets,
        max_distance);
  for (h = 0; h < heads; h++) {
    for (i = 0; i < len; i++) {
      gfloat *bias_i = bias + (h * len + i) * len;

      for (j = 0; j < len; j++)
        bias_i[j] = mask && !mask[j] ? -INFINITY
            : table[bucket[j - i + len - 1] * heads + h];
    }
  }
  g_free (bucket);
}
