/* liveavatar: CPU backend: ops on bf16 and f16 storage via an fp32 shadow
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The CPU backend accepts the (op, dtype) pairs the CUDA backend does, so
 * that a model run in bf16 on the GPU has a CPU reference with the same
 * storage. It computes them as a GPU kernel with fp32 math does:
 *   1. every bf16/f16 input is widened (exactly) into a temporary fp32
 *      copy of its elements, and only of its elements (a view copies its
 *      own range, never its whole buffer);
 *   2. the unchanged fp32 reference op runs on those copies, writing an
 *      fp32 copy of the output (the input's copy itself when the op runs
 *      in place, so the op sees the aliasing it was asked for);
 *   3. the output is rounded once to its storage type (round to nearest
 *      even, la_dtype_from_f32).
 * Inputs already f32 (linear's f32 bias beside bf16 x and w), I32
 * positions and ids, and FP8 codes are passed as they are. Embedding's
 * table is not widened either: the reference reads any table dtype
 * itself, and a vocabulary (umT5's 256k x 4096) widened per call would be
 * GiBs. Convert, the mixed linear and the FP8 linear read narrow storage
 * natively and never come here.
 *
 * Cost: each call allocates and widens its narrow operands. For a linear
 * that includes the weight: a 5120 x 13824 bf16 FFN weight of the 14B DiT
 * becomes 283 MB of fp32 per call. That is acceptable for a reference
 * that already spends seconds on such a matmul, and keeps every output
 * bit-identical to the fp32 op on widened inputs (la_cpu_linear_mixed,
 * which widens in tiles, sums in another order).
 *
 * Where the GPU kernel is not "widen, fp32, round once", the CPU keeps the
 * fp32 reference semantics instead of imitating it: the flash-attention
 * kernels round the softmax probabilities P to bf16/f16 before the P V
 * product, and the CPU does not; any other intermediate a CUDA kernel
 * keeps in its storage type is likewise computed in fp32 here. The
 * CUDA-vs-CPU parity tolerances cover those differences. */

#include "config.h"

#include "la-cpu-ops.h"

#include <string.h>

#define OUT LA_OP_MAX_SRC       /* the output's slot in the shadow arrays */

static gboolean
is_narrow (LaDType dtype)
{
  return dtype == LA_DTYPE_BF16 || dtype == LA_DTYPE_F16;
}

/* inputs the fp32 reference reads in their storage type */
static gboolean
keeps_storage (LaOp op, gint src)
{
  return op == LA_OP_EMBEDDING && src == 0;
}

gboolean
la_cpu_narrow_needed (const LaOpDesc * d)
{
  gint i;

  if (d->op == LA_OP_CONVERT || d->op == LA_OP_LINEAR_MIXED
      || d->op == LA_OP_LINEAR_FP8)
    return FALSE;
  if (is_narrow (d->dst->dtype))
    return TRUE;
  for (i = 0; i < LA_OP_MAX_SRC; i++)
    if (d->src[i] && is_narrow (d->src[i]->dtype)
        && !keeps_storage (d->op, i))
      return TRUE;
  return FALSE;
}

/* An fp32 stand-in for @t with @data as its memory; the fields the
 * reference reads are dtype, n_dims, ne and data. */
static void
shadow_init (LaTensor * shadow, const LaTensor * t, gfloat * data)
{
  *shadow = *t;
  shadow->dtype = LA_DTYPE_F32;
  shadow->data = data;
  shadow->nbytes = (gsize) la_tensor_nelements (t) * sizeof (gfloat);
  shadow->buffer = NULL;
  shadow->offset = 0;
  shadow->owns_buffer = FALSE;
}

static gfloat *
shadow_alloc (LaBackend * backend, const LaTensor * t, GError ** error)
{
  gsize n = (gsize) la_tensor_nelements (t);
  /* zeroed like the backend's buffers: an op that left an output
   * element unwritten would read the same thing every run */
  gfloat *mem = g_try_malloc0_n (n, sizeof (gfloat));

  if (!mem)
    g_set_error (error, LA_ERROR, LA_ERROR_OUT_OF_MEMORY,
        "%s: cannot allocate %" G_GSIZE_FORMAT " bytes to widen a %s tensor",
        backend->device.name, n * sizeof (gfloat), la_dtype_name (t->dtype));
  return mem;
}

gboolean
la_cpu_narrow_compute (LaBackend * backend, const LaOpDesc * d,
    LaCpuComputeFunc compute, GError ** error)
{
  LaOpDesc wide = *d;
  LaTensor shadow[LA_OP_MAX_SRC + 1];
  gfloat *mem[LA_OP_MAX_SRC + 1] = { NULL };
  LaTensor *y = d->dst;
  gboolean ok = FALSE;
  gint i;

  for (i = 0; i < LA_OP_MAX_SRC; i++) {
    const LaTensor *s = d->src[i];

    if (!s || !is_narrow (s->dtype) || keeps_storage (d->op, i))
      continue;
    mem[i] = shadow_alloc (backend, s, error);
    if (!mem[i])
      goto done;
    la_dtype_to_f32 (s->dtype, mem[i], s->data, la_tensor_nelements (s));
    shadow_init (&shadow[i], s, mem[i]);
    wide.src[i] = &shadow[i];
  }

  if (is_narrow (y->dtype)) {
    /* la-ops.c lets the output overlap nothing but x, and x only as the
     * very same memory (then with x's dtype, so x has a shadow) */
    if (d->src[0] && d->src[0]->data == y->data && mem[0]) {
      wide.dst = &shadow[0];
    } else {
      mem[OUT] = shadow_alloc (backend, y, error);
      if (!mem[OUT])
        goto done;
      shadow_init (&shadow[OUT], y, mem[OUT]);
      wide.dst = &shadow[OUT];
    }
  }

  if (!compute (backend, &wide, error))
    goto done;
  if (wide.dst != y)
    la_dtype_from_f32 (y->dtype, y->data, wide.dst->data,
        la_tensor_nelements (y));
  ok = TRUE;

done:
  for (i = 0; i <= OUT; i++)
    g_free (mem[i]);
  return ok;
}
