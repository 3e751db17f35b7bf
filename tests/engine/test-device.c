/* liveavatar engine tests: device lists and groups
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "la-device.h"

static void
check_good (const gchar * str, const guint * expected, guint n_expected,
    const gchar * canonical)
{
  guint indices[LA_MAX_DEVICES], n = 99, i;
  GError *err = NULL;
  gchar *back;

  g_assert_true (la_device_list_parse (str, "dit-devices", indices, &n, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (n, ==, n_expected);
  for (i = 0; i < n; i++)
    g_assert_cmpuint (indices[i], ==, expected[i]);
  back = la_device_list_to_string (indices, n);
  g_assert_cmpstr (back, ==, canonical);
  g_free (back);
}

static void
test_parse_good (void)
{
  static const guint one[] = { 0 };
  static const guint four[] = { 0, 1, 2, 3 };
  static const guint spaced[] = { 3, 1, 2 };
  static const guint last[] = { 15 };
  static const guint all[] =
      { 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 };

  check_good ("0", one, 1, "0");
  check_good ("00", one, 1, "0");
  check_good ("0,1,2,3", four, 4, "0,1,2,3");
  check_good (" 3 , 1,2 ", spaced, 3, "3,1,2");
  check_good ("\t3,1 ,2", spaced, 3, "3,1,2");
  check_good ("15", last, 1, "15");
  check_good ("15,14,13,12,11,10,9,8,7,6,5,4,3,2,1,0", all, 16,
      "15,14,13,12,11,10,9,8,7,6,5,4,3,2,1,0");
}

static void
check_bad (const gchar * str, const gchar * message)
{
  guint indices[LA_MAX_DEVICES], n = 99;
  GError *err = NULL;

  g_assert_false (la_device_list_parse (str, "dit-devices", indices, &n, &err));
  g_assert_error (err, LA_ERROR, LA_ERROR_DEVICE);
  g_assert_cmpstr (err->message, ==, message);
  g_assert_cmpuint (n, ==, 0);
  g_error_free (err);
}

static void
test_parse_bad (void)
{
  const gchar *empty = "dit-devices is empty: give comma-separated device "
      "indices, e.g. \"0\" or \"0,1,2,3\"";

  check_bad (NULL, empty);
  check_bad ("", empty);
  check_bad ("  ", empty);
  check_bad ("a,1", "dit-devices \"a,1\": \"a\" is not a device index "
      "(expected comma-separated non-negative integers, e.g. \"0,1,2,3\")");
  check_bad ("-1", "dit-devices \"-1\": \"-1\" is not a device index "
      "(expected comma-separated non-negative integers, e.g. \"0,1,2,3\")");
  check_bad ("1 2", "dit-devices \"1 2\": \"1 2\" is not a device index "
      "(expected comma-separated non-negative integers, e.g. \"0,1,2,3\")");
  check_bad ("0x1", "dit-devices \"0x1\": \"0x1\" is not a device index "
      "(expected comma-separated non-negative integers, e.g. \"0,1,2,3\")");
  check_bad ("1,,2", "dit-devices \"1,,2\": entry 2 is empty (expected "
      "comma-separated device indices, e.g. \"0,1,2,3\")");
  check_bad ("1,", "dit-devices \"1,\": entry 2 is empty (expected "
      "comma-separated device indices, e.g. \"0,1,2,3\")");
  check_bad (",0", "dit-devices \",0\": entry 1 is empty (expected "
      "comma-separated device indices, e.g. \"0,1,2,3\")");
  check_bad ("0,16", "dit-devices \"0,16\": device 16 is out of range "
      "(at most 15)");
  check_bad ("99999999999999999999999", "dit-devices "
      "\"99999999999999999999999\": device 99999999999999999999999 is out "
      "of range (at most 15)");
  check_bad ("0,2,2", "dit-devices \"0,2,2\": device 2 listed twice");
  check_bad ("2, 02", "dit-devices \"2, 02\": device 2 listed twice");
}

static void
test_groups (void)
{
  static const guint idx[] = { 4, 7 };
  LaDeviceGroup cpu, cuda;
  gchar *name;

  la_device_group_init (&cpu, LA_DEVICE_CPU, idx, 2);
  g_assert_cmpuint (cpu.n_devices, ==, 2);
  g_assert_cmpuint (cpu.devices[0].index, ==, 4);
  g_assert_cmpuint (cpu.devices[1].index, ==, 7);
  g_assert_cmpint (cpu.devices[1].kind, ==, LA_DEVICE_CPU);
  g_assert_cmpstr (cpu.transport, ==, "in-process");

  la_device_group_init (&cuda, LA_DEVICE_CUDA, idx, 1);
  g_assert_cmpuint (cuda.n_devices, ==, 1);
  g_assert_cmpstr (cuda.transport, ==, "cuda-peer");

  name = la_device_to_string (&cpu.devices[1]);
  g_assert_cmpstr (name, ==, "cpu:7");
  g_free (name);
  name = la_device_to_string (&cuda.devices[0]);
  g_assert_cmpstr (name, ==, "cuda:4");
  g_free (name);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/device/parse-good", test_parse_good);
  g_test_add_func ("/device/parse-bad", test_parse_bad);
  g_test_add_func ("/device/groups", test_groups);

  return g_test_run ();
}
