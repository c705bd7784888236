/*
 * DELETE, UPDATE and row locks.
 *
 * A DELETE inserts a delete mark (columnar_delete.c); an UPDATE inserts the new version
 * through the write path, at a new row number, and a mark whose successor names it, as
 * the heap's non-HOT update links the old version's ctid to the new one.
 *
 * The durable state of a row is in heap rows whose xmin is the transaction that made
 * them, as the heap keeps it in a tuple's xmax: a delete mark (deleted or updated) and
 * row locks (omendb.columnar_row_lock, one per SELECT ... FOR UPDATE/SHARE). To change
 * or lock a row, a backend takes a heavyweight tuple lock on (relation, TID), which
 * makes looking at that state and adding to it one step, and looks:
 *  - a delete mark of a running transaction, or a conflicting row lock of one: let go
 *    of the tuple lock, wait for that transaction (XactLockTableWait), look again;
 *  - a committed delete mark: the row was updated (TM_Updated, with the successor's TID
 *    so that EvalPlanQual can follow it) or deleted (TM_Deleted);
 *  - a delete mark of this transaction: TM_SelfModified, with the command that made it;
 *  - otherwise the row is ours: insert the mark or the row lock, let go of the tuple
 *    lock. Others now find that row and wait for us.
 * The tuple lock is held only for that step, never while waiting, so locking or
 * deleting millions of rows takes no lock-table space per row; no buffer lock is held
 * while it is taken.
 */
#include "columnar.h"

#include "access/xact.h"
#include "catalog/pg_publication.h"
#include "pgstat.h"
#include "storage/lmgr.h"

static void
row_lock_unavailable(Relation rel)
{
	ereport(ERROR,
			(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
			 errmsg("could not obtain lock on row in relation \"%s\"",
					RelationGetRelationName(rel))));
}

/*
 * Waits until row can be locked in mode (or deleted: LockTupleExclusive) unless it is
 * deleted or updated. On TM_Ok the tuple lock is held, for the caller to record its
 * lock or mark and then release; *held says whether this transaction holds such a row
 * lock already. Otherwise the tuple lock is not held and tmfd says by whom and where
 * the row went.
 */
static TM_Result
lock_row(Relation rel, uint64 storage_id, uint64 row, LockTupleMode mode,
		 LockWaitPolicy policy, XLTW_Oper oper, bool *held, TM_FailureData *tmfd)
{
	ItemPointerData tid;
	ColumnarMark mark;

	columnar_row_to_tid(row, &tid);
	for (;;)
	{
		TransactionId wait_for;

		if (policy == LockWaitBlock)
			LockTuple(rel, &tid, ExclusiveLock);
		else if (!ConditionalLockTuple(rel, &tid, ExclusiveLock))
		{
			if (policy == LockWaitSkip)
				return TM_WouldBlock;
			row_lock_unavailable(rel);
		}
		if (columnar_find_mark(storage_id, row, &mark))
		{
			if (!mark.in_progress)
				break;
			wait_for = mark.xmin;
		}
		else
		{
			wait_for = columnar_conflicting_locker(storage_id, row, mode, held);
			if (!TransactionIdIsValid(wait_for))
				return TM_Ok;
		}
		UnlockTuple(rel, &tid, ExclusiveLock);
		if (policy == LockWaitSkip)
			return TM_WouldBlock;
		if (policy == LockWaitError)
			row_lock_unavailable(rel);
		XactLockTableWait(wait_for, rel, &tid, oper);
	}

	UnlockTuple(rel, &tid, ExclusiveLock);
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
	probe = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsColumnar);
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
	bool		held;
	PublicationDesc pubdesc;
	TM_Result	result;

	/* nothing here is logged for logical decoding: refuse rather than not replicate */
	RelationBuildPublicationDesc(rel, &pubdesc);
	if (newslot != NULL ? pubdesc.pubactions.pubupdate : pubdesc.pubactions.pubdelete)
		columnar_unsupported("logical replication (the table is in a publication)");
	result = lock_row(rel, storage_id, row, LockTupleExclusive,
					  wait ? LockWaitBlock : LockWaitSkip, oper, &held, tmfd);
	if (result != TM_Ok)
		return result;
	if (crosscheck_fails(rel, tid, crosscheck))
	{
		UnlockTuple(rel, tid, ExclusiveLock);
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
	UnlockTuple(rel, tid, ExclusiveLock);
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
 * VACUUM's merge: moves the row at tid to a new row number, as an UPDATE to the same
 * values would, unless another transaction holds or changed it (then it stays where it
 * is and this returns false). slot holds the row and gets the new TID.
 */
bool
columnar_move_row(Relation rel, ItemPointer tid, TupleTableSlot *slot, CommandId cid)
{
	TM_FailureData tmfd;

	return delete_row(rel, tid, slot, cid, InvalidSnapshot, false, &tmfd,
					  COLUMNAR_NO_SUCCESSOR, XLTW_Update) == TM_Ok;
}

/*
 * SELECT ... FOR UPDATE/SHARE, foreign-key checks, and EvalPlanQual's lock of the
 * latest version: with TUPLE_LOCK_FLAG_FIND_LAST_VERSION an updated row is followed to
 * its successor (tid is set to it), which is locked and returned in slot.
 */
TM_Result
columnar_tuple_lock(Relation rel, ItemPointer tid, Snapshot snapshot, TupleTableSlot *slot,
					CommandId cid, LockTupleMode mode, LockWaitPolicy wait_policy, uint8 flags,
					TM_FailureData *tmfd)
{
	uint64		storage_id = columnar_storage_id(rel);
	TM_Result	result;
	bool		held;

	tmfd->traversed = false;
	for (;;)
	{
		result = lock_row(rel, storage_id, columnar_tid_to_row(tid), mode, wait_policy,
						  XLTW_Lock, &held, tmfd);
		if (result != TM_Updated || !(flags & TUPLE_LOCK_FLAG_FIND_LAST_VERSION))
			break;
		*tid = tmfd->ctid;
		tmfd->traversed = true;
	}
	if (result != TM_Ok)
		return result;
	/* no one deleted the row: read it whatever the snapshot says */
	if (!columnar_fetch_row_version(rel, tid, SnapshotAny, slot))
	{
		UnlockTuple(rel, tid, ExclusiveLock);
		return TM_Invisible;
	}
	if (!held)
		columnar_insert_row_lock(storage_id, columnar_tid_to_row(tid), mode);
	UnlockTuple(rel, tid, ExclusiveLock);
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
