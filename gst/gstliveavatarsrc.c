/* liveavatar: live talking-avatar source
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-liveavatarsrc
 * @title: liveavatarsrc
 *
 * A live source of talking-avatar video at 25 frames per second. It keeps
 * producing frames, one every 40 ms, for as long as it runs: the avatar is
 * idle (mouth closed) while no audio comes and talks when 16 kHz mono audio
 * arrives on its optional `audio` pad. It stops only on an application EOS
 * or after #GstBaseSrc:num-buffers frames.
 *
 * ## The audio pad
 *
 * `audio` is a request pad, so that the element is a plain source until
 * audio is wanted (`liveavatarsrc model=test ! ...` needs nothing upstream)
 * and so that gst-launch links audio to it by name (`... ! src.audio`).
 * Only one can exist at a time. Releasing it returns the avatar to idle.
 *
 * ## Timeline
 *
 * Frame n has PTS = start + n × 40 ms and covers the audio whose running time
 * lies in [PTS, PTS + 40 ms). In live mode start is the running time at which
 * the first frame was asked for (as videotestsrc does); otherwise it is 0.
 * Audio is placed on this timeline by its running time (segment and
 * timestamps), sample-exact; a buffer whose timestamp is within 40 ms of
 * where the previous one ended continues it without a gap.
 *
 * The model works in blocks of 12 frames (0.48 s): before frame n is made the
 * engine needs all the audio up to the end of n's block, plus the model's
 * look-ahead. A feeder thread gives the engine the audio as it arrives,
 * running ahead of the frames as far as the engine's queues allow, so that
 * a pipelined (multi-GPU) engine works on several blocks at once. A stretch
 * of the timeline whose audio has not arrived by its deadline (clock time at
 * the end of the block it belongs to + the audio upstream's latency +
 * #GstLiveAvatarSrc:audio-tolerance) is fed as silence, so the video never
 * stalls when the talker is silent, late or absent; this holds with no audio
 * pad or after EOS on it too, so that audio from a pad requested later is
 * heard from the next block on. A gap between two buffers is silence at once.
 * Audio that arrives after its stretch was fed is dropped. Audio that
 * arrives while the engine is busy is held, up to 0.96 s; beyond that the
 * audio pad blocks its upstream. A FLUSH on the audio pad drops the audio
 * held; a live source in PAUSED holds its audio until PLAYING.
 *
 * In live mode each frame is pushed at its PTS plus the audio wait above, so
 * the output is a steady 25 fps whatever the audio does (the basesrc clock
 * sync is not used: it re-stamps the first buffer to the time it is pushed,
 * which would move the video half a second away from its audio).
 *
 * ## Latency
 *
 * The latency answered is one block (480 ms) + the model's audio look-ahead
 * + audio-tolerance + the latency of a live audio upstream + the measured
 * compute time (the longest block so far, rounded up to a frame). The
 * maximum adds the audio the element can hold (0.96 s). A latency message is
 * posted when the measured part grows or audio-tolerance changes; the
 * #GstLiveAvatarSrc:latency property reads the current figure.
 *
 * ## Non-live mode
 *
 * With `is-live=false` the element never waits on the clock. Without an
 * audio pad it makes silent frames as fast as downstream takes them; with
 * one it waits for the audio each block needs (or for EOS on the audio pad,
 * after which it makes silent frames), which suits rendering a file:
 * `filesrc ! decodebin ! audioconvert ! audioresample ! src.audio`.
 *
 * ## Size and reference image
 *
 * The output size is width x height, fixed when the model loads
 * (NULL->READY). With a reference image width x height is an area and the
 * picture decides the aspect (see #GstLiveAvatarSrc:reference-image); a
 * picture changed in READY is decoded again at READY->PAUSED (and the
 * model reloaded if its size differs), one changed while streaming shows
 * from the next clip boundary at the current size.
 *
 * ## Bus messages
 *
 * With the stats property on (the default) the element posts one element
 * message named `liveavatar-stats` per block (12 frames), as the block's
 * first frame leaves, in block order. The fields are liveavatarfilter's
 * (see there and docs/usage.md): `block` (the engine's block index since
 * start), `frame` (the buffer offset of its first frame), `n-frames`,
 * `pts`, `running-time`, `skipped`, `audio-us`, `dit-us`, `dit-devices`,
 * `vae-us`, `vae-device`, `block-us`, `compute-us`, `max-block-us`,
 * `queue-depths`,
 * `frames-dropped` (always 0: the source does not drop frames),
 * `frames-repeated`, `blocks-skipped`, `latency`, and two of its own, in
 * samples (16 kHz) since the element started:
 *
 * * `audio-dropped` (guint64): audio that arrived after its stretch of the
 *   timeline had been fed (as silence)
 * * `silence` (guint64): silence fed in place of audio that had not come
 *   by its deadline (or for a gap, or with no audio pad at all)
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 liveavatarsrc model=test width=256 height=256 ! videoconvert ! autovideosink
 * ]| An idle test avatar.
 * |[
 * gst-launch-1.0 liveavatarsrc model=test width=256 height=256 name=avatar ! \
 *     videoconvert ! autovideosink \
 *     autoaudiosrc ! audioconvert ! audioresample ! \
 *     audio/x-raw,format=F32LE,rate=16000,channels=1 ! avatar.audio
 * ]| The test avatar's mouth follows the microphone.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/audio/audio.h>
#include <gst/video/video.h>

#include "gstliveavatarsrc.h"
#include "gstliveavatarimage.h"
#include "gstliveavatarsettings.h"
#include "gstliveavatarstats.h"

#define AUDIO_CAPS "audio/x-raw, format = (string) F32LE, " \
    "rate = (int) 16000, channels = (int) 1, layout = (string) interleaved"
#define VIDEO_CAPS "video/x-raw, format = (string) { RGB, RGBA, I420 }, " \
    "width = (int) [ 64, 4096 ], height = (int) [ 64, 4096 ], " \
    "framerate = (fraction) 25/1, pixel-aspect-ratio = (fraction) 1/1"

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (VIDEO_CAPS));

static GstStaticPadTemplate audio_template = GST_STATIC_PAD_TEMPLATE ("audio",
    GST_PAD_SINK,
    GST_PAD_REQUEST,
    GST_STATIC_CAPS (AUDIO_CAPS));

GST_DEBUG_CATEGORY_STATIC (gst_live_avatar_src_debug);
#define GST_CAT_DEFAULT gst_live_avatar_src_debug

enum
{
  PROP_IS_LIVE = GST_LIVE_AVATAR_PROP_LAST,
  PROP_AUDIO_TOLERANCE,
  PROP_LATENCY,
  PROP_STATS,
  N_PROPERTIES
};

#define DEFAULT_IS_LIVE          TRUE
#define DEFAULT_AUDIO_TOLERANCE  (40 * GST_MSECOND)     /* ns, one frame */
#define MAX_AUDIO_TOLERANCE      (10 * GST_SECOND)      /* ns */

/* Audio the engine has not taken yet that the element holds before its
 * audio pad blocks upstream. */
#define AUDIO_HOLD_SAMPLES       (2 * LA_SAMPLES_PER_BLOCK)     /* 0.96 s */
/* A buffer this close to where the previous one ended continues it (as
 * audiobasesink's alignment-threshold). */
#define AUDIO_ALIGN_SAMPLES      (LA_SAMPLE_RATE * 40 / 1000)   /* 40 ms */

#define FRAME_TIME               (GST_SECOND / LA_FPS)  /* 40 ms, exact */

/* Guards everything in the instance below "lock" (see the struct). */
#define SRC_LOCK(s)              g_mutex_lock (&(s)->lock)
#define SRC_UNLOCK(s)            g_mutex_unlock (&(s)->lock)
#define SRC_WAIT(s)              g_cond_wait (&(s)->cond, &(s)->lock)
#define SRC_BROADCAST(s)         g_cond_broadcast (&(s)->cond)

/* A piece of the audio timeline waiting to be fed to the engine. */
typedef struct
{
  GstBuffer *buffer;            /* F32 samples; NULL for a gap (silence) */
  guint64 pos;                  /* running time of the first sample left, in samples */
  guint64 n;                    /* samples left */
  gsize skip;                   /* samples of @buffer already used */
} AudioChunk;

struct _GstLiveAvatarSrc
{
  GstPushSrc parent;

  /* shared properties, guarded by the object lock */
  GstLiveAvatarSettings settings;
  /* reference-image changes while streaming (own lock) */
  GstLiveAvatarImageChanger *changer;

  GMutex lock;
  GCond cond;                   /* audio came or went, flushing, playing */

  GstClockTime audio_tolerance;
  LaEngine *engine;             /* from NULL to READY */
  GstLiveAvatarImage *image;    /* the reference picture it was made for */
  guint lookahead;              /* the engine's, in samples */
  LaSession *session;           /* from negotiation to stop; used unlocked
                                 * by the streaming thread and by the feeder
                                 * while busy, so freed only when it is not */
  LaPixelFormat format;
  GstVideoInfo vinfo;
  gboolean downstream_video_meta;

  gboolean flushing;            /* unlock () in force */
  gboolean session_flushed;     /* the engine dropped its work: rebase */
  gboolean playing;
  GstClockID release_clock_id;  /* create () waiting to let a frame out */

  GThread *feeder;
  gboolean feeder_quit;
  gboolean feeder_busy;         /* inside the engine with the lock released */
  gboolean feed_error;          /* the engine refused audio: session stopped */
  GstClockID feeder_clock_id;   /* the feeder waiting for an audio deadline */

  /* timeline, in samples of running time */
  gboolean started;
  guint64 origin;               /* frame 0's first sample */
  guint64 n_frames;             /* the next frame */
  guint64 engine_frame0;        /* our number of the engine's frame 0 */
  guint64 fed;                  /* the engine has all audio before this */
  gboolean discont;
  GstClockTime compute_latency; /* measured, rounded up to frames */
  GstClockTime upstream_latency;        /* a live audio upstream's minimum */

  /* audio pad */
  GstPad *audiopad;
  gboolean audio_flushing;
  gboolean audio_eos;
  gboolean audio_caps;
  GstSegment audio_segment;
  GQueue audio;                 /* AudioChunk, in timeline order */
  guint64 audio_held;           /* samples of real audio in @audio */
  gboolean audio_next_valid;
  guint64 audio_next;           /* where the last buffer ended */
  guint64 audio_dropped;        /* samples that came after their slot */

  gboolean stats;               /* post liveavatar-stats messages */
  GstLiveAvatarStatsInfo stats_info;    /* its counters, since start */
};

static GParamSpec *properties[N_PROPERTIES];

#define gst_live_avatar_src_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstLiveAvatarSrc, gst_live_avatar_src,
    GST_TYPE_PUSH_SRC, GST_DEBUG_CATEGORY_INIT (gst_live_avatar_src_debug,
        "liveavatarsrc", 0, "liveavatar live source"));
GST_ELEMENT_REGISTER_DEFINE (liveavatarsrc, "liveavatarsrc", GST_RANK_NONE,
    GST_TYPE_LIVE_AVATAR_SRC);

static void gst_live_avatar_src_finalize (GObject * object);
static void gst_live_avatar_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_live_avatar_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);

static GstStateChangeReturn gst_live_avatar_src_change_state (GstElement *
    element, GstStateChange transition);
static GstPad *gst_live_avatar_src_request_new_pad (GstElement * element,
    GstPadTemplate * templ, const gchar * name, const GstCaps * caps);
static void gst_live_avatar_src_release_pad (GstElement * element,
    GstPad * pad);

static GstCaps *gst_live_avatar_src_get_caps (GstBaseSrc * bsrc,
    GstCaps * filter);
static gboolean gst_live_avatar_src_set_caps (GstBaseSrc * bsrc,
    GstCaps * caps);
static gboolean gst_live_avatar_src_decide_allocation (GstBaseSrc * bsrc,
    GstQuery * query);
static gboolean gst_live_avatar_src_start (GstBaseSrc * bsrc);
static gboolean gst_live_avatar_src_stop (GstBaseSrc * bsrc);
static gboolean gst_live_avatar_src_is_seekable (GstBaseSrc * bsrc);
static gboolean gst_live_avatar_src_unlock (GstBaseSrc * bsrc);
static gboolean gst_live_avatar_src_unlock_stop (GstBaseSrc * bsrc);
static gboolean gst_live_avatar_src_query (GstBaseSrc * bsrc, GstQuery * query);
static GstFlowReturn gst_live_avatar_src_create (GstPushSrc * psrc,
    GstBuffer ** outbuf);

static GstFlowReturn gst_live_avatar_src_audio_chain (GstPad * pad,
    GstObject * parent, GstBuffer * buffer);
static gboolean gst_live_avatar_src_audio_event (GstPad * pad,
    GstObject * parent, GstEvent * event);
static gboolean gst_live_avatar_src_audio_query (GstPad * pad,
    GstObject * parent, GstQuery * query);
static gboolean gst_live_avatar_src_audio_activate_mode (GstPad * pad,
    GstObject * parent, GstPadMode mode, gboolean active);
static GstPadLinkReturn gst_live_avatar_src_audio_link (GstPad * pad,
    GstObject * parent, GstPad * peer);

static void
gst_live_avatar_src_class_init (GstLiveAvatarSrcClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *pushsrc_class = GST_PUSH_SRC_CLASS (klass);

  gobject_class->finalize = gst_live_avatar_src_finalize;
  gobject_class->set_property = gst_live_avatar_src_set_property;
  gobject_class->get_property = gst_live_avatar_src_get_property;

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_live_avatar_src_change_state);
  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_live_avatar_src_request_new_pad);
  element_class->release_pad =
      GST_DEBUG_FUNCPTR (gst_live_avatar_src_release_pad);

  basesrc_class->get_caps = GST_DEBUG_FUNCPTR (gst_live_avatar_src_get_caps);
  basesrc_class->set_caps = GST_DEBUG_FUNCPTR (gst_live_avatar_src_set_caps);
  basesrc_class->decide_allocation =
      GST_DEBUG_FUNCPTR (gst_live_avatar_src_decide_allocation);
  basesrc_class->start = GST_DEBUG_FUNCPTR (gst_live_avatar_src_start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR (gst_live_avatar_src_stop);
  basesrc_class->is_seekable =
      GST_DEBUG_FUNCPTR (gst_live_avatar_src_is_seekable);
  basesrc_class->unlock = GST_DEBUG_FUNCPTR (gst_live_avatar_src_unlock);
  basesrc_class->unlock_stop =
      GST_DEBUG_FUNCPTR (gst_live_avatar_src_unlock_stop);
  basesrc_class->query = GST_DEBUG_FUNCPTR (gst_live_avatar_src_query);
  pushsrc_class->create = GST_DEBUG_FUNCPTR (gst_live_avatar_src_create);

  gst_live_avatar_settings_install_properties (gobject_class);

  /**
   * GstLiveAvatarSrc:is-live:
   *
   * TRUE: frames follow the clock and missing audio is replaced by silence
   * at its deadline. FALSE: no clock waits; the element waits for the audio
   * pad's data (or its EOS) instead, or makes silent frames as fast as
   * downstream takes them when there is no audio pad.
   */
  properties[PROP_IS_LIVE] = g_param_spec_boolean ("is-live", "Is live",
      "Produce frames on the clock, filling missing audio with silence "
      "(FALSE: wait for the audio, never for the clock)", DEFAULT_IS_LIVE,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);

  /**
   * GstLiveAvatarSrc:audio-tolerance:
   *
   * How long after its deadline (the clock time at the end of a stretch of
   * audio plus the audio upstream's latency) the element still waits for
   * that audio before it plays silence in its place. It covers the jitter
   * and buffer size of the audio source; it adds to the latency. The
   * default, one frame, suits a local capture with 10-20 ms buffers.
   */
  properties[PROP_AUDIO_TOLERANCE] =
      g_param_spec_uint64 ("audio-tolerance", "Audio tolerance",
      "Time to wait for late audio beyond its deadline before silence takes "
      "its place, in nanoseconds (0 = none); adds to the latency", 0,
      MAX_AUDIO_TOLERANCE, DEFAULT_AUDIO_TOLERANCE,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);

  /**
   * GstLiveAvatarSrc:latency:
   *
   * The minimum latency the element reports: one block (480 ms) + the
   * model's audio look-ahead + audio-tolerance + a live audio upstream's
   * latency + the measured compute time rounded up to a frame.
   */
  properties[PROP_LATENCY] = g_param_spec_uint64 ("latency", "Latency",
      "Minimum latency reported, in nanoseconds: block + look-ahead + "
      "audio-tolerance + audio upstream + measured compute", 0, G_MAXUINT64,
      0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_property (gobject_class, PROP_IS_LIVE,
      properties[PROP_IS_LIVE]);
  g_object_class_install_property (gobject_class, PROP_AUDIO_TOLERANCE,
      properties[PROP_AUDIO_TOLERANCE]);
  /**
   * GstLiveAvatarSrc:stats:
   *
   * Post a `liveavatar-stats` element message per block (see Bus messages
   * above for its fields). The counters in it run whether or not the
   * messages are posted.
   */
  properties[PROP_STATS] = g_param_spec_boolean ("stats", "Stats",
      "Post a liveavatar-stats element message per block (12 frames) with "
      "generation times, devices, queue depths, audio dropped, silence fed "
      "and latency", DEFAULT_STATS,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);

  g_object_class_install_property (gobject_class, PROP_LATENCY,
      properties[PROP_LATENCY]);
  g_object_class_install_property (gobject_class, PROP_STATS,
      properties[PROP_STATS]);

  gst_element_class_set_static_metadata (element_class,
      "Live avatar source", "Source/Video",
      "Talking-avatar video at 25 fps that follows the audio on its optional "
      "audio pad and idles without it", "liveavatar developers");

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_add_static_pad_template (element_class, &audio_template);
}

static void
gst_live_avatar_src_init (GstLiveAvatarSrc * self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->audio);
  gst_segment_init (&self->audio_segment, GST_FORMAT_TIME);

  gst_live_avatar_settings_init (&self->settings);
  self->changer = gst_live_avatar_image_changer_new (GST_ELEMENT (self));
  self->audio_tolerance = DEFAULT_AUDIO_TOLERANCE;
  self->stats = DEFAULT_STATS;
  self->audio_flushing = TRUE;
  self->discont = TRUE;

  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_TIME);
  gst_base_src_set_live (GST_BASE_SRC (self), DEFAULT_IS_LIVE);
}

static void
audio_chunk_free (AudioChunk * chunk)
{
  gst_clear_buffer (&chunk->buffer);
  g_free (chunk);
}

static void
gst_live_avatar_src_finalize (GObject * object)
{
  GstLiveAvatarSrc *self = GST_LIVE_AVATAR_SRC (object);

  /* stop () ends the feeder and the session; never reached with them */
  g_warn_if_fail (self->feeder == NULL && self->session == NULL);
  gst_live_avatar_image_changer_free (self->changer);
  gst_live_avatar_image_free (self->image);
  g_queue_clear_full (&self->audio, (GDestroyNotify) audio_chunk_free);
  gst_live_avatar_settings_clear (&self->settings);
  g_cond_clear (&self->cond);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* ---- helpers ---- */

static inline GstClockTime
samples_to_time (guint64 samples)
{
  return gst_util_uint64_scale (samples, GST_SECOND, LA_SAMPLE_RATE);
}

/* How long after a frame's start its audio is awaited: block, look-ahead,
 * audio upstream, tolerance. Called with the lock. */
static GstClockTime
gst_live_avatar_src_locked_audio_wait (GstLiveAvatarSrc * self)
{
  return samples_to_time (LA_SAMPLES_PER_BLOCK + self->lookahead) +
      self->upstream_latency + self->audio_tolerance;
}

/* Called with the lock. */
static GstClockTime
gst_live_avatar_src_locked_latency (GstLiveAvatarSrc * self)
{
  return gst_live_avatar_src_locked_audio_wait (self) + self->compute_latency;
}

static void
gst_live_avatar_src_post_latency (GstLiveAvatarSrc * self)
{
  gst_element_post_message (GST_ELEMENT_CAST (self),
      gst_message_new_latency (GST_OBJECT_CAST (self)));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LATENCY]);
}

/* Something the feeder waits for changed (audio, a deadline's terms, the
 * state): wake it, also from its clock wait. Called with the lock. */
static void
gst_live_avatar_src_locked_wake (GstLiveAvatarSrc * self)
{
  if (self->feeder_clock_id != NULL)
    gst_clock_id_unschedule (self->feeder_clock_id);
  SRC_BROADCAST (self);
}

/* Called with the lock. */
static void
gst_live_avatar_src_locked_clear_audio (GstLiveAvatarSrc * self)
{
  g_queue_clear_full (&self->audio, (GDestroyNotify) audio_chunk_free);
  self->audio_held = 0;
  self->audio_next_valid = FALSE;
}

/* The engine starts over (new session, or its work was flushed): its frame
 * 0 is our next frame and its sample 0 that frame's first sample. The audio
 * it had been given for later frames is lost; that stretch will be silent.
 * Called with the lock. */
static void
gst_live_avatar_src_locked_rebase (GstLiveAvatarSrc * self)
{
  self->engine_frame0 = self->n_frames;
  self->fed = self->origin + self->n_frames * LA_SAMPLES_PER_FRAME;
  self->discont = TRUE;
  GST_DEBUG_OBJECT (self, "engine restarts at frame %" G_GUINT64_FORMAT,
      self->n_frames);
}

/* Called with the lock, from the streaming thread. */
static void
gst_live_avatar_src_locked_start_timeline (GstLiveAvatarSrc * self)
{
  GstClock *clock = NULL;

  self->origin = 0;
  if (gst_base_src_is_live (GST_BASE_SRC (self)))
    clock = gst_element_get_clock (GST_ELEMENT_CAST (self));

  if (clock != NULL) {
    GstClockTime now = gst_clock_get_time (clock);
    GstClockTime base = gst_element_get_base_time (GST_ELEMENT_CAST (self));

    /* As videotestsrc: the first frame is stamped with the running time at
     * which it is asked for, here rounded down to a sample so that audio
     * and frames share exact sample boundaries. */
    if (now > base)
      self->origin = gst_util_uint64_scale_int (now - base, LA_SAMPLE_RATE,
          GST_SECOND);
    gst_object_unref (clock);
  }

  self->started = TRUE;
  gst_live_avatar_src_locked_rebase (self);
  SRC_BROADCAST (self);
  GST_INFO_OBJECT (self, "timeline starts at %" GST_TIME_FORMAT,
      GST_TIME_ARGS (samples_to_time (self->origin)));
}

static inline GstClockTime
gst_live_avatar_src_locked_pts (GstLiveAvatarSrc * self, guint64 n)
{
  return samples_to_time (self->origin) + gst_util_uint64_scale (n,
      GST_SECOND, LA_FPS);
}

/* The clock waits are needed only when live and a clock is set. Returns a
 * ref to the clock or NULL. */
static GstClock *
gst_live_avatar_src_get_sync_clock (GstLiveAvatarSrc * self)
{
  if (!gst_base_src_is_live (GST_BASE_SRC (self)))
    return NULL;
  return gst_element_get_clock (GST_ELEMENT_CAST (self));
}

/* Waits on @clock until @time with the lock released; @slot holds the id
 * meanwhile so that others can unschedule it. Called with the lock. */
static GstClockReturn
gst_live_avatar_src_locked_wait_clock (GstLiveAvatarSrc * self,
    GstClock * clock, GstClockTime time, GstClockID * slot)
{
  GstClockID id;
  GstClockReturn ret;

  id = gst_clock_new_single_shot_id (clock, time);
  *slot = id;
  SRC_UNLOCK (self);

  GST_LOG_OBJECT (self, "waiting until %" GST_TIME_FORMAT,
      GST_TIME_ARGS (time));
  ret = gst_clock_id_wait (id, NULL);

  SRC_LOCK (self);
  *slot = NULL;
  gst_clock_id_unref (id);
  return ret;
}

/* Lets the frame for @pts out no earlier than the time its audio was
 * awaited until, so that the output is steady whatever the audio does.
 * Called with the lock. */
static GstFlowReturn
gst_live_avatar_src_locked_wait_release (GstLiveAvatarSrc * self,
    GstClockTime pts)
{
  GstClock *clock = gst_live_avatar_src_get_sync_clock (self);
  GstFlowReturn ret = GST_FLOW_OK;

  while (clock != NULL) {
    GstClockTime target;

    if (self->flushing) {
      ret = GST_FLOW_FLUSHING;
      break;
    }
    if (!self->playing) {
      SRC_WAIT (self);
      continue;
    }
    target = gst_element_get_base_time (GST_ELEMENT_CAST (self)) + pts +
        gst_live_avatar_src_locked_audio_wait (self);
    if (gst_clock_get_time (clock) >= target)
      break;
    gst_live_avatar_src_locked_wait_clock (self, clock, target,
        &self->release_clock_id);
  }

  gst_clear_object (&clock);
  return ret;
}

/* ---- the feeder ---- */

/* The end of the audio the engine needs next: the end of the block @fed
 * is in, plus the look-ahead. Called with the lock. */
static guint64
gst_live_avatar_src_locked_next_need (GstLiveAvatarSrc * self)
{
  guint64 base = self->origin + self->engine_frame0 * LA_SAMPLES_PER_FRAME;
  guint64 rel = self->fed - base;
  guint64 blocks = 1;

  if (rel >= self->lookahead)
    blocks = (rel - self->lookahead) / LA_SAMPLES_PER_BLOCK + 1;
  return base + blocks * LA_SAMPLES_PER_BLOCK + self->lookahead;
}

/* Feeds @n samples of @buffer from sample @skip (or silence when @buffer is
 * NULL) to the engine, with the lock released. Takes @buffer. Called with
 * the lock. */
static void
gst_live_avatar_src_locked_push (GstLiveAvatarSrc * self, GstBuffer * buffer,
    gsize skip, guint64 n)
{
  LaSession *session = self->session;
  GError *err = NULL;
  gboolean ok;

  self->fed += n;
  if (buffer == NULL)
    self->stats_info.silence_fed += n;
  self->feeder_busy = TRUE;
  SRC_UNLOCK (self);

  if (buffer != NULL) {
    GstMapInfo map;

    if (gst_buffer_map (buffer, &map, GST_MAP_READ)) {
      ok = la_session_push_audio (session,
          (const gfloat *) map.data + skip, n, &err);
      gst_buffer_unmap (buffer, &map);
    } else {
      GST_WARNING_OBJECT (self, "could not map audio, using silence");
      ok = la_session_push_silence (session, n, &err);
    }
    gst_buffer_unref (buffer);
  } else {
    ok = la_session_push_silence (session, n, &err);
  }

  if (!ok && !g_error_matches (err, LA_ERROR, LA_ERROR_FLUSHING)) {
    /* the session is broken: stop it so that create () sees the error */
    gst_live_avatar_post_error (GST_ELEMENT_CAST (self), err,
        "Could not feed audio to the model");
    SRC_LOCK (self);
    self->feed_error = TRUE;
    la_session_set_flushing (session, TRUE);
  } else {
    SRC_LOCK (self);
  }
  g_clear_error (&err);
  self->feeder_busy = FALSE;
  SRC_BROADCAST (self);
}

/* Drops the queued audio whose place on the timeline has been fed already.
 * Called with the lock. */
static void
gst_live_avatar_src_locked_drop_late (GstLiveAvatarSrc * self)
{
  AudioChunk *chunk;

  while ((chunk = g_queue_peek_head (&self->audio)) != NULL &&
      chunk->pos < self->fed) {
    guint64 late = MIN (chunk->n, self->fed - chunk->pos);

    if (chunk->buffer != NULL) {
      self->audio_dropped += late;
      self->audio_held -= late;
      GST_DEBUG_OBJECT (self, "dropping %" G_GUINT64_FORMAT " samples of "
          "late audio at %" GST_TIME_FORMAT " (%" G_GUINT64_FORMAT
          " dropped in all)", late, GST_TIME_ARGS (samples_to_time
              (chunk->pos)), self->audio_dropped);
    }
    chunk->pos += late;
    chunk->skip += late;
    chunk->n -= late;
    if (chunk->n == 0)
      audio_chunk_free (g_queue_pop_head (&self->audio));
    SRC_BROADCAST (self);
  }
}

/* Feeds the queued chunk that starts at self->fed, a block at most. Called
 * with the lock. */
static void
gst_live_avatar_src_locked_feed_chunk (GstLiveAvatarSrc * self,
    AudioChunk * chunk)
{
  GstBuffer *buffer = chunk->buffer ? gst_buffer_ref (chunk->buffer) : NULL;
  gsize skip = chunk->skip;
  guint64 take = MIN (chunk->n, LA_SAMPLES_PER_BLOCK);

  chunk->pos += take;
  chunk->skip += take;
  chunk->n -= take;
  if (chunk->n == 0)
    audio_chunk_free (g_queue_pop_head (&self->audio));
  if (buffer != NULL)
    self->audio_held -= take;
  SRC_BROADCAST (self);

  gst_live_avatar_src_locked_push (self, buffer, skip, take);
}

/* One step of the feeder: feeds what has come, fills with silence what
 * will not come, or waits. Called with the lock. */
static void
gst_live_avatar_src_locked_feed_step (GstLiveAvatarSrc * self)
{
  GstClock *clock = gst_live_avatar_src_get_sync_clock (self);
  AudioChunk *chunk;
  GstClockTime deadline;
  guint64 need;

  if (clock != NULL && !self->playing) {
    /* a paused live source makes nothing; deadlines move with the base
     * time */
    SRC_WAIT (self);
    goto done;
  }

  gst_live_avatar_src_locked_drop_late (self);
  chunk = g_queue_peek_head (&self->audio);
  need = gst_live_avatar_src_locked_next_need (self);

  if (chunk != NULL && chunk->pos == self->fed) {
    gst_live_avatar_src_locked_feed_chunk (self, chunk);
  } else if (chunk != NULL) {
    /* audio arrives in order: nothing will come for the gap before it */
    gst_live_avatar_src_locked_push (self, NULL, 0,
        MIN (chunk->pos - self->fed, LA_SAMPLES_PER_BLOCK));
  } else if (clock == NULL) {
    /* not live: the audio sets the pace, if there is audio */
    if (self->audiopad == NULL || self->audio_eos)
      gst_live_avatar_src_locked_push (self, NULL, 0, need - self->fed);
    else
      SRC_WAIT (self);
  } else {
    /* live: missing audio is silence once its deadline has passed, whether
     * or not an audio pad exists, so that a pad added later is heard
     * within a block */
    deadline = gst_element_get_base_time (GST_ELEMENT_CAST (self)) +
        samples_to_time (need) + self->upstream_latency + self->audio_tolerance;
    if (gst_clock_get_time (clock) < deadline) {
      gst_live_avatar_src_locked_wait_clock (self, clock, deadline,
          &self->feeder_clock_id);
    } else {
      GST_DEBUG_OBJECT (self, "no audio for %" GST_TIME_FORMAT " - %"
          GST_TIME_FORMAT " by its deadline, silence",
          GST_TIME_ARGS (samples_to_time (self->fed)),
          GST_TIME_ARGS (samples_to_time (need)));
      gst_live_avatar_src_locked_push (self, NULL, 0, need - self->fed);
    }
  }

done:
  gst_clear_object (&clock);
}

/* The feeder thread moves audio into the engine as it comes, and silence
 * where none will come, running ahead of the frames as far as the engine's
 * queues let it: a pipelined engine then works on several blocks at once.
 * It lives from start () to stop (). */
static gpointer
gst_live_avatar_src_feeder (gpointer data)
{
  GstLiveAvatarSrc *self = data;

  SRC_LOCK (self);
  while (!self->feeder_quit) {
    if (self->flushing || self->feed_error || self->session == NULL ||
        !self->started)
      SRC_WAIT (self);
    else
      gst_live_avatar_src_locked_feed_step (self);
  }
  SRC_UNLOCK (self);
  return NULL;
}

/* Called with the lock. Returns TRUE when the measured part grew. */
static gboolean
gst_live_avatar_src_locked_update_compute (GstLiveAvatarSrc * self,
    LaSession * session)
{
  LaSessionStats stats;
  GstClockTime compute;

  la_session_get_stats (session, &stats);
  if (stats.max_block_us <= 0)
    return FALSE;

  compute = stats.max_block_us * GST_USECOND;
  compute = (compute + FRAME_TIME - 1) / FRAME_TIME * FRAME_TIME;
  if (compute <= self->compute_latency)
    return FALSE;

  GST_INFO_OBJECT (self, "compute latency now %" GST_TIME_FORMAT " (block "
      "took %" G_GINT64_FORMAT " us)", GST_TIME_ARGS (compute),
      stats.max_block_us);
  self->compute_latency = compute;
  return TRUE;
}

/* A copy in the standard layout, for a downstream without GstVideoMeta when
 * the engine's layout differs. */
static GstBuffer *
gst_live_avatar_src_copy_frame (GstLiveAvatarSrc * self, LaFrame * frame)
{
  const GstVideoInfo *info = &self->vinfo;
  GstBuffer *buffer;
  GstMapInfo map;
  guint p;

  buffer = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (info), NULL);
  gst_buffer_map (buffer, &map, GST_MAP_WRITE);
  for (p = 0; p < GST_VIDEO_INFO_N_PLANES (info); p++) {
    gsize row = (gsize) GST_VIDEO_INFO_COMP_WIDTH (info, p) *
        GST_VIDEO_INFO_COMP_PSTRIDE (info, p);
    gint rows = GST_VIDEO_INFO_COMP_HEIGHT (info, p);
    gint y;

    for (y = 0; y < rows; y++)
      memcpy (map.data + GST_VIDEO_INFO_PLANE_OFFSET (info, p) +
          (gsize) y * GST_VIDEO_INFO_PLANE_STRIDE (info, p),
          frame->data + frame->offset[p] + (gsize) y * frame->stride[p], row);
  }
  gst_buffer_unmap (buffer, &map);
  la_frame_unref (frame);
  return buffer;
}

/* Takes @frame. Called with the lock. */
static GstBuffer *
gst_live_avatar_src_locked_wrap_frame (GstLiveAvatarSrc * self, LaFrame * frame)
{
  const GstVideoInfo *info = &self->vinfo;
  gsize offset[GST_VIDEO_MAX_PLANES] = { 0, };
  gint stride[GST_VIDEO_MAX_PLANES] = { 0, };
  gboolean standard = TRUE;
  GstBuffer *buffer;
  guint p;

  if (frame->format != self->format ||
      frame->width != GST_VIDEO_INFO_WIDTH (info) ||
      frame->height != GST_VIDEO_INFO_HEIGHT (info))
    goto wrong_frame;

  for (p = 0; p < GST_VIDEO_INFO_N_PLANES (info); p++) {
    gsize row = (gsize) GST_VIDEO_INFO_COMP_WIDTH (info, p) *
        GST_VIDEO_INFO_COMP_PSTRIDE (info, p);
    gsize rows = GST_VIDEO_INFO_COMP_HEIGHT (info, p);

    /* every plane's rows must lie inside the frame's data */
    if (frame->stride[p] < 0 || (gsize) frame->stride[p] < row ||
        frame->offset[p] + (rows - 1) * frame->stride[p] + row > frame->size)
      goto wrong_frame;
    offset[p] = frame->offset[p];
    stride[p] = frame->stride[p];
    standard &= offset[p] == GST_VIDEO_INFO_PLANE_OFFSET (info, p) &&
        stride[p] == GST_VIDEO_INFO_PLANE_STRIDE (info, p);
  }

  if (!standard && !self->downstream_video_meta)
    return gst_live_avatar_src_copy_frame (self, frame);

  /* read-only: the engine may keep the picture (to repeat it) */
  buffer = gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY, frame->data,
      frame->size, 0, frame->size, frame, (GDestroyNotify) la_frame_unref);
  gst_buffer_add_video_meta_full (buffer, GST_VIDEO_FRAME_FLAG_NONE,
      GST_VIDEO_INFO_FORMAT (info), frame->width, frame->height,
      GST_VIDEO_INFO_N_PLANES (info), offset, stride);
  return buffer;

  /* ERRORS */
wrong_frame:
  {
    GST_ERROR_OBJECT (self, "engine frame %dx%d format %d size %"
        G_GSIZE_FORMAT " does not hold %dx%d format %d", frame->width,
        frame->height, frame->format, frame->size,
        GST_VIDEO_INFO_WIDTH (info), GST_VIDEO_INFO_HEIGHT (info),
        self->format);
    la_frame_unref (frame);
    return NULL;
  }
}

/* ---- properties ---- */

static void
gst_live_avatar_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstLiveAvatarSrc *self = GST_LIVE_AVATAR_SRC (object);
  GstLiveAvatarSetResult res;

  res = gst_live_avatar_settings_set_property (GST_ELEMENT_CAST (self),
      &self->settings, prop_id, value, pspec);
  /* streaming: decoded aside, shown from the next clip; in READY: decoded
   * again before PAUSED (gst_live_avatar_prepare) */
  if (res == GST_LIVE_AVATAR_SET_DONE &&
      prop_id == GST_LIVE_AVATAR_PROP_REFERENCE_IMAGE)
    gst_live_avatar_image_changer_request (self->changer,
        g_value_get_string (value));
  if (res == GST_LIVE_AVATAR_SET_DONE && prop_id == GST_LIVE_AVATAR_PROP_PROMPT) {
    GError *err = NULL;
    gboolean ok = TRUE;

    SRC_LOCK (self);
    if (self->session != NULL)
      ok = la_session_set_prompt (self->session, g_value_get_string (value),
          &err);
    SRC_UNLOCK (self);
    if (!ok) {
      GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
          ("Could not change the prompt: %s", err->message), (NULL));
      g_clear_error (&err);
    }
  }
  if (res != GST_LIVE_AVATAR_SET_NOT_OURS)
    return;

  switch (prop_id) {
    case PROP_IS_LIVE:{
      GstState state;

      GST_OBJECT_LOCK (self);
      state = GST_STATE (self);
      GST_OBJECT_UNLOCK (self);
      if (state > GST_STATE_READY) {
        GST_ELEMENT_WARNING (self, CORE, STATE_CHANGE,
            ("Property 'is-live' can only be changed in the NULL or READY "
                "state"), ("element is in %s; the change was ignored",
                gst_element_state_get_name (state)));
        break;
      }
      gst_base_src_set_live (GST_BASE_SRC (self), g_value_get_boolean (value));
      break;
    }
    case PROP_AUDIO_TOLERANCE:{
      guint64 tolerance = g_value_get_uint64 (value);
      gboolean changed;

      SRC_LOCK (self);
      changed = tolerance != self->audio_tolerance;
      self->audio_tolerance = tolerance;
      gst_live_avatar_src_locked_wake (self);
      SRC_UNLOCK (self);
      if (changed)
        gst_live_avatar_src_post_latency (self);
      break;
    }
    case PROP_STATS:
      SRC_LOCK (self);
      self->stats = g_value_get_boolean (value);
      SRC_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_live_avatar_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstLiveAvatarSrc *self = GST_LIVE_AVATAR_SRC (object);

  if (gst_live_avatar_settings_get_property (GST_ELEMENT_CAST (self),
          &self->settings, prop_id, value, pspec))
    return;

  switch (prop_id) {
    case PROP_IS_LIVE:
      g_value_set_boolean (value, gst_base_src_is_live (GST_BASE_SRC (self)));
      break;
    case PROP_AUDIO_TOLERANCE:
      SRC_LOCK (self);
      g_value_set_uint64 (value, self->audio_tolerance);
      SRC_UNLOCK (self);
      break;
    case PROP_LATENCY:
      SRC_LOCK (self);
      g_value_set_uint64 (value, gst_live_avatar_src_locked_latency (self));
      SRC_UNLOCK (self);
      break;
    case PROP_STATS:
      SRC_LOCK (self);
      g_value_set_boolean (value, self->stats);
      SRC_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

/* ---- element ---- */

static GstStateChangeReturn
gst_live_avatar_src_change_state (GstElement * element,
    GstStateChange transition)
{
  GstLiveAvatarSrc *self = GST_LIVE_AVATAR_SRC (element);
  GstStateChangeReturn ret;
  GstLiveAvatarImage *image;
  LaEngine *engine;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      /* READY->PAUSED: only a reference image changed in READY counts (it
       * may reload the engine for another size); the other properties
       * apply from the next NULL->READY. Only this thread changes the
       * engine. */
      if (!gst_live_avatar_prepare (element, &self->settings, &self->lock,
              FALSE, &self->engine, &self->image))
        return GST_STATE_CHANGE_FAILURE;
      SRC_LOCK (self);
      self->lookahead = la_engine_get_lookahead_samples (self->engine);
      SRC_UNLOCK (self);
      break;
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING:
      SRC_LOCK (self);
      self->playing = TRUE;
      gst_live_avatar_src_locked_wake (self);
      SRC_UNLOCK (self);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (ret != GST_STATE_CHANGE_FAILURE)
        break;
      /* fall through */
    case GST_STATE_CHANGE_READY_TO_NULL:
      SRC_LOCK (self);
      engine = self->engine;
      self->engine = NULL;
      image = self->image;
      self->image = NULL;
      self->lookahead = 0;
      SRC_UNLOCK (self);
      if (engine != NULL)
        la_engine_free (engine);
      gst_live_avatar_image_free (image);
      break;
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      /* the waits restart from the new base time once playing again */
      SRC_LOCK (self);
      self->playing = FALSE;
      if (self->release_clock_id != NULL)
        gst_clock_id_unschedule (self->release_clock_id);
      gst_live_avatar_src_locked_wake (self);
      SRC_UNLOCK (self);
      break;
    default:
      break;
  }
  return ret;
}

static GstPad *
gst_live_avatar_src_request_new_pad (GstElement * element,
    GstPadTemplate * templ, const gchar * name, const GstCaps * caps)
{
  GstLiveAvatarSrc *self = GST_LIVE_AVATAR_SRC (element);
  GstPad *pad;

  if (name != NULL && strcmp (name, "audio") != 0)
    goto wrong_name;

  SRC_LOCK (self);
  if (self->audiopad != NULL)
    goto exists;

  pad = gst_pad_new_from_template (templ, "audio");
  gst_pad_set_chain_function (pad,
      GST_DEBUG_FUNCPTR (gst_live_avatar_src_audio_chain));
  gst_pad_set_event_function (pad,
      GST_DEBUG_FUNCPTR (gst_live_avatar_src_audio_event));
  gst_pad_set_query_function (pad,
      GST_DEBUG_FUNCPTR (gst_live_avatar_src_audio_query));
  gst_pad_set_activatemode_function (pad,
      GST_DEBUG_FUNCPTR (gst_live_avatar_src_audio_activate_mode));
  gst_pad_set_link_function (pad,
      GST_DEBUG_FUNCPTR (gst_live_avatar_src_audio_link));
  GST_PAD_SET_ACCEPT_TEMPLATE (pad);

  self->audiopad = pad;
  self->audio_flushing = TRUE;
  self->audio_eos = FALSE;
  self->audio_caps = FALSE;
  SRC_UNLOCK (self);

  GST_DEBUG_OBJECT (self, "audio pad requested");
  gst_element_add_pad (element, pad);
  return pad;

  /* ERRORS */
wrong_name:
  {
    GST_WARNING_OBJECT (self, "the audio pad is called \"audio\", not \"%s\"",
        name);
    return NULL;
  }
exists:
  {
    SRC_UNLOCK (self);
    GST_WARNING_OBJECT (self, "there is an audio pad already");
    return NULL;
  }
}

static void
gst_live_avatar_src_release_pad (GstElement * element, GstPad * pad)
{
  GstLiveAvatarSrc *self = GST_LIVE_AVATAR_SRC (element);
  gboolean latency_changed;

  SRC_LOCK (self);
  if (pad != self->audiopad) {
    SRC_UNLOCK (self);
    return;
  }
  /* from now on the avatar idles: missing audio is silence at once */
  self->audiopad = NULL;
  self->audio_flushing = TRUE;
  latency_changed = self->upstream_latency != 0;
  self->upstream_latency = 0;
  gst_live_avatar_src_locked_clear_audio (self);
  gst_live_avatar_src_locked_wake (self);
  SRC_UNLOCK (self);

  GST_DEBUG_OBJECT (self, "audio pad released");
  gst_pad_set_active (pad, FALSE);
  gst_element_remove_pad (element, pad);
  if (latency_changed)
    gst_live_avatar_src_post_latency (self);
}

/* ---- base source ---- */

static GstCaps *
gst_live_avatar_src_get_caps (GstBaseSrc * bsrc, GstCaps * filter)
{
  GstLiveAvatarSrc *self = GST_LIVE_AVATAR_SRC (bsrc);
  GstCaps *caps, *result;
  gint width, height;

  /* the engine's size once it exists: it may differ from settings changed
   * in READY, which apply from the next NULL to READY */
  SRC_LOCK (self);
  if (self->engine != NULL) {
    const LaEngineConfig *cfg = la_engine_get_config (self->engine);

    width = cfg->width;
    height = cfg->height;
  } else {
    GST_OBJECT_LOCK (self);
    width = self->settings.width;
    height = self->settings.height;
    GST_OBJECT_UNLOCK (self);
  }
  SRC_UNLOCK (self);

  caps = gst_pad_get_pad_template_caps (GST_BASE_SRC_PAD (bsrc));
  caps = gst_caps_make_writable (caps);
  gst_caps_set_simple (caps, "width", G_TYPE_INT, width, "height",
      G_TYPE_INT, height, NULL);

  if (filter == NULL)
    return caps;
  result = gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST);
  gst_caps_unref (caps);
  return result;
}

static gboolean
gst_live_avatar_src_set_caps (GstBaseSrc * bsrc, GstCaps * caps)
{
  GstLiveAvatarSrc *self = GST_LIVE_AVATAR_SRC (bsrc);
  GstVideoInfo info;
  LaPixelFormat format;
  LaSession *session;

  if (!gst_video_info_from_caps (&info, caps))
    goto invalid_caps;

  switch (GST_VIDEO_INFO_FORMAT (&info)) {
    case GST_VIDEO_FORMAT_RGB:
      format = LA_PIXEL_FORMAT_RGB;
      break;
    case GST_VIDEO_FORMAT_RGBA:
      format = LA_PIXEL_FORMAT_RGBA;
      break;
    case GST_VIDEO_FORMAT_I420:
      format = LA_PIXEL_FORMAT_I420;
      break;
    default:
      goto invalid_caps;
  }

  SRC_LOCK (self);
  if (self->session != NULL && self->format == format) {
    self->vinfo = info;
    SRC_UNLOCK (self);
    return TRUE;
  }
  /* a new format needs a new session; the old one's work is lost */
  session = self->session;
  self->session = NULL;
  if (session != NULL) {
    la_session_set_flushing (session, TRUE);
    gst_live_avatar_src_locked_wake (self);
    while (self->feeder_busy)
      SRC_WAIT (self);
  }
  SRC_UNLOCK (self);

  gst_live_avatar_free_session (self->changer, session);

  GST_DEBUG_OBJECT (self, "new session for %" GST_PTR_FORMAT, caps);
  /* engine and picture stay while streaming */
  session = gst_live_avatar_create_session (GST_ELEMENT_CAST (self),
      &self->settings, self->engine, self->image, self->changer, format);
  if (session == NULL)
    return FALSE;

  SRC_LOCK (self);
  self->session = session;
  self->format = format;
  self->vinfo = info;
  if (self->flushing) {
    la_session_set_flushing (session, TRUE);
    self->session_flushed = TRUE;
  }
  if (self->started)
    gst_live_avatar_src_locked_rebase (self);
  SRC_BROADCAST (self);
  SRC_UNLOCK (self);
  return TRUE;

  /* ERRORS */
invalid_caps:
  {
    GST_ERROR_OBJECT (self, "unsupported caps %" GST_PTR_FORMAT, caps);
    return FALSE;
  }
}

static gboolean
gst_live_avatar_src_decide_allocation (GstBaseSrc * bsrc, GstQuery * query)
{
  GstLiveAvatarSrc *self = GST_LIVE_AVATAR_SRC (bsrc);
  gboolean video_meta;

  video_meta = gst_query_find_allocation_meta (query,
      GST_VIDEO_META_API_TYPE, NULL);

  /* the buffers wrap the engine's frames: no pool to activate */
  while (gst_query_get_n_allocation_pools (query) > 0)
    gst_query_remove_nth_allocation_pool (query, 0);

  SRC_LOCK (self);
  self->downstream_video_meta = video_meta;
  SRC_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_live_avatar_src_start (GstBaseSrc * bsrc)
{
  GstLiveAvatarSrc *self = GST_LIVE_AVATAR_SRC (bsrc);
  GError *err = NULL;
  GThread *feeder;

  SRC_LOCK (self);
  self->started = FALSE;
  self->origin = 0;
  self->n_frames = 0;
  self->engine_frame0 = 0;
  self->fed = 0;
  self->discont = TRUE;
  self->compute_latency = 0;
  self->flushing = FALSE;
  self->session_flushed = FALSE;
  self->feeder_quit = FALSE;
  self->feed_error = FALSE;
  self->audio_dropped = 0;
  memset (&self->stats_info, 0, sizeof (self->stats_info));
  self->stats_info.source = TRUE;
  SRC_UNLOCK (self);

  /* it waits for a session and the first frame's request */
  feeder = g_thread_try_new ("liveavatarsrc-feed", gst_live_avatar_src_feeder,
      self, &err);
  if (feeder == NULL)
    goto no_thread;

  SRC_LOCK (self);
  self->feeder = feeder;
  SRC_UNLOCK (self);
  return TRUE;

  /* ERRORS */
no_thread:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, (NULL),
        ("could not start the feeder thread: %s", err->message));
    g_clear_error (&err);
    return FALSE;
  }
}

static gboolean
gst_live_avatar_src_stop (GstBaseSrc * bsrc)
{
  GstLiveAvatarSrc *self = GST_LIVE_AVATAR_SRC (bsrc);
  LaSession *session;
  GThread *feeder;

  SRC_LOCK (self);
  self->feeder_quit = TRUE;
  if (self->session != NULL)
    la_session_set_flushing (self->session, TRUE);
  gst_live_avatar_src_locked_wake (self);
  feeder = self->feeder;
  self->feeder = NULL;
  SRC_UNLOCK (self);

  if (feeder != NULL)
    g_thread_join (feeder);

  SRC_LOCK (self);
  session = self->session;
  self->session = NULL;
  SRC_UNLOCK (self);

  gst_live_avatar_free_session (self->changer, session);
  return TRUE;
}

static gboolean
gst_live_avatar_src_is_seekable (GstBaseSrc * bsrc)
{
  return FALSE;
}

static gboolean
gst_live_avatar_src_unlock (GstBaseSrc * bsrc)
{
  GstLiveAvatarSrc *self = GST_LIVE_AVATAR_SRC (bsrc);

  GST_DEBUG_OBJECT (self, "unlock");
  SRC_LOCK (self);
  self->flushing = TRUE;
  if (self->session != NULL) {
    la_session_set_flushing (self->session, TRUE);
    self->session_flushed = TRUE;
  }
  if (self->release_clock_id != NULL)
    gst_clock_id_unschedule (self->release_clock_id);
  gst_live_avatar_src_locked_wake (self);
  SRC_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_live_avatar_src_unlock_stop (GstBaseSrc * bsrc)
{
  GstLiveAvatarSrc *self = GST_LIVE_AVATAR_SRC (bsrc);

  GST_DEBUG_OBJECT (self, "unlock stop");
  SRC_LOCK (self);
  if (self->session_flushed) {
    /* audio from before the flush must not reach the restarted engine:
     * the feeder's push returns at once on a flushing session, and while
     * we are flushing it starts no other */
    while (self->feeder_busy)
      SRC_WAIT (self);
    self->session_flushed = FALSE;
    if (self->session != NULL)
      la_session_set_flushing (self->session, FALSE);
    gst_live_avatar_src_locked_rebase (self);
  }
  self->flushing = FALSE;
  SRC_BROADCAST (self);
  SRC_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_live_avatar_src_query (GstBaseSrc * bsrc, GstQuery * query)
{
  GstLiveAvatarSrc *self = GST_LIVE_AVATAR_SRC (bsrc);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY:{
      GstClockTime upstream = 0, min, max;
      GstPad *audiopad = NULL;

      SRC_LOCK (self);
      if (self->audiopad != NULL)
        audiopad = gst_object_ref (self->audiopad);
      SRC_UNLOCK (self);

      /* audio from a live upstream arrives that much after its running
       * time: its deadlines and our latency include it */
      if (audiopad != NULL) {
        GstQuery *q = gst_query_new_latency ();
        GstClockTime umin;
        gboolean live;

        if (gst_pad_peer_query (audiopad, q)) {
          gst_query_parse_latency (q, &live, &umin, NULL);
          if (live && GST_CLOCK_TIME_IS_VALID (umin))
            upstream = umin;
        }
        gst_query_unref (q);
        gst_object_unref (audiopad);
      }

      SRC_LOCK (self);
      if (upstream != self->upstream_latency) {
        self->upstream_latency = upstream;
        gst_live_avatar_src_locked_wake (self);
      }
      min = gst_live_avatar_src_locked_latency (self);
      SRC_UNLOCK (self);
      max = min + samples_to_time (AUDIO_HOLD_SAMPLES);

      GST_DEBUG_OBJECT (self, "latency min %" GST_TIME_FORMAT " max %"
          GST_TIME_FORMAT " (audio upstream %" GST_TIME_FORMAT ")",
          GST_TIME_ARGS (min), GST_TIME_ARGS (max), GST_TIME_ARGS (upstream));
      gst_query_set_latency (query, gst_base_src_is_live (bsrc), min, max);
      return TRUE;
    }
    default:
      return GST_BASE_SRC_CLASS (parent_class)->query (bsrc, query);
  }
}

/* Counts the block @frame (our frame @n, at @pts) starts, if it starts
 * one, and makes its stats message when they are wanted. Called with the
 * lock. */
static GstMessage *
gst_live_avatar_src_locked_stats (GstLiveAvatarSrc * self,
    LaSession * session, LaFrame * frame, guint64 n, GstClockTime pts)
{
  GstLiveAvatarStatsInfo *info = &self->stats_info;
  LaBlockStats block;

  if (!la_frame_get_block_stats (frame, &block))
    return NULL;
  gst_live_avatar_stats_count (info, &block);
  if (!self->stats)
    return NULL;

  info->frame = n;
  info->pts = pts;
  /* our PTS are running times (plus the segment start, 0 unless seeked) */
  info->running_time = gst_segment_to_running_time (&GST_BASE_SRC_CAST
      (self)->segment, GST_FORMAT_TIME, pts);
  info->latency = gst_live_avatar_src_locked_latency (self);
  info->audio_dropped = self->audio_dropped;
  return gst_live_avatar_stats_message_new (GST_ELEMENT_CAST (self), &block,
      session, info);
}

static GstFlowReturn
gst_live_avatar_src_create (GstPushSrc * psrc, GstBuffer ** outbuf)
{
  GstLiveAvatarSrc *self = GST_LIVE_AVATAR_SRC (psrc);
  LaSession *session;
  LaFrame *frame = NULL;
  LaPopResult res;
  GError *err = NULL;
  GstFlowReturn ret;
  GstBuffer *buffer;
  GstMessage *stats_msg;
  GstClockTime pts;
  guint64 n;
  gboolean latency_grew, new_reference;

  SRC_LOCK (self);
  if (self->flushing)
    goto flushing;
  if (self->session == NULL)
    goto not_negotiated;
  if (!self->started)
    gst_live_avatar_src_locked_start_timeline (self);
  n = self->n_frames;
  session = self->session;
  SRC_UNLOCK (self);

  /* the feeder gives the engine the audio; frames come when their block
   * is done */
  res = la_session_pop_frame (session, &frame, -1, &err);

  SRC_LOCK (self);
  if (self->feed_error)
    res = LA_POP_ERROR;
  switch (res) {
    case LA_POP_FRAME:
      break;
    case LA_POP_FLUSHING:
      ret = GST_FLOW_FLUSHING;
      goto done;
    case LA_POP_ERROR:
      /* the feeder posted its own failure */
      if (err != NULL && !self->feed_error)
        gst_live_avatar_post_error (GST_ELEMENT_CAST (self), err,
            "Could not generate a frame");
      g_clear_error (&err);
      ret = GST_FLOW_ERROR;
      goto done;
    default:
      /* never drained, no timeout asked */
      GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL),
          ("the engine returned %d from pop_frame", res));
      ret = GST_FLOW_ERROR;
      goto done;
  }

  if (frame->index != n - self->engine_frame0)
    GST_WARNING_OBJECT (self, "engine frame %" G_GUINT64_FORMAT ", expected %"
        G_GUINT64_FORMAT, frame->index, n - self->engine_frame0);

  pts = gst_live_avatar_src_locked_pts (self, n);
  ret = gst_live_avatar_src_locked_wait_release (self, pts);
  if (ret != GST_FLOW_OK)
    goto done;

  new_reference = (frame->flags & LA_FRAME_FLAG_NEW_REFERENCE) != 0;
  latency_grew = gst_live_avatar_src_locked_update_compute (self, session);
  stats_msg = gst_live_avatar_src_locked_stats (self, session, frame, n, pts);
  buffer = gst_live_avatar_src_locked_wrap_frame (self, frame);
  frame = NULL;
  if (buffer == NULL) {
    gst_clear_message (&stats_msg);
    goto wrong_frame;
  }

  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DURATION (buffer) = gst_live_avatar_src_locked_pts (self,
      n + 1) - pts;
  GST_BUFFER_OFFSET (buffer) = n;
  GST_BUFFER_OFFSET_END (buffer) = n + 1;
  if (self->discont) {
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
    self->discont = FALSE;
  }
  self->n_frames = n + 1;
  SRC_UNLOCK (self);

  GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT " pts %" GST_TIME_FORMAT,
      n, GST_TIME_ARGS (pts));
  if (new_reference)
    gst_live_avatar_image_post_shown (GST_ELEMENT_CAST (self), pts, n);
  if (latency_grew)
    gst_live_avatar_src_post_latency (self);
  if (stats_msg != NULL)
    gst_element_post_message (GST_ELEMENT_CAST (self), stats_msg);
  *outbuf = buffer;
  return GST_FLOW_OK;

done:
  SRC_UNLOCK (self);
  if (frame != NULL)
    la_frame_unref (frame);
  GST_DEBUG_OBJECT (self, "no frame: %s", gst_flow_get_name (ret));
  return ret;

  /* ERRORS */
flushing:
  {
    SRC_UNLOCK (self);
    return GST_FLOW_FLUSHING;
  }
not_negotiated:
  {
    SRC_UNLOCK (self);
    return GST_FLOW_NOT_NEGOTIATED;
  }
wrong_frame:
  {
    SRC_UNLOCK (self);
    GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL),
        ("the engine returned a frame of the wrong size or format"));
    return GST_FLOW_ERROR;
  }
}

/* ---- audio pad ---- */

/* Where @buffer goes on the timeline, in samples of running time. Called
 * with the lock. */
static guint64
gst_live_avatar_src_locked_audio_position (GstLiveAvatarSrc * self,
    GstBuffer * buffer)
{
  GstClockTime ts = GST_BUFFER_PTS (buffer);
  guint64 rt, pos;

  if (GST_CLOCK_TIME_IS_VALID (ts)) {
    rt = gst_segment_to_running_time (&self->audio_segment, GST_FORMAT_TIME,
        ts);
    if (GST_CLOCK_TIME_IS_VALID (rt)) {
      pos = gst_util_uint64_scale_round (rt, LA_SAMPLE_RATE, GST_SECOND);
      if (!self->audio_next_valid ||
          GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DISCONT))
        return pos;
      if (pos + AUDIO_ALIGN_SAMPLES >= self->audio_next &&
          pos <= self->audio_next + AUDIO_ALIGN_SAMPLES)
        return self->audio_next;
      GST_DEBUG_OBJECT (self, "audio at %" GST_TIME_FORMAT ", expected %"
          GST_TIME_FORMAT ": resync", GST_TIME_ARGS (rt),
          GST_TIME_ARGS (samples_to_time (self->audio_next)));
      return pos;
    }
  }
  /* no timestamp: after the previous buffer, or at the next free slot */
  return self->audio_next_valid ? self->audio_next : self->fed;
}

static GstFlowReturn
gst_live_avatar_src_audio_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buffer)
{
  GstLiveAvatarSrc *self = GST_LIVE_AVATAR_SRC (parent);
  AudioChunk *chunk;
  guint64 pos, n;

  SRC_LOCK (self);
  if (self->audio_flushing)
    goto flushing;
  if (self->audio_eos)
    goto eos;
  if (!self->audio_caps)
    goto not_negotiated;

  buffer = gst_audio_buffer_clip (buffer, &self->audio_segment,
      LA_SAMPLE_RATE, sizeof (gfloat));
  if (buffer == NULL)
    goto clipped;
  n = gst_buffer_get_size (buffer) / sizeof (gfloat);
  if (n == 0)
    goto empty;

  pos = gst_live_avatar_src_locked_audio_position (self, buffer);
  self->audio_next = pos + n;
  self->audio_next_valid = TRUE;

  /* hold what is early, up to a bound: then block upstream */
  while (!self->audio_flushing && self->audio_held > 0 &&
      self->audio_held + n > AUDIO_HOLD_SAMPLES)
    SRC_WAIT (self);
  if (self->audio_flushing)
    goto flushing;

  chunk = g_new0 (AudioChunk, 1);
  chunk->buffer = buffer;
  chunk->pos = pos;
  chunk->n = n;
  g_queue_push_tail (&self->audio, chunk);
  self->audio_held += n;
  GST_LOG_OBJECT (self, "audio %" GST_TIME_FORMAT " + %" G_GUINT64_FORMAT
      " samples, %" G_GUINT64_FORMAT " held", GST_TIME_ARGS (samples_to_time
          (pos)), n, self->audio_held);
  gst_live_avatar_src_locked_wake (self);
  SRC_UNLOCK (self);
  return GST_FLOW_OK;

  /* ERRORS */
flushing:
  {
    SRC_UNLOCK (self);
    gst_clear_buffer (&buffer);
    return GST_FLOW_FLUSHING;
  }
eos:
  {
    SRC_UNLOCK (self);
    gst_buffer_unref (buffer);
    return GST_FLOW_EOS;
  }
not_negotiated:
  {
    SRC_UNLOCK (self);
    gst_buffer_unref (buffer);
    GST_WARNING_OBJECT (self, "audio without (accepted) caps");
    return GST_FLOW_NOT_NEGOTIATED;
  }
clipped:
  {
    SRC_UNLOCK (self);
    GST_LOG_OBJECT (self, "audio outside the segment");
    return GST_FLOW_OK;
  }
empty:
  {
    SRC_UNLOCK (self);
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
}

/* A GAP is silence we need not wait for. Called with the lock. */
static void
gst_live_avatar_src_locked_audio_gap (GstLiveAvatarSrc * self, GstEvent * event)
{
  GstClockTime ts, duration, rt;
  AudioChunk *chunk;
  guint64 pos, n;

  gst_event_parse_gap (event, &ts, &duration);
  if (!GST_CLOCK_TIME_IS_VALID (ts) || !GST_CLOCK_TIME_IS_VALID (duration))
    return;
  rt = gst_segment_to_running_time (&self->audio_segment, GST_FORMAT_TIME, ts);
  if (!GST_CLOCK_TIME_IS_VALID (rt))
    return;

  pos = gst_util_uint64_scale_round (rt, LA_SAMPLE_RATE, GST_SECOND);
  n = gst_util_uint64_scale_round (duration, LA_SAMPLE_RATE, GST_SECOND);
  if (n == 0)
    return;

  chunk = g_new0 (AudioChunk, 1);
  chunk->pos = pos;
  chunk->n = n;
  g_queue_push_tail (&self->audio, chunk);
  self->audio_next = pos + n;
  self->audio_next_valid = TRUE;
  gst_live_avatar_src_locked_wake (self);
}

static gboolean
gst_live_avatar_src_audio_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstLiveAvatarSrc *self = GST_LIVE_AVATAR_SRC (parent);
  gboolean res = TRUE;

  GST_DEBUG_OBJECT (pad, "%" GST_PTR_FORMAT, event);

  /* The audio only feeds the engine: nothing of its stream goes
   * downstream, so every event ends here. */
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_STREAM_START:
      SRC_LOCK (self);
      self->audio_eos = FALSE;
      self->audio_next_valid = FALSE;
      SRC_UNLOCK (self);
      break;
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      GstAudioInfo info;

      gst_event_parse_caps (event, &caps);
      res = gst_audio_info_from_caps (&info, caps) &&
          GST_AUDIO_INFO_FORMAT (&info) == GST_AUDIO_FORMAT_F32LE &&
          GST_AUDIO_INFO_RATE (&info) == LA_SAMPLE_RATE &&
          GST_AUDIO_INFO_CHANNELS (&info) == 1;
      if (!res)
        GST_WARNING_OBJECT (pad, "refusing caps %" GST_PTR_FORMAT, caps);
      SRC_LOCK (self);
      self->audio_caps = res;
      SRC_UNLOCK (self);
      break;
    }
    case GST_EVENT_SEGMENT:{
      const GstSegment *segment;

      gst_event_parse_segment (event, &segment);
      if (segment->format != GST_FORMAT_TIME) {
        GST_WARNING_OBJECT (pad, "refusing a %s segment",
            gst_format_get_name (segment->format));
        res = FALSE;
        break;
      }
      SRC_LOCK (self);
      gst_segment_copy_into (segment, &self->audio_segment);
      SRC_UNLOCK (self);
      break;
    }
    case GST_EVENT_GAP:
      SRC_LOCK (self);
      if (!self->audio_flushing && !self->audio_eos)
        gst_live_avatar_src_locked_audio_gap (self, event);
      SRC_UNLOCK (self);
      break;
    case GST_EVENT_EOS:
      /* no more audio: what is held still plays, then silence */
      SRC_LOCK (self);
      self->audio_eos = TRUE;
      gst_live_avatar_src_locked_wake (self);
      SRC_UNLOCK (self);
      break;
    case GST_EVENT_FLUSH_START:
      SRC_LOCK (self);
      self->audio_flushing = TRUE;
      gst_live_avatar_src_locked_clear_audio (self);
      gst_live_avatar_src_locked_wake (self);
      SRC_UNLOCK (self);
      break;
    case GST_EVENT_FLUSH_STOP:
      SRC_LOCK (self);
      self->audio_flushing = FALSE;
      self->audio_eos = FALSE;
      gst_segment_init (&self->audio_segment, GST_FORMAT_TIME);
      gst_live_avatar_src_locked_clear_audio (self);
      SRC_UNLOCK (self);
      break;
    default:
      break;
  }

  gst_event_unref (event);
  return res;
}

static gboolean
gst_live_avatar_src_audio_query (GstPad * pad, GstObject * parent,
    GstQuery * query)
{
  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_CAPS:
    case GST_QUERY_ACCEPT_CAPS:
      return gst_pad_query_default (pad, parent, query);
    default:
      /* not forwarded: the video downstream has nothing to say on audio */
      return FALSE;
  }
}

static gboolean
gst_live_avatar_src_audio_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active)
{
  GstLiveAvatarSrc *self = GST_LIVE_AVATAR_SRC (parent);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;

  /* Called before deactivation takes the stream lock: the chain may be
   * holding it, blocked on a full hold, so wake it here. */
  SRC_LOCK (self);
  self->audio_flushing = !active;
  self->audio_eos = FALSE;
  if (active) {
    self->audio_caps = FALSE;
    gst_segment_init (&self->audio_segment, GST_FORMAT_TIME);
  }
  gst_live_avatar_src_locked_clear_audio (self);
  gst_live_avatar_src_locked_wake (self);
  SRC_UNLOCK (self);
  return TRUE;
}

static GstPadLinkReturn
gst_live_avatar_src_audio_link (GstPad * pad, GstObject * parent, GstPad * peer)
{
  /* a live audio upstream adds its latency to ours: have it queried */
  if (parent != NULL)
    gst_element_post_message (GST_ELEMENT_CAST (parent),
        gst_message_new_latency (parent));
  return GST_PAD_LINK_OK;
}
