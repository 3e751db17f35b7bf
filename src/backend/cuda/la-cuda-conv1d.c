/* liveavatar: CUDA launcher: conv1d
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */


/* Grouped, time-major nn.Conv1d; kernel: kernels/conv1d.cu */

#include "config.h"

#include "la-cuda-backend.h"

gboolean
la_cuda_conv1d (LaBackend * backend, const LaOpDesc * d, GError ** error)
{
  const LaTensor *x = d->src[0], *w = d->src[1], *bias = d->src[2];
  const LaTensor *y = d->dst;
  const LaConv1dParams *p = &d->conv1d;

  if (x->ne[0] > G_MAXINT32 || w->ne[2] > G_MAXINT32 || y->ne[1] > G_MAXINT32
      || p->groups > 65535)
    goto unsupported;
  return la_cuda_check (backend,
      la_kernel_conv1d (la_cuda_kernel_dtype (x->dtype), y->data, x->data,
          w->data, bias ? bias->data : NULL, x->ne[0], x->ne[1], y->ne[0],
          y->ne[1], w->ne[2], p->stride, p->pad[0], p->groups,
          LA_CUDA_CONTEXT (backend)->stream), "conv1d", error);

  /* ERRORS */
unsupported:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
        "%s: conv1d: sizes past 2^31 or more than 65535 groups are not "
        "supported", backend->device.name);
    return FALSE;
  }
}
