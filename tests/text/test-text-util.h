/* liveavatar text tests: golden files
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Goldens (written by make_goldens.py) are lines of tab-separated fields,
 * '#' lines being comments: hex-encoded byte strings and space-separated
 * ids.
 */

#ifndef __TEST_TEXT_UTIL_H__
#define __TEST_TEXT_UTIL_H__

#include <glib.h>

G_BEGIN_DECLS

/* tests/text/data/@name */
    gchar * test_text_data_path (const gchar * name);

/* The golden's lines, each a NULL-terminated gchar ** of its fields. */
GPtrArray *test_text_read_golden (const gchar * name);

/* NUL-terminated as a convenience; *len excludes it. */
guint8 *test_text_hex_decode (const gchar * hex, gsize * len);

/* GArray of gint32 */
GArray *test_text_parse_ids (const gchar * s);

/* "[1 2 3]" for messages */
gchar *test_text_ids_to_string (const gint32 * ids, guint n);

G_END_DECLS
#endif /* __TEST_TEXT_UTIL_H__ */
