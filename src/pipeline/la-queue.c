/* liveavatar: bounded blocking queue between pipeline stages
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "la-queue.h"

struct _LaQueue
{
  GMutex lock;
  GCond not_full;               /* signalled when an item leaves */
  GCond not_empty;              /* signalled when an item arrives */
  GQueue items;
  guint capacity;
  gboolean flushing;
  GDestroyNotify free_func;
};

#define LA_QUEUE_LOCK(q)   g_mutex_lock (&(q)->lock)
#define LA_QUEUE_UNLOCK(q) g_mutex_unlock (&(q)->lock)

/* -1: no deadline */
static gint64
deadline_from_timeout (gint64 timeout_us)
{
  if (timeout_us < 0)
    return -1;
  return g_get_monotonic_time () + timeout_us;
}

/* Waits on @cond with the queue locked. FALSE when the deadline passed. */
static gboolean
la_queue_locked_wait (LaQueue * q, GCond * cond, gint64 deadline)
{
  if (deadline < 0) {
    g_cond_wait (cond, &q->lock);
    return TRUE;
  }
  return g_cond_wait_until (cond, &q->lock, deadline);
}

/* Locks @q and waits, up to @timeout_us, until it has room for an item
 * (@for_push) or an item to pop (!@for_push). Returns LA_QUEUE_OK with the
 * lock still held; otherwise the lock is released. */
static LaQueueResult
la_queue_lock_when_ready (LaQueue * q, gboolean for_push, gint64 timeout_us)
{
  gint64 deadline = deadline_from_timeout (timeout_us);
  GCond *cond = for_push ? &q->not_full : &q->not_empty;

  LA_QUEUE_LOCK (q);
  while (!q->flushing && (for_push ? q->items.length >= q->capacity :
          q->items.length == 0)) {
    if (timeout_us == 0 || !la_queue_locked_wait (q, cond, deadline))
      goto timeout;
  }
  if (q->flushing)
    goto flushing;
  return LA_QUEUE_OK;

  /* ERRORS */
timeout:
  {
    gboolean flushing = q->flushing;

    LA_QUEUE_UNLOCK (q);
    return flushing ? LA_QUEUE_FLUSHING : LA_QUEUE_TIMEOUT;
  }
flushing:
  {
    LA_QUEUE_UNLOCK (q);
    return LA_QUEUE_FLUSHING;
  }
}

LaQueue *
la_queue_new (guint capacity, GDestroyNotify free_func)
{
  LaQueue *q;

  g_return_val_if_fail (capacity >= 1, NULL);

  q = g_new0 (LaQueue, 1);
  g_mutex_init (&q->lock);
  g_cond_init (&q->not_full);
  g_cond_init (&q->not_empty);
  g_queue_init (&q->items);
  q->capacity = capacity;
  q->free_func = free_func;
  return q;
}

static void
discard_items (GQueue * items, GDestroyNotify free_func)
{
  gpointer item;

  while ((item = g_queue_pop_head (items)) != NULL) {
    if (free_func)
      free_func (item);
  }
}

void
la_queue_free (LaQueue * q)
{
  if (q == NULL)
    return;

  discard_items (&q->items, q->free_func);
  g_cond_clear (&q->not_full);
  g_cond_clear (&q->not_empty);
  g_mutex_clear (&q->lock);
  g_free (q);
}

LaQueueResult
la_queue_push (LaQueue * q, gpointer item, gint64 timeout_us)
{
  LaQueueResult res;

  g_return_val_if_fail (q != NULL, LA_QUEUE_FLUSHING);
  g_return_val_if_fail (item != NULL, LA_QUEUE_FLUSHING);

  res = la_queue_lock_when_ready (q, TRUE, timeout_us);
  if (res != LA_QUEUE_OK)
    return res;
  g_queue_push_tail (&q->items, item);
  g_cond_signal (&q->not_empty);
  LA_QUEUE_UNLOCK (q);
  return LA_QUEUE_OK;
}

gboolean
la_queue_push_force (LaQueue * q, gpointer item)
{
  g_return_val_if_fail (q != NULL, FALSE);
  g_return_val_if_fail (item != NULL, FALSE);

  LA_QUEUE_LOCK (q);
  if (q->flushing) {
    LA_QUEUE_UNLOCK (q);
    return FALSE;
  }
  g_queue_push_tail (&q->items, item);
  g_cond_signal (&q->not_empty);
  LA_QUEUE_UNLOCK (q);
  return TRUE;
}

LaQueueResult
la_queue_pop (LaQueue * q, gpointer * item, gint64 timeout_us)
{
  LaQueueResult res;

  g_return_val_if_fail (q != NULL, LA_QUEUE_FLUSHING);
  g_return_val_if_fail (item != NULL, LA_QUEUE_FLUSHING);

  *item = NULL;
  res = la_queue_lock_when_ready (q, FALSE, timeout_us);
  if (res != LA_QUEUE_OK)
    return res;
  *item = g_queue_pop_head (&q->items);
  g_cond_signal (&q->not_full);
  LA_QUEUE_UNLOCK (q);
  return LA_QUEUE_OK;
}

void
la_queue_set_flushing (LaQueue * q, gboolean flushing)
{
  GQueue discarded = G_QUEUE_INIT;

  g_return_if_fail (q != NULL);

  LA_QUEUE_LOCK (q);
  q->flushing = flushing;
  if (flushing) {
    /* steal the items: the free function runs without our lock held */
    discarded = q->items;
    g_queue_init (&q->items);
    g_cond_broadcast (&q->not_full);
    g_cond_broadcast (&q->not_empty);
  }
  LA_QUEUE_UNLOCK (q);

  discard_items (&discarded, q->free_func);
}

guint
la_queue_get_depth (LaQueue * q)
{
  guint depth;

  g_return_val_if_fail (q != NULL, 0);

  LA_QUEUE_LOCK (q);
  depth = q->items.length;
  LA_QUEUE_UNLOCK (q);
  return depth;
}

guint
la_queue_get_capacity (LaQueue * q)
{
  g_return_val_if_fail (q != NULL, 0);

  return q->capacity;
}
