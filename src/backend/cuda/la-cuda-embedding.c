/* liveavatar: CUDA launcher: embedding
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */


/* y[i] = table[ids[i]], widened to f32 or copied in the table's type;
 * kernel: kernels/embedding.cu */

#include "config.h"

#include "la-cuda-backend.h"

gboolean
la_cuda_embedding (LaBackend * backend, const LaOpDesc * d, GError ** error)
{
  const LaTensor *table = d->src[0], *ids = d->src[1];

  return la_cuda_check (backend,
      la_kernel_embedding (la_cuda_kernel_dtype (d->dst->dtype), d->dst->data,
          la_cuda_kernel_dtype (table->dtype), table->data, ids->data,
          ids->ne[0], table->ne[0], table->ne[1],
          LA_CUDA_CONTEXT (backend)->stream), "embedding", error);
}
