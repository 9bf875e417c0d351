// SPDX-License-Identifier: GPL-2.0
/*
 * _refgc.c - refgc._refgc, the C half of `import refgc`.
 *
 * This file owns: one Python function per librefgc call (the arena named
 * by its fd, objects by their 64-bit ids, failures raised as OSError
 * subclasses carrying the errno), collect_fin() calling a Python function
 * for each record of a suspended collection, and the Fd and Handle types.
 * A Handle owns exactly one kernel handle on one object: its tp_dealloc
 * drops it, then calls the Fd's on_release hook, which runs the Python
 * code (__del__, weakref callbacks) of the records the drop queued.
 * Everything else (wrappers, identity, finalizers, gc's API) is Python,
 * in refgc/__init__.py.
 *
 * librefgc itself is compiled into this module (lib.c includes its
 * sources), so that the extension has no runtime dependency beyond the
 * device.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "librefgc.h"

/* The module's state. */
static struct {
	PyObject *errors;	/* errno -> exception class, from Python */
} mod;

/* Raise the OSError (subclass) for -@r; returns NULL. */
static PyObject *raise_errno(int r)
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

static PyTypeObject FdType = {
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

static PyTypeObject HandleType = {
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

/* ---- one function per librefgc call ---- */

static PyObject *py_type_register(PyObject *m, PyObject *args)
{
	const char *name;
	unsigned int flags;
	uint32_t id;
	int fd, r;

	if (!PyArg_ParseTuple(args, "isI", &fd, &name, &flags))
		return NULL;
	r = refgc_type_register(fd, name, flags, &id);
	if (r < 0)
		return raise_errno(r);
	return PyLong_FromUnsignedLong(id);
}

static PyObject *py_new(PyObject *m, PyObject *args)
{
	unsigned int type;
	unsigned long long bytes, id;
	int fd, r;

	if (!PyArg_ParseTuple(args, "iIK", &fd, &type, &bytes))
		return NULL;
	r = refgc_new(fd, type, bytes, (uint64_t *)&id);
	if (r < 0)
		return raise_errno(r);
	return PyLong_FromUnsignedLongLong(id);
}

/* f(fd, a) -> u64 and f(fd, a, b) -> u64: the one-result ops. */
typedef int (*op1_fn)(int, uint64_t, uint64_t *);
typedef int (*op2_fn)(int, uint64_t, uint64_t, uint64_t *);

static PyObject *op1(PyObject *args, op1_fn fn)
{
	unsigned long long a, res = 0;
	int fd, r;

	if (!PyArg_ParseTuple(args, "iK", &fd, &a))
		return NULL;
	r = fn(fd, a, (uint64_t *)&res);
	if (r < 0)
		return raise_errno(r);
	return PyLong_FromUnsignedLongLong(res);
}

static PyObject *op2(PyObject *args, op2_fn fn)
{
	unsigned long long a, b, res = 0;
	int fd, r;

	if (!PyArg_ParseTuple(args, "iKK", &fd, &a, &b))
		return NULL;
	r = fn(fd, a, b, (uint64_t *)&res);
	if (r < 0)
		return raise_errno(r);
	return PyLong_FromUnsignedLongLong(res);
}

#define OP1(name) \
static PyObject *py_##name(PyObject *m, PyObject *args) \
{ return op1(args, refgc_##name); }
#define OP2(name) \
static PyObject *py_##name(PyObject *m, PyObject *args) \
{ return op2(args, refgc_##name); }

OP1(incref)
OP1(decref)
OP1(clear)
OP1(weakref_get)
OP1(weakref_drop)
OP2(link)
OP2(unlink)
OP2(remove)

static PyObject *py_set(PyObject *m, PyObject *args)
{
	unsigned long long src, index, dst, old = 0;
	int fd, r;

	if (!PyArg_ParseTuple(args, "iKKK", &fd, &src, &index, &dst))
		return NULL;
	r = refgc_set(fd, src, index, dst, (uint64_t *)&old);
	if (r < 0)
		return raise_errno(r);
	return PyLong_FromUnsignedLongLong(old);
}

/* get_slots and get_referrers: a tuple of ids, the buffer grown to fit. */
typedef int (*ids_fn)(int, uint64_t, uint64_t *, uint64_t, uint64_t *);

static PyObject *ids_call(PyObject *args, ids_fn fn)
{
	unsigned long long id;
	uint64_t cap = 64, n = 0, i, *buf = NULL, *nb;
	PyObject *t;
	int fd, r;

	if (!PyArg_ParseTuple(args, "iK", &fd, &id))
		return NULL;
	for (;;) {
		nb = PyMem_Realloc(buf, cap * sizeof(*buf));
		if (!nb) {
			PyMem_Free(buf);
			return PyErr_NoMemory();
		}
		buf = nb;
		r = fn(fd, id, buf, cap, &n);
		if (r < 0) {
			PyMem_Free(buf);
			return raise_errno(r);
		}
		if (n <= cap)
			break;
		cap = n + 16;
	}
	t = PyTuple_New((Py_ssize_t)n);
	for (i = 0; t && i < n; i++) {
		PyObject *v = PyLong_FromUnsignedLongLong(buf[i]);

		if (!v) {
			Py_CLEAR(t);
			break;
		}
		PyTuple_SET_ITEM(t, (Py_ssize_t)i, v);
	}
	PyMem_Free(buf);
	return t;
}

static PyObject *py_get_slots(PyObject *m, PyObject *args)
{
	return ids_call(args, refgc_get_slots);
}

static PyObject *py_get_referrers(PyObject *m, PyObject *args)
{
	return ids_call(args, refgc_get_referrers);
}

static PyObject *py_read(PyObject *m, PyObject *args)
{
	unsigned long long id, off, len;
	PyObject *b;
	int fd, r;

	if (!PyArg_ParseTuple(args, "iKKK", &fd, &id, &off, &len))
		return NULL;
	b = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)len);
	if (!b)
		return NULL;
	r = refgc_read(fd, id, off, PyBytes_AS_STRING(b), len);
	if (r < 0) {
		Py_DECREF(b);
		return raise_errno(r);
	}
	return b;
}

static PyObject *py_write(PyObject *m, PyObject *args)
{
	unsigned long long id, off;
	Py_buffer buf;
	int fd, r;

	if (!PyArg_ParseTuple(args, "iKKy*", &fd, &id, &off, &buf))
		return NULL;
	r = refgc_write(fd, id, off, buf.buf, (uint64_t)buf.len);
	PyBuffer_Release(&buf);
	if (r < 0)
		return raise_errno(r);
	Py_RETURN_NONE;
}

/* info -> (id, type, flags, refcount, handles, slots, payload, gen) */
static PyObject *py_info(PyObject *m, PyObject *args)
{
	unsigned long long id;
	struct refgc_info i;
	int fd, r;

	if (!PyArg_ParseTuple(args, "iK", &fd, &id))
		return NULL;
	r = refgc_info(fd, id, &i);
	if (r < 0)
		return raise_errno(r);
	return Py_BuildValue("(KIIKKKKi)", (unsigned long long)i.id, i.type,
			     i.flags, (unsigned long long)i.refcount,
			     (unsigned long long)i.handles,
			     (unsigned long long)i.slots,
			     (unsigned long long)i.payload_size, i.generation);
}

static PyObject *py_weakref_new(PyObject *m, PyObject *args)
{
	unsigned long long id, cookie, wid;
	int fd, cb, r;

	if (!PyArg_ParseTuple(args, "iKKp", &fd, &id, &cookie, &cb))
		return NULL;
	r = refgc_weakref_new(fd, id, cookie, cb, (uint64_t *)&wid);
	if (r < 0)
		return raise_errno(r);
	return PyLong_FromUnsignedLongLong(wid);
}

static int list_one(const struct refgc_entry *e, void *arg)
{
	PyObject *v = Py_BuildValue("(KII)", (unsigned long long)e->id,
				    e->type, e->flags);
	int r;

	if (!v)
		return -ENOMEM;
	r = PyList_Append(arg, v);
	Py_DECREF(v);
	return r ? -ENOMEM : 0;
}

/* list(fd, what, generation) -> [(id, type, flags), ...] */
static PyObject *py_list(PyObject *m, PyObject *args)
{
	unsigned int what;
	int fd, gen, r;
	PyObject *l;

	if (!PyArg_ParseTuple(args, "iIi", &fd, &what, &gen))
		return NULL;
	l = PyList_New(0);
	if (!l)
		return NULL;
	r = refgc_list_all(fd, what, gen, list_one, l);
	if (r < 0) {
		Py_DECREF(l);
		if (PyErr_Occurred())
			return NULL;
		return raise_errno(r);
	}
	return l;
}

static PyObject *event_tuple(const struct refgc_event *e)
{
	return Py_BuildValue("(IiKKKKKKK)", e->type, e->generation,
			     (unsigned long long)e->id,
			     (unsigned long long)e->cookie,
			     (unsigned long long)e->collected,
			     (unsigned long long)e->uncollectable,
			     (unsigned long long)e->visited,
			     (unsigned long long)e->duration_ns,
			     (unsigned long long)e->lost);
}

/* event_read(fd, max=1) -> [event tuple, ...], without waiting. */
static PyObject *py_event_read(PyObject *m, PyObject *args)
{
	struct refgc_event ev[64];
	int fd, max = 1, n, i;
	PyObject *l;

	if (!PyArg_ParseTuple(args, "i|i", &fd, &max))
		return NULL;
	if (max < 1 || max > 64)
		max = 64;
	n = refgc_event_read(fd, ev, (size_t)max, 0);
	if (n < 0 && n != -EAGAIN)
		return raise_errno(n);
	l = PyList_New(0);
	for (i = 0; l && i < n; i++) {
		PyObject *t = event_tuple(&ev[i]);

		if (!t || PyList_Append(l, t)) {
			Py_XDECREF(t);
			Py_CLEAR(l);
			break;
		}
		Py_DECREF(t);
	}
	return l;
}

/*
 * A record of the suspended collection: Python's function runs it.  An
 * exception escaping it is reported as unraisable (the function is meant
 * to catch its own); the collection goes on.
 */
static int collect_record(const struct refgc_event *ev, void *arg)
{
	PyObject *t = event_tuple(ev), *res = NULL;

	if (t)
		res = PyObject_CallOneArg(arg, t);
	if (!res)
		PyErr_WriteUnraisable(arg);
	if (!t && ev->type == REFGC_EV_FINALIZE)
		return 1;	/* librefgc drops the handles from here on */
	Py_XDECREF(res);
	Py_XDECREF(t);
	return 0;
}

/* collect_fin(fd, generation, fn) -> (collected, uncollectable, visited, ns) */
static PyObject *py_collect_fin(PyObject *m, PyObject *args)
{
	struct refgc_collect c = { 0 };
	PyObject *fn;
	int fd, gen, r;

	if (!PyArg_ParseTuple(args, "iiO", &fd, &gen, &fn))
		return NULL;
	r = refgc_collect_fin(fd, gen, fn == Py_None ? NULL : collect_record,
			      fn, &c);
	if (r < 0)
		return raise_errno(r);
	return Py_BuildValue("(KKKK)", (unsigned long long)c.collected,
			     (unsigned long long)c.uncollectable,
			     (unsigned long long)c.visited,
			     (unsigned long long)c.duration_ns);
}

/* The collector's controls with no argument but the fd. */
#define CTL0(name) \
static PyObject *py_##name(PyObject *m, PyObject *args) \
{ \
	int fd, r; \
	if (!PyArg_ParseTuple(args, "i", &fd)) \
		return NULL; \
	r = refgc_##name(fd); \
	if (r < 0) \
		return raise_errno(r); \
	return PyLong_FromLong(r); \
}

CTL0(enable)
CTL0(disable)
CTL0(isenabled)
CTL0(clear_garbage)
CTL0(freeze)
CTL0(unfreeze)
CTL0(sync)

static PyObject *py_get_threshold(PyObject *m, PyObject *args)
{
	uint32_t t[REFGC_NUM_GENERATIONS];
	int fd, r;

	if (!PyArg_ParseTuple(args, "i", &fd))
		return NULL;
	r = refgc_get_threshold(fd, t);
	if (r < 0)
		return raise_errno(r);
	return Py_BuildValue("(III)", t[0], t[1], t[2]);
}

static PyObject *py_set_threshold(PyObject *m, PyObject *args)
{
	uint32_t t[REFGC_NUM_GENERATIONS];
	int fd, r;

	if (!PyArg_ParseTuple(args, "iIII", &fd, &t[0], &t[1], &t[2]))
		return NULL;
	r = refgc_set_threshold(fd, t);
	if (r < 0)
		return raise_errno(r);
	Py_RETURN_NONE;
}

static PyObject *py_get_count(PyObject *m, PyObject *args)
{
	uint64_t c[REFGC_NUM_GENERATIONS];
	int fd, r;

	if (!PyArg_ParseTuple(args, "i", &fd))
		return NULL;
	r = refgc_get_count(fd, c);
	if (r < 0)
		return raise_errno(r);
	return Py_BuildValue("(KKK)", (unsigned long long)c[0],
			     (unsigned long long)c[1],
			     (unsigned long long)c[2]);
}

/* get_stats -> per generation (collections, collected, uncollectable) */
static PyObject *py_get_stats(PyObject *m, PyObject *args)
{
	struct refgc_stats st;
	int fd, r;

	if (!PyArg_ParseTuple(args, "i", &fd))
		return NULL;
	memset(&st, 0, sizeof(st));
	r = refgc_get_stats(fd, &st);
	if (r < 0)
		return raise_errno(r);
	return Py_BuildValue("((KKK)(KKK)(KKK))",
			     (unsigned long long)st.gen[0].collections,
			     (unsigned long long)st.gen[0].collected,
			     (unsigned long long)st.gen[0].uncollectable,
			     (unsigned long long)st.gen[1].collections,
			     (unsigned long long)st.gen[1].collected,
			     (unsigned long long)st.gen[1].uncollectable,
			     (unsigned long long)st.gen[2].collections,
			     (unsigned long long)st.gen[2].collected,
			     (unsigned long long)st.gen[2].uncollectable);
}

/* The u32 settings: debug flags and arena flags. */
typedef int (*set_u32_fn)(int, uint32_t);
typedef int (*get_u32_fn)(int, uint32_t *);

static PyObject *set_u32(PyObject *args, set_u32_fn fn)
{
	unsigned int v;
	int fd, r;

	if (!PyArg_ParseTuple(args, "iI", &fd, &v))
		return NULL;
	r = fn(fd, v);
	if (r < 0)
		return raise_errno(r);
	Py_RETURN_NONE;
}

static PyObject *get_u32(PyObject *args, get_u32_fn fn)
{
	uint32_t v;
	int fd, r;

	if (!PyArg_ParseTuple(args, "i", &fd))
		return NULL;
	r = fn(fd, &v);
	if (r < 0)
		return raise_errno(r);
	return PyLong_FromUnsignedLong(v);
}

#define SET_U32(name) \
static PyObject *py_##name(PyObject *m, PyObject *args) \
{ return set_u32(args, refgc_##name); }
#define GET_U32(name) \
static PyObject *py_##name(PyObject *m, PyObject *args) \
{ return get_u32(args, refgc_##name); }

SET_U32(set_debug)
GET_U32(get_debug)
SET_U32(set_flags)
GET_U32(get_flags)

static PyObject *py_freeze_count(PyObject *m, PyObject *args)
{
	uint64_t n;
	int fd, r;

	if (!PyArg_ParseTuple(args, "i", &fd))
		return NULL;
	r = refgc_freeze_count(fd, &n);
	if (r < 0)
		return raise_errno(r);
	return PyLong_FromUnsignedLongLong(n);
}

/* get_limits -> (max_objects, max_bytes, max_payload) */
static PyObject *py_get_limits(PyObject *m, PyObject *args)
{
	struct refgc_limits l;
	int fd, r;

	if (!PyArg_ParseTuple(args, "i", &fd))
		return NULL;
	r = refgc_get_limits(fd, &l);
	if (r < 0)
		return raise_errno(r);
	return Py_BuildValue("(KKK)", (unsigned long long)l.max_objects,
			     (unsigned long long)l.max_bytes,
			     (unsigned long long)l.max_payload);
}

static PyObject *py_set_limits(PyObject *m, PyObject *args)
{
	unsigned long long o, b, p;
	struct refgc_limits l;
	int fd, r;

	if (!PyArg_ParseTuple(args, "iKKK", &fd, &o, &b, &p))
		return NULL;
	l.max_objects = o;
	l.max_bytes = b;
	l.max_payload = p;
	r = refgc_set_limits(fd, &l);
	if (r < 0)
		return raise_errno(r);
	Py_RETURN_NONE;
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

#define F(name, doc) { #name, py_##name, METH_VARARGS, doc }
static PyMethodDef methods[] = {
	F(type_register, "type_register(fd, name, flags) -> type id"),
	F(new, "new(fd, type, payload_bytes) -> id (one handle)"),
	F(incref, "incref(fd, id) -> handles"),
	F(decref, "decref(fd, id) -> handles"),
	F(link, "link(fd, src, dst) -> slot index"),
	F(unlink, "unlink(fd, src, index) -> dst id"),
	F(remove, "remove(fd, src, dst) -> index"),
	F(set, "set(fd, src, index, dst) -> old dst id"),
	F(clear, "clear(fd, id) -> slots dropped"),
	F(get_slots, "get_slots(fd, id) -> tuple of ids"),
	F(get_referrers, "get_referrers(fd, id) -> tuple of ids"),
	F(read, "read(fd, id, offset, len) -> bytes"),
	F(write, "write(fd, id, offset, data)"),
	F(info, "info(fd, id) -> (id, type, flags, refcount, ...)"),
	F(weakref_new, "weakref_new(fd, id, cookie, callback) -> weakref id"),
	F(weakref_get, "weakref_get(fd, wid) -> referent id (one handle)"),
	F(weakref_drop, "weakref_drop(fd, wid) -> handles"),
	F(list, "list(fd, what, generation) -> [(id, type, flags)]"),
	F(event_read, "event_read(fd, max=1) -> [event tuple]"),
	F(collect_fin, "collect_fin(fd, gen, fn) -> (collected, ...)"),
	F(enable, "enable(fd)"),
	F(disable, "disable(fd)"),
	F(isenabled, "isenabled(fd) -> 0 or 1"),
	F(clear_garbage, "clear_garbage(fd)"),
	F(freeze, "freeze(fd)"),
	F(unfreeze, "unfreeze(fd)"),
	F(sync, "sync(fd)"),
	F(get_threshold, "get_threshold(fd) -> (t0, t1, t2)"),
	F(set_threshold, "set_threshold(fd, t0, t1, t2)"),
	F(get_count, "get_count(fd) -> (c0, c1, c2)"),
	F(get_stats, "get_stats(fd) -> per generation (n, collected, ...)"),
	F(set_debug, "set_debug(fd, flags)"),
	F(get_debug, "get_debug(fd) -> flags"),
	F(set_flags, "set_flags(fd, flags): REFGC_ARENA_* bits"),
	F(get_flags, "get_flags(fd) -> REFGC_ARENA_* bits"),
	F(freeze_count, "freeze_count(fd) -> objects frozen"),
	F(get_limits, "get_limits(fd) -> (objects, bytes, payload)"),
	F(set_limits, "set_limits(fd, objects, bytes, payload)"),
	F(write_unraisable, "write_unraisable(exc, obj)"),
	{ "set_error_classes", py_set_error_classes, METH_O,
	  "set_error_classes({errno: class})" },
	{ NULL }
};

#undef F

static struct PyModuleDef moduledef = {
	PyModuleDef_HEAD_INIT,
	.m_name = "refgc._refgc",
	.m_doc = "librefgc for Python: one function per call, Fd, Handle.",
	.m_size = -1,
	.m_methods = methods,
};

PyMODINIT_FUNC PyInit__refgc(void)
{
	PyObject *m;

	if (PyType_Ready(&FdType) < 0 || PyType_Ready(&HandleType) < 0)
		return NULL;
	m = PyModule_Create(&moduledef);
	if (!m)
		return NULL;
	if (PyModule_AddObjectRef(m, "Fd", (PyObject *)&FdType) < 0 ||
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
