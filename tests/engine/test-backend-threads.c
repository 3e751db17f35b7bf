/* liveavatar engine tests: one backend shared by several threads
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The engine's threads (audio, DiT stages, VAE, prompt worker, caller)
 * share their device's backend (la-backend.h, Threads). Here several
 * threads run chains of ops, uploads, downloads, allocations and
 * synchronizes on one CPU backend at once, over one weight tensor they
 * all read, and each gets bit for bit what the same chain gives when run
 * alone in one thread first; the byte counters come back to where they
 * were. The lock itself: while a thread holds la_backend_lock (), another
 * thread's op cannot finish, and the holder can still run ops (the lock
 * is recursive). The chains run on GPU 0 too when there is one.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include "la-backend.h"

#define N_THREADS 4
#define N_ROUNDS 30
#define ROWS 48
#define COLS 64
#define SEQ 24
#define HEADS 4
#define HEAD_DIM 16

/* a deterministic fill, different per salt */
static void
fill (gfloat * v, gsize n, guint salt)
{
  guint32 x = 0x9e3779b9u * (salt + 1);
  gsize i;

  for (i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    v[i] = (gfloat) ((x >> 8) / 16777216.0 - 0.5);
  }
}

static LaTensor *
tensor (LaBackend * be, gint n_dims, const gint64 * ne, guint salt)
{
  GError *err = NULL;
  LaTensor *t = la_tensor_new (be, LA_DTYPE_F32, n_dims, ne, &err);
  gfloat *host;

  g_assert_no_error (err);
  if (salt == G_MAXUINT)
    return t;
  host = g_new (gfloat, la_tensor_nelements (t));
  fill (host, la_tensor_nelements (t), salt);
  g_assert_true (la_tensor_set_f32 (t, host, la_tensor_nelements (t), &err));
  g_assert_no_error (err);
  g_free (host);
  return t;
}

typedef struct
{
  LaBackend *be;
  const LaTensor *w;            /* shared, read by every chain */
  guint salt;
  gfloat *out;                  /* ROWS * COLS + SEQ * HEADS * HEAD_DIM */
} Chain;

static void
chain_init (Chain * c, LaBackend * be, const LaTensor * w, gint i, gsize n)
{
  c->be = be;
  c->w = w;
  c->salt = (guint) (i * 1000);
  c->out = g_new0 (gfloat, n);
}

/* One thread's work: a linear over the shared weight, gelu, a residual
 * add, an rms norm, attention, each round feeding the next, with a
 * download mid-way (which waits for every thread's queued work) and
 * buffers made and freed every round. */
static gpointer
run_chain (gpointer data)
{
  Chain *c = data;
  LaBackend *be = c->be;
  GError *err = NULL;
  gint64 xs[2] = { ROWS, COLS }, ns[1] = { COLS };
  gint64 qs[3] = { SEQ, HEADS, HEAD_DIM };
  LaTensor *x = tensor (be, 2, xs, c->salt);
  LaTensor *norm_w = tensor (be, 1, ns, c->salt + 100);
  LaTensor *q = tensor (be, 3, qs, c->salt + 200);
  LaTensor *k = tensor (be, 3, qs, c->salt + 300);
  LaTensor *v = tensor (be, 3, qs, c->salt + 400);
  LaTensor *o = tensor (be, 3, qs, G_MAXUINT);
  gfloat *mid = g_new (gfloat, ROWS * COLS);
  gint r;

  for (r = 0; r < N_ROUNDS; r++) {
    LaTensor *y = tensor (be, 2, xs, G_MAXUINT);
    LaTensor *t = tensor (be, 2, xs, G_MAXUINT);

    g_assert_true (la_linear (be, y, x, c->w, NULL, &err));
    g_assert_true (la_gelu_tanh (be, y, y, &err));
    g_assert_true (la_add (be, t, y, x, &err));
    g_assert_true (la_rms_norm (be, x, t, norm_w, 1e-6f, &err));
    g_assert_no_error (err);
    /* a download in the middle, and its value fed back up */
    g_assert_true (la_tensor_get_f32 (x, mid, ROWS * COLS, &err));
    mid[r] += 0.25f;
    g_assert_true (la_tensor_set_f32 (x, mid, ROWS * COLS, &err));
    g_assert_true (la_attention (be, o, q, k, v, 0.0f, &err));
    g_assert_true (la_euler_step (be, q, q, o, -0.125f, &err));
    g_assert_true (la_backend_synchronize (be, &err));
    g_assert_no_error (err);
    la_tensor_free (t);
    la_tensor_free (y);
  }
  g_assert_true (la_tensor_get_f32 (x, c->out, ROWS * COLS, &err));
  g_assert_true (la_tensor_get_f32 (q, c->out + ROWS * COLS,
          SEQ * HEADS * HEAD_DIM, &err));
  g_assert_no_error (err);

  g_free (mid);
  la_tensor_free (x);
  la_tensor_free (norm_w);
  la_tensor_free (q);
  la_tensor_free (k);
  la_tensor_free (v);
  la_tensor_free (o);
  return NULL;
}

static void
check_concurrent_chains (LaBackendKind kind)
{
  const gsize n_out = ROWS * COLS + SEQ * HEADS * HEAD_DIM;
  GError *err = NULL;
  LaBackend *be = la_backend_new (kind, 0, &err);
  gint64 ws[2] = { COLS, COLS };
  LaTensor *w;
  Chain alone[N_THREADS], shared[N_THREADS];
  GThread *threads[N_THREADS];
  guint64 base;
  gint i, round;

  if (kind == LA_BACKEND_CUDA && (g_error_matches (err, LA_ERROR,
              LA_ERROR_NOT_SUPPORTED) || g_error_matches (err, LA_ERROR,
              LA_ERROR_DEVICE))) {
    gchar *msg = g_strdup_printf ("no CUDA device: %s", err->message);

    g_test_skip (msg);
    g_free (msg);
    g_clear_error (&err);
    return;
  }
  g_assert_no_error (err);
  w = tensor (be, 2, ws, 7);
  base = la_backend_get_allocated_bytes (be);

  /* each chain alone, one after the other, in this thread */
  for (i = 0; i < N_THREADS; i++) {
    chain_init (&alone[i], be, w, i, n_out);
    run_chain (&alone[i]);
  }
  /* chains differ from one another: a mix-up would show */
  g_assert_true (memcmp (alone[0].out, alone[1].out,
          n_out * sizeof (gfloat)) != 0);
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==, base);

  /* then all at once, a few times over */
  for (round = 0; round < 3; round++) {
    for (i = 0; i < N_THREADS; i++) {
      chain_init (&shared[i], be, w, i, n_out);
      threads[i] = g_thread_new ("chain", run_chain, &shared[i]);
    }
    for (i = 0; i < N_THREADS; i++)
      g_thread_join (threads[i]);
    for (i = 0; i < N_THREADS; i++) {
      g_assert_cmpmem (shared[i].out, n_out * sizeof (gfloat), alone[i].out,
          n_out * sizeof (gfloat));
      g_free (shared[i].out);
    }
    g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==, base);
  }
  /* several chains' buffers were held at once */
  g_assert_cmpuint (la_backend_get_peak_bytes (be), >=, base + 2 * (guint64)
      ROWS * COLS * 4 * 2);

  for (i = 0; i < N_THREADS; i++)
    g_free (alone[i].out);
  la_tensor_free (w);
  g_assert_cmpuint (la_backend_get_allocated_bytes (be), ==, 0);
  la_backend_free (be);
}

static void
test_concurrent_chains (void)
{
  check_concurrent_chains (LA_BACKEND_CPU);
}

/* the same on GPU 0 (one stream, its scratch and cuBLASLt handle shared
 * by the threads): bit for bit as each chain alone there */
static void
test_concurrent_chains_cuda (void)
{
  check_concurrent_chains (LA_BACKEND_CUDA);
}

typedef struct
{
  LaBackend *be;
  LaTensor *y, *x;
  gint done;                    /* atomic */
} Waiter;

static gpointer
run_one_op (gpointer data)
{
  Waiter *w = data;
  GError *err = NULL;

  g_assert_true (la_silu (w->be, w->y, w->x, &err));
  g_assert_no_error (err);
  g_atomic_int_set (&w->done, 1);
  return NULL;
}

static void
test_lock (void)
{
  GError *err = NULL;
  LaBackend *be = la_backend_new (LA_BACKEND_CPU, 0, &err);
  gint64 ne[1] = { 256 };
  Waiter w;
  GThread *thread;
  gfloat got[256], want[256], in[256];
  gint i;

  g_assert_no_error (err);
  w.be = be;
  w.x = tensor (be, 1, ne, 3);
  w.y = tensor (be, 1, ne, G_MAXUINT);
  w.done = 0;

  la_backend_lock (be);
  thread = g_thread_new ("waiter", run_one_op, &w);
  /* the holder keeps working (recursive lock) ... */
  g_assert_true (la_gelu_erf (be, w.y, w.x, &err));
  g_assert_true (la_tensor_get_f32 (w.y, got, 256, &err));
  g_assert_no_error (err);
  /* ... while the other thread's op waits for the lock */
  g_usleep (100 * 1000);
  g_assert_cmpint (g_atomic_int_get (&w.done), ==, 0);
  la_backend_unlock (be);
  g_thread_join (thread);
  g_assert_cmpint (g_atomic_int_get (&w.done), ==, 1);

  /* and it ran after the holder's op: y is silu (x) */
  g_assert_true (la_tensor_get_f32 (w.y, got, 256, &err));
  g_assert_true (la_tensor_get_f32 (w.x, in, 256, &err));
  g_assert_no_error (err);
  for (i = 0; i < 256; i++)
    want[i] = in[i] / (1.0f + expf (-in[i]));
  for (i = 0; i < 256; i++)
    g_assert_cmpfloat_with_epsilon (got[i], want[i], 1e-6);

  la_tensor_free (w.x);
  la_tensor_free (w.y);
  la_backend_free (be);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/backend/threads/concurrent-chains",
      test_concurrent_chains);
  g_test_add_func ("/backend/threads/concurrent-chains-cuda",
      test_concurrent_chains_cuda);
  g_test_add_func ("/backend/threads/lock", test_lock);
  return g_test_run ();
}
