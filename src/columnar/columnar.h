/*
 * The columnar table access method: definitions shared by its files.
 *
 * A columnar relation's main fork holds a metapage (block 0) and then stripes, each a
 * run of whole pages written once. Which stripes exist, and for whom, is decided by rows
 * of the extension's tables omendb.columnar_stripe and omendb.columnar_options, keyed by
 * the storage id in the metapage (docs/COLUMNAR.md explains why).
 */
#ifndef COLUMNAR_H
#define COLUMNAR_H

#include "postgres.h"

#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/pathnodes.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"
#include "utils/snapshot.h"

/* ---- options ---- */

typedef enum ColumnarCompression
{
	COLUMNAR_COMPRESSION_NONE = 0,
	COLUMNAR_COMPRESSION_LZ4 = 1,
	COLUMNAR_COMPRESSION_ZSTD = 2
} ColumnarCompression;

typedef struct ColumnarOptions
{
	ColumnarCompression compression;
	int			compression_level;
	int			stripe_row_limit;
	int			chunk_group_row_limit;
} ColumnarOptions;

#define COLUMNAR_DEFAULT_COMPRESSION COLUMNAR_COMPRESSION_ZSTD
#define COLUMNAR_DEFAULT_LEVEL 3
#define COLUMNAR_DEFAULT_STRIPE_ROWS 150000
#define COLUMNAR_DEFAULT_CHUNK_GROUP_ROWS 10000
#define COLUMNAR_MIN_LEVEL 1
#define COLUMNAR_MAX_LEVEL 19
#define COLUMNAR_MIN_STRIPE_ROWS 1000
#define COLUMNAR_MAX_STRIPE_ROWS 10000000
#define COLUMNAR_MIN_CHUNK_GROUP_ROWS 100
#define COLUMNAR_MAX_CHUNK_GROUP_ROWS 100000

/*
 * A stripe ends early once its rows hold this many bytes, so that a stripe's encoded
 * form always fits one allocation (MaxAllocSize) whatever the row width.
 */
#define COLUMNAR_MAX_STRIPE_BYTES ((Size) 256 * 1024 * 1024)

extern const char *columnar_compression_name(ColumnarCompression c);
extern bool columnar_compression_parse(const char *name, ColumnarCompression *c);

/* ---- storage: metapage, pages, WAL (columnar_storage.c) ---- */

#define COLUMNAR_MAGIC 0x434F4C31	/* "COL1" */
#define COLUMNAR_FORMAT_VERSION 1
#define COLUMNAR_METAPAGE_BLKNO 0

typedef struct ColumnarMetapage
{
	uint32		magic;
	uint32		format_version;
	uint64		storage_id;
	uint64		next_row_number;	/* row numbers below this were handed out */
} ColumnarMetapage;

/* Bytes of stripe data one page carries: everything after the page header. */
#define COLUMNAR_PAGE_DATA (BLCKSZ - SizeOfPageHeaderData)

/* Row numbers map to TIDs arithmetically; offsets stay within a heap page's range. */
#define COLUMNAR_MAX_ROW_NUMBER ((uint64) MaxBlockNumber * MaxHeapTuplesPerPage)

static inline void
columnar_row_to_tid(uint64 row, ItemPointer tid)
{
	ItemPointerSet(tid, (BlockNumber) (row / MaxHeapTuplesPerPage),
				   (OffsetNumber) (row % MaxHeapTuplesPerPage + 1));
}

static inline uint64
columnar_tid_to_row(ItemPointer tid)
{
	return (uint64) ItemPointerGetBlockNumber(tid) * MaxHeapTuplesPerPage +
		ItemPointerGetOffsetNumber(tid) - 1;
}

extern void columnar_init_storage(const RelFileNode *rnode, SMgrRelation srel,
								  char persistence, uint64 storage_id);
extern void columnar_reset_storage(Relation rel, uint64 storage_id);
extern uint64 columnar_storage_id(Relation rel);
#define InvalidRowNumber PG_UINT64_MAX
extern uint64 columnar_reserve_rows(Relation rel, int count, uint64 expected);
extern BlockNumber columnar_write_pages(Relation rel, const char *head, Size head_len,
										const char *data, Size data_len, int *nblocks);
extern void columnar_read_bytes(Relation rel, BlockNumber first_block, uint64 offset,
								Size len, char *dest, BufferAccessStrategy strategy);

/* ---- compression (columnar_compress.c) ---- */

extern Size columnar_compress(ColumnarCompression c, int level, const char *src,
							  Size srclen, StringInfo dst);
extern void columnar_decompress(ColumnarCompression c, const char *src, Size srclen,
								char *dst, Size rawlen);

/* ---- metadata tables (columnar_meta.c) ---- */

/* One row of omendb.columnar_stripe. */
typedef struct ColumnarStripe
{
	uint64		storage_id;
	uint64		first_row;
	int64		row_limit;		/* row numbers reserved (so far) for the stripe */
	int64		row_count;		/* 0 while the writer has not flushed it */
	int32		chunk_group_count;
	int64		first_block;	/* -1 while not flushed */
	int32		block_count;
	int64		stored_bytes;
	int64		raw_bytes;
	/* the encoded stripe of an enclosing subtransaction's unwritten rows, or NULL */
	const char *mem;
} ColumnarStripe;

extern uint64 columnar_new_storage_id(void);
extern void columnar_read_options(uint64 storage_id, ColumnarOptions *opts);
extern void columnar_write_options(uint64 storage_id, const ColumnarOptions *opts);
extern void columnar_insert_reservation(const ColumnarStripe *stripe, CommandId cid);
extern void columnar_complete_stripe(const ColumnarStripe *stripe, CommandId cid);
extern ColumnarStripe *columnar_list_stripes(uint64 storage_id, Snapshot snapshot,
											 int *nstripes);
extern bool columnar_find_stripe(uint64 storage_id, uint64 row, Snapshot snapshot,
								 ColumnarStripe *stripe);
extern void columnar_forget_storage(uint64 storage_id, bool keep_options);
extern int	columnar_stripes_starting_by(const ColumnarStripe *stripes, int n, uint64 row);
extern int	columnar_stripe_holding(const ColumnarStripe *stripes, int n, uint64 row);
extern void columnar_remove_stripe(uint64 storage_id, uint64 first_row);
extern BlockNumber columnar_stripe_pages_end(uint64 storage_id, TransactionId oldest_xmin);
/* shared with columnar_delete.c and columnar_vacuum.c, which keep their own tables */
extern Oid	columnar_meta_relid(const char *name, bool missing_ok);
extern Oid	columnar_meta_index(Relation rel);
extern void columnar_meta_insert(Relation rel, HeapTuple tup, CommandId cid);

/* ---- delete marks and row locks (columnar_delete.c) ---- */

/* Successor of a row deleted outright, or moved to another partition by an UPDATE. */
#define COLUMNAR_NO_SUCCESSOR		(-1)
#define COLUMNAR_MOVED_PARTITION	(-2)

/*
 * Which rows of [first_row, first_row + nrows) are deleted for one snapshot: the one
 * answer every reader consults (scans, index fetches, ANALYZE, index builds, unique
 * checks). Load it once per chunk group, then test rows with columnar_row_deleted.
 */
typedef struct ColumnarDeleteSet
{
	uint64		first_row;
	uint32		nrows;
	uint32		ndeleted;
	bits8	   *deleted;		/* bit per row, set = deleted; NULL when ndeleted is 0 */
} ColumnarDeleteSet;

extern void columnar_load_deletes(uint64 storage_id, uint64 first_row, uint32 nrows,
								  Snapshot snapshot, ColumnarDeleteSet *set);
extern bool columnar_any_deletes(uint64 storage_id, Snapshot snapshot);

static inline bool
columnar_row_deleted(const ColumnarDeleteSet *set, uint64 row)
{
	uint64		i = row - set->first_row;

	return set->ndeleted > 0 && row >= set->first_row && i < set->nrows &&
		(set->deleted[i / 8] & (1 << (i % 8))) != 0;
}

/* The live (committed, in progress or this transaction's) delete mark of one row. */
typedef struct ColumnarMark
{
	TransactionId xmin;			/* the deleter */
	bool		in_progress;	/* by another transaction that has not ended */
	bool		own;			/* by this transaction; cmin is then the command */
	CommandId	cmin;
	int64		successor;		/* row number, or COLUMNAR_NO_SUCCESSOR / _MOVED_PARTITION */
} ColumnarMark;

extern bool columnar_find_mark(uint64 storage_id, uint64 row, ColumnarMark *mark);
extern void columnar_insert_mark(uint64 storage_id, uint64 row, int64 successor,
								 CommandId cid);
extern TransactionId columnar_conflicting_locker(uint64 storage_id, uint64 row,
												 LockTupleMode mode, bool *held);
extern void columnar_insert_row_lock(uint64 storage_id, uint64 row, LockTupleMode mode);
extern List *columnar_finished_row_locks(uint64 storage_id);
extern void columnar_remove_row_locks(List *tids);
extern int64 columnar_count_deleted(uint64 storage_id, const ColumnarStripe *stripes,
									int nstripes, Snapshot snapshot, int64 *per_stripe);
extern uint64 *columnar_dead_marks(uint64 storage_id, TransactionId oldest_xmin, int *n);
extern void columnar_remove_marks(uint64 storage_id, uint64 first_row, uint64 nrows);

/* ---- write path (columnar_write.c) ---- */

extern void columnar_tuple_insert(Relation rel, TupleTableSlot *slot, CommandId cid,
								  int options, struct BulkInsertStateData *bistate);
extern void columnar_multi_insert(Relation rel, TupleTableSlot **slots, int nslots,
								  CommandId cid, int options,
								  struct BulkInsertStateData *bistate);
extern void columnar_write_row(Relation rel, TupleTableSlot *slot, CommandId cid);
extern void columnar_finish_bulk_insert(Relation rel, int options);
extern List *columnar_flush_for_read(Relation rel, CommandId curcid, bool want_unwritten);
extern bool columnar_pending_row(Relation rel, uint64 row, Snapshot snapshot,
								 TupleTableSlot *slot);
extern void columnar_discard_writes(Oid relid);
extern void columnar_register_xact_callbacks(void);

/*
 * Encoding of a stripe (columnar_write.c writes it, columnar_read.c decodes it). Stripe
 * format 3 ("STR3") compresses each chunk as blocks of block_rows rows that decode on
 * their own, so that an index fetch decompresses one block of a column, not its chunk,
 * and stores blocks of small fixed-width values bit-packed, so that it reads one row's
 * value of such a block without decompressing anything. Other formats ("STR1": one
 * compressed unit per chunk; "STR2": blocks, none packed) are refused.
 */
#define COLUMNAR_STRIPE_MAGIC 0x53545233	/* "STR3" */

/*
 * Rows per block. What a fetch that misses the cache decompresses is a block of each
 * column still compressed (floats, text): 250 rows made such a miss about 1.5x cheaper
 * than 1,000 (10M rows: 41 -> 27 us per nested-loop lookup) for 5% more size (zstd
 * does worse on small frames, and each block has a directory entry), 100 rows another
 * 1.3x for 12% more and slower scans of zstd columns.
 */
#define COLUMNAR_BLOCK_ROWS 250

typedef struct ColumnarStripeHeader
{
	uint32		magic;
	uint32		natts;
	uint32		chunk_group_count;
	uint32		directory_bytes;
	uint64		row_count;
	uint32		block_rows;		/* rows per block; a chunk's last block may hold fewer */
	uint32		unused;
} ColumnarStripeHeader;

/*
 * Directory entry of one column of one chunk group; its min/max images follow it, then
 * the entries of its blocks (none when the chunk is all NULL). Blocks carry the same
 * NULL flags, for their own rows.
 */
#define CHUNK_HAS_NULLS		0x01
#define CHUNK_ALL_NULL		0x02
#define CHUNK_HAS_MINMAX	0x04

typedef struct ColumnarChunkEntry
{
	uint64		offset;			/* from the start of the stripe's data area */
	uint32		stored_len;		/* of all its blocks */
	uint32		raw_len;
	uint8		unused;
	uint8		flags;
	uint16		minmax_len;		/* bytes of min image + max image after the entry */
} ColumnarChunkEntry;

/*
 * One block of a chunk: its rows' null bitmap (when it has NULLs) and values laid out
 * as in a heap tuple, compressed on their own (compression: a ColumnarCompression), or
 * bit-packed (COLUMNAR_BLOCK_PACKED). raw_len is the length of the heap-like layout.
 */
typedef struct ColumnarBlockEntry
{
	uint32		offset;			/* from the start of the chunk */
	uint32		stored_len;
	uint32		raw_len;
	uint8		compression;
	uint8		flags;
	uint16		unused;
} ColumnarBlockEntry;

/*
 * A bit-packed block holds values passed by value of 1, 2, 4 or 8 bytes (integers,
 * dates, timestamps, ...) as integers: its null bitmap as above, this header, then the
 * non-NULL values' fields of bits bits each, value j in bits [j * bits, (j + 1) * bits)
 * of a run of little-endian 64-bit words (unaligned). The j-th non-NULL value is base +
 * factor * field (modulo 2^64, truncated to the type's width): the factor (the greatest
 * common divisor of the values' distances from base) keeps timestamps of whole seconds
 * small. Any one value reads in place, so that a fetch of one row decompresses nothing.
 */
#define COLUMNAR_BLOCK_PACKED 3

typedef struct ColumnarPackedHeader
{
	int64		base;
	uint64		factor;
	uint32		bits;			/* 0..64 */
	uint32		dscale;			/* of every value of a numeric block; else 0 */
} ColumnarPackedHeader;

/*
 * A block of numeric values of one display scale, each small enough, packed as above
 * as value * 10^dscale (columnar_numeric_scaled); they read back as numeric.c would
 * have made them (columnar_numeric_build).
 */
#define COLUMNAR_BLOCK_PACKED_NUMERIC 4
#define COLUMNAR_NUMERIC_BUF 24

extern bool columnar_numeric_scaled(Datum value, int *dscale, int64 *scaled);
extern Size columnar_numeric_build(int64 scaled, int dscale, char *buf);

/* Bytes of the fields of n values of bits bits each. */
#define COLUMNAR_PACKED_BYTES(n, bits) ((((uint64) (n) * (bits) + 63) / 64) * 8)

/* ---- read path (columnar_read.c) ---- */

/*
 * A decoded chunk group: the read columns' values for rows [first_row, first_row +
 * nrows); values[a] is NULL for a column the reader was told not to read.
 */
typedef struct ColumnarGroup
{
	uint64		first_row;
	int			nrows;
	Datum	  **values;			/* [attno][row] */
	bool	  **isnull;
	/* [row]: rows the scan must not return; NULL when it returns them all */
	bool	   *hidden;
} ColumnarGroup;

/* What a stripe's directory says about one column of one chunk group. */
typedef struct ColumnarChunkRange
{
	bool		all_null;
	bool		has_minmax;		/* min and max hold the non-NULL values' bounds */
	Datum		min;
	Datum		max;
} ColumnarChunkRange;

/* A stripe's directory, parsed (a written stripe's never changes). */
typedef struct ColumnarDirectory
{
	int			natts;			/* columns written in the stripe */
	uint64		data_start;		/* offset of the chunk data in the stripe's bytes */
	uint32	   *group_rows;		/* [group] */
	uint32		block_rows;
	ColumnarChunkEntry **entries;	/* [group][att] */
	ColumnarBlockEntry ***blocks;	/* [group][att][block] */
	const char ***minmax;		/* [group][att]: the entry's min/max images, or NULL */
} ColumnarDirectory;

/*
 * A row an index fetch found, which a columnar slot (columnar_slot.c) decodes column by
 * column as the executor asks for them: its block of rows in the fetch cache, and what
 * it takes to read that block again if the cache dropped it meanwhile. dir and rows
 * are the cache's entries as last looked up, valid while its generation is.
 */
typedef struct ColumnarRowRef
{
	Oid			relid;
	ColumnarStripe stripe;		/* a written one */
	int			group;
	int			block;			/* of the group */
	int			row;			/* in the block */
	uint64		generation;		/* columnar_cache_generation() when dir and rows were set */
	ColumnarDirectory *dir;		/* NULL: look it up */
	void	   *rows;			/* NULL: look it up */
} ColumnarRowRef;

extern void columnar_row_ref_values(ColumnarRowRef *ref, TupleDesc desc, int from, int to,
									Datum *values, bool *isnull, MemoryContext copy_cxt);

/* Reads one relation's stripes; keeps the current stripe's directory and one group. */
/*
 * What an MVCC snapshot sees, as a key for what was read with it: the same snapshot
 * object and command, and no transaction completed since it was taken (a snapshot freed
 * and another allocated at its address by then sees the same). Unset: snapshot NULL.
 */
typedef struct ColumnarSnapshotKey
{
	Snapshot	snapshot;
	CommandId	curcid;
	uint64		completions;
} ColumnarSnapshotKey;

static inline void
columnar_snapshot_key_set(ColumnarSnapshotKey *key, Snapshot snapshot)
{
	key->snapshot = snapshot;
	key->curcid = snapshot->curcid;
	key->completions = snapshot->snapXactCompletionCount;
}

static inline bool
columnar_snapshot_key_matches(const ColumnarSnapshotKey *key, Snapshot snapshot)
{
	return key->snapshot == snapshot && key->curcid == snapshot->curcid &&
		key->completions == snapshot->snapXactCompletionCount;
}

typedef struct ColumnarReader
{
	Relation	rel;
	uint64		storage_id;
	/* the caller's slot descriptor: a table rewrite reads with the old row type */
	TupleDesc	desc;
	BufferAccessStrategy strategy;
	MemoryContext stripe_cxt;
	MemoryContext group_cxt;
	bool		have_stripe;
	ColumnarStripe stripe;
	ColumnarDirectory *dir;		/* the current stripe's */
	/* columns to decode ([attno], from the caller's descriptor), NULL for all */
	const bool *columns;
	int			group;			/* decoded group, -1 if none */
	ColumnarGroup decoded;
	/* the deleted rows of a range (a chunk group, or one row) for one snapshot */
	MemoryContext delete_cxt;
	ColumnarDeleteSet deletes;
	ColumnarSnapshotKey deletes_key;
	/* whether the storage has delete marks at all, for one MVCC snapshot */
	ColumnarSnapshotKey any_deletes_key;
	bool		any_deletes;
} ColumnarReader;


/* Says whether a chunk group of the reader's stripe can be skipped (no row qualifies). */
typedef bool (*ColumnarGroupFilter) (ColumnarReader *reader, int group, void *arg);

/* ANALYZE's sampling (columnar_scan_analyze_next_block) */
typedef struct ColumnarAnalyze
{
	double		rows_per_block; /* 0 until the first block; -1: no rows */
	uint64		hi;				/* the end of the asked block's row numbers */
	uint64		stride;			/* one unit (block of rows) in this many is read */
	uint64		seed;
	uint64		units;			/* units met so far */
	uint64		unit;			/* first row of the last one, or InvalidRowNumber */
	bool		unit_read;		/* whether it is read (decoded in the reader) */
	uint64		rows;			/* rows of the blocks asked so far */
	uint64		read;			/* rows read */
	uint64		dead;			/* of them deleted */
	double		live_given;		/* what ANALYZE's counts were given */
	double		dead_given;
} ColumnarAnalyze;

typedef struct ColumnarScanDescData
{
	TableScanDescData base;
	ColumnarReader reader;
	MemoryContext stripes_cxt;
	ColumnarStripe *stripes;	/* with the rows of unwritten ones, in stripes_cxt */
	int			nstripes;
	int			next_stripe;	/* the stripe after the reader's */
	uint64		next_row;		/* next row to return within the reader's group */
	/* the CustomScan's chunk-group skipping, if any */
	ColumnarGroupFilter skip_group;
	void	   *skip_arg;
	uint64		groups_skipped;
	ColumnarAnalyze analyze;
} ColumnarScanDescData;

typedef ColumnarScanDescData *ColumnarScanDesc;

extern TableScanDesc columnar_scan_begin(Relation rel, Snapshot snapshot, int nkeys,
										 struct ScanKeyData *key,
										 ParallelTableScanDesc pscan, uint32 flags);
extern void columnar_scan_end(TableScanDesc scan);
extern void columnar_scan_rescan(TableScanDesc scan, struct ScanKeyData *key,
								 bool set_params, bool allow_strat, bool allow_sync,
								 bool allow_pagemode);
extern bool columnar_scan_getnextslot(TableScanDesc scan, ScanDirection direction,
									  TupleTableSlot *slot);
extern void columnar_scan_set_columns(TableScanDesc scan, const bool *columns);
extern void columnar_scan_set_filter(TableScanDesc scan, ColumnarGroupFilter filter, void *arg);
extern const ColumnarGroup *columnar_scan_next_batch(TableScanDesc scan, TupleDesc desc);
extern void columnar_chunk_range(ColumnarReader *reader, int group, int attno,
								 ColumnarChunkRange *range);
extern bool columnar_scan_analyze_next_block(TableScanDesc scan, BlockNumber blockno,
											 BufferAccessStrategy bstrategy);
extern bool columnar_scan_analyze_next_tuple(TableScanDesc scan, TransactionId OldestXmin,
											 double *liverows, double *deadrows,
											 TupleTableSlot *slot);

extern struct IndexFetchTableData *columnar_index_fetch_begin(Relation rel);
extern void columnar_index_fetch_reset(struct IndexFetchTableData *data);
extern void columnar_index_fetch_end(struct IndexFetchTableData *data);
extern bool columnar_index_fetch_tuple(struct IndexFetchTableData *data, ItemPointer tid,
									   Snapshot snapshot, TupleTableSlot *slot,
									   bool *call_again, bool *all_dead);
extern bool columnar_fetch_row_version(Relation rel, ItemPointer tid, Snapshot snapshot,
									   TupleTableSlot *slot);
extern bool columnar_tuple_satisfies_snapshot(Relation rel, TupleTableSlot *slot,
											  Snapshot snapshot);
extern uint64 columnar_count_rows(Relation rel, Snapshot snapshot);
extern bool columnar_scan_row_deleted(TableScanDesc scan, uint64 row, Snapshot snapshot);
extern void columnar_scan_set_stripes(TableScanDesc scan, ColumnarStripe *stripes, int n);

/* ---- UPDATE, DELETE, row locks (columnar_modify.c) ---- */

extern TM_Result columnar_tuple_delete(Relation rel, ItemPointer tid, CommandId cid,
									   Snapshot snapshot, Snapshot crosscheck, bool wait,
									   TM_FailureData *tmfd, bool changingPart);
extern TM_Result columnar_tuple_update(Relation rel, ItemPointer otid, TupleTableSlot *slot,
									   CommandId cid, Snapshot snapshot, Snapshot crosscheck,
									   bool wait, TM_FailureData *tmfd,
									   LockTupleMode *lockmode, bool *update_indexes);
extern TM_Result columnar_tuple_lock(Relation rel, ItemPointer tid, Snapshot snapshot,
									 TupleTableSlot *slot, CommandId cid, LockTupleMode mode,
									 LockWaitPolicy wait_policy, uint8 flags,
									 TM_FailureData *tmfd);
extern void columnar_tuple_get_latest_tid(TableScanDesc scan, ItemPointer tid);
extern bool columnar_move_row(Relation rel, ItemPointer tid, TupleTableSlot *slot,
							  CommandId cid);

/* ---- VACUUM (columnar_vacuum.c) ---- */

extern void columnar_vacuum(Relation rel, struct VacuumParams *params,
							BufferAccessStrategy bstrategy);

/* ---- the fetch cache: decoded chunks and directories kept across fetches (columnar_cache.c) ---- */

/* A written stripe is named by its storage, first row and first block. */
typedef struct ColumnarCacheKey
{
	uint64		storage_id;
	uint64		first_row;
	int64		first_block;
	int32		group;			/* -1: the stripe's directory */
	int32		attno;			/* 0-based */
	int32		block;
} ColumnarCacheKey;

extern void *columnar_cache_lookup(const ColumnarCacheKey *key);
extern void columnar_cache_insert(const ColumnarCacheKey *key, void *data, MemoryContext cxt);
extern void columnar_cache_resized(const ColumnarCacheKey *key);
extern uint64 columnar_cache_generation(void);
extern void columnar_cache_trim(void);
extern void columnar_cache_forget(uint64 storage_id);
extern void columnar_cache_init(void);

/* ---- the table's slot: fetched rows decoded on demand (columnar_slot.c) ---- */

extern PGDLLIMPORT const TupleTableSlotOps TTSOpsColumnar;

#define TTS_IS_COLUMNAR(slot) ((slot)->tts_ops == &TTSOpsColumnar)

extern void columnar_slot_store_ref(TupleTableSlot *slot, const ColumnarRowRef *ref);

/* ---- index builds (columnar_index.c) ---- */

extern double columnar_index_build_range_scan(Relation table_rel, Relation index_rel,
											  struct IndexInfo *index_info, bool allow_sync,
											  bool anyvisible, bool progress,
											  BlockNumber start_blockno,
											  BlockNumber numblocks,
											  IndexBuildCallback callback,
											  void *callback_state, TableScanDesc scan);
extern void columnar_index_validate_scan(Relation table_rel, Relation index_rel,
										 struct IndexInfo *index_info, Snapshot snapshot,
										 struct ValidateIndexState *state);

/* ---- the CustomScan (columnar_customscan.c) ---- */

extern void columnar_customscan_paths(PlannerInfo *root, RelOptInfo *rel,
									  Relation r);
extern void columnar_customscan_init(void);

/* ---- aggregates inside the scan (columnar_agg.c) ---- */

extern void columnar_agg_init(void);

/* ---- the handler (columnar_handler.c) ---- */

extern bool columnar_is_columnar(Relation rel);
extern Relation columnar_open(Oid relid, LOCKMODE lockmode);
extern void columnar_init(void);
extern void columnar_unsupported(const char *feature) pg_attribute_noreturn();
extern void columnar_check_isolation(Snapshot snapshot);

#endif							/* COLUMNAR_H */
