/* liveavatar engine: public API
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The engine turns 16 kHz mono float audio into video frames at 25 fps.
 * It knows nothing of GStreamer: the elements in gst/ are glue around it,
 * and the command-line tools and tests use it directly.
 *
 * Usage:
 *
 *   LaEngineConfig ec;  la_engine_config_init (&ec);
 *   ec.model = LA_MODEL_TEST;
 *   LaEngine *e = la_engine_new (&ec, &err);             load once
 *
 *   LaSessionConfig sc;  la_session_config_init (&sc);
 *   LaSession *s = la_session_new (e, &sc, &err);        one stream
 *
 *   la_session_push_audio (s, pcm, n, &err);             from the audio thread;
 *                                                        blocks when the stages are full
 *   LaFrame *f;
 *   la_session_pop_frame (s, &f, -1, &err);              from the output thread;
 *   ... f->index, f->data ...                            frames come in index order
 *   la_frame_unref (f);
 *
 *   la_session_drain (s);     end of audio: pad the last block, finish it;
 *                             pop then returns the remaining frames and LA_POP_EOS
 *   la_session_set_flushing (s, TRUE);   drop everything in flight, wake all waiters
 *   la_session_set_flushing (s, FALSE);  ready again, frame index restarts at 0
 *
 * Time: frame n covers samples [n * 640, (n + 1) * 640) of the audio pushed
 * since the session started (or since the last flush). The engine never deals
 * in timestamps: the caller owns time.
 *
 * Threading: push_audio and pop_frame may be called from two different
 * threads; set_flushing and the getters from any thread.
 */

#ifndef __LIVEAVATAR_H__
#define __LIVEAVATAR_H__

#include <glib.h>

G_BEGIN_DECLS

/* ---- geometry fixed by the model (Live Avatar on Wan2.2-S2V) ---- */

#define LA_SAMPLE_RATE          16000   /* Hz, mono float */
#define LA_FPS                  25      /* output frames per second */
#define LA_SAMPLES_PER_FRAME    (LA_SAMPLE_RATE / LA_FPS)       /* 640 */
#define LA_FRAMES_PER_LATENT    4       /* VAE temporal stride */
#define LA_LATENTS_PER_BLOCK    3
#define LA_FRAMES_PER_BLOCK     (LA_FRAMES_PER_LATENT * LA_LATENTS_PER_BLOCK) /* 12 */
#define LA_SAMPLES_PER_BLOCK    (LA_SAMPLES_PER_FRAME * LA_FRAMES_PER_BLOCK)  /* 7680 */
#define LA_BLOCKS_PER_CLIP      4
#define LA_DEFAULT_SAMPLE_STEPS 4
#define LA_MAX_SAMPLE_STEPS     8
#define LA_MAX_DEVICES          16

/* ---- errors ---- */

#define LA_ERROR (la_error_quark ())
GQuark la_error_quark (void);

typedef enum
{
  LA_ERROR_FAILED,              /* anything not listed below */
  LA_ERROR_INVALID_ARGUMENT,    /* a config value out of range or inconsistent */
  LA_ERROR_MODEL_NOT_FOUND,     /* model path missing or unreadable */
  LA_ERROR_MODEL_INVALID,       /* a checkpoint file is malformed */
  LA_ERROR_NOT_SUPPORTED,       /* asked for something this build cannot do */
  LA_ERROR_DEVICE,              /* bad device list, device missing, driver error */
  LA_ERROR_OUT_OF_MEMORY,       /* host or device memory exhausted */
  LA_ERROR_FLUSHING,            /* the call was interrupted by set_flushing (TRUE) */
  LA_ERROR_EOS,                 /* audio pushed after drain */
  LA_ERROR_INVALID_DATA         /* unusable input data (NaN or infinite audio) */
} LaError;

/* ---- configuration ---- */

typedef enum
{
  LA_MODEL_LIVEAVATAR,          /* the real model, read from model_path */
  LA_MODEL_TEST                 /* deterministic test pattern, no weights */
} LaModelKind;

typedef enum
{
  LA_BACKEND_AUTO,              /* CUDA when built with it and a GPU is present, else CPU */
  LA_BACKEND_CPU,               /* fp32 reference; devices are virtual (threads) */
  LA_BACKEND_CUDA
} LaBackendKind;

/* How the DiT stores its linear weights. The CPU backend computes in fp32
 * whatever the storage (bf16 and FP8 weights are widened as they are
 * used), so a narrower storage there shows what it costs in quality. */
typedef enum
{
  LA_PRECISION_AUTO,            /* FP32 on the CPU backend, BF16 on CUDA */
  LA_PRECISION_FP32,            /* the reference: fp32 weights */
  LA_PRECISION_BF16,            /* bf16 linear weights, as Live Avatar */
  LA_PRECISION_FP8              /* FP8 e4m3 linears, as Live Avatar's --fp8 */
} LaPrecision;

typedef enum
{
  LA_PIXEL_FORMAT_RGB,          /* packed, 3 bytes per pixel */
  LA_PIXEL_FORMAT_RGBA,         /* packed, 4 bytes per pixel, A = 255 */
  LA_PIXEL_FORMAT_I420          /* planar Y, U, V; U and V at half size, BT.601 limited range */
} LaPixelFormat;

typedef struct
{
  LaModelKind model;
  const gchar *model_path;      /* checkpoint folder; unused by LA_MODEL_TEST */
  LaBackendKind backend;
  const gchar *dit_devices;     /* comma-separated device indices, e.g. "0,1,2,3" */
  gint vae_device;              /* -1: the last DiT device */
  gint ulysses_size;            /* sequence-parallel group size; divides the DiT device count */
  gboolean vae_parallel;
  gboolean offload;             /* umT5 on the host: its weights in host memory and
                                 * prompts encoded there (slower prompt changes,
                                 * 10.6 GiB less GPU memory with the 14B model) */
  LaPrecision precision;
  gint width, height;           /* output size, multiples of 16 */
  gint sample_steps;            /* 1 .. LA_MAX_SAMPLE_STEPS */
  gboolean online_decode;       /* decode each block as soon as it is denoised */
} LaEngineConfig;

void la_engine_config_init (LaEngineConfig * cfg);

typedef struct
{
  LaPixelFormat format;
  const gchar *reference_image; /* path, or NULL: for the record only (the
                                 * engine decodes no image files): give the
                                 * pixels with la_session_set_reference_image */
  const gchar *prompt;          /* or NULL */
  guint64 seed;
  guint queue_blocks;           /* bound of each inter-stage queue, in blocks (>= 1) */
} LaSessionConfig;

void la_session_config_init (LaSessionConfig * cfg);

/* ---- engine ---- */

typedef struct _LaEngine LaEngine;

/* Validates the configuration, parses and opens the devices and loads the
 * model once. Returns NULL and sets @error on failure. */
LaEngine *la_engine_new (const LaEngineConfig * cfg, GError ** error);
void la_engine_free (LaEngine * engine);

/* Copy of the configuration the engine runs with (device lists resolved). */
const LaEngineConfig *la_engine_get_config (LaEngine * engine);

/* Number of DiT pipeline stages (devices / ulysses_size) */
guint la_engine_get_n_dit_stages (LaEngine * engine);

/* Audio look-ahead the front-end needs beyond a block's end before the block
 * can start, in samples (0 for the test model). */
guint la_engine_get_lookahead_samples (LaEngine * engine);

/* ---- frames ---- */

typedef enum
{
  LA_FRAME_FLAG_NONE = 0,
  LA_FRAME_FLAG_REPEATED = 1 << 0,      /* generation skipped (QoS), last picture repeated */
  LA_FRAME_FLAG_PADDING = 1 << 1,       /* covers silence added by drain, not pushed audio */
  LA_FRAME_FLAG_DISCONT = 1 << 2,       /* first frame after start or flush */
  LA_FRAME_FLAG_NEW_REFERENCE = 1 << 3  /* first frame made from a reference
                                         * picture the frames before it did
                                         * not show (la_session_set_reference_image) */
} LaFrameFlags;

typedef struct
{
  guint64 index;                /* frame number since session start / last flush */
  LaPixelFormat format;
  gint width, height;
  guint8 *data;                 /* all planes, owned by the frame */
  gsize size;
  gsize offset[3];              /* plane offsets; RGB/RGBA use plane 0 only */
  gint stride[3];
  guint flags;                  /* LaFrameFlags */
} LaFrame;

LaFrame *la_frame_ref (LaFrame * frame);
void la_frame_unref (LaFrame * frame);

/* What one block cost, as it went through the stages. Stages are numbered
 * as in LaSessionStats: 0 the audio front-end, 1 .. P the DiT stages,
 * P + 1 the VAE decoder. */
typedef struct
{
  guint64 block;                /* block index since start / last flush */
  guint n_frames;               /* its frames: 12, fewer at the end of a
                                 * drain */
  gboolean skipped;             /* QoS: not generated, its frames repeat
                                 * the last picture */
  gint64 total_us;              /* wall time from its audio being complete
                                 * to its frames being ready, waits in
                                 * full queues included */
  gint64 compute_us;            /* the stages' busy time on it, summed: its
                                 * latency when the engine keeps up */
  guint n_stages;
  gint64 stage_us[LA_MAX_DEVICES + 2];  /* busy time of each stage on it */
  guint n_devices[LA_MAX_DEVICES + 2];  /* devices each stage ran it on:
                                         * 0 for the audio front-end (host),
                                         * the Ulysses group for a DiT stage,
                                         * 1 for the VAE */
  guint devices[LA_MAX_DEVICES + 2][LA_MAX_DEVICES];    /* their indices */
} LaBlockStats;

/* The first frame of each block carries its block's stats: TRUE and
 * @stats filled for it, FALSE (and @stats untouched) for the other
 * frames. */
gboolean la_frame_get_block_stats (const LaFrame * frame,
    LaBlockStats * stats);

/* ---- session ---- */

typedef struct _LaSession LaSession;

typedef enum
{
  LA_POP_FRAME,                 /* *frame holds the next frame */
  LA_POP_TIMEOUT,               /* nothing within timeout_us */
  LA_POP_EOS,                   /* drained: every frame has been returned */
  LA_POP_FLUSHING,              /* set_flushing (TRUE) is in force */
  LA_POP_ERROR                  /* a stage failed; @error says why */
} LaPopResult;

/* The engine must outlive its sessions. */
LaSession *la_session_new (LaEngine * engine, const LaSessionConfig * cfg,
    GError ** error);
/* No other thread may be inside push_audio or pop_frame: set flushing
 * first and let them return. */
void la_session_free (LaSession * session);

/* Appends @n_samples samples (16 kHz, mono, float in [-1, 1]). Blocks while
 * the stages are full (back-pressure). Returns FALSE with LA_ERROR_FLUSHING
 * when flushing, LA_ERROR_EOS after drain, or a stage's error. */
gboolean la_session_push_audio (LaSession * session, const gfloat * pcm,
    gsize n_samples, GError ** error);

/* Appends @n_samples samples of silence (for gaps in the input). */
gboolean la_session_push_silence (LaSession * session, gsize n_samples,
    GError ** error);

/* Waits up to @timeout_us (-1: forever, 0: poll) for the next frame. */
LaPopResult la_session_pop_frame (LaSession * session, LaFrame ** frame,
    gint64 timeout_us, GError ** error);

/* End of audio: the last partial block is padded with silence and finished.
 * Frames then come out up to ceil (samples / 640), after which pop_frame
 * returns LA_POP_EOS. Returns at once. Call it from the thread that pushes
 * the audio. */
void la_session_drain (LaSession * session);

/* TRUE: every blocked call returns, all work in flight is discarded, every
 * stage's state (caches) is reset. FALSE: accepting audio again, frame and
 * sample counters restart at 0. TRUE then FALSE is also how a session
 * leaves its error state (LA_POP_ERROR). */
void la_session_set_flushing (LaSession * session, gboolean flushing);

/* QoS: frames with index < @frame_index are late and will be dropped by the
 * caller. Blocks all of whose frames are late are not generated: they come
 * out as copies of the last picture with LA_FRAME_FLAG_REPEATED. */
void la_session_set_earliest_frame (LaSession * session, guint64 frame_index);

/* Changes the prompt; it takes effect at the next block boundary.
 * model=liveavatar: the text is encoded (umT5) by a worker of the session,
 * never in the caller's thread; it takes effect with the first block cut
 * once it is encoded, and a text set meanwhile replaces it (the latest
 * wins). Longer texts are cut at the encoder's text length. An encoding
 * failure puts the session in its error state. */
gboolean la_session_set_prompt (LaSession * session, const gchar * prompt,
    GError ** error);

/* The picture of the person to animate: @height rows of @width packed RGB
 * pixels (3 bytes each), @stride bytes apart, already at the output size
 * (Live Avatar resizes the picture's short side to the output's short side
 * and centre-crops it; the caller does that, see la_size_for_area). The
 * pixels are copied. It takes effect at the next clip boundary: the first
 * block cut after this call whose index is a multiple of
 * LA_BLOCKS_PER_CLIP (every 1.92 s; after a flush block 0 is one), where
 * Live Avatar encodes its reference picture and primes its caches again.
 * Frames keep their count and timing; from that block on they show the new
 * picture. Give the first picture right after la_session_new, before any
 * audio. FALSE with LA_ERROR_INVALID_ARGUMENT when the size is not the
 * output size. model=liveavatar: the picture is VAE-encoded here, in the
 * caller's thread (it can take seconds), and errors of that encoding are
 * returned; a session without a picture fails at its first block
 * (LA_ERROR_INVALID_ARGUMENT). */
gboolean la_session_set_reference_image (LaSession * session,
    const guint8 * rgb, gint width, gint height, gint stride,
    GError ** error);

/* The output size Live Avatar generates for a reference picture of
 * @image_width x @image_height pixels when asked for `--size
 * @area_width*@area_height`: that size is an area, and the picture's aspect
 * decides the sides, multiples of 64 whose product is at most the area
 * (Live Avatar's get_size_less_than_area, reproduced to the pixel; see
 * la-reference.c). A pure function. FALSE (and 0 x 0) for sizes <= 0 or a
 * picture so thin that a side would be 0. */
gboolean la_size_for_area (gint image_width, gint image_height,
    gint area_width, gint area_height, gint * width, gint * height);

/* Live Avatar's Resize (min (H, W)) + CenterCrop ((H, W)) (torchvision,
 * causal_s2v_pipeline_tpp.py) of an image_width x image_height picture to
 * width x height: the picture is scaled to scaled_width x scaled_height
 * (the short side, the width when square, becomes min (width, height), the
 * other int (size * long / short)), then the copy_width x copy_height
 * pixels at (src_x, src_y) of the scaled picture go to (dst_x, dst_y) of
 * the output; where the scaled picture is smaller the rest is black. A
 * pure function; FALSE (and @crop untouched) for sizes <= 0. */
typedef struct
{
  gint scaled_width, scaled_height;
  gint src_x, src_y;
  gint dst_x, dst_y;
  gint copy_width, copy_height;
} LaCrop;

gboolean la_crop_for (gint image_width, gint image_height, gint width,
    gint height, LaCrop * crop);

typedef struct
{
  guint64 samples_pushed;       /* including silence */
  guint64 frames_out;           /* frames returned by pop_frame */
  guint64 blocks_generated;
  guint64 blocks_skipped;       /* by QoS */
  guint64 frames_repeated;
  gint64 last_block_us;         /* compute time of the last block: the
                                 * stages' busy time on it (not the waits
                                 * behind a slow consumer) */
  gint64 max_block_us;          /* maximum of that since start or flush */
  gint64 stage_us[LA_MAX_DEVICES + 2];  /* last block's busy time per stage:
                                         * audio, DiT stages..., VAE */
  guint n_stages;
  guint queue_depth[LA_MAX_DEVICES + 2];        /* items in each stage's input queue */
} LaSessionStats;

void la_session_get_stats (LaSession * session, LaSessionStats * stats);

G_END_DECLS

#endif /* __LIVEAVATAR_H__ */
