/* liveavatar-cli make-tiny-model: the tiny random checkpoint folder
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "la-cli.h"
#include "la-tiny-model.h"

#define COMMAND "make-tiny-model"

gint
la_cli_make_tiny_model (gint argc, gchar ** argv)
{
  gchar *seed_text = NULL;
  GOptionEntry entries[] = {
    {"seed", 0, 0, G_OPTION_ARG_STRING, &seed_text,
        "Seed of the random weights (default 0)", "N"},
    {NULL}
  };
  GOptionContext *context;
  GError *err = NULL;
  guint64 seed = 0;
  gint status = LA_CLI_EXIT_OK;

  g_set_prgname (LA_CLI_PROGRAM " " COMMAND);
  context = g_option_context_new ("DIR");
  g_option_context_set_summary (context,
      "Writes a complete Wan2.2-S2V + Live Avatar checkpoint folder in the "
      "official layout,\nfile formats and tensor names, with tiny dimensions "
      "and seeded random weights:\nit makes no sense as a video, it runs "
      "fast. DIR is created if needed.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!la_cli_parse (context, COMMAND, &argc, &argv)) {
    status = LA_CLI_EXIT_USAGE;
    goto out;
  }
  if (argc != 2) {
    status = la_cli_usage_error (COMMAND, argc < 2 ? "DIR is missing" :
        "one DIR only");
    goto out;
  }
  if (seed_text && !la_cli_parse_u64 (seed_text, &seed)) {
    status = la_cli_usage_error (COMMAND, "--seed: '%s' is not a number "
        "from 0 to %" G_GUINT64_FORMAT, seed_text, G_MAXUINT64);
    goto out;
  }
  if (!la_tiny_model_write (argv[1], seed, &err))
    status = la_cli_fail (COMMAND, err);

out:
  g_free (seed_text);
  g_option_context_free (context);
  return status;
}
