/* Small plain files counted in one native call: opened, read, checked and
 * counted without the GIL, so threads counting a corpus run side by side.
 *
 * Only the plain case is done here: a file shorter than the caller's limit,
 * with no NUL byte at its start, that is strict UTF-8. Anything else (a read
 * error, invalid UTF-8, a large file) is handed back for Python's reader,
 * which knows the error messages and the U+FFFD rules; so this path can make
 * a run faster but never count differently.
 */
#pragma once
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "encoder.h"
#include "utf8_check.h"

/* What a corpus's discovery asks of a path: lstat(2) (stat(2) when `follow`), its mode, size and
 * modification time as os.stat's st_mtime computes it (the seconds plus the nanoseconds times 1e-9,
 * in that order, so the float is the same). 0, or the errno. */
static int tc_stat_path(const char *path, int follow, unsigned *mode, int64_t *size, double *mtime) {
    struct stat st;
    if ((follow ? stat(path, &st) : lstat(path, &st)) != 0) return errno;
    *mode = (unsigned)st.st_mode;
    *size = (int64_t)st.st_size;
    *mtime = (double)st.st_mtim.tv_sec + (unsigned long)st.st_mtim.tv_nsec * 1e-9;
    return 0;
}

enum { TC_FILE_COUNTED = 0, TC_FILE_BINARY = 1, TC_FILE_ASK_PYTHON = 2 };

typedef struct {
    int status;
    size_t tokens;
    size_t bytes;
} tc_file_count;

/* Bytes read before a file's size is asked: most files of a corpus are
 * shorter, and for them one fstat a file was a fifth of the system calls
 * (open, read, the read that finds the end, close are the rest). */
#define TC_FILE_PROBE ((size_t)1 << 16)

/* Read path into *buf (grown as needed, kept for the next file), up to
 * `limit` bytes. The length read, or (size_t)-1 on any failure or when the
 * file holds `limit` bytes or more. A file that reaches TC_FILE_PROBE bytes
 * is given up as soon as fstat says it is a regular file of `limit` bytes
 * or more, rather than read that far only to be handed back. */
static size_t tc_read_small_file(const char *path, size_t limit, uint8_t **buf, size_t *cap) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return (size_t)-1;
    size_t n = 0;
    int sized = 0;
    for (;;) {
        if (!sized && n >= TC_FILE_PROBE) {
            sized = 1;
            struct stat st;
            if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size >= limit) {
                n = (size_t)-1;                     /* large: not worth reading only to hand back */
                break;
            }
        }
        if (n == *cap) {
            size_t want = *cap ? *cap * 2 : TC_FILE_PROBE;
            if (want > limit) want = limit;
            if (want <= n) { n = (size_t)-1; break; }  /* the limit is reached: not small */
            uint8_t *grown = realloc(*buf, want);
            if (!grown) { n = (size_t)-1; break; }
            *buf = grown;
            *cap = want;
        }
        size_t room = *cap - n;
        if (!sized && room > TC_FILE_PROBE - n) room = TC_FILE_PROBE - n;
        ssize_t got = read(fd, *buf + n, room);
        if (got < 0) { n = (size_t)-1; break; }
        if (got == 0) break;
        n += (size_t)got;
    }
    close(fd);
    return n;
}

/* Count each of paths[0..n): out[k] says whether it was counted, found
 * binary (a NUL in its first `sniff` bytes), or is left to Python. A call
 * with one path counts it as `count` counts one text, cut over the pool's
 * threads from 64 KB (tc_count_text_threads): a command given one file of a
 * few megabytes had one core. With more paths the caller's threads share
 * the files, and a file stays on its thread. */
static void tc_count_files(const tc_vocab *v, tc_split_fn split, const char *const *paths, size_t n, size_t limit,
                           size_t sniff, tc_file_count *out) {
    uint8_t *buf = NULL;
    size_t cap = 0;
    for (size_t k = 0; k < n; k++) {
        tc_file_count r = {TC_FILE_ASK_PYTHON, 0, 0};
        size_t len = tc_read_small_file(paths[k], limit, &buf, &cap);
        if (len != (size_t)-1) {
            if (memchr(buf, 0, len < sniff ? len : sniff)) {
                r.status = TC_FILE_BINARY;
            } else if (tc_is_strict_utf8(buf, len)) {
                r.tokens = n == 1 ? tc_count_text_threads(v, split, buf, len) : tc_count_text(v, split, buf, len);
                if (r.tokens != (size_t)-1) {
                    r.status = TC_FILE_COUNTED;
                    r.bytes = len;
                } else {
                    r.tokens = 0;
                }
            }
        }
        out[k] = r;
    }
    free(buf);
}
