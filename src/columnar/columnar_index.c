/*
 * Index builds on a columnar table: CREATE INDEX reads the rows in row-number order,
 * which is TID order, and CREATE INDEX CONCURRENTLY's validation merges that order
 * with the sorted TIDs already in the index.
 */
#include "columnar.h"

#include "access/xact.h"
#include "access/genam.h"
#include "catalog/index.h"
#include "executor/executor.h"
#include "utils/snapmgr.h"
#include "utils/tuplesort.h"

/*
 * Calls fn for every row the snapshot sees in [start, start + numblocks) virtual
 * blocks; alive says whether alive_snapshot (if any) also sees it, not deleted.
 */
typedef void (*row_fn) (TupleTableSlot *slot, Datum *values, bool *isnull, bool alive,
						void *arg);

static double
scan_rows_for_index(Relation table_rel, IndexInfo *index_info, Snapshot snapshot,
					Snapshot alive_snapshot, BlockNumber start_blockno,
					BlockNumber numblocks, row_fn fn, void *arg)
{
	TableScanDesc scan = columnar_scan_begin(table_rel, snapshot, 0, NULL, NULL,
											 SO_TYPE_SEQSCAN | SO_ALLOW_STRAT);
	TupleTableSlot *slot = table_slot_create(table_rel, NULL);
	EState	   *estate = CreateExecutorState();
	ExprContext *econtext = GetPerTupleExprContext(estate);
	ExprState  *predicate = ExecPrepareQual(index_info->ii_Predicate, estate);
	Datum		values[INDEX_MAX_KEYS];
	bool		isnull[INDEX_MAX_KEYS];
	double		rows = 0;

	econtext->ecxt_scantuple = slot;
	while (columnar_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		BlockNumber block = ItemPointerGetBlockNumber(&slot->tts_tid);

		CHECK_FOR_INTERRUPTS();
		if (numblocks != InvalidBlockNumber &&
			(block < start_blockno || block - start_blockno >= numblocks))
			continue;
		MemoryContextReset(econtext->ecxt_per_tuple_memory);
		if (predicate != NULL && !ExecQual(predicate, econtext))
			continue;
		FormIndexDatum(index_info, slot, estate, values, isnull);
		fn(slot, values, isnull,
		   alive_snapshot == NULL ||
		   !columnar_scan_row_deleted(scan, columnar_tid_to_row(&slot->tts_tid), alive_snapshot),
		   arg);
		rows++;
	}
	ExecDropSingleTupleTableSlot(slot);
	FreeExecutorState(estate);
	index_info->ii_ExpressionsState = NIL;
	index_info->ii_PredicateState = NULL;
	columnar_scan_end(scan);
	return rows;
}

typedef struct BuildArg
{
	Relation	index_rel;
	IndexBuildCallback callback;
	void	   *callback_state;
} BuildArg;

static void
build_one(TupleTableSlot *slot, Datum *values, bool *isnull, bool alive, void *arg)
{
	BuildArg   *b = arg;

	b->callback(b->index_rel, &slot->tts_tid, values, isnull, alive, b->callback_state);
}

/*
 * No other transaction can be writing (CREATE INDEX's ShareLock excludes writers), so
 * every row committed or written by this transaction is indexed, deleted rows too (as
 * the heap indexes recently dead tuples): an older snapshot may still see them through
 * the new index. They are passed as not alive, so a unique index does not check them.
 * CONCURRENTLY indexes what its MVCC snapshot sees and index_validate_scan adds the
 * rest.
 */
double
columnar_index_build_range_scan(Relation table_rel, Relation index_rel,
								struct IndexInfo *index_info, bool allow_sync,
								bool anyvisible, bool progress, BlockNumber start_blockno,
								BlockNumber numblocks, IndexBuildCallback callback,
								void *callback_state, TableScanDesc scan)
{
	BuildArg	arg = {index_rel, callback, callback_state};
	Snapshot	snapshot = SnapshotAny;
	Snapshot	alive_snapshot = SnapshotSelf;
	double		rows;

	if (scan != NULL)
		columnar_unsupported("parallel index builds");
	if (index_info->ii_Concurrent)
	{
		snapshot = RegisterSnapshot(GetTransactionSnapshot());
		alive_snapshot = NULL;
	}
	rows = scan_rows_for_index(table_rel, index_info, snapshot, alive_snapshot,
							   start_blockno, numblocks, build_one, &arg);
	if (index_info->ii_Concurrent)
		UnregisterSnapshot(snapshot);
	return rows;
}

typedef struct ValidateArg
{
	Relation	table_rel;
	Relation	index_rel;
	IndexInfo  *index_info;
	ValidateIndexState *state;
	ItemPointerData indexed;	/* the last TID taken from the sorted index TIDs */
	bool		more;
} ValidateArg;

static void
validate_one(TupleTableSlot *slot, Datum *values, bool *isnull, bool alive, void *arg)
{
	ValidateArg *v = arg;

	v->state->htups += 1;
	while (v->more && ItemPointerCompare(&v->indexed, &slot->tts_tid) < 0)
	{
		Datum		ts_val;
		bool		ts_isnull;

		v->more = tuplesort_getdatum(v->state->tuplesort, true, &ts_val, &ts_isnull, NULL);
		if (v->more)
		{
			itemptr_decode(&v->indexed, DatumGetInt64(ts_val));
			v->state->itups += 1;
		}
	}
	if (v->more && ItemPointerEquals(&v->indexed, &slot->tts_tid))
		return;
	index_insert(v->index_rel, values, isnull, &slot->tts_tid, v->table_rel,
				 v->index_info->ii_Unique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO, false,
				 v->index_info);
	v->state->tups_inserted += 1;
}

void
columnar_index_validate_scan(Relation table_rel, Relation index_rel,
							 struct IndexInfo *index_info, Snapshot snapshot,
							 struct ValidateIndexState *state)
{
	/* (0,0) sorts before every TID, so the first row reads the first index TID */
	ValidateArg arg = {table_rel, index_rel, index_info, state, {{0, 0}, 0}, true};

	scan_rows_for_index(table_rel, index_info, snapshot, NULL, 0, InvalidBlockNumber,
						validate_one, &arg);
}
