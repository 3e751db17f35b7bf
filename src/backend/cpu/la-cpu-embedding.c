/* liveavatar: CPU reference: embedding lookup
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y[i] = table[ids[i]]   (nn.Embedding), widened to fp32
 *   ids   [n]             i32
 *   table [vocab, dim]    stored as table_dtype (f32, bf16, f16, fp8)
 *   y     [n, dim]        fp32
 * An id outside [0, vocab) gives a row of zeros: ids are data, which
 * la-ops.c cannot see on a device, so the op never reads outside the
 * table; callers check ids on the host where an error can be reported. */

#include "config.h"

#include "la-cpu-ops.h"

#include <string.h>

void
la_cpu_embedding (gfloat * y, gconstpointer table, LaDType table_dtype,
    const gint32 * ids, gint64 n, gint64 vocab, gint64 dim)
{
  gsize row_bytes = (gsize) dim * la_dtype_size (table_dtype);
  gint64 i;

  for (i = 0; i < n; i++) {
    gfloat *y_i = y + i * dim;

    if (ids[i] < 0 || ids[i] >= vocab)
      memset (y_i, 0, dim * sizeof (gfloat));
    else
      la_dtype_to_f32 (table_dtype, y_i,
          (const guint8 *) table + ids[i] * row_bytes, dim);
  }
}
