/* liveavatar: temporaries of one DiT call (private to src/model/dit)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * A forward makes many short-lived tensors and views; they go on a list
 * that one call frees, newest first (views before what they view), so
 * that every error path is a single "goto".
 *
 * The tensors are placed in a workspace (one backend buffer) rather than
 * given buffers of their own, so that the steady state allocates nothing
 * (issue #6: the precondition for CUDA graphs). A thread's outermost
 * scratch takes a workspace from its DiT's idle list and the scratches
 * nested inside it (a forward calling the block, the block's helpers)
 * share it, stack-like: a scratch's tensors sit above its parent's and
 * its clear gives their bytes back. What does not fit gets a buffer of
 * its own, as before, and the outermost clear grows the workspace to the
 * most that call wanted, so from the next call of the same shapes on
 * nothing is allocated. Threads forwarding at once on one DiT (stages
 * sharing a device) each hold a workspace of their own.
 */

#ifndef __LA_DIT_SCRATCH_H__
#define __LA_DIT_SCRATCH_H__

#include "la-dit-private.h"

G_BEGIN_DECLS

typedef struct
{
  LaDit          *dit;
  GPtrArray      *tensors;
  LaDitWorkspace *ws;           /* NULL: transient */
  gsize           mark;         /* ws->used when this scratch began */
  gboolean        outermost;    /* took ws, gives it back at clear */
  LaDitWorkspace *prev;         /* the thread's workspace before (another
                                 * DiT's), restored at clear */
} LaDitScratch;

void            la_dit_scratch_init (LaDitScratch * s, LaDit * dit);
/* a scratch whose tensors have buffers of their own, freed at clear, for
 * the calls made once per prompt rather than per block: what they need
 * is not kept */
void            la_dit_scratch_init_transient (LaDitScratch * s, LaDit * dit);
void            la_dit_scratch_clear (LaDitScratch * s);

/* a new fp32 tensor, owned by @s */
LaTensor       *la_dit_scratch_new (LaDitScratch * s, gint n_dims,
    const gint64 * ne, GError ** error);
/* a new tensor in the DiT's compute dtype, owned by @s */
LaTensor       *la_dit_scratch_new_c (LaDitScratch * s, gint n_dims,
    const gint64 * ne, GError ** error);
/* a new tensor of @dtype, owned by @s */
LaTensor       *la_dit_scratch_new_typed (LaDitScratch * s, LaDType dtype,
    gint n_dims, const gint64 * ne, GError ** error);
/* @x (F32) as the compute dtype rounds it: @x itself under F32 compute,
 * else a new F32 tensor (owned by @s) holding bf16 values; @x is left
 * alone */
LaTensor       *la_dit_scratch_round (LaDitScratch * s, const LaTensor * x,
    GError ** error);
/* a view of @src @elem_offset elements in, owned by @s */
LaTensor       *la_dit_scratch_view (LaDitScratch * s, const LaTensor * src,
    gint64 elem_offset, gint n_dims, const gint64 * ne, GError ** error);

/* shapes as compound literals: SHAPE (L, dim) */
#define SHAPE(...) (const gint64[]) { __VA_ARGS__ }

G_END_DECLS

#endif /* __LA_DIT_SCRATCH_H__ */
