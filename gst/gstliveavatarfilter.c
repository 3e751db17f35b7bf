/* liveavatar: audio in, talking-avatar video out
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-liveavatarfilter
 * @title: liveavatarfilter
 *
 * Turns 16 kHz mono audio into video of a talking person at 25 frames per
 * second (Live Avatar on Wan2.2-S2V-14B, or a test pattern with model=test).
 * Put `audioconvert ! audioresample` in front of it: it takes only
 * F32LE, 16000 Hz, mono. The output size comes from the width and height
 * properties, or, with a reference image, from the picture's aspect with
 * width x height as the area (see #GstLiveAvatarFilter:reference-image);
 * the pixel format (RGB, RGBA or I420) is the first one downstream
 * accepts. Output in CUDA memory (`memory:CUDAMemory`) is not
 * offered yet: frames are in system memory, wrapped without a copy.
 *
 * Exactly one frame leaves per 640 samples (40 ms) of audio. Frame n of a
 * stream has PTS = base + n * 40 ms (integer arithmetic, no drift over
 * hours), where base is the timestamp of the first buffer after the start,
 * a flush or a new segment (the segment start if that buffer has none).
 * The output segment is the input one, so running times match.
 *
 * The model works in blocks of 12 frames (0.48 s): a block's frames leave
 * only when its last audio has arrived, so before EOS the element has sent
 * floor (samples / 640) frames at most; EOS pads the last block with
 * silence and sends the rest, ceil (samples / 640) in all, then EOS.
 *
 * Gaps: the element keeps the expected timestamp of the next sample. A
 * buffer more than 20 ms (half a frame) later than that is preceded by
 * silence up to its timestamp, and a GAP event is silence for its
 * duration: missing audio becomes frames of a silent face, never a jump in
 * the video. A buffer more than 20 ms earlier (overlap) loses the samples
 * that were already covered. Smaller deviations are jitter and ignored.
 *
 * QoS (the qos property): when downstream reports lateness, frames that
 * would end before the earliest time it can still show are dropped instead
 * of pushed (with a QoS message), and the engine is told to skip
 * generating blocks all of whose frames are late, so a slow machine catches
 * up instead of falling further behind. The timestamps of the frames that
 * are pushed stay exact, so the video never drifts from the audio.
 *
 * Latency: upstream's, plus the model's audio look-ahead, plus one block
 * (its frames wait for its last audio), plus the measured generation time
 * per block rounded up to a frame (at least one frame). When the measured
 * time grows, the element posts a LATENCY message so that a live pipeline
 * can reconfigure; the latency property shows the current figure.
 *
 * Generation runs on the engine's own threads; frames are pushed from a
 * task on the source pad, so the audio thread is free as soon as the
 * engine has taken its samples (it blocks when the engine is full).
 *
 * ## Bus messages
 *
 * With the stats property on (the default) the element posts one element
 * message named `liveavatar-stats` per block, just before the block's
 * first frame is pushed (also when QoS drops that frame), in block order:
 *
 * * `block` (guint64): the block's index since start or the last flush;
 *   it covers frames 12 × block ... 12 × block + n-frames − 1
 * * `frame` (guint64): the buffer offset of its first frame
 * * `n-frames` (guint): its frames, 12 except at the end of a stream
 * * `pts`, `running-time` (guint64, ns): of its first frame
 * * `skipped` (gboolean): QoS: not generated, the last picture repeated
 * * `audio-us` (gint64): audio front-end time on the block, µs
 * * `dit-us` (GstValueArray of gint64): time of each DiT pipeline stage on
 *   the block, µs; `dit-devices` (GstValueArray of strings): the devices of
 *   each stage, e.g. < "0", "1" > for dit-devices=0,1, < "0,1" > with
 *   ulysses-size=2
 * * `vae-us` (gint64), `vae-device` (gint): the decoder's time and device
 * * `block-us` (gint64): wall time from the block's last audio sample
 *   reaching the engine to its frames being ready, waits in full queues
 *   included; `compute-us` (gint64): the stages' busy time on it, summed;
 *   `max-block-us` the longest `compute-us` so far (since start or the last
 *   flush), which sets the latency
 * * `queue-depths` (GstValueArray of guint): blocks waiting at the input of
 *   each stage (audio, DiT stages..., VAE) as the message is made
 * * `frames-dropped`, `frames-repeated`, `blocks-skipped` (guint64): late
 *   frames dropped by QoS, frames repeated for skipped blocks and blocks
 *   skipped, since the element started (READY to PAUSED)
 * * `latency` (guint64, ns): the latency the element reports now
 *
 * `gst-launch-1.0 -m` prints them; docs/usage.md shows how to read them in
 * an application.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 audiotestsrc ! audioconvert ! audioresample ! liveavatarfilter model=test ! videoconvert ! autovideosink
 * ]| An animated test pattern: the mouth follows the tone's level.
 * |[
 * gst-launch-1.0 filesrc location=speech.wav ! decodebin ! audioconvert ! audioresample ! liveavatarfilter model-path=/models/Wan2.2-S2V-14B reference-image=face.png ! videoconvert ! autovideosink
 * ]| The person in face.png speaks the audio file.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/audio/audio.h>
#include <gst/video/video.h>

#include "liveavatar.h"
#include "gstliveavatarimage.h"
#include "gstliveavatarsettings.h"
#include "gstliveavatarstats.h"
#include "gstliveavatarfilter.h"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format = (string) F32LE, "
        "rate = (int) 16000, channels = (int) 1, "
        "layout = (string) interleaved"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw, format = (string) { RGB, RGBA, I420 }, "
        "width = (int) [ 64, 4096 ], height = (int) [ 64, 4096 ], "
        "framerate = (fraction) 25/1"));

GST_DEBUG_CATEGORY_STATIC (live_avatar_filter_debug);
#define GST_CAT_DEFAULT live_avatar_filter_debug
GST_DEBUG_CATEGORY_STATIC (live_avatar_filter_dataflow);

enum
{
  PROP_0 = GST_LIVE_AVATAR_PROP_LAST,
  PROP_QOS,
  PROP_LATENCY,
  PROP_STATS
};

#define DEFAULT_QOS             TRUE

/* time of one sample, frame and block: exact integers (62.5 us, 40 ms,
 * 480 ms), so timestamps are sums of integers and never drift */
#define SAMPLES_TO_TIME(s) \
    gst_util_uint64_scale_int ((s), GST_SECOND, LA_SAMPLE_RATE)
#define TIME_TO_SAMPLES_ROUND(t) \
    gst_util_uint64_scale_int_round ((t), LA_SAMPLE_RATE, GST_SECOND)
#define FRAME_DURATION          SAMPLES_TO_TIME (LA_SAMPLES_PER_FRAME)
#define BLOCK_DURATION          SAMPLES_TO_TIME (LA_SAMPLES_PER_BLOCK)
/* a timestamp further than this from the expected one is a gap or an
 * overlap; closer is jitter */
#define GAP_TOLERANCE           (FRAME_DURATION / 2)

#define GST_LIVE_AVATAR_FILTER_LOCK(f) G_STMT_START {                   \
  GST_TRACE_OBJECT (f, "locking from thread %p", g_thread_self ());     \
  g_mutex_lock (&(f)->lock);                                            \
} G_STMT_END

#define GST_LIVE_AVATAR_FILTER_UNLOCK(f) G_STMT_START {                 \
  GST_TRACE_OBJECT (f, "unlocking from thread %p", g_thread_self ());   \
  g_mutex_unlock (&(f)->lock);                                          \
} G_STMT_END

/* locks and jumps to @label when the task is not running */
#define GST_LIVE_AVATAR_FILTER_LOCK_CHECK(f, label) G_STMT_START {      \
  GST_LIVE_AVATAR_FILTER_LOCK (f);                                      \
  if ((f)->srcresult != GST_FLOW_OK)                                    \
    goto label;                                                         \
} G_STMT_END

#define GST_LIVE_AVATAR_FILTER_WAIT_CHECK(f, label) G_STMT_START {      \
  GST_CAT_LOG_OBJECT (live_avatar_filter_dataflow, f, "waiting");       \
  g_cond_wait (&(f)->cond, &(f)->lock);                                 \
  if ((f)->srcresult != GST_FLOW_OK)                                    \
    goto label;                                                         \
} G_STMT_END

#define GST_LIVE_AVATAR_FILTER_BROADCAST(f) G_STMT_START {              \
  GST_CAT_LOG_OBJECT (live_avatar_filter_dataflow, f, "signalling");    \
  g_cond_broadcast (&(f)->cond);                                        \
} G_STMT_END

/* A serialized event waiting for the frame it has to precede. */
typedef struct
{
  guint64 frame;                /* push before this frame index */
  GstEvent *event;
  /* SEGMENT only: sample anchor_sample of the new timeline is at
   * anchor_time, known when the first buffer after the segment arrives */
  guint64 anchor_sample;
  GstClockTime anchor_time;
} GstLiveAvatarFilterItem;

/* Three locks, always taken in this order: the sink pad's stream lock (held
 * by the core around chain and serialized events), @lock, the object lock
 * (settings). No lock of ours is held while pushing or posting. */
struct _GstLiveAvatarFilter
{
  GstElement element;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* object lock */
  GstLiveAvatarSettings settings;
  gboolean engine_stale;        /* an engine property changed after loading */

  /* reference-image changes while streaming (own lock) */
  GstLiveAvatarImageChanger *changer;

  /* @lock, which guards all that follows */
  GMutex lock;
  GCond cond;
  LaEngine *engine;             /* NULL->READY to READY->NULL */
  GstLiveAvatarImage *image;    /* the reference picture it was made for */
  GstClockTime lookahead;       /* the engine's audio look-ahead */
  GstFlowReturn srcresult;      /* the task's flow; FLUSHING while flushing */
  gboolean eos;                 /* EOS received: draining, refuse data */
  gboolean error_posted;        /* an engine error was posted already */
  LaSession *session;           /* first good CAPS to PAUSED->READY */
  GstVideoInfo vinfo;           /* the session's output format */
  GstCaps *refused_caps;        /* last bad input caps, posted once */
  GQueue items;                 /* GstLiveAvatarFilterItem, in order */
  gboolean qos;
  guint64 latency;              /* our figure in ns, only grows */
  gboolean stats;               /* post liveavatar-stats messages */
  GstLiveAvatarStatsInfo stats_info;    /* its counters, since start */

  /* input timeline (streaming thread) */
  GstSegment in_segment;
  gboolean in_timed;            /* in_segment is TIME: buffer PTS count */
  gboolean have_segment;        /* a SEGMENT item queued since start/flush */
  guint64 samples;              /* pushed since start/flush, with silence */
  guint64 in_anchor_sample;     /* sample in_anchor_sample of the input is */
  GstClockTime in_anchor_time;  /* at in_anchor_time (NONE: not yet known) */
  GstLiveAvatarFilterItem *anchor_item; /* SEGMENT item waiting for it */

  /* output timeline (task) */
  GstSegment out_segment;
  guint64 out_anchor_sample;
  GstClockTime out_anchor_time;
  gboolean discont;             /* mark the next pushed frame DISCONT */
  gboolean video_meta;          /* downstream reads GstVideoMeta */

  /* QoS */
  gdouble proportion;
  GstClockTime earliest_time;   /* running time; NONE: nothing is late */
  guint64 processed;
  guint64 dropped;
};

#define gst_live_avatar_filter_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstLiveAvatarFilter, gst_live_avatar_filter,
    GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (live_avatar_filter_debug, "liveavatarfilter", 0,
        "liveavatar audio-to-video filter");
    GST_DEBUG_CATEGORY_INIT (live_avatar_filter_dataflow,
        "liveavatarfilter_dataflow", 0, "liveavatarfilter data flow"));
GST_ELEMENT_REGISTER_DEFINE (liveavatarfilter, "liveavatarfilter",
    GST_RANK_NONE, GST_TYPE_LIVE_AVATAR_FILTER);

static void gst_live_avatar_filter_finalize (GObject * object);
static void gst_live_avatar_filter_set_property (GObject * object,
    guint prop_id, const GValue * value, GParamSpec * pspec);
static void gst_live_avatar_filter_get_property (GObject * object,
    guint prop_id, GValue * value, GParamSpec * pspec);
static GstStateChangeReturn gst_live_avatar_filter_change_state (GstElement *
    element, GstStateChange transition);

static GstFlowReturn gst_live_avatar_filter_chain (GstPad * pad,
    GstObject * parent, GstBuffer * buffer);
static void gst_live_avatar_filter_loop (GstPad * pad);
static gboolean gst_live_avatar_filter_sink_event (GstPad * pad,
    GstObject * parent, GstEvent * event);
static gboolean gst_live_avatar_filter_src_event (GstPad * pad,
    GstObject * parent, GstEvent * event);
static gboolean gst_live_avatar_filter_src_query (GstPad * pad,
    GstObject * parent, GstQuery * query);
static gboolean gst_live_avatar_filter_sink_activate_mode (GstPad * pad,
    GstObject * parent, GstPadMode mode, gboolean active);
static gboolean gst_live_avatar_filter_src_activate_mode (GstPad * pad,
    GstObject * parent, GstPadMode mode, gboolean active);
static GstPadProbeReturn gst_live_avatar_filter_sink_caps_probe (GstPad * pad,
    GstPadProbeInfo * info, gpointer user_data);

static void
gst_live_avatar_filter_class_init (GstLiveAvatarFilterClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_live_avatar_filter_set_property;
  gobject_class->get_property = gst_live_avatar_filter_get_property;
  gobject_class->finalize = gst_live_avatar_filter_finalize;

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_live_avatar_filter_change_state);

  gst_live_avatar_settings_install_properties (gobject_class);

  /**
   * GstLiveAvatarFilter:qos:
   *
   * Handle QoS events from downstream: frames that would arrive too late
   * are dropped rather than pushed, and the engine skips generating blocks
   * all of whose frames are late (it repeats the last picture for them).
   * The pushed frames keep their exact timestamps.
   */
  g_object_class_install_property (gobject_class, PROP_QOS,
      g_param_spec_boolean ("qos", "QoS",
          "Drop frames that would reach the sink too late and let the engine "
          "skip generating them", DEFAULT_QOS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  /**
   * GstLiveAvatarFilter:latency:
   *
   * The latency this element adds, as answered to LATENCY queries: the
   * model's audio look-ahead, one block (480 ms: a block's frames leave
   * when its last audio has arrived) and the longest generation time of a
   * block measured so far, rounded up to a frame (at least one frame).
   * The figure only grows while the element runs; a LATENCY message is
   * posted when it does.
   */
  g_object_class_install_property (gobject_class, PROP_LATENCY,
      g_param_spec_uint64 ("latency", "Latency",
          "Latency this element adds in nanoseconds: audio look-ahead + one "
          "block (480 ms) + measured generation time (0 = no engine loaded)",
          0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  /**
   * GstLiveAvatarFilter:stats:
   *
   * Post a `liveavatar-stats` element message per block (see Bus messages
   * above for its fields). The counters in it run whether or not the
   * messages are posted.
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boolean ("stats", "Stats",
          "Post a liveavatar-stats element message per block (12 frames) "
          "with generation times, devices, queue depths, QoS counters and "
          "latency", DEFAULT_STATS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_set_static_metadata (element_class,
      "Live avatar filter", "Filter/Converter/Video",
      "Talking-avatar video from speech audio (Live Avatar, Wan2.2-S2V)",
      "liveavatar developers");

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
}

static void
gst_live_avatar_filter_init (GstLiveAvatarFilter * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_live_avatar_filter_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_live_avatar_filter_sink_event));
  gst_pad_set_activatemode_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_live_avatar_filter_sink_activate_mode));
  /* the pad refuses caps outside its template before our event handler
   * sees them: this probe runs first and says what is wrong */
  gst_pad_add_probe (self->sinkpad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      gst_live_avatar_filter_sink_caps_probe, self, NULL);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_event_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_live_avatar_filter_src_event));
  gst_pad_set_query_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_live_avatar_filter_src_query));
  gst_pad_set_activatemode_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_live_avatar_filter_src_activate_mode));
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  gst_live_avatar_settings_init (&self->settings);
  self->changer = gst_live_avatar_image_changer_new (GST_ELEMENT (self));
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->items);
  self->srcresult = GST_FLOW_FLUSHING;
  self->qos = DEFAULT_QOS;
  self->stats = DEFAULT_STATS;
  gst_video_info_init (&self->vinfo);
  gst_segment_init (&self->in_segment, GST_FORMAT_TIME);
  gst_segment_init (&self->out_segment, GST_FORMAT_TIME);
  self->in_timed = TRUE;
  self->in_anchor_time = GST_CLOCK_TIME_NONE;
  self->out_anchor_time = GST_CLOCK_TIME_NONE;
  self->proportion = 1.0;
  self->earliest_time = GST_CLOCK_TIME_NONE;
}

static void
gst_live_avatar_filter_item_free (GstLiveAvatarFilterItem * item)
{
  gst_clear_event (&item->event);
  g_free (item);
}

static void
gst_live_avatar_filter_finalize (GObject * object)
{
  GstLiveAvatarFilter *self = GST_LIVE_AVATAR_FILTER (object);

  g_queue_clear_full (&self->items,
      (GDestroyNotify) gst_live_avatar_filter_item_free);
  gst_live_avatar_free_session (self->changer, self->session);
  gst_live_avatar_image_changer_free (self->changer);
  g_clear_pointer (&self->engine, la_engine_free);
  g_clear_pointer (&self->image, gst_live_avatar_image_free);
  gst_clear_caps (&self->refused_caps);
  gst_live_avatar_settings_clear (&self->settings);
  g_cond_clear (&self->cond);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* Changes the session's prompt to the property's value. */
static void
gst_live_avatar_filter_apply_prompt (GstLiveAvatarFilter * self)
{
  GError *err = NULL;
  gchar *prompt;

  GST_LIVE_AVATAR_FILTER_LOCK (self);
  if (self->session != NULL) {
    GST_OBJECT_LOCK (self);
    prompt = g_strdup (self->settings.prompt);
    GST_OBJECT_UNLOCK (self);
    GST_DEBUG_OBJECT (self, "new prompt: %s", GST_STR_NULL (prompt));
    la_session_set_prompt (self->session, prompt, &err);
    g_free (prompt);
  }
  GST_LIVE_AVATAR_FILTER_UNLOCK (self);

  if (err != NULL) {
    GST_ELEMENT_WARNING (self, LIBRARY, SETTINGS,
        ("Could not change the prompt: %s", err->message), (NULL));
    g_clear_error (&err);
  }
}

static void
gst_live_avatar_filter_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstLiveAvatarFilter *self = GST_LIVE_AVATAR_FILTER (object);

  switch (gst_live_avatar_settings_set_property (GST_ELEMENT (self),
          &self->settings, prop_id, value, pspec)) {
    case GST_LIVE_AVATAR_SET_DONE:
      if (prop_id == GST_LIVE_AVATAR_PROP_PROMPT) {
        gst_live_avatar_filter_apply_prompt (self);
      } else if (prop_id == GST_LIVE_AVATAR_PROP_REFERENCE_IMAGE) {
        /* streaming: decoded aside, shown from the next clip; in READY:
         * decoded again before PAUSED (gst_live_avatar_prepare) */
        gst_live_avatar_image_changer_request (self->changer,
            g_value_get_string (value));
      } else if (prop_id != GST_LIVE_AVATAR_PROP_SEED) {
        /* set in READY, after the engine was loaded: reload it before
         * PAUSED (the seed is per session) */
        GST_OBJECT_LOCK (self);
        self->engine_stale = TRUE;
        GST_OBJECT_UNLOCK (self);
      }
      return;
    case GST_LIVE_AVATAR_SET_REFUSED:
      return;
    case GST_LIVE_AVATAR_SET_NOT_OURS:
      break;
  }

  switch (prop_id) {
    case PROP_QOS:
      GST_LIVE_AVATAR_FILTER_LOCK (self);
      self->qos = g_value_get_boolean (value);
      if (!self->qos) {
        self->earliest_time = GST_CLOCK_TIME_NONE;
        if (self->session)
          la_session_set_earliest_frame (self->session, 0);
      }
      GST_LIVE_AVATAR_FILTER_UNLOCK (self);
      break;
    case PROP_STATS:
      GST_LIVE_AVATAR_FILTER_LOCK (self);
      self->stats = g_value_get_boolean (value);
      GST_LIVE_AVATAR_FILTER_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_live_avatar_filter_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstLiveAvatarFilter *self = GST_LIVE_AVATAR_FILTER (object);

  if (gst_live_avatar_settings_get_property (GST_ELEMENT (self),
          &self->settings, prop_id, value, pspec))
    return;

  switch (prop_id) {
    case PROP_QOS:
      GST_LIVE_AVATAR_FILTER_LOCK (self);
      g_value_set_boolean (value, self->qos);
      GST_LIVE_AVATAR_FILTER_UNLOCK (self);
      break;
    case PROP_LATENCY:
      GST_LIVE_AVATAR_FILTER_LOCK (self);
      g_value_set_uint64 (value, self->latency);
      GST_LIVE_AVATAR_FILTER_UNLOCK (self);
      break;
    case PROP_STATS:
      GST_LIVE_AVATAR_FILTER_LOCK (self);
      g_value_set_boolean (value, self->stats);
      GST_LIVE_AVATAR_FILTER_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

/* ---- helpers ---- */

/* with @lock: our latency with the generation time measured so far; TRUE
 * when the figure grew (post a LATENCY message then) */
static gboolean
gst_live_avatar_filter_locked_update_latency (GstLiveAvatarFilter * self)
{
  GstClockTime compute = FRAME_DURATION, figure;
  LaSessionStats stats;

  if (self->engine == NULL)
    return FALSE;

  if (self->session != NULL) {
    la_session_get_stats (self->session, &stats);
    if (stats.max_block_us > 0) {
      GstClockTime measured = stats.max_block_us * GST_USECOND;

      /* frames leave on a 40 ms grid: a partial frame costs a whole one */
      compute = MAX (compute, (measured + FRAME_DURATION - 1) /
          FRAME_DURATION * FRAME_DURATION);
    }
  }
  figure = self->lookahead + BLOCK_DURATION + compute;
  if (figure <= self->latency)
    return FALSE;

  GST_INFO_OBJECT (self, "latency now %" GST_TIME_FORMAT " (look-ahead %"
      GST_TIME_FORMAT ", block %" GST_TIME_FORMAT ", compute %" GST_TIME_FORMAT
      ")", GST_TIME_ARGS (figure), GST_TIME_ARGS (self->lookahead),
      GST_TIME_ARGS (BLOCK_DURATION), GST_TIME_ARGS (compute));
  self->latency = figure;
  return TRUE;
}

/* with @lock: queues @event to be pushed before the first frame whose audio
 * starts at or after the current input position */
static GstLiveAvatarFilterItem *
gst_live_avatar_filter_locked_queue_event (GstLiveAvatarFilter * self,
    GstEvent * event)
{
  GstLiveAvatarFilterItem *item = g_new0 (GstLiveAvatarFilterItem, 1);

  item->frame = (self->samples + LA_SAMPLES_PER_FRAME - 1) /
      LA_SAMPLES_PER_FRAME;
  item->event = event;
  item->anchor_time = GST_CLOCK_TIME_NONE;
  GST_CAT_LOG_OBJECT (live_avatar_filter_dataflow, self,
      "queued %" GST_PTR_FORMAT " before frame %" G_GUINT64_FORMAT, event,
      item->frame);
  g_queue_push_tail (&self->items, item);
  return item;
}

/* with @lock: queues the output SEGMENT for @segment; it starts a new
 * timeline at the current input position */
static void
gst_live_avatar_filter_locked_queue_segment (GstLiveAvatarFilter * self,
    const GstSegment * segment, guint32 seqnum)
{
  GstEvent *event = gst_event_new_segment (segment);

  if (seqnum != GST_SEQNUM_INVALID)
    gst_event_set_seqnum (event, seqnum);
  self->anchor_item = gst_live_avatar_filter_locked_queue_event (self, event);
  self->anchor_item->anchor_sample = self->samples;
  self->in_anchor_sample = self->samples;
  self->in_anchor_time = GST_CLOCK_TIME_NONE;
  self->have_segment = TRUE;
}

/* with @lock: the first frame that is not late for QoS, in the current
 * output timeline: frame n is late when its end is before earliest_time */
static guint64
gst_live_avatar_filter_locked_first_timely_frame (GstLiveAvatarFilter * self)
{
  guint64 position, late_samples, end;

  if (!GST_CLOCK_TIME_IS_VALID (self->earliest_time) ||
      !GST_CLOCK_TIME_IS_VALID (self->out_anchor_time))
    return 0;
  if (gst_segment_position_from_running_time_full (&self->out_segment,
          GST_FORMAT_TIME, self->earliest_time, &position) != 1 ||
      position <= self->out_anchor_time)
    return 0;

  /* smallest n with time (640 (n + 1)) >= position */
  late_samples = gst_util_uint64_scale_int_ceil (position -
      self->out_anchor_time, LA_SAMPLE_RATE, GST_SECOND);
  end = self->out_anchor_sample + late_samples;
  return (end + LA_SAMPLES_PER_FRAME - 1) / LA_SAMPLES_PER_FRAME - 1;
}

/* with @lock: takes the events due before frame @index (all of them for
 * G_MAXUINT64). A SEGMENT among them becomes the output timeline. */
static GList *
gst_live_avatar_filter_locked_take_events (GstLiveAvatarFilter * self,
    guint64 index)
{
  GstLiveAvatarFilterItem *item;
  GList *events = NULL;

  while ((item = g_queue_peek_head (&self->items)) && item->frame <= index) {
    g_queue_pop_head (&self->items);
    if (GST_EVENT_TYPE (item->event) == GST_EVENT_SEGMENT) {
      gst_event_copy_segment (item->event, &self->out_segment);
      self->out_anchor_sample = item->anchor_sample;
      self->out_anchor_time = GST_CLOCK_TIME_IS_VALID (item->anchor_time) ?
          item->anchor_time : self->out_segment.start;
      if (self->anchor_item == item)
        self->anchor_item = NULL;
      /* a QoS event that came before is now meaningful to the engine */
      if (self->qos && GST_CLOCK_TIME_IS_VALID (self->earliest_time) &&
          self->session != NULL)
        la_session_set_earliest_frame (self->session,
            gst_live_avatar_filter_locked_first_timely_frame (self));
    }
    events = g_list_prepend (events, g_steal_pointer (&item->event));
    gst_live_avatar_filter_item_free (item);
  }
  return g_list_reverse (events);
}

/* with @lock: forgets the stream position. @flush: a FLUSH_STOP or a new
 * stream after EOS, where the sticky events not pushed yet (stream-start,
 * caps, tags) still have to go out; otherwise a state change, where all
 * goes. */
static void
gst_live_avatar_filter_locked_reset (GstLiveAvatarFilter * self, gboolean flush)
{
  GQueue kept = G_QUEUE_INIT;
  GstLiveAvatarFilterItem *item;

  while ((item = g_queue_pop_head (&self->items))) {
    if (flush && GST_EVENT_IS_STICKY (item->event) &&
        GST_EVENT_TYPE (item->event) != GST_EVENT_SEGMENT &&
        GST_EVENT_TYPE (item->event) != GST_EVENT_EOS) {
      item->frame = 0;
      g_queue_push_tail (&kept, item);
    } else {
      gst_live_avatar_filter_item_free (item);
    }
  }
  self->items = kept;

  if (!flush) {
    gst_segment_init (&self->in_segment, GST_FORMAT_TIME);
    self->in_timed = TRUE;
    self->error_posted = FALSE;
    gst_clear_caps (&self->refused_caps);
    memset (&self->stats_info, 0, sizeof (self->stats_info));
  }
  /* else keep in_segment: reused if no SEGMENT follows the flush */
  self->eos = FALSE;
  self->have_segment = FALSE;
  self->samples = 0;
  self->in_anchor_sample = 0;
  self->in_anchor_time = GST_CLOCK_TIME_NONE;
  self->anchor_item = NULL;

  gst_segment_init (&self->out_segment, GST_FORMAT_TIME);
  self->out_anchor_sample = 0;
  self->out_anchor_time = GST_CLOCK_TIME_NONE;
  self->discont = TRUE;

  self->proportion = 1.0;
  self->earliest_time = GST_CLOCK_TIME_NONE;
  self->processed = 0;
  self->dropped = 0;
}

/* Makes the chain and the task give up: wakes them wherever they wait in
 * the engine. */
static void
gst_live_avatar_filter_set_flushing (GstLiveAvatarFilter * self)
{
  GST_LIVE_AVATAR_FILTER_LOCK (self);
  self->srcresult = GST_FLOW_FLUSHING;
  if (self->session != NULL)
    la_session_set_flushing (self->session, TRUE);
  GST_LIVE_AVATAR_FILTER_BROADCAST (self);
  GST_LIVE_AVATAR_FILTER_UNLOCK (self);
}

/* Makes the task stop: FLUSH_START, pad deactivation, a restart. */
static void
gst_live_avatar_filter_stop_streaming (GstLiveAvatarFilter * self)
{
  gst_live_avatar_filter_set_flushing (self);
  /* returns when the loop function has */
  gst_pad_pause_task (self->srcpad);
}

/* After stop_streaming (): a new timeline from frame 0, task running. */
static void
gst_live_avatar_filter_restart_streaming (GstLiveAvatarFilter * self)
{
  GST_LIVE_AVATAR_FILTER_LOCK (self);
  gst_live_avatar_filter_locked_reset (self, TRUE);
  if (self->session != NULL)
    la_session_set_flushing (self->session, FALSE);
  self->srcresult = GST_FLOW_OK;
  if (gst_pad_is_active (self->srcpad)) {
    gst_pad_start_task (self->srcpad,
        (GstTaskFunction) gst_live_avatar_filter_loop, self->srcpad, NULL);
  } else {
    GST_INFO_OBJECT (self, "source pad inactive, not restarting the task");
  }
  GST_LIVE_AVATAR_FILTER_UNLOCK (self);
}

static gboolean
gst_live_avatar_filter_audio_caps_ok (GstCaps * caps)
{
  GstCaps *templ = gst_static_pad_template_get_caps (&sink_template);
  gboolean ok = gst_caps_is_subset (caps, templ);

  gst_caps_unref (templ);
  return ok;
}

/* Posts the error for unusable input caps, once per distinct caps. */
static void
gst_live_avatar_filter_refuse_caps (GstLiveAvatarFilter * self, GstCaps * caps)
{
  GstAudioInfo info;
  gchar *got, *caps_str;
  gboolean repeat;

  GST_LIVE_AVATAR_FILTER_LOCK (self);
  repeat = self->refused_caps && gst_caps_is_equal (self->refused_caps, caps);
  gst_caps_replace (&self->refused_caps, caps);
  GST_LIVE_AVATAR_FILTER_UNLOCK (self);
  if (repeat)
    return;

  if (gst_audio_info_from_caps (&info, caps))
    got = g_strdup_printf ("%s, %d Hz, %d channel%s",
        GST_AUDIO_INFO_NAME (&info), GST_AUDIO_INFO_RATE (&info),
        GST_AUDIO_INFO_CHANNELS (&info),
        GST_AUDIO_INFO_CHANNELS (&info) == 1 ? "" : "s");
  else
    got = gst_caps_to_string (caps);
  caps_str = gst_caps_to_string (caps);

  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      ("liveavatarfilter takes 16 kHz mono 32-bit float audio "
          "(audio/x-raw, format=F32LE, rate=16000, channels=1, "
          "layout=interleaved), not %s. Put \"audioconvert ! audioresample\" "
          "in front of it.", got), ("refused caps %s", caps_str));
  g_free (got);
  g_free (caps_str);
}

/* The caps we can output: the template at the configured size. */
static GstCaps *
gst_live_avatar_filter_src_caps (GstLiveAvatarFilter * self)
{
  GstCaps *caps = gst_pad_get_pad_template_caps (self->srcpad);
  const LaEngineConfig *cfg;

  GST_LIVE_AVATAR_FILTER_LOCK (self);
  if (self->engine != NULL) {
    cfg = la_engine_get_config (self->engine);
    caps = gst_caps_make_writable (caps);
    gst_caps_set_simple (caps, "width", G_TYPE_INT, cfg->width,
        "height", G_TYPE_INT, cfg->height,
        "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
  }
  GST_LIVE_AVATAR_FILTER_UNLOCK (self);
  return caps;
}

/* Picks the output caps: downstream's first choice among ours. */
static GstCaps *
gst_live_avatar_filter_negotiate (GstLiveAvatarFilter * self)
{
  GstCaps *ours = gst_live_avatar_filter_src_caps (self);
  GstCaps *peer, *caps;

  /* no filter: a filtered answer comes in the filter's order, and the
   * order downstream prefers is what we are after */
  peer = gst_pad_peer_query_caps (self->srcpad, NULL);
  GST_DEBUG_OBJECT (self, "downstream accepts %" GST_PTR_FORMAT, peer);
  caps = gst_caps_intersect_full (peer, ours, GST_CAPS_INTERSECT_FIRST);
  gst_caps_unref (peer);
  gst_caps_unref (ours);

  if (gst_caps_is_empty (caps)) {
    gst_caps_unref (caps);
    return NULL;
  }
  return gst_caps_fixate (caps);
}

static LaPixelFormat
gst_live_avatar_filter_pixel_format (GstVideoFormat format)
{
  switch (format) {
    case GST_VIDEO_FORMAT_RGBA:
      return LA_PIXEL_FORMAT_RGBA;
    case GST_VIDEO_FORMAT_I420:
      return LA_PIXEL_FORMAT_I420;
    default:
      return LA_PIXEL_FORMAT_RGB;
  }
}

/* Input caps: checks them and, the first time, negotiates the output and
 * starts the session. Called from the streaming thread. */
static gboolean
gst_live_avatar_filter_sink_setcaps (GstLiveAvatarFilter * self, GstCaps * caps)
{
  LaSession *session;
  GstVideoInfo vinfo;
  GstCaps *outcaps;
  gboolean have_session;

  if (!gst_live_avatar_filter_audio_caps_ok (caps))
    goto wrong_caps;

  GST_LIVE_AVATAR_FILTER_LOCK (self);
  have_session = self->session != NULL;
  GST_LIVE_AVATAR_FILTER_UNLOCK (self);
  /* the format cannot change: same caps again */
  if (have_session)
    return TRUE;

  outcaps = gst_live_avatar_filter_negotiate (self);
  if (outcaps == NULL)
    goto no_format;
  if (!gst_video_info_from_caps (&vinfo, outcaps))
    goto bad_format;
  GST_DEBUG_OBJECT (self, "output caps %" GST_PTR_FORMAT, outcaps);

  /* engine and picture stay from READY->PAUSED to PAUSED->READY, and the
   * session takes long to start with a real model: no lock held */
  session = gst_live_avatar_create_session (GST_ELEMENT (self),
      &self->settings, self->engine, self->image, self->changer,
      gst_live_avatar_filter_pixel_format (GST_VIDEO_INFO_FORMAT (&vinfo)));
  if (session == NULL)
    goto no_session;

  GST_LIVE_AVATAR_FILTER_LOCK (self);
  self->session = session;
  self->vinfo = vinfo;
  /* pads deactivating meanwhile: don't let the chain block in it */
  if (self->srcresult == GST_FLOW_FLUSHING)
    la_session_set_flushing (session, TRUE);
  gst_live_avatar_filter_locked_queue_event (self,
      gst_event_new_caps (outcaps));
  GST_LIVE_AVATAR_FILTER_BROADCAST (self);
  GST_LIVE_AVATAR_FILTER_UNLOCK (self);
  gst_caps_unref (outcaps);
  return TRUE;

  /* ERRORS */
wrong_caps:
  {
    gst_live_avatar_filter_refuse_caps (self, caps);
    return FALSE;
  }
no_format:
  {
    GstCaps *ours = gst_live_avatar_filter_src_caps (self);

    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("Downstream accepts none of the formats liveavatarfilter makes"),
        ("our caps %" GST_PTR_FORMAT, ours));
    gst_caps_unref (ours);
    return FALSE;
  }
bad_format:
  {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("invalid caps %" GST_PTR_FORMAT, outcaps));
    gst_caps_unref (outcaps);
    return FALSE;
  }
no_session:
  {
    /* the error was posted */
    gst_caps_unref (outcaps);
    return FALSE;
  }
}

/* with @lock: where @n_samples samples stamped @pts go on the input
 * timeline: @silence samples of silence before them, the first @skip of
 * them dropped. The first data after a start, flush or segment sets the
 * timeline's origin. */
static void
gst_live_avatar_filter_locked_place (GstLiveAvatarFilter * self,
    GstClockTime pts, guint64 n_samples, guint64 * silence, guint64 * skip)
{
  GstClockTime expected;

  *silence = *skip = 0;
  if (!GST_CLOCK_TIME_IS_VALID (self->in_anchor_time)) {
    self->in_anchor_time = GST_CLOCK_TIME_IS_VALID (pts) ? pts :
        self->in_segment.start;
    if (self->anchor_item != NULL)
      self->anchor_item->anchor_time = self->in_anchor_time;
    GST_DEBUG_OBJECT (self, "timeline starts at %" GST_TIME_FORMAT
        " (sample %" G_GUINT64_FORMAT ")",
        GST_TIME_ARGS (self->in_anchor_time), self->in_anchor_sample);
    return;
  }
  if (!GST_CLOCK_TIME_IS_VALID (pts))
    return;

  expected = self->in_anchor_time +
      SAMPLES_TO_TIME (self->samples - self->in_anchor_sample);
  if (pts > expected + GAP_TOLERANCE) {
    *silence = TIME_TO_SAMPLES_ROUND (pts - expected);
    GST_DEBUG_OBJECT (self, "gap of %" GST_TIME_FORMAT " before %"
        GST_TIME_FORMAT ": %" G_GUINT64_FORMAT " samples of silence",
        GST_TIME_ARGS (pts - expected), GST_TIME_ARGS (pts), *silence);
  } else if (pts + GAP_TOLERANCE < expected) {
    *skip = MIN (n_samples, TIME_TO_SAMPLES_ROUND (expected - pts));
    GST_DEBUG_OBJECT (self, "overlap of %" GST_TIME_FORMAT " at %"
        GST_TIME_FORMAT ": dropping %" G_GUINT64_FORMAT " samples",
        GST_TIME_ARGS (expected - pts), GST_TIME_ARGS (pts), *skip);
  }
}

/* A push into the session failed: the flow to return upstream. */
static GstFlowReturn
gst_live_avatar_filter_push_failed (GstLiveAvatarFilter * self, GError * err)
{
  GstFlowReturn ret;
  gboolean post = FALSE;

  GST_LIVE_AVATAR_FILTER_LOCK (self);
  if (self->srcresult != GST_FLOW_OK) {
    ret = self->srcresult;
  } else if (g_error_matches (err, LA_ERROR, LA_ERROR_FLUSHING)) {
    ret = GST_FLOW_FLUSHING;
  } else if (g_error_matches (err, LA_ERROR, LA_ERROR_EOS)) {
    ret = GST_FLOW_EOS;
  } else {
    ret = GST_FLOW_ERROR;
    post = !self->error_posted;
    self->error_posted = TRUE;
  }
  GST_LIVE_AVATAR_FILTER_UNLOCK (self);

  GST_CAT_DEBUG_OBJECT (live_avatar_filter_dataflow, self,
      "engine refused audio (%s): %s", err ? err->message : "?",
      gst_flow_get_name (ret));
  if (post)
    gst_live_avatar_post_error (GST_ELEMENT (self), err, "Generation failed");
  g_clear_error (&err);
  return ret;
}

/* Wraps the engine's picture without a copy. */
static GstBuffer *
gst_live_avatar_filter_wrap_frame (GstLiveAvatarFilter * self, LaFrame * frame)
{
  const GstVideoInfo *info = &self->vinfo;
  guint n_planes = GST_VIDEO_INFO_N_PLANES (info);
  gsize offset[GST_VIDEO_MAX_PLANES] = { 0, };
  gint stride[GST_VIDEO_MAX_PLANES] = { 0, };
  gboolean standard = frame->size >= GST_VIDEO_INFO_SIZE (info);
  GstBuffer *buf, *copy;
  GstVideoFrame in, out;
  guint i;

  for (i = 0; i < n_planes && i < G_N_ELEMENTS (frame->offset); i++) {
    offset[i] = frame->offset[i];
    stride[i] = frame->stride[i];
    standard &= offset[i] == GST_VIDEO_INFO_PLANE_OFFSET (info, i) &&
        stride[i] == GST_VIDEO_INFO_PLANE_STRIDE (info, i);
  }

  buf = gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY, frame->data,
      frame->size, 0, frame->size, frame, (GDestroyNotify) la_frame_unref);
  gst_buffer_add_video_meta_full (buf, GST_VIDEO_FRAME_FLAG_NONE,
      GST_VIDEO_INFO_FORMAT (info), GST_VIDEO_INFO_WIDTH (info),
      GST_VIDEO_INFO_HEIGHT (info), n_planes, offset, stride);
  if (standard || self->video_meta)
    return buf;

  /* padded planes and a downstream that cannot read the meta */
  GST_CAT_LOG_OBJECT (live_avatar_filter_dataflow, self, "copying frame");
  copy = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (info), NULL);
  if (gst_video_frame_map (&in, info, buf, GST_MAP_READ)) {
    if (gst_video_frame_map (&out, info, copy, GST_MAP_WRITE)) {
      gst_video_frame_copy (&out, &in);
      gst_video_frame_unmap (&out);
    }
    gst_video_frame_unmap (&in);
  }
  gst_buffer_unref (buf);
  return copy;
}

/* After pushing new caps: can downstream read plane offsets and strides? */
static void
gst_live_avatar_filter_query_allocation (GstLiveAvatarFilter * self,
    GstCaps * caps)
{
  GstQuery *query = gst_query_new_allocation (caps, FALSE);

  self->video_meta = gst_pad_peer_query (self->srcpad, query) &&
      gst_query_find_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
  GST_DEBUG_OBJECT (self, "downstream reads video meta: %d", self->video_meta);
  gst_query_unref (query);
}

/* ---- streaming ---- */

static GstFlowReturn
gst_live_avatar_filter_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buffer)
{
  GstLiveAvatarFilter *self = GST_LIVE_AVATAR_FILTER (parent);
  LaSession *session;
  GstMapInfo map;
  GstClockTime pts;
  guint64 n_samples, silence, skip;
  const gfloat *pcm;
  gfloat *aligned = NULL;
  GError *err = NULL;
  gboolean ok = TRUE;

  GST_LIVE_AVATAR_FILTER_LOCK_CHECK (self, out_flushing);
  if (self->eos)
    goto out_eos;
  if (self->session == NULL)
    goto not_negotiated;
  session = self->session;

  if (!self->have_segment) {
    GST_WARNING_OBJECT (self, "data before a segment, reusing the last one");
    gst_live_avatar_filter_locked_queue_segment (self, &self->in_segment,
        GST_SEQNUM_INVALID);
  }

  n_samples = gst_buffer_get_size (buffer) / sizeof (gfloat);
  pts = self->in_timed ? GST_BUFFER_PTS (buffer) : GST_CLOCK_TIME_NONE;
  gst_live_avatar_filter_locked_place (self, pts, n_samples, &silence, &skip);
  self->samples += silence + n_samples - skip;
  GST_CAT_LOG_OBJECT (live_avatar_filter_dataflow, self, "%" G_GUINT64_FORMAT
      " samples at %" GST_TIME_FORMAT ", total %" G_GUINT64_FORMAT,
      n_samples, GST_TIME_ARGS (pts), self->samples);
  GST_LIVE_AVATAR_FILTER_UNLOCK (self);

  /* the session stays until the pads are deactivated, which waits for us:
   * use it without the lock, since pushing blocks when the engine is full */
  if (silence > 0)
    ok = la_session_push_silence (session, silence, &err);
  if (ok && n_samples > skip) {
    if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
      goto map_failed;
    pcm = (const gfloat *) map.data;
    if (((guintptr) pcm) % G_ALIGNOF (gfloat) != 0)
      pcm = aligned = g_memdup2 (map.data, n_samples * sizeof (gfloat));
    ok = la_session_push_audio (session, pcm + skip, n_samples - skip, &err);
    g_free (aligned);
    gst_buffer_unmap (buffer, &map);
  }
  gst_buffer_unref (buffer);

  if (!ok)
    return gst_live_avatar_filter_push_failed (self, err);
  return GST_FLOW_OK;

  /* ERRORS */
out_flushing:
  {
    GstFlowReturn ret = self->srcresult;

    GST_LIVE_AVATAR_FILTER_UNLOCK (self);
    GST_CAT_LOG_OBJECT (live_avatar_filter_dataflow, self,
        "refusing buffer: %s", gst_flow_get_name (ret));
    gst_buffer_unref (buffer);
    return ret;
  }
out_eos:
  {
    GST_LIVE_AVATAR_FILTER_UNLOCK (self);
    GST_CAT_LOG_OBJECT (live_avatar_filter_dataflow, self,
        "refusing buffer after EOS");
    gst_buffer_unref (buffer);
    return GST_FLOW_EOS;
  }
not_negotiated:
  {
    GST_LIVE_AVATAR_FILTER_UNLOCK (self);
    GST_DEBUG_OBJECT (self, "buffer before usable caps");
    gst_buffer_unref (buffer);
    return GST_FLOW_NOT_NEGOTIATED;
  }
map_failed:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, READ, (NULL),
        ("could not map the input buffer"));
    gst_buffer_unref (buffer);
    return GST_FLOW_ERROR;
  }
}

/* with @lock: the timestamps of @frame. FALSE when QoS drops it, with the
 * QoS message to post in @qos_msg. */
static gboolean
gst_live_avatar_filter_locked_stamp (GstLiveAvatarFilter * self,
    LaFrame * frame, GstClockTime * pts, GstClockTime * duration,
    GstMessage ** qos_msg)
{
  guint64 start = frame->index * LA_SAMPLES_PER_FRAME;
  GstClockTime rt;

  /* a SEGMENT is due before the first frame starting at or after its
   * anchor, so this holds; clamp rather than wrap if it ever did not */
  if (G_UNLIKELY (start < self->out_anchor_sample))
    start = self->out_anchor_sample;
  if (G_UNLIKELY (!GST_CLOCK_TIME_IS_VALID (self->out_anchor_time)))
    self->out_anchor_time = 0;

  /* integers only: with an anchor at sample 0 this is
   * base + gst_util_uint64_scale (n, GST_SECOND, 25) */
  *pts = self->out_anchor_time +
      SAMPLES_TO_TIME (start - self->out_anchor_sample);
  *duration = self->out_anchor_time +
      SAMPLES_TO_TIME (start + LA_SAMPLES_PER_FRAME -
      self->out_anchor_sample) - *pts;

  if (!self->qos || !GST_CLOCK_TIME_IS_VALID (self->earliest_time))
    goto timely;
  rt = gst_segment_to_running_time (&self->out_segment, GST_FORMAT_TIME, *pts);
  if (!GST_CLOCK_TIME_IS_VALID (rt) || rt + *duration >= self->earliest_time)
    goto timely;

  /* late: downstream would throw it away; don't spend a push on it */
  self->dropped++;
  self->stats_info.frames_dropped++;
  self->discont = TRUE;
  GST_CAT_DEBUG_OBJECT (live_avatar_filter_dataflow, self,
      "QoS: dropping frame %" G_GUINT64_FORMAT " at %" GST_TIME_FORMAT
      ", earliest %" GST_TIME_FORMAT, frame->index, GST_TIME_ARGS (rt),
      GST_TIME_ARGS (self->earliest_time));
  *qos_msg = gst_message_new_qos (GST_OBJECT (self), FALSE, rt,
      gst_segment_to_stream_time (&self->out_segment, GST_FORMAT_TIME, *pts),
      *pts, *duration);
  gst_message_set_qos_values (*qos_msg,
      GST_CLOCK_DIFF (rt, self->earliest_time), self->proportion, 1000000);
  gst_message_set_qos_stats (*qos_msg, GST_FORMAT_BUFFERS, self->processed,
      self->dropped);
  return FALSE;

timely:
  self->processed++;
  return TRUE;
}

/* with @lock: counts the block @frame starts, if it starts one, and makes
 * its stats message when they are wanted */
static GstMessage *
gst_live_avatar_filter_locked_stats (GstLiveAvatarFilter * self,
    LaFrame * frame, GstClockTime pts)
{
  LaBlockStats block;
  GstLiveAvatarStatsInfo *info = &self->stats_info;

  if (!la_frame_get_block_stats (frame, &block))
    return NULL;
  gst_live_avatar_stats_count (info, &block);
  if (!self->stats)
    return NULL;

  info->frame = frame->index;
  info->pts = pts;
  info->running_time = gst_segment_to_running_time (&self->out_segment,
      GST_FORMAT_TIME, pts);
  info->latency = self->latency;
  return gst_live_avatar_stats_message_new (GST_ELEMENT (self), &block,
      self->session, info);
}

static void
gst_live_avatar_filter_loop (GstPad * pad)
{
  GstLiveAvatarFilter *self = GST_LIVE_AVATAR_FILTER (GST_PAD_PARENT (pad));
  LaSession *session;
  LaFrame *frame = NULL;
  LaPopResult res;
  GError *err = NULL;
  GList *events = NULL, *l;
  GstMessage *qos_msg = NULL, *stats_msg = NULL;
  GstBuffer *buf = NULL;
  GstClockTime pts = GST_CLOCK_TIME_NONE, duration = GST_CLOCK_TIME_NONE;
  GstFlowReturn ret = GST_FLOW_OK;
  gboolean push = FALSE, latency_changed = FALSE, discont = FALSE;
  gboolean post_error = FALSE;

  GST_LIVE_AVATAR_FILTER_LOCK_CHECK (self, out_flushing);
  while (self->session == NULL)
    GST_LIVE_AVATAR_FILTER_WAIT_CHECK (self, out_flushing);
  session = self->session;
  GST_LIVE_AVATAR_FILTER_UNLOCK (self);

  /* woken by la_session_set_flushing () when stopping */
  res = la_session_pop_frame (session, &frame, -1, &err);

  GST_LIVE_AVATAR_FILTER_LOCK_CHECK (self, out_flushing);
  switch (res) {
    case LA_POP_FRAME:
      events = gst_live_avatar_filter_locked_take_events (self, frame->index);
      push = gst_live_avatar_filter_locked_stamp (self, frame, &pts,
          &duration, &qos_msg);
      discont = self->discont || (frame->flags & LA_FRAME_FLAG_DISCONT);
      if (push)
        self->discont = FALSE;
      latency_changed = gst_live_avatar_filter_locked_update_latency (self);
      stats_msg = gst_live_avatar_filter_locked_stats (self, frame, pts);
      break;
    case LA_POP_EOS:
      /* the remaining events end with the EOS event itself */
      GST_DEBUG_OBJECT (self, "drained");
      events = gst_live_avatar_filter_locked_take_events (self, G_MAXUINT64);
      break;
    case LA_POP_ERROR:
      post_error = !self->error_posted;
      self->error_posted = TRUE;
      self->srcresult = GST_FLOW_ERROR;
      break;
    case LA_POP_FLUSHING:
    case LA_POP_TIMEOUT:
      /* not stopping (that is checked above): try again */
      GST_LIVE_AVATAR_FILTER_UNLOCK (self);
      return;
  }
  GST_LIVE_AVATAR_FILTER_UNLOCK (self);

  if (res == LA_POP_ERROR)
    goto engine_error;

  for (l = events; l != NULL; l = l->next) {
    GstEvent *event = l->data;
    GstCaps *caps = NULL;

    if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS)
      gst_event_parse_caps (event, &caps);
    if (caps != NULL)
      gst_caps_ref (caps);
    GST_CAT_DEBUG_OBJECT (live_avatar_filter_dataflow, self,
        "pushing %" GST_PTR_FORMAT, event);
    /* a failing sticky event is sent again with the next frame, whose
     * push then returns the flow that counts */
    gst_pad_push_event (self->srcpad, event);
    if (caps != NULL) {
      gst_live_avatar_filter_query_allocation (self, caps);
      gst_caps_unref (caps);
    }
  }
  g_list_free (events);

  if (qos_msg != NULL)
    gst_element_post_message (GST_ELEMENT (self), qos_msg);
  if (latency_changed)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
  if (stats_msg != NULL)
    gst_element_post_message (GST_ELEMENT (self), stats_msg);

  if (res == LA_POP_EOS) {
    ret = GST_FLOW_EOS;
    goto out_stopped;
  }

  /* before the frame, so the application hears it first; also when QoS
   * drops the frame: the picture changes from its time all the same */
  if (frame->flags & LA_FRAME_FLAG_NEW_REFERENCE)
    gst_live_avatar_image_post_shown (GST_ELEMENT (self), pts, frame->index);

  if (!push) {
    la_frame_unref (frame);
    return;
  }

  buf = gst_live_avatar_filter_wrap_frame (self, frame);
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = duration;
  GST_BUFFER_OFFSET (buf) = frame->index;
  GST_BUFFER_OFFSET_END (buf) = frame->index + 1;
  if (discont)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  GST_CAT_LOG_OBJECT (live_avatar_filter_dataflow, self, "pushing frame %"
      G_GUINT64_FORMAT " at %" GST_TIME_FORMAT, frame->index,
      GST_TIME_ARGS (pts));
  ret = gst_pad_push (self->srcpad, buf);
  if (ret != GST_FLOW_OK)
    goto out_stopped;
  return;

  /* ERRORS */
out_flushing:
  {
    ret = self->srcresult;
    GST_LIVE_AVATAR_FILTER_UNLOCK (self);
    if (frame != NULL)
      la_frame_unref (frame);
    g_clear_error (&err);
    goto pause;
  }
engine_error:
  {
    if (post_error)
      gst_live_avatar_post_error (GST_ELEMENT (self), err, "Generation failed");
    g_clear_error (&err);
    gst_pad_push_event (self->srcpad, gst_event_new_eos ());
    ret = GST_FLOW_ERROR;
    goto pause;
  }
out_stopped:
  {
    GST_LIVE_AVATAR_FILTER_LOCK (self);
    /* a flush meanwhile wins */
    if (self->srcresult == GST_FLOW_OK)
      self->srcresult = ret;
    ret = self->srcresult;
    GST_LIVE_AVATAR_FILTER_UNLOCK (self);
    goto pause;
  }
pause:
  {
    gboolean eos;

    GST_LIVE_AVATAR_FILTER_LOCK (self);
    /* an engine error was posted with its own message */
    eos = self->eos && !self->error_posted;
    /* under the lock, so that a restart cannot come before it */
    gst_pad_pause_task (self->srcpad);
    GST_DEBUG_OBJECT (self, "pausing task: %s", gst_flow_get_name (ret));
    /* no one takes frames any more: release a chain waiting for room */
    if (ret != GST_FLOW_FLUSHING && self->session != NULL)
      la_session_set_flushing (self->session, TRUE);
    GST_LIVE_AVATAR_FILTER_BROADCAST (self);
    GST_LIVE_AVATAR_FILTER_UNLOCK (self);

    /* upstream hears about the flow through chain; after EOS it won't */
    if (eos && (ret == GST_FLOW_NOT_LINKED || ret < GST_FLOW_EOS)) {
      GST_ELEMENT_FLOW_ERROR (self, ret);
      gst_pad_push_event (self->srcpad, gst_event_new_eos ());
    }
    return;
  }
}

/* ---- events and queries ---- */

/* Caps outside the template never reach the event handler: the core
 * refuses them. Say here what was wrong and what to do about it. */
static GstPadProbeReturn
gst_live_avatar_filter_sink_caps_probe (GstPad * pad, GstPadProbeInfo * info,
    gpointer user_data)
{
  GstLiveAvatarFilter *self = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstCaps *caps;

  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    gst_event_parse_caps (event, &caps);
    if (!gst_live_avatar_filter_audio_caps_ok (caps))
      gst_live_avatar_filter_refuse_caps (self, caps);
  }
  return GST_PAD_PROBE_OK;
}

/* with @lock: after EOS, waits for the task to have pushed it. FALSE when
 * flushing or failed instead. */
static gboolean
gst_live_avatar_filter_locked_wait_drained (GstLiveAvatarFilter * self)
{
  while (self->srcresult == GST_FLOW_OK)
    g_cond_wait (&self->cond, &self->lock);
  return self->srcresult == GST_FLOW_EOS;
}

/* Silence for a GAP event, from the streaming thread. */
static void
gst_live_avatar_filter_gap (GstLiveAvatarFilter * self, GstEvent * event)
{
  GstClockTime ts, duration;
  LaSession *session = NULL;
  guint64 silence = 0, skip, target;
  GError *err = NULL;

  gst_event_parse_gap (event, &ts, &duration);

  GST_LIVE_AVATAR_FILTER_LOCK (self);
  if (self->srcresult == GST_FLOW_OK && !self->eos && self->session &&
      self->in_timed && GST_CLOCK_TIME_IS_VALID (ts) &&
      GST_CLOCK_TIME_IS_VALID (duration)) {
    if (!self->have_segment)
      gst_live_avatar_filter_locked_queue_segment (self, &self->in_segment,
          GST_SEQNUM_INVALID);
    /* starts the timeline if this is the first data */
    gst_live_avatar_filter_locked_place (self, ts, 0, &silence, &skip);
    if (ts + duration > self->in_anchor_time) {
      target = self->in_anchor_sample +
          TIME_TO_SAMPLES_ROUND (ts + duration - self->in_anchor_time);
      silence = target > self->samples ? target - self->samples : 0;
    }
    self->samples += silence;
    session = self->session;
  }
  GST_LIVE_AVATAR_FILTER_UNLOCK (self);

  GST_DEBUG_OBJECT (self, "gap %" GST_TIME_FORMAT " + %" GST_TIME_FORMAT
      ": %" G_GUINT64_FORMAT " samples of silence", GST_TIME_ARGS (ts),
      GST_TIME_ARGS (duration), silence);
  if (silence > 0 && !la_session_push_silence (session, silence, &err))
    gst_live_avatar_filter_push_failed (self, err);
}

static gboolean
gst_live_avatar_filter_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstLiveAvatarFilter *self = GST_LIVE_AVATAR_FILTER (parent);
  gboolean res = TRUE;

  GST_CAT_LOG_OBJECT (live_avatar_filter_dataflow, self, "event %"
      GST_PTR_FORMAT, event);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:
      res = gst_pad_push_event (self->srcpad, event);
      gst_live_avatar_filter_stop_streaming (self);
      break;
    case GST_EVENT_FLUSH_STOP:
      res = gst_pad_push_event (self->srcpad, event);
      /* normally a no-op: FLUSH_START stopped it already */
      gst_live_avatar_filter_stop_streaming (self);
      gst_live_avatar_filter_restart_streaming (self);
      break;
    case GST_EVENT_CAPS:
    {
      GstCaps *caps;

      /* the task pushes our own caps before the first frame */
      gst_event_parse_caps (event, &caps);
      res = gst_live_avatar_filter_sink_setcaps (self, caps);
      gst_event_unref (event);
      break;
    }
    case GST_EVENT_GAP:
      gst_live_avatar_filter_gap (self, event);
      gst_event_unref (event);
      break;
    case GST_EVENT_SEGMENT:
    {
      GstSegment segment;

      gst_event_copy_segment (event, &segment);
      GST_LIVE_AVATAR_FILTER_LOCK (self);
      self->in_timed = segment.format == GST_FORMAT_TIME;
      if (!self->in_timed) {
        /* timestamps mean nothing then: count samples from 0 */
        GST_WARNING_OBJECT (self, "%s segment, output starts at 0",
            gst_format_get_name (segment.format));
        gst_segment_init (&segment, GST_FORMAT_TIME);
      }
      self->in_segment = segment;
      /* the output segment starts a new timeline; the task pushes it
       * before the first frame after it */
      gst_live_avatar_filter_locked_queue_segment (self, &segment,
          gst_event_get_seqnum (event));
      GST_LIVE_AVATAR_FILTER_UNLOCK (self);
      gst_event_unref (event);
      break;
    }
    case GST_EVENT_EOS:
    {
      GList *events = NULL, *l;

      GST_LIVE_AVATAR_FILTER_LOCK (self);
      if (self->srcresult != GST_FLOW_OK)
        goto refused_locked;
      self->eos = TRUE;
      if (self->session == NULL) {
        /* nothing to drain: no caps, so no segment either. The task is
         * done too (a STREAM_START may restart it) */
        events = gst_live_avatar_filter_locked_take_events (self, G_MAXUINT64);
        self->srcresult = GST_FLOW_EOS;
        GST_LIVE_AVATAR_FILTER_BROADCAST (self);
        GST_LIVE_AVATAR_FILTER_UNLOCK (self);
        for (l = events; l != NULL; l = l->next) {
          if (GST_EVENT_TYPE (l->data) == GST_EVENT_SEGMENT)
            gst_event_unref (l->data);
          else
            gst_pad_push_event (self->srcpad, l->data);
        }
        g_list_free (events);
        res = gst_pad_push_event (self->srcpad, event);
        break;
      }
      /* the task pushes the remaining frames, then this */
      GST_DEBUG_OBJECT (self, "EOS: draining %" G_GUINT64_FORMAT " samples",
          self->samples);
      gst_live_avatar_filter_locked_queue_event (self, event)->frame =
          G_MAXUINT64;
      la_session_drain (self->session);
      GST_LIVE_AVATAR_FILTER_UNLOCK (self);
      break;
    }
    case GST_EVENT_STREAM_START:
    {
      gboolean restart = FALSE;

      /* after our EOS, or downstream's */
      GST_LIVE_AVATAR_FILTER_LOCK (self);
      if (self->eos || self->srcresult == GST_FLOW_EOS)
        restart = gst_live_avatar_filter_locked_wait_drained (self);
      GST_LIVE_AVATAR_FILTER_UNLOCK (self);
      if (restart) {
        GST_DEBUG_OBJECT (self, "new stream after EOS");
        gst_live_avatar_filter_stop_streaming (self);
        gst_live_avatar_filter_restart_streaming (self);
      }
      /* then queued in order like any serialized event */
      G_GNUC_FALLTHROUGH;
    }
    default:
      if (!GST_EVENT_IS_SERIALIZED (event)) {
        res = gst_pad_push_event (self->srcpad, event);
        break;
      }
      GST_LIVE_AVATAR_FILTER_LOCK (self);
      /* sticky ones are kept as the pad would keep them */
      if (self->srcresult != GST_FLOW_OK && !GST_EVENT_IS_STICKY (event))
        goto refused_locked;
      gst_live_avatar_filter_locked_queue_event (self, event);
      GST_LIVE_AVATAR_FILTER_UNLOCK (self);
      break;
  }
  return res;

  /* ERRORS */
refused_locked:
  {
    GstFlowReturn ret = self->srcresult;
    gboolean reported = self->error_posted;

    GST_LIVE_AVATAR_FILTER_UNLOCK (self);
    GST_DEBUG_OBJECT (self, "refusing %" GST_PTR_FORMAT ": %s", event,
        gst_flow_get_name (ret));
    /* upstream will not push again to hear about it */
    if (GST_EVENT_TYPE (event) == GST_EVENT_EOS && !reported &&
        (ret == GST_FLOW_NOT_LINKED || ret < GST_FLOW_EOS))
      GST_ELEMENT_FLOW_ERROR (self, ret);
    gst_event_unref (event);
    return FALSE;
  }
}

static gboolean
gst_live_avatar_filter_src_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstLiveAvatarFilter *self = GST_LIVE_AVATAR_FILTER (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_QOS:
    {
      GstQOSType type;
      gdouble proportion;
      GstClockTimeDiff diff;
      GstClockTime timestamp;
      guint64 first;

      gst_event_parse_qos (event, &type, &proportion, &diff, &timestamp);
      GST_LIVE_AVATAR_FILTER_LOCK (self);
      if (self->qos && GST_CLOCK_TIME_IS_VALID (timestamp)) {
        self->proportion = proportion;
        /* as GstVideoDecoder: when late, expect to be as late again by the
         * time the next frame is out */
        if (diff > 0)
          self->earliest_time = timestamp + 2 * diff;
        else if ((GstClockTime) (-diff) < timestamp)
          self->earliest_time = timestamp + diff;
        else
          self->earliest_time = 0;
        if (self->session != NULL) {
          first = gst_live_avatar_filter_locked_first_timely_frame (self);
          la_session_set_earliest_frame (self->session, first);
          GST_DEBUG_OBJECT (self, "QoS: earliest %" GST_TIME_FORMAT
              ", first timely frame %" G_GUINT64_FORMAT,
              GST_TIME_ARGS (self->earliest_time), first);
        }
      }
      GST_LIVE_AVATAR_FILTER_UNLOCK (self);
      return gst_pad_push_event (self->sinkpad, event);
    }
    case GST_EVENT_RECONFIGURE:
      /* the format is fixed when the session starts, and upstream's audio
       * does not depend on our output */
      gst_event_unref (event);
      return TRUE;
    default:
      return gst_pad_event_default (pad, parent, event);
  }
}

static gboolean
gst_live_avatar_filter_src_query (GstPad * pad, GstObject * parent,
    GstQuery * query)
{
  GstLiveAvatarFilter *self = GST_LIVE_AVATAR_FILTER (parent);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY:
    {
      GstClockTime min, max, ours;
      gboolean live;

      if (!gst_pad_peer_query (self->sinkpad, query))
        return FALSE;
      gst_query_parse_latency (query, &live, &min, &max);

      GST_LIVE_AVATAR_FILTER_LOCK (self);
      gst_live_avatar_filter_locked_update_latency (self);
      ours = self->latency;
      GST_LIVE_AVATAR_FILTER_UNLOCK (self);

      GST_DEBUG_OBJECT (self, "upstream latency min %" GST_TIME_FORMAT
          " max %" GST_TIME_FORMAT ", ours %" GST_TIME_FORMAT,
          GST_TIME_ARGS (min), GST_TIME_ARGS (max), GST_TIME_ARGS (ours));
      /* as GstAggregator: ours adds to both, an unlimited max stays so */
      min += ours;
      if (GST_CLOCK_TIME_IS_VALID (max))
        max += ours;
      gst_query_set_latency (query, live, min, max);
      return TRUE;
    }
    case GST_QUERY_CAPS:
    {
      GstCaps *filter, *caps, *result;

      gst_query_parse_caps (query, &filter);
      caps = gst_pad_get_current_caps (pad);
      if (caps == NULL)
        caps = gst_live_avatar_filter_src_caps (self);
      if (filter != NULL) {
        result = gst_caps_intersect_full (filter, caps,
            GST_CAPS_INTERSECT_FIRST);
        gst_caps_unref (caps);
        caps = result;
      }
      gst_query_set_caps_result (query, caps);
      gst_caps_unref (caps);
      return TRUE;
    }
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

static gboolean
gst_live_avatar_filter_sink_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active)
{
  GstLiveAvatarFilter *self = GST_LIVE_AVATAR_FILTER (parent);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  /* the core then waits for the chain: make sure it is not blocked in the
   * engine (the source pad, deactivated first, normally did this) */
  if (!active)
    gst_live_avatar_filter_stop_streaming (self);
  return TRUE;
}

static gboolean
gst_live_avatar_filter_src_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active)
{
  GstLiveAvatarFilter *self = GST_LIVE_AVATAR_FILTER (parent);
  gboolean res;

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;

  if (active) {
    GST_LIVE_AVATAR_FILTER_LOCK (self);
    if (self->session != NULL) {
      gst_live_avatar_filter_locked_reset (self, TRUE);
      la_session_set_flushing (self->session, FALSE);
    }
    self->srcresult = GST_FLOW_OK;
    res = gst_pad_start_task (pad,
        (GstTaskFunction) gst_live_avatar_filter_loop, pad, NULL);
    GST_LIVE_AVATAR_FILTER_UNLOCK (self);
  } else {
    gst_live_avatar_filter_set_flushing (self);
    res = gst_pad_stop_task (pad);
  }
  return res;
}

/* ---- state ---- */

/* Loads the engine and the reference picture from the current settings
 * (NULL->READY), or again where they changed in READY (READY->PAUSED):
 * an engine property reloads both, a new reference image is decoded and
 * reloads the engine only when it asks for another output size. */
static gboolean
gst_live_avatar_filter_load_engine (GstLiveAvatarFilter * self)
{
  LaEngine *before;
  gboolean stale;

  GST_OBJECT_LOCK (self);
  stale = self->engine_stale;
  GST_OBJECT_UNLOCK (self);

  /* only this thread changes the engine */
  before = self->engine;
  if (!gst_live_avatar_prepare (GST_ELEMENT (self), &self->settings,
          &self->lock, stale, &self->engine, &self->image))
    return FALSE;

  GST_OBJECT_LOCK (self);
  self->engine_stale = FALSE;
  GST_OBJECT_UNLOCK (self);

  GST_LIVE_AVATAR_FILTER_LOCK (self);
  if (self->engine != before) {
    self->lookahead =
        SAMPLES_TO_TIME (la_engine_get_lookahead_samples (self->engine));
    self->latency = 0;
    gst_live_avatar_filter_locked_update_latency (self);
  }
  GST_LIVE_AVATAR_FILTER_UNLOCK (self);
  return TRUE;
}

static GstStateChangeReturn
gst_live_avatar_filter_change_state (GstElement * element,
    GstStateChange transition)
{
  GstLiveAvatarFilter *self = GST_LIVE_AVATAR_FILTER (element);
  GstStateChangeReturn ret;
  GstLiveAvatarImage *image = NULL;
  LaEngine *engine = NULL;
  LaSession *session;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (!gst_live_avatar_filter_load_engine (self))
        return GST_STATE_CHANGE_FAILURE;
      if (transition == GST_STATE_CHANGE_NULL_TO_READY)
        break;
      GST_LIVE_AVATAR_FILTER_LOCK (self);
      gst_live_avatar_filter_locked_reset (self, FALSE);
      GST_LIVE_AVATAR_FILTER_UNLOCK (self);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      /* the pads are inactive: chain and task have returned */
      GST_LIVE_AVATAR_FILTER_LOCK (self);
      gst_live_avatar_filter_locked_reset (self, FALSE);
      session = g_steal_pointer (&self->session);
      self->video_meta = FALSE;
      self->latency = 0;
      gst_live_avatar_filter_locked_update_latency (self);
      GST_LIVE_AVATAR_FILTER_UNLOCK (self);
      /* unlocked: it waits for a picture being handed to the session */
      gst_live_avatar_free_session (self->changer, session);
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      GST_LIVE_AVATAR_FILTER_LOCK (self);
      engine = g_steal_pointer (&self->engine);
      image = g_steal_pointer (&self->image);
      self->latency = 0;
      GST_LIVE_AVATAR_FILTER_UNLOCK (self);
      if (engine != NULL)
        la_engine_free (engine);
      gst_live_avatar_image_free (image);
      break;
    default:
      break;
  }

  return ret;
}
