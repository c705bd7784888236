/*
 * VACUUM: remove the entries of dead heap tuples, report what the index holds.
 *
 * docs/ALEX_AM.md, "Vacuum": pages are visited in physical order under cleanup locks
 * (no scan keeps a pin on them meanwhile). Entries only move to new pages at the end of
 * the index, and the pass goes on until the end stops growing, so none is missed.
 * Pages are not recycled yet: an emptied data page stays linked and takes inserts again.
 */
#include "alex_am.h"

#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/indexfsm.h"
#include "utils/rel.h"

/* Removes dead entries from one data page; returns how many remain. */
static double
vacuum_data_page(Relation index, Buffer buf, IndexBulkDeleteCallback callback, void *callback_state,
				 AlexEntry *dead, IndexBulkDeleteResult *stats)
{
	const void *span = AlexPageSpan(BufferGetPage(buf));
	size_t		ndead = 0;
	size_t		slot;
	double		live = 0;

	for (slot = alex_data_first(span, ALEX_SPAN_BYTES); slot != ALEX_END;
		 slot = alex_data_next(span, ALEX_SPAN_BYTES, slot))
	{
		AlexEntry	e = alex_data_entry(span, ALEX_SPAN_BYTES, slot);
		ItemPointerData tid;

		alex_tid_from_entry(&tid, &e);
		if (callback(&tid, callback_state))
			dead[ndead++] = e;
		else
			live++;
	}
	if (ndead > 0)
	{
		GenericXLogState *state = GenericXLogStart(index);
		void	   *copy = AlexPageSpan(GenericXLogRegisterBuffer(state, buf, 0));
		size_t		i;

		for (i = 0; i < ndead; i++)
			if (alex_data_erase(copy, ALEX_SPAN_BYTES, dead[i]) != ALEX_OK)
				alex_report_page(index, BufferGetBlockNumber(buf), "an entry seen on the page cannot be erased");
		GenericXLogFinish(state);
		stats->tuples_removed += ndead;
	}
	return live;
}

/* Removes dead TIDs from one NULL page, keeping the order of the rest. */
static double
vacuum_null_page(Relation index, Buffer buf, IndexBulkDeleteCallback callback, void *callback_state,
				 IndexBulkDeleteResult *stats)
{
	AlexNullPage nulls = (AlexNullPage) AlexPageSpan(BufferGetPage(buf));
	uint32		i;
	uint32		ndead = 0;

	for (i = 0; i < nulls->count; i++)
		if (callback(&nulls->tids[i], callback_state))
			ndead++;
	if (ndead > 0)
	{
		GenericXLogState *state = GenericXLogStart(index);
		AlexNullPage copy = (AlexNullPage) AlexPageSpan(GenericXLogRegisterBuffer(state, buf, 0));
		uint32		kept = 0;

		for (i = 0; i < copy->count; i++)
			if (!callback(&copy->tids[i], callback_state))
				copy->tids[kept++] = copy->tids[i];
		copy->count = kept;
		GenericXLogFinish(state);
		stats->tuples_removed += ndead;
	}
	return nulls->count;
}

/*
 * One pass over every page; with no callback it only counts. Each page is visited
 * under a cleanup lock when removing, a share lock when counting.
 */
static void
vacuum_pass(IndexVacuumInfo *info, IndexBulkDeleteResult *stats, IndexBulkDeleteCallback callback,
			void *callback_state)
{
	Relation	index = info->index;
	AlexEntry  *dead = palloc(alex_data_max_capacity(ALEX_SPAN_BYTES) * sizeof(AlexEntry));
	BlockNumber block = ALEX_METAPAGE_BLKNO + 1;
	BlockNumber nblocks;

	stats->num_index_tuples = 0;
	for (;;)
	{
		nblocks = RelationGetNumberOfBlocks(index);
		if (block >= nblocks)
			break;
		for (; block < nblocks; block++)
		{
			Buffer		buf;
			Page		page;

			vacuum_delay_point();
			buf = ReadBufferExtended(index, MAIN_FORKNUM, block, RBM_NORMAL, info->strategy);
			if (callback)
				LockBufferForCleanup(buf);
			else
				LockBuffer(buf, BUFFER_LOCK_SHARE);
			page = BufferGetPage(buf);
			if (alex_page_is(page, ALEX_PAGE_DATA))
				stats->num_index_tuples += callback
					? vacuum_data_page(index, buf, callback, callback_state, dead, stats)
					: alex_data_count(AlexPageSpan(page), ALEX_SPAN_BYTES);
			else if (alex_page_is(page, ALEX_PAGE_NULLS))
				stats->num_index_tuples += callback
					? vacuum_null_page(index, buf, callback, callback_state, stats)
					: ((AlexNullPage) AlexPageSpan(page))->count;
			UnlockReleaseBuffer(buf);
		}
	}
	stats->num_pages = nblocks;
	stats->estimated_count = false;
	pfree(dead);
}

IndexBulkDeleteResult *
alexbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats, IndexBulkDeleteCallback callback,
			   void *callback_state)
{
	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));
	vacuum_pass(info, stats, callback, callback_state);
	return stats;
}

IndexBulkDeleteResult *
alexvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	if (info->analyze_only)
		return stats;
	if (stats == NULL)
	{
		stats = palloc0(sizeof(IndexBulkDeleteResult));
		vacuum_pass(info, stats, NULL, NULL);
	}
	return stats;
}
