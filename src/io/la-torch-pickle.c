/* liveavatar: the restricted unpickler for torch.save state dicts
 * Copyright (C) 2026 liveavatar developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Opcode semantics from CPython's Lib/pickle.py (_Unpickler); what torch
 * emits from torch/serialization.py (_save, persistent_id) and
 * torch/_tensor.py (_reduce_ex_internal: v2 on typed storages, v3 with an
 * explicit dtype for the newer types such as float8).
 *
 * As in CPython, MARK starts a new frame: an opcode can only pop what was
 * pushed since the last mark, and TUPLE/SETITEMS/APPENDS take the whole
 * frame. Containers hold borrowed pointers; every object lives in one
 * arena freed at the end, so shared (memoized) objects need no counting. */

#include "config.h"

#include "la-torch-pickle.h"
#include "liveavatar.h"

#include <stdarg.h>
#include <string.h>

/* ---- objects ---- */

typedef enum
{
  OBJ_NONE,
  OBJ_BOOL,
  OBJ_INT,
  OBJ_FLOAT,
  OBJ_STR,
  OBJ_TUPLE,
  OBJ_LIST,
  OBJ_DICT,
  OBJ_GLOBAL,
  OBJ_STORAGE,
  OBJ_TENSOR
} ObjKind;

typedef enum
{
  FN_ORDERED_DICT,
  FN_REBUILD_V2,
  FN_REBUILD_V3,
  FN_REBUILD_PARAMETER,
  FN_REBUILD_PARAMETER_WITH_STATE,
  FN_STORAGE_TYPE,
  FN_DTYPE
} GlobalKind;

typedef struct _Obj Obj;

typedef struct
{
  LaIoDType dtype;
  gint ndim;
  gint64 shape[LA_IO_MAX_DIMS];
  gint64 stride[LA_IO_MAX_DIMS];
  gint64 offset;
  Obj *storage;
} TensorData;

struct _Obj
{
  ObjKind kind;
  union
  {
    gint64 i;                   /* BOOL, INT */
    gdouble f;
    gchar *s;                   /* STR */
    GPtrArray *items;           /* TUPLE, LIST */
    struct
    {
      GPtrArray *keys, *values;
    } dict;
    struct
    {
      GlobalKind kind;
      LaIoDType dtype;          /* STORAGE_TYPE, DTYPE */
    } global;
    struct
    {
      gchar *key;
      LaIoDType dtype;
      gint64 numel;
    } storage;
    TensorData *tensor;
  } u;
};

static const struct
{
  const gchar *module;
  const gchar *name;
  GlobalKind kind;
  LaIoDType dtype;
} known_globals[] = {
  {"collections", "OrderedDict", FN_ORDERED_DICT, 0},
  {"torch._utils", "_rebuild_tensor_v2", FN_REBUILD_V2, 0},
  {"torch._utils", "_rebuild_tensor_v3", FN_REBUILD_V3, 0},
  {"torch._utils", "_rebuild_parameter", FN_REBUILD_PARAMETER, 0},
  {"torch._utils", "_rebuild_parameter_with_state",
      FN_REBUILD_PARAMETER_WITH_STATE, 0},
  {"torch", "FloatStorage", FN_STORAGE_TYPE, LA_IO_DTYPE_F32},
  {"torch", "HalfStorage", FN_STORAGE_TYPE, LA_IO_DTYPE_F16},
  {"torch", "BFloat16Storage", FN_STORAGE_TYPE, LA_IO_DTYPE_BF16},
  {"torch", "DoubleStorage", FN_STORAGE_TYPE, LA_IO_DTYPE_F64},
  {"torch", "LongStorage", FN_STORAGE_TYPE, LA_IO_DTYPE_I64},
  {"torch", "IntStorage", FN_STORAGE_TYPE, LA_IO_DTYPE_I32},
  {"torch", "ShortStorage", FN_STORAGE_TYPE, LA_IO_DTYPE_I16},
  {"torch", "CharStorage", FN_STORAGE_TYPE, LA_IO_DTYPE_I8},
  {"torch", "ByteStorage", FN_STORAGE_TYPE, LA_IO_DTYPE_U8},
  {"torch", "BoolStorage", FN_STORAGE_TYPE, LA_IO_DTYPE_BOOL},
  {"torch.storage", "UntypedStorage", FN_STORAGE_TYPE, LA_IO_DTYPE_U8},
  {"torch", "float32", FN_DTYPE, LA_IO_DTYPE_F32},
  {"torch", "float16", FN_DTYPE, LA_IO_DTYPE_F16},
  {"torch", "bfloat16", FN_DTYPE, LA_IO_DTYPE_BF16},
  {"torch", "float64", FN_DTYPE, LA_IO_DTYPE_F64},
  {"torch", "float8_e4m3fn", FN_DTYPE, LA_IO_DTYPE_F8_E4M3},
  {"torch", "float8_e5m2", FN_DTYPE, LA_IO_DTYPE_F8_E5M2},
  {"torch", "int64", FN_DTYPE, LA_IO_DTYPE_I64},
  {"torch", "int32", FN_DTYPE, LA_IO_DTYPE_I32},
  {"torch", "int16", FN_DTYPE, LA_IO_DTYPE_I16},
  {"torch", "int8", FN_DTYPE, LA_IO_DTYPE_I8},
  {"torch", "uint8", FN_DTYPE, LA_IO_DTYPE_U8},
  {"torch", "bool", FN_DTYPE, LA_IO_DTYPE_BOOL},
};

static void
obj_free (gpointer data)
{
  Obj *o = data;

  switch (o->kind) {
    case OBJ_STR:
      g_free (o->u.s);
      break;
    case OBJ_TUPLE:
    case OBJ_LIST:
      g_ptr_array_unref (o->u.items);
      break;
    case OBJ_DICT:
      g_ptr_array_unref (o->u.dict.keys);
      g_ptr_array_unref (o->u.dict.values);
      break;
    case OBJ_STORAGE:
      g_free (o->u.storage.key);
      break;
    case OBJ_TENSOR:
      g_free (o->u.tensor);
      break;
    default:
      break;
  }
  g_free (o);
}

/* ---- the machine ---- */

typedef struct
{
  const guint8 *data;
  gsize size;
  gsize pos;                    /* next byte */
  gsize op_pos;                 /* the opcode being run, for messages */
  const gchar *what;
  GPtrArray *arena;             /* every Obj, owned */
  GPtrArray *stack;             /* Obj *, borrowed */
  GArray *marks;                /* guint: stack length at each open MARK */
  guint floor;                  /* stack length at the innermost MARK */
  GHashTable *memo;             /* index -> Obj * */
} Vm;

static gboolean
G_GNUC_PRINTF (3, 4)
vm_fail (Vm * vm, GError ** error, const gchar * format, ...)
{
  va_list args;
  gchar *msg;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, LA_ERROR, LA_ERROR_MODEL_INVALID,
      "%s: at byte %" G_GSIZE_FORMAT ": %s", vm->what, vm->op_pos, msg);
  g_free (msg);
  return FALSE;
}

static Obj *
vm_new (Vm * vm, ObjKind kind, GError ** error)
{
  Obj *o;

  if (vm->arena->len >= LA_TORCH_PICKLE_MAX_OBJECTS) {
    vm_fail (vm, error, "more than %d objects", LA_TORCH_PICKLE_MAX_OBJECTS);
    return NULL;
  }
  o = g_new0 (Obj, 1);
  o->kind = kind;
  switch (kind) {
    case OBJ_TUPLE:
    case OBJ_LIST:
      o->u.items = g_ptr_array_new ();
      break;
    case OBJ_DICT:
      o->u.dict.keys = g_ptr_array_new ();
      o->u.dict.values = g_ptr_array_new ();
      break;
    case OBJ_TENSOR:
      o->u.tensor = g_new0 (TensorData, 1);
      break;
    default:
      break;
  }
  g_ptr_array_add (vm->arena, o);
  return o;
}

static gboolean
vm_need (Vm * vm, gsize n, GError ** error)
{
  if (n > vm->size - vm->pos)
    return vm_fail (vm, error, "truncated (needs %" G_GSIZE_FORMAT
        " more bytes)", n);
  return TRUE;
}

static guint64
read_le (const guint8 * p, guint n)
{
  guint64 v = 0;
  guint i;

  for (i = 0; i < n; i++)
    v |= (guint64) p[i] << (8 * i);
  return v;
}

static Obj *
vm_pop (Vm * vm, GError ** error)
{
  if (vm->stack->len <= vm->floor) {
    vm_fail (vm, error, "stack underflow");
    return NULL;
  }
  return g_ptr_array_steal_index (vm->stack, vm->stack->len - 1);
}

static Obj *
vm_top (Vm * vm, GError ** error)
{
  if (vm->stack->len <= vm->floor) {
    vm_fail (vm, error, "stack underflow");
    return NULL;
  }
  return g_ptr_array_index (vm->stack, vm->stack->len - 1);
}

static gboolean
vm_push_new (Vm * vm, ObjKind kind, GError ** error)
{
  Obj *o = vm_new (vm, kind, error);

  if (!o)
    return FALSE;
  g_ptr_array_add (vm->stack, o);
  return TRUE;
}

/* Moves everything since the innermost MARK into @items and closes it. */
static gboolean
vm_pop_mark (Vm * vm, GPtrArray * items, GError ** error)
{
  guint i;

  if (vm->marks->len == 0)
    return vm_fail (vm, error, "no MARK to close");
  for (i = vm->floor; i < vm->stack->len; i++)
    g_ptr_array_add (items, g_ptr_array_index (vm->stack, i));
  g_ptr_array_set_size (vm->stack, vm->floor);
  g_array_set_size (vm->marks, vm->marks->len - 1);
  vm->floor = vm->marks->len ?
      g_array_index (vm->marks, guint, vm->marks->len - 1) : 0;
  return TRUE;
}

static gboolean
vm_tuple_n (Vm * vm, guint n, GError ** error)
{
  Obj *t = vm_new (vm, OBJ_TUPLE, error);
  guint i;

  if (!t)
    return FALSE;
  if (vm->stack->len - vm->floor < n)
    return vm_fail (vm, error, "stack underflow");
  for (i = vm->stack->len - n; i < vm->stack->len; i++)
    g_ptr_array_add (t->u.items, g_ptr_array_index (vm->stack, i));
  g_ptr_array_set_size (vm->stack, vm->stack->len - n);
  g_ptr_array_add (vm->stack, t);
  return TRUE;
}

static gboolean
vm_string (Vm * vm, gsize len_bytes, GError ** error)
{
  guint64 len;
  const gchar *s;
  Obj *o;

  if (!vm_need (vm, len_bytes, error))
    return FALSE;
  len = read_le (vm->data + vm->pos, len_bytes);
  vm->pos += len_bytes;
  if (!vm_need (vm, len, error))
    return FALSE;
  s = (const gchar *) vm->data + vm->pos;
  if (!g_utf8_validate_len (s, len, NULL) || memchr (s, '\0', len))
    return vm_fail (vm, error, "string is not NUL-free UTF-8");
  o = vm_new (vm, OBJ_STR, error);
  if (!o)
    return FALSE;
  o->u.s = g_strndup (s, len);
  vm->pos += len;
  g_ptr_array_add (vm->stack, o);
  return TRUE;
}

static gboolean
vm_int (Vm * vm, gint64 v, GError ** error)
{
  Obj *o = vm_new (vm, OBJ_INT, error);

  if (!o)
    return FALSE;
  o->u.i = v;
  g_ptr_array_add (vm->stack, o);
  return TRUE;
}

static gboolean
vm_global (Vm * vm, const gchar * module, const gchar * name, GError ** error)
{
  Obj *o;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (known_globals); i++) {
    if (strcmp (module, known_globals[i].module) == 0 &&
        strcmp (name, known_globals[i].name) == 0)
      break;
  }
  if (i == G_N_ELEMENTS (known_globals))
    return vm_fail (vm, error, "global '%s.%s' is not allowed in a state "
        "dict", module, name);
  o = vm_new (vm, OBJ_GLOBAL, error);
  if (!o)
    return FALSE;
  o->u.global.kind = known_globals[i].kind;
  o->u.global.dtype = known_globals[i].dtype;
  g_ptr_array_add (vm->stack, o);
  return TRUE;
}

/* GLOBAL: "module\nname\n" */
static gboolean
vm_read_line (Vm * vm, gchar ** line, GError ** error)
{
  const guint8 *start = vm->data + vm->pos;
  const guint8 *nl = memchr (start, '\n', MIN (vm->size - vm->pos, 256));

  if (!nl)
    return vm_fail (vm, error, "GLOBAL name not terminated");
  if (memchr (start, '\0', nl - start) ||
      !g_utf8_validate_len ((const gchar *) start, nl - start, NULL))
    return vm_fail (vm, error, "GLOBAL name is not text");
  *line = g_strndup ((const gchar *) start, nl - start);
  vm->pos += (nl - start) + 1;
  return TRUE;
}

/* ('storage', <storage type>, key, location, numel) */
static gboolean
vm_persistent_load (Vm * vm, Obj * pid, GError ** error)
{
  Obj *o, *type, *key, *numel;
  GPtrArray *it;

  if (pid->kind != OBJ_TUPLE || pid->u.items->len != 5)
    return vm_fail (vm, error, "persistent id is not a 5-tuple");
  it = pid->u.items;
  type = g_ptr_array_index (it, 1);
  key = g_ptr_array_index (it, 2);
  numel = g_ptr_array_index (it, 4);
  if (((Obj *) g_ptr_array_index (it, 0))->kind != OBJ_STR ||
      strcmp (((Obj *) g_ptr_array_index (it, 0))->u.s, "storage") != 0)
    return vm_fail (vm, error, "persistent id is not a storage");
  if (type->kind != OBJ_GLOBAL || type->u.global.kind != FN_STORAGE_TYPE)
    return vm_fail (vm, error, "storage type is not a torch storage class");
  if (key->kind != OBJ_STR || key->u.s[0] == '\0')
    return vm_fail (vm, error, "storage key is not a string");
  if (((Obj *) g_ptr_array_index (it, 3))->kind != OBJ_STR)
    return vm_fail (vm, error, "storage location is not a string");
  if (numel->kind != OBJ_INT || numel->u.i < 0)
    return vm_fail (vm, error, "storage size is not a non-negative integer");

  o = vm_new (vm, OBJ_STORAGE, error);
  if (!o)
    return FALSE;
  o->u.storage.key = g_strdup (key->u.s);
  o->u.storage.dtype = type->u.global.dtype;
  o->u.storage.numel = numel->u.i;
  g_ptr_array_add (vm->stack, o);
  return TRUE;
}

static gboolean
int_tuple (Obj * o, gint64 * out, gint * n)
{
  guint i;

  if (o->kind != OBJ_TUPLE || o->u.items->len > LA_IO_MAX_DIMS)
    return FALSE;
  for (i = 0; i < o->u.items->len; i++) {
    Obj *v = g_ptr_array_index (o->u.items, i);

    if (v->kind != OBJ_INT)
      return FALSE;
    out[i] = v->u.i;
  }
  *n = (gint) o->u.items->len;
  return TRUE;
}

/* _rebuild_tensor_v2 (storage, offset, size, stride, requires_grad, hooks
 * [, metadata]); v3 adds the dtype after hooks */
static Obj *
vm_rebuild_tensor (Vm * vm, GPtrArray * args, gboolean v3, GError ** error)
{
  guint min_args = v3 ? 7 : 6;
  Obj *storage, *offset, *dtype = NULL, *o;
  TensorData *t;
  gint n_stride;

  if (args->len < min_args || args->len > min_args + 1) {
    vm_fail (vm, error, "_rebuild_tensor_v%d takes %u or %u arguments, "
        "not %u", v3 ? 3 : 2, min_args, min_args + 1, args->len);
    return NULL;
  }
  storage = g_ptr_array_index (args, 0);
  offset = g_ptr_array_index (args, 1);
  if (storage->kind != OBJ_STORAGE) {
    vm_fail (vm, error, "tensor built on something that is not a storage");
    return NULL;
  }
  if (offset->kind != OBJ_INT || offset->u.i < 0) {
    vm_fail (vm, error, "tensor storage offset is not a non-negative "
        "integer");
    return NULL;
  }
  if (((Obj *) g_ptr_array_index (args, 4))->kind != OBJ_BOOL) {
    vm_fail (vm, error, "tensor requires_grad is not a boolean");
    return NULL;
  }
  if (v3) {
    dtype = g_ptr_array_index (args, 6);
    if (dtype->kind != OBJ_GLOBAL || dtype->u.global.kind != FN_DTYPE) {
      vm_fail (vm, error, "_rebuild_tensor_v3 dtype is not a torch dtype");
      return NULL;
    }
  }

  o = vm_new (vm, OBJ_TENSOR, error);
  if (!o)
    return NULL;
  t = o->u.tensor;
  if (!int_tuple (g_ptr_array_index (args, 2), t->shape, &t->ndim) ||
      !int_tuple (g_ptr_array_index (args, 3), t->stride, &n_stride) ||
      n_stride != t->ndim) {
    vm_fail (vm, error, "tensor size and stride are not two integer tuples "
        "of the same length (at most %d)", LA_IO_MAX_DIMS);
    return NULL;
  }
  t->storage = storage;
  t->offset = offset->u.i;
  t->dtype = v3 ? dtype->u.global.dtype : storage->u.storage.dtype;
  return o;
}

static gboolean
vm_reduce (Vm * vm, GError ** error)
{
  Obj *args, *fn, *result = NULL;
  GPtrArray *a;

  if (!(args = vm_pop (vm, error)) || !(fn = vm_pop (vm, error)))
    return FALSE;
  if (fn->kind != OBJ_GLOBAL)
    return vm_fail (vm, error, "REDUCE on something not callable");
  if (args->kind != OBJ_TUPLE)
    return vm_fail (vm, error, "REDUCE arguments are not a tuple");
  a = args->u.items;

  switch (fn->u.global.kind) {
    case FN_ORDERED_DICT:
      if (a->len != 0)
        return vm_fail (vm, error, "OrderedDict called with arguments");
      result = vm_new (vm, OBJ_DICT, error);
      break;
    case FN_REBUILD_V2:
    case FN_REBUILD_V3:
      result = vm_rebuild_tensor (vm, a,
          fn->u.global.kind == FN_REBUILD_V3, error);
      break;
    case FN_REBUILD_PARAMETER:
    case FN_REBUILD_PARAMETER_WITH_STATE:
      if (a->len != (fn->u.global.kind == FN_REBUILD_PARAMETER ? 3u : 4u) ||
          ((Obj *) g_ptr_array_index (a, 0))->kind != OBJ_TENSOR)
        return vm_fail (vm, error, "_rebuild_parameter needs a tensor");
      result = g_ptr_array_index (a, 0);
      break;
    default:
      return vm_fail (vm, error, "a storage type or dtype is not callable");
  }
  if (!result)
    return FALSE;
  g_ptr_array_add (vm->stack, result);
  return TRUE;
}

static gboolean
dict_set (Vm * vm, Obj * dict, Obj * key, Obj * value, GError ** error)
{
  if (dict->kind != OBJ_DICT)
    return vm_fail (vm, error, "SETITEM on something that is not a dict");
  g_ptr_array_add (dict->u.dict.keys, key);
  g_ptr_array_add (dict->u.dict.values, value);
  return TRUE;
}

static gboolean
vm_memo_put (Vm * vm, guint64 index, GError ** error)
{
  Obj *top = vm_top (vm, error);

  if (!top)
    return FALSE;
  g_hash_table_insert (vm->memo, GUINT_TO_POINTER ((guint) index), top);
  return TRUE;
}

static gboolean
vm_memo_get (Vm * vm, guint64 index, GError ** error)
{
  Obj *o = g_hash_table_lookup (vm->memo, GUINT_TO_POINTER ((guint) index));

  if (!o)
    return vm_fail (vm, error, "memo %" G_GUINT64_FORMAT " was never stored",
        index);
  g_ptr_array_add (vm->stack, o);
  return TRUE;
}

/* One opcode. */
static gboolean
vm_step (Vm * vm, gboolean * stop, GError ** error)
{
  guint8 op;
  Obj *a, *b, *c;
  guint64 u;
  gchar *module = NULL, *name = NULL;
  gboolean ok;

  vm->op_pos = vm->pos;
  /* BINGET and MARK allocate no object but still grow these */
  if (vm->stack->len >= LA_TORCH_PICKLE_MAX_OBJECTS ||
      vm->marks->len >= LA_TORCH_PICKLE_MAX_OBJECTS)
    return vm_fail (vm, error, "stack deeper than %d",
        LA_TORCH_PICKLE_MAX_OBJECTS);
  if (!vm_need (vm, 1, error))
    return FALSE;
  op = vm->data[vm->pos++];

  switch (op) {
    case 0x80:                 /* PROTO */
      if (!vm_need (vm, 1, error))
        return FALSE;
      if (vm->data[vm->pos] < 2 || vm->data[vm->pos] > 5)
        return vm_fail (vm, error, "pickle protocol %u is not supported",
            vm->data[vm->pos]);
      vm->pos++;
      return TRUE;
    case 0x95:                 /* FRAME: a length hint only */
      if (!vm_need (vm, 8, error))
        return FALSE;
      vm->pos += 8;
      return TRUE;
    case '.':                  /* STOP */
      *stop = TRUE;
      return TRUE;
    case '(':                  /* MARK */
      vm->floor = vm->stack->len;
      g_array_append_val (vm->marks, vm->floor);
      return TRUE;
    case '}':                  /* EMPTY_DICT */
      return vm_push_new (vm, OBJ_DICT, error);
    case ']':                  /* EMPTY_LIST */
      return vm_push_new (vm, OBJ_LIST, error);
    case ')':                  /* EMPTY_TUPLE */
      return vm_push_new (vm, OBJ_TUPLE, error);
    case 'N':                  /* NONE */
      return vm_push_new (vm, OBJ_NONE, error);
    case 0x88:                 /* NEWTRUE */
    case 0x89:                 /* NEWFALSE */
      if (!vm_push_new (vm, OBJ_BOOL, error))
        return FALSE;
      ((Obj *) g_ptr_array_index (vm->stack, vm->stack->len - 1))->u.i =
          op == 0x88;
      return TRUE;
    case 't':                  /* TUPLE */
      a = vm_new (vm, OBJ_TUPLE, error);
      if (!a || !vm_pop_mark (vm, a->u.items, error))
        return FALSE;
      g_ptr_array_add (vm->stack, a);
      return TRUE;
    case 0x85:                 /* TUPLE1 */
    case 0x86:                 /* TUPLE2 */
    case 0x87:                 /* TUPLE3 */
      return vm_tuple_n (vm, op - 0x84, error);
    case 'X':                  /* BINUNICODE */
      return vm_string (vm, 4, error);
    case 0x8c:                 /* SHORT_BINUNICODE */
      return vm_string (vm, 1, error);
    case 'J':                  /* BININT */
      if (!vm_need (vm, 4, error))
        return FALSE;
      u = read_le (vm->data + vm->pos, 4);
      vm->pos += 4;
      return vm_int (vm, (gint32) (guint32) u, error);
    case 'K':                  /* BININT1 */
    case 'M':                  /* BININT2 */
      if (!vm_need (vm, op == 'K' ? 1 : 2, error))
        return FALSE;
      u = read_le (vm->data + vm->pos, op == 'K' ? 1 : 2);
      vm->pos += op == 'K' ? 1 : 2;
      return vm_int (vm, (gint64) u, error);
    case 0x8a:{                /* LONG1: little-endian two's complement */
      guint n;

      if (!vm_need (vm, 1, error))
        return FALSE;
      n = vm->data[vm->pos++];
      if (n > 8)
        return vm_fail (vm, error, "integer of %u bytes does not fit in 64 "
            "bits", n);
      if (!vm_need (vm, n, error))
        return FALSE;
      u = read_le (vm->data + vm->pos, n);
      if (n > 0 && n < 8 && (vm->data[vm->pos + n - 1] & 0x80))
        u |= G_MAXUINT64 << (8 * n);    /* sign-extend */
      vm->pos += n;
      return vm_int (vm, (gint64) u, error);
    }
    case 'G':{                 /* BINFLOAT: big-endian double */
      guint64 bits = 0;
      guint i;

      if (!vm_need (vm, 8, error) || !vm_push_new (vm, OBJ_FLOAT, error))
        return FALSE;
      for (i = 0; i < 8; i++)
        bits = (bits << 8) | vm->data[vm->pos + i];
      vm->pos += 8;
      memcpy (&((Obj *) g_ptr_array_index (vm->stack,
                  vm->stack->len - 1))->u.f, &bits, 8);
      return TRUE;
    }
    case 'c':                  /* GLOBAL */
      ok = vm_read_line (vm, &module, error) &&
          vm_read_line (vm, &name, error) &&
          vm_global (vm, module, name, error);
      g_free (module);
      g_free (name);
      return ok;
    case 0x93:                 /* STACK_GLOBAL */
      if (!(b = vm_pop (vm, error)) || !(a = vm_pop (vm, error)))
        return FALSE;
      if (a->kind != OBJ_STR || b->kind != OBJ_STR)
        return vm_fail (vm, error, "STACK_GLOBAL names are not strings");
      return vm_global (vm, a->u.s, b->u.s, error);
    case 'Q':                  /* BINPERSID */
      if (!(a = vm_pop (vm, error)))
        return FALSE;
      return vm_persistent_load (vm, a, error);
    case 'R':                  /* REDUCE */
      return vm_reduce (vm, error);
    case 'b':                  /* BUILD: state on a dict (a state dict's
                                 * _metadata) or a tensor is dropped */
      if (!(a = vm_pop (vm, error)) || !(b = vm_top (vm, error)))
        return FALSE;
      if (b->kind != OBJ_DICT && b->kind != OBJ_TENSOR)
        return vm_fail (vm, error, "BUILD on something that is neither a "
            "dict nor a tensor");
      return TRUE;
    case 's':                  /* SETITEM */
      if (!(c = vm_pop (vm, error)) || !(b = vm_pop (vm, error)) ||
          !(a = vm_top (vm, error)))
        return FALSE;
      return dict_set (vm, a, b, c, error);
    case 'u':{                 /* SETITEMS */
      GPtrArray *items = g_ptr_array_new ();
      guint i;

      ok = vm_pop_mark (vm, items, error);
      if (ok && items->len % 2)
        ok = vm_fail (vm, error, "SETITEMS with an odd number of items");
      if (ok)
        ok = (a = vm_top (vm, error)) != NULL;
      for (i = 0; ok && i < items->len; i += 2)
        ok = dict_set (vm, a, g_ptr_array_index (items, i),
            g_ptr_array_index (items, i + 1), error);
      g_ptr_array_unref (items);
      return ok;
    }
    case 'a':                  /* APPEND */
      if (!(b = vm_pop (vm, error)) || !(a = vm_top (vm, error)))
        return FALSE;
      if (a->kind != OBJ_LIST)
        return vm_fail (vm, error, "APPEND to something that is not a list");
      g_ptr_array_add (a->u.items, b);
      return TRUE;
    case 'e':{                 /* APPENDS */
      GPtrArray *items = g_ptr_array_new ();

      ok = vm_pop_mark (vm, items, error) && (a = vm_top (vm, error)) != NULL;
      if (ok && a->kind != OBJ_LIST)
        ok = vm_fail (vm, error, "APPENDS to something that is not a list");
      if (ok)
        g_ptr_array_extend (a->u.items, items, NULL, NULL);
      g_ptr_array_unref (items);
      return ok;
    }
    case 'q':                  /* BINPUT */
    case 'r':                  /* LONG_BINPUT */
    case 'h':                  /* BINGET */
    case 'j':{                 /* LONG_BINGET */
      guint n = (op == 'q' || op == 'h') ? 1 : 4;

      if (!vm_need (vm, n, error))
        return FALSE;
      u = read_le (vm->data + vm->pos, n);
      vm->pos += n;
      return (op == 'q' || op == 'r') ? vm_memo_put (vm, u, error) :
          vm_memo_get (vm, u, error);
    }
    case 0x94:                 /* MEMOIZE */
      return vm_memo_put (vm, g_hash_table_size (vm->memo), error);
    default:
      return vm_fail (vm, error, "opcode 0x%02x ('%c') is not supported in "
          "a state dict", op, g_ascii_isprint (op) ? op : '?');
  }
}

/* ---- flattening ---- */

typedef struct
{
  Vm *vm;
  GPtrArray *out;
  guint visits;
  guint max_visits;
} Flatten;

static void
tensor_ref_free (gpointer data)
{
  LaTorchTensorRef *ref = data;

  g_free (ref->name);
  g_free (ref->storage_key);
  g_free (ref);
}

static gboolean
flatten (Flatten * f, Obj * dict, const gchar * prefix, gint depth,
    GError ** error)
{
  guint i;

  if (depth > LA_TORCH_PICKLE_MAX_DEPTH)
    return vm_fail (f->vm, error, "dicts nested deeper than %d under '%s'",
        LA_TORCH_PICKLE_MAX_DEPTH, prefix);

  for (i = 0; i < dict->u.dict.keys->len; i++) {
    Obj *key = g_ptr_array_index (dict->u.dict.keys, i);
    Obj *value = g_ptr_array_index (dict->u.dict.values, i);
    gchar *name;

    /* shared sub-dicts could make the walk exponential */
    if (++f->visits > f->max_visits)
      return vm_fail (f->vm, error, "dict structure too large to flatten");
    if (value->kind != OBJ_TENSOR && value->kind != OBJ_DICT)
      continue;
    if (key->kind == OBJ_STR)
      name = prefix ? g_strconcat (prefix, ".", key->u.s, NULL) :
          g_strdup (key->u.s);
    else if (key->kind == OBJ_INT)
      name = prefix ? g_strdup_printf ("%s.%" G_GINT64_FORMAT, prefix,
          key->u.i) : g_strdup_printf ("%" G_GINT64_FORMAT, key->u.i);
    else
      continue;

    if (value->kind == OBJ_DICT) {
      gboolean ok = flatten (f, value, name, depth + 1, error);

      g_free (name);
      if (!ok)
        return FALSE;
    } else {
      TensorData *t = value->u.tensor;
      Obj *s = t->storage;
      LaTorchTensorRef *ref = g_new0 (LaTorchTensorRef, 1);

      ref->name = name;
      ref->dtype = t->dtype;
      ref->ndim = t->ndim;
      memcpy (ref->shape, t->shape, sizeof (ref->shape));
      memcpy (ref->stride, t->stride, sizeof (ref->stride));
      ref->storage_offset = t->offset;
      ref->storage_key = g_strdup (s->u.storage.key);
      ref->storage_dtype = s->u.storage.dtype;
      ref->storage_numel = s->u.storage.numel;
      g_ptr_array_add (f->out, ref);
    }
  }
  return TRUE;
}

GPtrArray *
la_torch_pickle_load (const guint8 * data, gsize size, const gchar * what,
    GError ** error)
{
  Vm vm = { 0, };
  gboolean stop = FALSE;
  GPtrArray *out = NULL;
  Obj *root;

  g_return_val_if_fail (data != NULL || size == 0, NULL);
  g_return_val_if_fail (what != NULL, NULL);

  vm.data = data;
  vm.size = size;
  vm.what = what;
  if (size > LA_TORCH_PICKLE_MAX_SIZE) {
    vm_fail (&vm, error, "%" G_GSIZE_FORMAT " bytes of pickle, over the %d "
        "byte limit", size, LA_TORCH_PICKLE_MAX_SIZE);
    return NULL;
  }
  vm.arena = g_ptr_array_new_with_free_func (obj_free);
  vm.stack = g_ptr_array_new ();
  vm.marks = g_array_new (FALSE, FALSE, sizeof (guint));
  vm.memo = g_hash_table_new (g_direct_hash, g_direct_equal);

  while (!stop) {
    if (!vm_step (&vm, &stop, error))
      goto done;
  }
  /* STOP returns the top of the outermost frame */
  if (vm.marks->len != 0) {
    vm_fail (&vm, error, "STOP inside an open MARK");
    goto done;
  }
  if (!(root = vm_pop (&vm, error)))
    goto done;
  if (root->kind != OBJ_DICT) {
    vm_fail (&vm, error, "the checkpoint is not a dict of tensors");
    goto done;
  }

  {
    Flatten f = { &vm, NULL, 0, 0 };

    f.out = g_ptr_array_new_with_free_func (tensor_ref_free);
    f.max_visits = 16 * vm.arena->len + 1024;
    if (flatten (&f, root, NULL, 0, error))
      out = f.out;
    else
      g_ptr_array_unref (f.out);
  }

done:
  g_hash_table_unref (vm.memo);
  g_array_unref (vm.marks);
  g_ptr_array_unref (vm.stack);
  g_ptr_array_unref (vm.arena);
  return out;
}
