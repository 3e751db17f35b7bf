/* liveavatar: session hooks for tests (not public API)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Stages are numbered as in LaSessionStats: 0 is the audio front-end,
 * 1 .. P the DiT stages, P + 1 the VAE decoder.
 */

#ifndef __LA_SESSION_PRIVATE_H__
#define __LA_SESSION_PRIVATE_H__

#include "liveavatar.h"
#include "la-trace.h"

G_BEGIN_DECLS

/* Makes @stage fail (LA_ERROR_FAILED, "injected fault ...") when it takes
 * block @block_index. One shot: cleared when it fires. */
void la_session_inject_fault (LaSession * session, guint stage,
    guint64 block_index);

/* model=liveavatar: waits up to @timeout_us until the prompt worker has
 * nothing left to encode (the last la_session_set_prompt's text is then in
 * force for the next block cut, or the session failed). TRUE when so. */
gboolean la_session_wait_prompt (LaSession * session, gint64 timeout_us);

/* Starts (TRUE) or stops recording LaTraceEvents; starting clears the
 * previous record. */
void la_session_set_trace (LaSession * session, gboolean enabled);

/* The events recorded so far, in the order they happened; g_free it. */
LaTraceEvent *la_session_get_trace (LaSession * session, guint * n_events);

G_END_DECLS

#endif /* __LA_SESSION_PRIVATE_H__ */
