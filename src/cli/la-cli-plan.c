/* liveavatar-cli plan: the memory plan of a configuration, as a table
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* What each device would hold (la-memory-plan.h) for a checkpoint folder,
 * or for the official 14B model without one, printed as Markdown; with
 * --check, also whether this machine's devices have room. */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "la-cli.h"
#include "la-memory-plan.h"

#define COMMAND "plan"

static gboolean
parse_precision (const gchar * text, LaPrecision * p)
{
  static const struct
  {
    const gchar *name;
    LaPrecision value;
  } names[] = {
    {"auto", LA_PRECISION_AUTO}, {"fp32", LA_PRECISION_FP32},
    {"bf16", LA_PRECISION_BF16}, {"fp8", LA_PRECISION_FP8},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (text, names[i].name) == 0) {
      *p = names[i].value;
      return TRUE;
    }
  return FALSE;
}

static gboolean
parse_kv (const gchar * text, LaDType * d)
{
  if (g_ascii_strcasecmp (text, "fp32") == 0)
    *d = LA_DTYPE_F32;
  else if (g_ascii_strcasecmp (text, "bf16") == 0)
    *d = LA_DTYPE_BF16;
  else if (g_ascii_strcasecmp (text, "fp8") == 0)
    *d = LA_DTYPE_FP8_E4M3;
  else
    return FALSE;
  return TRUE;
}

/* "0,1,...,n-1" */
static gchar *
device_list (gint n)
{
  GString *s = g_string_new (NULL);
  gint i;

  for (i = 0; i < n; i++)
    g_string_append_printf (s, "%s%d", i ? "," : "", i);
  return g_string_free (s, FALSE);
}

gint
la_cli_plan (gint argc, gchar ** argv)
{
  gchar *model = NULL, *size = NULL, *precision = NULL, *backend = NULL;
  gchar *kv = NULL, *devices = NULL;
  gboolean official = FALSE, check = FALSE, offload = FALSE;
  gint n_dit = 1, ulysses = 1, steps = LA_DEFAULT_SAMPLE_STEPS, vae = -1;
  GOptionEntry entries[] = {
    {"model", 0, 0, G_OPTION_ARG_FILENAME, &model,
        "Checkpoint folder (its config.json and tensor headers)", "DIR"},
    {"official", 0, 0, G_OPTION_ARG_NONE, &official,
        "The official Wan2.2-S2V-14B, without a checkpoint", NULL},
    {"size", 0, 0, G_OPTION_ARG_STRING, &size,
        "Output size (default 704x384)", "WxH"},
    {"precision", 0, 0, G_OPTION_ARG_STRING, &precision,
        "DiT linear weights: auto, fp32, bf16, fp8 (default auto)", "P"},
    {"dit-devices", 0, 0, G_OPTION_ARG_INT, &n_dit,
        "Number of DiT devices, 0 .. N-1 (default 1)", "N"},
    {"vae-device", 0, 0, G_OPTION_ARG_INT, &vae,
        "VAE device (default: the last DiT device)", "I"},
    {"ulysses", 0, 0, G_OPTION_ARG_INT, &ulysses,
        "Ulysses group size (default 1)", "U"},
    {"steps", 0, 0, G_OPTION_ARG_INT, &steps,
        "Sampling steps (default 4)", "S"},
    {"backend", 0, 0, G_OPTION_ARG_STRING, &backend,
        "cuda (one column per GPU, the default) or cpu (one process)", "B"},
    {"kv-dtype", 0, 0, G_OPTION_ARG_STRING, &kv,
        "Cache storage: fp32, bf16, fp8 (default: the DiT's compute "
          "dtype, bf16 on CUDA unless --precision fp32)", "T"},
    {"offload", 0, 0, G_OPTION_ARG_NONE, &offload,
        "umT5 in the host's memory (the engine's offload=true)", NULL},
    {"check", 0, 0, G_OPTION_ARG_NONE, &check,
        "Also check the plan against this machine's devices", NULL},
    {NULL}
  };
  GOptionContext *context;
  GError *err = NULL;
  LaMemoryModel m = { {0}
  };
  LaMemoryPlanConfig pc;
  LaMemoryPlan *plan = NULL;
  gchar *table;
  gint status = LA_CLI_EXIT_OK;

  g_set_prgname (LA_CLI_PROGRAM " " COMMAND);
  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
      "Prints what each device would hold for a configuration (DiT weights, "
      "per-step caches,\nVAE, encoders), in GiB, as a Markdown table; "
      "nothing is loaded.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!la_cli_parse (context, COMMAND, &argc, &argv)) {
    status = LA_CLI_EXIT_USAGE;
    goto out;
  }
  la_memory_plan_config_init (&pc);
  pc.backend = LA_BACKEND_CUDA;
  if (argc != 1) {
    status = la_cli_usage_error (COMMAND, "unexpected argument '%s'", argv[1]);
    goto out;
  }
  if (!model == !official) {
    status = la_cli_usage_error (COMMAND, "give --model DIR or --official");
    goto out;
  }
  if (size && !la_cli_parse_size (size, &pc.width, &pc.height)) {
    status = la_cli_usage_error (COMMAND, "--size: '%s' is not WxH", size);
    goto out;
  }
  if (precision && !parse_precision (precision, &pc.precision)) {
    status = la_cli_usage_error (COMMAND, "--precision: '%s' is not auto, "
        "fp32, bf16 or fp8", precision);
    goto out;
  }
  if (kv && !parse_kv (kv, &pc.kv_dtype)) {
    status = la_cli_usage_error (COMMAND, "--kv-dtype: '%s' is not fp32, "
        "bf16 or fp8", kv);
    goto out;
  }
  if (backend && g_ascii_strcasecmp (backend, "cpu") == 0)
    pc.backend = LA_BACKEND_CPU;
  else if (backend && g_ascii_strcasecmp (backend, "cuda") != 0) {
    status = la_cli_usage_error (COMMAND, "--backend: '%s' is not cuda or "
        "cpu", backend);
    goto out;
  }
  if (n_dit < 1 || n_dit > LA_MAX_DEVICES) {
    status = la_cli_usage_error (COMMAND, "--dit-devices: %d is not 1 .. %d",
        n_dit, LA_MAX_DEVICES);
    goto out;
  }
  devices = device_list (n_dit);
  pc.dit_devices = devices;
  pc.vae_device = vae;
  pc.ulysses_size = ulysses;
  pc.sample_steps = steps;
  pc.offload = offload;

  if (official)
    la_memory_model_official (&m);
  else if (!la_memory_model_load (&m, model, &err)) {
    status = la_cli_fail (COMMAND, err);
    goto out;
  }
  plan = la_memory_plan_new (&m, &pc, &err);
  if (!plan) {
    /* the configuration, not the machine */
    g_printerr ("%s %s: %s\n", LA_CLI_PROGRAM, COMMAND, err->message);
    g_clear_error (&err);
    status = LA_CLI_EXIT_USAGE;
    goto out;
  }
  table = la_memory_plan_to_markdown (plan);
  fputs (table, stdout);
  g_free (table);
  if (check) {
    if (la_memory_plan_check (plan, &err))
      printf ("\nFits this machine's devices.\n");
    else
      status = la_cli_fail (COMMAND, err);
  }

out:
  la_memory_plan_free (plan);
  la_memory_model_clear (&m);
  g_free (model);
  g_free (size);
  g_free (precision);
  g_free (backend);
  g_free (kv);
  g_free (devices);
  g_option_context_free (context);
  return status;
}
