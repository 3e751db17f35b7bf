/* liveavatar: the umT5 text encoder (Wan's T5Encoder)
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Bottom-up as wan/modules/t5.py: the weights of a block (T5SelfAttention)
 * and of the encoder, the loader, then the forward. Weights live in one
 * backend buffer; each block's position table stays on the host, where
 * the bias is built. */

#include "config.h"

#include "la-t5.h"
#include "la-t5-position.h"
#include "liveavatar.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Weights (names as in models_t5_umt5-xxl-enc-bf16.pth)
 * ------------------------------------------------------------------------ */

/* blocks.N.* (T5SelfAttention with shared_pos=False) */
typedef struct
{
  LaTensor *norm1;              /* norm1.weight [dim] f32 */
  LaTensor *q, *k, *v;          /* attn.{q,k,v}.weight [dim_attn, dim] */
  LaTensor *o;                  /* attn.o.weight [dim, dim_attn] */
  LaTensor *norm2;              /* norm2.weight [dim] f32 */
  LaTensor *gate;               /* ffn.gate.0.weight [dim_ffn, dim];
                                 * ffn.gate.1 is GELU (tanh) */
  LaTensor *fc1;                /* ffn.fc1.weight [dim_ffn, dim] */
  LaTensor *fc2;                /* ffn.fc2.weight [dim, dim_ffn] */
  gfloat *pos;                  /* pos_embedding.embedding.weight
                                 * [num_buckets, num_heads], host */
} LaT5Block;

struct _LaT5Encoder
{
  LaBackend *backend;
  LaT5Config config;
  LaBuffer *weights;            /* every tensor below lives in it */
  GPtrArray *tensors;           /* freed before the buffer */
  LaTensor *token_embedding;    /* token_embedding.weight [vocab, dim] */
  LaT5Block *blocks;            /* num_layers */
  LaTensor *norm;               /* norm.weight [dim] f32 */
  LaDType weight_dtype;
};

/* ------------------------------------------------------------------------
 * Configuration
 * ------------------------------------------------------------------------ */

/* fixed in wan/modules/t5.py rather than stored */
#define T5_MAX_DISTANCE 128
#define T5_EPS 1e-6f

void
la_t5_config_init_umt5_xxl (LaT5Config * config)
{
  config->vocab_size = 256384;
  config->dim = 4096;
  config->dim_attn = 4096;
  config->dim_ffn = 10240;
  config->num_heads = 64;
  config->num_layers = 24;
  config->num_buckets = 32;
  config->max_distance = T5_MAX_DISTANCE;
  config->eps = T5_EPS;
}

gboolean
la_t5_config_validate (const LaT5Config * c, GError ** error)
{
  if (c->vocab_size < 1 || c->vocab_size > (1 << 24) || c->dim < 1
      || c->dim > (1 << 16) || c->dim_attn < 1 || c->dim_attn > (1 << 16)
      || c->dim_ffn < 1 || c->dim_ffn > (1 << 18) || c->num_layers < 1
      || c->num_layers > 1024)
    goto bad_size;
  if (c->num_heads < 1 || c->dim_attn % c->num_heads != 0)
    goto bad_heads;
  if (c->num_buckets < 4 || c->num_buckets > 4096
      || c->max_distance <= c->num_buckets / 4)
    goto bad_buckets;
  if (!(c->eps >= 0.0f) || !isfinite (c->eps))
    goto bad_eps;
  return TRUE;

  /* ERRORS */
bad_size:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "umT5: implausible sizes (vocab %d, dim %d, dim_attn %d, dim_ffn %d, "
        "%d layers)", c->vocab_size, c->dim, c->dim_attn, c->dim_ffn,
        c->num_layers);
    return FALSE;
  }
bad_heads:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "umT5: dim_attn %d does not split into %d heads", c->dim_attn,
        c->num_heads);
    return FALSE;
  }
bad_buckets:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "umT5: %d position buckets up to distance %d make no bucketing",
        c->num_buckets, c->max_distance);
    return FALSE;
  }
bad_eps:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "umT5: norm eps must be >= 0");
    return FALSE;
  }
}

/* the two dimensions of a 2-D float tensor @name */
static gboolean
shape2 (LaCheckpoint * ck, const gchar * name, gint * rows, gint * cols,
    GError ** error)
{
  static const gint64 any[] = { -1, -1 };
  const LaCheckpointTensor *t;

  t = la_checkpoint_expect (ck, name, LA_IO_DTYPES_WEIGHT, 2, any, error);
  if (!t)
    return FALSE;
  if (t->shape[0] > G_MAXINT || t->shape[1] > G_MAXINT) {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: tensor '%s' is too large", la_checkpoint_get_path (ck), name);
    return FALSE;
  }
  *rows = (gint) t->shape[0];
  *cols = (gint) t->shape[1];
  return TRUE;
}

gboolean
la_t5_config_from_checkpoint (LaT5Config * config, LaCheckpoint * ck,
    GError ** error)
{
  LaT5Config c;
  gint layers = 0, unused;

  if (la_checkpoint_lookup (ck, "pos_embedding.embedding.weight"))
    goto shared_pos;
  la_t5_config_init_umt5_xxl (&c);
  if (!shape2 (ck, "token_embedding.weight", &c.vocab_size, &c.dim, error)
      || !shape2 (ck, "blocks.0.attn.q.weight", &c.dim_attn, &unused, error)
      || !shape2 (ck, "blocks.0.ffn.fc1.weight", &c.dim_ffn, &unused, error)
      || !shape2 (ck, "blocks.0.pos_embedding.embedding.weight",
          &c.num_buckets, &c.num_heads, error))
    return FALSE;
  for (;;) {
    gchar name[64];

    g_snprintf (name, sizeof (name), "blocks.%d.norm1.weight", layers);
    if (!la_checkpoint_lookup (ck, name))
      break;
    layers++;
  }
  c.num_layers = layers;
  if (!la_t5_config_validate (&c, error))
    return FALSE;
  *config = c;
  return TRUE;

  /* ERRORS */
shared_pos:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
        "%s: one position bias shared by all blocks is T5's, not umT5's "
        "(Wan's shared_pos=False)", la_checkpoint_get_path (ck));
    return FALSE;
  }
}

/* ------------------------------------------------------------------------
 * Loader: one pass to check and place every tensor, one to upload
 * ------------------------------------------------------------------------ */

typedef struct
{
  const LaCheckpointTensor *src;
  LaTensor **dst;               /* a backend tensor, or */
  gfloat **host;                /* an fp32 host copy */
  LaDType dtype;
  gsize offset;                 /* in the weight buffer */
} LaT5Slot;

typedef enum
{
  SLOT_MATRIX,                  /* kept bf16/f16 where the backend can */
  SLOT_VECTOR,                  /* fp32 on the backend */
  SLOT_HOST                     /* fp32 on the host */
} LaT5SlotKind;

typedef struct
{
  LaCheckpoint *ck;
  GArray *slots;
  gboolean narrow_ok;           /* backend has LA_OP_LINEAR_MIXED */
  gsize size;
} LaT5Loader;

/* *INDENT-OFF* */
static gboolean plan (LaT5Loader * ld, LaT5SlotKind kind, gpointer dst,
    gint64 d0, gint64 d1, GError ** error, const gchar * format, ...)
    G_GNUC_PRINTF (7, 8);
/* *INDENT-ON* */

/* Checks tensor @format... has shape [d0, d1] (d1 0: [d0]) and reserves
 * its place. */
static gboolean
plan (LaT5Loader * ld, LaT5SlotKind kind, gpointer dst, gint64 d0,
    gint64 d1, GError ** error, const gchar * format, ...)
{
  gint64 shape[2] = { d0, d1 };
  LaT5Slot slot = { NULL };
  va_list args;
  gchar *name;
  LaDType stored;

  va_start (args, format);
  name = g_strdup_vprintf (format, args);
  va_end (args);
  slot.src = la_checkpoint_expect (ld->ck, name, LA_IO_DTYPES_WEIGHT,
      d1 ? 2 : 1, shape, error);
  g_free (name);
  if (!slot.src)
    return FALSE;

  slot.dtype = LA_DTYPE_F32;
  if (kind == SLOT_MATRIX && la_io_dtype_to_backend (slot.src->dtype, &stored)
      && (stored == LA_DTYPE_BF16 || stored == LA_DTYPE_F16) && ld->narrow_ok)
    slot.dtype = stored;
  if (kind == SLOT_HOST) {
    slot.host = dst;
  } else {
    slot.dst = dst;
    slot.offset = ld->size;
    ld->size += (slot.src->numel * la_dtype_size (slot.dtype)
        + LA_TENSOR_ALIGNMENT - 1) / LA_TENSOR_ALIGNMENT * LA_TENSOR_ALIGNMENT;
  }
  g_array_append_val (ld->slots, slot);
  return TRUE;
}

static gboolean
plan_all (LaT5Encoder * enc, LaT5Loader * ld, GError ** error)
{
  const LaT5Config *c = &enc->config;
  gint i;

  if (!plan (ld, SLOT_MATRIX, &enc->token_embedding, c->vocab_size, c->dim,
          error, "token_embedding.weight"))
    return FALSE;
  for (i = 0; i < c->num_layers; i++) {
    LaT5Block *b = &enc->blocks[i];

    if (!plan (ld, SLOT_VECTOR, &b->norm1, c->dim, 0, error,
            "blocks.%d.norm1.weight", i)
        || !plan (ld, SLOT_MATRIX, &b->q, c->dim_attn, c->dim, error,
            "blocks.%d.attn.q.weight", i)
        || !plan (ld, SLOT_MATRIX, &b->k, c->dim_attn, c->dim, error,
            "blocks.%d.attn.k.weight", i)
        || !plan (ld, SLOT_MATRIX, &b->v, c->dim_attn, c->dim, error,
            "blocks.%d.attn.v.weight", i)
        || !plan (ld, SLOT_MATRIX, &b->o, c->dim, c->dim_attn, error,
            "blocks.%d.attn.o.weight", i)
        || !plan (ld, SLOT_VECTOR, &b->norm2, c->dim, 0, error,
            "blocks.%d.norm2.weight", i)
        || !plan (ld, SLOT_MATRIX, &b->gate, c->dim_ffn, c->dim, error,
            "blocks.%d.ffn.gate.0.weight", i)
        || !plan (ld, SLOT_MATRIX, &b->fc1, c->dim_ffn, c->dim, error,
            "blocks.%d.ffn.fc1.weight", i)
        || !plan (ld, SLOT_MATRIX, &b->fc2, c->dim, c->dim_ffn, error,
            "blocks.%d.ffn.fc2.weight", i)
        || !plan (ld, SLOT_HOST, &b->pos, c->num_buckets, c->num_heads,
            error, "blocks.%d.pos_embedding.embedding.weight", i))
      return FALSE;
  }
  return plan (ld, SLOT_VECTOR, &enc->norm, c->dim, 0, error, "norm.weight");
}

/* Wan's load_state_dict is strict: a tensor nobody reads is an error */
static gboolean
check_unexpected (LaT5Loader * ld, GError ** error)
{
  GHashTable *known;
  guint i, n = la_checkpoint_n_tensors (ld->ck);
  const gchar *extra = NULL;

  if (n == ld->slots->len)
    return TRUE;
  known = g_hash_table_new (g_str_hash, g_str_equal);
  for (i = 0; i < ld->slots->len; i++)
    g_hash_table_add (known, (gpointer) g_array_index (ld->slots, LaT5Slot,
            i).src->name);
  for (i = 0; i < n && !extra; i++)
    if (!g_hash_table_contains (known, la_checkpoint_get (ld->ck, i)->name))
      extra = la_checkpoint_get (ld->ck, i)->name;
  g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
      "%s: unexpected tensor '%s' (%u tensors, a umT5 encoder of %d layers "
      "has %u)", la_checkpoint_get_path (ld->ck), extra ? extra : "?", n,
      (gint) ((ld->slots->len - 2) / 10), ld->slots->len);
  g_hash_table_unref (known);
  return FALSE;
}

static gboolean
upload (LaT5Encoder * enc, LaT5Slot * slot, GError ** error)
{
  const LaCheckpointTensor *src = slot->src;
  gint64 ne[2] = { src->shape[0], src->ndim == 2 ? src->shape[1] : 1 };
  LaDType stored;
  LaTensor *t;
  gfloat *f;
  gboolean ok;

  if (slot->host) {
    *slot->host = la_checkpoint_tensor_dup_f32 (src, error);
    return *slot->host != NULL;
  }
  t = la_tensor_new_in_buffer (enc->weights, slot->offset, slot->dtype,
      src->ndim, ne, error);
  if (!t)
    return FALSE;
  g_ptr_array_add (enc->tensors, t);
  *slot->dst = t;
  if (la_io_dtype_to_backend (src->dtype, &stored) && stored == slot->dtype)
    return la_tensor_set_data (t, 0, src->data, src->nbytes, error);
  f = la_checkpoint_tensor_dup_f32 (src, error);
  if (!f)
    return FALSE;
  ok = la_tensor_set_f32 (t, f, src->numel, error);
  g_free (f);
  return ok;
}

static gboolean
check_backend (LaBackend * backend, GError ** error)
{
  static const LaOp needed[] = {
    LA_OP_EMBEDDING, LA_OP_RMS_NORM, LA_OP_LINEAR, LA_OP_ATTENTION_BIAS,
    LA_OP_ADD, LA_OP_MUL, LA_OP_GELU_TANH
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (needed); i++) {
    if (!la_backend_supports_op (backend, needed[i], LA_DTYPE_F32)) {
      g_set_error (error, LA_ERROR, LA_ERROR_NOT_SUPPORTED,
          "umT5: %s has no fp32 %s, which the text encoder needs",
          la_backend_get_name (backend), la_op_name (needed[i]));
      return FALSE;
    }
  }
  return TRUE;
}

LaT5Encoder *
la_t5_encoder_new (LaBackend * backend, const LaT5Config * config,
    LaCheckpoint * ck, GError ** error)
{
  LaT5Encoder *enc;
  LaT5Loader ld = { ck };
  guint i;

  g_return_val_if_fail (backend && config && ck, NULL);

  if (!la_t5_config_validate (config, error) || !check_backend (backend, error))
    return NULL;

  enc = g_new0 (LaT5Encoder, 1);
  enc->backend = backend;
  enc->config = *config;
  enc->tensors = g_ptr_array_new ();
  enc->blocks = g_new0 (LaT5Block, config->num_layers);
  ld.slots = g_array_new (FALSE, TRUE, sizeof (LaT5Slot));
  ld.narrow_ok = la_backend_supports_op (backend, LA_OP_LINEAR_MIXED,
      LA_DTYPE_F32);

  if (!plan_all (enc, &ld, error) || !check_unexpected (&ld, error))
    goto failed;
  enc->weights = la_buffer_new (backend, ld.size, error);
  if (!enc->weights)
    goto failed;
  for (i = 0; i < ld.slots->len; i++)
    if (!upload (enc, &g_array_index (ld.slots, LaT5Slot, i), error))
      goto failed;
  enc->weight_dtype = enc->blocks[0].q->dtype;
  g_array_unref (ld.slots);

  g_debug ("umT5 encoder on %s: vocab %d, dim %d, dim_attn %d (%d heads), "
      "dim_ffn %d, %d layers, %d buckets up to %d; %s weights, %"
      G_GSIZE_FORMAT " MiB", la_backend_get_name (backend),
      config->vocab_size, config->dim, config->dim_attn, config->num_heads,
      config->dim_ffn, config->num_layers, config->num_buckets,
      config->max_distance, la_dtype_name (enc->weight_dtype), ld.size >> 20);
  return enc;

  /* ERRORS */
failed:
  {
    g_array_unref (ld.slots);
    la_t5_encoder_free (enc);
    return NULL;
  }
}

void
la_t5_encoder_free (LaT5Encoder * enc)
{
  gint i;

  if (!enc)
    return;
  for (i = 0; i < enc->config.num_layers; i++)
    g_free (enc->blocks[i].pos);
  g_free (enc->blocks);
  g_ptr_array_set_free_func (enc->tensors, (GDestroyNotify) la_tensor_free);
  g_ptr_array_unref (enc->tensors);
  if (enc->weights)
    la_buffer_free (enc->weights);
  g_free (enc);
}

const LaT5Config *
la_t5_encoder_get_config (LaT5Encoder * enc)
{
  return &enc->config;
}

LaBackend *
la_t5_encoder_get_backend (LaT5Encoder * enc)
{
  return enc->backend;
}

LaDType
la_t5_encoder_get_weight_dtype (LaT5Encoder * enc)
{
  return enc->weight_dtype;
}

gsize
la_t5_encoder_get_weight_bytes (LaT5Encoder * enc)
{
  return la_buffer_get_size (enc->weights);
}

/* ------------------------------------------------------------------------
 * Forward
 * ------------------------------------------------------------------------ */

/* activations for @len tokens; views are freed before what they view */
typedef struct
{
  LaTensor *ids;                /* [L] i32 */
  LaTensor *x;                  /* [L, dim] the residual stream */
  LaTensor *h;                  /* [L, dim] normed */
  LaTensor *q, *k, *v, *a;      /* [L, dim_attn] */
  LaTensor *q3, *k3, *v3, *a3;  /* views [L, heads, head_dim] */
  LaTensor *r;                  /* [L, dim] a block's branch output */
  LaTensor *g, *f;              /* [L, dim_ffn] gate, fc1 */
  LaTensor *bias;               /* [heads, L, L] */
  gfloat *host_bias;
} LaT5Acts;

static void
acts_clear (LaT5Acts * a)
{
  LaTensor **order[] = { &a->q3, &a->k3, &a->v3, &a->a3, &a->ids, &a->x,
    &a->h, &a->q, &a->k, &a->v, &a->a, &a->r, &a->g, &a->f, &a->bias
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (order); i++)
    g_clear_pointer (order[i], la_tensor_free);
  g_clear_pointer (&a->host_bias, g_free);
}

static gboolean
acts_init (LaT5Acts * a, LaT5Encoder * enc, gint64 len, GError ** error)
{
  const LaT5Config *c = &enc->config;
  LaBackend *be = enc->backend;
  gint64 head_dim = c->dim_attn / c->num_heads;
  gint64 s1[] = { len }, sd[] = { len, c->dim }, sa[] = { len, c->dim_attn };
  gint64 sh[] = { len, c->num_heads, head_dim }, sf[] = { len, c->dim_ffn };
  gint64 sb[] = { c->num_heads, len, len };

  memset (a, 0, sizeof (*a));
  if (!(a->ids = la_tensor_new (be, LA_DTYPE_I32, 1, s1, error))
      || !(a->x = la_tensor_new (be, LA_DTYPE_F32, 2, sd, error))
      || !(a->h = la_tensor_new (be, LA_DTYPE_F32, 2, sd, error))
      || !(a->r = la_tensor_new (be, LA_DTYPE_F32, 2, sd, error))
      || !(a->q = la_tensor_new (be, LA_DTYPE_F32, 2, sa, error))
      || !(a->k = la_tensor_new (be, LA_DTYPE_F32, 2, sa, error))
      || !(a->v = la_tensor_new (be, LA_DTYPE_F32, 2, sa, error))
      || !(a->a = la_tensor_new (be, LA_DTYPE_F32, 2, sa, error))
      || !(a->q3 = la_tensor_new_view (a->q, 0, 3, sh, error))
      || !(a->k3 = la_tensor_new_view (a->k, 0, 3, sh, error))
      || !(a->v3 = la_tensor_new_view (a->v, 0, 3, sh, error))
      || !(a->a3 = la_tensor_new_view (a->a, 0, 3, sh, error))
      || !(a->g = la_tensor_new (be, LA_DTYPE_F32, 2, sf, error))
      || !(a->f = la_tensor_new (be, LA_DTYPE_F32, 2, sf, error))
      || !(a->bias = la_tensor_new (be, LA_DTYPE_F32, 3, sb, error))) {
    acts_clear (a);
    return FALSE;
  }
  a->host_bias = g_try_new (gfloat, la_tensor_nelements (a->bias));
  if (!a->host_bias) {
    g_set_error (error, LA_ERROR, LA_ERROR_OUT_OF_MEMORY,
        "umT5: no memory for the position bias of %" G_GINT64_FORMAT
        " tokens", len);
    acts_clear (a);
    return FALSE;
  }
  return TRUE;
}

/* T5SelfAttention.forward
 * x: a->x [L, dim], updated in place; mask: [L] or NULL */
static gboolean
block_forward (LaT5Encoder * enc, const LaT5Block * b, LaT5Acts * a,
    const guint8 * mask, gint64 len, GError ** error)
{
  const LaT5Config *c = &enc->config;
  LaBackend *be = enc->backend;

  /* bias [heads, L, L]: this block's relative positions, -inf on the keys
   * the mask drops */
  la_t5_position_bias (a->host_bias, b->pos, mask, len, c->num_heads,
      c->num_buckets, c->max_distance);
  if (!la_tensor_set_f32 (a->bias, a->host_bias,
          la_tensor_nelements (a->bias), error))
    return FALSE;

  /* self-attention: x = x + o (attn (norm1 (x))), no 1 / sqrt (d) (T5);
   * q, k, v, a [L, dim_attn] seen by the attention as [L, heads, head_dim] */
  if (!la_rms_norm (be, a->h, a->x, b->norm1, c->eps, error)
      || !la_linear (be, a->q, a->h, b->q, NULL, error)
      || !la_linear (be, a->k, a->h, b->k, NULL, error)
      || !la_linear (be, a->v, a->h, b->v, NULL, error)
      || !la_attention_bias (be, a->a3, a->q3, a->k3, a->v3, a->bias, 1.0f,
          error)
      || !la_linear (be, a->r, a->a, b->o, NULL, error)
      || !la_add (be, a->x, a->x, a->r, error))
    return FALSE;

  /* ffn: x = x + fc2 (fc1 (n) * gelu (gate.0 (n))), n = norm2 (x);
   * g, f [L, dim_ffn] */
  return la_rms_norm (be, a->h, a->x, b->norm2, c->eps, error)
      && la_linear (be, a->g, a->h, b->gate, NULL, error)
      && la_gelu_tanh (be, a->g, a->g, error)
      && la_linear (be, a->f, a->h, b->fc1, NULL, error)
      && la_mul (be, a->f, a->f, a->g, error)
      && la_linear (be, a->r, a->f, b->fc2, NULL, error)
      && la_add (be, a->x, a->x, a->r, error);
}

static gboolean
check_tokens (LaT5Encoder * enc, const gint32 * ids, gint64 len,
    GError ** error)
{
  gint64 i;

  if (len < 1 || len > LA_T5_MAX_TOKENS) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "umT5: %" G_GINT64_FORMAT " tokens, expected 1 to %d", len,
        LA_T5_MAX_TOKENS);
    return FALSE;
  }
  for (i = 0; i < len; i++) {
    if (ids[i] < 0 || ids[i] >= enc->config.vocab_size) {
      g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
          "umT5: token %" G_GINT64_FORMAT " has id %d, outside the "
          "vocabulary of %d", i, ids[i], enc->config.vocab_size);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
check_output (LaT5Encoder * enc, const LaTensor * t, gint64 rows,
    const gchar * what, GError ** error)
{
  if (!t || t->backend != enc->backend || t->dtype != LA_DTYPE_F32
      || t->n_dims != 2 || t->ne[0] != rows || t->ne[1] != enc->config.dim) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "umT5: %s must be an f32 [%" G_GINT64_FORMAT ", %d] tensor on %s",
        what, rows, enc->config.dim, la_backend_get_name (enc->backend));
    return FALSE;
  }
  return TRUE;
}

gboolean
la_t5_encoder_forward (LaT5Encoder * enc, LaTensor * out, const gint32 * ids,
    const guint8 * mask, gint64 len, GError ** error)
{
  const LaT5Config *c = &enc->config;
  LaBackend *be = enc->backend;
  LaT5Acts a;
  gboolean ok;
  gint64 i, keys = 0;
  gint layer;

  g_return_val_if_fail (enc && ids, FALSE);

  if (!check_tokens (enc, ids, len, error)
      || !check_output (enc, out, len, "out", error))
    return FALSE;
  for (i = 0; mask && i < len; i++)
    keys += mask[i] != 0;
  if (mask && keys == 0)
    goto no_keys;
  if (!acts_init (&a, enc, len, error))
    return FALSE;

  /* x [L, dim] = token_embedding (ids); dropout is identity */
  ok = la_tensor_set_data (a.ids, 0, ids, len * sizeof (gint32), error)
      && la_embedding (be, a.x, enc->token_embedding, a.ids, error);
  for (layer = 0; ok && layer < c->num_layers; layer++)
    ok = block_forward (enc, &enc->blocks[layer], &a, mask, len, error);
  ok = ok && la_rms_norm (be, out, a.x, enc->norm, c->eps, error)
      && la_backend_synchronize (be, error);
  acts_clear (&a);
  return ok;

  /* ERRORS */
no_keys:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "umT5: the mask leaves no token to attend to");
    return FALSE;
  }
}

gboolean
la_t5_encoder_encode (LaT5Encoder * enc, LaTensor * context,
    const gint32 * ids, const guint8 * mask, gint64 len, gint64 * n_tokens,
    GError ** error)
{
  LaTensor *rows = NULL;
  gint64 n = 0, i, shape[2];
  gsize pad_bytes;
  gpointer zeros;
  gboolean ok;

  g_return_val_if_fail (enc && ids && mask, FALSE);

  if (len < 1)
    goto bad_len;
  if (!check_output (enc, context, len, "context", error))
    return FALSE;
  while (n < len && mask[n])
    n++;
  for (i = n; i < len; i++)
    if (mask[i])
      goto bad_mask;
  if (n == 0)
    goto bad_mask;

  /* context[:n] = T5Encoder (ids[:n]); the rest zeros */
  shape[0] = n;
  shape[1] = enc->config.dim;
  rows = la_tensor_new_view (context, 0, 2, shape, error);
  if (!rows)
    return FALSE;
  ok = la_t5_encoder_forward (enc, rows, ids, NULL, n, error);
  la_tensor_free (rows);
  if (ok && n < len) {
    pad_bytes = (gsize) (len - n) * enc->config.dim * sizeof (gfloat);
    zeros = g_try_malloc0 (pad_bytes);
    ok = zeros && la_tensor_set_data (context, (gsize) n * enc->config.dim
        * sizeof (gfloat), zeros, pad_bytes, error);
    if (!zeros)
      g_set_error (error, LA_ERROR, LA_ERROR_OUT_OF_MEMORY,
          "umT5: no memory for the context's padding");
    g_free (zeros);
  }
  if (ok && n_tokens)
    *n_tokens = n;
  return ok;

  /* ERRORS */
bad_len:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "umT5: the text length must be >= 1");
    return FALSE;
  }
bad_mask:
  {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "umT5: the mask must be ones (at least one) then zeros, as the "
        "tokenizer makes it");
    return FALSE;
  }
}
