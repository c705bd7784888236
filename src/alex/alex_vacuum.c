/*
 * VACUUM: remove the entries of dead heap tuples, unlink emptied data pages, recycle
 * the pages unlinked by earlier passes, report what the index holds.
 *
 * docs/ALEX_AM.md, "Vacuum": pages are visited in physical order under cleanup locks
 * (no scan keeps a pin on them meanwhile). While a pass runs, the metapage says so and
 * data-page splits take new pages at the end of the index, never reused ones, so
 * entries only move to pages the pass has yet to visit; the pass goes on until the end
 * stops growing, so none is missed.
 */
#include "alex_am.h"

#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/indexfsm.h"
#include "utils/inval.h"
#include "utils/rel.h"

/* Data pages the removal emptied: candidates for unlinking once the pass is over. */
typedef struct AlexEmptied
{
	BlockNumber *blocks;
	int			n;
	int			cap;
} AlexEmptied;

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

/* Data pages with a left neighbour can be unlinked once empty (see delete_empty_page). */
static bool
page_deletable(Page page)
{
	BlockNumber left,
				right;

	if (!alex_page_is(page, ALEX_PAGE_DATA) || (AlexPageGetOpaque(page)->flags & ALEX_INCOMPLETE_SPLIT) ||
		alex_data_count(AlexPageSpan(page), ALEX_SPAN_BYTES) != 0)
		return false;
	alex_page_links(page, &left, &right);
	return left != InvalidBlockNumber;
}

/*
 * One pass over every page; with no callback it only counts. Each page is visited
 * under a cleanup lock when removing, a share lock when counting. Pages deleted long
 * enough ago, and pages never initialized, go to the free space map.
 */
static void
vacuum_pass(IndexVacuumInfo *info, IndexBulkDeleteResult *stats, IndexBulkDeleteCallback callback,
			void *callback_state, AlexEmptied *emptied)
{
	Relation	index = info->index;
	AlexEntry  *dead = palloc(alex_data_max_capacity(ALEX_SPAN_BYTES) * sizeof(AlexEntry));
	BlockNumber block = ALEX_METAPAGE_BLKNO + 1;
	BlockNumber nblocks;

	stats->num_index_tuples = 0;
	stats->pages_deleted = 0;
	stats->pages_free = 0;
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
			if (alex_page_holds(index, buf, ALEX_PAGE_DATA))
			{
				stats->num_index_tuples += callback
					? vacuum_data_page(index, buf, callback, callback_state, dead, stats)
					: alex_data_count(AlexPageSpan(page), ALEX_SPAN_BYTES);
				if (emptied && page_deletable(page))
				{
					if (emptied->n == emptied->cap)
					{
						emptied->cap = Max(64, 2 * emptied->cap);
						emptied->blocks = emptied->blocks ? repalloc(emptied->blocks, emptied->cap * sizeof(BlockNumber))
							: palloc(emptied->cap * sizeof(BlockNumber));
					}
					emptied->blocks[emptied->n++] = block;
				}
			}
			else if (alex_page_is(page, ALEX_PAGE_NULLS))
				stats->num_index_tuples += callback
					? vacuum_null_page(index, buf, callback, callback_state, stats)
					: ((AlexNullPage) AlexPageSpan(page))->count;
			else if (PageIsNew(page) || alex_page_is(page, ALEX_PAGE_DELETED))
			{
				if (!PageIsNew(page))
					stats->pages_deleted++;
				if (alex_page_recyclable(page))
				{
					RecordFreeIndexPage(index, block);
					stats->pages_free++;
				}
			}
			UnlockReleaseBuffer(buf);
		}
	}
	stats->num_pages = nblocks;
	stats->estimated_count = false;
	pfree(dead);
}

/* Tells data-page splits whether a pass is running (see split_data in alex_insert.c). */
static void
set_vacuum_active(Relation index, bool active)
{
	Buffer		meta = ReadBuffer(index, ALEX_METAPAGE_BLKNO);
	GenericXLogState *state;

	LockBuffer(meta, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(index);
	AlexPageGetMeta(GenericXLogRegisterBuffer(state, meta, 0))->vacuum_active = active;
	GenericXLogFinish(state);
	UnlockReleaseBuffer(meta);
}

/*
 * Unlinks the emptied data page `block`: its left neighbour takes over its key range
 * (high fence and right link) and its slots in the parent, in one record of the four
 * pages. Locks go left to right along the level, then up to the parent, as a split's
 * do. Gives up, leaving the page linked, when the neighbourhood is not that simple: the
 * leftmost page, a left neighbour with another parent, an unfinished split, or an entry
 * that arrived meanwhile. The page keeps its links for scans on their way to it, and
 * whom a snapshot older than now might still lead there: it is reused only after them.
 */
static bool
delete_empty_page(Relation index, BlockNumber block, AlexInsertScratch *scratch)
{
	Buffer		buf = ReadBuffer(index, block);
	Buffer		lbuf;
	Buffer		rbuf = InvalidBuffer;
	Buffer		parent = InvalidBuffer;
	BlockNumber left,
				right;
	AlexFences	fences;
	GenericXLogState *state;
	bool		deleted = false;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	if (!page_deletable(BufferGetPage(buf)))
	{
		UnlockReleaseBuffer(buf);
		return false;
	}
	alex_page_links(BufferGetPage(buf), &left, &right);
	UnlockReleaseBuffer(buf);

	lbuf = ReadBuffer(index, left);
	LockBuffer(lbuf, BUFFER_LOCK_EXCLUSIVE);
	buf = ReadBuffer(index, block);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	if (alex_page_is(BufferGetPage(lbuf), ALEX_PAGE_DATA) &&
		!(AlexPageGetOpaque(BufferGetPage(lbuf))->flags & ALEX_INCOMPLETE_SPLIT) &&
		page_deletable(BufferGetPage(buf)))
	{
		BlockNumber left_of_left,
					right_of_left,
					left_now;

		alex_page_links(BufferGetPage(lbuf), &left_of_left, &right_of_left);
		alex_page_links(BufferGetPage(buf), &left_now, &right);
		alex_page_fences(BufferGetPage(buf), &fences);
		if (right_of_left == block && left_now == left)
		{
			if (right != InvalidBlockNumber)
			{
				rbuf = ReadBuffer(index, right);
				LockBuffer(rbuf, BUFFER_LOCK_EXCLUSIVE);
			}
			parent = alex_find_parent(index, block, 0, &fences.low, scratch);
		}
		if (BufferIsValid(parent) && alex_model_page_has_child(BufferGetPage(parent), left, scratch))
		{
			Page		parent_page,
						left_page,
						page;
			AlexFences	left_fences;
			AlexDeletedPage d;

			state = GenericXLogStart(index);
			parent_page = GenericXLogRegisterBuffer(state, parent, 0);
			if (alex_model_merge_child(AlexPageSpan(parent_page), ALEX_SPAN_BYTES, block, left, fences.low) == ALEX_OK)
			{
				left_page = GenericXLogRegisterBuffer(state, lbuf, 0);
				alex_data_fences(AlexPageSpan(left_page), ALEX_SPAN_BYTES, &left_fences);
				left_fences.high = fences.high;
				left_fences.high_infinite = fences.high_infinite;
				alex_data_set_fences(AlexPageSpan(left_page), ALEX_SPAN_BYTES, &left_fences);
				alex_data_set_links(AlexPageSpan(left_page), ALEX_SPAN_BYTES, left_of_left, right);
				if (BufferIsValid(rbuf))
				{
					void	   *rspan = AlexPageSpan(GenericXLogRegisterBuffer(state, rbuf, 0));
					AlexBlock	l,
								r;

					alex_data_links(rspan, ALEX_SPAN_BYTES, &l, &r);
					alex_data_set_links(rspan, ALEX_SPAN_BYTES, left, r);
				}
				page = GenericXLogRegisterBuffer(state, buf, 0);
				AlexPageGetOpaque(page)->kind = ALEX_PAGE_DELETED;
				d = (AlexDeletedPage) AlexPageSpan(page);
				d->left = left;
				d->right = right;
				d->safexid = ReadNextFullTransactionId();
				GenericXLogFinish(state);
				deleted = true;
			}
			else
				GenericXLogAbort(state);
		}
	}
	if (BufferIsValid(parent))
		UnlockReleaseBuffer(parent);
	if (BufferIsValid(rbuf))
		UnlockReleaseBuffer(rbuf);
	UnlockReleaseBuffer(buf);
	UnlockReleaseBuffer(lbuf);
	return deleted;
}

IndexBulkDeleteResult *
alexbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats, IndexBulkDeleteCallback callback,
			   void *callback_state)
{
	AlexEmptied emptied = {NULL, 0, 0};

	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));
	set_vacuum_active(info->index, true);
	vacuum_pass(info, stats, callback, callback_state, &emptied);
	set_vacuum_active(info->index, false);
	if (emptied.n > 0)
	{
		AlexInsertScratch scratch;
		int			i;

		alex_scratch_init(&scratch);
		for (i = 0; i < emptied.n; i++)
			if (delete_empty_page(info->index, emptied.blocks[i], &scratch))
				stats->pages_newly_deleted++;
		stats->pages_deleted += stats->pages_newly_deleted;
		/* Backends drop their copies of the model pages that routed to them. */
		if (stats->pages_newly_deleted > 0)
			CacheInvalidateRelcache(info->index);
	}
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
		vacuum_pass(info, stats, NULL, NULL, NULL);
	}
	IndexFreeSpaceMapVacuum(info->index);
	return stats;
}
