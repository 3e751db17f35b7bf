/* liveavatar: a record of where each block's work ran, for tests
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "la-trace.h"

struct _LaTrace
{
  GMutex lock;
  gint enabled;                 /* atomic */
  GArray *events;               /* LaTraceEvent */
};

LaTrace *
la_trace_new (void)
{
  LaTrace *t = g_new0 (LaTrace, 1);

  g_mutex_init (&t->lock);
  t->events = g_array_new (FALSE, FALSE, sizeof (LaTraceEvent));
  return t;
}

void
la_trace_free (LaTrace * trace)
{
  if (trace == NULL)
    return;

  g_array_unref (trace->events);
  g_mutex_clear (&trace->lock);
  g_free (trace);
}

void
la_trace_set_enabled (LaTrace * trace, gboolean enabled)
{
  g_atomic_int_set (&trace->enabled, enabled ? 1 : 0);
}

void
la_trace_add (LaTrace * trace, LaTraceKind kind, guint64 block, gint step,
    guint stage, gint device)
{
  LaTraceEvent ev = { kind, block, step, stage, device };

  if (!g_atomic_int_get (&trace->enabled))
    return;

  g_mutex_lock (&trace->lock);
  g_array_append_val (trace->events, ev);
  g_mutex_unlock (&trace->lock);
}

LaTraceEvent *
la_trace_copy (LaTrace * trace, guint * n_events)
{
  LaTraceEvent *copy;

  g_mutex_lock (&trace->lock);
  *n_events = trace->events->len;
  copy = g_memdup2 (trace->events->data,
      (gsize) trace->events->len * sizeof (LaTraceEvent));
  g_mutex_unlock (&trace->lock);
  return copy;
}

void
la_trace_clear (LaTrace * trace)
{
  g_mutex_lock (&trace->lock);
  g_array_set_size (trace->events, 0);
  g_mutex_unlock (&trace->lock);
}
