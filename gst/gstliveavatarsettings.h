/* liveavatar: the properties both elements share
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifndef __GST_LIVE_AVATAR_SETTINGS_H__
#define __GST_LIVE_AVATAR_SETTINGS_H__

#include <gst/gst.h>
#include "liveavatar.h"
#include "gstliveavatarimage.h"

G_BEGIN_DECLS

#define GST_TYPE_LIVE_AVATAR_MODEL (gst_live_avatar_model_get_type ())
GType gst_live_avatar_model_get_type (void);
#define GST_TYPE_LIVE_AVATAR_BACKEND (gst_live_avatar_backend_get_type ())
GType gst_live_avatar_backend_get_type (void);
#define GST_TYPE_LIVE_AVATAR_PRECISION (gst_live_avatar_precision_get_type ())
GType gst_live_avatar_precision_get_type (void);

/* Property ids of the shared properties. An element numbers its own
 * properties from GST_LIVE_AVATAR_PROP_LAST. */
enum
{
  GST_LIVE_AVATAR_PROP_0,
  GST_LIVE_AVATAR_PROP_MODEL,
  GST_LIVE_AVATAR_PROP_MODEL_PATH,
  GST_LIVE_AVATAR_PROP_REFERENCE_IMAGE,
  GST_LIVE_AVATAR_PROP_PROMPT,
  GST_LIVE_AVATAR_PROP_BACKEND,
  GST_LIVE_AVATAR_PROP_DIT_DEVICES,
  GST_LIVE_AVATAR_PROP_VAE_DEVICE,
  GST_LIVE_AVATAR_PROP_ULYSSES_SIZE,
  GST_LIVE_AVATAR_PROP_VAE_PARALLEL,
  GST_LIVE_AVATAR_PROP_OFFLOAD,
  GST_LIVE_AVATAR_PROP_PRECISION,
  GST_LIVE_AVATAR_PROP_WIDTH,
  GST_LIVE_AVATAR_PROP_HEIGHT,
  GST_LIVE_AVATAR_PROP_SAMPLE_STEPS,
  GST_LIVE_AVATAR_PROP_ONLINE_DECODE,
  GST_LIVE_AVATAR_PROP_SEED,
  GST_LIVE_AVATAR_PROP_LAST
};

#define DEFAULT_MODEL           LA_MODEL_LIVEAVATAR
#define DEFAULT_MODEL_PATH      NULL
#define DEFAULT_REFERENCE_IMAGE NULL
#define DEFAULT_PROMPT          NULL
#define DEFAULT_BACKEND         LA_BACKEND_AUTO
#define DEFAULT_DIT_DEVICES     "0"
#define DEFAULT_VAE_DEVICE      -1      /* -1 = the last DiT device */
#define DEFAULT_ULYSSES_SIZE    1
#define DEFAULT_VAE_PARALLEL    FALSE
#define DEFAULT_OFFLOAD         FALSE
#define DEFAULT_PRECISION       LA_PRECISION_AUTO
#define DEFAULT_WIDTH           704     /* pixels */
#define DEFAULT_HEIGHT          384     /* pixels */
#define DEFAULT_SAMPLE_STEPS    LA_DEFAULT_SAMPLE_STEPS
#define DEFAULT_ONLINE_DECODE   TRUE
#define DEFAULT_SEED            42

/* Guarded by the element's object lock. */
typedef struct
{
  LaModelKind model;
  gchar *model_path;
  gchar *reference_image;
  gchar *prompt;
  LaBackendKind backend;
  gchar *dit_devices;
  gint vae_device;
  gint ulysses_size;
  gboolean vae_parallel;
  gboolean offload;
  LaPrecision precision;
  gint width;
  gint height;
  gint sample_steps;
  gboolean online_decode;
  guint64 seed;
} GstLiveAvatarSettings;

typedef enum
{
  GST_LIVE_AVATAR_SET_NOT_OURS, /* not a shared property id */
  GST_LIVE_AVATAR_SET_DONE,
  GST_LIVE_AVATAR_SET_REFUSED   /* READY-only property set while running */
} GstLiveAvatarSetResult;

void gst_live_avatar_settings_install_properties (GObjectClass * klass);
void gst_live_avatar_settings_init (GstLiveAvatarSettings * settings);
void gst_live_avatar_settings_clear (GstLiveAvatarSettings * settings);

/* Takes the object lock itself. A READY-only property set above READY is
 * refused with a warning message on the bus. */
GstLiveAvatarSetResult gst_live_avatar_settings_set_property (GstElement *
    element, GstLiveAvatarSettings * settings, guint prop_id,
    const GValue * value, GParamSpec * pspec);
gboolean gst_live_avatar_settings_get_property (GstElement * element,
    GstLiveAvatarSettings * settings, guint prop_id, GValue * value,
    GParamSpec * pspec);

/* Engine configuration from the settings. The strings in @cfg point into
 * @settings: take the object lock around this and la_engine_new (), or copy. */
void gst_live_avatar_settings_to_engine_config (const GstLiveAvatarSettings *
    settings, LaEngineConfig * cfg);
void gst_live_avatar_settings_to_session_config (const GstLiveAvatarSettings *
    settings, LaSessionConfig * cfg);

/* What the element loads before it streams, from a snapshot of the
 * settings (the object lock is taken for the copy, not while loading):
 *
 * - the reference picture, decoded (again) when *@image is NULL, @reload is
 *   TRUE or the reference-image property names another file than the one
 *   *@image came from; with width x height as the area, so that the
 *   picture decides the output size (Live Avatar's --size);
 * - the engine, made (again) when *@engine is NULL, @reload is TRUE or the
 *   picture asks for another output size than *@engine's; at the
 *   picture's size, or at width x height when there is no picture.
 *
 * What changed replaces *@engine and *@image with @lock (the element's)
 * held, and the old ones are freed: no session may use the old engine.
 * On failure posts GST_ELEMENT_ERROR (the picture's error, or the engine's
 * message) and returns FALSE, leaving both as they were. */
gboolean gst_live_avatar_prepare (GstElement * element,
    GstLiveAvatarSettings * settings, GMutex * lock, gboolean reload,
    LaEngine ** engine, GstLiveAvatarImage ** image);

/* Starts a session on @engine in @format with the current prompt and seed
 * (copied with the object lock held) and @image, when not NULL, as its
 * first picture, and has @changer hand it the pictures the reference-image
 * property asks for from now on. Creating it may take long with a real
 * model (it encodes the picture and the prompt): no lock is held for that.
 * On failure posts GST_ELEMENT_ERROR and returns NULL. */
LaSession *gst_live_avatar_create_session (GstElement * element,
    GstLiveAvatarSettings * settings, LaEngine * engine,
    const GstLiveAvatarImage * image, GstLiveAvatarImageChanger * changer,
    LaPixelFormat format);

/* Stops @changer's hand-offs to @session (waiting for one under way: hold
 * none of the element's locks), then frees it. */
void gst_live_avatar_free_session (GstLiveAvatarImageChanger * changer,
    LaSession * session);

/* Posts GST_ELEMENT_ERROR for an engine error, choosing the GStreamer error
 * domain and code from the LaError code. @what says what was being done. */
#define gst_live_avatar_post_error(element, err, what) \
    gst_live_avatar_post_error_full (element, err, what, __FILE__, \
        GST_FUNCTION, __LINE__)
void gst_live_avatar_post_error_full (GstElement * element, const GError * err,
    const gchar * what, const gchar * file, const gchar * function, gint line);

G_END_DECLS

#endif /* __GST_LIVE_AVATAR_SETTINGS_H__ */
