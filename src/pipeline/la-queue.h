/* liveavatar: bounded blocking queue between pipeline stages
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * A FIFO of opaque items with a capacity: push waits while it is full
 * (that wait is the pipeline's back-pressure), pop waits while it is empty.
 * Flushing wakes every waiter, discards the items with the queue's free
 * function and makes push and pop fail until it is turned off again.
 */

#ifndef __LA_QUEUE_H__
#define __LA_QUEUE_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _LaQueue LaQueue;

typedef enum
{
  LA_QUEUE_OK,
  LA_QUEUE_TIMEOUT,             /* nothing happened within the timeout */
  LA_QUEUE_FLUSHING             /* flushing; the item was not taken */
} LaQueueResult;

/* @capacity: items (>= 1). @free_func: frees items discarded by flushing
 * or by la_queue_free (NULL: items are not freed). */
LaQueue *la_queue_new (guint capacity, GDestroyNotify free_func);
void la_queue_free (LaQueue * queue);

/* @timeout_us: -1 waits forever, 0 does not wait. On anything but
 * LA_QUEUE_OK the caller still owns @item. */
LaQueueResult la_queue_push (LaQueue * queue, gpointer item,
    gint64 timeout_us);

/* Appends even when the queue is full, for the few control items that must
 * not wait (the end of a drain). FALSE when flushing (item not taken). */
gboolean la_queue_push_force (LaQueue * queue, gpointer item);

LaQueueResult la_queue_pop (LaQueue * queue, gpointer * item,
    gint64 timeout_us);

void la_queue_set_flushing (LaQueue * queue, gboolean flushing);

guint la_queue_get_depth (LaQueue * queue);
guint la_queue_get_capacity (LaQueue * queue);

G_END_DECLS

#endif /* __LA_QUEUE_H__ */
