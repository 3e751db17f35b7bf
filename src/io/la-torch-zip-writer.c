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
#include "la-io-write.h"
#include "liveavatar.h"

#include <string.h>

#if G_BYTE_ORDER != G_LITTLE_ENDIAN
#error "tensor data is written in host order and must be little-endian"
#endif

#define PREFIX "archive/"
#define ALIGN 64
#define SETITEMS_BATCH 1000     /* pickle.py's _BATCHSIZE */

struct _LaTorchZipWriter
{
  LaIoWriteTensors entries;     /* dict order */
};

LaTorchZipWriter *
la_torch_zip_writer_new (void)
{
  LaTorchZipWriter *w = g_new0 (LaTorchZipWriter, 1);

  la_io_write_tensors_init (&w->entries);
  return w;
}

void
la_torch_zip_writer_free (LaTorchZipWriter * w)
{
  if (!w)
    return;
  la_io_write_tensors_clear (&w->entries);
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

#define WHAT "torch zip writer"

/* a dtype torch has a typed storage for; ZIP without ZIP64 also limits a
 * tensor to 4 GiB (checked with the shape) */
static gboolean
check_dtype (const gchar * name, LaIoDType dtype, GError ** error)
{
  gboolean known = (gint) dtype >= 0 && dtype < LA_IO_DTYPE_COUNT;

  /* NULL for a dtype out of range too */
  if (!storage_class (dtype)) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        WHAT ": tensor '%s': dtype %s has no typed storage",
        name ? name : "(null)", known ? la_io_dtype_name (dtype) : "?");
    return FALSE;
  }
  return TRUE;
}

gboolean
la_torch_zip_writer_add (LaTorchZipWriter * w, const gchar * name,
    LaIoDType dtype, gint ndim, const gint64 * shape, gconstpointer data,
    gsize nbytes, GError ** error)
{
  return check_dtype (name, dtype, error) &&
      la_io_write_tensors_add (&w->entries, WHAT, name, dtype, ndim, shape,
      G_MAXUINT32, data, nbytes, error);
}

gboolean
la_torch_zip_writer_add_f32 (LaTorchZipWriter * w, const gchar * name,
    LaIoDType dtype, gint ndim, const gint64 * shape, const gfloat * data,
    GError ** error)
{
  if (dtype != LA_IO_DTYPE_F32 && dtype != LA_IO_DTYPE_F16 &&
      dtype != LA_IO_DTYPE_BF16) {
    g_set_error (error, LA_ERROR, LA_ERROR_INVALID_ARGUMENT,
        WHAT ": tensor '%s': cannot convert to dtype %d",
        name ? name : "(null)", dtype);
    return FALSE;
  }
  return la_io_write_tensors_add_f32 (&w->entries, WHAT, name, dtype, ndim,
      shape, G_MAXUINT32, data, error);
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
pk_tensor (GString * p, guint key, LaIoDType dtype, gint ndim,
    const gint64 * shape, gint64 numel)
{
  gint64 stride[LA_IO_MAX_DIMS];
  gchar buf[16];
  gint d;

  for (d = ndim - 1; d >= 0; d--)
    stride[d] = d == ndim - 1 ? 1 : stride[d + 1] * shape[d + 1];

  pk_global (p, "torch._utils", "_rebuild_tensor_v2");
  g_string_append_c (p, '(');
  /* the persistent id */
  g_string_append_c (p, '(');
  pk_unicode (p, "storage");
  pk_global (p, "torch", storage_class (dtype));
  g_snprintf (buf, sizeof (buf), "%u", key);
  pk_unicode (p, buf);
  pk_unicode (p, "cpu");
  pk_int (p, numel);
  g_string_append_c (p, 't');
  g_string_append_c (p, 'Q');
  /* offset, size, stride, requires_grad, backward_hooks */
  pk_int (p, 0);
  pk_tuple (p, shape, ndim);
  pk_tuple (p, stride, ndim);
  g_string_append_c (p, (gchar) 0x89);
  pk_global (p, "collections", "OrderedDict");
  g_string_append (p, ")R");
  g_string_append (p, "tR");
}

void
la_torch_zip_pickle_begin (GString * p)
{
  g_string_append_len (p, "\x80\x02", 2);
  pk_global (p, "collections", "OrderedDict");
  g_string_append (p, ")R");
}

void
la_torch_zip_pickle_tensor (GString * p, guint index, guint count,
    const gchar * name, LaIoDType dtype, gint ndim, const gint64 * shape,
    gint64 numel)
{
  g_return_if_fail (storage_class (dtype) != NULL);
  g_return_if_fail (ndim >= 0 && ndim <= LA_IO_MAX_DIMS);

  if (index % SETITEMS_BATCH == 0)
    g_string_append_c (p, '(');
  pk_unicode (p, name);
  pk_tensor (p, index, dtype, ndim, shape, numel);
  if (index % SETITEMS_BATCH == SETITEMS_BATCH - 1 || index + 1 == count)
    g_string_append_c (p, 'u');
}

void
la_torch_zip_pickle_end (GString * p)
{
  g_string_append_c (p, '.');
}

static GString *
make_pickle (LaTorchZipWriter * w)
{
  GString *p = g_string_new (NULL);
  guint i, n = w->entries.tensors->len;

  la_torch_zip_pickle_begin (p);
  for (i = 0; i < n; i++) {
    const LaIoWriteTensor *e = g_ptr_array_index (w->entries.tensors, i);

    la_torch_zip_pickle_tensor (p, i, n, e->name, e->dtype, e->ndim,
        e->shape, e->numel);
  }
  la_torch_zip_pickle_end (p);
  return p;
}

/* ---- zip ---- */

guint32
la_torch_zip_crc32 (guint32 crc, gconstpointer data, gsize n)
{
  static guint32 table[256];
  static gsize init = 0;
  const guint8 *b = data;
  guint32 c = crc ^ 0xffffffffu;
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
    c = table[(c ^ b[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

/* MS-DOS date 1980-01-01, time 00:00 */
#define DOS_TIME 0
#define DOS_DATE 0x21

void
la_torch_zip_local_header (GByteArray * h, guint64 pos, const gchar * name,
    guint32 crc, guint64 size, gboolean zip64)
{
  gsize name_len = strlen (name), pad, extra = 4 + (zip64 ? 20 : 0);

  pad = (ALIGN - (pos + 30 + name_len + extra) % ALIGN) % ALIGN;
  la_io_put_le32 (h, 0x04034b50u);
  la_io_put_le16 (h, zip64 ? 45 : 20);  /* version needed: 2.0 or 4.5 */
  la_io_put_le16 (h, 0);        /* flags */
  la_io_put_le16 (h, 0);        /* method: stored */
  la_io_put_le16 (h, DOS_TIME);
  la_io_put_le16 (h, DOS_DATE);
  la_io_put_le32 (h, crc);
  la_io_put_le32 (h, zip64 ? 0xffffffffu : (guint32) size);
  la_io_put_le32 (h, zip64 ? 0xffffffffu : (guint32) size);
  la_io_put_le16 (h, name_len);
  la_io_put_le16 (h, extra + pad);
  g_byte_array_append (h, (const guint8 *) name, name_len);
  if (zip64) {
    la_io_put_le16 (h, 0x0001);
    la_io_put_le16 (h, 16);
    la_io_put_le64 (h, size);
    la_io_put_le64 (h, size);
  }
  la_io_put_le16 (h, 0x4246);   /* "FB", as torch's writer */
  la_io_put_le16 (h, pad);
  while (pad-- > 0)
    g_byte_array_append (h, (const guint8 *) "Z", 1);
}

/* one stored entry, its data padded (extra field "FB") to ALIGN */
static gboolean
add_record (GByteArray * zip, GArray * records, const gchar * name,
    const guint8 * data, gsize size)
{
  LaTorchZipRecord r;
  gsize name_len = strlen (name);

  if ((guint64) zip->len + 30 + name_len + 4 + ALIGN + size > G_MAXUINT32)
    return FALSE;
  r.name = g_strdup (name);
  r.crc = la_torch_zip_crc32 (0, data, size);
  r.size = size;
  r.offset = zip->len;
  la_torch_zip_local_header (zip, zip->len, name, r.crc, size, FALSE);
  g_byte_array_append (zip, data, size);
  g_array_append_val (records, r);
  return TRUE;
}

void
la_torch_zip_central_directory (GByteArray * cd,
    const LaTorchZipRecord * records, guint n, guint64 cd_offset,
    guint64 zip64_from)
{
  guint64 cd_size, eocd64;
  gboolean big_end;
  guint i;

  for (i = 0; i < n; i++) {
    const LaTorchZipRecord *r = &records[i];
    gsize name_len = strlen (r->name);
    gboolean big_size = r->size >= zip64_from;
    gboolean big_off = r->offset >= zip64_from;
    guint16 extra = (big_size ? 16 : 0) + (big_off ? 8 : 0);

    la_io_put_le32 (cd, 0x02014b50u);
    /* made by: 2.0 (4.5 with ZIP64), MS-DOS attributes; needed */
    la_io_put_le16 (cd, big_size || big_off ? 45 : 20);
    la_io_put_le16 (cd, big_size || big_off ? 45 : 20);
    la_io_put_le16 (cd, 0);
    la_io_put_le16 (cd, 0);
    la_io_put_le16 (cd, DOS_TIME);
    la_io_put_le16 (cd, DOS_DATE);
    la_io_put_le32 (cd, r->crc);
    la_io_put_le32 (cd, big_size ? 0xffffffffu : (guint32) r->size);
    la_io_put_le32 (cd, big_size ? 0xffffffffu : (guint32) r->size);
    la_io_put_le16 (cd, name_len);
    la_io_put_le16 (cd, extra ? extra + 4 : 0);
    la_io_put_le16 (cd, 0);     /* comment */
    la_io_put_le16 (cd, 0);     /* disk */
    la_io_put_le16 (cd, 0);     /* internal attributes */
    la_io_put_le32 (cd, 0);     /* external attributes */
    la_io_put_le32 (cd, big_off ? 0xffffffffu : (guint32) r->offset);
    g_byte_array_append (cd, (const guint8 *) r->name, name_len);
    if (extra) {
      la_io_put_le16 (cd, 0x0001);
      la_io_put_le16 (cd, extra);
      if (big_size) {
        la_io_put_le64 (cd, r->size);
        la_io_put_le64 (cd, r->size);
      }
      if (big_off)
        la_io_put_le64 (cd, r->offset);
    }
  }
  cd_size = cd->len;
  eocd64 = cd_offset + cd_size;
  big_end = n > 0xfffe || cd_offset >= zip64_from || cd_size >= zip64_from;
  if (big_end) {
    la_io_put_le32 (cd, 0x06064b50u);
    la_io_put_le64 (cd, 44);
    la_io_put_le16 (cd, 45);
    la_io_put_le16 (cd, 45);
    la_io_put_le32 (cd, 0);
    la_io_put_le32 (cd, 0);
    la_io_put_le64 (cd, n);
    la_io_put_le64 (cd, n);
    la_io_put_le64 (cd, cd_size);
    la_io_put_le64 (cd, cd_offset);
    la_io_put_le32 (cd, 0x07064b50u);
    la_io_put_le32 (cd, 0);
    la_io_put_le64 (cd, eocd64);
    la_io_put_le32 (cd, 1);
  }
  la_io_put_le32 (cd, 0x06054b50u);
  la_io_put_le16 (cd, 0);
  la_io_put_le16 (cd, 0);
  la_io_put_le16 (cd, big_end ? 0xffff : (guint16) n);
  la_io_put_le16 (cd, big_end ? 0xffff : (guint16) n);
  la_io_put_le32 (cd, big_end ? 0xffffffffu : (guint32) cd_size);
  la_io_put_le32 (cd, big_end ? 0xffffffffu : (guint32) cd_offset);
  la_io_put_le16 (cd, 0);
}

/* without ZIP64 (la_torch_zip_writer_to_bytes' limits) */
static gboolean
finish_zip (GByteArray * zip, GArray * records)
{
  GByteArray *cd;
  gboolean ok;

  if (records->len > 0xfffe)
    return FALSE;
  cd = g_byte_array_new ();
  la_torch_zip_central_directory (cd, (const LaTorchZipRecord *)
      records->data, records->len, zip->len, G_MAXUINT32);
  ok = (guint64) zip->len + cd->len <= G_MAXUINT32;
  if (ok)
    g_byte_array_append (zip, cd->data, cd->len);
  g_byte_array_unref (cd);
  return ok;
}

static void
record_clear (gpointer p)
{
  g_free (((LaTorchZipRecord *) p)->name);
}

GBytes *
la_torch_zip_writer_to_bytes (LaTorchZipWriter * w, GError ** error)
{
  GByteArray *zip = g_byte_array_new ();
  GArray *records = g_array_new (FALSE, FALSE, sizeof (LaTorchZipRecord));
  GString *pickle = make_pickle (w);
  gboolean ok;
  guint i;

  g_array_set_clear_func (records, record_clear);
  ok = add_record (zip, records, PREFIX "data.pkl",
      (const guint8 *) pickle->str, pickle->len);
  ok = ok && add_record (zip, records, PREFIX "byteorder",
      (const guint8 *) "little", 6);
  for (i = 0; ok && i < w->entries.tensors->len; i++) {
    const LaIoWriteTensor *e = g_ptr_array_index (w->entries.tensors, i);
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
        "torch zip writer: archive past 4 GiB or 65535 entries or more (no "
        "ZIP64)");
    return NULL;
  }
  return g_byte_array_free_to_bytes (zip);
}

gboolean
la_torch_zip_writer_save (LaTorchZipWriter * w, const gchar * path,
    GError ** error)
{
  return la_io_save_bytes (la_torch_zip_writer_to_bytes (w, error), path,
      error);
}
