/* liveavatar: writing PyTorch zip checkpoints
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The pickle is the opcode sequence Python's pickle (protocol 2) emits for
 * torch's state dict, less the memo (BINPUT), which no reader needs: see
 * torch/serialization.py (_save, persistent_id) and torch/_tensor.py
 * (__reduce_ex__ -> _rebuild_tensor_v2 (storage, offset, size, stride,
 * requires_grad, backward_hooks)). The zip layout is that of
 * caffe2/serialize/inline_container.cc, with sizes and CRC in the local
 * headers instead of data descriptors (APPNOTE 4.3.7). */

#include "config.h"

#include "la-torch-zip-writer.h"
#include "liveavatar.h"

#include <string.h>

#if G_BYTE_ORDER != G_LITTLE_ENDIAN
#error "tensor data is written in host order and must be little-endian"
#endif

#define PREFIX "archive/"
#define ALIGN 64
#define SETITEMS_BATCH 1000     /* pickle.py's _BATCHSIZE */

typedef struct
{
  gchar *name;
  LaIoDType dtype;
  gint ndim;
  gint64 shape[LA_IO_MAX_DIMS];
  gint64 numel;
  guint8 *data;
  gsize nbytes;
} Entry;

struct _LaTorchZipWriter
{
  GPtrArray *entries;           /* Entry *, dict order */
  GHashTable *names;            /* borrowed, for duplicates */
};

static void
entry_free (gpointer p)
{
  Entry *e = p;

  g_free (e->name);
  g_free (e->data);
  g_free (e);
}

LaTorchZipWriter *
la_torch_zip_writer_new (void)
{
  LaTorchZipWriter *w = g_new0 (LaTorchZipWriter, 1);

  w->entries = g_ptr_array_new_with_free_func (entry_free);
  w->names = g_hash_table_new (g_str_hash, g_str_equal);
  return w;
}

void
la_torch_zip_writer_free (LaTorchZipWriter * w)
{
  if (!w)
    return;
  g_hash_table_unref (w->names);
  g_ptr_array_unref (w->entries);
  g_free (w);
}

/* the torch.<X>Storage class of @dtype, NULL for none */
static const gchar *
storage_class (LaIoDType dtype)
{
  switch (dtype) {
    case LA_IO_DTYPE_F32:
      return "FloatStorage";
    case LA_IO_DTYPE_F16:
      return "HalfStorage";
    case LA_IO_DTYPE_BF16:
      return "BFloat16Storage";
    case LA_IO_DTYPE_F64:
      return "DoubleStorage";
    case LA_IO_DTYPE_I64:
      return "LongStorage";
    case LA_IO_DTYPE_I32:
      return "IntStorage";
    case LA_IO_DTYPE_I16:
      return "ShortStorage";
    case LA_IO_DTYPE_I8:
      return "CharStorage";
    case LA_IO_DTYPE_U8:
      return "ByteStorage";
    case LA_IO_DTYPE_BOOL:
      return "BoolStorage";
    default:
      return NULL;
  }
}

static Entry *
new_entry (LaTorchZipWriter * w, const gchar * name, LaIoDType dtype,
    gint ndim, const gint64 * shape, gsize * nbytes, GError ** error)
{
  Entry *e;
  gint64 numel;

  if (!name || !*name || !g_utf8_validate (name, -1, NULL)) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "torch zip writer: bad tensor name '%s'", name ? name : "(null)");
    return NULL;
  }
  if (g_hash_table_contains (w->names, name)) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "torch zip writer: tensor '%s' added twice", name);
    return NULL;
  }
  /* NULL for a dtype out of range too */
  if (!storage_class (dtype)) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "torch zip writer: tensor '%s': dtype %s has no typed storage", name,
        (gint) dtype >= 0 && dtype < LA_IO_DTYPE_COUNT ?
        la_io_dtype_name (dtype) : "?");
    return NULL;
  }
  if (ndim < 0 || ndim > LA_IO_MAX_DIMS || (ndim > 0 && !shape) ||
      !la_io_shape_numel (ndim, shape, dtype, &numel, nbytes) ||
      *nbytes > G_MAXUINT32) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "torch zip writer: tensor '%s': bad shape (%d dimensions)", name, ndim);
    return NULL;
  }
  e = g_new0 (Entry, 1);
  e->name = g_strdup (name);
  e->dtype = dtype;
  e->ndim = ndim;
  if (ndim > 0)
    memcpy (e->shape, shape, ndim * sizeof (gint64));
  e->numel = numel;
  e->nbytes = *nbytes;
  e->data = g_malloc (MAX (*nbytes, 1));
  return e;
}

static void
keep_entry (LaTorchZipWriter * w, Entry * e)
{
  g_ptr_array_add (w->entries, e);
  g_hash_table_add (w->names, e->name);
}

gboolean
la_torch_zip_writer_add (LaTorchZipWriter * w, const gchar * name,
    LaIoDType dtype, gint ndim, const gint64 * shape, gconstpointer data,
    gsize nbytes, GError ** error)
{
  gsize want;
  Entry *e = new_entry (w, name, dtype, ndim, shape, &want, error);

  if (!e)
    return FALSE;
  if (nbytes != want || (nbytes > 0 && !data)) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "torch zip writer: tensor '%s': %" G_GSIZE_FORMAT " bytes, its "
        "shape needs %" G_GSIZE_FORMAT, name, nbytes, want);
    entry_free (e);
    return FALSE;
  }
  if (nbytes > 0)
    memcpy (e->data, data, nbytes);
  keep_entry (w, e);
  return TRUE;
}

gboolean
la_torch_zip_writer_add_f32 (LaTorchZipWriter * w, const gchar * name,
    LaIoDType dtype, gint ndim, const gint64 * shape, const gfloat * data,
    GError ** error)
{
  gsize nbytes, i;
  Entry *e;

  if (dtype != LA_IO_DTYPE_F32 && dtype != LA_IO_DTYPE_F16 &&
      dtype != LA_IO_DTYPE_BF16) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "torch zip writer: tensor '%s': cannot convert to dtype %d",
        name ? name : "(null)", dtype);
    return FALSE;
  }
  e = new_entry (w, name, dtype, ndim, shape, &nbytes, error);
  if (!e)
    return FALSE;
  if (e->numel > 0 && !data) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "torch zip writer: tensor '%s': no data", name);
    entry_free (e);
    return FALSE;
  }
  for (i = 0; i < (gsize) e->numel; i++) {
    guint16 v;

    switch (dtype) {
      case LA_IO_DTYPE_F32:
        memcpy (e->data + 4 * i, data + i, 4);
        continue;
      case LA_IO_DTYPE_F16:
        v = la_f32_to_f16 (data[i]);
        break;
      default:
        v = la_f32_to_bf16 (data[i]);
        break;
    }
    memcpy (e->data + 2 * i, &v, 2);
  }
  keep_entry (w, e);
  return TRUE;
}

/* ---- pickle ---- */

static void
pk_global (GString * p, const gchar * module, const gchar * name)
{
  g_string_append_printf (p, "c%s\n%s\n", module, name);
}

static void
pk_unicode (GString * p, const gchar * s)
{
  guint32 len = GUINT32_TO_LE ((guint32) strlen (s));

  g_string_append_c (p, 'X');
  g_string_append_len (p, (const gchar *) &len, 4);
  g_string_append (p, s);
}

/* a non-negative integer, in the smallest opcode pickle.py would use */
static void
pk_int (GString * p, gint64 v)
{
  if (v >= 0 && v < 0x100) {
    g_string_append_c (p, 'K');
    g_string_append_c (p, (gchar) v);
  } else if (v >= 0 && v < 0x10000) {
    guint16 le = GUINT16_TO_LE ((guint16) v);

    g_string_append_c (p, 'M');
    g_string_append_len (p, (const gchar *) &le, 2);
  } else if (v >= G_MININT32 && v <= G_MAXINT32) {
    guint32 le = GUINT32_TO_LE ((guint32) (gint32) v);

    g_string_append_c (p, 'J');
    g_string_append_len (p, (const gchar *) &le, 4);
  } else {
    /* LONG1: little-endian two's complement, shortest that keeps the sign */
    guint8 bytes[8];
    gint n = 8, i;

    for (i = 0; i < 8; i++)
      bytes[i] = (guint8) ((guint64) v >> (8 * i));
    while (n > 1 && bytes[n - 1] == 0 && !(bytes[n - 2] & 0x80))
      n--;
    g_string_append_c (p, (gchar) 0x8a);
    g_string_append_c (p, (gchar) n);
    g_string_append_len (p, (const gchar *) bytes, n);
  }
}

/* a tuple of @n ints */
static void
pk_tuple (GString * p, const gint64 * v, gint n)
{
  static const gchar small[] = { ')', (gchar) 0x85, (gchar) 0x86,
    (gchar) 0x87
  };
  gint i;

  if (n > 3)
    g_string_append_c (p, '(');
  for (i = 0; i < n; i++)
    pk_int (p, v[i]);
  g_string_append_c (p, n > 3 ? 't' : small[n]);
}

static void
pk_tensor (GString * p, const Entry * e, guint key)
{
  gint64 stride[LA_IO_MAX_DIMS];
  gchar buf[16];
  gint d;

  for (d = e->ndim - 1; d >= 0; d--)
    stride[d] = d == e->ndim - 1 ? 1 : stride[d + 1] * e->shape[d + 1];

  pk_global (p, "torch._utils", "_rebuild_tensor_v2");
  g_string_append_c (p, '(');
  /* the persistent id */
  g_string_append_c (p, '(');
  pk_unicode (p, "storage");
  pk_global (p, "torch", storage_class (e->dtype));
  g_snprintf (buf, sizeof (buf), "%u", key);
  pk_unicode (p, buf);
  pk_unicode (p, "cpu");
  pk_int (p, e->numel);
  g_string_append_c (p, 't');
  g_string_append_c (p, 'Q');
  /* offset, size, stride, requires_grad, backward_hooks */
  pk_int (p, 0);
  pk_tuple (p, e->shape, e->ndim);
  pk_tuple (p, stride, e->ndim);
  g_string_append_c (p, (gchar) 0x89);
  pk_global (p, "collections", "OrderedDict");
  g_string_append (p, ")R");
  g_string_append (p, "tR");
}

static GString *
make_pickle (LaTorchZipWriter * w)
{
  GString *p = g_string_new (NULL);
  guint i;

  g_string_append_len (p, "\x80\x02", 2);
  pk_global (p, "collections", "OrderedDict");
  g_string_append (p, ")R");
  for (i = 0; i < w->entries->len; i++) {
    const Entry *e = g_ptr_array_index (w->entries, i);

    if (i % SETITEMS_BATCH == 0)
      g_string_append_c (p, '(');
    pk_unicode (p, e->name);
    pk_tensor (p, e, i);
    if (i % SETITEMS_BATCH == SETITEMS_BATCH - 1 || i + 1 == w->entries->len)
      g_string_append_c (p, 'u');
  }
  g_string_append_c (p, '.');
  return p;
}

/* ---- zip ---- */

static guint32
crc32 (const guint8 * data, gsize n)
{
  static guint32 table[256];
  static gsize init = 0;
  guint32 c = 0xffffffffu;
  gsize i;

  if (g_once_init_enter (&init)) {
    guint32 k;

    for (k = 0; k < 256; k++) {
      guint32 v = k;
      gint b;

      for (b = 0; b < 8; b++)
        v = (v & 1) ? 0xedb88320u ^ (v >> 1) : v >> 1;
      table[k] = v;
    }
    g_once_init_leave (&init, 1);
  }
  for (i = 0; i < n; i++)
    c = table[(c ^ data[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

static void
put16 (GByteArray * a, guint v)
{
  guint8 b[2] = { v & 0xff, (v >> 8) & 0xff };

  g_byte_array_append (a, b, 2);
}

static void
put32 (GByteArray * a, guint32 v)
{
  guint8 b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };

  g_byte_array_append (a, b, 4);
}

typedef struct
{
  gchar *name;
  guint32 crc;
  guint32 size;
  guint32 offset;
} Record;

/* MS-DOS date 1980-01-01, time 00:00 */
#define DOS_TIME 0
#define DOS_DATE 0x21

/* one stored entry, its data padded (extra field "FB") to ALIGN */
static gboolean
add_record (GByteArray * zip, GArray * records, const gchar * name,
    const guint8 * data, gsize size)
{
  Record r;
  gsize name_len = strlen (name), pad;

  if ((guint64) zip->len + 30 + name_len + 4 + ALIGN + size > G_MAXUINT32)
    return FALSE;
  r.name = g_strdup (name);
  r.crc = crc32 (data, size);
  r.size = (guint32) size;
  r.offset = zip->len;
  pad = (ALIGN - (zip->len + 30 + name_len + 4) % ALIGN) % ALIGN;

  put32 (zip, 0x04034b50u);
  put16 (zip, 20);              /* version needed: 2.0, stored */
  put16 (zip, 0);               /* flags */
  put16 (zip, 0);               /* method: stored */
  put16 (zip, DOS_TIME);
  put16 (zip, DOS_DATE);
  put32 (zip, r.crc);
  put32 (zip, r.size);
  put32 (zip, r.size);
  put16 (zip, name_len);
  put16 (zip, 4 + pad);
  g_byte_array_append (zip, (const guint8 *) name, name_len);
  put16 (zip, 0x4246);          /* "FB", as torch's writer */
  put16 (zip, pad);
  while (pad-- > 0)
    g_byte_array_append (zip, (const guint8 *) "Z", 1);
  g_byte_array_append (zip, data, size);
  g_array_append_val (records, r);
  return TRUE;
}

static gboolean
finish_zip (GByteArray * zip, GArray * records)
{
  guint64 cd_offset = zip->len;
  guint i;

  for (i = 0; i < records->len; i++) {
    const Record *r = &g_array_index (records, Record, i);
    gsize name_len = strlen (r->name);

    put32 (zip, 0x02014b50u);
    put16 (zip, 20);            /* made by: 2.0, MS-DOS attributes */
    put16 (zip, 20);
    put16 (zip, 0);
    put16 (zip, 0);
    put16 (zip, DOS_TIME);
    put16 (zip, DOS_DATE);
    put32 (zip, r->crc);
    put32 (zip, r->size);
    put32 (zip, r->size);
    put16 (zip, name_len);
    put16 (zip, 0);             /* extra */
    put16 (zip, 0);             /* comment */
    put16 (zip, 0);             /* disk */
    put16 (zip, 0);             /* internal attributes */
    put32 (zip, 0);             /* external attributes */
    put32 (zip, r->offset);
    g_byte_array_append (zip, (const guint8 *) r->name, name_len);
  }
  if (records->len > 0xffff || zip->len + 22 > G_MAXUINT32)
    return FALSE;
  put32 (zip, 0x06054b50u);
  put16 (zip, 0);
  put16 (zip, 0);
  put16 (zip, records->len);
  put16 (zip, records->len);
  put32 (zip, (guint32) (zip->len - 12 - cd_offset));
  put32 (zip, (guint32) cd_offset);
  put16 (zip, 0);
  return TRUE;
}

static void
record_clear (gpointer p)
{
  g_free (((Record *) p)->name);
}

GBytes *
la_torch_zip_writer_to_bytes (LaTorchZipWriter * w, GError ** error)
{
  GByteArray *zip = g_byte_array_new ();
  GArray *records = g_array_new (FALSE, FALSE, sizeof (Record));
  GString *pickle = make_pickle (w);
  gboolean ok;
  guint i;

  g_array_set_clear_func (records, record_clear);
  ok = add_record (zip, records, PREFIX "data.pkl",
      (const guint8 *) pickle->str, pickle->len);
  ok = ok && add_record (zip, records, PREFIX "byteorder",
      (const guint8 *) "little", 6);
  for (i = 0; ok && i < w->entries->len; i++) {
    const Entry *e = g_ptr_array_index (w->entries, i);
    gchar *name = g_strdup_printf (PREFIX "data/%u", i);

    ok = add_record (zip, records, name, e->data, e->nbytes);
    g_free (name);
  }
  ok = ok && add_record (zip, records, PREFIX "version",
      (const guint8 *) "3\n", 2);
  ok = ok && finish_zip (zip, records);
  g_string_free (pickle, TRUE);
  g_array_unref (records);
  if (!ok) {
    g_byte_array_unref (zip);
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        "torch zip writer: archive past 4 GiB or 65535 entries (no ZIP64)");
    return NULL;
  }
  return g_byte_array_free_to_bytes (zip);
}

gboolean
la_torch_zip_writer_save (LaTorchZipWriter * w, const gchar * path,
    GError ** error)
{
  GBytes *bytes = la_torch_zip_writer_to_bytes (w, error);
  GError *err = NULL;
  gconstpointer data;
  gsize size;
  gboolean ok;

  if (!bytes)
    return FALSE;
  data = g_bytes_get_data (bytes, &size);
  ok = g_file_set_contents (path, data, size, &err);
  if (!ok) {
    g_set_error (error, LA_ERROR, LA_ERROR_FAILED, "cannot write %s: %s",
        path, err->message);
    g_error_free (err);
  }
  g_bytes_unref (bytes);
  return ok;
}
