/*
 * The metadata tables in schema omendb, read and written with heap access directly
 * (never SPI: these run inside table AM callbacks, where SPI's own command counter
 * increments would shift what the caller's snapshot sees).
 *
 *   columnar_options     (storage_id, compression, compression_level,
 *                         stripe_row_limit, chunk_group_row_limit)
 *   columnar_reservation (storage_id, first_row, row_limit): inserted when a writer
 *                         takes row numbers, so a unique check can find the writer
 *   columnar_stripe      (storage_id, first_row, row_count, chunk_group_count,
 *                         first_block, block_count, stored_bytes, raw_bytes):
 *                         inserted when the stripe's pages are written, deleted by
 *                         VACUUM once every row is deleted for everyone
 *   columnar_delete      (storage_id, row_number, successor) and
 *   columnar_row_lock    (storage_id, row_number, mode): columnar_delete.c
 *
 * A stripe exists for a snapshot exactly when its row does: MVCC, crash safety and
 * replication of the metadata come from the heap.
 */
#include "columnar.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "commands/sequence.h"
#include "nodes/execnodes.h"
#include "storage/procarray.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"

enum
{
	OPT_STORAGE_ID = 1, OPT_COMPRESSION, OPT_LEVEL, OPT_STRIPE_ROWS, OPT_GROUP_ROWS,
	OPT_NATTS = OPT_GROUP_ROWS
};
enum
{
	RES_STORAGE_ID = 1, RES_FIRST_ROW, RES_ROW_LIMIT,
	RES_NATTS = RES_ROW_LIMIT
};
enum
{
	STR_STORAGE_ID = 1, STR_FIRST_ROW, STR_ROW_COUNT, STR_GROUPS, STR_FIRST_BLOCK,
	STR_BLOCKS, STR_STORED, STR_RAW,
	STR_NATTS = STR_RAW
};

Oid
columnar_meta_relid(const char *name, bool missing_ok)
{
	Oid			ns = get_namespace_oid("omendb", true);
	Oid			relid = OidIsValid(ns) ? get_relname_relid(name, ns) : InvalidOid;

	if (!OidIsValid(relid) && !missing_ok)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("omendb.%s is missing", name),
				 errhint("Columnar tables need the omendb extension: CREATE EXTENSION omendb.")));
	return relid;
}

Oid
columnar_meta_index(Relation rel)
{
	List	   *indexes = RelationGetIndexList(rel);
	Oid			index;

	if (list_length(indexes) != 1)
		elog(ERROR, "%s should have exactly one index", RelationGetRelationName(rel));
	index = linitial_oid(indexes);
	list_free(indexes);
	return index;
}

/*
 * heap_insert with the caller's command id, then the index entries: a stripe flushed
 * late must become visible as of the command that wrote its rows.
 */
void
columnar_meta_insert(Relation rel, HeapTuple tup, CommandId cid)
{
	CatalogIndexState indstate;

	heap_insert(rel, tup, cid, 0, NULL);
	indstate = CatalogOpenIndexes(rel);
	for (int i = 0; i < indstate->ri_NumIndices; i++)
	{
		Relation	index = indstate->ri_IndexRelationDescs[i];
		IndexInfo  *info = indstate->ri_IndexRelationInfo[i];
		Datum		values[INDEX_MAX_KEYS];
		bool		isnull[INDEX_MAX_KEYS];

		for (int k = 0; k < info->ii_NumIndexAttrs; k++)
			values[k] = heap_getattr(tup, info->ii_IndexAttrNumbers[k],
									 RelationGetDescr(rel), &isnull[k]);
		index_insert(index, values, isnull, &tup->t_self, rel,
					 index->rd_index->indisunique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO,
					 false, info);
	}
	CatalogCloseIndexes(indstate);
}

uint64
columnar_new_storage_id(void)
{
	return (uint64) nextval_internal(columnar_meta_relid("columnar_storage_id_seq", false), false);
}

void
columnar_read_options(uint64 storage_id, ColumnarOptions *opts)
{
	Relation	rel = table_open(columnar_meta_relid("columnar_options", false), AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

	opts->compression = COLUMNAR_DEFAULT_COMPRESSION;
	opts->compression_level = COLUMNAR_DEFAULT_LEVEL;
	opts->stripe_row_limit = COLUMNAR_DEFAULT_STRIPE_ROWS;
	opts->chunk_group_row_limit = COLUMNAR_DEFAULT_CHUNK_GROUP_ROWS;

	ScanKeyInit(&key, OPT_STORAGE_ID, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum((int64) storage_id));
	scan = systable_beginscan(rel, columnar_meta_index(rel), true, SnapshotSelf, 1, &key);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Datum		v[OPT_NATTS];
		bool		n[OPT_NATTS];
		char	   *name;

		heap_deform_tuple(tup, RelationGetDescr(rel), v, n);
		name = TextDatumGetCString(v[OPT_COMPRESSION - 1]);
		if (!columnar_compression_parse(name, &opts->compression))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("unknown columnar compression \"%s\" in omendb.columnar_options", name)));
		opts->compression_level = DatumGetInt32(v[OPT_LEVEL - 1]);
		opts->stripe_row_limit = DatumGetInt32(v[OPT_STRIPE_ROWS - 1]);
		opts->chunk_group_row_limit = DatumGetInt32(v[OPT_GROUP_ROWS - 1]);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

/*
 * Deletes the rows of one storage id from one metadata table, or only those whose
 * second key column (a row number) is in [first, first + count).
 */
static void
meta_delete_range(const char *table, uint64 storage_id, uint64 first, uint64 count)
{
	Oid			relid = columnar_meta_relid(table, true);
	Relation	rel;
	ScanKeyData keys[3];
	SysScanDesc scan;
	HeapTuple	tup;

	/* DROP EXTENSION ... CASCADE may have dropped the metadata tables already. */
	if (!OidIsValid(relid))
		return;
	rel = table_open(relid, RowExclusiveLock);
	ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum((int64) storage_id));
	ScanKeyInit(&keys[1], 2, BTGreaterEqualStrategyNumber, F_INT8GE, Int64GetDatum((int64) first));
	ScanKeyInit(&keys[2], 2, BTLessStrategyNumber, F_INT8LT,
				Int64GetDatum((int64) Min(first + count, (uint64) PG_INT64_MAX)));
	scan = systable_beginscan(rel, columnar_meta_index(rel), true, SnapshotSelf,
							  count == PG_UINT64_MAX ? 1 : 3, keys);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
		simple_heap_delete(rel, &tup->t_self);
	systable_endscan(scan);
	table_close(rel, RowExclusiveLock);
}

static void
meta_delete(const char *table, uint64 storage_id)
{
	meta_delete_range(table, storage_id, 0, PG_UINT64_MAX);
}

void
columnar_write_options(uint64 storage_id, const ColumnarOptions *opts)
{
	Relation	rel;
	Datum		v[OPT_NATTS];
	bool		n[OPT_NATTS] = {0};
	HeapTuple	tup;

	meta_delete("columnar_options", storage_id);
	CommandCounterIncrement();
	rel = table_open(columnar_meta_relid("columnar_options", false), RowExclusiveLock);
	v[OPT_STORAGE_ID - 1] = Int64GetDatum((int64) storage_id);
	v[OPT_COMPRESSION - 1] = CStringGetTextDatum(columnar_compression_name(opts->compression));
	v[OPT_LEVEL - 1] = Int32GetDatum(opts->compression_level);
	v[OPT_STRIPE_ROWS - 1] = Int32GetDatum(opts->stripe_row_limit);
	v[OPT_GROUP_ROWS - 1] = Int32GetDatum(opts->chunk_group_row_limit);
	tup = heap_form_tuple(RelationGetDescr(rel), v, n);
	columnar_meta_insert(rel, tup, GetCurrentCommandId(true));
	table_close(rel, RowExclusiveLock);
}

/* Records a writer's row-number reservation, visible to unique checks at once. */
void
columnar_insert_reservation(const ColumnarStripe *stripe, CommandId cid)
{
	Relation	rel = table_open(columnar_meta_relid("columnar_reservation", false), RowExclusiveLock);
	Datum		v[RES_NATTS];
	bool		n[RES_NATTS] = {0};
	HeapTuple	tup;

	v[RES_STORAGE_ID - 1] = Int64GetDatum((int64) stripe->storage_id);
	v[RES_FIRST_ROW - 1] = Int64GetDatum((int64) stripe->first_row);
	v[RES_ROW_LIMIT - 1] = Int64GetDatum(stripe->row_limit);
	tup = heap_form_tuple(RelationGetDescr(rel), v, n);
	columnar_meta_insert(rel, tup, cid);
	table_close(rel, RowExclusiveLock);
}

/* Publishes a written stripe as of command cid. */
void
columnar_complete_stripe(const ColumnarStripe *stripe, CommandId cid)
{
	Relation	rel = table_open(columnar_meta_relid("columnar_stripe", false), RowExclusiveLock);
	Datum		v[STR_NATTS];
	bool		n[STR_NATTS] = {0};
	HeapTuple	tup;

	v[STR_STORAGE_ID - 1] = Int64GetDatum((int64) stripe->storage_id);
	v[STR_FIRST_ROW - 1] = Int64GetDatum((int64) stripe->first_row);
	v[STR_ROW_COUNT - 1] = Int64GetDatum(stripe->row_count);
	v[STR_GROUPS - 1] = Int32GetDatum(stripe->chunk_group_count);
	v[STR_FIRST_BLOCK - 1] = Int64GetDatum(stripe->first_block);
	v[STR_BLOCKS - 1] = Int32GetDatum(stripe->block_count);
	v[STR_STORED - 1] = Int64GetDatum(stripe->stored_bytes);
	v[STR_RAW - 1] = Int64GetDatum(stripe->raw_bytes);
	tup = heap_form_tuple(RelationGetDescr(rel), v, n);
	columnar_meta_insert(rel, tup, cid);
	table_close(rel, RowExclusiveLock);
}

static void
stripe_from_tuple(Relation rel, HeapTuple tup, ColumnarStripe *s)
{
	Datum		v[STR_NATTS];
	bool		n[STR_NATTS];

	heap_deform_tuple(tup, RelationGetDescr(rel), v, n);
	s->storage_id = (uint64) DatumGetInt64(v[STR_STORAGE_ID - 1]);
	s->first_row = (uint64) DatumGetInt64(v[STR_FIRST_ROW - 1]);
	s->row_count = DatumGetInt64(v[STR_ROW_COUNT - 1]);
	s->row_limit = s->row_count;
	s->chunk_group_count = DatumGetInt32(v[STR_GROUPS - 1]);
	s->first_block = DatumGetInt64(v[STR_FIRST_BLOCK - 1]);
	s->block_count = DatumGetInt32(v[STR_BLOCKS - 1]);
	s->stored_bytes = DatumGetInt64(v[STR_STORED - 1]);
	s->raw_bytes = DatumGetInt64(v[STR_RAW - 1]);
	s->mem = NULL;
}

/* The stripes of a storage that the snapshot sees, in row order. */
ColumnarStripe *
columnar_list_stripes(uint64 storage_id, Snapshot snapshot, int *nstripes)
{
	Relation	rel = table_open(columnar_meta_relid("columnar_stripe", false), AccessShareLock);
	Relation	index = index_open(columnar_meta_index(rel), AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	int			n = 0,
				cap = 16;
	ColumnarStripe *stripes = palloc(cap * sizeof(ColumnarStripe));

	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum((int64) storage_id));
	scan = systable_beginscan_ordered(rel, index, snapshot, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext_ordered(scan, ForwardScanDirection)))
	{
		if (n == cap)
			stripes = repalloc(stripes, (cap *= 2) * sizeof(ColumnarStripe));
		stripe_from_tuple(rel, tup, &stripes[n++]);
	}
	systable_endscan_ordered(scan);
	index_close(index, AccessShareLock);
	table_close(rel, AccessShareLock);
	*nstripes = n;
	return stripes;
}

/*
 * The row with the greatest first_row <= row among those visible: stripes never
 * overlap, so it holds row iff row falls within its count. A dirty snapshot passes
 * through to the heap, which leaves the writer's xid in it as a unique check needs.
 */
static bool
meta_find(const char *table, uint64 storage_id, uint64 row, Snapshot snapshot,
		  ColumnarStripe *stripe)
{
	Relation	rel = table_open(columnar_meta_relid(table, false), AccessShareLock);
	Relation	index = index_open(columnar_meta_index(rel), AccessShareLock);
	ScanKeyData keys[2];
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum((int64) storage_id));
	ScanKeyInit(&keys[1], 2, BTLessEqualStrategyNumber, F_INT8LE, Int64GetDatum((int64) row));
	scan = systable_beginscan_ordered(rel, index, snapshot, 2, keys);
	tup = systable_getnext_ordered(scan, BackwardScanDirection);
	if (HeapTupleIsValid(tup))
	{
		if (strcmp(table, "columnar_stripe") == 0)
			stripe_from_tuple(rel, tup, stripe);
		else
		{
			Datum		v[RES_NATTS];
			bool		n[RES_NATTS];

			heap_deform_tuple(tup, RelationGetDescr(rel), v, n);
			memset(stripe, 0, sizeof(*stripe));
			stripe->storage_id = storage_id;
			stripe->first_row = (uint64) DatumGetInt64(v[RES_FIRST_ROW - 1]);
			stripe->row_limit = DatumGetInt64(v[RES_ROW_LIMIT - 1]);
			stripe->first_block = -1;
		}
		found = row < stripe->first_row + (uint64) stripe->row_limit;
	}
	systable_endscan_ordered(scan);
	index_close(index, AccessShareLock);
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * Finds the stripe holding row as the snapshot sees it. For a non-MVCC snapshot a
 * reservation of a writer that has not flushed yet counts too (first_block -1).
 */
bool
columnar_find_stripe(uint64 storage_id, uint64 row, Snapshot snapshot,
					 ColumnarStripe *stripe)
{
	if (meta_find("columnar_stripe", storage_id, row, snapshot, stripe))
		return true;
	if (IsMVCCSnapshot(snapshot))
		return false;
	return meta_find("columnar_reservation", storage_id, row, snapshot, stripe);
}

/*
 * For VACUUM's truncation: the end of the pages that some snapshot may still read,
 * those of stripe rows neither inserted by an aborted transaction nor deleted by one
 * that committed before oldest_xmin. Only the caller's AccessExclusiveLock keeps new
 * stripes from being written meanwhile.
 */
BlockNumber
columnar_stripe_pages_end(uint64 storage_id, TransactionId oldest_xmin)
{
	Relation	rel = table_open(columnar_meta_relid("columnar_stripe", false), AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	BlockNumber end = COLUMNAR_METAPAGE_BLKNO + 1;

	ScanKeyInit(&key, STR_STORAGE_ID, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum((int64) storage_id));
	scan = systable_beginscan(rel, columnar_meta_index(rel), true, SnapshotAny, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		HeapTupleHeader h = tup->t_data;
		TransactionId xmin = HeapTupleHeaderGetXmin(h);
		TransactionId xmax = HeapTupleHeaderGetRawXmax(h);
		ColumnarStripe s;

		if (!TransactionIdIsCurrentTransactionId(xmin) && !TransactionIdIsInProgress(xmin) &&
			!TransactionIdDidCommit(xmin))
			continue;
		if (!(h->t_infomask & HEAP_XMAX_INVALID) && TransactionIdIsNormal(xmax) &&
			!HEAP_XMAX_IS_LOCKED_ONLY(h->t_infomask) &&
			TransactionIdPrecedes(xmax, oldest_xmin) && TransactionIdDidCommit(xmax))
			continue;
		stripe_from_tuple(rel, tup, &s);
		end = Max(end, (BlockNumber) (s.first_block + s.block_count));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return end;
}

/* How many of stripes[0..n) (in row order, never overlapping) start at or before row. */
int
columnar_stripes_starting_by(const ColumnarStripe *stripes, int n, uint64 row)
{
	int			lo = 0,
				hi = n;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (stripes[mid].first_row <= row)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The index of the stripe of stripes[0..n) (in row order) holding row, or -1. */
int
columnar_stripe_holding(const ColumnarStripe *stripes, int n, uint64 row)
{
	int			lo = columnar_stripes_starting_by(stripes, n, row);

	if (lo == 0 || row >= stripes[lo - 1].first_row + stripes[lo - 1].row_count)
		return -1;
	return lo - 1;
}

/* Deletes what the metadata says about a storage (its relation is going away). */
void
columnar_forget_storage(uint64 storage_id, bool keep_options)
{
	meta_delete("columnar_stripe", storage_id);
	meta_delete("columnar_reservation", storage_id);
	meta_delete("columnar_delete", storage_id);
	meta_delete("columnar_row_lock", storage_id);
	if (!keep_options)
		meta_delete("columnar_options", storage_id);
}

/* VACUUM: a stripe every row of which is deleted for everyone. */
void
columnar_remove_stripe(uint64 storage_id, uint64 first_row)
{
	meta_delete_range("columnar_stripe", storage_id, first_row, 1);
}

/* VACUUM: the delete marks of a removed stripe's rows. */
void
columnar_remove_marks(uint64 storage_id, uint64 first_row, uint64 nrows)
{
	meta_delete_range("columnar_delete", storage_id, first_row, nrows);
}
