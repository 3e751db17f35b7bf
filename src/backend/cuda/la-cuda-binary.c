/* liveavatar: CUDA launcher: add, mul
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* y = a + b, y = a * b with b repeating; kernel: kernels/binary.cu */

#include "config.h"

#include "la-cuda-backend.h"

gboolean
la_cuda_binary (LaBackend * backend, const LaOpDesc * d, GError ** error)
{
  const LaTensor *a = d->src[0], *b = d->src[1];

  return la_cuda_check (backend,
      la_kernel_binary (la_cuda_kernel_dtype (a->dtype),
          d->op == LA_OP_ADD ? LA_KERNEL_BINARY_ADD : LA_KERNEL_BINARY_MUL,
          d->dst->data, a->data, b->data, la_tensor_nelements (a),
          la_tensor_nelements (b), LA_CUDA_CONTEXT (backend)->stream),
      la_op_name (d->op), error);
}
