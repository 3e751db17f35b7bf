/* liveavatar: audio in, talking-avatar video out
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifndef __GST_LIVE_AVATAR_FILTER_H__
#define __GST_LIVE_AVATAR_FILTER_H__

#include <gst/gst.h>

G_BEGIN_DECLS
#define GST_TYPE_LIVE_AVATAR_FILTER (gst_live_avatar_filter_get_type ())
G_DECLARE_FINAL_TYPE (GstLiveAvatarFilter, gst_live_avatar_filter, GST,
    LIVE_AVATAR_FILTER, GstElement);

GST_ELEMENT_REGISTER_DECLARE (liveavatarfilter);

G_END_DECLS
#endif /* __GST_LIVE_AVATAR_FILTER_H__ */
