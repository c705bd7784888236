/*
 * Delete marks and row locks, the per-row state that stripes, written once, cannot hold.
 *
 * omendb.columnar_delete holds one heap row per deleted columnar row (storage_id,
 * row_number, successor): the row is deleted for exactly the snapshots that see the
 * mark, by the heap's own visibility rules, and the mark's xmin is the deleter that a
 * concurrent updater waits for (columnar_modify.c). docs/COLUMNAR.md weighs the
 * alternatives. Readers never test one row at a time against the table: they load the
 * deleted rows of a chunk group for their snapshot once (one index range scan) and test
 * row numbers against that bitmap.
 *
 * omendb.columnar_row_lock holds one heap row per row lock (storage_id, row_number,
 * mode): the lock is held while the row's xmin runs, as a heap tuple's xmax locks it.
 */
#include "columnar.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/table.h"
#include "access/transam.h"
#include "access/xact.h"
#include "utils/fmgroids.h"
#include "utils/snapmgr.h"

enum
{
	DEL_STORAGE_ID = 1, DEL_ROW, DEL_SUCCESSOR,
	DEL_NATTS = DEL_SUCCESSOR
};
enum
{
	LOCK_STORAGE_ID = 1, LOCK_ROW, LOCK_MODE,
	LOCK_NATTS = LOCK_MODE
};

/*
 * An index scan of the rows of a delete-mark or row-lock table (both keyed by
 * storage_id, row_number) about rows [first, first + count).
 */
static SysScanDesc
marks_begin(Relation rel, uint64 storage_id, uint64 first, uint64 count, Snapshot snapshot)
{
	ScanKeyData keys[3];

	ScanKeyInit(&keys[0], DEL_STORAGE_ID, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum((int64) storage_id));
	ScanKeyInit(&keys[1], DEL_ROW, BTGreaterEqualStrategyNumber, F_INT8GE,
				Int64GetDatum((int64) first));
	ScanKeyInit(&keys[2], DEL_ROW, BTLessStrategyNumber, F_INT8LT,
				Int64GetDatum((int64) Min(first + count, (uint64) PG_INT64_MAX)));
	return systable_beginscan(rel, columnar_meta_index(rel), true, snapshot, 3, keys);
}

static uint64
mark_row(Relation rel, HeapTuple tup, int64 *successor)
{
	Datum		v[DEL_NATTS];
	bool		n[DEL_NATTS];

	heap_deform_tuple(tup, RelationGetDescr(rel), v, n);
	if (successor)
		*successor = DatumGetInt64(v[DEL_SUCCESSOR - 1]);
	return (uint64) DatumGetInt64(v[DEL_ROW - 1]);
}

/*
 * The deleted rows of [first_row, first_row + nrows) for snapshot, palloc'd in the
 * current memory context.
 *
 * MVCC snapshots and SnapshotSelf see the marks they see. SnapshotAny and
 * SnapshotNonVacuumable see every row that still exists (the executor fetches the
 * old version of a row it just deleted with SnapshotAny). A dirty snapshot (a unique
 * check) treats a row whose deleter is still running as not deleted and reports the
 * deleter in snapshot->xmax, as the heap does, so that btree waits for it.
 */
void
columnar_load_deletes(uint64 storage_id, uint64 first_row, uint32 nrows,
					  Snapshot snapshot, ColumnarDeleteSet *set)
{
	bool		dirty = snapshot->snapshot_type == SNAPSHOT_DIRTY;
	TransactionId writer = dirty ? snapshot->xmin : InvalidTransactionId;
	TransactionId deleter = InvalidTransactionId;
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;

	set->first_row = first_row;
	set->nrows = nrows;
	set->ndeleted = 0;
	set->deleted = NULL;
	if (snapshot->snapshot_type == SNAPSHOT_ANY ||
		snapshot->snapshot_type == SNAPSHOT_NON_VACUUMABLE)
		return;

	rel = table_open(columnar_meta_relid("columnar_delete", false), AccessShareLock);
	scan = marks_begin(rel, storage_id, first_row, nrows, snapshot);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		uint64		i = mark_row(rel, tup, NULL) - first_row;

		/* HeapTupleSatisfiesDirty set xmin: the mark's inserter is still running */
		if (dirty && TransactionIdIsValid(snapshot->xmin))
		{
			deleter = snapshot->xmin;
			continue;
		}
		if (set->deleted == NULL)
			set->deleted = palloc0((nrows + 7) / 8);
		if (!(set->deleted[i / 8] & (1 << (i % 8))))
		{
			set->deleted[i / 8] |= 1 << (i % 8);
			set->ndeleted++;
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (dirty)
	{
		snapshot->xmin = writer;
		snapshot->xmax = deleter;
	}
}

/*
 * Whether an MVCC snapshot sees any delete mark of the storage: most tables have none,
 * and then readers need not load the marks of each chunk group they touch (an index
 * fetch of random rows would probe the marks once per row).
 */
bool
columnar_any_deletes(uint64 storage_id, Snapshot snapshot)
{
	Relation	rel = table_open(columnar_meta_relid("columnar_delete", false), AccessShareLock);
	SysScanDesc scan;
	bool		any;

	Assert(IsMVCCSnapshot(snapshot));
	scan = marks_begin(rel, storage_id, 0, PG_INT64_MAX, snapshot);
	any = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return any;
}

/*
 * The mark of row that is committed, in progress or this transaction's, if any. The
 * row-lock protocol of columnar_modify.c allows at most one such mark per row (others
 * belong to aborted (sub)transactions and are invisible to a dirty snapshot).
 */
bool
columnar_find_mark(uint64 storage_id, uint64 row, ColumnarMark *mark)
{
	SnapshotData dirty;
	Relation	rel = table_open(columnar_meta_relid("columnar_delete", false), AccessShareLock);
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found;

	InitDirtySnapshot(dirty);
	scan = marks_begin(rel, storage_id, row, 1, &dirty);
	tup = systable_getnext(scan);
	found = HeapTupleIsValid(tup);
	if (found)
	{
		mark_row(rel, tup, &mark->successor);
		mark->xmin = HeapTupleHeaderGetXmin(tup->t_data);
		mark->own = TransactionIdIsCurrentTransactionId(mark->xmin);
		mark->in_progress = !mark->own && TransactionIdIsValid(dirty.xmin);
		mark->cmin = mark->own ? HeapTupleHeaderGetCmin(tup->t_data) : InvalidCommandId;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/* Marks row deleted as of command cid of this transaction. */
void
columnar_insert_mark(uint64 storage_id, uint64 row, int64 successor, CommandId cid)
{
	Relation	rel = table_open(columnar_meta_relid("columnar_delete", false), RowExclusiveLock);
	Datum		v[DEL_NATTS];
	bool		n[DEL_NATTS] = {0};

	v[DEL_STORAGE_ID - 1] = Int64GetDatum((int64) storage_id);
	v[DEL_ROW - 1] = Int64GetDatum((int64) row);
	v[DEL_SUCCESSOR - 1] = Int64GetDatum(successor);
	columnar_meta_insert(rel, heap_form_tuple(RelationGetDescr(rel), v, n), cid);
	table_close(rel, RowExclusiveLock);
}

/*
 * How many rows of the given stripes (in row order) are deleted for snapshot; per
 * stripe too if per_stripe is given.
 */
int64
columnar_count_deleted(uint64 storage_id, const ColumnarStripe *stripes, int nstripes,
					   Snapshot snapshot, int64 *per_stripe)
{
	Relation	rel = table_open(columnar_meta_relid("columnar_delete", false), AccessShareLock);
	SysScanDesc scan = marks_begin(rel, storage_id, 0, PG_INT64_MAX, snapshot);
	HeapTuple	tup;
	int64		n = 0;

	if (per_stripe)
		memset(per_stripe, 0, nstripes * sizeof(int64));
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		int			i = columnar_stripe_holding(stripes, nstripes, mark_row(rel, tup, NULL));

		if (i < 0)
			continue;
		n++;
		if (per_stripe)
			per_stripe[i]++;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return n;
}

/*
 * The rows, ascending, deleted for every snapshot that exists or can be taken: their
 * marks committed before oldest_xmin. Only VACUUM, which keeps other VACUUMs away,
 * removes marks, so nothing changes this set under it but new deletes.
 */
uint64 *
columnar_dead_marks(uint64 storage_id, TransactionId oldest_xmin, int *n)
{
	Relation	rel = table_open(columnar_meta_relid("columnar_delete", false), AccessShareLock);
	SysScanDesc scan = marks_begin(rel, storage_id, 0, PG_INT64_MAX, SnapshotSelf);
	HeapTuple	tup;
	int			cap = 64;
	uint64	   *rows = palloc(cap * sizeof(uint64));

	*n = 0;
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		TransactionId xmin = HeapTupleHeaderGetXmin(tup->t_data);

		if (TransactionIdIsCurrentTransactionId(xmin) ||
			!TransactionIdPrecedes(xmin, oldest_xmin))
			continue;
		if (*n == cap)
			rows = repalloc_huge(rows, (Size) (cap *= 2) * sizeof(uint64));
		rows[(*n)++] = mark_row(rel, tup, NULL);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return rows;
}

/*
 * Row-lock modes conflict as the heap's do: key share with update; share with no-key
 * update and update; no-key update with share and itself; update with all. Numbered
 * 0..3 in that order, two modes conflict exactly when they add up to 3 or more.
 */
static bool
row_lock_modes_conflict(LockTupleMode a, LockTupleMode b)
{
	return (int) a + (int) b >= 3;
}

/*
 * A running transaction other than this one holding a lock on row that conflicts with
 * mode, if any. *held says whether this transaction already holds mode or stronger.
 */
TransactionId
columnar_conflicting_locker(uint64 storage_id, uint64 row, LockTupleMode mode, bool *held)
{
	SnapshotData dirty;
	Relation	rel = table_open(columnar_meta_relid("columnar_row_lock", false), AccessShareLock);
	SysScanDesc scan;
	HeapTuple	tup;
	TransactionId locker = InvalidTransactionId;

	*held = false;
	InitDirtySnapshot(dirty);
	scan = marks_begin(rel, storage_id, row, 1, &dirty);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Datum		v[LOCK_NATTS];
		bool		n[LOCK_NATTS];
		LockTupleMode held_mode;

		heap_deform_tuple(tup, RelationGetDescr(rel), v, n);
		held_mode = (LockTupleMode) DatumGetInt16(v[LOCK_MODE - 1]);
		if (TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tup->t_data)))
			*held |= held_mode >= mode;
		/* a committed locker has finished: its lock is gone */
		else if (TransactionIdIsValid(dirty.xmin) && row_lock_modes_conflict(mode, held_mode))
		{
			locker = dirty.xmin;
			break;
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return locker;
}

void
columnar_insert_row_lock(uint64 storage_id, uint64 row, LockTupleMode mode)
{
	Relation	rel = table_open(columnar_meta_relid("columnar_row_lock", false), RowExclusiveLock);
	Datum		v[LOCK_NATTS];
	bool		n[LOCK_NATTS] = {0};

	v[LOCK_STORAGE_ID - 1] = Int64GetDatum((int64) storage_id);
	v[LOCK_ROW - 1] = Int64GetDatum((int64) row);
	v[LOCK_MODE - 1] = Int16GetDatum((int16) mode);
	columnar_meta_insert(rel, heap_form_tuple(RelationGetDescr(rel), v, n),
						 GetCurrentCommandId(true));
	table_close(rel, RowExclusiveLock);
}

/*
 * For VACUUM: the row locks of committed lockers, which hold nothing any more (those
 * of aborted ones are dead tuples that the heap's own vacuum removes).
 */
List *
columnar_finished_row_locks(uint64 storage_id)
{
	Relation	rel = table_open(columnar_meta_relid("columnar_row_lock", false), AccessShareLock);
	SysScanDesc scan = marks_begin(rel, storage_id, 0, PG_INT64_MAX, SnapshotSelf);
	HeapTuple	tup;
	List	   *tids = NIL;

	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		ItemPointer tid;

		if (TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tup->t_data)))
			continue;
		tid = palloc(sizeof(ItemPointerData));
		*tid = tup->t_self;
		tids = lappend(tids, tid);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return tids;
}

void
columnar_remove_row_locks(List *tids)
{
	Relation	rel = table_open(columnar_meta_relid("columnar_row_lock", false), RowExclusiveLock);
	ListCell   *lc;

	foreach(lc, tids)
		simple_heap_delete(rel, (ItemPointer) lfirst(lc));
	table_close(rel, RowExclusiveLock);
}
