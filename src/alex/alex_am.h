/*
 * The alex index access method: declarations shared by the files of src/alex.
 *
 * docs/ALEX_AM.md states the page formats, the invariants, the locking protocol and
 * the WAL records; the code refers to it instead of repeating it.
 */
#ifndef ALEX_AM_H
#define ALEX_AM_H

#include "postgres.h"

#include "access/amapi.h"
#include "access/genam.h"
#include "access/generic_xlog.h"
#include "access/skey.h"
#include "access/transam.h"
#include "storage/bufmgr.h"
#include "storage/bufpage.h"
#include "utils/relcache.h"

#include "omendb/alex/alex_c.h"

/* Page kinds, in the special space of every page. */
#define ALEX_PAGE_META		1
#define ALEX_PAGE_DATA		2
#define ALEX_PAGE_MODEL		3
#define ALEX_PAGE_NULLS		4
#define ALEX_PAGE_DELETED	5		/* an emptied data page VACUUM unlinked */

/* Page flags. */
#define ALEX_INCOMPLETE_SPLIT	0x0001	/* right half not yet in the parent */

/* Identifies our pages to tools such as pg_filedump (bloom uses 0xFF83, hnsw 0xFF90). */
#define ALEX_PAGE_ID		0xFF8A

typedef struct AlexPageOpaqueData
{
	uint16		kind;
	uint16		flags;
	uint16		level;			/* 0 for data pages, >= 1 for model pages */
	uint16		page_id;		/* ALEX_PAGE_ID */
	uint32		reserved;
	uint32		reserved2;
} AlexPageOpaqueData;

typedef AlexPageOpaqueData *AlexPageOpaque;

#define AlexPageGetOpaque(page) ((AlexPageOpaque) PageGetSpecialPointer(page))

/*
 * The core's span: everything between the page header and the special space. pd_lower
 * is set to its end so the hole generic WAL skips is empty.
 */
#define ALEX_SPAN_OFFSET	MAXALIGN(SizeOfPageHeaderData)
#define ALEX_SPAN_BYTES		(BLCKSZ - ALEX_SPAN_OFFSET - MAXALIGN(sizeof(AlexPageOpaqueData)))
#define AlexPageSpan(page)	((void *) ((char *) (page) + ALEX_SPAN_OFFSET))

/* Block 0. */
#define ALEX_METAPAGE_BLKNO	0
#define ALEX_META_MAGIC		0x414C4558	/* "ALEX" */
#define ALEX_META_VERSION	2		/* 2: data pages pick their slot format */

typedef struct AlexMetaPageData
{
	uint32		magic;
	uint32		version;
	uint32		key_kind;		/* AlexKeyKind of the indexed column */
	BlockNumber root;			/* a data page when root_level is 0 */
	uint32		root_level;
	BlockNumber null_head;		/* NULL pages, a chain; InvalidBlockNumber if none */
	BlockNumber null_tail;
	uint32		router_version; /* bumped whenever a model page changes */
	uint32		vacuum_active;	/* a VACUUM pass is visiting the pages: splits extend */
} AlexMetaPageData;

typedef AlexMetaPageData *AlexMetaPage;

#define AlexPageGetMeta(page) ((AlexMetaPage) AlexPageSpan(page))

/*
 * A deleted data page keeps its links for scans that read a link to it before it was
 * unlinked, and can be reused once no snapshot older than safexid remains.
 */
typedef struct AlexDeletedPageData
{
	BlockNumber left;
	BlockNumber right;
	FullTransactionId safexid;
} AlexDeletedPageData;

typedef AlexDeletedPageData *AlexDeletedPage;

/* A NULL page: a count and heap TIDs, in insertion order. */
typedef struct AlexNullPageData
{
	BlockNumber next;
	uint32		count;
	ItemPointerData tids[FLEXIBLE_ARRAY_MEMBER];
} AlexNullPageData;

typedef AlexNullPageData *AlexNullPage;

#define ALEX_NULLS_PER_PAGE \
	((ALEX_SPAN_BYTES - offsetof(AlexNullPageData, tids)) / sizeof(ItemPointerData))

/* Reloptions. */
typedef struct AlexOptions
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int			fillfactor;
} AlexOptions;

#define ALEX_DEFAULT_FILLFACTOR	80
#define ALEX_MIN_FILLFACTOR		10

/*
 * What a scan's keys ask for, in the index's key-code space: codes in [low, high]
 * (inclusive), plus whether NULLs and non-NULLs qualify. `empty` when the keys
 * contradict each other. `recheck` when some value in the range may still fail a key
 * (a timestamp compared with a timestamptz across a daylight-saving gap): the scan
 * then sets xs_recheck, as btree checks every tuple with the operators.
 */
typedef struct AlexScanBounds
{
	bool		empty;
	bool		want_nulls;
	bool		want_values;
	bool		recheck;
	uint64		low;
	uint64		high;
} AlexScanBounds;

/* alex_keys.c */
extern AlexKeyKind alex_key_kind_for_type(Oid typid);	/* 0 when unsupported */
extern const char *alex_supported_types(void);
extern uint64 alex_key_encode(AlexKeyKind kind, Datum value);
extern Datum alex_key_decode(AlexKeyKind kind, uint64 code);
extern void alex_scan_bounds(Relation index, AlexKeyKind kind, ScanKey keys, int nkeys,
							 AlexScanBounds *out);

/* alex_handler.c */
extern void alex_init_reloptions(void);
extern void alex_install_error_hint(void);

/* alex_validate.c */
extern bool alexvalidate(Oid opclassoid);

/* alex_utils.c: pages, the metapage, buffers, model-page cache, descent */
extern void alex_init_page(Page page, uint16 kind, uint16 level);
extern bool alex_page_is(Page page, uint16 kind);
extern bool alex_page_holds(Relation index, Buffer buf, uint16 kind);
extern Buffer alex_new_buffer(Relation index, bool may_reuse);
extern bool alex_page_recyclable(Page page);
extern void alex_read_meta(Relation index, AlexMetaPageData *out);
extern AlexKeyKind alex_index_key_kind(Relation index);
extern void alex_check_index_definition(Relation index);
extern int	alex_fillfactor(Relation index);
extern void alex_entry_from_tid(AlexEntry *e, uint64 key, ItemPointer tid);
extern void alex_tid_from_entry(ItemPointer tid, const AlexEntry *e);
extern void alex_page_fences(Page page, AlexFences *out);
extern void alex_page_links(Page page, BlockNumber *left, BlockNumber *right);
extern bool alex_entry_in_fences(const AlexEntry *e, const AlexFences *f);
extern int	alex_entry_cmp(const AlexEntry *a, const AlexEntry *b);
extern BlockNumber alex_descend(Relation index, const AlexEntry *e, int to_level);
extern Buffer alex_read_buffer(Relation index, BlockNumber block);
extern Buffer alex_settle(Relation index, BlockNumber block, const AlexEntry *e, int level, int mode);
extern void alex_invalidate_cache(Relation index);
extern void alex_report_page(Relation index, BlockNumber block, const char *what) pg_attribute_noreturn();

/* alex_sort.c: the sort under CREATE INDEX */
typedef struct AlexSort AlexSort;
extern AlexSort *alex_sort_begin(size_t memory_bytes);
extern void alex_sort_put(AlexSort *sort, const AlexEntry *e);
extern void alex_sort_finish(AlexSort *sort);
extern bool alex_sort_next(AlexSort *sort, AlexEntry *out);
extern void alex_sort_end(AlexSort *sort);

/* alex_build.c */
extern IndexBuildResult *alexbuild(Relation heap, Relation index, struct IndexInfo *indexInfo);
extern void alexbuildempty(Relation index);
extern char *alexbuildphasename(int64 phase);

/* alex_insert.c */

/* Scratch space for the core, sized for the largest page. */
typedef struct AlexInsertScratch
{
	AlexEntry  *entries;
	size_t		entries_len;
	AlexChild  *children;
	size_t		children_len;
} AlexInsertScratch;

extern void alex_scratch_init(AlexInsertScratch *scratch);
extern Buffer alex_find_parent(Relation index, BlockNumber child, int level, const AlexEntry *split,
							   AlexInsertScratch *scratch);
extern bool alex_model_page_has_child(Page page, BlockNumber child, AlexInsertScratch *scratch);
extern bool alexinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
					   Relation heap, IndexUniqueCheck checkUnique, bool indexUnchanged,
					   struct IndexInfo *indexInfo);

/* alex_xlog.c: WAL for data-page inserts and splits (omendb.alex_wal) */
extern void alex_xlog_init(void);
extern AlexStatus alex_log_data_insert(Relation index, Buffer buf, const AlexEntry *e,
									   AlexInsertScratch *scratch);
extern bool alex_log_data_split(Relation index, Buffer buf, Buffer new_buf, Buffer right, AlexEntry boundary,
								const AlexEntry *e, AlexInsertScratch *scratch);

/* alex_scan.c */
extern IndexScanDesc alexbeginscan(Relation index, int nkeys, int norderbys);
extern void alexrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys);
extern bool alexgettuple(IndexScanDesc scan, ScanDirection dir);
extern int64 alexgetbitmap(IndexScanDesc scan, TIDBitmap *tbm);
extern void alexendscan(IndexScanDesc scan);

/* alex_vacuum.c */
extern IndexBulkDeleteResult *alexbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
											 IndexBulkDeleteCallback callback, void *callback_state);
extern IndexBulkDeleteResult *alexvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats);

#endif							/* ALEX_AM_H */
