/* liveavatar: a record of where each block's work ran, for tests
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Events are appended in the order they happen (one lock), so a test can
 * check placement (which device ran which step) and hand-off order (stage
 * k finished a block before stage k + 1 started it). Off by default: one
 * branch per event when off.
 */

#ifndef __LA_TRACE_H__
#define __LA_TRACE_H__

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  LA_TRACE_AUDIO,               /* audio front-end ran on a block */
  LA_TRACE_DIT_STEP,            /* one sampling step on one device */
  LA_TRACE_DECODE,              /* the decoder rendered a block */
  LA_TRACE_PROMPT,              /* a new prompt took effect at this block */
  LA_TRACE_REFERENCE            /* a DiT stage filled its sink caches with a
                                 * reference picture it had not used yet,
                                 * before this block */
} LaTraceKind;

typedef struct
{
  LaTraceKind kind;
  guint64 block;
  gint step;                    /* sampling step, -1 when not a step */
  guint stage;                  /* 0 audio, 1 .. P DiT, P + 1 VAE */
  gint device;                  /* device index, -1 when none */
} LaTraceEvent;

typedef struct _LaTrace LaTrace;

LaTrace *la_trace_new (void);
void la_trace_free (LaTrace * trace);
void la_trace_set_enabled (LaTrace * trace, gboolean enabled);
void la_trace_add (LaTrace * trace, LaTraceKind kind, guint64 block,
    gint step, guint stage, gint device);
/* a copy of the events so far (g_free it); @n_events set */
LaTraceEvent *la_trace_copy (LaTrace * trace, guint * n_events);
void la_trace_clear (LaTrace * trace);

G_END_DECLS

#endif /* __LA_TRACE_H__ */
