/* liveavatar: what a backend implements (private to src/backend)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Every object is { iface, device, context }: generic code in la-backend.c
 * and la-ops.c checks arguments once and dispatches through iface; the
 * backend keeps its state behind context. A backend never sees a badly
 * shaped op: la-ops.c has checked shapes, dtypes, ownership and support
 * before compute_op is called.
 */

#ifndef __LA_BACKEND_IMPL_H__
#define __LA_BACKEND_IMPL_H__

#include "la-backend.h"

G_BEGIN_DECLS

/* ------------------------------------------------------------------------
 * Device: a value, not a global
 * ------------------------------------------------------------------------ */

typedef struct
{
  LaBackendKind   kind;
  gint            index;        /* CPU virtual index or CUDA ordinal */
  gchar          *name;         /* "CPU0", "CUDA0" */
  gchar          *description;  /* what the device calls itself */
  guint64         total_bytes;  /* device memory, 0 if unknown */
} LaDevice;

/* ------------------------------------------------------------------------
 * Buffer
 * ------------------------------------------------------------------------ */

typedef struct
{
  /* release the memory and the context (not the LaBuffer itself) */
  void            (*free_buffer) (LaBuffer * buffer);
  /* host -> buffer bytes; on return the host memory may be reused */
  gboolean        (*set_data) (LaBuffer * buffer, gsize offset,
      gconstpointer data, gsize size, GError ** error);
  /* buffer bytes -> host, after all work queued on the backend */
  gboolean        (*get_data) (LaBuffer * buffer, gsize offset,
      gpointer data, gsize size, GError ** error);
} LaBufferIface;

struct _LaBuffer
{
  const LaBufferIface *iface;
  LaBackend      *backend;
  gpointer        context;
  gpointer        base;         /* LA_TENSOR_ALIGNMENT-aligned */
  gsize           size;
};

/* ------------------------------------------------------------------------
 * Op descriptor: what la-ops.c hands a backend
 * ------------------------------------------------------------------------ */

#define LA_OP_MAX_SRC 4

typedef struct
{
  LaOp            op;
  LaTensor       *dst;
  /* in the order of the la_<op> () arguments; absent optional ones NULL:
   * linear x w bias | rms_norm x w | layer_norm_modulate x scale shift |
   * gelu_tanh x | rope_3d x pos | attention q k v | add, mul a b |
   * gated_residual x gate r | euler_step x v | convert x |
   * conv3d x past w bias | channel_rms_norm x gamma bias |
   * channel_affine x scale shift | silu x | upsample_nearest_2x x |
   * transpose x | clamp x | conv1d x w bias | gelu_erf x |
   * linear_mixed x w bias | attention_bias q k v bias |
   * embedding table ids | linear_fp8 x w w_scale bias */
  const LaTensor *src[LA_OP_MAX_SRC];
  /* rms_norm, layer_norm_modulate: eps; rope_3d: theta;
   * attention, attention_bias: scale (resolved, > 0); euler_step: dt;
   * clamp: lo */
  gfloat          param;
  /* rows sharing one row of scale/shift/gate (R / G); 0 when unused */
  gint64          rows_per_group;
  /* clamp: hi (param is lo) */
  gfloat          param2;
  /* conv3d: kernel, stride, padding */
  LaConv3dParams  conv;
  /* conv1d: stride, padding, groups */
  LaConv1dParams  conv1d;
} LaOpDesc;

/* ------------------------------------------------------------------------
 * Backend
 * ------------------------------------------------------------------------ */

typedef struct
{
  /* release the context (not the LaBackend itself or its device) */
  void            (*free) (LaBackend * backend);
  /* a buffer of @size bytes whose base is LA_TENSOR_ALIGNMENT-aligned */
  LaBuffer       *(*alloc_buffer) (LaBackend * backend, gsize size,
      GError ** error);
  /* (optional) wait for queued work; NULL for a synchronous backend */
  gboolean        (*synchronize) (LaBackend * backend, GError ** error);
  /* whether compute_op handles @op when its main input has @dtype */
  gboolean        (*supports_op) (LaBackend * backend, LaOp op,
      LaDType dtype);
  /* queue @op; arguments are already checked (see top of file) */
  gboolean        (*compute_op) (LaBackend * backend, const LaOpDesc * op,
      GError ** error);
} LaBackendIface;

struct _LaBackend
{
  const LaBackendIface *iface;
  LaDevice        device;
  gpointer        context;
};

/* Constructors the generic la_backend_new () dispatches to; they fill
 * iface, device and context of a zeroed @backend. */
gboolean        la_cpu_backend_init (LaBackend * backend, gint device,
    GError ** error);
#if LA_HAVE_CUDA
gboolean        la_cuda_backend_init (LaBackend * backend, gint device,
    GError ** error);
#endif

/* Whether both backends have a kernel for @op when its main input has
 * @dtype (la-support.c); a backend may refuse more where its device
 * lacks something (the CUDA backend: FP8 below compute capability 8.9). */
gboolean        la_backend_op_dtype_supported (LaOp op, LaDType dtype);

/* Live Avatar's quant_fp8 () scale from the amax of a tensor:
 * min (448 / max (amax, 1e-12), 448) in fp32; a NaN amax gives NaN, as
 * torch.clamp does. Shared by la_fp8_quantize () and the CPU reference. */
gfloat          la_fp8_scale_from_amax (gfloat amax);
/* max |v| over @n floats, NaN winning (as torch.max does): the maximum of
 * the magnitude bits, which is how the CUDA kernel reduces too. */
gfloat          la_fp8_amax (const gfloat * v, gsize n);

G_END_DECLS

#endif /* __LA_BACKEND_IMPL_H__ */
