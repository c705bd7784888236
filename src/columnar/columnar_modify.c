/*
 * DELETE, UPDATE and row locks.
 *
 * A DELETE inserts a delete mark (columnar_delete.c); an UPDATE inserts the new version
 * through the write path, at a new row number, and a mark whose successor names it, as
 * the heap's non-HOT update links the old version's ctid to the new one.
 *
 * Locking a row takes a heavyweight tuple lock on (relation, TID) in the mode the heap
 * would use for the same row-lock strength, then looks for a live mark:
 *  - none: the row is ours to delete or lock;
 *  - one of a running transaction: let go of the tuple lock, wait for that transaction
 *    (XactLockTableWait on the mark's xmin), and look again;
 *  - a committed one: the row was updated (TM_Updated, with the successor's TID so that
 *    EvalPlanQual can follow it) or deleted (TM_Deleted);
 *  - one of this transaction: TM_SelfModified, with the command that made it.
 * DELETE and UPDATE hold the tuple lock only while they check and insert the mark: from
 * then on the mark, with its running xmin, is what others wait for, and a statement
 * deleting a million rows does not fill the lock table. SELECT ... FOR UPDATE/SHARE
 * keeps the tuple lock until its transaction ends: that lock is the row lock, and the
 * lock manager gives waiting, the modes' conflicts and deadlock detection.
 */
#include "columnar.h"

#include "access/xact.h"
#include "pgstat.h"
#include "storage/lmgr.h"

/* The heavyweight lock mode per LockTupleMode, exactly as the heap maps them. */
static const LOCKMODE tuple_lock_mode[] = {
	[LockTupleKeyShare] = AccessShareLock,
	[LockTupleShare] = RowShareLock,
	[LockTupleNoKeyExclusive] = ExclusiveLock,
	[LockTupleExclusive] = AccessExclusiveLock,
};

static void
row_lock_unavailable(Relation rel)
{
	ereport(ERROR,
			(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
			 errmsg("could not obtain lock on row in relation \"%s\"",
					RelationGetRelationName(rel))));
}

/*
 * Locks row in mode unless it is deleted or updated; on TM_Ok the tuple lock is held,
 * otherwise it is not and tmfd says by whom and where the row went.
 */
static TM_Result
lock_row(Relation rel, uint64 storage_id, uint64 row, LOCKMODE mode, LockWaitPolicy policy,
		 XLTW_Oper oper, TM_FailureData *tmfd)
{
	ItemPointerData tid;
	ColumnarMark mark;

	columnar_row_to_tid(row, &tid);
	for (;;)
	{
		if (policy == LockWaitBlock)
			LockTuple(rel, &tid, mode);
		else if (!ConditionalLockTuple(rel, &tid, mode))
		{
			if (policy == LockWaitSkip)
				return TM_WouldBlock;
			row_lock_unavailable(rel);
		}
		if (!columnar_find_mark(storage_id, row, &mark))
			return TM_Ok;
		UnlockTuple(rel, &tid, mode);
		if (!mark.in_progress)
			break;
		if (policy == LockWaitSkip)
			return TM_WouldBlock;
		if (policy == LockWaitError)
			row_lock_unavailable(rel);
		XactLockTableWait(mark.xmin, rel, &tid, oper);
	}

	tmfd->xmax = mark.xmin;
	tmfd->cmax = mark.own ? mark.cmin : InvalidCommandId;
	if (mark.successor >= 0)
		columnar_row_to_tid((uint64) mark.successor, &tmfd->ctid);
	else if (mark.successor == COLUMNAR_MOVED_PARTITION)
		ItemPointerSetMovedPartitions(&tmfd->ctid);
	else
		tmfd->ctid = tid;
	if (mark.own)
		return TM_SelfModified;
	return mark.successor == COLUMNAR_NO_SUCCESSOR ? TM_Deleted : TM_Updated;
}

/*
 * A REPEATABLE READ foreign-key check passes a crosscheck snapshot: a row it does not
 * see counts as concurrently updated, as on heap.
 */
static bool
crosscheck_fails(Relation rel, ItemPointer tid, Snapshot crosscheck)
{
	TupleTableSlot *probe;
	bool		visible;

	if (crosscheck == InvalidSnapshot)
		return false;
	probe = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsVirtual);
	visible = columnar_fetch_row_version(rel, tid, crosscheck, probe);
	ExecDropSingleTupleTableSlot(probe);
	return !visible;
}

/* Deletes the row at tid, marking successor as its new version; releases the lock. */
static TM_Result
delete_row(Relation rel, ItemPointer tid, TupleTableSlot *newslot, CommandId cid,
		   Snapshot crosscheck, bool wait, TM_FailureData *tmfd, int64 successor,
		   XLTW_Oper oper)
{
	uint64		storage_id = columnar_storage_id(rel);
	uint64		row = columnar_tid_to_row(tid);
	LOCKMODE	mode = tuple_lock_mode[LockTupleExclusive];
	TM_Result	result = lock_row(rel, storage_id, row, mode,
								  wait ? LockWaitBlock : LockWaitSkip, oper, tmfd);

	if (result != TM_Ok)
		return result;
	if (crosscheck_fails(rel, tid, crosscheck))
	{
		UnlockTuple(rel, tid, mode);
		tmfd->ctid = *tid;
		tmfd->xmax = InvalidTransactionId;
		tmfd->cmax = InvalidCommandId;
		return TM_Updated;
	}
	if (newslot != NULL)
	{
		columnar_write_row(rel, newslot, cid);
		successor = (int64) columnar_tid_to_row(&newslot->tts_tid);
	}
	columnar_insert_mark(storage_id, row, successor, cid);
	UnlockTuple(rel, tid, mode);
	return TM_Ok;
}

TM_Result
columnar_tuple_delete(Relation rel, ItemPointer tid, CommandId cid, Snapshot snapshot,
					  Snapshot crosscheck, bool wait, TM_FailureData *tmfd, bool changingPart)
{
	TM_Result	result = delete_row(rel, tid, NULL, cid, crosscheck, wait, tmfd,
									changingPart ? COLUMNAR_MOVED_PARTITION :
									COLUMNAR_NO_SUCCESSOR, XLTW_Delete);

	if (result == TM_Ok)
		pgstat_count_heap_delete(rel);
	return result;
}

/*
 * The new version always gets a new row number and new index entries. Every update
 * locks as one that changes key columns would (LockTupleExclusive): a foreign-key
 * check's FOR KEY SHARE blocks any update of the row, a little more than on heap.
 */
TM_Result
columnar_tuple_update(Relation rel, ItemPointer otid, TupleTableSlot *slot, CommandId cid,
					  Snapshot snapshot, Snapshot crosscheck, bool wait,
					  TM_FailureData *tmfd, LockTupleMode *lockmode, bool *update_indexes)
{
	TM_Result	result;

	*lockmode = LockTupleExclusive;
	*update_indexes = false;
	result = delete_row(rel, otid, slot, cid, crosscheck, wait, tmfd, COLUMNAR_NO_SUCCESSOR,
						XLTW_Update);
	if (result == TM_Ok)
	{
		*update_indexes = true;
		pgstat_count_heap_update(rel, false);
	}
	return result;
}

/*
 * SELECT ... FOR UPDATE/SHARE, and EvalPlanQual's lock of the latest version: with
 * TUPLE_LOCK_FLAG_FIND_LAST_VERSION an updated row is followed to its successor (tid
 * is set to it), which is locked and returned in slot.
 */
TM_Result
columnar_tuple_lock(Relation rel, ItemPointer tid, Snapshot snapshot, TupleTableSlot *slot,
					CommandId cid, LockTupleMode mode, LockWaitPolicy wait_policy, uint8 flags,
					TM_FailureData *tmfd)
{
	uint64		storage_id = columnar_storage_id(rel);
	TM_Result	result;

	tmfd->traversed = false;
	for (;;)
	{
		result = lock_row(rel, storage_id, columnar_tid_to_row(tid), tuple_lock_mode[mode],
						  wait_policy, XLTW_Lock, tmfd);
		if (result != TM_Updated || !(flags & TUPLE_LOCK_FLAG_FIND_LAST_VERSION))
			break;
		*tid = tmfd->ctid;
		tmfd->traversed = true;
	}
	if (result != TM_Ok)
		return result;
	/* the row exists and no one deleted it: read it whatever the snapshot says */
	if (!columnar_fetch_row_version(rel, tid, SnapshotAny, slot))
	{
		UnlockTuple(rel, tid, tuple_lock_mode[mode]);
		return TM_Invisible;
	}
	return TM_Ok;
}

/* The TID of the newest committed (or this transaction's) version of a row. */
void
columnar_tuple_get_latest_tid(TableScanDesc scan, ItemPointer tid)
{
	uint64		storage_id = columnar_storage_id(scan->rs_rd);
	ColumnarMark mark;

	while (columnar_find_mark(storage_id, columnar_tid_to_row(tid), &mark) &&
		   !mark.in_progress && mark.successor >= 0)
		columnar_row_to_tid((uint64) mark.successor, tid);
}
