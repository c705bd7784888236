/*
 * The flat C API of the ALEX core, for the Postgres shim (src/).
 *
 * Raw page pointers in, status codes out. Nothing here throws, calls Postgres or
 * allocates: pages and scratch arrays belong to the caller. A page pointer is the start
 * of the span the core owns (on a Postgres page, the area after the page header and
 * before the special space) and `bytes` its length, a multiple of 8.
 */
#ifndef OMENDB_ALEX_C_H
#define OMENDB_ALEX_C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t AlexBlock;
#define ALEX_INVALID_BLOCK ((AlexBlock) 0xFFFFFFFF)

typedef struct AlexEntry
{
	uint64_t	key;			/* order-preserving key code */
	uint64_t	tid;			/* block << 16 | offset */
} AlexEntry;

typedef struct AlexFences
{
	AlexEntry	low;			/* inclusive */
	AlexEntry	high;			/* exclusive, unless high_infinite */
	int			high_infinite;
} AlexFences;

typedef struct AlexChild
{
	AlexEntry	low;
	AlexBlock	block;
} AlexChild;

typedef enum AlexStatus
{
	ALEX_OK = 0,
	ALEX_NOT_FOUND = 1,
	ALEX_DUPLICATE = 2,
	ALEX_PAGE_FULL = 3,
	ALEX_NODE_FULL = 4,
	ALEX_BAD_PAGE = 5,
	ALEX_BAD_ARGUMENT = 6,
	ALEX_OUT_OF_RANGE = 7,
	ALEX_INTERNAL_ERROR = 8
} AlexStatus;

#define ALEX_END ((size_t) -1)

/* The key types, as the core's KeyKind (keys.h); 0 is no type. */
typedef enum AlexKeyKind
{
	ALEX_KEY_INT2 = 1,
	ALEX_KEY_INT4 = 2,
	ALEX_KEY_INT8 = 3,
	ALEX_KEY_FLOAT4 = 4,
	ALEX_KEY_FLOAT8 = 5,
	ALEX_KEY_DATE = 6,
	ALEX_KEY_TIMESTAMP = 7,
	ALEX_KEY_TIMESTAMPTZ = 8
} AlexKeyKind;

const char *alex_core_version(void);
const char *alex_status_name(AlexStatus status);

/* Key codes (keys.h explains the order). */
uint64_t	alex_code_from_int(int64_t value);
int64_t		alex_int_from_code(uint64_t code);
uint64_t	alex_code_from_double(double value);
double		alex_double_from_code(uint64_t code);

/*
 * Data pages. Slot results are ALEX_END when there is no such entry; alex_data_next and
 * alex_data_prev step to the entry after or before `slot` (exclusive).
 */
size_t		alex_data_max_capacity(size_t bytes);	/* the most entries any data page holds */
AlexStatus	alex_data_layout(void *page, size_t bytes, const AlexEntry *entries, size_t n,
							 const AlexFences *fences, AlexBlock left, AlexBlock right);
int			alex_data_valid(const void *page, size_t bytes);
size_t		alex_data_count(const void *page, size_t bytes);
void		alex_data_fences(const void *page, size_t bytes, AlexFences *out);
void		alex_data_links(const void *page, size_t bytes, AlexBlock *left, AlexBlock *right);
void		alex_data_set_links(void *page, size_t bytes, AlexBlock left, AlexBlock right);
void		alex_data_set_fences(void *page, size_t bytes, const AlexFences *fences);
size_t		alex_data_lower_bound(const void *page, size_t bytes, AlexEntry e);
size_t		alex_data_upper_bound(const void *page, size_t bytes, AlexEntry e);
size_t		alex_data_first(const void *page, size_t bytes);
size_t		alex_data_last(const void *page, size_t bytes);
size_t		alex_data_next(const void *page, size_t bytes, size_t slot);
size_t		alex_data_prev(const void *page, size_t bytes, size_t slot);
AlexEntry	alex_data_entry(const void *page, size_t bytes, size_t slot);
/* For statistics: the page's slot count, and how far its model's predictions miss (in slots). */
size_t		alex_data_capacity_of(const void *page, size_t bytes);
void		alex_data_model_error(const void *page, size_t bytes, double *mean, int64_t *max);
/* scratch holds alex_data_count() + 1 entries; alex_data_split: alex_data_count() */
AlexStatus	alex_data_insert(void *page, size_t bytes, AlexEntry e, AlexEntry *scratch, size_t scratch_len);
AlexStatus	alex_data_erase(void *page, size_t bytes, AlexEntry e);
AlexEntry	alex_data_choose_split(const void *page, size_t bytes, AlexEntry incoming, double fill);
AlexStatus	alex_data_split(void *left, void *right, size_t bytes, AlexBlock left_block, AlexBlock right_block,
							AlexEntry boundary, AlexEntry *scratch, size_t scratch_len);

/* Model pages. */
size_t		alex_model_max_fanout(size_t bytes);
AlexStatus	alex_model_build(void *page, size_t bytes, const AlexChild *children, size_t n, int level,
							 const AlexFences *fences, AlexBlock left, AlexBlock right);
int			alex_model_valid(const void *page, size_t bytes);
int			alex_model_level(const void *page, size_t bytes);
void		alex_model_fences(const void *page, size_t bytes, AlexFences *out);
AlexBlock	alex_model_route(const void *page, size_t bytes, AlexEntry e);
AlexStatus	alex_model_split_child(void *page, size_t bytes, AlexBlock child, AlexBlock new_child, AlexEntry split);
size_t		alex_model_children(const void *page, size_t bytes, AlexChild *out, size_t out_len);
/* The slots of `child` (an emptied page merged into its left neighbour `into`) go to `into`. */
AlexStatus	alex_model_merge_child(void *page, size_t bytes, AlexBlock child, AlexBlock into, AlexEntry child_low);
size_t		alex_model_child_count(const void *page, size_t bytes);
/* The prefix of the page that routing, fences and links read: a copy may stop there. */
size_t		alex_model_used_bytes(const void *page, size_t bytes);
void		alex_model_links(const void *page, size_t bytes, AlexBlock *left, AlexBlock *right);
void		alex_model_set_links(void *page, size_t bytes, AlexBlock left, AlexBlock right);

/*
 * When alex_model_split_child reports ALEX_NODE_FULL: the node's children with the new
 * one (`out`: alex_model_child_count() + 1 entries), each with the lowest entry the model
 * routes to it -- an estimate the caller should replace with real low fences it can read.
 */
AlexStatus	alex_model_children_after_split(const void *page, size_t bytes, AlexBlock child, AlexBlock new_child,
											AlexEntry split, AlexChild *out, size_t out_len, size_t *n);
/* Retrains the node over `children`; ALEX_NODE_FULL if it should split instead. */
AlexStatus	alex_model_retrain(void *page, size_t bytes, const AlexChild *children, size_t n);
/* Splits a node over `children` at `at` into itself and the blank page `sibling`; see model_node.h. */
AlexStatus	alex_model_split(void *page, void *sibling, size_t bytes, AlexBlock block, AlexBlock sibling_block,
							 const AlexChild *children, size_t n, size_t at);

/* Bulk-load planning. */
size_t		alex_bulk_take_data_page(const AlexEntry *rest, size_t n, double fill, size_t bytes);
/* whole_level: rest is every child of the level (bulk_load.h take_model_group). */
size_t		alex_bulk_take_model_group(const AlexChild *rest, size_t n, size_t bytes, int level, bool whole_level);
/* Sorts entries by (key, tid) in place, for a bulk load that fits in memory. */
void		alex_bulk_sort(AlexEntry *entries, size_t n);
/* cuts: ncuts = children + 1 entry indexes into `sorted`; see bulk_load.h align_cuts. */
void		alex_bulk_align_cuts(const void *model_page, size_t bytes, const AlexEntry *sorted, size_t n,
								 size_t *cuts, size_t ncuts, AlexBlock first_block, double fill);

#ifdef __cplusplus
}
#endif

#endif							/* OMENDB_ALEX_C_H */
