/* liveavatar: live talking-avatar source
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifndef __GST_LIVE_AVATAR_SRC_H__
#define __GST_LIVE_AVATAR_SRC_H__

#include <gst/gst.h>
#include <gst/base/gstpushsrc.h>

G_BEGIN_DECLS

#define GST_TYPE_LIVE_AVATAR_SRC (gst_live_avatar_src_get_type ())
G_DECLARE_FINAL_TYPE (GstLiveAvatarSrc, gst_live_avatar_src, GST,
    LIVE_AVATAR_SRC, GstPushSrc);

GST_ELEMENT_REGISTER_DECLARE (liveavatarsrc);

G_END_DECLS

#endif /* __GST_LIVE_AVATAR_SRC_H__ */
