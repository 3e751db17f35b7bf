/* liveavatar io tests: goldens and in-memory file builders
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * The goldens in data/ were written by PyPI torch and safetensors
 * (make_goldens.py); expected.json says what they hold. The builders here
 * write small safetensors files, zip archives and pickles byte by byte, so
 * a test can make exactly the damaged file it needs.
 */

#ifndef __TEST_IO_UTIL_H__
#define __TEST_IO_UTIL_H__

#include <glib.h>
#include <json-glib/json-glib.h>

#include "la-checkpoint.h"

G_BEGIN_DECLS

/* g_test_init () and the data folder from argv[1]; call first in main () */
void            io_test_init (int *argc, char ***argv);

/* data/<name>, g_free it */
gchar          *io_data_path (const gchar * name);

/* the contents of data/<name> */
GBytes         *io_data_bytes (const gchar * name);

/* data/<name> copied into @dir, under its base name */
void            io_copy_data (const gchar * name, const gchar * dir);

/* expected.json's entry for a golden file ("dtypes.safetensors",
 * "sharded", ...), owned by the util */
JsonObject     *io_expected_file (const gchar * name);
JsonObject     *io_expected_root (void);

/* Every tensor @expected lists is in @ck with its dtype, shape, raw-byte
 * sha256 and (floats) fp32 bit patterns; and @ck has no others. */
void            io_check_against_expected (LaCheckpoint * ck,
    JsonObject * expected);

/* asserts @error is LA_ERROR/@code and its message contains @part */
void            io_assert_error (GError * error, gint code,
    const gchar * part);

/* ---- safetensors: 8-byte length, @header, @data_len bytes (0, 1, 2..) */
GBytes         *io_build_safetensors (const gchar * header, gsize data_len);

/* ---- zip: stored entries, central directory, end record */
typedef struct _IoZip IoZip;
IoZip          *io_zip_new (void);
/* @method: 0 stored (anything else is only written into the headers) */
void            io_zip_add (IoZip * zip, const gchar * name,
    gconstpointer data, gsize size, guint16 method);
/* finishes the archive and frees @zip */
GBytes         *io_zip_finish (IoZip * zip);

/* ---- pickles */
void            pk_op (GByteArray * p, guint8 op);
/* BINUNICODE */
void            pk_str (GByteArray * p, const gchar * s);
/* BININT1, BININT or LONG1 as the value needs */
void            pk_int (GByteArray * p, gint64 v);
void            pk_global (GByteArray * p, const gchar * module,
    const gchar * name);
/* _rebuild_tensor_v2 (storage ('storage', torch.<storage_type>, key, 'cpu',
 * numel), offset, shape, stride, False, OrderedDict ()) left on the stack */
void            pk_tensor (GByteArray * p, const gchar * storage_type,
    const gchar * key, gint64 numel, gint64 offset, gint ndim,
    const gint64 * shape, const gint64 * stride);

/* A torch archive "archive/" with @pickle as data.pkl and @n_records
 * storages data/0.. of @record_size bytes each; record k holds the floats
 * k * 1000 + i, i = 0, 1, ... */
GBytes         *io_build_torch_zip (GByteArray * pickle, guint n_records,
    gsize record_size);

G_END_DECLS

#endif /* __TEST_IO_UTIL_H__ */
