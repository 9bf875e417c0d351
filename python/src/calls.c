// SPDX-License-Identifier: GPL-2.0
/*
 * calls.c - one Python function per librefgc call, for refgc._refgc:
 * the arena named by its fd, objects by their 64-bit ids, failures
 * raised as OSError subclasses carrying the errno (raise_errno()), and
 * collect_fin() calling a Python function for each record of a suspended
 * collection.  call_methods[] lists them for the module.
 */
#include "_refgc.h"	/* first: Python.h before any other header */

#include <errno.h>
#include <string.h>

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

/*
 * Most calls have one of a few shapes: their wrappers are WRAP(helper,
 * name), py_name() parsing the arguments with helper() and calling
 * refgc_name().
 */
#define WRAP(helper, name) \
static PyObject *py_##name(PyObject *m, PyObject *args) \
{ return helper(args, refgc_##name); }

WRAP(op1, incref)
WRAP(op1, decref)
WRAP(op1, clear)
WRAP(op1, weakref_get)
WRAP(op1, weakref_drop)
WRAP(op2, link)
WRAP(op2, unlink)
WRAP(op2, remove)

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

WRAP(ids_call, get_slots)
WRAP(ids_call, get_referrers)

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
typedef int (*ctl0_fn)(int);

static PyObject *ctl0(PyObject *args, ctl0_fn fn)
{
	int fd, r;

	if (!PyArg_ParseTuple(args, "i", &fd))
		return NULL;
	r = fn(fd);
	if (r < 0)
		return raise_errno(r);
	return PyLong_FromLong(r);
}

WRAP(ctl0, enable)
WRAP(ctl0, disable)
WRAP(ctl0, isenabled)
WRAP(ctl0, clear_garbage)
WRAP(ctl0, freeze)
WRAP(ctl0, unfreeze)
WRAP(ctl0, sync)

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

WRAP(set_u32, set_debug)
WRAP(get_u32, get_debug)
WRAP(set_u32, set_flags)
WRAP(get_u32, get_flags)

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

#define F(name, doc) { #name, py_##name, METH_VARARGS, doc }
PyMethodDef call_methods[] = {
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
	{ NULL }
};

#undef F
