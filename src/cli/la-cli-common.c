/* liveavatar-cli: what the subcommands share
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <stdio.h>
#include <string.h>

#include "la-cli.h"

gint
la_cli_usage_error (const gchar * command, const gchar * format, ...)
{
  va_list args;
  gchar *message;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("%s %s: %s\nTry '%s %s --help'.\n", LA_CLI_PROGRAM, command,
      message, LA_CLI_PROGRAM, command);
  g_free (message);
  return LA_CLI_EXIT_USAGE;
}

gint
la_cli_fail (const gchar * command, GError * error)
{
  g_printerr ("%s %s: %s\n", LA_CLI_PROGRAM, command,
      error ? error->message : "failed");
  g_clear_error (&error);
  return LA_CLI_EXIT_FAILURE;
}

gboolean
la_cli_parse (GOptionContext * context, const gchar * command, gint * argc,
    gchar *** argv)
{
  GError *err = NULL;

  if (!g_option_context_parse (context, argc, argv, &err)) {
    la_cli_usage_error (command, "%s", err->message);
    g_error_free (err);
    return FALSE;
  }
  return TRUE;
}

gboolean
la_cli_parse_u64 (const gchar * text, guint64 * value)
{
  return text != NULL && g_ascii_string_to_unsigned (text, 10, 0,
      G_MAXUINT64, value, NULL);
}

gboolean
la_cli_parse_size (const gchar * text, gint * width, gint * height)
{
  gchar **sides;
  guint64 w, h;
  gboolean ok;

  if (text == NULL)
    return FALSE;
  sides = g_strsplit_set (text, "x*", 3);
  ok = g_strv_length (sides) == 2 &&
      g_ascii_string_to_unsigned (sides[0], 10, 1, G_MAXINT, &w, NULL) &&
      g_ascii_string_to_unsigned (sides[1], 10, 1, G_MAXINT, &h, NULL);
  g_strfreev (sides);
  if (ok) {
    *width = (gint) w;
    *height = (gint) h;
  }
  return ok;
}

gboolean
la_cli_parse_backend (const gchar * text, LaBackendKind * kind, gint * device)
{
  const gchar *colon = strchr (text, ':');
  gchar *name = g_strndup (text, colon ? (gsize) (colon - text) :
      strlen (text));
  guint64 d = 0;
  gboolean ok = TRUE;

  if (g_str_equal (name, "cpu"))
    *kind = LA_BACKEND_CPU;
  else if (g_str_equal (name, "cuda"))
    *kind = LA_BACKEND_CUDA;
  else if (g_str_equal (name, "auto"))
    *kind = LA_BACKEND_AUTO;
  else
    ok = FALSE;
  if (ok && colon)
    ok = g_ascii_string_to_unsigned (colon + 1, 10, 0, 1023, &d, NULL);
  *device = (gint) d;
  g_free (name);
  return ok;
}
