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
 */

#ifndef __LA_DIT_SCRATCH_H__
#define __LA_DIT_SCRATCH_H__

#include "la-dit-private.h"

G_BEGIN_DECLS

typedef struct
{
  LaDit          *dit;
  GPtrArray      *tensors;
} LaDitScratch;

void            la_dit_scratch_init (LaDitScratch * s, LaDit * dit);
void            la_dit_scratch_clear (LaDitScratch * s);

/* a new fp32 tensor, owned by @s */
LaTensor       *la_dit_scratch_new (LaDitScratch * s, gint n_dims,
    const gint64 * ne, GError ** error);
/* a new tensor in the DiT's compute dtype, owned by @s */
LaTensor       *la_dit_scratch_new_c (LaDitScratch * s, gint n_dims,
    const gint64 * ne, GError ** error);
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
