/* liveavatar: a session: one audio stream in, one frame stream out
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The caller's side of the pipeline described in la-session-internal.h:
 * push_audio cuts the audio into blocks and feeds the first stage (and
 * waits when it is full), pop_frame takes frames from the last one.
 * Frame n covers samples [640 n, 640 n + 640) since start or the last
 * flush; block b covers frames [12 b, 12 b + 12).
 *
 * model=liveavatar conditioning, made off the streaming threads:
 *  - the prompt is encoded (umT5) by the session's prompt worker; the
 *    latest text wins, and the encoded prompt goes with every block cut
 *    after it is ready (the initial one is encoded in la_session_new, so
 *    block 0 has it);
 *  - a reference picture is VAE-encoded in la_session_set_reference_image,
 *    in the caller's thread, and takes effect at the next clip boundary.
 *
 * What the viewer sees when the picture changes at a clip boundary (block
 * c, a multiple of 4): frame count and timing do not change, nothing is
 * dropped, repeated or inserted. Every step's attention sink is prefilled
 * again with the new picture (its latent and its motion latents), and
 * from the clip after, with block c's first generated latent frame (the
 * rolling sink, as after Live Avatar's first clip). The streaming decoder
 * is not primed again: its causal cache carries on from the old person
 * (priming would cost 3 frames), and each step's ring of keys still holds
 * the previous clip's frames of the old person. So the new person does
 * not appear as a cut: the frames of block c morph from the old face
 * towards the new one within the first block or two, the motion carrying
 * on; from then on the frames show the new picture (the first frame made
 * with it is flagged LA_FRAME_FLAG_NEW_REFERENCE).
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "la-session-internal.h"
#include "la-session-private.h"

#define MAX_QUEUE_BLOCKS 256

/* ---- helpers, session lock held */

static void
la_session_locked_halt_queues (LaSession * s, gboolean flushing)
{
  guint i;

  for (i = 0; i < s->n_stages; i++)
    la_queue_set_flushing (s->queues[i], flushing);
  la_queue_set_flushing (s->output, flushing);
}

static void
la_session_locked_next_epoch (LaSession * s)
{
  g_atomic_int_set (&s->epoch, s->epoch + 1);
}

/* the state a session starts in, and returns to after a flush */
static void
la_session_locked_reset (LaSession * s)
{
  g_array_set_size (s->pending, 0);
  s->samples_pushed = 0;
  s->next_block = 0;
  s->earliest_frame = 0;
  s->drained = FALSE;
  s->eos = FALSE;
  g_clear_error (&s->error);
  memset (&s->stats, 0, sizeof (s->stats));
  s->stats.n_stages = s->n_stages;
}

/* TRUE when audio may be pushed; else FALSE with the reason in @error */
static gboolean
la_session_locked_check_accepting (LaSession * s, GError ** error)
{
  if (s->flushing) {
    g_set_error (error, LA_ERROR, LA_ERROR_FLUSHING, "session is flushing");
    return FALSE;
  }
  if (s->error) {
    g_propagate_error (error, g_error_copy (s->error));
    return FALSE;
  }
  if (s->drained) {
    g_set_error (error, LA_ERROR, LA_ERROR_EOS,
        "audio pushed after drain (flush the session to start again)");
    return FALSE;
  }
  return TRUE;
}

/* samples a block job carries: the block plus the front-end's look-ahead */
static guint
la_session_block_span (LaSession * s)
{
  return LA_SAMPLES_PER_BLOCK + s->engine->lookahead_samples;
}

/* Cuts the next block from the pending audio (which holds at least one
 * block span); the look-ahead stays for the next block. A new reference
 * picture comes into force with the first block of a clip: Live Avatar
 * conditions a whole clip on one encoding of its picture. */
static LaBlock *
la_session_locked_cut_block (LaSession * s)
{
  LaBlock *block;

  if (s->next_block % LA_BLOCKS_PER_CLIP == 0 && s->next_reference != NULL) {
    la_reference_unref (s->reference);
    s->reference = g_steal_pointer (&s->next_reference);
    s->cond_block = s->next_block;
  }
  /* after a flush the picture in force starts over as at the start */
  if (s->next_block == 0)
    s->cond_block = 0;
  block = la_block_new_audio (s->epoch, s->next_block++,
      (const gfloat *) s->pending->data, la_session_block_span (s));
  block->prompt_serial = s->prompt_serial;
  block->cond_block = s->cond_block;
  if (s->avatar_prompt != NULL)
    block->prompt = la_avatar_prompt_ref (s->avatar_prompt);
  if (s->reference != NULL)
    block->reference = la_reference_ref (s->reference);
  g_array_remove_range (s->pending, 0, LA_SAMPLES_PER_BLOCK);
  return block;
}

/* ---- services for the stages */

guint
la_session_get_epoch (LaSession * s)
{
  return (guint) g_atomic_int_get (&s->epoch);
}

gboolean
la_session_wait_running (LaSession * s)
{
  gboolean running;

  LA_SESSION_LOCK (s);
  while ((s->flushing || s->error) && !s->stopping)
    g_cond_wait (&s->cond, &s->lock);
  running = !s->stopping;
  LA_SESSION_UNLOCK (s);
  return running;
}

void
la_session_fail (LaSession * s, guint epoch, GError * error)
{
  LA_SESSION_LOCK (s);
  if (s->flushing || s->stopping || s->error || epoch != s->epoch) {
    /* that work was being thrown away anyway */
    LA_SESSION_UNLOCK (s);
    g_error_free (error);
    return;
  }
  g_debug ("session failed: %s", error->message);
  s->error = error;
  la_session_locked_next_epoch (s);
  la_session_locked_halt_queues (s, TRUE);
  g_cond_broadcast (&s->cond);
  LA_SESSION_UNLOCK (s);
}

static gsize
la_session_sink_size (LaSession * s)
{
  return la_avatar_block_latent_size (s->avatar) / LA_LATENTS_PER_BLOCK;
}

void
la_session_publish_sink (LaSession * s, guint epoch, guint64 block,
    const gfloat * latent)
{
  gsize n = la_session_sink_size (s);

  LA_SESSION_LOCK (s);
  if (epoch == s->epoch) {
    if (s->sink_latent == NULL)
      s->sink_latent = g_new (gfloat, n);
    memcpy (s->sink_latent, latent, n * sizeof (gfloat));
    s->sink_epoch = epoch;
    s->sink_block = block;
    g_cond_broadcast (&s->cond);
  }
  LA_SESSION_UNLOCK (s);
}

/* Blocks go through the stages in order, so when the last stage publishes
 * block c's frame no stage still needs an earlier one: one slot is
 * enough. Flushing, failing and freeing all move the epoch on or set
 * stopping, and broadcast s->cond. */
gboolean
la_session_wait_sink (LaSession * s, guint epoch, guint64 block, gfloat * dst,
    GError ** error)
{
  gboolean ready;

  LA_SESSION_LOCK (s);
  for (;;) {
    ready = s->sink_epoch == epoch && s->sink_block == block;
    if (ready || s->epoch != epoch || s->stopping)
      break;
    g_cond_wait (&s->cond, &s->lock);
  }
  ready = ready && s->epoch == epoch && !s->stopping;
  if (ready)
    memcpy (dst, s->sink_latent, la_session_sink_size (s) * sizeof (gfloat));
  LA_SESSION_UNLOCK (s);

  if (!ready)
    g_set_error (error, LA_ERROR, LA_ERROR_FLUSHING,
        "the session stopped while block %" G_GUINT64_FORMAT "'s sink "
        "frame was awaited", block);
  return ready;
}

gboolean
la_session_take_fault (LaSession * s, guint stage, const LaBlock * block,
    GError ** error)
{
  gboolean fire;

  if (block->kind != LA_BLOCK_AUDIO)
    return FALSE;

  LA_SESSION_LOCK (s);
  fire = s->fault_stage == stage && s->fault_block == block->index;
  if (fire)
    s->fault_stage = G_MAXUINT;
  LA_SESSION_UNLOCK (s);

  if (fire)
    g_set_error (error, LA_ERROR, LA_ERROR_FAILED,
        "injected fault in stage %u at block %" G_GUINT64_FORMAT, stage,
        block->index);
  return fire;
}

gboolean
la_session_block_is_late (LaSession * s, const LaBlock * block)
{
  guint64 end = block->index * LA_FRAMES_PER_BLOCK + block->n_frames;
  gboolean late;

  LA_SESSION_LOCK (s);
  late = end <= s->earliest_frame;
  LA_SESSION_UNLOCK (s);
  return late;
}

void
la_session_record_stage (LaSession * s, guint stage, guint epoch,
    gint64 busy_us)
{
  LA_SESSION_LOCK (s);
  if (epoch == s->epoch && stage < G_N_ELEMENTS (s->stats.stage_us))
    s->stats.stage_us[stage] = busy_us;
  LA_SESSION_UNLOCK (s);
}

void
la_session_record_block (LaSession * s, const LaBlock * block, gint64 block_us)
{
  LaSessionStats *st = &s->stats;

  LA_SESSION_LOCK (s);
  if (block->epoch != s->epoch) {
    LA_SESSION_UNLOCK (s);
    return;
  }
  if (block->skipped) {
    st->blocks_skipped++;
    st->frames_repeated += block->n_frames;
  } else {
    st->blocks_generated++;
    st->last_block_us = block_us;
    st->max_block_us = MAX (st->max_block_us, st->last_block_us);
  }
  LA_SESSION_UNLOCK (s);
}

/* ---- creation */

/* NULL (no prompt) or UTF-8 */
static gboolean
check_prompt (const gchar * prompt, GError ** error)
{
  if (prompt && !g_utf8_validate (prompt, -1, NULL)) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "the prompt is not valid UTF-8");
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_session_config (const LaSessionConfig * cfg, GError ** error)
{
  if (cfg->format != LA_PIXEL_FORMAT_RGB &&
      cfg->format != LA_PIXEL_FORMAT_RGBA &&
      cfg->format != LA_PIXEL_FORMAT_I420) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "unknown pixel format %d", (gint) cfg->format);
    return FALSE;
  }
  if (cfg->queue_blocks < 1 || cfg->queue_blocks > MAX_QUEUE_BLOCKS) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "queue-blocks %u is out of range (1 .. %d)", cfg->queue_blocks,
        MAX_QUEUE_BLOCKS);
    return FALSE;
  }
  return check_prompt (cfg->prompt, error);
}

static void
la_session_init_stages (LaSession * s)
{
  LaEngine *e = s->engine;
  guint n_dit = e->n_dit_stages;
  guint n_steps = (guint) e->config.sample_steps;
  guint i;

  s->n_stages = n_dit + 2;
  s->stages = g_new0 (LaStage, s->n_stages);
  s->queues = g_new0 (LaQueue *, s->n_stages);
  for (i = 0; i < s->n_stages; i++)
    s->queues[i] = la_queue_new (s->queue_blocks,
        (GDestroyNotify) la_block_free);
  s->output = la_queue_new (s->queue_blocks * LA_FRAMES_PER_BLOCK,
      (GDestroyNotify) la_output_item_free);

  for (i = 0; i < s->n_stages; i++) {
    LaStage *st = &s->stages[i];

    st->session = s;
    st->id = i;
    st->in = s->queues[i];
    st->out = i + 1 < s->n_stages ? s->queues[i + 1] : s->output;
  }

  s->stages[0].kind = LA_STAGE_AUDIO;
  s->stages[0].name = g_strdup ("la-audio");

  for (i = 0; i < n_dit; i++) {
    LaStage *st = &s->stages[1 + i];

    st->kind = LA_STAGE_DIT;
    st->name = g_strdup_printf ("la-dit-%u", i);
    st->group = &e->stage_groups[i];
    st->avatar = e->stage_avatar[i];
    st->first_step = i * n_steps / n_dit;
    st->end_step = (i + 1) * n_steps / n_dit;
  }

  {
    LaStage *st = &s->stages[s->n_stages - 1];

    st->kind = LA_STAGE_VAE;
    st->name = g_strdup ("la-vae");
    st->device = &e->vae_device;
    st->rgb = g_malloc ((gsize) e->config.width * e->config.height * 3);
  }
}

/* model=liveavatar: each stage's caches and decoder */
static gboolean
la_session_init_avatar_stages (LaSession * s, GError ** error)
{
  guint i;

  for (i = 0; i < s->n_stages; i++) {
    LaStage *st = &s->stages[i];

    switch (st->kind) {
      case LA_STAGE_AUDIO:
        st->history = g_array_new (FALSE, FALSE, sizeof (gfloat));
        break;
      case LA_STAGE_DIT:
        if (!la_stage_dit_init (st, error))
          return FALSE;
        break;
      case LA_STAGE_VAE:
        if (!la_stage_vae_init (st, error))
          return FALSE;
        break;
    }
  }
  return TRUE;
}

/* ---- the prompt worker (model=liveavatar) */

static gpointer
la_session_prompt_worker (gpointer data)
{
  LaSession *s = data;

  LA_SESSION_LOCK (s);
  for (;;) {
    LaAvatarPrompt *prompt;
    GError *err = NULL;
    gchar *text;

    while (!s->prompt_requested && !s->stopping)
      g_cond_wait (&s->prompt_cond, &s->lock);
    if (s->stopping)
      break;
    text = g_steal_pointer (&s->prompt_request);
    s->prompt_requested = FALSE;
    s->prompt_busy = TRUE;
    LA_SESSION_UNLOCK (s);

    prompt = la_avatar_prompt_new (s->avatar, text ? text : "", &err);
    g_free (text);
    if (prompt != NULL && prompt->truncated)
      g_info ("the prompt is longer than the text encoder takes: cut");

    if (prompt == NULL) {
      g_prefix_error (&err, "cannot encode the prompt: ");
      la_session_fail (s, la_session_get_epoch (s), err);
    }
    LA_SESSION_LOCK (s);
    s->prompt_busy = FALSE;
    if (prompt != NULL && s->prompt_requested) {
      /* a newer text came meanwhile: it wins, this one never shows */
      la_avatar_prompt_unref (prompt);
    } else if (prompt != NULL) {
      if (s->avatar_prompt)
        la_avatar_prompt_unref (s->avatar_prompt);
      s->avatar_prompt = prompt;
      s->prompt_serial++;
    }
    g_cond_broadcast (&s->prompt_cond);
  }
  LA_SESSION_UNLOCK (s);
  return NULL;
}

static gboolean
la_session_init_avatar (LaSession * s, const LaSessionConfig * cfg,
    GError ** error)
{
  GError *err = NULL;

  s->avatar = s->engine->avatar;
  s->avatar_prompt = la_avatar_prompt_new (s->avatar,
      cfg->prompt ? cfg->prompt : "", error);
  if (s->avatar_prompt == NULL)
    return FALSE;
  if (!la_session_init_avatar_stages (s, error))
    return FALSE;
  s->prompt_thread = g_thread_try_new ("la-prompt", la_session_prompt_worker,
      s, &err);
  if (s->prompt_thread == NULL) {
    g_set_error (error, LA_ERROR, LA_ERROR_FAILED,
        "cannot start the prompt thread: %s", err->message);
    g_clear_error (&err);
    return FALSE;
  }
  return TRUE;
}

LaSession *
la_session_new (LaEngine * engine, const LaSessionConfig * cfg, GError ** error)
{
  LaSession *s;
  guint i;

  g_return_val_if_fail (engine != NULL, NULL);
  g_return_val_if_fail (cfg != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_session_config (cfg, error))
    return NULL;

  s = g_new0 (LaSession, 1);
  s->engine = engine;
  s->format = cfg->format;
  s->seed = cfg->seed;
  s->reference_image = g_strdup (cfg->reference_image);
  s->prompt = g_strdup (cfg->prompt);
  s->queue_blocks = cfg->queue_blocks;
  s->trace = la_trace_new ();
  s->fault_stage = G_MAXUINT;
  s->epoch = 1;                 /* stages start at 0: they reset once */
  g_mutex_init (&s->lock);
  g_cond_init (&s->cond);
  g_cond_init (&s->prompt_cond);
  s->pending = g_array_new (FALSE, FALSE, sizeof (gfloat));

  la_session_init_stages (s);
  la_session_locked_reset (s);
  if (engine->avatar != NULL && !la_session_init_avatar (s, cfg, error))
    goto start_failed;

  for (i = 0; i < s->n_stages; i++) {
    if (!la_stage_start (&s->stages[i], error))
      goto start_failed;
  }
  return s;

  /* ERRORS */
start_failed:
  {
    la_session_free (s);
    return NULL;
  }
}

void
la_session_free (LaSession * s)
{
  guint i;

  if (s == NULL)
    return;

  LA_SESSION_LOCK (s);
  s->stopping = TRUE;
  la_session_locked_halt_queues (s, TRUE);
  g_cond_broadcast (&s->cond);
  g_cond_broadcast (&s->prompt_cond);
  LA_SESSION_UNLOCK (s);

  if (s->prompt_thread)
    g_thread_join (s->prompt_thread);
  for (i = 0; i < s->n_stages; i++)
    la_stage_join (&s->stages[i]);
  for (i = 0; i < s->n_stages; i++) {
    la_stage_clear (&s->stages[i]);
    la_queue_free (s->queues[i]);
  }
  la_queue_free (s->output);
  g_free (s->stages);
  g_free (s->queues);

  la_trace_free (s->trace);
  g_array_unref (s->pending);
  g_clear_error (&s->error);
  g_free (s->prompt);
  g_free (s->reference_image);
  la_reference_unref (s->reference);
  la_reference_unref (s->next_reference);
  if (s->avatar_prompt)
    la_avatar_prompt_unref (s->avatar_prompt);
  g_free (s->prompt_request);
  g_free (s->sink_latent);
  g_cond_clear (&s->prompt_cond);
  g_cond_clear (&s->cond);
  g_mutex_clear (&s->lock);
  g_free (s);
}

/* ---- audio in */

/* @pcm NULL: silence */
static gboolean
la_session_push_samples (LaSession * s, const gfloat * pcm, gsize n,
    GError ** error)
{
  guint span = la_session_block_span (s);
  guint epoch;

  LA_SESSION_LOCK (s);
  if (!la_session_locked_check_accepting (s, error))
    goto refused;
  epoch = s->epoch;

  while (n > 0) {
    gsize take = MIN (n, (gsize) (span - s->pending->len));
    LaBlock *block;
    LaQueueResult res;

    if (pcm) {
      g_array_append_vals (s->pending, pcm, take);
      pcm += take;
    } else {
      guint len = s->pending->len;

      g_array_set_size (s->pending, len + take);
      memset (&g_array_index (s->pending, gfloat, len), 0,
          take * sizeof (gfloat));
    }
    n -= take;
    s->samples_pushed += take;
    s->stats.samples_pushed += take;
    if (s->pending->len < span)
      break;

    block = la_session_locked_cut_block (s);
    LA_SESSION_UNLOCK (s);
    /* back-pressure: wait here while the stages are full */
    res = la_queue_push (s->queues[0], block, -1);
    LA_SESSION_LOCK (s);
    if (res != LA_QUEUE_OK)
      la_block_free (block);
    if (res != LA_QUEUE_OK || s->epoch != epoch || s->drained)
      goto interrupted;
  }
  LA_SESSION_UNLOCK (s);
  return TRUE;

  /* ERRORS */
interrupted:
  {
    /* a flush that came and went still interrupted this call; a drain
     * from another thread ended it */
    if (la_session_locked_check_accepting (s, error))
      g_set_error (error, LA_ERROR, LA_ERROR_FLUSHING,
          "session was flushed during the push");
    LA_SESSION_UNLOCK (s);
    return FALSE;
  }
refused:
  {
    LA_SESSION_UNLOCK (s);
    return FALSE;
  }
}

gboolean
la_session_push_audio (LaSession * s, const gfloat * pcm, gsize n_samples,
    GError ** error)
{
  g_return_val_if_fail (s != NULL, FALSE);
  g_return_val_if_fail (pcm != NULL || n_samples == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (pcm == NULL)
    return la_session_push_samples (s, NULL, 0, error);
  return la_session_push_samples (s, pcm, n_samples, error);
}

gboolean
la_session_push_silence (LaSession * s, gsize n_samples, GError ** error)
{
  g_return_val_if_fail (s != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return la_session_push_samples (s, NULL, n_samples, error);
}

void
la_session_drain (LaSession * s)
{
  guint span = la_session_block_span (s);
  guint64 total, end;

  g_return_if_fail (s != NULL);

  LA_SESSION_LOCK (s);
  if (s->flushing || s->error || s->drained) {
    LA_SESSION_UNLOCK (s);
    return;
  }
  s->drained = TRUE;
  total = s->samples_pushed;
  /* the stream now ends where its last block does (the rest is silence) */
  end = (total + LA_SAMPLES_PER_BLOCK - 1) / LA_SAMPLES_PER_BLOCK *
      LA_SAMPLES_PER_BLOCK;

  /* pad what is left with silence; the forced pushes keep drain from
   * waiting on back-pressure (at most a look-ahead's worth of blocks) */
  while (s->next_block * LA_SAMPLES_PER_BLOCK < total) {
    guint64 start = s->next_block * LA_SAMPLES_PER_BLOCK;
    guint valid = (guint) MIN (total - start, LA_SAMPLES_PER_BLOCK);
    guint len = s->pending->len;
    LaBlock *block;

    g_array_set_size (s->pending, span);
    memset (&g_array_index (s->pending, gfloat, len), 0,
        (span - len) * sizeof (gfloat));
    block = la_session_locked_cut_block (s);
    block->valid_samples = valid;
    block->n_frames = (valid + LA_SAMPLES_PER_FRAME - 1) / LA_SAMPLES_PER_FRAME;
    block->stream_end = end;
    if (!la_queue_push_force (s->queues[0], block))
      la_block_free (block);
  }
  {
    LaBlock *end = la_block_new_end (s->epoch, s->next_block);

    if (!la_queue_push_force (s->queues[0], end))
      la_block_free (end);
  }
  LA_SESSION_UNLOCK (s);
}

/* ---- frames out */

LaPopResult
la_session_pop_frame (LaSession * s, LaFrame ** frame, gint64 timeout_us,
    GError ** error)
{
  gint64 deadline;

  g_return_val_if_fail (s != NULL, LA_POP_ERROR);
  g_return_val_if_fail (frame != NULL, LA_POP_ERROR);
  g_return_val_if_fail (error == NULL || *error == NULL, LA_POP_ERROR);

  *frame = NULL;
  deadline = timeout_us < 0 ? -1 : g_get_monotonic_time () + timeout_us;

  for (;;) {
    LaOutputItem *item = NULL;
    gint64 wait_us = -1;
    LaQueueResult res;

    LA_SESSION_LOCK (s);
    if (s->flushing)
      goto flushing;
    if (s->error)
      goto failed;
    if (s->eos)
      goto eos;
    LA_SESSION_UNLOCK (s);

    if (deadline >= 0)
      wait_us = MAX (deadline - g_get_monotonic_time (), 0);
    res = la_queue_pop (s->output, (gpointer *) & item, wait_us);
    if (res == LA_QUEUE_TIMEOUT)
      return LA_POP_TIMEOUT;
    if (res == LA_QUEUE_FLUSHING)
      continue;                 /* the checks above say why */

    LA_SESSION_LOCK (s);
    if (item->epoch != s->epoch) {
      /* made before a flush that raced with its hand-off */
      LA_SESSION_UNLOCK (s);
      la_output_item_free (item);
      continue;
    }
    if (item->kind == LA_OUTPUT_EOS) {
      s->eos = TRUE;
      LA_SESSION_UNLOCK (s);
      la_output_item_free (item);
      return LA_POP_EOS;
    }
    s->stats.frames_out++;
    LA_SESSION_UNLOCK (s);

    *frame = item->frame;
    item->frame = NULL;
    la_output_item_free (item);
    return LA_POP_FRAME;
  }

  /* ERRORS */
flushing:
  {
    LA_SESSION_UNLOCK (s);
    return LA_POP_FLUSHING;
  }
failed:
  {
    g_propagate_error (error, g_error_copy (s->error));
    LA_SESSION_UNLOCK (s);
    return LA_POP_ERROR;
  }
eos:
  {
    LA_SESSION_UNLOCK (s);
    return LA_POP_EOS;
  }
}

/* ---- control */

void
la_session_set_flushing (LaSession * s, gboolean flushing)
{
  g_return_if_fail (s != NULL);

  LA_SESSION_LOCK (s);
  if (flushing && !s->flushing) {
    s->flushing = TRUE;
    la_session_locked_next_epoch (s);
    la_session_locked_halt_queues (s, TRUE);
    g_cond_broadcast (&s->cond);
  } else if (!flushing && s->flushing) {
    la_session_locked_reset (s);
    la_session_locked_halt_queues (s, FALSE);
    s->flushing = FALSE;
    g_cond_broadcast (&s->cond);
  }
  LA_SESSION_UNLOCK (s);
}

void
la_session_set_earliest_frame (LaSession * s, guint64 frame_index)
{
  g_return_if_fail (s != NULL);

  LA_SESSION_LOCK (s);
  s->earliest_frame = frame_index;
  LA_SESSION_UNLOCK (s);
}

gboolean
la_session_set_prompt (LaSession * s, const gchar * prompt, GError ** error)
{
  g_return_val_if_fail (s != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_prompt (prompt, error))
    return FALSE;

  LA_SESSION_LOCK (s);
  g_free (s->prompt);
  s->prompt = g_strdup (prompt);
  if (s->avatar) {
    /* the worker encodes it; it counts once it is ready */
    g_free (s->prompt_request);
    s->prompt_request = g_strdup (prompt);
    s->prompt_requested = TRUE;
    g_cond_broadcast (&s->prompt_cond);
  } else {
    s->prompt_serial++;
  }
  LA_SESSION_UNLOCK (s);
  return TRUE;
}

gboolean
la_session_set_reference_image (LaSession * s, const guint8 * rgb,
    gint width, gint height, gint stride, GError ** error)
{
  const LaEngineConfig *cfg;
  LaReference *reference;

  g_return_val_if_fail (s != NULL, FALSE);
  g_return_val_if_fail (rgb != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  cfg = &s->engine->config;
  if (width != cfg->width || height != cfg->height)
    goto wrong_size;
  if (stride < width * 3)
    goto wrong_stride;

  /* copy before locking: a picture is large */
  reference = la_reference_new (rgb, width, height, stride, 0);
  if (s->avatar) {
    /* the VAE encode, here in the caller's thread, never in a stage's */
    reference->cond = la_avatar_cond_new (s->avatar, reference->rgb,
        width * 3, error);
    if (reference->cond == NULL) {
      la_reference_unref (reference);
      return FALSE;
    }
  }
  LA_SESSION_LOCK (s);
  reference->serial = ++s->reference_serial;
  la_reference_unref (s->next_reference);
  s->next_reference = reference;
  LA_SESSION_UNLOCK (s);
  return TRUE;

  /* ERRORS */
wrong_size:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "the reference picture is %dx%d but the output is %dx%d: resize "
        "and crop it to the output size first", width, height, cfg->width,
        cfg->height);
    return FALSE;
  }
wrong_stride:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "reference picture rows %d bytes apart cannot hold %d RGB pixels",
        stride, width);
    return FALSE;
  }
}

void
la_session_get_stats (LaSession * s, LaSessionStats * stats)
{
  guint i;

  g_return_if_fail (s != NULL);
  g_return_if_fail (stats != NULL);

  LA_SESSION_LOCK (s);
  *stats = s->stats;
  LA_SESSION_UNLOCK (s);

  stats->n_stages = s->n_stages;
  for (i = 0; i < s->n_stages && i < G_N_ELEMENTS (stats->queue_depth); i++)
    stats->queue_depth[i] = la_queue_get_depth (s->queues[i]);
}

/* ---- test hooks (la-session-private.h) */

void
la_session_inject_fault (LaSession * s, guint stage, guint64 block_index)
{
  g_return_if_fail (s != NULL);
  g_return_if_fail (stage < s->n_stages);

  LA_SESSION_LOCK (s);
  s->fault_stage = stage;
  s->fault_block = block_index;
  LA_SESSION_UNLOCK (s);
}

gboolean
la_session_wait_prompt (LaSession * s, gint64 timeout_us)
{
  gint64 deadline = g_get_monotonic_time () + timeout_us;
  gboolean done;

  g_return_val_if_fail (s != NULL, FALSE);

  LA_SESSION_LOCK (s);
  while (s->prompt_requested || s->prompt_busy) {
    if (!g_cond_wait_until (&s->prompt_cond, &s->lock, deadline))
      break;
  }
  done = !s->prompt_requested && !s->prompt_busy;
  LA_SESSION_UNLOCK (s);
  return done;
}

void
la_session_set_trace (LaSession * s, gboolean enabled)
{
  g_return_if_fail (s != NULL);

  if (enabled)
    la_trace_clear (s->trace);
  la_trace_set_enabled (s->trace, enabled);
}

LaTraceEvent *
la_session_get_trace (LaSession * s, guint * n_events)
{
  g_return_val_if_fail (s != NULL, NULL);
  g_return_val_if_fail (n_events != NULL, NULL);

  return la_trace_copy (s->trace, n_events);
}
