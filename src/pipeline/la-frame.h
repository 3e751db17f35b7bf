/* liveavatar: refcounted output frames
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The public LaFrame plus its allocation: one block of pixels per frame,
 * planes laid out tightly (RGB/RGBA: one plane; I420: Y, U, V), freed with
 * the last reference.
 */

#ifndef __LA_FRAME_H__
#define __LA_FRAME_H__

#include "liveavatar.h"

G_BEGIN_DECLS

/* A frame with uninitialised pixels; @width and @height even. */
LaFrame *la_frame_new (LaPixelFormat format, gint width, gint height);

/* Bytes one frame of this format and size takes. */
gsize la_frame_size_for_format (LaPixelFormat format, gint width,
    gint height);

/* Makes @frame the carrier of its block's stats (copied); the stage that
 * emits the first frame of a block calls it, before anyone else sees the
 * frame. */
void la_frame_set_block_stats (LaFrame * frame, const LaBlockStats * stats);

G_END_DECLS

#endif /* __LA_FRAME_H__ */
