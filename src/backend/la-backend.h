/* liveavatar: tensors, backends and the op set models are written against
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * One model code, several backends. A backend is one device plus one
 * in-order stream of work: the CPU backend (plain C fp32 loops, the
 * reference) or the CUDA backend (one GPU, one stream, bf16 storage with
 * fp32 accumulation, cuBLASLt and our own kernels). Models call only the
 * functions in this header; the vtables live in la-backend-impl.h.
 *
 * Usage:
 *
 *   LaBackend *be = la_backend_new (LA_BACKEND_CUDA, 0, &err);   GPU 0
 *   if (!la_backend_supports_op (be, LA_OP_LINEAR, LA_DTYPE_BF16)) ...
 *
 *   gint64 xs[] = { 3168, 5120 }, ws[] = { 5120, 5120 };
 *   LaTensor *x = la_tensor_new (be, LA_DTYPE_BF16, 2, xs, &err);
 *   LaTensor *w = la_tensor_new (be, LA_DTYPE_BF16, 2, ws, &err);
 *   LaTensor *y = la_tensor_new (be, LA_DTYPE_F32, 2, xs, &err);
 *   la_tensor_set_f32 (x, host_x, 3168 * 5120, &err);      converts to bf16
 *   la_linear (be, y, x, w, NULL, &err);                     queued on the stream
 *   la_tensor_get_f32 (y, host_y, 3168 * 5120, &err);      waits for the stream
 *   la_tensor_free (y); ... la_backend_free (be);
 *
 * Memory: every tensor lives in a LaBuffer (one device allocation) at an
 * offset. la_tensor_new () makes a buffer per tensor; an arena allocator
 * places many tensors in one buffer with la_tensor_new_in_buffer () instead,
 * and nothing else changes for the ops.
 *
 * Asynchrony: ops and uploads are queued in order on the backend's stream.
 * An op returning TRUE means it was queued after its arguments checked out;
 * a fault while it runs is reported by the next la_backend_synchronize () or
 * download. Downloads (la_tensor_get_*) wait for everything queued before.
 *
 * Threads: a backend may be shared by several threads. Every op's
 * dispatch and enqueue (its checks read only the tensors' fixed shapes),
 * upload, download, buffer allocation and free, and synchronize hold the
 * backend's lock, so the stream, the scratch and the library handles
 * behind it see one caller at a time. Each thread's work keeps its own
 * order (one in-order stream); different threads' work interleaves op by
 * op. A download waits for everything queued, every thread's, with the
 * lock held (the CUDA backend's uploads and frees wait so too): threads
 * sharing one GPU backend serialise there. On the CPU backend an op runs
 * inside its enqueue, so threads sharing it take turns op by op (each op
 * still uses every core). One backend per thread, each
 * with its own stream, over one copy of the weights would overlap them
 * instead; la-backend.c lists what that needs. A thread may hold the lock
 * itself (la_backend_lock (), recursive) around calls that must not
 * interleave with other threads'.
 *
 * Lifetimes: free every tensor and buffer of a backend before the backend;
 * a view or a placed tensor before the tensor or buffer it points into.
 */

#ifndef __LA_BACKEND_H__
#define __LA_BACKEND_H__

#include <glib.h>

#include "liveavatar.h"

G_BEGIN_DECLS

/* ------------------------------------------------------------------------
 * Data types
 * ------------------------------------------------------------------------ */

typedef enum
{
  LA_DTYPE_F32 = 0,
  LA_DTYPE_BF16,
  LA_DTYPE_F16,
  LA_DTYPE_FP8_E4M3,            /* OCP e4m3fn: max 448, no inf, saturating */
  LA_DTYPE_I32,                 /* positions and indices, not a compute type */
  LA_DTYPE_COUNT
} LaDType;

gsize           la_dtype_size (LaDType dtype);
const gchar    *la_dtype_name (LaDType dtype);

/* Host conversions, round to nearest even, the same rounding the CUDA
 * intrinsics use; FP8 saturates to +-448, NaN stays NaN. */
guint16         la_f32_to_bf16 (gfloat v);
gfloat          la_bf16_to_f32 (guint16 v);
guint16         la_f32_to_f16 (gfloat v);
gfloat          la_f16_to_f32 (guint16 v);
guint8          la_f32_to_fp8_e4m3 (gfloat v);
gfloat          la_fp8_e4m3_to_f32 (guint8 v);

/* @n elements between host float and @dtype storage (I32 converts by
 * truncation toward zero, like a C cast). */
void            la_dtype_from_f32 (LaDType dtype, gpointer dst,
    const gfloat * src, gsize n);
void            la_dtype_to_f32 (LaDType dtype, gfloat * dst,
    gconstpointer src, gsize n);

/* ------------------------------------------------------------------------
 * Backend (device + stream)
 * ------------------------------------------------------------------------ */

/* LaBackendKind (AUTO, CPU, CUDA) and the LA_ERROR codes are the engine
 * API's, from liveavatar.h. */

typedef struct _LaBackend LaBackend;
typedef struct _LaBuffer LaBuffer;

/* @device: a CPU "virtual device" index (any value >= 0; several CPU
 * backends stand in for several GPUs in tests) or a CUDA ordinal.
 * LA_BACKEND_AUTO is CUDA when this build has it and @device exists, else
 * CPU. LA_ERROR_NOT_SUPPORTED for CUDA in a build without it,
 * LA_ERROR_DEVICE when the device does not exist. */
LaBackend      *la_backend_new (LaBackendKind kind, gint device,
    GError ** error);
void            la_backend_free (LaBackend * backend);

gint            la_backend_get_device_index (LaBackend * backend);
/* never LA_BACKEND_AUTO */
LaBackendKind   la_backend_get_kind (LaBackend * backend);
/* "CPU0", "CUDA1": for messages */
const gchar    *la_backend_get_name (LaBackend * backend);
/* what the device says it is ("NVIDIA H100 80GB HBM3", "CPU (reference)") */
const gchar    *la_backend_get_description (LaBackend * backend);

/* The backend's lock (recursive), which every call above takes: hold it
 * around several calls that must not interleave with other threads'. */
void            la_backend_lock (LaBackend * backend);
void            la_backend_unlock (LaBackend * backend);

/* Wait for all queued work; reports any fault that happened meanwhile. */
gboolean        la_backend_synchronize (LaBackend * backend, GError ** error);

/* Device memory in bytes: @total and @free as the device reports them
 * (CUDA: cudaMemGetInfo). A CPU virtual device reports the host's memory,
 * or LIVEAVATAR_CPU_DEVICE_MEMORY bytes when that is set (so tests can
 * play a small GPU); free is then total minus what CPU backends hold.
 * Either pointer may be NULL. */
gboolean        la_backend_get_memory_info (LaBackend * backend,
    guint64 * total, guint64 * free, GError ** error);
/* Bytes in the buffers this backend holds now, and the most it has held
 * at once since it was made (thread-safe: counters are atomic). */
guint64         la_backend_get_allocated_bytes (LaBackend * backend);
guint64         la_backend_get_peak_bytes (LaBackend * backend);
/* Buffers made on this backend since it was made (each la_buffer_new (),
 * and each la_tensor_new (), which makes one): a steady state that
 * allocates nothing leaves it unchanged. */
guint64         la_backend_get_n_allocations (LaBackend * backend);

/* ------------------------------------------------------------------------
 * Buffers (device memory)
 * ------------------------------------------------------------------------ */

/* Every tensor placed in a buffer starts at a multiple of this. */
#define LA_TENSOR_ALIGNMENT 256

LaBuffer       *la_buffer_new (LaBackend * backend, gsize size,
    GError ** error);
void            la_buffer_free (LaBuffer * buffer);
gsize           la_buffer_get_size (LaBuffer * buffer);
LaBackend      *la_buffer_get_backend (LaBuffer * buffer);

/* Raw bytes in and out of a buffer (blocking; downloads wait for the
 * stream). An arena or a test writing guard bytes uses these. */
gboolean        la_buffer_set_data (LaBuffer * buffer, gsize offset,
    gconstpointer data, gsize size, GError ** error);
gboolean        la_buffer_get_data (LaBuffer * buffer, gsize offset,
    gpointer data, gsize size, GError ** error);

/* ------------------------------------------------------------------------
 * Tensors
 * ------------------------------------------------------------------------ */

#define LA_MAX_DIMS 4

/* Contiguous, row-major; ne[] is the shape outermost first, as PyTorch
 * prints it: x [L, 40, 128] has ne = { L, 40, 128 }. "Rows" are everything
 * but the last dimension. Fields are read-only outside the backend code. */
typedef struct
{
  LaDType         dtype;
  gint            n_dims;       /* 1..LA_MAX_DIMS */
  gint64          ne[LA_MAX_DIMS];      /* unused dims are 1 */
  gsize           nbytes;
  gpointer        data;         /* host pointer (CPU) or device pointer (CUDA) */
  LaBackend      *backend;      /* owner: ops run only on their owner */
  LaBuffer       *buffer;       /* the memory it lives in */
  gsize           offset;       /* of data from the buffer's start, bytes */
  gboolean        owns_buffer;  /* la_tensor_free () also frees the buffer */
} LaTensor;

/* A tensor with a buffer of its own. Every dimension must be >= 1. */
LaTensor       *la_tensor_new (LaBackend * backend, LaDType dtype,
    gint n_dims, const gint64 * ne, GError ** error);
/* A tensor placed at @offset (a multiple of LA_TENSOR_ALIGNMENT) in
 * @buffer, which must outlive it. */
LaTensor       *la_tensor_new_in_buffer (LaBuffer * buffer, gsize offset,
    LaDType dtype, gint n_dims, const gint64 * ne, GError ** error);
/* A view of @src's memory starting @elem_offset elements in, with a new
 * shape that must fit inside @src; e.g. rows [r0, r0 + n) of x [L, C] is
 * la_tensor_new_view (x, r0 * C, 2, (gint64[]) { n, C }, &err). */
LaTensor       *la_tensor_new_view (LaTensor * src, gint64 elem_offset,
    gint n_dims, const gint64 * ne, GError ** error);
void            la_tensor_free (LaTensor * tensor);

gint64          la_tensor_nelements (const LaTensor * tensor);
gint64          la_tensor_nrows (const LaTensor * tensor);
gint64          la_tensor_ncols (const LaTensor * tensor);
gboolean        la_tensor_same_shape (const LaTensor * a, const LaTensor * b);
/* "bf16[3168,5120]" into @buf */
const gchar    *la_tensor_describe (const LaTensor * tensor, gchar * buf,
    gsize size);

/* Raw bytes (the tensor's own dtype); @offset and @size in bytes. */
gboolean        la_tensor_set_data (LaTensor * tensor, gsize offset,
    gconstpointer data, gsize size, GError ** error);
gboolean        la_tensor_get_data (LaTensor * tensor, gsize offset,
    gpointer data, gsize size, GError ** error);
/* All @n = nelements values, converted from / to host float. */
gboolean        la_tensor_set_f32 (LaTensor * tensor, const gfloat * src,
    gsize n, GError ** error);
gboolean        la_tensor_get_f32 (LaTensor * tensor, gfloat * dst,
    gsize n, GError ** error);

/* ------------------------------------------------------------------------
 * Ops
 *
 * All take the backend they run on first and the output next; every tensor
 * must belong to that backend. Unless an op says otherwise all its tensors
 * share one dtype, and the output may be the same tensor as its first
 * input where "in place" is noted. Bad shapes or dtypes give
 * LA_ERROR_INVALID_ARGUMENT, an op the backend lacks LA_ERROR_NOT_SUPPORTED
 * (ask la_backend_supports_op () first to fall back instead).
 * ------------------------------------------------------------------------ */

typedef enum
{
  LA_OP_LINEAR = 0,
  LA_OP_RMS_NORM,
  LA_OP_LAYER_NORM_MODULATE,
  LA_OP_GELU_TANH,
  LA_OP_ROPE_3D,
  LA_OP_ATTENTION,
  LA_OP_ADD,
  LA_OP_MUL,
  LA_OP_GATED_RESIDUAL,
  LA_OP_EULER_STEP,
  LA_OP_CONVERT,
  /* the video VAE's ops (CPU and CUDA) */
  LA_OP_CONV3D,
  LA_OP_CHANNEL_RMS_NORM,
  LA_OP_CHANNEL_AFFINE,
  LA_OP_SILU,
  LA_OP_UPSAMPLE_NEAREST_2X,
  LA_OP_TRANSPOSE,
  LA_OP_CLAMP,
  /* the audio encoder's ops (CPU and CUDA) */
  LA_OP_CONV1D,
  LA_OP_GELU_ERF,
  /* the text encoder's ops (CPU and CUDA) */
  LA_OP_LINEAR_MIXED,
  LA_OP_ATTENTION_BIAS,
  LA_OP_EMBEDDING,
  /* Live Avatar's --fp8 linears (CPU and CUDA) */
  LA_OP_LINEAR_FP8,
  LA_OP_COUNT
} LaOp;

const gchar    *la_op_name (LaOp op);
/* Whether @backend runs @op on @dtype data (the dtype of the op's main
 * input x; for LA_OP_CONVERT, of either side; for LA_OP_LINEAR_MIXED, of
 * x; for LA_OP_EMBEDDING, of y). */
gboolean        la_backend_supports_op (LaBackend * backend, LaOp op,
    LaDType dtype);

/* y = x W^T + b
 * x [..., K], w [N, K] (nn.Linear layout), bias [N] or NULL, y [..., N].
 * x and w share a dtype (F32, BF16, F16); y is that dtype or F32 (fp32
 * output from bf16 operands, for the residual stream); bias has y's dtype.
 * Accumulates in fp32.
 * Mixed (LA_OP_LINEAR_MIXED, ask for it with x's dtype): x, y and bias F32
 * with w BF16 or F16, the weights kept in their storage type and widened
 * as they are used. */
gboolean        la_linear (LaBackend * backend, LaTensor * y,
    const LaTensor * x, const LaTensor * w, const LaTensor * bias,
    GError ** error);

/* y = x / sqrt (mean (x^2) + eps) * w   over the last dimension
 * x, y [..., C], w [C]. Wan's q/k norm (over the full 5120, not per head). */
gboolean        la_rms_norm (LaBackend * backend, LaTensor * y,
    const LaTensor * x, const LaTensor * w, gfloat eps, GError ** error);

/* y = (x - mean) / sqrt (var + eps) * (1 + scale) + shift
 * LayerNorm without affine over the last dimension (biased variance, as
 * nn.LayerNorm), fused with adaLN modulation. x, y [..., C] with R rows;
 * scale, shift [G, C] or [C] (G = 1), R a multiple of G: row r uses group
 * r / (R / G), i.e. per-frame modulation for frames of R / G tokens.
 * scale and shift both NULL: plain LayerNorm. */
gboolean        la_layer_norm_modulate (LaBackend * backend, LaTensor * y,
    const LaTensor * x, const LaTensor * scale, const LaTensor * shift,
    gfloat eps, GError ** error);

/* y = 0.5 x (1 + tanh (sqrt (2 / pi) (x + 0.044715 x^3)))
 * nn.GELU (approximate='tanh'); any shape, in place allowed. */
gboolean        la_gelu_tanh (LaBackend * backend, LaTensor * y,
    const LaTensor * x, GError ** error);

/* Wan's 3-axis rotary embedding (wan/modules/model.py rope_apply).
 * x, y [L, H, D] or [B, L, H, D], D even; pos [L, 3] I32 = (t, h, w)
 * position of each token, negative allowed (FramePack motion tokens).
 * Each head is D/2 complex pairs (x[2j], x[2j+1]); with c = D/2 the pairs
 * split into t, h, w parts of c - 2 (c/3), c/3, c/3 pairs (22, 21, 21 for
 * D = 128), each part with its own ladder: pair i of a part of n pairs
 * turns by pos * theta^(-2i / (2n)). Angles and products in double, as
 * Wan does them in float64. In place allowed. */
gboolean        la_rope_3d (LaBackend * backend, LaTensor * y,
    const LaTensor * x, const LaTensor * pos, gfloat theta, GError ** error);

/* o = softmax (q k^T * scale) v   per head, no mask, Lq and Lk independent
 * q, o [Lq, H, D], k, v [Lk, H, D]; or all with a leading batch B.
 * scale <= 0 means 1 / sqrt (D). Accumulates in fp32. */
gboolean        la_attention (LaBackend * backend, LaTensor * o,
    const LaTensor * q, const LaTensor * k, const LaTensor * v, gfloat scale,
    GError ** error);

/* y = a + b, y = a * b
 * y and a same shape; b's element count divides a's and b repeats (b of
 * a's shape, or [C] broadcast over rows, ...). In place (y = a) allowed. */
gboolean        la_add (LaBackend * backend, LaTensor * y, const LaTensor * a,
    const LaTensor * b, GError ** error);
gboolean        la_mul (LaBackend * backend, LaTensor * y, const LaTensor * a,
    const LaTensor * b, GError ** error);

/* y = x + gate * r
 * x, r, y [..., C] with R rows; gate [G, C] or [C], grouped like
 * la_layer_norm_modulate's scale. In place (y = x) allowed. */
gboolean        la_gated_residual (LaBackend * backend, LaTensor * y,
    const LaTensor * x, const LaTensor * gate, const LaTensor * r,
    GError ** error);

/* y = x + dt * v   the flow-matching Euler update (dt = sigma_next - sigma)
 * x, v, y same shape; in place (y = x) allowed. */
gboolean        la_euler_step (LaBackend * backend, LaTensor * y,
    const LaTensor * x, const LaTensor * v, gfloat dt, GError ** error);

/* y = x converted to y's dtype (F32, BF16, F16, FP8_E4M3), same element
 * count; rounding as la_f32_to_bf16 () and friends. */
gboolean        la_convert (LaBackend * backend, LaTensor * y,
    const LaTensor * x, GError ** error);

/* y = Live Avatar's FP8 linear (liveavatar/utils/fp8_linear.py,
 * FP8LinearFunction, torch._scaled_mm with per-tensor scales):
 *   s  = min (448 / max (amax (|x|), 1e-12), 448)   over all of x, per call
 *   xq = e4m3 (clamp (x * s, -448, 448))
 *   y  = bf16 ((sum_k xq[r, k] wq[n, k]) * (1 / s) * w_scale + bias[n])
 * x [..., K] F32 or BF16 (ask with x's dtype); w [N, K] FP8_E4M3, quantised
 * at load by la_fp8_quantize (); w_scale [1] F32, the weight's
 * dequantisation scale; bias [N] F32 or NULL; y [..., N] F32 or BF16 (the
 * bf16 result widened when F32). Products exact, sums in fp32. */
gboolean        la_linear_fp8 (LaBackend * backend, LaTensor * y,
    const LaTensor * x, const LaTensor * w, const LaTensor * w_scale,
    const LaTensor * bias, GError ** error);

/* Host side of Live Avatar's quant_fp8 () for a weight of @n values:
 * @q gets e4m3 (clamp (w * s)), s = min (448 / max (amax, 1e-12), 448), and
 * the return value is the dequantisation scale 1 / s. */
gfloat          la_fp8_quantize (const gfloat * w, gsize n, guint8 * q);

/* ------------------------------------------------------------------------
 * Video VAE ops
 *
 * Pictures and feature maps are frame-major, [T, C, H, W]: a frame is
 * contiguous, so a run of frames (a chunk, a causal history) is a view.
 * Weights keep PyTorch's layout except that a conv's two spatial kernel
 * dimensions are merged to fit LA_MAX_DIMS.
 * ------------------------------------------------------------------------ */

typedef struct
{
  gint            kernel[3];    /* kt, kh, kw */
  gint            stride[3];    /* st, sh, sw */
  gint            pad[4];       /* zero rows/columns: top, bottom, left, right */
} LaConv3dParams;

/* Causal 3D convolution (nn.Conv3d with no time padding) over the frames
 * of @past followed by those of @x:
 *   y[to, co] = bias[co] + sum_{ci, dt, dy, dx} w[co, ci, dt, dy * kw + dx]
 *               * in[to * st + dt, ci, oy * sh + dy - top, ox * sw + dx - left]
 * where in = concat (past, x) in time and spatial taps outside the picture
 * read zero.
 * x [T, Cin, H, W]; past [P, Cin, H, W] or NULL (P = 0): the frames just
 * before x, oldest first (zeros at a stream's start give PyTorch's zero
 * front padding); w [Cout, Cin, kt, kh * kw] (a Conv3d weight
 * [Cout, Cin, kt, kh, kw], or a Conv2d weight with kt = 1); bias [Cout] or
 * NULL; y [To, Cout, Ho, Wo] with To = (P + T - kt) / st + 1,
 * Ho = (H + top + bottom - kh) / sh + 1, Wo likewise; all at least 1.
 * A Conv2d applied per frame is kt = 1 with the frames in x. */
gboolean        la_conv3d (LaBackend * backend, LaTensor * y,
    const LaTensor * x, const LaTensor * past, const LaTensor * w,
    const LaTensor * bias, const LaConv3dParams * params, GError ** error);

/* y = x / max (||x||_2, 1e-12) * sqrt (C) * gamma + bias   over channels
 * Wan VAE's RMS_norm (F.normalize over the channel dimension). x, y
 * [..., C, H, W] (3 or 4 dims, the channel dimension third from last),
 * normalised at every pixel of every frame; gamma [C], bias [C] or NULL.
 * In place allowed. */
gboolean        la_channel_rms_norm (LaBackend * backend, LaTensor * y,
    const LaTensor * x, const LaTensor * gamma, const LaTensor * bias,
    GError ** error);

/* y = x * scale[c] + shift[c]   per channel
 * x, y [..., C, H, W] as la_channel_rms_norm (); scale, shift [C]. The
 * latent normalisation (z * std + mean and its inverse). In place
 * allowed. */
gboolean        la_channel_affine (LaBackend * backend, LaTensor * y,
    const LaTensor * x, const LaTensor * scale, const LaTensor * shift,
    GError ** error);

/* y = x / (1 + exp (-x))   nn.SiLU; any shape, in place allowed. */
gboolean        la_silu (LaBackend * backend, LaTensor * y, const LaTensor * x,
    GError ** error);

/* y[..., i, j] = x[..., i / 2, j / 2]
 * Nearest-neighbour 2x upsampling of the last two dimensions (also
 * "nearest-exact": identical for a factor of 2). x [..., H, W],
 * y [..., 2H, 2W]. */
gboolean        la_upsample_nearest_2x (LaBackend * backend, LaTensor * y,
    const LaTensor * x, GError ** error);

/* y[b, n, m, s] = x[b, m, n, s]
 * Swaps the middle two of four dimensions, moving blocks of S contiguous
 * elements: x [B, M, N, S], y [B, N, M, S]. S = 1 transposes matrices;
 * [C, T, H * W] <-> [T, C, H * W] switches channel-first and frame-major
 * (view the tensors with the 4 dimensions you mean). */
gboolean        la_transpose (LaBackend * backend, LaTensor * y,
    const LaTensor * x, GError ** error);

/* y = min (max (x, lo), hi); any shape, in place allowed. */
gboolean        la_clamp (LaBackend * backend, LaTensor * y,
    const LaTensor * x, gfloat lo, gfloat hi, GError ** error);

/* ------------------------------------------------------------------------
 * Audio encoder ops
 *
 * Sequences are time-major, [L, C]: a frame's channels are contiguous, as
 * a linear's rows, so a convolution feeds a LayerNorm or a linear with no
 * transpose in between.
 * ------------------------------------------------------------------------ */

typedef struct
{
  gint            stride;
  gint            pad[2];       /* zero frames before and after the input */
  gint            groups;       /* channels split into this many groups */
} LaConv1dParams;

/* nn.Conv1d over time, with groups and asymmetric zero padding:
 *   y[t, co] = bias[co] + sum_{ci, k} w[co, ci, k]
 *              * x[t * stride + k - pad[0], g * Cin / G + ci]
 * with g = co / (Cout / G), ci < Cin / G, and taps outside the input
 * reading zero. x [L, Cin]; w [Cout, Cin / G, K] (PyTorch's layout);
 * bias [Cout] or NULL; y [Lo, Cout] with
 * Lo = (L + pad[0] + pad[1] - K) / stride + 1 >= 1. Cin and Cout are
 * multiples of G. */
gboolean        la_conv1d (LaBackend * backend, LaTensor * y,
    const LaTensor * x, const LaTensor * w, const LaTensor * bias,
    const LaConv1dParams * params, GError ** error);

/* y = 0.5 x (1 + erf (x / sqrt (2)))
 * nn.GELU () (exact, approximate='none'); any shape, in place allowed. */
gboolean        la_gelu_erf (LaBackend * backend, LaTensor * y,
    const LaTensor * x, GError ** error);

/* ------------------------------------------------------------------------
 * Text encoder ops (umT5)
 * ------------------------------------------------------------------------ */

/* o = softmax (q k^T * scale + bias) v   per head
 * la_attention () with an additive logit bias: T5's relative position
 * bias, plus -inf on the keys a padding mask drops. q, o [Lq, H, D],
 * k, v [Lk, H, D], or all with a leading batch B; bias [H, Lq, Lk], the
 * same for every batch. scale <= 0 means 1 / sqrt (D) (T5 uses 1). A row
 * whose logits are all -inf gives zeros. Accumulates in fp32. */
gboolean        la_attention_bias (LaBackend * backend, LaTensor * o,
    const LaTensor * q, const LaTensor * k, const LaTensor * v,
    const LaTensor * bias, gfloat scale, GError ** error);

/* y[i] = table[ids[i]]   nn.Embedding
 * table [V, C] any float dtype (kept as stored: a bf16 vocabulary stays
 * bf16), ids [L] I32, y [L, C] F32 or table's dtype. An id outside
 * [0, V) gives a zero row: check ids on the host first to report them. */
gboolean        la_embedding (LaBackend * backend, LaTensor * y,
    const LaTensor * table, const LaTensor * ids, GError ** error);

G_END_DECLS

#endif /* __LA_BACKEND_H__ */
