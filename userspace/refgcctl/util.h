/* SPDX-License-Identifier: GPL-2.0 */
/*
 * util.h - small containers refgcctl is built from: a growable string, an
 * id -> value hash map, a string interning table, errno names, and
 * allocation that exits on failure.
 */
#ifndef _REFGCCTL_UTIL_H
#define _REFGCCTL_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define __maybe_unused	__attribute__((unused))

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/**
 * struct strbuf - a growable NUL-terminated string
 * @buf: the bytes, NUL-terminated (NULL until the first append).
 * @len: bytes used, not counting the NUL.
 * @cap: bytes allocated.
 */
struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
};

void sb_putc(struct strbuf *sb, char c);
void sb_put(struct strbuf *sb, const char *s, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
void sb_reset(struct strbuf *sb);
void sb_free(struct strbuf *sb);
const char *sb_str(const struct strbuf *sb);

/**
 * struct idmap - open-addressing hash map from nonzero u64 keys to u64
 * @keys: the keys, 0 for an empty bucket.
 * @vals: the values.
 * @cap: buckets, a power of two.
 * @n: keys stored.
 */
struct idmap {
	uint64_t *keys;
	uint64_t *vals;
	size_t cap;
	size_t n;
};

void idmap_put(struct idmap *m, uint64_t key, uint64_t val);
bool idmap_get(const struct idmap *m, uint64_t key, uint64_t *val);
uint64_t *idmap_ref(struct idmap *m, uint64_t key);
void idmap_free(struct idmap *m);

/**
 * struct strtab - interned strings, each with a dense index
 * @strs: index -> string.
 * @n: strings interned.
 * @cap: room in @strs.
 * @idx: hash buckets holding index + 1, 0 for empty.
 * @nb: buckets, a power of two.
 */
struct strtab {
	char **strs;
	uint32_t n;
	uint32_t cap;
	uint32_t *idx;
	uint32_t nb;
};

uint32_t strtab_intern(struct strtab *t, const char *s, size_t len);
int strtab_find(const struct strtab *t, const char *s, size_t len);
void strtab_free(struct strtab *t);

const char *errno_name(int err);
bool parse_u64(const char *s, uint64_t *v);
uint64_t hash64(uint64_t x);

#endif /* _REFGCCTL_UTIL_H */
