// SPDX-License-Identifier: GPL-2.0
/*
 * types.c - the Fd and Handle types of refgc._refgc.
 *
 * An Fd is one arena's open /dev/refgc, closed once.  A Handle owns
 * exactly one kernel handle on one object: its tp_dealloc drops it, then
 * calls the Fd's on_release hook, which runs the Python code (__del__,
 * weakref callbacks) of the records the drop queued.
 */
#include "_refgc.h"	/* first: Python.h before any other header */

#include <structmember.h>
#include <unistd.h>

/* ---- Fd: the arena's file, closed once ---- */

typedef struct {
	PyObject_HEAD
	int fd;
	PyObject *on_release;	/* called with the id after a handle drop */
} FdObject;

static int fd_init(FdObject *self, PyObject *args, PyObject *kw)
{
	int r;

	if (!PyArg_ParseTuple(args, ""))
		return -1;
	r = refgc_open();
	if (r < 0) {
		raise_errno(r);
		return -1;
	}
	self->fd = r;
	return 0;
}

static PyObject *fd_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
	FdObject *self = (FdObject *)type->tp_alloc(type, 0);

	if (self)
		self->fd = -1;
	return (PyObject *)self;
}

static void fd_dealloc(FdObject *self)
{
	if (self->fd >= 0)
		close(self->fd);
	Py_CLEAR(self->on_release);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *fd_close(FdObject *self, PyObject *unused)
{
	if (self->fd >= 0)
		close(self->fd);
	self->fd = -1;
	Py_CLEAR(self->on_release);
	Py_RETURN_NONE;
}

static PyMethodDef fd_methods[] = {
	{ "close", (PyCFunction)fd_close, METH_NOARGS, "Close the arena." },
	{ NULL }
};

static PyMemberDef fd_members[] = {
	{ "fd", T_INT, offsetof(FdObject, fd), READONLY, "the fd, -1 closed" },
	{ "on_release", T_OBJECT, offsetof(FdObject, on_release), 0,
	  "called with an object id after a Handle dropped its handle" },
	{ NULL }
};

PyTypeObject FdType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "refgc._refgc.Fd",
	.tp_basicsize = sizeof(FdObject),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "An open /dev/refgc: one arena.",
	.tp_new = fd_new,
	.tp_init = (initproc)fd_init,
	.tp_dealloc = (destructor)fd_dealloc,
	.tp_methods = fd_methods,
	.tp_members = fd_members,
};

/* ---- Handle: a Python object owning one kernel handle ---- */

typedef struct {
	PyObject_HEAD
	FdObject *fdobj;	/* NULL until _own() */
	unsigned long long id;
	int weakref;		/* dropped with WEAKREF_DROP */
} HandleObject;

static void handle_dealloc(HandleObject *self)
{
	FdObject *f = self->fdobj;
	PyObject *et, *ev, *tb, *res;

	if (f && f->fd >= 0 && self->id) {
		PyErr_Fetch(&et, &ev, &tb);
		if (self->weakref)
			refgc_weakref_drop(f->fd, self->id, NULL);
		else
			refgc_decref(f->fd, self->id, NULL);
		if (f->on_release) {
			res = PyObject_CallFunction(f->on_release, "K",
						    self->id);
			if (!res)
				PyErr_WriteUnraisable(f->on_release);
			Py_XDECREF(res);
		}
		PyErr_Restore(et, ev, tb);
	}
	Py_XDECREF(f);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *handle_own(HandleObject *self, PyObject *args)
{
	FdObject *f;
	unsigned long long id;
	int weakref = 0;

	if (!PyArg_ParseTuple(args, "O!K|p", &FdType, &f, &id, &weakref))
		return NULL;
	if (self->fdobj) {
		PyErr_SetString(PyExc_RuntimeError, "handle already owned");
		return NULL;
	}
	Py_INCREF(f);
	self->fdobj = f;
	self->id = id;
	self->weakref = weakref;
	Py_RETURN_NONE;
}

static PyObject *handle_get_oid(HandleObject *self, void *unused)
{
	return PyLong_FromUnsignedLongLong(self->id);
}

static PyMethodDef handle_methods[] = {
	{ "_own", (PyCFunction)handle_own, METH_VARARGS,
	  "_own(fd, id, weakref=False): take ownership of one handle." },
	{ NULL }
};

static PyGetSetDef handle_getset[] = {
	{ "oid", (getter)handle_get_oid, NULL, "the kernel object id", NULL },
	{ NULL }
};

PyTypeObject HandleType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "refgc._refgc.Handle",
	.tp_basicsize = sizeof(HandleObject),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
	.tp_doc = "Owns one kernel handle; dropped when the object dies.",
	.tp_new = PyType_GenericNew,
	.tp_dealloc = (destructor)handle_dealloc,
	.tp_methods = handle_methods,
	.tp_getset = handle_getset,
};
