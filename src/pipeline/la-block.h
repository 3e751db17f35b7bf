/* liveavatar: the work items that travel between stages
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * A block job carries one block's audio through the stages and collects
 * what each stage makes of it (features, then the latent). The end marker
 * follows the last block of a drain through every stage, so "everything
 * before it is done" holds at each stage without extra bookkeeping.
 * Output items are what the last stage hands to la_session_pop_frame.
 * Every item carries the session epoch it was made in: after a flush the
 * epoch moves on and whoever meets an older item drops it.
 */

#ifndef __LA_BLOCK_H__
#define __LA_BLOCK_H__

#include "liveavatar.h"
#include "la-avatar.h"
#include "la-reference.h"
#include "la-test-model.h"

G_BEGIN_DECLS

typedef enum
{
  LA_BLOCK_AUDIO,               /* a block to generate */
  LA_BLOCK_END                  /* end of a drain: no more blocks this epoch */
} LaBlockKind;

typedef struct
{
  LaBlockKind kind;
  guint epoch;
  guint64 index;                /* block number since start / flush */

  guint n_frames;               /* frames to emit: 12, fewer after a drain */
  guint valid_samples;          /* pushed samples; the rest is padding */
  guint prompt_serial;          /* which prompt was current when it was cut */
  LaReference *reference;       /* the picture in force for it (owned), or
                                 * NULL when none was given */
  gint64 audio_complete_us;     /* monotonic time its audio was complete */
  gboolean skipped;             /* QoS: not generated, repeated */
  gint64 stage_us[LA_MAX_DEVICES + 2];  /* busy time of each stage on it */

  gfloat *samples;              /* LA_SAMPLES_PER_BLOCK + look-ahead */
  guint n_samples;
  /* the stream ended at this sample (drain): the audio front-end's window
   * stops there; G_MAXUINT64 while the stream goes on */
  guint64 stream_end;

  /* model=test */
  gdouble features[LA_FRAMES_PER_BLOCK];        /* audio front-end output */
  gdouble latent[LA_TEST_MODEL_LATENT_SIZE];    /* sampler state */

  /* model=liveavatar (NULL for the test model) */
  LaAvatarPrompt *prompt;       /* the encoded prompt in force when it was
                                 * cut (owned) */
  guint64 cond_block;           /* where reference's first clip starts, this
                                 * epoch: the block whose clean latent frame
                                 * 0 becomes the sink from the next clip on */
  gfloat *avatar_features;      /* [12, 25, audio_dim] */
  gfloat *avatar_latent;        /* [z, 3, h, w], denoised in place */
} LaBlock;

/* copies @n_samples samples */
LaBlock *la_block_new_audio (guint epoch, guint64 index,
    const gfloat * samples, guint n_samples);
LaBlock *la_block_new_end (guint epoch, guint64 index);
void la_block_free (LaBlock * block);

/* Moves everything @block holds into a new block and leaves @block empty
 * (but still to be freed): for a stage that keeps blocks past their
 * hand-on (the decoder waiting for a whole clip). */
LaBlock *la_block_steal (LaBlock * block);

typedef enum
{
  LA_OUTPUT_FRAME,
  LA_OUTPUT_EOS
} LaOutputKind;

typedef struct
{
  LaOutputKind kind;
  guint epoch;
  LaFrame *frame;               /* owned; NULL for EOS */
} LaOutputItem;

/* takes @frame */
LaOutputItem *la_output_item_new_frame (guint epoch, LaFrame * frame);
LaOutputItem *la_output_item_new_eos (guint epoch);
void la_output_item_free (LaOutputItem * item);

G_END_DECLS

#endif /* __LA_BLOCK_H__ */
