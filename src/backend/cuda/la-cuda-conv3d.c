/* liveavatar: CUDA launcher: conv3d
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */


/* Causal 3D convolution over concat (past, x); kernel: kernels/conv3d.cu
 * (implicit GEMM). The kernel indexes inside a frame, along the
 * reduction and over output pixels with 32-bit integers and puts output
 * frames on the grid's z axis: shapes past those limits are refused here
 * with a message rather than by the launch. */

#include "config.h"

#include "la-cuda-backend.h"
#include "liveavatar.h"

gboolean
la_cuda_conv3d (LaBackend * backend, const LaOpDesc * d, GError ** error)
{
  const LaTensor *x = d->src[0], *past = d->src[1], *w = d->src[2];
  const LaTensor *bias = d->src[3], *y = d->dst;
  const LaConv3dParams *p = &d->conv;
  la_kernel_conv3d_shape s;
  gint i;

  s.t = x->ne[0];
  s.p = past ? past->ne[0] : 0;
  s.cin = x->ne[1];
  s.h = x->ne[2];
  s.w = x->ne[3];
  s.to = y->ne[0];
  s.cout = y->ne[1];
  s.ho = y->ne[2];
  s.wo = y->ne[3];
  for (i = 0; i < 3; i++) {
    s.kernel[i] = p->kernel[i];
    s.stride[i] = p->stride[i];
  }
  for (i = 0; i < 4; i++)
    s.pad[i] = p->pad[i];

  if (s.cin * s.h * s.w > G_MAXINT32 || s.ho * s.wo > G_MAXINT32
      || s.cin * p->kernel[0] * p->kernel[1] * p->kernel[2] > G_MAXINT32
      || s.p + s.t > G_MAXINT32 || s.to > 65535 || s.cout > 64 * 65535)
    goto unsupported;
  return la_cuda_check (backend,
      la_kernel_conv3d (la_cuda_kernel_dtype (x->dtype), y->data, x->data,
          past ? past->data : NULL, w->data, bias ? bias->data : NULL, &s,
          LA_CUDA_CONTEXT (backend)->stream), "conv3d", error);

  /* ERRORS */
unsupported:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
        "%s: conv3d: a frame, the reduction or an output picture past 2^31 "
        "elements, or more than 65535 output frames", backend->device.name);
    return FALSE;
  }
}
