/*
 * The columnar table's slot: a virtual slot that can also hold a row an index fetch
 * found without decoding it, and decodes its columns when the executor asks for them.
 *
 * PG15's table AM API gives index_fetch_tuple and tuple_fetch_row_version no column
 * list, but the executor asks a slot for the attributes it needs (slot_getsomeattrs up
 * to the last one a plan node reads), as it does to deform a heap tuple. So a fetch
 * stores a reference to its row (columnar_slot_store_ref) and the slot decodes columns
 * up to the one asked for: a nested loop that reads one column of the first six does not
 * read or decompress the blocks of the others, and a slot used only to test visibility
 * (unique checks, index-only scans' table fetches) decodes nothing.
 *
 * A decoded value never points into the fetch cache, which may drop the block at the
 * next fetch: values passed by reference are copied into the slot's memory. What is
 * not decoded yet is named by stripe, chunk group, block and row, and a written
 * stripe never changes while the relation is open (columnar_row_ref_values reads it
 * again if the cache dropped it), so a column asked for after the scan moved on, the
 * snapshot was released or the cache was emptied still reads the row that was fetched.
 *
 * Rows stored the ordinary way (ExecStoreVirtualTuple: scans, COPY, rewrites) make it a
 * plain virtual slot, and the virtual slot's callbacks do the work.
 */
#include "columnar.h"

#include "utils/memutils.h"

typedef struct ColumnarTupleTableSlot
{
	VirtualTupleTableSlot base;
	bool		lazy;			/* ref's row has columns past tts_nvalid still to decode */
	bool		decoded;		/* all of ref's row is in tts_values, in values_cxt */
	ColumnarRowRef ref;
	MemoryContext values_cxt;	/* decoded values passed by reference; NULL until needed */
} ColumnarTupleTableSlot;

static void
tts_columnar_init(TupleTableSlot *slot)
{
}

static void
tts_columnar_release(TupleTableSlot *slot)
{
	ColumnarTupleTableSlot *cslot = (ColumnarTupleTableSlot *) slot;

	if (cslot->values_cxt != NULL)
		MemoryContextDelete(cslot->values_cxt);
	cslot->values_cxt = NULL;
}

static void
tts_columnar_clear(TupleTableSlot *slot)
{
	ColumnarTupleTableSlot *cslot = (ColumnarTupleTableSlot *) slot;

	if (cslot->values_cxt != NULL)
		MemoryContextReset(cslot->values_cxt);
	cslot->lazy = false;
	cslot->decoded = false;
	TTSOpsVirtual.clear(slot);
}

static void
tts_columnar_getsomeattrs(TupleTableSlot *slot, int natts)
{
	ColumnarTupleTableSlot *cslot = (ColumnarTupleTableSlot *) slot;

	if (!cslot->lazy)
	{
		/* a virtual row has all its attributes: the virtual slot's error */
		TTSOpsVirtual.getsomeattrs(slot, natts);
		return;
	}
	if (cslot->values_cxt == NULL)
		cslot->values_cxt = AllocSetContextCreate(slot->tts_mcxt, "columnar slot values",
												  ALLOCSET_SMALL_SIZES);
	columnar_row_ref_values(&cslot->ref, slot->tts_tupleDescriptor, slot->tts_nvalid, natts,
							slot->tts_values, slot->tts_isnull, cslot->values_cxt);
	slot->tts_nvalid = natts;
	if (natts == slot->tts_tupleDescriptor->natts)
	{
		cslot->lazy = false;
		cslot->decoded = true;
	}
}

static Datum
tts_columnar_getsysattr(TupleTableSlot *slot, int attnum, bool *isnull)
{
	return TTSOpsVirtual.getsysattr(slot, attnum, isnull);
}

/* A fetched row is decoded whole, so that it no longer needs the relation. */
static void
tts_columnar_materialize(TupleTableSlot *slot)
{
	ColumnarTupleTableSlot *cslot = (ColumnarTupleTableSlot *) slot;

	if (cslot->lazy)
		tts_columnar_getsomeattrs(slot, slot->tts_tupleDescriptor->natts);
	if (!cslot->decoded)
		TTSOpsVirtual.materialize(slot);
}

static void
tts_columnar_copyslot(TupleTableSlot *dstslot, TupleTableSlot *srcslot)
{
	tts_columnar_clear(dstslot);
	TTSOpsVirtual.copyslot(dstslot, srcslot);
}

/*
 * The copy keeps the row's TID, as a heap tuple's copy does: ANALYZE sorts its sample
 * by it to measure how the column's order follows the table's (pg_stats.correlation).
 */
static HeapTuple
tts_columnar_copy_heap_tuple(TupleTableSlot *slot)
{
	HeapTuple	tuple;

	slot_getallattrs(slot);
	tuple = TTSOpsVirtual.copy_heap_tuple(slot);
	tuple->t_self = slot->tts_tid;
	tuple->t_tableOid = slot->tts_tableOid;
	return tuple;
}

static MinimalTuple
tts_columnar_copy_minimal_tuple(TupleTableSlot *slot)
{
	slot_getallattrs(slot);
	return TTSOpsVirtual.copy_minimal_tuple(slot);
}

const TupleTableSlotOps TTSOpsColumnar = {
	.base_slot_size = sizeof(ColumnarTupleTableSlot),
	.init = tts_columnar_init,
	.release = tts_columnar_release,
	.clear = tts_columnar_clear,
	.getsomeattrs = tts_columnar_getsomeattrs,
	.getsysattr = tts_columnar_getsysattr,
	.materialize = tts_columnar_materialize,
	.copyslot = tts_columnar_copyslot,
	.get_heap_tuple = NULL,
	.get_minimal_tuple = NULL,
	.copy_heap_tuple = tts_columnar_copy_heap_tuple,
	.copy_minimal_tuple = tts_columnar_copy_minimal_tuple
};

/*
 * Stores a fetched row, to be decoded as its columns are asked for; the caller sets
 * its TID and table.
 */
void
columnar_slot_store_ref(TupleTableSlot *slot, const ColumnarRowRef *ref)
{
	ColumnarTupleTableSlot *cslot = (ColumnarTupleTableSlot *) slot;

	ExecClearTuple(slot);
	cslot->ref = *ref;
	cslot->lazy = true;
	slot->tts_nvalid = 0;
	slot->tts_flags &= ~TTS_FLAG_EMPTY;
}
