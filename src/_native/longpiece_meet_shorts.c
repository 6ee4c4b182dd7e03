/* The two chains' meeting loop (longpiece_search.h, "two chains") with the short pairs' table, in a
 * translation unit of its own: beside the one-chain loop of longpiece_shorts.c, GCC stopped
 * inlining the walk and the check into that loop (r26). longpiece.h declares and calls it. */
#define _GNU_SOURCE
#pragma GCC diagnostic ignored "-Wunused-function"
#define TC_LONG_SEARCH_SHORTS 1
#define TC_LONG_SEARCH_MEET 1
#include "longpiece_search.h"
