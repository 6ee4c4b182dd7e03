# The file side of a corpus count, included by _core.pyx: a path stat'ed for discovery
# (stat_path) and a unit's small plain files read and counted (CoreBPE.count_files calls
# _count_files). The reading, checking and counting are files.h's, without the GIL; which
# paths, and what an error means, stay in tokcost.corpus.

import os

cdef extern from "Python.h":
    bytes PyUnicode_EncodeFSDefault(object)


def stat_path(path, bint follow=False):
    """``(st_mode, st_size, st_mtime)`` of ``os.lstat(path)`` (``os.stat`` with ``follow``), or its
    errno where that fails: three fields, not a ``stat_result``'s twenty objects, for a corpus's
    discovery (one path per file). A path with a NUL raises as ``os.lstat`` does."""
    cdef bytes encoded = PyUnicode_EncodeFSDefault(path) if type(path) is str else os.fsencode(path)
    cdef const char *p = PyBytes_AS_STRING(encoded)
    cdef unsigned mode = 0
    cdef int64_t size = 0
    cdef double mtime = 0
    cdef int err
    if memchr(p, 0, PyBytes_GET_SIZE(encoded)) != NULL:
        os.lstat(path)  # its ValueError
    with nogil:
        err = tc_stat_path(p, follow, &mode, &size, &mtime)
    if err:
        return err
    return (mode, size, mtime)


def utf8_valid_up_to(const unsigned char[::1] data):
    """How many bytes of ``data`` are strict UTF-8 by the check ``count_files`` and ``encode_bytes``
    use (``utf8_check.h``): ``UnicodeDecodeError.start`` of ``bytes(data).decode()``, or
    ``len(data)``. For tests, which compare it with Python's decoder on both of its paths
    (``use_avx2``)."""
    if data.shape[0] == 0:
        return 0
    return tc_utf8_valid_up_to(&data[0], data.shape[0])


cdef list _count_files(CoreBPE core, list paths, size_t limit, size_t sniff):
    """CoreBPE.count_files: each path's (status, tokens, bytes)."""
    core._require_splitter()
    # str encoded here as os.fsencode would (PyUnicode_EncodeFSDefault), without its Python frame
    paths = [PyUnicode_EncodeFSDefault(p) if type(p) is str else os.fsencode(p) for p in paths]
    cdef Py_ssize_t n = len(paths), k
    cdef const char **ptrs = <const char **>malloc((n + 1) * sizeof(char *))
    cdef tc_file_count *out = <tc_file_count *>malloc((n + 1) * sizeof(tc_file_count))
    try:
        if ptrs == NULL or out == NULL:
            raise MemoryError()
        for k in range(n):
            path = paths[k]
            # memchr, not `b"\0" in path`: bytes.__contains__ first tries the operand as an int and
            # formats the TypeError it drops, 2,000 instructions a path
            if type(path) is not bytes or memchr(PyBytes_AS_STRING(path), 0, PyBytes_GET_SIZE(path)) != NULL:
                raise ValueError("count_files takes file system paths as bytes without NUL")
            ptrs[k] = PyBytes_AS_STRING(path)
        with nogil:
            tc_count_files(&core.v, core.split, ptrs, n, limit, sniff, out)
        return [(out[k].status, out[k].tokens, out[k].bytes) for k in range(n)]
    finally:
        free(<void *>ptrs)
        free(out)
