/* liveavatar: the reference image, decoded by GStreamer
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Live Avatar prepares its reference picture like this
 * (liveavatar/models/wan/causal_s2v_pipeline_tpp.py, WanS2V.generate and
 * get_gen_size, commit 9c2c38d):
 *
 *   ref_image = np.array (Image.open (ref_image_path).convert ('RGB'))
 *   HEIGHT, WIDTH = get_size_less_than_area (h, w, target_area=max_area)
 *   resize_opreat = transforms.Resize (min (HEIGHT, WIDTH))
 *   crop_opreat = transforms.CenterCrop ((HEIGHT, WIDTH))
 *   model_pic = crop_opreat (resize_opreat (Image.fromarray (ref_image)))
 *   ref_pixel_values = ToTensor (model_pic) * 2 - 1
 *
 * where max_area is the --size W*H product. So: the first picture of the
 * file in RGB (alpha dropped, EXIF orientation ignored, pixels taken as
 * square), its short side scaled to the output's short side (the long side
 * in proportion, truncated) with PIL's antialiased bilinear filter, then
 * centre-cropped to the output size (the crop offset rounded half to even,
 * Python's round; black bars where the scaled picture is smaller, as
 * torchvision pads). Here GStreamer decodes and scales (filesrc !
 * decodebin ! videoconvert ! videoscale method=bilinear2, a bilinear
 * filter widened when shrinking, as PIL's) and the crop is done in C. The
 * engine maps the bytes to [-1, 1] (the "* 2 - 1") where it encodes them.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/video/video.h>

#include "gstliveavatarimage.h"

GST_DEBUG_CATEGORY_STATIC (liveavatar_image_debug);
#define GST_CAT_DEFAULT liveavatar_image_debug

/* the sizes the engine accepts (gst/gstliveavatarsettings.c, width) */
#define MIN_SIZE 64
#define MAX_SIZE 4096

/* PIL refuses pictures larger than this (Image.MAX_IMAGE_PIXELS * 2,
 * DecompressionBombError): so does Live Avatar, and so do we */
#define MAX_SOURCE_PIXELS G_GINT64_CONSTANT (178956970)

/* the picture, scaled before the crop, stays below this a side */
#define MAX_SCALED (8 * MAX_SIZE)

/* a picture decodes in milliseconds; a stuck decoder must not hang us */
#define DECODE_TIMEOUT (30 * GST_SECOND)

static void
debug_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (liveavatar_image_debug, "liveavatarimage", 0,
        "liveavatar reference image");
    g_once_init_leave (&done, 1);
  }
}

/* ---- geometry ---- */

/* ---- decoding ---- */

typedef struct
{
  const gchar *path;
  gint width, height;
  GstLiveAvatarImageFit fit;
  GstElement *convert;
  GstElement *capsfilter;

  /* written by the streaming threads, read once the pipeline has stopped */
  GMutex lock;
  gboolean linked;              /* a picture stream reached videoconvert */
  gchar *other;                 /* caps of a stream that is no picture */
  GError *error;                /* the picture cannot be used */
  gboolean sized;               /* the fields below are set */
  gint source_width, source_height;
  gint out_width, out_height;
  LaCrop crop;
} Decode;

static void
decode_set_error (Decode * d, GQuark domain, gint code, gchar * message)
{
  g_mutex_lock (&d->lock);
  if (d->error == NULL)
    d->error = g_error_new_literal (domain, code, message);
  g_mutex_unlock (&d->lock);
  g_free (message);
}

/* decodebin found a stream: a picture goes to videoconvert */
static void
on_pad_added (GstElement * decodebin, GstPad * pad, Decode * d)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  GstPad *sinkpad;
  const gchar *name;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  name = gst_caps_is_empty (caps) ? "" :
      gst_structure_get_name (gst_caps_get_structure (caps, 0));

  if (!g_str_equal (name, "video/x-raw")) {
    g_mutex_lock (&d->lock);
    if (d->other == NULL)
      d->other = gst_caps_to_string (caps);
    g_mutex_unlock (&d->lock);
    gst_caps_unref (caps);
    return;
  }
  gst_caps_unref (caps);

  sinkpad = gst_element_get_static_pad (d->convert, "sink");
  if (!gst_pad_is_linked (sinkpad) &&
      gst_pad_link (pad, sinkpad) == GST_PAD_LINK_OK) {
    g_mutex_lock (&d->lock);
    d->linked = TRUE;
    g_mutex_unlock (&d->lock);
  }
  gst_object_unref (sinkpad);
}

/* The picture's size is known before any pixel flows: choose the output
 * size and what to scale to, and tell the capsfilter, so that videoscale
 * does the resize. */
static gboolean
decode_size (Decode * d, gint source_width, gint source_height)
{
  gint out_width = d->width, out_height = d->height;
  LaCrop crop;

  if ((gint64) source_width * source_height > MAX_SOURCE_PIXELS) {
    decode_set_error (d, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        g_strdup_printf ("The reference image \"%s\" is %dx%d, more than "
            "the %" G_GINT64_FORMAT " pixels Live Avatar (PIL) accepts",
            d->path, source_width, source_height, MAX_SOURCE_PIXELS));
    return FALSE;
  }

  if (d->fit == GST_LIVE_AVATAR_IMAGE_FIT_AREA &&
      (!la_size_for_area (source_width, source_height, d->width, d->height,
              &out_width, &out_height) ||
          out_width < MIN_SIZE || out_width > MAX_SIZE ||
          out_height < MIN_SIZE || out_height > MAX_SIZE)) {
    decode_set_error (d, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        g_strdup_printf ("The reference image \"%s\" is %dx%d: for an area "
            "of %dx%d its aspect gives an output of %dx%d, outside %d .. %d "
            "pixels a side; use a less elongated picture", d->path,
            source_width, source_height, d->width, d->height, out_width,
            out_height, MIN_SIZE, MAX_SIZE));
    return FALSE;
  }

  la_crop_for (source_width, source_height, out_width, out_height, &crop);
  /* only an elongated picture fitted to a given size gets here */
  if (crop.scaled_width > MAX_SCALED || crop.scaled_height > MAX_SCALED) {
    decode_set_error (d, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        g_strdup_printf ("The reference image \"%s\" is %dx%d: scaled to "
            "cover %dx%d it would be %dx%d; use a less elongated picture",
            d->path, source_width, source_height, out_width, out_height,
            crop.scaled_width, crop.scaled_height));
    return FALSE;
  }
  GST_DEBUG ("%s: %dx%d -> scale to %dx%d, crop to %dx%d", d->path,
      source_width, source_height, crop.scaled_width, crop.scaled_height,
      out_width, out_height);

  g_mutex_lock (&d->lock);
  d->sized = TRUE;
  d->source_width = source_width;
  d->source_height = source_height;
  d->out_width = out_width;
  d->out_height = out_height;
  d->crop = crop;
  g_mutex_unlock (&d->lock);
  return TRUE;
}

static GstPadProbeReturn
on_convert_caps (GstPad * pad, GstPadProbeInfo * info, Decode * d)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstVideoInfo vinfo;
  GstCaps *caps, *filter;
  gboolean sized;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;

  g_mutex_lock (&d->lock);
  sized = d->sized || d->error != NULL;
  g_mutex_unlock (&d->lock);
  if (sized)                    /* the first picture only */
    return GST_PAD_PROBE_OK;

  gst_event_parse_caps (event, &caps);
  if (!gst_video_info_from_caps (&vinfo, caps) ||
      GST_VIDEO_INFO_WIDTH (&vinfo) <= 0 ||
      GST_VIDEO_INFO_HEIGHT (&vinfo) <= 0) {
    decode_set_error (d, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
        g_strdup_printf ("The reference image \"%s\" decodes to unusable "
            "video caps %" GST_PTR_FORMAT, d->path, caps));
    return GST_PAD_PROBE_DROP;
  }
  if (!decode_size (d, GST_VIDEO_INFO_WIDTH (&vinfo),
          GST_VIDEO_INFO_HEIGHT (&vinfo)))
    return GST_PAD_PROBE_DROP;

  filter = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGB",
      "width", G_TYPE_INT, d->crop.scaled_width,
      "height", G_TYPE_INT, d->crop.scaled_height, NULL);
  g_object_set (d->capsfilter, "caps", filter, NULL);
  gst_caps_unref (filter);
  return GST_PAD_PROBE_OK;
}

static GstElement *
make_element (const gchar * factory, GError ** error)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  if (e == NULL)
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        "The GStreamer element '%s' is missing: install GStreamer's base "
        "plugins to read a reference image", factory);
  return e;
}

/* filesrc ! decodebin ! videoconvert ! videoscale ! capsfilter ! fakesink */
static GstElement *
decode_pipeline (Decode * d, GstElement ** sink, GError ** error)
{
  static const gchar *const names[] = { "filesrc", "decodebin",
    "videoconvert", "videoscale", "capsfilter", "fakesink"
  };
  GstElement *e[G_N_ELEMENTS (names)] = { NULL, };
  GstElement *pipeline;
  GstPad *pad;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    e[i] = make_element (names[i], error);
    if (e[i] == NULL)
      goto missing;
  }

  pipeline = gst_pipeline_new ("liveavatar-image");
  gst_bin_add_many (GST_BIN (pipeline), e[0], e[1], e[2], e[3], e[4], e[5],
      NULL);
  g_object_set (e[0], "location", d->path, NULL);
  /* PIL's BILINEAR: a triangle filter, widened when shrinking */
  gst_util_set_object_arg (G_OBJECT (e[3]), "method", "bilinear2");
  g_object_set (e[5], "sync", FALSE, "enable-last-sample", TRUE, NULL);
  if (!gst_element_link (e[0], e[1]) ||
      !gst_element_link_many (e[2], e[3], e[4], e[5], NULL))
    goto link_failed;

  d->convert = e[2];
  d->capsfilter = e[4];
  g_signal_connect (e[1], "pad-added", G_CALLBACK (on_pad_added), d);
  pad = gst_element_get_static_pad (e[2], "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      (GstPadProbeCallback) on_convert_caps, d, NULL);
  gst_object_unref (pad);

  *sink = e[5];
  return pipeline;

  /* ERRORS */
missing:
  {
    for (i = 0; i < G_N_ELEMENTS (names); i++)
      if (e[i] != NULL)
        gst_object_unref (gst_object_ref_sink (e[i]));
    return NULL;
  }
link_failed:
  {
    gst_object_unref (pipeline);
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "Could not link the pipeline that decodes the reference image");
    return NULL;
  }
}

/* GStreamer's error, as one of ours: could the file be read at all? */
static GError *
decode_error_from_message (Decode * d, GstMessage * msg)
{
  GError *gerr = NULL, *err;
  gchar *debug = NULL;

  gst_message_parse_error (msg, &gerr, &debug);
  GST_DEBUG ("%s: %s (%s)", d->path, gerr->message, GST_STR_NULL (debug));

  if (gerr->domain == GST_RESOURCE_ERROR)
    err = g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
        "Could not read the reference image \"%s\": %s", d->path,
        gerr->message);
  else if (!d->linked && d->other != NULL)
    err = g_error_new (GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
        "The reference image \"%s\" is not a picture: it holds %s", d->path,
        d->other);
  else
    err = g_error_new (GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
        "Could not decode the reference image \"%s\": %s", d->path,
        gerr->message);
  g_error_free (gerr);
  g_free (debug);
  return err;
}

/* Copies the scaled picture's crop into a black picture of the output
 * size. */
static GstLiveAvatarImage *
image_from_sample (Decode * d, GstSample * sample, GError ** error)
{
  const LaCrop *crop = &d->crop;
  GstLiveAvatarImage *image;
  GstVideoFrame frame;
  GstVideoInfo vinfo;
  gint y;

  if (!gst_video_info_from_caps (&vinfo, gst_sample_get_caps (sample)) ||
      GST_VIDEO_INFO_FORMAT (&vinfo) != GST_VIDEO_FORMAT_RGB ||
      GST_VIDEO_INFO_WIDTH (&vinfo) != crop->scaled_width ||
      GST_VIDEO_INFO_HEIGHT (&vinfo) != crop->scaled_height ||
      !gst_video_frame_map (&frame, &vinfo, gst_sample_get_buffer (sample),
          GST_MAP_READ)) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
        "Could not scale the reference image \"%s\" to %dx%d RGB (got %"
        GST_PTR_FORMAT ")", d->path, crop->scaled_width, crop->scaled_height,
        gst_sample_get_caps (sample));
    return NULL;
  }

  image = g_new0 (GstLiveAvatarImage, 1);
  image->path = g_strdup (d->path);
  image->source_width = d->source_width;
  image->source_height = d->source_height;
  image->width = d->out_width;
  image->height = d->out_height;
  image->rgb = g_malloc0 ((gsize) image->width * image->height * 3);
  for (y = 0; y < crop->copy_height; y++) {
    const guint8 *src = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame,
        0) + (gsize) (crop->src_y + y) * GST_VIDEO_FRAME_PLANE_STRIDE (&frame,
        0) + (gsize) crop->src_x * 3;
    guint8 *dst = image->rgb + ((gsize) (crop->dst_y + y) * image->width +
        crop->dst_x) * 3;

    memcpy (dst, src, (gsize) crop->copy_width * 3);
  }
  gst_video_frame_unmap (&frame);
  return image;
}

GstLiveAvatarImage *
gst_live_avatar_image_load (const gchar * path, gint width, gint height,
    GstLiveAvatarImageFit fit, GError ** error)
{
  Decode d = { NULL, };
  GstElement *pipeline, *sink = NULL;
  GstLiveAvatarImage *image = NULL;
  GstSample *sample = NULL;
  GstMessage *msg = NULL;
  GstBus *bus;
  GError *err = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  debug_init ();
  d.path = path;
  d.width = width;
  d.height = height;
  d.fit = fit;
  g_mutex_init (&d.lock);

  pipeline = decode_pipeline (&d, &sink, &err);
  if (pipeline == NULL)
    goto done;

  bus = gst_element_get_bus (pipeline);
  /* PAUSED: the first picture prerolls into the sink, and stays there */
  if (gst_element_set_state (pipeline, GST_STATE_PAUSED) !=
      GST_STATE_CHANGE_FAILURE)
    msg = gst_bus_timed_pop_filtered (bus, DECODE_TIMEOUT,
        GST_MESSAGE_ASYNC_DONE | GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  else
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  gst_object_unref (bus);

  if (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ASYNC_DONE)
    g_object_get (sink, "last-sample", &sample, NULL);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  /* the streaming threads are gone: @d is ours alone */

  if (d.error != NULL) {
    err = g_steal_pointer (&d.error);
  } else if (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    err = decode_error_from_message (&d, msg);
  } else if (msg == NULL) {
    err = g_error_new (GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
        "Decoding the reference image \"%s\" took more than %u s", path,
        (guint) (DECODE_TIMEOUT / GST_SECOND));
  } else if (sample == NULL || !d.sized) {
    err = g_error_new (GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
        "The reference image \"%s\" holds no picture%s%s", path,
        d.other ? ": it holds " : "", d.other ? d.other : "");
  } else {
    image = image_from_sample (&d, sample, &err);
  }

  if (sample != NULL)
    gst_sample_unref (sample);
  if (msg != NULL)
    gst_message_unref (msg);
  gst_object_unref (pipeline);

done:
  g_clear_error (&d.error);
  g_free (d.other);
  g_mutex_clear (&d.lock);
  if (err != NULL) {
    GST_INFO ("%s", err->message);
    g_propagate_error (error, err);
  } else {
    GST_INFO ("%s: %dx%d -> %dx%d", path, image->source_width,
        image->source_height, image->width, image->height);
  }
  return image;
}

void
gst_live_avatar_image_free (GstLiveAvatarImage * image)
{
  if (image == NULL)
    return;

  g_free (image->path);
  g_free (image->rgb);
  g_free (image);
}

void
gst_live_avatar_image_post_full (GstElement * element, GstMessageType type,
    const GError * error, const gchar * file, const gchar * function, gint line)
{
  g_return_if_fail (error != NULL);

  gst_element_message_full (element, type, error->domain, error->code,
      g_strdup (error->message), NULL, file, function, line);
}

void
gst_live_avatar_image_post_shown (GstElement * element,
    GstClockTime timestamp, guint64 offset)
{
  GstStructure *s;

  GST_INFO_OBJECT (element, "frame %" G_GUINT64_FORMAT " at %"
      GST_TIME_FORMAT " shows a new reference picture", offset,
      GST_TIME_ARGS (timestamp));
  s = gst_structure_new ("liveavatar-reference-image",
      "timestamp", G_TYPE_UINT64, timestamp, "offset", G_TYPE_UINT64, offset,
      NULL);
  gst_element_post_message (element,
      gst_message_new_element (GST_OBJECT (element), s));
}

/* ---- changes while streaming ---- */

struct _GstLiveAvatarImageChanger
{
  GstElement *element;
  GThreadPool *pool;            /* one thread: changes apply in order */

  GMutex lock;
  GCond cond;                   /* @busy went FALSE */
  gboolean busy;                /* a decode for @session is under way */
  gchar *wanted;                /* what the property holds */
  guint serial;                 /* of @wanted */
  LaSession *session;
  guint session_serial;         /* which session: an address can repeat */
  gint width, height;
  gchar *current;               /* the file the session's picture came from */
};

static void
changer_work (gpointer data, gpointer user_data)
{
  GstLiveAvatarImageChanger *c = user_data;
  guint serial = GPOINTER_TO_UINT (data);
  GstLiveAvatarImage *image;
  GError *err = NULL;
  gchar *path;
  gint width, height;
  guint session_serial;
  gboolean stale;

  g_mutex_lock (&c->lock);
  /* a later change is queued: that one counts */
  if (serial != c->serial || c->session == NULL) {
    g_mutex_unlock (&c->lock);
    return;
  }
  path = g_strdup (c->wanted);
  width = c->width;
  height = c->height;
  session_serial = c->session_serial;
  c->busy = TRUE;
  g_mutex_unlock (&c->lock);

  if (path == NULL) {
    GST_ELEMENT_WARNING (c->element, RESOURCE, SETTINGS,
        ("The reference image cannot be removed while streaming"),
        ("the avatar keeps its current picture"));
    goto done;
  }

  /* the output size cannot change while streaming: the new picture is
   * scaled and cropped to it */
  image = gst_live_avatar_image_load (path, width, height,
      GST_LIVE_AVATAR_IMAGE_FIT_SIZE, &err);

  g_mutex_lock (&c->lock);
  stale = serial != c->serial || session_serial != c->session_serial;
  if (!stale && image != NULL &&
      la_session_set_reference_image (c->session, image->rgb, image->width,
          image->height, image->width * 3, &err)) {
    g_free (c->current);
    c->current = g_strdup (path);
  }
  g_mutex_unlock (&c->lock);

  if (err != NULL && !stale) {
    gst_element_message_full (c->element, GST_MESSAGE_WARNING, err->domain,
        err->code, g_strdup (err->message),
        g_strdup ("the avatar keeps its current picture"), __FILE__,
        GST_FUNCTION, __LINE__);
  } else if (!stale) {
    GST_INFO_OBJECT (c->element, "new reference image %s: shown from the "
        "next clip boundary", path);
  }
  g_clear_error (&err);
  gst_live_avatar_image_free (image);
  g_free (path);

done:
  /* only now: a session's end waits for this, messages included */
  g_mutex_lock (&c->lock);
  c->busy = FALSE;
  g_cond_broadcast (&c->cond);
  g_mutex_unlock (&c->lock);
}

GstLiveAvatarImageChanger *
gst_live_avatar_image_changer_new (GstElement * element)
{
  GstLiveAvatarImageChanger *c;

  g_return_val_if_fail (GST_IS_ELEMENT (element), NULL);

  debug_init ();
  c = g_new0 (GstLiveAvatarImageChanger, 1);
  c->element = element;
  g_mutex_init (&c->lock);
  g_cond_init (&c->cond);
  /* shared threads, at most one at a time for us */
  c->pool = g_thread_pool_new (changer_work, c, 1, FALSE, NULL);
  return c;
}

void
gst_live_avatar_image_changer_free (GstLiveAvatarImageChanger * c)
{
  if (c == NULL)
    return;

  g_thread_pool_free (c->pool, TRUE, TRUE);
  g_free (c->wanted);
  g_free (c->current);
  g_cond_clear (&c->cond);
  g_mutex_clear (&c->lock);
  g_free (c);
}

/* with the lock: decode @wanted for the session when it has another */
static void
changer_locked_queue (GstLiveAvatarImageChanger * c)
{
  if (c->session == NULL || g_strcmp0 (c->wanted, c->current) == 0)
    return;
  g_thread_pool_push (c->pool, GUINT_TO_POINTER (c->serial), NULL);
}

void
gst_live_avatar_image_changer_request (GstLiveAvatarImageChanger * c,
    const gchar * path)
{
  g_return_if_fail (c != NULL);

  g_mutex_lock (&c->lock);
  g_free (c->wanted);
  c->wanted = g_strdup (path);
  /* never 0: the pool takes no NULL */
  if (++c->serial == 0)
    c->serial = 1;
  changer_locked_queue (c);
  g_mutex_unlock (&c->lock);
}

void
gst_live_avatar_image_changer_set_session (GstLiveAvatarImageChanger * c,
    LaSession * session, gint width, gint height, const gchar * current)
{
  g_return_if_fail (c != NULL);

  g_mutex_lock (&c->lock);
  c->session = session;
  c->session_serial++;
  c->width = width;
  c->height = height;
  g_free (c->current);
  c->current = g_strdup (current);
  if (++c->serial == 0)
    c->serial = 1;
  changer_locked_queue (c);
  /* the old session may be freed once we return */
  while (session == NULL && c->busy)
    g_cond_wait (&c->cond, &c->lock);
  g_mutex_unlock (&c->lock);
}
