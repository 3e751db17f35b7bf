/* liveavatar: JSON parsing for checkpoint headers and configs
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifndef __LA_IO_JSON_H__
#define __LA_IO_JSON_H__

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Arrays and objects nested deeper than this are refused before json-glib
 * sees the text (its parser recurses, so a hostile header could otherwise
 * exhaust the stack). */
#define LA_IO_JSON_MAX_DEPTH 64

/* Parses @len bytes of @data (need not be NUL-terminated) and returns the
 * root, which must be an object; json_node_unref () it. Errors are
 * LA_ERROR_MODEL_INVALID prefixed with @what ("model.safetensors: header"). */
JsonNode       *la_io_json_parse_object (const gchar * data, gsize len,
    const gchar * what, GError ** error);

/* A JSON number that is a whole number in gint64 range (5120 or 5120.0) */
gboolean        la_io_json_get_int (JsonNode * node, gint64 * value);

/* any JSON number */
gboolean        la_io_json_get_double (JsonNode * node, gdouble * value);

/* "a string", "an integer", "an array", "null", ... for error messages */
const gchar    *la_io_json_kind (JsonNode * node);

G_END_DECLS

#endif /* __LA_IO_JSON_H__ */
