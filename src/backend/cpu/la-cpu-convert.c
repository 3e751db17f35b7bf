/* liveavatar: CPU reference: convert
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = x in another storage type (f32, bf16, f16, fp8 e4m3)
 *   x [n] of x_dtype, y [n] of y_dtype
 * Through float in chunks, with the host conversions of la-dtype.c, which
 * are bit-exact with the CUDA intrinsics. */

#include "config.h"

#include "la-cpu-ops.h"

#define CHUNK 4096

void
la_cpu_convert (gpointer y, LaDType y_dtype, gconstpointer x,
    LaDType x_dtype, gint64 n)
{
  gsize y_size = la_dtype_size (y_dtype), x_size = la_dtype_size (x_dtype);
  gfloat tmp[CHUNK];
  gint64 i;

  for (i = 0; i < n; i += CHUNK) {
    gsize len = (gsize) MIN (CHUNK, n - i);

    la_dtype_to_f32 (x_dtype, tmp, (const guint8 *) x + i * x_size, len);
    la_dtype_from_f32 (y_dtype, (guint8 *) y + i * y_size, tmp, len);
  }
}
