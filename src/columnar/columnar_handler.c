/*
 * The columnar table access method's handler: the callback table, storage lifecycle
 * (CREATE, TRUNCATE, DROP, SET TABLESPACE, VACUUM FULL), planner estimates, the hooks
 * that keep columnar tables out of parallel plans and the metadata in step with drops, and
 * the errors for what this version does not do.
 */
#include "columnar.h"

#include "access/multixact.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/storage.h"
#include "commands/defrem.h"
#include "commands/vacuum.h"
#include "optimizer/paths.h"
#include "optimizer/plancat.h"
#include "pgstat.h"
#include "storage/procarray.h"
#include "storage/smgr.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

PG_FUNCTION_INFO_V1(columnar_handler);
PG_FUNCTION_INFO_V1(columnar_load);

static const TableAmRoutine columnar_methods;
static get_relation_info_hook_type next_get_relation_info_hook = NULL;
static set_rel_pathlist_hook_type next_set_rel_pathlist_hook = NULL;
static object_access_hook_type next_object_access_hook = NULL;

void
columnar_unsupported(const char *feature)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("columnar tables do not support %s yet", feature)));
}

/*
 * Columnar tables take no predicate locks, so a SERIALIZABLE transaction reading one
 * could miss a read/write conflict through it: such reads are refused rather than given
 * REPEATABLE READ's weaker guarantee silently. Writes need no check: a conflict through
 * a columnar table always has a reader of it on one side.
 */
void
columnar_check_isolation(Snapshot snapshot)
{
	if (snapshot != NULL && IsMVCCSnapshot(snapshot) && IsolationIsSerializable())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("columnar tables do not support SERIALIZABLE transactions yet"),
				 errhint("Read columnar tables in REPEATABLE READ or READ COMMITTED transactions.")));
}

bool
columnar_is_columnar(Relation rel)
{
	return rel->rd_tableam == &columnar_methods;
}

/* Opens a relation that SQL named as a columnar table, or says it is not one. */
Relation
columnar_open(Oid relid, LOCKMODE lockmode)
{
	Relation	rel = table_open(relid, lockmode);

	if (!columnar_is_columnar(rel))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a columnar table", RelationGetRelationName(rel))));
	return rel;
}

static Oid
columnar_am_oid(void)
{
	return get_table_am_oid("columnar", true);
}

static const TupleTableSlotOps *
columnar_slot_callbacks(Relation rel)
{
	return &TTSOpsColumnar;
}

/* ---- storage lifecycle ---- */

/*
 * CREATE TABLE, TRUNCATE and table rewrites give the relation new storage with a new
 * storage id. TRUNCATE (the relation still points at its old storage) carries the
 * options over and drops the old storage's metadata, transactionally like the file.
 */
static void
columnar_relation_set_new_filenode(Relation rel, const RelFileNode *newrnode,
								   char persistence, TransactionId *freezeXid,
								   MultiXactId *minmulti)
{
	uint64		storage_id;
	SMgrRelation srel;
	bool		replacing = !RelFileNodeEquals(rel->rd_node, *newrnode);

	if (persistence == RELPERSISTENCE_UNLOGGED)
		columnar_unsupported("UNLOGGED tables");

	storage_id = columnar_new_storage_id();
	/* no transaction ids are stored in columnar pages; these only bound the metadata */
	*freezeXid = RecentXmin;
	*minmulti = GetOldestMultiXactId();
	srel = RelationCreateStorage(*newrnode, persistence, true);
	columnar_init_storage(newrnode, srel, persistence, storage_id);
	smgrclose(srel);

	if (replacing)
	{
		uint64		old_id = columnar_storage_id(rel);
		ColumnarOptions opts;

		columnar_discard_writes(RelationGetRelid(rel));
		columnar_read_options(old_id, &opts);
		columnar_write_options(storage_id, &opts);
		columnar_forget_storage(old_id, false);
	}
}

/* TRUNCATE of a table created (or truncated) in this transaction: in place. */
static void
columnar_relation_nontransactional_truncate(Relation rel)
{
	uint64		storage_id = columnar_storage_id(rel);

	columnar_discard_writes(RelationGetRelid(rel));
	columnar_forget_storage(storage_id, true);
	columnar_cache_forget(storage_id);
	columnar_reset_storage(rel, storage_id);
}

/* ALTER TABLE ... SET TABLESPACE: the pages move as they are, storage id and all. */
static void
columnar_relation_copy_data(Relation rel, const RelFileNode *newrnode)
{
	SMgrRelation dst;

	FlushRelationBuffers(rel);
	dst = RelationCreateStorage(*newrnode, rel->rd_rel->relpersistence, true);
	RelationCopyStorage(RelationGetSmgr(rel), dst, MAIN_FORKNUM,
						rel->rd_rel->relpersistence);
	RelationDropStorage(rel);
	smgrclose(dst);
}

static uint64
columnar_relation_size(Relation rel, ForkNumber forkNumber)
{
	return table_block_relation_size(rel, forkNumber);
}

static bool
columnar_relation_needs_toast_table(Relation rel)
{
	return false;
}

/* Rows from the metadata (committed and this transaction's), pages from the file. */
static void
columnar_relation_estimate_size(Relation rel, int32 *attr_widths, BlockNumber *pages,
								double *tuples, double *allvisfrac)
{
	*pages = RelationGetNumberOfBlocks(rel);
	*tuples = (double) columnar_count_rows(rel, SnapshotSelf);
	*allvisfrac = 0;
}

/* ---- tuple-level callbacks with nothing to do ---- */

static bool
columnar_tuple_tid_valid(TableScanDesc scan, ItemPointer tid)
{
	return ItemPointerIsValid(tid) && ItemPointerGetOffsetNumber(tid) <= MaxHeapTuplesPerPage;
}

/*
 * Index entries of deleted rows are removed by VACUUM (columnar_vacuum.c), not by
 * btree's bottom-up deletion: none is offered as deletable here.
 */
static TransactionId
columnar_index_delete_tuples(Relation rel, TM_IndexDeleteOp *delstate)
{
	delstate->ndeltids = 0;
	return InvalidTransactionId;
}

/* ---- not supported yet ---- */

static Size
columnar_parallelscan_estimate(Relation rel)
{
	columnar_unsupported("parallel scans");
}

static Size
columnar_parallelscan_initialize(Relation rel, ParallelTableScanDesc pscan)
{
	columnar_unsupported("parallel scans");
}

static void
columnar_parallelscan_reinitialize(Relation rel, ParallelTableScanDesc pscan)
{
	columnar_unsupported("parallel scans");
}

static void
columnar_tuple_insert_speculative(Relation rel, TupleTableSlot *slot, CommandId cid,
								  int options, struct BulkInsertStateData *bistate,
								  uint32 specToken)
{
	columnar_unsupported("INSERT ... ON CONFLICT");
}

static void
columnar_tuple_complete_speculative(Relation rel, TupleTableSlot *slot, uint32 specToken,
									bool succeeded)
{
	columnar_unsupported("INSERT ... ON CONFLICT");
}

/*
 * VACUUM FULL: the rows go into the new storage as full stripes, in row order, with the
 * table's options; the indexes are rebuilt afterwards. No other transaction can be
 * writing (AccessExclusiveLock), so the rows SnapshotSelf sees (committed or ours, not
 * deleted by a committed or our own mark) are exactly the set to keep. Like the other
 * table rewrites it is not MVCC-safe: an older snapshot sees the table empty after it.
 * CLUSTER, which orders by an index, is not supported.
 */
static void
columnar_relation_copy_for_cluster(Relation OldTable, Relation NewTable, Relation OldIndex,
								   bool use_sort, TransactionId OldestXmin,
								   TransactionId *xid_cutoff, MultiXactId *multi_cutoff,
								   double *num_tuples, double *tups_vacuumed,
								   double *tups_recently_dead)
{
	ColumnarOptions opts;
	TableScanDesc scan;
	TupleTableSlot *slot;
	CommandId	cid = GetCurrentCommandId(true);

	if (OldIndex != NULL || use_sort)
		columnar_unsupported("CLUSTER");
	columnar_read_options(columnar_storage_id(OldTable), &opts);
	columnar_write_options(columnar_storage_id(NewTable), &opts);

	*num_tuples = *tups_vacuumed = *tups_recently_dead = 0;
	scan = columnar_scan_begin(OldTable, SnapshotSelf, 0, NULL, NULL,
							   SO_TYPE_SEQSCAN | SO_ALLOW_STRAT);
	slot = table_slot_create(OldTable, NULL);
	while (columnar_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		columnar_write_row(NewTable, slot, cid);
		*num_tuples += 1;
	}
	ExecDropSingleTupleTableSlot(slot);
	columnar_scan_end(scan);
	columnar_finish_bulk_insert(NewTable, 0);
}

static bool
columnar_scan_sample_next_block(TableScanDesc scan, struct SampleScanState *scanstate)
{
	columnar_unsupported("TABLESAMPLE");
}

static bool
columnar_scan_sample_next_tuple(TableScanDesc scan, struct SampleScanState *scanstate,
								TupleTableSlot *slot)
{
	columnar_unsupported("TABLESAMPLE");
}

static const TableAmRoutine columnar_methods = {
	.type = T_TableAmRoutine,
	.slot_callbacks = columnar_slot_callbacks,
	.scan_begin = columnar_scan_begin,
	.scan_end = columnar_scan_end,
	.scan_rescan = columnar_scan_rescan,
	.scan_getnextslot = columnar_scan_getnextslot,
	.parallelscan_estimate = columnar_parallelscan_estimate,
	.parallelscan_initialize = columnar_parallelscan_initialize,
	.parallelscan_reinitialize = columnar_parallelscan_reinitialize,
	.index_fetch_begin = columnar_index_fetch_begin,
	.index_fetch_reset = columnar_index_fetch_reset,
	.index_fetch_end = columnar_index_fetch_end,
	.index_fetch_tuple = columnar_index_fetch_tuple,
	.tuple_fetch_row_version = columnar_fetch_row_version,
	.tuple_tid_valid = columnar_tuple_tid_valid,
	.tuple_get_latest_tid = columnar_tuple_get_latest_tid,
	.tuple_satisfies_snapshot = columnar_tuple_satisfies_snapshot,
	.index_delete_tuples = columnar_index_delete_tuples,
	.tuple_insert = columnar_tuple_insert,
	.tuple_insert_speculative = columnar_tuple_insert_speculative,
	.tuple_complete_speculative = columnar_tuple_complete_speculative,
	.multi_insert = columnar_multi_insert,
	.tuple_delete = columnar_tuple_delete,
	.tuple_update = columnar_tuple_update,
	.tuple_lock = columnar_tuple_lock,
	.finish_bulk_insert = columnar_finish_bulk_insert,
	.relation_set_new_filenode = columnar_relation_set_new_filenode,
	.relation_nontransactional_truncate = columnar_relation_nontransactional_truncate,
	.relation_copy_data = columnar_relation_copy_data,
	.relation_copy_for_cluster = columnar_relation_copy_for_cluster,
	.relation_vacuum = columnar_vacuum,
	.scan_analyze_next_block = columnar_scan_analyze_next_block,
	.scan_analyze_next_tuple = columnar_scan_analyze_next_tuple,
	.index_build_range_scan = columnar_index_build_range_scan,
	.index_validate_scan = columnar_index_validate_scan,
	.relation_size = columnar_relation_size,
	.relation_needs_toast_table = columnar_relation_needs_toast_table,
	.relation_estimate_size = columnar_relation_estimate_size,
	.scan_sample_next_block = columnar_scan_sample_next_block,
	.scan_sample_next_tuple = columnar_scan_sample_next_tuple,
};

Datum
columnar_handler(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(&columnar_methods);
}

/* ---- hooks ---- */

/*
 * No part of a parallel plan may read a columnar table: there is no parallel scan, and
 * a worker would not see the rows the leader still buffers. Zero parallel workers
 * keeps CREATE INDEX from planning a parallel build (plan_create_index_workers asks
 * get_relation_info); marking the relation not parallel-safe once its paths are made
 * keeps it out of partial paths and out of joins below a Gather.
 */
static void
columnar_get_relation_info(PlannerInfo *root, Oid relid, bool inhparent, RelOptInfo *rel)
{
	Relation	r;

	if (next_get_relation_info_hook)
		next_get_relation_info_hook(root, relid, inhparent, rel);
	r = table_open(relid, NoLock);
	if (columnar_is_columnar(r))
		rel->rel_parallel_workers = 0;
	table_close(r, NoLock);
}

static void
columnar_set_rel_pathlist(PlannerInfo *root, RelOptInfo *rel, Index rti, RangeTblEntry *rte)
{
	if (next_set_rel_pathlist_hook)
		next_set_rel_pathlist_hook(root, rel, rti, rte);
	if (rte->rtekind == RTE_RELATION)
	{
		Relation	r = table_open(rte->relid, NoLock);

		if (columnar_is_columnar(r))
		{
			rel->consider_parallel = false;
			rel->partial_pathlist = NIL;
			columnar_customscan_paths(root, rel, r);
		}
		table_close(r, NoLock);
	}
}

/*
 * A dropped columnar relation takes its metadata rows with it. The relation still
 * exists here (OAT_DROP comes first), so its metapage names the storage. A table
 * rewrite drops the transient relation that by then holds the old storage, so this
 * is also what cleans up after ALTER TABLE ... SET ACCESS METHOD and type changes.
 */
static void
columnar_object_access(ObjectAccessType access, Oid classId, Oid objectId, int subId,
					   void *arg)
{
	HeapTuple	tup;
	Oid			am = InvalidOid;
	char		relkind = 0;

	if (next_object_access_hook)
		next_object_access_hook(access, classId, objectId, subId, arg);
	if (access != OAT_DROP || classId != RelationRelationId || subId != 0)
		return;
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(objectId));
	if (HeapTupleIsValid(tup))
	{
		am = ((Form_pg_class) GETSTRUCT(tup))->relam;
		relkind = ((Form_pg_class) GETSTRUCT(tup))->relkind;
		ReleaseSysCache(tup);
	}
	if ((relkind == RELKIND_RELATION || relkind == RELKIND_MATVIEW) &&
		OidIsValid(am) && am == columnar_am_oid())
	{
		Relation	rel = relation_open(objectId, AccessExclusiveLock);

		columnar_discard_writes(objectId);
		columnar_forget_storage(columnar_storage_id(rel), false);
		relation_close(rel, NoLock);
	}
}

/*
 * An event trigger at the start of DROP commands calls this, so that the library, and
 * with it the drop hook above, is loaded before anything is dropped, even in a backend
 * that never touched a columnar table before.
 */
Datum
columnar_load(PG_FUNCTION_ARGS)
{
	PG_RETURN_NULL();
}

void
columnar_init(void)
{
	next_get_relation_info_hook = get_relation_info_hook;
	get_relation_info_hook = columnar_get_relation_info;
	next_set_rel_pathlist_hook = set_rel_pathlist_hook;
	set_rel_pathlist_hook = columnar_set_rel_pathlist;
	next_object_access_hook = object_access_hook;
	object_access_hook = columnar_object_access;
	columnar_register_xact_callbacks();
	columnar_customscan_init();
	columnar_cache_init();
	columnar_agg_init();
}
