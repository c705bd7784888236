/*
 * VACUUM of a columnar table, in four steps.
 *
 * Row locks of finished transactions (omendb.columnar_row_lock rows that committed)
 * hold nothing any more and are deleted.
 *
 * Reclaim: a stripe every row of which is deleted for every snapshot (marks committed
 * before the oldest xmin) goes away: its index entries through the indexes' own
 * bulk-delete path, then its stripe row and its marks. Its pages stay in the file
 * (stripes are appended and never reused; VACUUM FULL compacts).
 *
 * Merge: stripes with few live rows (under half of stripe_row_limit) or many deleted
 * ones (a fifth or more) are rewritten. Their live rows move to new row numbers
 * exactly as an UPDATE to the same values moves a row (columnar_move_row): under the
 * row-lock protocol, with a delete mark whose successor is the new row, and new index
 * entries. A row another transaction holds or has changed meanwhile stays where it is,
 * so the merge needs no table lock. Readers with older snapshots keep reading the old
 * stripes; a later VACUUM reclaims them once no one can see them. A concurrent updater
 * of a moved row waits for this VACUUM, then follows the row (READ COMMITTED) or fails
 * to serialize (REPEATABLE READ), as after any UPDATE.
 *
 * Truncate: stripes are appended and their pages never reused, but pages at the end of
 * the file that no snapshot can read any more (stripes of aborted writers, stripes an
 * earlier VACUUM reclaimed) go back to the file system, as heap's VACUUM truncates its
 * empty tail: under an AccessExclusiveLock taken only if free at once, which keeps
 * writers from appending meanwhile and, replayed on a standby, cancels queries there.
 */
#include "columnar.h"

#include "access/genam.h"
#include "access/multixact.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/pg_publication.h"
#include "catalog/storage.h"
#include "commands/vacuum.h"
#include "executor/executor.h"
#include "pgstat.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "utils/snapmgr.h"

/*
 * A lazy VACUUM runs flagged PROC_IN_VACUUM, and other backends then leave its xid
 * out of their snapshots: rows it wrote would look aborted to them. Before writing
 * metadata rows this VACUUM stops being one that others may ignore. Its old snapshot
 * xmin becomes visible again, which is harmless here: nothing it reads afterwards is
 * read with the snapshot taken while flagged (see columnar_vacuum).
 */
static void
start_writing(void)
{
	if (!(MyProc->statusFlags & PROC_IN_VACUUM))
		return;
	LWLockAcquire(ProcArrayLock, LW_EXCLUSIVE);
	MyProc->statusFlags &= ~PROC_IN_VACUUM;
	ProcGlobal->statusFlags[MyProc->pgxactoff] = MyProc->statusFlags;
	LWLockRelease(ProcArrayLock);
}

/* The stripes being reclaimed, in row order: an index entry into one is dead. */
typedef struct DeadStripes
{
	ColumnarStripe *stripes;
	int			n;
} DeadStripes;

static bool
tid_is_dead(ItemPointer tid, void *arg)
{
	DeadStripes *dead = arg;

	return columnar_stripe_holding(dead->stripes, dead->n, columnar_tid_to_row(tid)) >= 0;
}

/* Bulk-deletes the dead entries (if any) and runs every index's cleanup, as heap does. */
static void
vacuum_indexes(Relation rel, DeadStripes *dead, double live_rows, VacuumParams *params,
			   BufferAccessStrategy bstrategy)
{
	Relation   *indrels;
	int			nindexes;

	vac_open_indexes(rel, RowExclusiveLock, &nindexes, &indrels);
	for (int i = 0; i < nindexes; i++)
	{
		IndexVacuumInfo ivinfo = {0};
		IndexBulkDeleteResult *stats = NULL;

		ivinfo.index = indrels[i];
		ivinfo.estimated_count = true;
		ivinfo.message_level = (params->options & VACOPT_VERBOSE) ? INFO : DEBUG2;
		ivinfo.num_heap_tuples = live_rows;
		ivinfo.strategy = bstrategy;
		if (dead->n > 0)
			stats = index_bulk_delete(&ivinfo, NULL, tid_is_dead, dead);
		stats = index_vacuum_cleanup(&ivinfo, stats);
		if (stats != NULL)
		{
			if (!stats->estimated_count)
				vac_update_relstats(indrels[i], stats->num_pages, stats->num_index_tuples,
									0, false, InvalidTransactionId, InvalidMultiXactId,
									NULL, NULL, false);
			pfree(stats);
		}
	}
	vac_close_indexes(nindexes, indrels, NoLock);
}

/* Finds the stripes whose every row is deleted for everyone, removes their entries. */
static void
reclaim(Relation rel, uint64 storage_id, double live_rows, VacuumParams *params,
		BufferAccessStrategy bstrategy)
{
	int			nstripes,
				nmarks,
				m = 0;
	ColumnarStripe *stripes = columnar_list_stripes(storage_id, SnapshotSelf, &nstripes);
	uint64	   *marks = columnar_dead_marks(storage_id,
											GetOldestNonRemovableTransactionId(rel), &nmarks);
	DeadStripes dead = {palloc(Max(nstripes, 1) * sizeof(ColumnarStripe)), 0};

	for (int i = 0; i < nstripes; i++)
	{
		ColumnarStripe *s = &stripes[i];
		int64		deleted = 0;

		/* marks are ascending and at most one per row */
		while (m < nmarks && marks[m] < s->first_row)
			m++;
		while (m < nmarks && marks[m] < s->first_row + s->row_count)
			deleted++, m++;
		if (deleted == s->row_count)
			dead.stripes[dead.n++] = *s;
	}
	if (dead.n > 0)
		start_writing();
	vacuum_indexes(rel, &dead, live_rows, params, bstrategy);
	for (int i = 0; i < dead.n; i++)
	{
		columnar_remove_stripe(storage_id, dead.stripes[i].first_row);
		columnar_remove_marks(storage_id, dead.stripes[i].first_row,
							  dead.stripes[i].row_count);
	}
	if (dead.n > 0)
		CommandCounterIncrement();
	pfree(stripes);
	pfree(marks);
	pfree(dead.stripes);
}

/* The lock is only asked for when there is something to truncate, as heap does. */
static void
truncate_tail(Relation rel, uint64 storage_id)
{
	TransactionId oldest_xmin = GetOldestNonRemovableTransactionId(rel);
	BlockNumber end;

	if (columnar_stripe_pages_end(storage_id, oldest_xmin) >= RelationGetNumberOfBlocks(rel) ||
		!ConditionalLockRelation(rel, AccessExclusiveLock))
		return;
	/* again: a writer may have appended before the lock */
	end = columnar_stripe_pages_end(storage_id, oldest_xmin);
	if (end < RelationGetNumberOfBlocks(rel))
		RelationTruncate(rel, end);
	UnlockRelation(rel, AccessExclusiveLock);
}

/*
 * Rewrites the live rows of the stripes worth merging, chosen by what is committed;
 * returns the rows moved.
 */
static int64
merge(Relation rel, uint64 storage_id)
{
	PublicationDesc pubdesc;
	ColumnarOptions opts;
	Snapshot	snapshot;
	ColumnarStripe *stripes,
			   *chosen;
	int64	   *deleted;
	int			nstripes,
				nchosen = 0,
				nsmall = 0,
				nsparse = 0;
	int64		moved = 0;

	/* rows cannot be written into a table of a publication (columnar_write.c) */
	RelationBuildPublicationDesc(rel, &pubdesc);
	if (pubdesc.pubactions.pubinsert || pubdesc.pubactions.pubupdate)
		return 0;
	columnar_read_options(storage_id, &opts);
	stripes = columnar_list_stripes(storage_id, SnapshotSelf, &nstripes);
	deleted = palloc(Max(nstripes, 1) * sizeof(int64));
	columnar_count_deleted(storage_id, stripes, nstripes, SnapshotSelf, deleted);
	chosen = palloc(Max(nstripes, 1) * sizeof(ColumnarStripe));
	for (int i = 0; i < nstripes; i++)
	{
		int64		live = stripes[i].row_count - deleted[i];
		bool		small = live < opts.stripe_row_limit / 2;
		bool		sparse = deleted[i] > 0 && deleted[i] * 5 >= stripes[i].row_count;

		/* a stripe of deleted rows only has nothing to move: reclaim takes it */
		if (live == 0 || !(small || sparse))
			continue;
		nsmall += small;
		nsparse += sparse;
		chosen[nchosen++] = stripes[i];
	}
	/* one small stripe alone is as small as its rewrite would be */
	if (nsparse > 0 || nsmall > 1)
	{
		TableScanDesc scan;
		TupleTableSlot *slot = table_slot_create(rel, NULL);
		EState	   *estate = CreateExecutorState();
		ResultRelInfo *rri = makeNode(ResultRelInfo);
		CommandId	cid;

		start_writing();
		snapshot = RegisterSnapshot(GetLatestSnapshot());
		cid = GetCurrentCommandId(true);
		scan = columnar_scan_begin(rel, snapshot, 0, NULL, NULL,
								   SO_TYPE_SEQSCAN | SO_ALLOW_STRAT);
		InitResultRelInfo(rri, rel, 1, NULL, 0);
		ExecOpenIndices(rri, false);
		columnar_scan_set_stripes(scan, chosen, nchosen);
		chosen = NULL;			/* the scan owns it now */
		while (columnar_scan_getnextslot(scan, ForwardScanDirection, slot))
		{
			ItemPointerData old_tid = slot->tts_tid;

			ResetPerTupleExprContext(estate);
			if (!columnar_move_row(rel, &old_tid, slot, cid))
				continue;
			if (rri->ri_NumIndices > 0)
				list_free(ExecInsertIndexTuples(rri, slot, estate, false, false, NULL, NIL));
			moved++;
		}
		columnar_finish_bulk_insert(rel, 0);
		ExecCloseIndices(rri);
		FreeExecutorState(estate);
		ExecDropSingleTupleTableSlot(slot);
		columnar_scan_end(scan);
		UnregisterSnapshot(snapshot);
		CommandCounterIncrement();
	}
	if (chosen != NULL)
		pfree(chosen);
	pfree(deleted);
	pfree(stripes);
	return moved;
}

void
columnar_vacuum(Relation rel, VacuumParams *params, BufferAccessStrategy bstrategy)
{
	uint64		storage_id = columnar_storage_id(rel);
	int			nstripes;
	ColumnarStripe *stripes;
	int64		rows = 0,
				deleted;
	List	   *indexes = RelationGetIndexList(rel);
	List	   *locks;

	stripes = columnar_list_stripes(storage_id, SnapshotSelf, &nstripes);
	for (int i = 0; i < nstripes; i++)
		rows += stripes[i].row_count;
	deleted = columnar_count_deleted(storage_id, stripes, nstripes, SnapshotSelf, NULL);
	pfree(stripes);

	locks = columnar_finished_row_locks(storage_id);
	if (locks != NIL)
	{
		start_writing();
		columnar_remove_row_locks(locks);
		list_free_deep(locks);
	}
	reclaim(rel, storage_id, (double) (rows - deleted), params, bstrategy);
	merge(rel, storage_id);
	truncate_tail(rel, storage_id);

	/* what is left, for the statistics */
	stripes = columnar_list_stripes(storage_id, SnapshotSelf, &nstripes);
	rows = 0;
	for (int i = 0; i < nstripes; i++)
		rows += stripes[i].row_count;
	deleted = columnar_count_deleted(storage_id, stripes, nstripes, SnapshotSelf, NULL);
	pfree(stripes);

	/* the pages hold no transaction ids: relfrozenxid moves up to the horizon */
	vac_update_relstats(rel, RelationGetNumberOfBlocks(rel), (double) (rows - deleted), 0,
						indexes != NIL, GetOldestNonRemovableTransactionId(rel),
						GetOldestMultiXactId(), NULL, NULL, false);
	pgstat_report_vacuum(RelationGetRelid(rel), rel->rd_rel->relisshared, rows - deleted,
						 deleted);
	list_free(indexes);
}
