/* liveavatar: the flash attention kernel on CUDA against the CPU reference
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* test-attention-flash [-v] [-b cpu]
 *
 * la_attention () on CUDA in bf16 (head dim 128: the flash kernel,
 * kernels/flash_attention.cu) against the CPU backend in fp32 on the same
 * bf16-rounded inputs, over shapes that hit every tail of the kernel's
 * tiles (64 or 128 queries, 64 keys): Lq 1, 63, 64, 65, 200 (and 385, 400
 * with 40 heads, which take the 128-query variant), Lk 1, 64, 100, 1000,
 * 1 and 3 heads, batch 1 and 2; logits spread wide (q, k amplitude up to
 * 16: softmax weights spanning e^-100 and more) and logits that rise with
 * the key index (a new running max on every tile: the online-softmax
 * rescale on every step); an explicit scale; a q one element off 16-byte
 * alignment (must take the v1 fallback and still be right); the
 * kernel's fp32-output variant, called directly. With
 * LIVEAVATAR_CUDA_ATTENTION=v1 the same table checks the v1 kernel.
 *
 * Tolerance, per element, for bf16 output:
 *   |cuda - cpu| <= 2^-8 |cpu| + (2^-8 + 2^-10) max |v|
 * bf16 keeps 8 significant bits, so rounding o costs up to 2^-8 |o|
 * relative (unit roundoff u = 2^-8). The kernel also rounds each softmax
 * weight p to bf16 before P V (the tensor cores take bf16): an error of
 * at most u p_j on each weight, and since the weights sum to l (kept in
 * fp32, unrounded), at most u max |v| on o = sum p_j v_j / l. The last
 * 2^-10 max |v| covers fp32 summation order in the scores (they reach a
 * few hundred here, where an ulp of the sum is 10^-4 and more) and exp2's
 * approximation. The fp32-output variant drops the 2^-8 |cpu| term. Over
 * the whole output, sqrt (sum err^2 / sum cpu^2) <= 2^-7: both roundings
 * are unbiased, so the rms error sits near 0.8 u, and a systematic bias a
 * bound per element would let through does not. Every element must be
 * finite (o starts as NaN bytes, so one never written fails) and the 64
 * elements either side of o unchanged.
 *
 * -b cpu runs the table against a second CPU backend in fp32, where both
 * sides must agree exactly: the harness itself (views, guards, the
 * misaligned case, the comparison) checked without a GPU. In a CUDA build
 * the flash entry point's argument checks (head dim, alignment, output
 * type) are tested too; they return before any CUDA call, so they run
 * without a GPU. Otherwise, without a GPU (or without CUDA) it prints why
 * and exits 77, which meson reports as a skip. */

#include "config.h"

#include "la-backend.h"
#include "test-common.h"
#include "cuda/la-cuda-device.h"

#if LA_HAVE_CUDA
#include <cuda_runtime.h>
#include "la-flash-attention.h"
#endif

#include <math.h>
#include <stdio.h>
#include <string.h>

#define D 128
#define GUARD 64                /* elements each side of o; 16-byte aligned */
#define UNWRITTEN_BYTE 0xff     /* NaN in f32 and bf16 */
#define U_BF16 (1.0 / 256.0)    /* bf16 unit roundoff, 2^-8 */

typedef struct
{
  gint64 batch, lq, lk, heads;
  gdouble amp;                  /* of q and k (v is in [-1, 1)) */
  gfloat scale;                 /* 0: 1 / sqrt (D) */
  gboolean ramp;                /* logits rise with the key index */
  gint misalign;                /* q this many elements off alignment */
  gboolean f32_out;             /* the kernel's fp32 output, called directly */
  gboolean heavy;               /* left out of the CPU self-test */
} Case;

typedef struct
{
  LaBackend *dev, *cpu;
  LaDType dtype;                /* BF16 on CUDA, F32 in the self-test */
  gboolean self_test, verbose;
} Ctx;

/* the tail table: every Lq against every Lk, 1 and 3 heads, batch 1, 2 */
static const gint64 tail_lq[] = { 1, 63, 64, 65, 200 };
static const gint64 tail_lk[] = { 1, 64, 100, 1000 };
static const gint64 tail_heads[] = { 1, 3 };
static const gint64 tail_batch[] = { 1, 2 };

static const Case extra_cases[] = {
  /* wide logits: std of a logit is amp^2 / 3 */
  {1, 65, 1000, 3, 8.0},
  {2, 200, 1000, 1, 16.0},
  {1, 130, 777, 2, 12.0},
  /* a new running max on every key tile */
  {1, 100, 1000, 2, 2.0, 0.0f, TRUE},
  {2, 64, 300, 1, 0.5, 0.0f, TRUE},
  {1, 1, 1000, 3, 4.0, 0.0f, TRUE},
  /* an explicit scale */
  {1, 65, 100, 3, 2.0, 0.3f},
  /* q off 16-byte alignment: the v1 kernel's route */
  {2, 65, 100, 3, 2.0, 0.0f, FALSE, 1},
  /* Wan's 40 heads; 385 and 400 queries take 128-query tiles (tails of
   * 1 and 16 rows) */
  {1, 33, 129, 40, 2.0},
  {2, 385, 130, 40, 2.0, 0.0f, FALSE, 0, FALSE, TRUE},
  {2, 400, 70, 40, 4.0, 0.0f, TRUE, 0, FALSE, TRUE},
  /* the kernel's fp32 output (64- and 128-query variants) */
  {2, 65, 100, 3, 2.0, 0.0f, FALSE, 0, TRUE},
  {2, 385, 130, 40, 8.0, 0.0f, FALSE, 0, TRUE, TRUE},
};

static gfloat
round_bf16 (gfloat x)
{
  return la_bf16_to_f32 (la_f32_to_bf16 (x));
}

static void
describe (const Case * cs, gchar * buf, gsize size)
{
  g_snprintf (buf, size, "B %" G_GINT64_FORMAT " Lq %" G_GINT64_FORMAT
      " Lk %" G_GINT64_FORMAT " H %" G_GINT64_FORMAT " amp %g%s%s%s%s",
      cs->batch, cs->lq, cs->lk, cs->heads, cs->amp,
      cs->scale > 0.0f ? " scale" : "", cs->ramp ? " ramp" : "",
      cs->misalign ? " misaligned" : "", cs->f32_out ? " f32-out" : "");
}

/* q, k, v on the host, rounded to bf16 (so both sides see the same values
 * whatever the device stores) */
static void
make_inputs (const Case * cs, gfloat ** q, gfloat ** k, gfloat ** v)
{
  const gsize nq = cs->batch * cs->lq * cs->heads * D;
  const gsize nk = cs->batch * cs->lk * cs->heads * D;
  gsize i;

  *q = la_test_rnd_array (nq, cs->amp);
  *k = la_test_rnd_array (nk, cs->amp);
  *v = la_test_rnd_array (nk, 1.0);
  if (cs->ramp) {
    /* component 0: q = 8, k rising 0 .. 16, adding up to 11.3 to the
     * (scaled) logits from the first key to the last */
    for (i = 0; i < nq; i += D)
      (*q)[i] = 8.0f;
    for (i = 0; i < nk; i += D) {
      const gint64 j = (gint64) (i / (cs->heads * D)) % cs->lk;

      (*k)[i] = (gfloat) (16.0 * j / cs->lk);
    }
  }
  for (i = 0; i < nq; i++)
    (*q)[i] = round_bf16 ((*q)[i]);
  for (i = 0; i < nk; i++) {
    (*k)[i] = round_bf16 ((*k)[i]);
    (*v)[i] = round_bf16 ((*v)[i]);
  }
}

/* a tensor of @n_dims / @ne at @offset elements into a new 1-D tensor of
 * @total elements holding @fill bytes; *@whole gets the 1-D tensor */
static LaTensor *
placed (LaBackend * be, LaDType dtype, gint64 total, gint64 offset,
    gint n_dims, const gint64 * ne, guint8 fill, LaTensor ** whole)
{
  GError *error = NULL;
  LaTensor *t, *view;
  guint8 *bytes;

  t = la_tensor_new (be, dtype, 1, &total, &error);
  g_assert_no_error (error);
  bytes = g_malloc (t->nbytes);
  memset (bytes, fill, t->nbytes);
  g_assert_true (la_tensor_set_data (t, 0, bytes, t->nbytes, &error));
  g_free (bytes);
  view = la_tensor_new_view (t, offset, n_dims, ne, &error);
  g_assert_no_error (error);
  *whole = t;
  return view;
}

/* uploads @n values of @src at @offset elements into @t (the rest of @t
 * keeps its bytes) */
static void
upload (LaTensor * t, gint64 offset, const gfloat * src, gsize n)
{
  const gsize esize = la_dtype_size (t->dtype);
  GError *error = NULL;
  guint8 *bytes = g_malloc (n * esize);

  la_dtype_from_f32 (t->dtype, bytes, src, n);
  g_assert_true (la_tensor_set_data (t, offset * esize, bytes, n * esize,
          &error));
  g_assert_no_error (error);
  g_free (bytes);
}

/* runs @cs on the device side; NULL (message printed) on failure, else
 * the output as floats (g_free) */
static gfloat *
run_device (Ctx * c, const Case * cs, const gfloat * q, const gfloat * k,
    const gfloat * v)
{
  const gint64 ne_q[] = { cs->batch, cs->lq, cs->heads, D };
  const gint64 ne_k[] = { cs->batch, cs->lk, cs->heads, D };
  const gint64 nq = cs->batch * cs->lq * cs->heads * D;
  const gint64 nk = cs->batch * cs->lk * cs->heads * D;
  const LaDType odtype = cs->f32_out ? LA_DTYPE_F32 : c->dtype;
  const gsize oesize = la_dtype_size (odtype);
  LaTensor *qw, *kw, *vw, *ow, *qd, *kd, *vd, *od;
  GError *error = NULL;
  gfloat *got = NULL;
  guint8 *bytes;
  gboolean ok;
  gint64 i;

  qd = placed (c->dev, c->dtype, nq + cs->misalign, cs->misalign, 4, ne_q,
      0, &qw);
  upload (qw, cs->misalign, q, nq);
  kd = placed (c->dev, c->dtype, nk, 0, 4, ne_k, 0, &kw);
  upload (kw, 0, k, nk);
  vd = placed (c->dev, c->dtype, nk, 0, 4, ne_k, 0, &vw);
  upload (vw, 0, v, nk);
  od = placed (c->dev, odtype, nq + 2 * GUARD, GUARD, 4, ne_q,
      UNWRITTEN_BYTE, &ow);

  if (!cs->f32_out) {
    ok = la_attention (c->dev, od, qd, kd, vd, cs->scale, &error)
        && la_backend_synchronize (c->dev, &error);
  } else {
#if LA_HAVE_CUDA
    cudaError_t err;

    /* the backend's stream is its own: finish the uploads, run on the
     * legacy stream, wait for it */
    ok = la_backend_synchronize (c->dev, &error);
    err = la_kernel_flash_attention (LA_KERNEL_F32, od->data, qd->data,
        kd->data, vd->data, cs->batch, cs->lq, cs->lk, cs->heads, D,
        cs->scale > 0.0f ? cs->scale : (gfloat) (1.0 / sqrt (D)), 0);
    if (err == cudaSuccess)
      err = cudaStreamSynchronize (0);
    if (ok && err != cudaSuccess) {
      ok = FALSE;
      g_set_error (&error, LA_ERROR, LA_ERROR_DEVICE, "%s",
          cudaGetErrorString (err));
    }
#else
    g_assert_not_reached ();
#endif
  }
  if (!ok) {
    printf ("  FAIL: %s\n", error->message);
    g_clear_error (&error);
    goto done;
  }

  bytes = g_malloc (ow->nbytes);
  g_assert_true (la_tensor_get_data (ow, 0, bytes, ow->nbytes, &error));
  for (i = 0; i < (gint64) (GUARD * oesize); i++) {
    if (bytes[i] != UNWRITTEN_BYTE
        || bytes[ow->nbytes - 1 - i] != UNWRITTEN_BYTE) {
      printf ("  FAIL: written outside o (guard byte %" G_GINT64_FORMAT
          ")\n", i);
      g_free (bytes);
      goto done;
    }
  }
  got = g_new (gfloat, nq);
  la_dtype_to_f32 (odtype, got, bytes + GUARD * oesize, nq);
  g_free (bytes);

done:
  la_tensor_free (qd);
  la_tensor_free (kd);
  la_tensor_free (vd);
  la_tensor_free (od);
  la_tensor_free (qw);
  la_tensor_free (kw);
  la_tensor_free (vw);
  la_tensor_free (ow);
  return got;
}

static gfloat *
run_cpu (Ctx * c, const Case * cs, const gfloat * q, const gfloat * k,
    const gfloat * v)
{
  const gint64 ne_q[] = { cs->batch, cs->lq, cs->heads, D };
  const gint64 ne_k[] = { cs->batch, cs->lk, cs->heads, D };
  LaTensor *qc, *kc, *vc, *oc;
  GError *error = NULL;
  gfloat *want;

  qc = la_test_tensor_f32 (c->cpu, 4, ne_q, q);
  kc = la_test_tensor_f32 (c->cpu, 4, ne_k, k);
  vc = la_test_tensor_f32 (c->cpu, 4, ne_k, v);
  oc = la_test_tensor_f32 (c->cpu, 4, ne_q, NULL);
  g_assert_true (la_attention (c->cpu, oc, qc, kc, vc, cs->scale, &error));
  g_assert_no_error (error);
  want = la_test_download (oc);
  la_tensor_free (qc);
  la_tensor_free (kc);
  la_tensor_free (vc);
  la_tensor_free (oc);
  return want;
}

static gboolean
compare (Ctx * c, const Case * cs, const gfloat * got, const gfloat * want,
    const gfloat * v)
{
  const gsize nq = cs->batch * cs->lq * cs->heads * D;
  const gsize nk = cs->batch * cs->lk * cs->heads * D;
  gdouble vmax = 0.0, tol_rel, tol_abs, err2 = 0.0, ref2 = 0.0, worst = 0.0;
  gdouble rms;
  gsize i;

  for (i = 0; i < nk; i++)
    vmax = MAX (vmax, fabs (v[i]));
  /* exact in the self-test: the same code on the same values */
  tol_rel = c->self_test || cs->f32_out ? 0.0 : U_BF16;
  tol_abs = c->self_test ? 0.0 : (U_BF16 + U_BF16 / 4.0) * vmax;
  for (i = 0; i < nq; i++) {
    const gdouble e = fabs ((gdouble) got[i] - want[i]);

    if (!isfinite (got[i]) || e > tol_rel * fabs (want[i]) + tol_abs) {
      const gsize d = i % D, h = i / D % cs->heads;
      const gsize r = i / (D * cs->heads) % cs->lq;
      const gsize b = i / (D * cs->heads * cs->lq);

      printf ("  FAIL: o[%zu, %zu, %zu, %zu] = %g, want %g (tol %g)\n", b, r,
          h, d, got[i], want[i], tol_rel * fabs (want[i]) + tol_abs);
      return FALSE;
    }
    err2 += e * e;
    ref2 += (gdouble) want[i] * want[i];
    worst = MAX (worst, e);
  }
  rms = ref2 > 0.0 ? sqrt (err2 / ref2) : 0.0;
  if (rms > (c->self_test ? 0.0 : 2.0 * U_BF16)) {
    printf ("  FAIL: rms relative error %g > %g\n", rms, 2.0 * U_BF16);
    return FALSE;
  }
  if (c->verbose)
    printf ("  max |err| %.3g (%.3g of max |v|), rms rel %.3g\n", worst,
        vmax > 0.0 ? worst / vmax : 0.0, rms);
  return TRUE;
}

static gboolean
run_case (Ctx * c, const Case * cs, guint index)
{
  gfloat *q, *k, *v, *want, *got;
  gboolean ok = FALSE;
  gchar name[128];

  describe (cs, name, sizeof (name));
  if (c->verbose)
    printf ("case %u: %s\n", index, name);
  la_test_seed (0x5eed0000u + index);
  make_inputs (cs, &q, &k, &v);
  want = run_cpu (c, cs, q, k, v);
  got = run_device (c, cs, q, k, v);
  if (got)
    ok = compare (c, cs, got, want, v);
  if (!ok)
    printf ("case %u (%s) FAILED\n", index, name);
  g_free (q);
  g_free (k);
  g_free (v);
  g_free (want);
  g_free (got);
  return ok;
}

#if LA_HAVE_CUDA
/* The entry point's refusals return before any CUDA call: no GPU needed.
 * The pointers are never dereferenced. */
static gboolean
check_refusals (void)
{
  guint8 *p = (guint8 *) (gsize) 0x10000;
  struct
  {
    const gchar *what;
    la_kernel_dtype o_dtype;
    gsize q_offset;
    gint64 batch, lq, lk, heads, head_dim;
    gfloat scale;
  } bad[] = {
    {"head dim 64", LA_KERNEL_BF16, 0, 1, 8, 8, 1, 64, 0.1f},
    {"head dim 256", LA_KERNEL_BF16, 0, 1, 8, 8, 1, 256, 0.1f},
    {"f16 output", LA_KERNEL_F16, 0, 1, 8, 8, 1, 128, 0.1f},
    {"q 2 bytes off", LA_KERNEL_BF16, 2, 1, 8, 8, 1, 128, 0.1f},
    {"q 8 bytes off", LA_KERNEL_BF16, 8, 1, 8, 8, 1, 128, 0.1f},
    {"lq 0", LA_KERNEL_BF16, 0, 1, 0, 8, 1, 128, 0.1f},
    {"lk 0", LA_KERNEL_BF16, 0, 1, 8, 0, 1, 128, 0.1f},
    {"65536 heads", LA_KERNEL_BF16, 0, 1, 8, 8, 65536, 128, 0.1f},
    {"batch 65536", LA_KERNEL_BF16, 0, 65536, 8, 8, 1, 128, 0.1f},
    {"scale 0", LA_KERNEL_BF16, 0, 1, 8, 8, 1, 128, 0.0f},
    {"scale NaN", LA_KERNEL_BF16, 0, 1, 8, 8, 1, 128, NAN},
  };
  gboolean ok = TRUE;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    cudaError_t err = la_kernel_flash_attention (bad[i].o_dtype, p,
        p + 4096 + bad[i].q_offset, p + 8192, p + 12288, bad[i].batch,
        bad[i].lq, bad[i].lk, bad[i].heads, bad[i].head_dim, bad[i].scale,
        0);

    if (err != cudaErrorInvalidValue) {
      printf ("FAIL: flash attention took %s (%d)\n", bad[i].what, err);
      ok = FALSE;
    }
  }
  return ok;
}
#endif

int
main (int argc, char **argv)
{
  Ctx c = { NULL, NULL, LA_DTYPE_BF16, FALSE, FALSE };
  GError *error = NULL;
  guint n_ok = 0, n_run = 0, index = 0;
  gsize a, b, h, n;
  gint devices, i;

  for (i = 1; i < argc; i++) {
    if (g_strcmp0 (argv[i], "-v") == 0)
      c.verbose = TRUE;
    else if (g_strcmp0 (argv[i], "-b") == 0 && i + 1 < argc
        && g_strcmp0 (argv[i + 1], "cpu") == 0) {
      c.self_test = TRUE;
      c.dtype = LA_DTYPE_F32;
      i++;
    } else {
      fprintf (stderr, "usage: %s [-v] [-b cpu]\n", argv[0]);
      return 2;
    }
  }

#if LA_HAVE_CUDA
  if (!check_refusals ())
    return 1;
  printf ("flash attention refuses what it does not take\n");
#endif

  devices = c.self_test ? 1 : la_cuda_device_count (&error);
  if (devices <= 0) {
    printf ("SKIP: no CUDA device (%s)\n", devices < 0 ? error->message :
        "the driver reports none");
    g_clear_error (&error);
    return 77;
  }
  c.dev = la_backend_new (c.self_test ? LA_BACKEND_CPU : LA_BACKEND_CUDA,
      c.self_test ? 1 : 0, &error);
  if (!c.dev) {
    printf ("FAIL: CUDA device 0 present but unusable: %s\n", error->message);
    g_clear_error (&error);
    return 1;
  }
  c.cpu = la_backend_new (LA_BACKEND_CPU, 0, &error);
  g_assert_no_error (error);
  printf ("Testing %s (%s) against %s, %s kernel choice\n",
      la_backend_get_name (c.dev), la_backend_get_description (c.dev),
      la_backend_get_name (c.cpu),
      g_strcmp0 (g_getenv ("LIVEAVATAR_CUDA_ATTENTION"), "v1") == 0 ?
      "LIVEAVATAR_CUDA_ATTENTION=v1" : "automatic");

  for (a = 0; a < G_N_ELEMENTS (tail_lq); a++)
    for (b = 0; b < G_N_ELEMENTS (tail_lk); b++)
      for (h = 0; h < G_N_ELEMENTS (tail_heads); h++)
        for (n = 0; n < G_N_ELEMENTS (tail_batch); n++) {
          const Case cs = { tail_batch[n], tail_lq[a], tail_lk[b],
            tail_heads[h], 2.0
          };

          n_run++;
          n_ok += run_case (&c, &cs, index++);
        }
  for (a = 0; a < G_N_ELEMENTS (extra_cases); a++, index++) {
    const Case *cs = &extra_cases[a];

    /* the CPU plays no GPU: no fp32-output kernel, no 40-head giants */
    if (c.self_test && (cs->f32_out || cs->heavy))
      continue;
    n_run++;
    n_ok += run_case (&c, cs, index);
  }
  printf ("%u/%u cases OK\n", n_ok, n_run);

  la_backend_free (c.cpu);
  la_backend_free (c.dev);
  return n_ok == n_run ? 0 : 1;
}
