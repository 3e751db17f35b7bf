/* liveavatar: the reference image, decoded by GStreamer
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifndef __GST_LIVE_AVATAR_IMAGE_H__
#define __GST_LIVE_AVATAR_IMAGE_H__

#include <gst/gst.h>
#include "liveavatar.h"

G_BEGIN_DECLS

/* A reference picture ready for the engine: packed RGB at the output size. */
typedef struct
{
  gchar *path;                  /* the file it came from */
  gint source_width;            /* the picture in the file */
  gint source_height;
  gint width, height;           /* the output size */
  guint8 *rgb;                  /* rows width * 3 bytes apart */
} GstLiveAvatarImage;

typedef enum
{
  /* width x height is an area (Live Avatar's --size W*H): the output size
   * is la_size_for_area () of the picture */
  GST_LIVE_AVATAR_IMAGE_FIT_AREA,
  /* the output size is width x height */
  GST_LIVE_AVATAR_IMAGE_FIT_SIZE
} GstLiveAvatarImageFit;

/* the picture's Resize + CenterCrop geometry: la_crop_for () */

/* Decodes the first picture of the image file at @path with GStreamer
 * (any format its decoders know) and fits it to the output size as Live
 * Avatar does. Slow (milliseconds to a second): not on a streaming thread.
 * On failure NULL and @error in GST_RESOURCE_ERROR (OPEN_READ: the file
 * cannot be read; SETTINGS: no output size fits the picture) or
 * GST_STREAM_ERROR (DECODE: not a picture GStreamer can decode), or
 * GST_CORE_ERROR_MISSING_PLUGIN, with the path and GStreamer's reason. */
GstLiveAvatarImage *gst_live_avatar_image_load (const gchar * path,
    gint width, gint height, GstLiveAvatarImageFit fit, GError ** error);
void gst_live_avatar_image_free (GstLiveAvatarImage * image);

/* Posts @error from gst_live_avatar_image_load () as an ERROR or WARNING
 * message (@type) of @element, with the error's own domain and code. */
#define gst_live_avatar_image_post(element, type, error) \
    gst_live_avatar_image_post_full (element, type, error, __FILE__, \
        GST_FUNCTION, __LINE__)
void gst_live_avatar_image_post_full (GstElement * element,
    GstMessageType type, const GError * error, const gchar * file,
    const gchar * function, gint line);

/* Posts the element message that tells the application from which frame
 * on the video shows a new reference picture (a frame flagged
 * LA_FRAME_FLAG_NEW_REFERENCE): "liveavatar-reference-image" with
 * "timestamp" (GstClockTime, the frame's PTS) and "offset" (guint64, its
 * number, as the buffer's offset). */
void gst_live_avatar_image_post_shown (GstElement * element,
    GstClockTime timestamp, guint64 offset);

/* Changes of the reference image while streaming: each is decoded on a
 * thread of its own, in order, and handed to the session, which shows it
 * from its next clip boundary. A picture that fails to decode is posted as
 * a WARNING and the session keeps the one it has. Every value the property
 * takes goes through _request (), in any state: the changer compares it
 * with what the session was given when one is set, so a change that races
 * with the start of a session is not lost. */
typedef struct _GstLiveAvatarImageChanger GstLiveAvatarImageChanger;

/* @element is not referenced: free the changer in its finalize */
GstLiveAvatarImageChanger *gst_live_avatar_image_changer_new (GstElement *
    element);
/* waits for a decode in progress; drops those not started */
void gst_live_avatar_image_changer_free (GstLiveAvatarImageChanger * changer);
void gst_live_avatar_image_changer_request (GstLiveAvatarImageChanger *
    changer, const gchar * path);
/* From now on pictures go to @session at @width x @height; it was started
 * with the picture from @current (NULL: none). @session NULL: no session,
 * and waits for a decode under way to finish (call it before freeing the
 * session, with none of the element's locks held: the decode posts). */
void gst_live_avatar_image_changer_set_session (GstLiveAvatarImageChanger *
    changer, LaSession * session, gint width, gint height,
    const gchar * current);

G_END_DECLS

#endif /* __GST_LIVE_AVATAR_IMAGE_H__ */
