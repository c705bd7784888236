/*
 * The read path: sequential scans, index fetches and ANALYZE sampling, all through a
 * reader that keeps the current stripe's directory and one decoded chunk group, so
 * consecutive rows of a group (a scan, or an index scan over clustered keys) decompress
 * it once.
 *
 * Values of a decoded group live in the reader's memory until it moves to another
 * group: slots filled from it are virtual and valid until the next call, like a heap
 * scan's buffer slots are until the next tuple.
 *
 * Every row a reader returns has passed reader_row_deleted: the delete marks of its
 * group, loaded once per group and snapshot (columnar_delete.c).
 */
#include "columnar.h"

#include "access/xact.h"
#include "storage/proc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

static void
columnar_reader_init(ColumnarReader *reader, Relation rel, BufferAccessStrategy strategy)
{
	memset(reader, 0, sizeof(*reader));
	reader->rel = rel;
	reader->storage_id = columnar_storage_id(rel);
	reader->strategy = strategy;
	reader->stripe_cxt = AllocSetContextCreate(CurrentMemoryContext, "columnar stripe",
											   ALLOCSET_DEFAULT_SIZES);
	reader->group_cxt = AllocSetContextCreate(CurrentMemoryContext, "columnar chunk group",
											  ALLOCSET_DEFAULT_SIZES);
	reader->delete_cxt = AllocSetContextCreate(CurrentMemoryContext, "columnar deleted rows",
											   ALLOCSET_SMALL_SIZES);
	reader->group = -1;
}

static void
columnar_reader_free(ColumnarReader *reader)
{
	MemoryContextDelete(reader->stripe_cxt);
	MemoryContextDelete(reader->group_cxt);
	MemoryContextDelete(reader->delete_cxt);
}

/*
 * Whether row is deleted for snapshot. The marks of the row's decoded group (or of the
 * row alone, when it is not in the decoded group) are loaded once and kept for the
 * same snapshot and command; a dirty snapshot loads every time, because it reports
 * a running deleter through the snapshot itself.
 */
static bool
reader_row_deleted(ColumnarReader *reader, uint64 row, Snapshot snapshot)
{
	ColumnarDeleteSet *set = &reader->deletes;
	ColumnarGroup *d = &reader->decoded;

	if (snapshot->snapshot_type == SNAPSHOT_ANY)
		return false;
	if (snapshot->snapshot_type == SNAPSHOT_DIRTY || reader->deletes_snapshot != snapshot ||
		reader->deletes_cid != snapshot->curcid ||
		row < set->first_row || row - set->first_row >= set->nrows)
	{
		MemoryContext old;
		bool		in_group = reader->group >= 0 && row >= d->first_row &&
			row - d->first_row < (uint64) d->nrows;

		MemoryContextReset(reader->delete_cxt);
		old = MemoryContextSwitchTo(reader->delete_cxt);
		columnar_load_deletes(reader->storage_id, in_group ? d->first_row : row,
							  in_group ? d->nrows : 1, snapshot, set);
		MemoryContextSwitchTo(old);
		reader->deletes_snapshot = snapshot;
		reader->deletes_cid = snapshot->curcid;
	}
	return columnar_row_deleted(set, row);
}

/* Bytes of the current stripe: from its pages, or from memory if not written yet. */
static void
stripe_bytes(ColumnarReader *reader, uint64 offset, Size len, char *dest)
{
	if (reader->stripe.mem != NULL)
	{
		if (offset + len > (uint64) reader->stripe.stored_bytes)
			elog(ERROR, "read past the end of an unwritten columnar stripe");
		memcpy(dest, reader->stripe.mem + offset, len);
	}
	else
		columnar_read_bytes(reader->rel, reader->stripe.first_block, offset, len, dest,
							reader->strategy);
}

static void
corrupt_stripe(ColumnarReader *reader, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("columnar relation \"%s\": stripe at row %llu starting at block %lld: %s",
					RelationGetRelationName(reader->rel),
					(unsigned long long) reader->stripe.first_row,
					(long long) reader->stripe.first_block, what)));
}

/* Reads a stripe's header and directory. */
static void
columnar_reader_set_stripe(ColumnarReader *reader, const ColumnarStripe *stripe)
{
	ColumnarStripeHeader header;
	MemoryContext old;
	char	   *dir,
			   *p,
			   *end;

	MemoryContextReset(reader->stripe_cxt);
	MemoryContextReset(reader->group_cxt);
	reader->group = -1;
	reader->stripe = *stripe;
	reader->have_stripe = true;

	stripe_bytes(reader, 0, sizeof(header), (char *) &header);
	if (header.magic != COLUMNAR_STRIPE_MAGIC || header.row_count != (uint64) stripe->row_count ||
		header.chunk_group_count != (uint32) stripe->chunk_group_count ||
		header.natts > (uint32) MaxHeapAttributeNumber)
		corrupt_stripe(reader, "header does not match its metadata");
	old = MemoryContextSwitchTo(reader->stripe_cxt);
	dir = palloc(header.directory_bytes);
	stripe_bytes(reader, sizeof(header), header.directory_bytes, dir);
	reader->natts = header.natts;
	reader->data_start = sizeof(header) + header.directory_bytes;
	reader->group_rows = palloc(header.chunk_group_count * sizeof(uint32));
	reader->entries = palloc(header.chunk_group_count * sizeof(ColumnarChunkEntry *));
	p = dir;
	end = dir + header.directory_bytes;
	for (uint32 g = 0; g < header.chunk_group_count; g++)
	{
		if (p + sizeof(uint32) > end)
			corrupt_stripe(reader, "directory too short");
		memcpy(&reader->group_rows[g], p, sizeof(uint32));
		p += sizeof(uint32);
		reader->entries[g] = palloc(Max(header.natts, 1) * sizeof(ColumnarChunkEntry));
		for (uint32 a = 0; a < header.natts; a++)
		{
			ColumnarChunkEntry *e = &reader->entries[g][a];

			if (p + sizeof(ColumnarChunkEntry) > end)
				corrupt_stripe(reader, "directory too short");
			memcpy(e, p, sizeof(ColumnarChunkEntry));
			/* min/max images are for chunk skipping; a plain scan steps over them */
			p += sizeof(ColumnarChunkEntry) + e->minmax_len;
		}
	}
	MemoryContextSwitchTo(old);
}

static void
decode_chunk(ColumnarReader *reader, Form_pg_attribute att, const ColumnarChunkEntry *e,
			 int n, Datum *values, bool *isnull)
{
	char	   *stored;
	char	   *raw;
	Size		off = 0;
	bits8	   *bitmap = NULL;

	if (e->flags & CHUNK_ALL_NULL)
	{
		memset(isnull, true, n * sizeof(bool));
		return;
	}
	stored = palloc(e->stored_len);
	stripe_bytes(reader, reader->data_start + e->offset, e->stored_len, stored);
	if (e->compression == COLUMNAR_COMPRESSION_NONE)
		raw = stored;
	else
	{
		raw = palloc(e->raw_len);
		columnar_decompress((ColumnarCompression) e->compression, stored, e->stored_len,
							raw, e->raw_len);
		pfree(stored);
	}
	if (e->flags & CHUNK_HAS_NULLS)
	{
		bitmap = (bits8 *) raw;
		off = MAXALIGN((n + 7) / 8);
	}
	for (int i = 0; i < n; i++)
	{
		if (bitmap != NULL && att_isnull(i, bitmap))
		{
			isnull[i] = true;
			values[i] = (Datum) 0;
			continue;
		}
		off = att_align_nominal(off, att->attalign);
		if (off >= e->raw_len)
			corrupt_stripe(reader, "chunk holds fewer values than its rows");
		isnull[i] = false;
		values[i] = fetchatt(att, raw + off);
		off = att_addlength_pointer(off, att->attlen, raw + off);
	}
	if (off > e->raw_len)
		corrupt_stripe(reader, "chunk values overrun the chunk");
}

/* Decodes every column of one chunk group of the current stripe. */
static void
columnar_reader_load_group(ColumnarReader *reader, int group, TupleDesc desc)
{
	ColumnarGroup *d = &reader->decoded;
	MemoryContext old;
	int			n = reader->group_rows[group];

	MemoryContextReset(reader->group_cxt);
	old = MemoryContextSwitchTo(reader->group_cxt);
	d->first_row = reader->stripe.first_row + (uint64) group * reader->group_rows[0];
	d->nrows = n;
	d->values = palloc(Max(desc->natts, 1) * sizeof(Datum *));
	d->isnull = palloc(Max(desc->natts, 1) * sizeof(bool *));
	for (int a = 0; a < desc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);

		d->values[a] = palloc(n * sizeof(Datum));
		d->isnull[a] = palloc(n * sizeof(bool));
		if (a < reader->natts && !att->attisdropped)
			decode_chunk(reader, att, &reader->entries[group][a], n, d->values[a], d->isnull[a]);
		else
		{
			/* a column added after the stripe was written reads as its default */
			bool		isnull;
			Datum		v = att->attisdropped ? (Datum) 0 : getmissingattr(desc, a + 1, &isnull);

			if (att->attisdropped)
				isnull = true;
			for (int i = 0; i < n; i++)
			{
				d->values[a][i] = v;
				d->isnull[a][i] = isnull;
			}
		}
	}
	MemoryContextSwitchTo(old);
	reader->group = group;
	reader->desc = desc;
}

/* Makes row the reader's current row; false if the current stripe does not hold it. */
static bool
columnar_reader_row(ColumnarReader *reader, uint64 row, TupleDesc desc)
{
	int			group;

	if (!reader->have_stripe || row < reader->stripe.first_row ||
		row >= reader->stripe.first_row + reader->stripe.row_count)
		return false;
	group = (int) ((row - reader->stripe.first_row) / reader->group_rows[0]);
	if (group != reader->group || desc != reader->desc)
		columnar_reader_load_group(reader, group, desc);
	return true;
}

static void
columnar_store_row(ColumnarReader *reader, uint64 row, TupleTableSlot *slot)
{
	ColumnarGroup *d = &reader->decoded;
	int			r = (int) (row - d->first_row);
	int			natts = slot->tts_tupleDescriptor->natts;

	ExecClearTuple(slot);
	for (int a = 0; a < natts; a++)
	{
		slot->tts_values[a] = d->values[a][r];
		slot->tts_isnull[a] = d->isnull[a][r];
	}
	ExecStoreVirtualTuple(slot);
	columnar_row_to_tid(row, &slot->tts_tid);
	slot->tts_tableOid = RelationGetRelid(reader->rel);
}

/* A row that exists but cannot be read yet: another writer's, for a unique check. */
static void
columnar_store_nulls(Relation rel, uint64 row, TupleTableSlot *slot)
{
	ExecStoreAllNullTuple(slot);
	columnar_row_to_tid(row, &slot->tts_tid);
	slot->tts_tableOid = RelationGetRelid(rel);
}

static int
stripe_cmp(const void *a, const void *b)
{
	uint64		x = ((const ColumnarStripe *) a)->first_row;
	uint64		y = ((const ColumnarStripe *) b)->first_row;

	return x < y ? -1 : x > y;
}

/*
 * The stripes a scan reads, in row order: the written ones the snapshot sees, and
 * this transaction's unwritten rows it sees. A non-MVCC snapshot sees committed
 * stripes and this transaction's; SnapshotAny would also see those of aborted
 * writers, which hold no rows anyone may see, so it reads as SnapshotSelf.
 */
static ColumnarStripe *
scan_stripes(Relation rel, Snapshot snapshot, int *n)
{
	List	   *unwritten = columnar_flush_for_read(rel,
													IsMVCCSnapshot(snapshot) ? snapshot->curcid : InvalidCommandId,
													true);
	ColumnarStripe *stripes;
	ListCell   *lc;

	if (snapshot->snapshot_type == SNAPSHOT_ANY)
		snapshot = SnapshotSelf;
	stripes = columnar_list_stripes(columnar_storage_id(rel), snapshot, n);
	if (unwritten == NIL)
		return stripes;
	stripes = repalloc(stripes, (*n + list_length(unwritten)) * sizeof(ColumnarStripe));
	foreach(lc, unwritten)
		stripes[(*n)++] = *(ColumnarStripe *) lfirst(lc);
	qsort(stripes, *n, sizeof(ColumnarStripe), stripe_cmp);
	return stripes;
}

uint64
columnar_count_rows(Relation rel, Snapshot snapshot)
{
	int			n;
	ColumnarStripe *stripes = columnar_list_stripes(columnar_storage_id(rel), snapshot, &n);
	uint64		rows = 0;

	for (int i = 0; i < n; i++)
		rows += stripes[i].row_count;
	pfree(stripes);
	return rows;
}

TableScanDesc
columnar_scan_begin(Relation rel, Snapshot snapshot, int nkeys, struct ScanKeyData *key,
					ParallelTableScanDesc pscan, uint32 flags)
{
	ColumnarScanDesc scan;

	if (pscan != NULL)
		columnar_unsupported("parallel scans");
	if (flags & SO_TYPE_SAMPLESCAN)
		columnar_unsupported("TABLESAMPLE");

	scan = palloc0(sizeof(ColumnarScanDescData));
	scan->base.rs_rd = rel;
	scan->base.rs_nkeys = nkeys;
	scan->base.rs_key = key;
	scan->base.rs_flags = flags;
	if (snapshot == NULL)
	{
		/* ANALYZE passes none: it samples what a new snapshot sees */
		snapshot = RegisterSnapshot(GetTransactionSnapshot());
		scan->base.rs_flags |= SO_TEMP_SNAPSHOT;
	}
	scan->base.rs_snapshot = snapshot;
	columnar_reader_init(&scan->reader, rel,
						 (flags & SO_ALLOW_STRAT) ? GetAccessStrategy(BAS_BULKREAD) : NULL);
	scan->stripes = scan_stripes(rel, snapshot, &scan->nstripes);
	return &scan->base;
}

void
columnar_scan_end(TableScanDesc sscan)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;

	if (scan->reader.strategy != NULL)
		FreeAccessStrategy(scan->reader.strategy);
	columnar_reader_free(&scan->reader);
	if (sscan->rs_flags & SO_TEMP_SNAPSHOT)
		UnregisterSnapshot(sscan->rs_snapshot);
	pfree(scan->stripes);
	pfree(scan);
}

void
columnar_scan_rescan(TableScanDesc sscan, struct ScanKeyData *key, bool set_params,
					 bool allow_strat, bool allow_sync, bool allow_pagemode)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;

	scan->next_stripe = 0;
	scan->reader.have_stripe = false;
	scan->reader.group = -1;
}

/* For index builds: whether a row the scan returned is deleted for another snapshot. */
bool
columnar_scan_row_deleted(TableScanDesc sscan, uint64 row, Snapshot snapshot)
{
	return reader_row_deleted(&((ColumnarScanDesc) sscan)->reader, row, snapshot);
}

/* For VACUUM: the scan reads only these stripes (in row order) from the start. */
void
columnar_scan_set_stripes(TableScanDesc sscan, ColumnarStripe *stripes, int n)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;

	pfree(scan->stripes);
	scan->stripes = stripes;
	scan->nstripes = n;
	columnar_scan_rescan(sscan, NULL, false, false, false, false);
}

bool
columnar_scan_getnextslot(TableScanDesc sscan, ScanDirection direction, TupleTableSlot *slot)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;
	ColumnarReader *reader = &scan->reader;

	if (ScanDirectionIsBackward(direction))
		columnar_unsupported("backward scans");
	for (;;)
	{
		if (reader->group >= 0 && reader->desc != slot->tts_tupleDescriptor)
			columnar_reader_load_group(reader, reader->group, slot->tts_tupleDescriptor);
		while (reader->group >= 0 &&
			   scan->next_row < reader->decoded.first_row + reader->decoded.nrows)
		{
			uint64		row = scan->next_row++;

			if (reader_row_deleted(reader, row, sscan->rs_snapshot))
				continue;
			columnar_store_row(reader, row, slot);
			return true;
		}
		if (reader->have_stripe && reader->group + 1 < reader->stripe.chunk_group_count)
			columnar_reader_load_group(reader, reader->group + 1, slot->tts_tupleDescriptor);
		else if (scan->next_stripe < scan->nstripes)
		{
			columnar_reader_set_stripe(reader, &scan->stripes[scan->next_stripe++]);
			columnar_reader_load_group(reader, 0, slot->tts_tupleDescriptor);
		}
		else
		{
			ExecClearTuple(slot);
			return false;
		}
		scan->next_row = reader->decoded.first_row;
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * ANALYZE samples physical blocks, which do not hold rows here; block b of N stands
 * for the b-th of N equal slices of the row numbers instead, so that rows found per
 * sampled block times N still estimates the row count.
 */
bool
columnar_scan_analyze_next_block(TableScanDesc sscan, BlockNumber blockno,
								 BufferAccessStrategy bstrategy)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;

	if (scan->rows_per_block == 0)
	{
		ColumnarStripe *last = scan->nstripes > 0 ? &scan->stripes[scan->nstripes - 1] : NULL;
		uint64		end = last ? last->first_row + last->row_count : 0;
		BlockNumber nblocks = RelationGetNumberOfBlocks(sscan->rs_rd);

		scan->rows_per_block = nblocks > 0 ? (double) end / nblocks : 0;
		if (scan->rows_per_block == 0)
			scan->rows_per_block = -1;
	}
	if (scan->rows_per_block < 0)
		return false;
	scan->next_row = (uint64) (blockno * scan->rows_per_block);
	scan->analyze_hi = (uint64) ((blockno + 1) * scan->rows_per_block);
	return true;
}

bool
columnar_scan_analyze_next_tuple(TableScanDesc sscan, TransactionId OldestXmin,
								 double *liverows, double *deadrows, TupleTableSlot *slot)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;
	ColumnarReader *reader = &scan->reader;

	while (scan->next_row < scan->analyze_hi)
	{
		uint64		row = scan->next_row;
		int			lo = 0,
					hi = scan->nstripes;
		ColumnarStripe *s;

		if (columnar_reader_row(reader, row, slot->tts_tupleDescriptor))
		{
			scan->next_row++;
			if (reader_row_deleted(reader, row, sscan->rs_snapshot))
			{
				*deadrows += 1;
				continue;
			}
			columnar_store_row(reader, row, slot);
			*liverows += 1;
			return true;
		}
		/* lo becomes the number of stripes starting at or before row */
		while (lo < hi)
		{
			int			mid = (lo + hi) / 2;

			if (scan->stripes[mid].first_row <= row)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == 0)
		{
			if (scan->nstripes == 0)
				break;
			scan->next_row = scan->stripes[0].first_row;
			continue;
		}
		s = &scan->stripes[lo - 1];
		if (row < s->first_row + s->row_count)
			columnar_reader_set_stripe(reader, s);
		else if (lo < scan->nstripes)
			scan->next_row = scan->stripes[lo].first_row;
		else
			break;
	}
	ExecClearTuple(slot);
	return false;
}

/* ---- index fetches ---- */

typedef struct ColumnarIndexFetch
{
	IndexFetchTableData base;
	ColumnarReader reader;
	uint64		storage_id;
	/* the reader's stripe was found visible to this snapshot (MVCC only) */
	Snapshot	snapshot;
	CommandId	curcid;
} ColumnarIndexFetch;

struct IndexFetchTableData *
columnar_index_fetch_begin(Relation rel)
{
	ColumnarIndexFetch *f = palloc0(sizeof(ColumnarIndexFetch));

	f->base.rel = rel;
	columnar_reader_init(&f->reader, rel, NULL);
	f->storage_id = columnar_storage_id(rel);
	return &f->base;
}

void
columnar_index_fetch_reset(struct IndexFetchTableData *data)
{
	ColumnarIndexFetch *f = (ColumnarIndexFetch *) data;

	f->snapshot = NULL;
	f->reader.deletes_snapshot = NULL;
}

void
columnar_index_fetch_end(struct IndexFetchTableData *data)
{
	ColumnarIndexFetch *f = (ColumnarIndexFetch *) data;

	columnar_reader_free(&f->reader);
	pfree(f);
}

bool
columnar_index_fetch_tuple(struct IndexFetchTableData *data, ItemPointer tid,
						   Snapshot snapshot, TupleTableSlot *slot, bool *call_again,
						   bool *all_dead)
{
	ColumnarIndexFetch *f = (ColumnarIndexFetch *) data;
	Relation	rel = data->rel;
	uint64		row = columnar_tid_to_row(tid);
	bool		mvcc = IsMVCCSnapshot(snapshot);

	*call_again = false;
	if (all_dead)
		*all_dead = false;

	if (snapshot->snapshot_type == SNAPSHOT_DIRTY)
	{
		/* the heap leaves a writer's xid here for the caller; ours is no one to wait for */
		snapshot->xmin = snapshot->xmax = InvalidTransactionId;
		snapshot->speculativeToken = 0;
	}
	if (mvcc)
		columnar_flush_for_read(rel, snapshot->curcid, false);
	if (columnar_pending_row(rel, row, snapshot, slot))
		return !reader_row_deleted(&f->reader, row, snapshot);

	/*
	 * A stripe once found visible stays so for the same snapshot: stripes are
	 * immutable (deletes are marks, checked below).
	 */
	if (!(mvcc && f->snapshot == snapshot && f->curcid == snapshot->curcid &&
		  columnar_reader_row(&f->reader, row, slot->tts_tupleDescriptor)))
	{
		ColumnarStripe stripe;

		f->snapshot = NULL;
		if (!columnar_find_stripe(f->storage_id, row,
								  snapshot->snapshot_type == SNAPSHOT_ANY ? SnapshotSelf : snapshot,
								  &stripe))
			return false;
		if (stripe.first_block < 0)
		{
			/* another writer's unflushed row: only a unique check gets here */
			columnar_store_nulls(rel, row, slot);
			return !reader_row_deleted(&f->reader, row, snapshot);
		}
		if (!f->reader.have_stripe || f->reader.stripe.first_row != stripe.first_row)
			columnar_reader_set_stripe(&f->reader, &stripe);
		if (!columnar_reader_row(&f->reader, row, slot->tts_tupleDescriptor))
			return false;
		if (mvcc)
		{
			f->snapshot = snapshot;
			f->curcid = snapshot->curcid;
		}
	}
	if (reader_row_deleted(&f->reader, row, snapshot))
		return false;
	columnar_store_row(&f->reader, row, slot);
	return true;
}

/*
 * UPDATE and DELETE fetch the old version of every row they change, EvalPlanQual the
 * rows it rechecks: one fetch per transaction, for the relation asked last, keeps its
 * decoded chunk group between these calls, so that changing the rows of one group
 * decodes it once. It lives in TopTransactionContext, which takes it at transaction
 * end; a call cut short by an error leaves it marked busy, and it is rebuilt.
 */
static struct
{
	ColumnarIndexFetch *fetch;
	LocalTransactionId lxid;
	Oid			relid;
	RelFileNode node;
	bool		busy;
} row_version;

bool
columnar_fetch_row_version(Relation rel, ItemPointer tid, Snapshot snapshot,
						   TupleTableSlot *slot)
{
	ColumnarIndexFetch *f;
	bool		call_again;
	bool		found;

	if (row_version.fetch == NULL || row_version.lxid != MyProc->lxid || row_version.busy ||
		row_version.relid != RelationGetRelid(rel) ||
		!RelFileNodeEquals(row_version.node, rel->rd_node))
	{
		MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);

		if (row_version.fetch != NULL && row_version.lxid == MyProc->lxid)
			columnar_index_fetch_end(&row_version.fetch->base);
		row_version.fetch = (ColumnarIndexFetch *) columnar_index_fetch_begin(rel);
		row_version.lxid = MyProc->lxid;
		row_version.relid = RelationGetRelid(rel);
		row_version.node = rel->rd_node;
		MemoryContextSwitchTo(old);
	}
	f = row_version.fetch;
	/* the caller's relcache entry, and nothing remembered about earlier snapshots */
	f->base.rel = f->reader.rel = rel;
	columnar_index_fetch_reset(&f->base);
	row_version.busy = true;
	found = columnar_index_fetch_tuple(&f->base, tid, snapshot, slot, &call_again, NULL);
	row_version.busy = false;
	/* the values live in the fetch's reader until its next row */
	if (found)
		ExecMaterializeSlot(slot);
	return found;
}

bool
columnar_tuple_satisfies_snapshot(Relation rel, TupleTableSlot *slot, Snapshot snapshot)
{
	TupleTableSlot *probe = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsVirtual);
	bool		visible = columnar_fetch_row_version(rel, &slot->tts_tid, snapshot, probe);

	ExecDropSingleTupleTableSlot(probe);
	return visible;
}
