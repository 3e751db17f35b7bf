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

#include <string.h>

struct _LaDitWorkspace
{
  LaDit *dit;
  LaBuffer *buffer;             /* NULL until a first call sized it */
  gsize used;                   /* bytes its live tensors take (or would) */
  gsize want;                   /* the most used since taken */
};

/* The workspace the calling thread's outermost scratch holds: the nested
 * scratches find it here, so that no function of the DiT API needs one
 * more argument. */
static GPrivate current_ws = G_PRIVATE_INIT (NULL);

static LaDitWorkspace *
take (LaDit * dit)
{
  LaDitWorkspace *ws;

  g_mutex_lock (&dit->ws_lock);
  if (dit->idle_ws) {
    ws = dit->idle_ws->data;
    dit->idle_ws = g_slist_delete_link (dit->idle_ws, dit->idle_ws);
  } else {
    ws = g_new0 (LaDitWorkspace, 1);
    ws->dit = dit;
  }
  g_mutex_unlock (&dit->ws_lock);
  return ws;
}

/* back to the idle list, grown to what this call wanted. A failed grow
 * only means the next call allocates as it goes again. */
static void
give_back (LaDitWorkspace * ws)
{
  LaDit *dit = ws->dit;

  if (!ws->buffer || ws->want > la_buffer_get_size (ws->buffer)) {
    g_clear_pointer (&ws->buffer, la_buffer_free);
    if (ws->want > 0)
      ws->buffer = la_buffer_new (dit->backend, ws->want, NULL);
  }
  ws->used = ws->want = 0;
  g_mutex_lock (&dit->ws_lock);
  dit->idle_ws = g_slist_prepend (dit->idle_ws, ws);
  g_mutex_unlock (&dit->ws_lock);
}

void
la_dit_release_workspaces (LaDit * dit)
{
  GSList *idle, *l;

  g_return_if_fail (dit != NULL);
  g_mutex_lock (&dit->ws_lock);
  idle = dit->idle_ws;
  dit->idle_ws = NULL;
  g_mutex_unlock (&dit->ws_lock);
  for (l = idle; l; l = l->next) {
    LaDitWorkspace *ws = l->data;

    if (ws->buffer)
      la_buffer_free (ws->buffer);
    g_free (ws);
  }
  g_slist_free (idle);
}

void
la_dit_scratch_init (LaDitScratch * s, LaDit * dit)
{
  LaDitWorkspace *ws = g_private_get (&current_ws);

  s->dit = dit;
  s->tensors = g_ptr_array_new ();
  s->prev = ws;
  s->outermost = !ws || ws->dit != dit;
  if (s->outermost) {
    ws = take (dit);
    g_private_set (&current_ws, ws);
  }
  s->ws = ws;
  s->mark = ws->used;
}

void
la_dit_scratch_init_transient (LaDitScratch * s, LaDit * dit)
{
  memset (s, 0, sizeof (*s));
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
  if (!s->ws)
    return;
  s->ws->used = s->mark;
  if (s->outermost) {
    give_back (s->ws);
    g_private_set (&current_ws, s->prev);
  }
}

LaTensor *
la_dit_scratch_new_typed (LaDitScratch * s, LaDType dtype, gint n_dims,
    const gint64 * ne, GError ** error)
{
  LaDitWorkspace *ws = s->ws;
  LaBackend *be = s->dit->backend;
  gsize size = la_dtype_size (dtype);
  LaTensor *t;
  gint i;

  if (!ws) {
    if ((t = la_tensor_new (be, dtype, n_dims, ne, error)))
      g_ptr_array_add (s->tensors, t);
    return t;
  }
  /* bad shapes go to la_tensor_new () for its error */
  for (i = 0; i < n_dims && n_dims <= LA_MAX_DIMS; i++) {
    if (ne[i] < 1 || (guint64) ne[i] > G_MAXSIZE / size) {
      n_dims = 0;
      break;
    }
    size *= (gsize) ne[i];
  }
  if (n_dims < 1 || n_dims > LA_MAX_DIMS
      || size > G_MAXSIZE - LA_TENSOR_ALIGNMENT)
    return la_tensor_new (be, dtype, n_dims, ne, error);
  size = (size + LA_TENSOR_ALIGNMENT - 1) / LA_TENSOR_ALIGNMENT
      * LA_TENSOR_ALIGNMENT;

  if (ws->buffer && ws->used <= la_buffer_get_size (ws->buffer)
      && size <= la_buffer_get_size (ws->buffer) - ws->used)
    t = la_tensor_new_in_buffer (ws->buffer, ws->used, dtype, n_dims, ne,
        error);
  else
    t = la_tensor_new (be, dtype, n_dims, ne, error);
  if (!t)
    return NULL;
  g_ptr_array_add (s->tensors, t);
  ws->used += size;
  ws->want = MAX (ws->want, ws->used);
  return t;
}

LaTensor *
la_dit_scratch_new (LaDitScratch * s, gint n_dims, const gint64 * ne,
    GError ** error)
{
  return la_dit_scratch_new_typed (s, LA_DTYPE_F32, n_dims, ne, error);
}

LaTensor *
la_dit_scratch_new_c (LaDitScratch * s, gint n_dims, const gint64 * ne,
    GError ** error)
{
  return la_dit_scratch_new_typed (s, s->dit->cdtype, n_dims, ne, error);
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
