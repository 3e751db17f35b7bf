/* liveavatar io tests: config.json
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "la-config.h"
#include "liveavatar.h"
#include "test-io-util.h"

#include <string.h>

static LaConfig *
load_golden (void)
{
  gchar *path = io_data_path ("config.json");
  GError *err = NULL;
  LaConfig *cfg = la_config_load (path, &err);

  g_assert_no_error (err);
  g_free (path);
  return cfg;
}

static void
test_scalars (void)
{
  LaConfig *cfg = load_golden ();
  GError *err = NULL;
  gint64 i;
  gdouble d;
  gboolean b;
  gchar *s;

  g_assert_true (la_config_get_int (cfg, "dim", 0, &i, &err));
  g_assert_cmpint (i, ==, 5120);
  /* written as 16.0: still an integer */
  g_assert_true (la_config_get_int (cfg, "in_dim", 0, &i, &err));
  g_assert_cmpint (i, ==, 16);
  g_assert_true (la_config_get_double (cfg, "eps", 0, &d, &err));
  g_assert_cmpfloat (d, ==, 1e-6);
  /* an integer reads as a double too */
  g_assert_true (la_config_get_double (cfg, "num_heads", 0, &d, &err));
  g_assert_cmpfloat (d, ==, 40.0);
  g_assert_true (la_config_get_bool (cfg, "qk_norm", FALSE, &b, &err));
  g_assert_true (b);
  g_assert_true (la_config_get_string (cfg, "model_type", NULL, &s, &err));
  g_assert_cmpstr (s, ==, "s2v");
  g_free (s);
  g_assert_true (la_config_get_string (cfg, "framepack.drop_mode", NULL, &s,
          &err));
  g_assert_cmpstr (s, ==, "padd");
  g_free (s);
  g_assert_no_error (err);
  la_config_free (cfg);
}

/* absent and null give the default; has/require agree */
static void
test_defaults (void)
{
  LaConfig *cfg = load_golden ();
  GError *err = NULL;
  gint64 i;
  gchar *s;
  gboolean b;

  g_assert_true (la_config_get_int (cfg, "absent", 77, &i, &err));
  g_assert_cmpint (i, ==, 77);
  g_assert_true (la_config_get_int (cfg, "unset", 78, &i, &err));
  g_assert_cmpint (i, ==, 78);
  g_assert_true (la_config_get_int (cfg, "framepack.absent", 79, &i, &err));
  g_assert_cmpint (i, ==, 79);
  g_assert_true (la_config_get_bool (cfg, "absent", TRUE, &b, &err));
  g_assert_true (b);
  g_assert_true (la_config_get_string (cfg, "absent", "dflt", &s, &err));
  g_assert_cmpstr (s, ==, "dflt");
  g_free (s);
  g_assert_no_error (err);

  g_assert_true (la_config_has (cfg, "dim"));
  g_assert_true (la_config_has (cfg, "framepack.drop_mode"));
  g_assert_false (la_config_has (cfg, "unset"));
  g_assert_false (la_config_has (cfg, "absent"));
  g_assert_true (la_config_require (cfg, "dim", &err));
  g_assert_false (la_config_require (cfg, "unset", &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID,
      "config.json: 'unset' is missing");
  g_clear_error (&err);
  la_config_free (cfg);
}

/* a present value of the wrong type is an error, not the default */
static void
test_type_errors (void)
{
  LaConfig *cfg = load_golden ();
  GError *err = NULL;
  gint64 i = 0;
  gdouble d;
  gboolean b;
  gchar *s;

  g_assert_false (la_config_get_int (cfg, "eps", 5, &i, &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID,
      "config.json: 'eps' is a number, expected an integer");
  g_assert_cmpint (i, ==, 5);
  g_clear_error (&err);
  g_assert_false (la_config_get_double (cfg, "model_type", 0, &d, &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID,
      "'model_type' is a string, expected a number");
  g_clear_error (&err);
  g_assert_false (la_config_get_bool (cfg, "dim", FALSE, &b, &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID,
      "'dim' is an integer, expected a boolean");
  g_clear_error (&err);
  g_assert_false (la_config_get_string (cfg, "qk_norm", NULL, &s, &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID,
      "'qk_norm' is a boolean, expected a string");
  g_assert_null (s);
  g_clear_error (&err);
  g_assert_false (la_config_get_int (cfg, "dim.x", 0, &i, &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID,
      "'dim.x': 'dim' is an integer, not an object");
  g_clear_error (&err);
  g_assert_false (la_config_get_int (cfg, "framepack", 0, &i, &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID,
      "'framepack' is an object, expected an integer");
  g_clear_error (&err);
  la_config_free (cfg);
}

static void
test_arrays (void)
{
  static const gint64 layers[] = { 0, 4, 8, 12, 16, 20, 24, 27, 30, 33, 36,
    39
  };
  LaConfig *cfg = load_golden ();
  GError *err = NULL;
  gint64 *iv;
  gdouble *dv;
  guint n, i;

  g_assert_true (la_config_get_int_array (cfg, "audio_inject_layers", &iv,
          &n, &err));
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (layers));
  for (i = 0; i < n; i++)
    g_assert_cmpint (iv[i], ==, layers[i]);
  g_free (iv);
  g_assert_true (la_config_get_int_array (cfg, "window_size", &iv, &n, &err));
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpint (iv[0], ==, -1);
  g_free (iv);
  g_assert_true (la_config_get_double_array (cfg,
          "framepack.zip_frame_buckets", &dv, &n, &err));
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpfloat (dv[2], ==, 16.0);
  g_free (dv);
  g_assert_true (la_config_get_int_array (cfg, "absent", &iv, &n, &err));
  g_assert_null (iv);
  g_assert_cmpuint (n, ==, 0);
  g_assert_no_error (err);

  g_assert_false (la_config_get_int_array (cfg, "dim", &iv, &n, &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID,
      "'dim' is an integer, expected an array of integers");
  g_clear_error (&err);
  la_config_free (cfg);

  cfg = la_config_new_from_data ("{\"a\": [1, 2.5]}", 15, "c.json", &err);
  g_assert_no_error (err);
  g_assert_false (la_config_get_int_array (cfg, "a", &iv, &n, &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID,
      "c.json: 'a'[1] is a number, expected an array of integers");
  g_assert_null (iv);
  g_clear_error (&err);
  la_config_free (cfg);
}

static void
test_bad_files (void)
{
  GError *err = NULL;

  g_assert_null (la_config_new_from_data ("{\"dim\": ", 8, "c.json", &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID, "c.json: malformed JSON");
  g_clear_error (&err);
  g_assert_null (la_config_new_from_data ("[]", 2, "c.json", &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID, "not an object");
  g_clear_error (&err);
  g_assert_null (la_config_new_from_data ("", 0, "c.json", &err));
  io_assert_error (err, LA_ERROR_MODEL_INVALID, "not an object");
  g_clear_error (&err);
  g_assert_null (la_config_load ("/nonexistent/config.json", &err));
  io_assert_error (err, LA_ERROR_MODEL_NOT_FOUND, "/nonexistent/config.json");
  g_clear_error (&err);
}

static void
test_to_string (void)
{
  LaConfig *cfg = load_golden ();
  gchar *s = la_config_to_string (cfg), *again;
  GError *err = NULL;
  LaConfig *back;
  gint64 i;

  g_assert_nonnull (strstr (s, "\"dim\" : 5120"));
  back = la_config_new_from_data (s, strlen (s), "again", &err);
  g_assert_no_error (err);
  g_assert_true (la_config_get_int (back, "num_layers", 0, &i, &err));
  g_assert_cmpint (i, ==, 40);
  again = la_config_to_string (back);
  g_assert_cmpstr (again, ==, s);
  g_free (again);
  la_config_free (back);
  g_free (s);
  la_config_free (cfg);
}

int
main (int argc, char **argv)
{
  io_test_init (&argc, &argv);

  g_test_add_func ("/io/config/scalars", test_scalars);
  g_test_add_func ("/io/config/defaults", test_defaults);
  g_test_add_func ("/io/config/type-errors", test_type_errors);
  g_test_add_func ("/io/config/arrays", test_arrays);
  g_test_add_func ("/io/config/bad-files", test_bad_files);
  g_test_add_func ("/io/config/to-string", test_to_string);
  return g_test_run ();
}
