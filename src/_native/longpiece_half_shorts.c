/* The second chain's loop (longpiece_search.h, "two chains": B, stopping early) with the short pairs' table, in a
 * translation unit of its own: beside the meeting loop, GCC's inlining made both loops
 * 1-10% more instructions (r27). longpiece.h declares and calls it. */
#define _GNU_SOURCE
#pragma GCC diagnostic ignored "-Wunused-function"
#define TC_LONG_SEARCH_SHORTS 1
#define TC_LONG_SEARCH_HALF 1
#include "longpiece_search.h"
