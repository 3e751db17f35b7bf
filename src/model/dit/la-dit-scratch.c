/* liveavatar: temporaries of one DiT call
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "config.h"

#include "la-dit-scratch.h"
#include "liveavatar.h"

void
la_dit_scratch_init (LaDitScratch * s, LaDit * dit)
{
  s->dit = dit;
  s->tensors = g_ptr_array_new ();
}

void
la_dit_scratch_clear (LaDitScratch * s)
{
  guint i;

  if (!s->tensors)
    return;
  for (i = s->tensors->len; i > 0; i--)
    la_tensor_free (g_ptr_array_index (s->tensors, i - 1));
  g_ptr_array_free (s->tensors, TRUE);
  s->tensors = NULL;
}

LaTensor *
la_dit_scratch_new (LaDitScratch * s, gint n_dims, const gint64 * ne,
    GError ** error)
{
  LaTensor *t;

  t = la_dit_tensor (s->dit, n_dims, ne, error);
  if (t)
    g_ptr_array_add (s->tensors, t);
  return t;
}

LaTensor *
la_dit_scratch_view (LaDitScratch * s, const LaTensor * src,
    gint64 elem_offset, gint n_dims, const gint64 * ne, GError ** error)
{
  LaTensor *t;

  /* a view only reads the source's fields; the op checks decide what may
   * be written through it */
  t = la_tensor_new_view ((LaTensor *) src, elem_offset, n_dims, ne, error);
  if (t)
    g_ptr_array_add (s->tensors, t);
  return t;
}

LaTensor *
la_dit_scratch_new_c (LaDitScratch * s, gint n_dims, const gint64 * ne,
    GError ** error)
{
  LaTensor *t;

  t = la_dit_tensor_c (s->dit, n_dims, ne, error);
  if (t)
    g_ptr_array_add (s->tensors, t);
  return t;
}

LaTensor *
la_dit_scratch_round (LaDitScratch * s, const LaTensor * x, GError ** error)
{
  LaTensor *c, *r;

  if (s->dit->cdtype == LA_DTYPE_F32)
    return (LaTensor *) x;
  if (!(c = la_dit_scratch_new_c (s, x->n_dims, x->ne, error))
      || !la_convert (s->dit->backend, c, x, error)
      || !(r = la_dit_scratch_new (s, x->n_dims, x->ne, error))
      || !la_convert (s->dit->backend, r, c, error))
    return NULL;
  return r;
}
