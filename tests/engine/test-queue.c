/* liveavatar engine tests: the bounded queue
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "la-queue.h"
#include "test-util.h"

#define WAIT_US (5 * G_USEC_PER_SEC)    /* "did not deadlock" bound */
#define BLOCKED_US (100 * 1000) /* long enough to be sure a call waits */

static gint freed_count;

static void
count_free (gpointer item)
{
  g_atomic_int_inc (&freed_count);
  g_free (item);
}

static gpointer
new_item (gint value)
{
  gint *p = g_new (gint, 1);

  *p = value;
  return p;
}

/* a call on the queue made from another thread, and its outcome */
typedef struct
{
  LaQueue *queue;
  gboolean push;                /* else pop */
  gpointer item;
  LaQueueResult result;
  GMutex lock;
  GCond cond;
  gboolean done;
} Call;

static gpointer
call_thread (gpointer data)
{
  Call *c = data;
  LaQueueResult res;

  if (c->push)
    res = la_queue_push (c->queue, c->item, -1);
  else
    res = la_queue_pop (c->queue, &c->item, -1);

  g_mutex_lock (&c->lock);
  c->result = res;
  c->done = TRUE;
  g_cond_signal (&c->cond);
  g_mutex_unlock (&c->lock);
  return NULL;
}

static GThread *
call_start (Call * c, LaQueue * q, gboolean push, gpointer item)
{
  c->queue = q;
  c->push = push;
  c->item = item;
  c->done = FALSE;
  g_mutex_init (&c->lock);
  g_cond_init (&c->cond);
  return g_thread_new ("queue-call", call_thread, c);
}

static void
call_finish (Call * c, GThread * thread)
{
  g_thread_join (thread);
  g_mutex_clear (&c->lock);
  g_cond_clear (&c->cond);
}

static void
test_capacity_and_order (void)
{
  LaQueue *q = la_queue_new (3, count_free);
  gpointer item;
  gint i;

  g_assert_cmpuint (la_queue_get_capacity (q), ==, 3);
  for (i = 0; i < 3; i++)
    g_assert_cmpint (la_queue_push (q, new_item (i), 0), ==, LA_QUEUE_OK);
  g_assert_cmpuint (la_queue_get_depth (q), ==, 3);

  item = new_item (99);
  g_assert_cmpint (la_queue_push (q, item, 0), ==, LA_QUEUE_TIMEOUT);
  g_assert_cmpint (la_queue_push (q, item, 20000), ==, LA_QUEUE_TIMEOUT);
  g_free (item);

  for (i = 0; i < 3; i++) {
    g_assert_cmpint (la_queue_pop (q, &item, 0), ==, LA_QUEUE_OK);
    g_assert_cmpint (*(gint *) item, ==, i);
    g_free (item);
  }
  g_assert_cmpuint (la_queue_get_depth (q), ==, 0);
  la_queue_free (q);
}

static void
test_pop_timeout (void)
{
  LaQueue *q = la_queue_new (1, count_free);
  gpointer item = GINT_TO_POINTER (1);
  gint64 start;

  g_assert_cmpint (la_queue_pop (q, &item, 0), ==, LA_QUEUE_TIMEOUT);
  g_assert_null (item);

  start = g_get_monotonic_time ();
  g_assert_cmpint (la_queue_pop (q, &item, 50000), ==, LA_QUEUE_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 50000);
  la_queue_free (q);
}

static void
test_push_blocks_when_full (void)
{
  LaQueue *q = la_queue_new (1, count_free);
  gpointer item;
  GThread *t;
  Call c;

  g_assert_cmpint (la_queue_push (q, new_item (1), -1), ==, LA_QUEUE_OK);
  t = call_start (&c, q, TRUE, new_item (2));
  g_assert_false (test_wait_flag (&c.lock, &c.cond, &c.done, BLOCKED_US));

  g_assert_cmpint (la_queue_pop (q, &item, 0), ==, LA_QUEUE_OK);
  g_assert_cmpint (*(gint *) item, ==, 1);
  g_free (item);
  g_assert_true (test_wait_flag (&c.lock, &c.cond, &c.done, WAIT_US));
  g_assert_cmpint (c.result, ==, LA_QUEUE_OK);
  call_finish (&c, t);

  g_assert_cmpint (la_queue_pop (q, &item, 0), ==, LA_QUEUE_OK);
  g_assert_cmpint (*(gint *) item, ==, 2);
  g_free (item);
  la_queue_free (q);
}

static void
test_pop_blocks_when_empty (void)
{
  LaQueue *q = la_queue_new (2, count_free);
  GThread *t;
  Call c;

  t = call_start (&c, q, FALSE, NULL);
  g_assert_false (test_wait_flag (&c.lock, &c.cond, &c.done, BLOCKED_US));
  g_assert_cmpint (la_queue_push (q, new_item (7), 0), ==, LA_QUEUE_OK);
  g_assert_true (test_wait_flag (&c.lock, &c.cond, &c.done, WAIT_US));
  g_assert_cmpint (c.result, ==, LA_QUEUE_OK);
  g_assert_cmpint (*(gint *) c.item, ==, 7);
  g_free (c.item);
  call_finish (&c, t);
  la_queue_free (q);
}

static void
test_flushing_wakes_and_discards (void)
{
  LaQueue *full = la_queue_new (2, count_free);
  LaQueue *empty = la_queue_new (2, count_free);
  gpointer blocked_item = new_item (3), item;
  GThread *pusher, *popper;
  Call push_call, pop_call;

  g_atomic_int_set (&freed_count, 0);
  g_assert_cmpint (la_queue_push (full, new_item (1), 0), ==, LA_QUEUE_OK);
  g_assert_cmpint (la_queue_push (full, new_item (2), 0), ==, LA_QUEUE_OK);
  pusher = call_start (&push_call, full, TRUE, blocked_item);
  popper = call_start (&pop_call, empty, FALSE, NULL);
  g_assert_false (test_wait_flag (&push_call.lock, &push_call.cond,
          &push_call.done, BLOCKED_US));
  g_assert_false (test_wait_flag (&pop_call.lock, &pop_call.cond,
          &pop_call.done, 0));

  la_queue_set_flushing (full, TRUE);
  la_queue_set_flushing (empty, TRUE);
  g_assert_true (test_wait_flag (&push_call.lock, &push_call.cond,
          &push_call.done, WAIT_US));
  g_assert_true (test_wait_flag (&pop_call.lock, &pop_call.cond,
          &pop_call.done, WAIT_US));
  g_assert_cmpint (push_call.result, ==, LA_QUEUE_FLUSHING);
  g_assert_cmpint (pop_call.result, ==, LA_QUEUE_FLUSHING);
  g_assert_null (pop_call.item);
  call_finish (&push_call, pusher);
  call_finish (&pop_call, popper);

  /* the two queued items went through the free function; the refused one
   * is still the caller's */
  g_assert_cmpint (g_atomic_int_get (&freed_count), ==, 2);
  g_assert_cmpuint (la_queue_get_depth (full), ==, 0);
  g_assert_cmpint (*(gint *) blocked_item, ==, 3);

  /* while flushing nothing goes in or out, not even forced */
  g_assert_cmpint (la_queue_push (full, blocked_item, -1), ==,
      LA_QUEUE_FLUSHING);
  g_assert_false (la_queue_push_force (full, blocked_item));
  g_assert_cmpint (la_queue_pop (full, &item, -1), ==, LA_QUEUE_FLUSHING);

  la_queue_set_flushing (full, FALSE);
  g_assert_cmpint (la_queue_push (full, blocked_item, 0), ==, LA_QUEUE_OK);
  g_assert_cmpint (la_queue_pop (full, &item, 0), ==, LA_QUEUE_OK);
  g_assert_true (item == blocked_item);
  g_free (item);

  la_queue_free (full);
  la_queue_free (empty);
}

static void
test_push_force_and_free (void)
{
  LaQueue *q = la_queue_new (1, count_free);

  g_atomic_int_set (&freed_count, 0);
  g_assert_cmpint (la_queue_push (q, new_item (1), 0), ==, LA_QUEUE_OK);
  g_assert_true (la_queue_push_force (q, new_item (2)));
  g_assert_true (la_queue_push_force (q, new_item (3)));
  g_assert_cmpuint (la_queue_get_depth (q), ==, 3);
  la_queue_free (q);
  g_assert_cmpint (g_atomic_int_get (&freed_count), ==, 3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/queue/capacity-and-order", test_capacity_and_order);
  g_test_add_func ("/queue/pop-timeout", test_pop_timeout);
  g_test_add_func ("/queue/push-blocks-when-full", test_push_blocks_when_full);
  g_test_add_func ("/queue/pop-blocks-when-empty", test_pop_blocks_when_empty);
  g_test_add_func ("/queue/flushing-wakes-and-discards",
      test_flushing_wakes_and_discards);
  g_test_add_func ("/queue/push-force-and-free", test_push_force_and_free);

  return g_test_run ();
}
