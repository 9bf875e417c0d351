/* SPDX-License-Identifier: GPL-2.0 */
/*
 * _refgc.h - what the sources of refgc._refgc share, private to them:
 * the includes, raise_errno() (_refgc.c), the Fd and Handle types
 * (types.c) and the table of the librefgc calls (calls.c).
 */
#ifndef REFGC_PY_REFGC_H
#define REFGC_PY_REFGC_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "librefgc.h"

/* types.c */
extern PyTypeObject FdType;
extern PyTypeObject HandleType;

/* calls.c: one Python function per librefgc call, NULL-terminated. */
extern PyMethodDef call_methods[];

/* _refgc.c: raise the OSError (subclass) for -@r; returns NULL. */
PyObject *raise_errno(int r);

#endif /* REFGC_PY_REFGC_H */
