/* liveavatar: the DiT's config.json
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "config.h"

#include "la-dit-config.h"
#include "liveavatar.h"

#include <string.h>

static const gchar *data_dir;

static gboolean
parse (const gchar * json, LaDitConfig * cfg, GError ** error)
{
  LaConfig *c = la_config_new_from_data (json, strlen (json), "config.json",
      error);
  gboolean ok;

  if (!c)
    return FALSE;
  ok = la_dit_config_from_config (cfg, c, error);
  la_config_free (c);
  return ok;
}

static void
test_tiny (void)
{
  gchar *path = g_build_filename (data_dir, "config.json", NULL);
  LaDitConfig cfg;
  GError *error = NULL;

  g_assert_true (la_dit_config_load (&cfg, path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cfg.dim, ==, 32);
  g_assert_cmpint (cfg.ffn_dim, ==, 48);
  g_assert_cmpint (cfg.num_heads, ==, 2);
  g_assert_cmpint (la_dit_config_head_dim (&cfg), ==, 16);
  g_assert_cmpint (cfg.num_layers, ==, 2);
  g_assert_cmpint (cfg.in_dim, ==, 4);
  g_assert_cmpint (cfg.out_dim, ==, 4);
  g_assert_cmpint (cfg.text_dim, ==, 24);
  g_assert_cmpint (cfg.text_len, ==, 8);
  g_assert_cmpint (cfg.freq_dim, ==, 16);
  g_assert_cmpint (cfg.cond_dim, ==, 4);
  g_assert_cmpfloat (cfg.eps, ==, 1e-6);
  g_assert_true (cfg.zero_timestep);
  g_assert_true (cfg.enable_adain);
  g_assert_true (cfg.enable_framepack);
  g_assert_cmpuint (cfg.n_audio_inject_layers, ==, 2);
  g_assert_cmpint (cfg.audio_inject_layers[1], ==, 1);
  /* not in the file: the class default */
  g_assert_cmpint (cfg.patch_size[0], ==, 1);
  g_assert_cmpint (cfg.patch_size[1], ==, 2);
  g_assert_cmpint (cfg.patch_size[2], ==, 2);
  g_free (path);
}

/* what diffusers writes for Wan2.2-S2V-14B: patch_size and text_dim are
 * left out (ignore_for_config) */
static void
test_official (void)
{
  const gchar *json = "{\"_class_name\": \"WanModel_S2V\", "
      "\"_diffusers_version\": \"0.35.0\", \"dim\": 5120, \"ffn_dim\": 13824,"
      " \"num_heads\": 40, \"num_layers\": 40, \"in_dim\": 16, "
      "\"out_dim\": 16, \"freq_dim\": 256, \"text_len\": 512, \"eps\": 1e-06,"
      " \"cond_dim\": 16, \"audio_dim\": 1024, \"num_audio_token\": 4, "
      "\"enable_adain\": true, \"adain_mode\": \"attn_norm\", "
      "\"audio_inject_layers\": [0, 4, 8, 12, 16, 20, 24, 27, 30, 33, 36, "
      "39], \"zero_timestep\": true, \"enable_framepack\": true, "
      "\"framepack_drop_mode\": \"padd\", \"model_type\": \"s2v\"}";
  LaDitConfig cfg;
  GError *error = NULL;

  g_assert_true (parse (json, &cfg, &error));
  g_assert_no_error (error);
  g_assert_cmpint (la_dit_config_head_dim (&cfg), ==, 128);
  g_assert_cmpint (cfg.text_dim, ==, 4096);
  g_assert_cmpint (cfg.patch_size[1] * cfg.patch_size[2], ==, 4);
  g_assert_cmpuint (cfg.n_audio_inject_layers, ==, 12);
  g_assert_cmpint (cfg.audio_inject_layers[11], ==, 39);
  g_assert_cmpint (cfg.audio_dim, ==, 1024);
}

static void
test_defaults (void)
{
  LaDitConfig cfg;
  GError *error = NULL;

  g_assert_true (parse ("{\"dim\": 24, \"ffn_dim\": 8, \"num_heads\": 4, "
          "\"num_layers\": 10, \"eps\": null}", &cfg, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cfg.in_dim, ==, 16);
  g_assert_cmpint (cfg.text_dim, ==, 4096);
  g_assert_cmpint (cfg.text_len, ==, 512);
  g_assert_cmpint (cfg.freq_dim, ==, 256);
  g_assert_cmpint (cfg.cond_dim, ==, 0);
  g_assert_cmpfloat (cfg.eps, ==, 1e-6);
  g_assert_false (cfg.zero_timestep);
  /* the class default list, cut to the layers that exist */
  g_assert_cmpuint (cfg.n_audio_inject_layers, ==, 3);
  g_assert_cmpint (cfg.audio_inject_layers[2], ==, 8);
}

static void
test_invalid (void)
{
  static const struct
  {
    const gchar *json;
    const gchar *says;
  } cases[] = {
    {"{\"ffn_dim\": 8, \"num_heads\": 2, \"num_layers\": 1}", "dim"},
    {"{\"dim\": 30, \"ffn_dim\": 8, \"num_heads\": 4, \"num_layers\": 1}",
        "head"},
    {"{\"dim\": 8, \"ffn_dim\": 8, \"num_heads\": 2, \"num_layers\": 1}",
        "head"},
    {"{\"dim\": 0, \"ffn_dim\": 8, \"num_heads\": 2, \"num_layers\": 1}",
        "dim"},
    {"{\"dim\": \"32\", \"ffn_dim\": 8, \"num_heads\": 2, \"num_layers\": 1}",
        "dim"},
    {"{\"dim\": 32, \"ffn_dim\": 8, \"num_heads\": 2, \"num_layers\": 1, "
          "\"patch_size\": [2, 2]}", "patch_size"},
    {"{\"dim\": 32, \"ffn_dim\": 8, \"num_heads\": 2, \"num_layers\": 1, "
          "\"patch_size\": [1, 0, 2]}", "patch_size"},
    {"{\"dim\": 32, \"ffn_dim\": 8, \"num_heads\": 2, \"num_layers\": 1, "
          "\"eps\": -1}", "eps"},
    {"{\"dim\": 32, \"ffn_dim\": 8, \"num_heads\": 2, \"num_layers\": 2, "
          "\"audio_inject_layers\": [0, 2]}", "audio_inject_layers"},
    {"{\"dim\": 32, \"ffn_dim\": 8, \"num_heads\": 2, \"num_layers\": 4, "
          "\"audio_inject_layers\": [0, 3, 3]}", "audio_inject_layers"},
    {"{\"dim\": 32, \"ffn_dim\": 8, \"num_heads\": 2, \"num_layers\": 1, "
          "\"freq_dim\": 15}", "freq_dim"},
    {"{\"dim\": 32, \"ffn_dim\": 8, \"num_heads\": 2, \"num_layers\": 1, "
          "\"zero_timestep\": 3}", "zero_timestep"},
    {"{\"dim\": 32, \"ffn_dim\": 8, \"num_heads\": 2, \"num_layers\": "
          "99999999999}", "num_layers"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    LaDitConfig cfg;
    GError *error = NULL;

    g_assert_false (parse (cases[i].json, &cfg, &error));
    g_assert_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID);
    if (!strstr (error->message, cases[i].says))
      g_error ("case %u: '%s' does not name %s", i, error->message,
          cases[i].says);
    g_clear_error (&error);
  }
}

static void
test_missing_file (void)
{
  LaDitConfig cfg;
  GError *error = NULL;

  g_assert_false (la_dit_config_load (&cfg, "/nonexistent/config.json",
          &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    g_error ("usage: %s DATA-DIR", argv[0]);
  data_dir = argv[1];

  g_test_add_func ("/dit/config/tiny", test_tiny);
  g_test_add_func ("/dit/config/official", test_official);
  g_test_add_func ("/dit/config/defaults", test_defaults);
  g_test_add_func ("/dit/config/invalid", test_invalid);
  g_test_add_func ("/dit/config/missing-file", test_missing_file);
  return g_test_run ();
}
