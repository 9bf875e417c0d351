// SPDX-License-Identifier: GPL-2.0
/*
 * util.c - refgcctl's small containers (strbuf, idmap, strtab), errno
 * names and number parsing.  Allocation failure exits: refgcctl is a
 * command-line tool and has nothing sensible to roll back to.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fputs("refgcctl: out of memory\n", stderr);
		exit(2);
	}
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p) {
		fputs("refgcctl: out of memory\n", stderr);
		exit(2);
	}
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("refgcctl: out of memory\n", stderr);
		exit(2);
	}
	return p;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

static void sb_grow(struct strbuf *sb, size_t more)
{
	size_t need = sb->len + more + 1;

	if (need <= sb->cap)
		return;
	sb->cap = sb->cap ? sb->cap : 64;
	while (sb->cap < need)
		sb->cap *= 2;
	sb->buf = xrealloc(sb->buf, sb->cap);
}

void sb_putc(struct strbuf *sb, char c)
{
	sb_grow(sb, 1);
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

void sb_put(struct strbuf *sb, const char *s, size_t n)
{
	sb_grow(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_puts(struct strbuf *sb, const char *s)
{
	sb_put(sb, s, strlen(s));
}

void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	sb_grow(sb, (size_t)n);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = 0;
	sb->cap = 0;
}

const char *sb_str(const struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

/* A 64-bit mixer (an avalanche of multiplications and shifts). */
uint64_t hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static void idmap_rehash(struct idmap *m, size_t cap)
{
	uint64_t *keys = xcalloc(cap, sizeof(*keys));
	uint64_t *vals = xmalloc(cap * sizeof(*vals));
	size_t i, j;

	for (i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		j = hash64(m->keys[i]) & (cap - 1);
		while (keys[j])
			j = (j + 1) & (cap - 1);
		keys[j] = m->keys[i];
		vals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = cap;
}

/* The value slot of @key, inserted with value 0 if absent. */
uint64_t *idmap_ref(struct idmap *m, uint64_t key)
{
	size_t j;

	if ((m->n + 1) * 4 > m->cap * 3)
		idmap_rehash(m, m->cap ? m->cap * 2 : 64);
	j = hash64(key) & (m->cap - 1);
	while (m->keys[j] && m->keys[j] != key)
		j = (j + 1) & (m->cap - 1);
	if (!m->keys[j]) {
		m->keys[j] = key;
		m->vals[j] = 0;
		m->n++;
	}
	return &m->vals[j];
}

void idmap_put(struct idmap *m, uint64_t key, uint64_t val)
{
	*idmap_ref(m, key) = val;
}

bool idmap_get(const struct idmap *m, uint64_t key, uint64_t *val)
{
	size_t j;

	if (!m->cap || !key)
		return false;
	j = hash64(key) & (m->cap - 1);
	while (m->keys[j]) {
		if (m->keys[j] == key) {
			if (val)
				*val = m->vals[j];
			return true;
		}
		j = (j + 1) & (m->cap - 1);
	}
	return false;
}

void idmap_free(struct idmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static uint64_t hash_str(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static uint32_t *strtab_bucket(const struct strtab *t, const char *s,
			       size_t len)
{
	uint32_t j = (uint32_t)hash_str(s, len) & (t->nb - 1);

	while (t->idx[j]) {
		const char *c = t->strs[t->idx[j] - 1];

		if (!strncmp(c, s, len) && !c[len])
			break;
		j = (j + 1) & (t->nb - 1);
	}
	return &t->idx[j];
}

/**
 * strtab_find() - the index of a string
 * @t: the table.
 * @s: the string (need not be NUL-terminated).
 * @len: its length.
 *
 * Return: its index, or -1 if it was never interned.
 */
int strtab_find(const struct strtab *t, const char *s, size_t len)
{
	if (!t->nb)
		return -1;
	return (int)*strtab_bucket(t, s, len) - 1;
}

/**
 * strtab_intern() - intern a string
 * @t: the table.
 * @s: the string (need not be NUL-terminated).
 * @len: its length.
 *
 * Return: its index, the same for equal strings.
 */
uint32_t strtab_intern(struct strtab *t, const char *s, size_t len)
{
	uint32_t *b, i;
	char *c;

	if ((t->n + 1) * 2 > t->nb) {
		uint32_t nb = t->nb ? t->nb * 2 : 64;

		free(t->idx);
		t->idx = xcalloc(nb, sizeof(*t->idx));
		t->nb = nb;
		for (i = 0; i < t->n; i++)
			*strtab_bucket(t, t->strs[i], strlen(t->strs[i])) =
				i + 1;
	}
	b = strtab_bucket(t, s, len);
	if (*b)
		return *b - 1;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->strs = xrealloc(t->strs, t->cap * sizeof(*t->strs));
	}
	c = xmalloc(len + 1);
	memcpy(c, s, len);
	c[len] = '\0';
	t->strs[t->n] = c;
	*b = ++t->n;
	return t->n - 1;
}

void strtab_free(struct strtab *t)
{
	uint32_t i;

	for (i = 0; i < t->n; i++)
		free(t->strs[i]);
	free(t->strs);
	free(t->idx);
	memset(t, 0, sizeof(*t));
}

static const struct {
	int err;
	const char *name;
} errno_names[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },
	{ EINTR, "EINTR" }, { EIO, "EIO" }, { ENXIO, "ENXIO" },
	{ E2BIG, "E2BIG" }, { EBADF, "EBADF" }, { EAGAIN, "EAGAIN" },
	{ ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" },
	{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
	{ ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" }, { EINVAL, "EINVAL" },
	{ ENFILE, "ENFILE" }, { EMFILE, "EMFILE" }, { ENOTTY, "ENOTTY" },
	{ EFBIG, "EFBIG" }, { ENOSPC, "ENOSPC" }, { ESPIPE, "ESPIPE" },
	{ EROFS, "EROFS" }, { EPIPE, "EPIPE" }, { EDOM, "EDOM" },
	{ ERANGE, "ERANGE" }, { ENAMETOOLONG, "ENAMETOOLONG" },
	{ EOVERFLOW, "EOVERFLOW" },
	{ EOPNOTSUPP, "EOPNOTSUPP" }, { ETIMEDOUT, "ETIMEDOUT" },
	{ ECHILD, "ECHILD" }, { ENOEXEC, "ENOEXEC" }, { ELOOP, "ELOOP" },
	{ EPROTO, "EPROTO" },
};

/**
 * errno_name() - the symbolic name of an errno value
 * @err: positive or negative.
 *
 * Return: e.g. "ENOENT", or "EUNKNOWN".
 */
const char *errno_name(int err)
{
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i < ARRAY_SIZE(errno_names); i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	return "EUNKNOWN";
}

/**
 * parse_u64() - parse a whole decimal number
 * @s: the text; no sign, no spaces.
 * @v: set to the value.
 *
 * Return: true on success.
 */
bool parse_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return true;
}
