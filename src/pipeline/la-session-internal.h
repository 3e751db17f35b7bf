/* liveavatar: the session's state, shared by the session and its stages
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The pipeline of one session:
 *
 *   push_audio -> q0 -> audio -> q1 -> DiT 0 -> ... -> qP -> DiT P-1 -> qP+1
 *   (caller)             thread        thread              thread
 *
 *     -> VAE -> output -> pop_frame
 *        thread (frames)   (caller)
 *
 * stages[i] reads queues[i]; the VAE stage writes the output queue. Each
 * queue holds queue_blocks blocks (the output queue queue_blocks * 12
 * frames), so a stalled consumer stops the producer: back-pressure.
 *
 * Locking: session->lock guards everything below it in the struct that is
 * not marked otherwise. Queue locks nest inside it (flushing sets every
 * queue's state with the session lock held, so queue and session states
 * never disagree for long); nothing takes the session lock while holding
 * a queue lock, and nobody waits on a queue with the session lock held.
 *
 * Flushing and errors both halt the pipeline: every queue is set flushing
 * (items discarded, waiters woken) and the epoch moves on. Stages that wake
 * up wait on session->cond until the session runs again; a stage that was
 * busy drops its result when it sees the old epoch, and resets its state
 * (caches) at the first block of a new epoch.
 */

#ifndef __LA_SESSION_INTERNAL_H__
#define __LA_SESSION_INTERNAL_H__

#include "liveavatar.h"
#include "la-block.h"
#include "la-device.h"
#include "la-engine-private.h"
#include "la-queue.h"
#include "la-reference.h"
#include "la-trace.h"

G_BEGIN_DECLS

typedef enum
{
  LA_STAGE_AUDIO,
  LA_STAGE_DIT,
  LA_STAGE_VAE
} LaStageKind;

/* what a DiT stage keeps per device between blocks: the test model's
 * stand-in for Live Avatar's per-step KV cache */
typedef struct
{
  guint64 next_block;           /* blocks must come in order, like a cache */
  guint64 blocks_seen;
} LaDitDeviceState;

typedef struct _LaStage LaStage;

struct _LaStage
{
  LaSession *session;
  LaStageKind kind;
  guint id;                     /* pipeline position = stats index */
  gchar *name;
  LaQueue *in;
  LaQueue *out;                 /* next stage's input; VAE: the output queue */
  GThread *thread;

  /* owned by the stage thread */
  guint state_epoch;

  /* audio and DiT 0: prompt serial seen last */
  guint prompt_serial;

  /* audio, model=liveavatar: the stream samples [history_start, + len)
   * the front-end's next windows still need (blocks come in order; the
   * look-back reaches into blocks already gone) */
  GArray *history;
  guint64 history_start;

  /* DiT: serial of the reference picture the stage's sink caches were
   * filled with (0: none; reset with the state) */
  guint reference_serial;

  /* DiT */
  guint first_step, end_step;   /* steps [first, end) of every block */
  const LaDeviceGroup *group;
  LaDitDeviceState device_state[LA_MAX_DEVICES];
  /* model=liveavatar: steps [first_step, end_step) (index - first_step),
   * each with its own caches; the generated sink frame this stage took,
   * for block sink_block of epoch sink_epoch */
  LaAvatarStep *steps[LA_MAX_SAMPLE_STEPS];
  LaAvatar *avatar;             /* its device's (the engine's stage_avatar) */
  gfloat *sink_latent;
  guint64 sink_block;
  guint sink_epoch;             /* 0: none */

  /* VAE */
  const LaDevice *device;
  guint reference_shown;        /* serial of the picture the frames show;
                                 * kept across flushes */
  guint64 next_block;
  LaFrame *last_frame;          /* last generated picture, for QoS repeats */
  guint8 *rgb;                  /* render scratch */
  /* rendered, not yet output: a block's, or a clip's */
  LaFrame *pending[LA_FRAMES_PER_BLOCK * LA_BLOCKS_PER_CLIP];
  guint n_pending;
  /* model=liveavatar: the streaming decoder, primed at the first block of
   * an epoch; without online decode, the blocks of the clip so far (their
   * frames leave together once the clip is decoded) */
  LaAvatarDecoder *decoder;
  gboolean primed;
  GPtrArray *held;              /* LaBlock, stolen */
};

struct _LaSession
{
  LaEngine *engine;
  LaPixelFormat format;
  guint64 seed;
  gchar *reference_image;
  guint queue_blocks;

  guint n_stages;               /* P + 2 */
  LaStage *stages;
  LaQueue **queues;             /* queues[i]: input of stages[i] */
  LaQueue *output;              /* LaOutputItem */
  LaTrace *trace;               /* own lock */

  GMutex lock;
  GCond cond;                   /* halted / stopping changed, sink
                                 * published */
  guint epoch;                  /* written with the lock, read atomically */
  gboolean flushing;
  gboolean stopping;            /* la_session_free */
  GError *error;                /* a stage failed */
  gboolean drained;             /* la_session_drain was called */
  gboolean eos;                 /* pop_frame returned the end */

  GArray *pending;              /* gfloat: audio not yet cut into a block */
  guint64 samples_pushed;
  guint64 next_block;

  gchar *prompt;
  guint prompt_serial;
  guint64 earliest_frame;

  /* model=liveavatar */
  LaAvatar *avatar;             /* the engine's, of the vae-device: the
                                 * audio, prompt, picture and VAE work;
                                 * DiT stages use their own */
  LaAvatarPrompt *avatar_prompt;        /* encoded, in force for the next
                                         * block cut */
  GThread *prompt_thread;       /* encodes set_prompt's text */
  GCond prompt_cond;            /* prompt_request / prompt_busy changed */
  gchar *prompt_request;        /* text waiting to be encoded */
  gboolean prompt_requested;
  gboolean prompt_busy;         /* the worker is encoding */
  guint64 cond_block;           /* first block of the reference in force
                                 * this epoch (LaBlock cond_block) */
  /* the rolling sink: clean latent frame 0 [z, h, w] of block sink_block
   * of epoch sink_epoch, published by the last DiT stage */
  gfloat *sink_latent;
  guint64 sink_block;
  guint sink_epoch;             /* 0: nothing published */

  /* Reference pictures: @reference is in force and goes with every block
   * cut; @next_reference, the last one given, replaces it at the next clip
   * boundary. Neither changes on a flush. */
  LaReference *reference;
  LaReference *next_reference;
  guint reference_serial;       /* of the last one given */

  LaSessionStats stats;

  guint fault_stage;            /* G_MAXUINT: none */
  guint64 fault_block;
};

#define LA_SESSION_LOCK(s)   g_mutex_lock (&(s)->lock)
#define LA_SESSION_UNLOCK(s) g_mutex_unlock (&(s)->lock)

/* ---- session services for stages (la-session.c) */

guint la_session_get_epoch (LaSession * session);

/* Blocks while the session is flushing or failed. FALSE when it is being
 * freed: the stage must exit. */
gboolean la_session_wait_running (LaSession * session);

/* A stage failed on a block of @epoch: the session enters its error state
 * (unless that epoch is already gone). Takes @error. */
void la_session_fail (LaSession * session, guint epoch, GError * error);

/* The rolling sink (model=liveavatar): the last DiT stage publishes
 * @latent, block @block's clean latent frame 0 ([z, h, w] floats); a stage
 * that needs it waits in la_session_wait_sink and gets a copy in @dst.
 * FALSE (LA_ERROR_FLUSHING) when @epoch ended while waiting: flush, error
 * or la_session_free. */
void la_session_publish_sink (LaSession * session, guint epoch,
    guint64 block, const gfloat * latent);
gboolean la_session_wait_sink (LaSession * session, guint epoch,
    guint64 block, gfloat * dst, GError ** error);

/* TRUE, and @error set, when a test asked @stage to fail on @block */
gboolean la_session_take_fault (LaSession * session, guint stage,
    const LaBlock * block, GError ** error);

/* QoS: every frame of @block is before the earliest wanted frame */
gboolean la_session_block_is_late (LaSession * session,
    const LaBlock * block);

void la_session_record_stage (LaSession * session, guint stage, guint epoch,
    gint64 busy_us);
/* the VAE finished @block (generated or repeated), @block_us after its
 * audio was complete */
void la_session_record_block (LaSession * session, const LaBlock * block,
    gint64 block_us);

/* ---- stages (la-stage*.c) */

gboolean la_stage_start (LaStage * stage, GError ** error);
void la_stage_join (LaStage * stage);
void la_stage_clear (LaStage * stage);

/* per kind: work on @block in place; FALSE and @error on failure */
gboolean la_stage_audio_process (LaStage * stage, LaBlock * block,
    GError ** error);
void la_stage_audio_reset (LaStage * stage);
/* model=liveavatar: a stage's model state (steps, decoder), made in
 * la_session_new; freed by la_stage_clear */
gboolean la_stage_dit_init (LaStage * stage, GError ** error);
gboolean la_stage_vae_init (LaStage * stage, GError ** error);
gboolean la_stage_dit_process (LaStage * stage, LaBlock * block,
    GError ** error);
void la_stage_dit_reset (LaStage * stage);
gboolean la_stage_vae_process (LaStage * stage, LaBlock * block,
    GError ** error);
/* hands the frames la_stage_vae_process rendered to the output queue */
void la_stage_vae_emit (LaStage * stage, LaBlock * block);
void la_stage_vae_reset (LaStage * stage);

G_END_DECLS

#endif /* __LA_SESSION_INTERNAL_H__ */
