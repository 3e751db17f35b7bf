/* liveavatar-cli: the subcommands and what they share
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * Each subcommand is a main () of its own: it parses its options with
 * GOption (so every one has --help) and returns the exit status:
 * 0 done, 1 failed (the message names the file), 2 a usage error.
 */

#ifndef __LA_CLI_H__
#define __LA_CLI_H__

#include <glib.h>

#include "la-backend.h"

G_BEGIN_DECLS

#define LA_CLI_PROGRAM "liveavatar-cli"

#define LA_CLI_EXIT_OK 0
#define LA_CLI_EXIT_FAILURE 1
#define LA_CLI_EXIT_USAGE 2

gint            la_cli_make_tiny_model (gint argc, gchar ** argv);
gint            la_cli_generate (gint argc, gchar ** argv);
gint            la_cli_vae_encode (gint argc, gchar ** argv);
gint            la_cli_vae_decode (gint argc, gchar ** argv);
gint            la_cli_audio_window (gint argc, gchar ** argv);
gint            la_cli_plan (gint argc, gchar ** argv);

/* Parses @argv with @context; on a bad option prints it and the hint to
 * --help and returns FALSE (exit LA_CLI_EXIT_USAGE). */
gboolean        la_cli_parse (GOptionContext * context, const gchar * command,
    gint * argc, gchar *** argv);

/* Prints "liveavatar-cli COMMAND: message" and the --help hint; returns
 * LA_CLI_EXIT_USAGE. */
gint            la_cli_usage_error (const gchar * command,
    const gchar * format, ...) G_GNUC_PRINTF (2, 3);

/* Prints "liveavatar-cli COMMAND: <error's message>", frees @error;
 * returns LA_CLI_EXIT_FAILURE. */
gint            la_cli_fail (const gchar * command, GError * error);

/* A decimal guint64 (for seeds); FALSE on anything else. */
gboolean        la_cli_parse_u64 (const gchar * text, guint64 * value);
/* "WxH" or "W*H", both sides > 0 */
gboolean        la_cli_parse_size (const gchar * text, gint * width,
    gint * height);
/* "cpu", "cuda", "auto" with an optional ":N" device */
gboolean        la_cli_parse_backend (const gchar * text,
    LaBackendKind * kind, gint * device);

G_END_DECLS

#endif /* __LA_CLI_H__ */
