// SPDX-License-Identifier: GPL-2.0
/*
 * _refgc.c - refgc._refgc, the C half of `import refgc`: module init (the
 * types, the functions, the constants), errno -> exception class
 * (raise_errno() and set_error_classes()), and write_unraisable().
 *
 * The Fd and Handle types are in types.c, the function per librefgc call
 * in calls.c.  Everything else (wrappers, identity, finalizers, gc's API)
 * is Python, in refgc/__init__.py.
 *
 * librefgc itself is compiled into this module (lib.c includes its
 * sources), so that the extension has no runtime dependency beyond the
 * device.
 */
#include "_refgc.h"	/* first: Python.h before any other header */

#include <string.h>

/* The module's state. */
static struct {
	PyObject *errors;	/* errno -> exception class, from Python */
} mod;

/* The class is set_error_classes()'s for the errno, else OSError. */
PyObject *raise_errno(int r)
{
	PyObject *cls = NULL, *key, *args, *exc;
	int e = r < 0 ? -r : r;

	if (mod.errors) {
		key = PyLong_FromLong(e);
		if (!key)
			return NULL;
		cls = PyDict_GetItemWithError(mod.errors, key);
		Py_DECREF(key);
		if (!cls && PyErr_Occurred())
			return NULL;
	}
	if (!cls)
		cls = PyExc_OSError;
	args = Py_BuildValue("(is)", e, strerror(e));
	if (!args)
		return NULL;
	exc = PyObject_Call(cls, args, NULL);
	Py_DECREF(args);
	if (exc) {
		PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
		Py_DECREF(exc);
	}
	return NULL;
}

/* write_unraisable(exc, obj): "Exception ignored in: obj", as CPython. */
static PyObject *py_write_unraisable(PyObject *m, PyObject *args)
{
	PyObject *exc, *obj;

	if (!PyArg_ParseTuple(args, "OO", &exc, &obj))
		return NULL;
	if (!PyExceptionInstance_Check(exc)) {
		PyErr_SetString(PyExc_TypeError, "an exception is needed");
		return NULL;
	}
	Py_INCREF(Py_TYPE(exc));
	Py_INCREF(exc);
	PyErr_Restore((PyObject *)Py_TYPE(exc), exc,
		      PyException_GetTraceback(exc));
	PyErr_WriteUnraisable(obj);
	Py_RETURN_NONE;
}

static PyObject *py_set_error_classes(PyObject *m, PyObject *arg)
{
	if (!PyDict_Check(arg)) {
		PyErr_SetString(PyExc_TypeError, "a dict is needed");
		return NULL;
	}
	Py_INCREF(arg);
	Py_XSETREF(mod.errors, arg);
	Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
	{ "write_unraisable", py_write_unraisable, METH_VARARGS,
	  "write_unraisable(exc, obj)" },
	{ "set_error_classes", py_set_error_classes, METH_O,
	  "set_error_classes({errno: class})" },
	{ NULL }
};

static struct PyModuleDef moduledef = {
	PyModuleDef_HEAD_INIT,
	.m_name = "refgc._refgc",
	.m_doc = "librefgc for Python: one function per call, Fd, Handle.",
	.m_size = -1,
	.m_methods = call_methods,
};

PyMODINIT_FUNC PyInit__refgc(void)
{
	PyObject *m;

	if (PyType_Ready(&FdType) < 0 || PyType_Ready(&HandleType) < 0)
		return NULL;
	m = PyModule_Create(&moduledef);
	if (!m)
		return NULL;
	if (PyModule_AddFunctions(m, methods) < 0 ||
	    PyModule_AddObjectRef(m, "Fd", (PyObject *)&FdType) < 0 ||
	    PyModule_AddObjectRef(m, "Handle", (PyObject *)&HandleType) < 0) {
		Py_DECREF(m);
		return NULL;
	}
#define C(name) PyModule_AddIntConstant(m, #name, REFGC_##name)
	if (C(TYPE_ATOMIC) || C(TYPE_FINALIZER) || C(INFO_TRACKED) ||
	    C(INFO_FINALIZED) || C(INFO_FROZEN) || C(INFO_GARBAGE) ||
	    C(INFO_WEAKREF) || C(INFO_DEAD_REF) || C(DEBUG_STATS) ||
	    C(DEBUG_COLLECTABLE) || C(DEBUG_UNCOLLECTABLE) ||
	    C(DEBUG_SAVEALL) || C(DEBUG_LEAK) || C(EV_GC_START) ||
	    C(EV_GC_STOP) || C(EV_FINALIZE) || C(EV_WEAKREF) ||
	    C(EV_COLLECTABLE) || C(EV_UNCOLLECTABLE) || C(EV_OVERFLOW) ||
	    C(LIST_OBJECTS) || C(LIST_GARBAGE) || C(LIST_TYPES) ||
	    C(LIST_ALL_GENERATIONS) || C(GEN_PERMANENT) ||
	    C(GEN_UNTRACKED) || C(TYPE_WEAKREF_ID) ||
	    C(ARENA_LEGACY_FINALIZERS)) {
		Py_DECREF(m);
		return NULL;
	}
#undef C
	return m;
}
