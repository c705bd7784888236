/*
 * Index scans: amgettuple in both directions and amgetbitmap.
 *
 * docs/ALEX_AM.md, "Scan": a scan copies one page's matches into backend memory and
 * remembers, as read, the link to the page it visits next. Entries only ever move right
 * (a split moves the upper half to a new right neighbour), so following the remembered
 * right link neither skips nor repeats an entry. Going left, the page whose high fence is
 * the current page's low fence (a low fence never changes) comes next: the left link
 * read under the lock, then right links until that fence matches. A page VACUUM
 * unlinked meanwhile (or reused since) does not start where the scan left off: the scan
 * then finds its place again by key, through the model pages.
 *
 * The scan keeps its pin on the page whose entries it is returning, so VACUUM (which
 * takes a cleanup lock on every page) cannot remove them meanwhile: that makes
 * index-only scans and non-MVCC snapshots safe.
 */
#include "alex_am.h"

#include "access/relscan.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "access/itup.h"
#include "access/tupmacs.h"
#include "utils/rel.h"

/* A scan reads up to two segments: the values in key order, and the NULLs. */
typedef enum AlexSegment
{
	ALEX_SEGMENT_VALUES,
	ALEX_SEGMENT_NULLS
} AlexSegment;

typedef struct AlexScanOpaqueData
{
	AlexKeyKind kind;
	AlexScanBounds bounds;
	bool		started;
	ScanDirection dir;
	AlexSegment segments[2];
	int			nsegments;
	int			segment;		/* -1 before the first */

	/* the matches of the current page, in scan order */
	AlexEntry  *items;
	int			nitems;
	int			next_item;
	bool		items_are_nulls;
	Buffer		pinned;			/* the page they came from */

	/* where the scan goes next: a block, or InvalidBlockNumber at the end */
	BlockNumber next_block;
	AlexEntry	page_low;		/* the current page's fences: where the next one must start */
	AlexEntry	page_high;

	/*
	 * Index-only scans return these two tuples: every key type is a fixed-length
	 * by-value one, so each row's key is written into value_itup in place.
	 */
	IndexTuple	value_itup;
	IndexTuple	null_itup;
	char	   *value_at;
	int16		value_len;
} AlexScanOpaqueData;

typedef AlexScanOpaqueData *AlexScanOpaque;

IndexScanDesc
alexbeginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	AlexScanOpaque so = palloc0(sizeof(AlexScanOpaqueData));

	so->kind = alex_index_key_kind(index);
	so->pinned = InvalidBuffer;
	so->items = palloc(Max(alex_data_max_capacity(ALEX_SPAN_BYTES), ALEX_NULLS_PER_PAGE) * sizeof(AlexEntry));
	{
		TupleDesc	desc = RelationGetDescr(index);
		Datum		zero = (Datum) 0;
		bool		isnull = true;
		bool		notnull = false;

		so->value_itup = index_form_tuple(desc, &zero, &notnull);
		so->null_itup = index_form_tuple(desc, &zero, &isnull);
		so->value_at = (char *) so->value_itup + IndexInfoFindDataOffset(so->value_itup->t_info);
		so->value_len = TupleDescAttr(desc, 0)->attlen;
	}
	scan->opaque = so;
	scan->xs_itupdesc = RelationGetDescr(index);
	return scan;
}

static void
release_pin(AlexScanOpaque so)
{
	if (BufferIsValid(so->pinned))
		ReleaseBuffer(so->pinned);
	so->pinned = InvalidBuffer;
}

void
alexrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys)
{
	AlexScanOpaque so = (AlexScanOpaque) scan->opaque;

	release_pin(so);
	if (keys && scan->numberOfKeys > 0)
		memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
	so->started = false;
	so->nitems = so->next_item = 0;
}

void
alexendscan(IndexScanDesc scan)
{
	AlexScanOpaque so = (AlexScanOpaque) scan->opaque;

	release_pin(so);
	pfree(so->value_itup);
	pfree(so->null_itup);
	pfree(so->items);
	pfree(so);
}

/* Keeps `buf`'s pin for the items just read from it (its lock is released). */
static void
hold_page(AlexScanOpaque so, Buffer buf)
{
	release_pin(so);
	LockBuffer(buf, BUFFER_LOCK_UNLOCK);
	so->pinned = buf;
}

/*
 * Reads the matches of the locked data page in `buf` into so->items in scan order,
 * starting from `from` (an entry to start at, inclusive, or NULL for the page's end in
 * the scan direction), and sets where the scan goes next.
 */
static void
read_data_page(AlexScanOpaque so, Buffer buf, const AlexEntry *from)
{
	const void *span = AlexPageSpan(BufferGetPage(buf));
	AlexFences	fences;
	AlexBlock	left,
				right;
	size_t		slot;
	bool		forward = ScanDirectionIsForward(so->dir);

	alex_data_fences(span, ALEX_SPAN_BYTES, &fences);
	alex_data_links(span, ALEX_SPAN_BYTES, &left, &right);
	so->nitems = so->next_item = 0;
	so->items_are_nulls = false;
	so->page_low = fences.low;
	so->page_high = fences.high;
	if (forward)
	{
		slot = from ? alex_data_lower_bound(span, ALEX_SPAN_BYTES, *from) : alex_data_first(span, ALEX_SPAN_BYTES);
		for (; slot != ALEX_END; slot = alex_data_next(span, ALEX_SPAN_BYTES, slot))
		{
			AlexEntry	e = alex_data_entry(span, ALEX_SPAN_BYTES, slot);

			if (e.key > so->bounds.high)
				break;
			so->items[so->nitems++] = e;
		}
		/* Pages to the right start at the high fence: go on while it is in bounds. */
		so->next_block = fences.high_infinite || fences.high.key > so->bounds.high ? InvalidBlockNumber : right;
	}
	else
	{
		if (from)
		{
			slot = alex_data_upper_bound(span, ALEX_SPAN_BYTES, *from);
			slot = slot == ALEX_END ? alex_data_last(span, ALEX_SPAN_BYTES) : alex_data_prev(span, ALEX_SPAN_BYTES, slot);
		}
		else
			slot = alex_data_last(span, ALEX_SPAN_BYTES);
		for (; slot != ALEX_END; slot = alex_data_prev(span, ALEX_SPAN_BYTES, slot))
		{
			AlexEntry	e = alex_data_entry(span, ALEX_SPAN_BYTES, slot);

			if (e.key < so->bounds.low)
				break;
			so->items[so->nitems++] = e;
		}
		/* Pages to the left hold entries below the low fence. */
		{
			AlexEntry	lowest = {so->bounds.low, 0};

			so->next_block = alex_entry_cmp(&fences.low, &lowest) > 0 ? left : InvalidBlockNumber;
		}
	}
}

/* The data page holding e, share-locked, found through the model pages. */
static Buffer
lock_page_holding(IndexScanDesc scan, const AlexEntry *e)
{
	return alex_settle(scan->indexRelation, alex_descend(scan->indexRelation, e, 0), e, 0, BUFFER_LOCK_SHARE);
}

/*
 * Locks the page left of a page whose low fence is so->page_low, whose entries up to
 * *below (the entry just below that fence) come next (see the file header): the page
 * whose high fence is exactly that low fence, or else the page holding *below.
 */
static Buffer
lock_left_neighbour(IndexScanDesc scan, BlockNumber block, const AlexEntry *below)
{
	AlexScanOpaque so = (AlexScanOpaque) scan->opaque;

	while (block != InvalidBlockNumber)
	{
		Buffer		buf = alex_read_buffer(scan->indexRelation, block);
		Page		page = BufferGetPage(buf);
		AlexFences	fences;
		AlexBlock	left,
					right;
		int			cmp;

		LockBuffer(buf, BUFFER_LOCK_SHARE);
		if (!alex_page_holds(scan->indexRelation, buf, ALEX_PAGE_DATA))
		{
			UnlockReleaseBuffer(buf);
			break;
		}
		alex_data_fences(AlexPageSpan(page), ALEX_SPAN_BYTES, &fences);
		cmp = fences.high_infinite ? 1 : alex_entry_cmp(&fences.high, &so->page_low);
		if (cmp == 0)
			return buf;
		alex_data_links(AlexPageSpan(page), ALEX_SPAN_BYTES, &left, &right);
		UnlockReleaseBuffer(buf);
		if (cmp > 0)
			break;
		block = right;			/* the left neighbour split since its link was read */
		CHECK_FOR_INTERRUPTS();
	}
	return lock_page_holding(scan, below);
}

/* Moves to the first page of matches (`first`) or to the next one; false at the end. */
static bool
next_values_page(IndexScanDesc scan, bool first)
{
	AlexScanOpaque so = (AlexScanOpaque) scan->opaque;
	bool		forward = ScanDirectionIsForward(so->dir);

	for (;;)
	{
		Buffer		buf;
		AlexEntry	start;

		if (first)
		{
			start.key = forward ? so->bounds.low : so->bounds.high;
			start.tid = forward ? 0 : UINT64CONST(0xFFFFFFFFFFFF);
			buf = lock_page_holding(scan, &start);
			first = false;
		}
		else if (so->next_block == InvalidBlockNumber)
			return false;
		else if (forward)
		{
			AlexFences	fences;
			bool		continues;

			/* Every entry below the last page's high fence has been returned. */
			start = so->page_high;
			buf = alex_read_buffer(scan->indexRelation, so->next_block);
			LockBuffer(buf, BUFFER_LOCK_SHARE);
			continues = alex_page_holds(scan->indexRelation, buf, ALEX_PAGE_DATA);
			if (continues)
			{
				alex_page_fences(BufferGetPage(buf), &fences);
				continues = alex_entry_cmp(&fences.low, &start) == 0;
			}
			if (!continues)
			{
				UnlockReleaseBuffer(buf);
				buf = lock_page_holding(scan, &start);
			}
		}
		else
		{
			/* Every entry from the last page's low fence up has been returned. */
			start = so->page_low;
			if (start.tid > 0)
				start.tid--;
			else
			{
				start.key--;
				start.tid = UINT64CONST(0xFFFFFFFFFFFF);
			}
			buf = lock_left_neighbour(scan, so->next_block, &start);
		}
		read_data_page(so, buf, &start);
		hold_page(so, buf);
		if (so->nitems > 0)
			return true;
		CHECK_FOR_INTERRUPTS();
	}
}

/* Reads the NULL page `block` into items; false when there is none. */
static bool
read_null_page(IndexScanDesc scan, BlockNumber block)
{
	AlexScanOpaque so = (AlexScanOpaque) scan->opaque;

	while (block != InvalidBlockNumber)
	{
		Buffer		buf = alex_read_buffer(scan->indexRelation, block);
		AlexNullPage nulls;
		uint32		i;

		LockBuffer(buf, BUFFER_LOCK_SHARE);
		if (!alex_page_is(BufferGetPage(buf), ALEX_PAGE_NULLS))
			alex_report_page(scan->indexRelation, block, "expected a NULL page");
		nulls = (AlexNullPage) AlexPageSpan(BufferGetPage(buf));
		so->nitems = so->next_item = 0;
		so->items_are_nulls = true;
		for (i = 0; i < nulls->count; i++)
			alex_entry_from_tid(&so->items[so->nitems++], 0, &nulls->tids[i]);
		block = so->next_block = nulls->next;
		hold_page(so, buf);
		if (so->nitems > 0)
			return true;
	}
	so->next_block = InvalidBlockNumber;
	return false;
}

static bool
read_first_page(IndexScanDesc scan, AlexSegment segment)
{
	AlexMetaPageData meta;

	if (segment == ALEX_SEGMENT_VALUES)
		return next_values_page(scan, true);
	alex_read_meta(scan->indexRelation, &meta);
	return read_null_page(scan, meta.null_head);
}

static bool
read_next_page(IndexScanDesc scan, AlexSegment segment)
{
	AlexScanOpaque so = (AlexScanOpaque) scan->opaque;

	return segment == ALEX_SEGMENT_VALUES ? next_values_page(scan, false) : read_null_page(scan, so->next_block);
}

/* Plans the segments: NULLs sort last, so they come after the values going forward. */
static void
start_scan(IndexScanDesc scan, ScanDirection dir)
{
	AlexScanOpaque so = (AlexScanOpaque) scan->opaque;

	so->started = true;
	so->dir = dir;
	so->nsegments = 0;
	so->segment = -1;
	alex_scan_bounds(scan->indexRelation, so->kind, scan->keyData, scan->numberOfKeys, &so->bounds);
	if (so->bounds.empty)
		return;
	if (ScanDirectionIsForward(dir) && so->bounds.want_values)
		so->segments[so->nsegments++] = ALEX_SEGMENT_VALUES;
	if (so->bounds.want_nulls)
		so->segments[so->nsegments++] = ALEX_SEGMENT_NULLS;
	if (ScanDirectionIsBackward(dir) && so->bounds.want_values)
		so->segments[so->nsegments++] = ALEX_SEGMENT_VALUES;
	pgstat_count_index_scan(scan->indexRelation);
}

/* Reads the next page with items; false (and no pin held) at the end of the scan. */
static bool
next_page(IndexScanDesc scan)
{
	AlexScanOpaque so = (AlexScanOpaque) scan->opaque;

	for (;;)
	{
		if (so->segment >= 0 && read_next_page(scan, so->segments[so->segment]))
			return true;
		if (++so->segment >= so->nsegments)
		{
			so->segment = so->nsegments;
			release_pin(so);
			return false;
		}
		if (read_first_page(scan, so->segments[so->segment]))
			return true;
	}
}

bool
alexgettuple(IndexScanDesc scan, ScanDirection dir)
{
	AlexScanOpaque so = (AlexScanOpaque) scan->opaque;
	AlexEntry  *e;

	if (!so->started)
		start_scan(scan, dir);
	else if (dir != so->dir)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("alex index scans cannot change direction")));
	while (so->next_item >= so->nitems)
		if (!next_page(scan))
			return false;
	e = &so->items[so->next_item++];
	alex_tid_from_entry(&scan->xs_heaptid, e);
	scan->xs_recheck = so->bounds.recheck;
	if (scan->xs_want_itup)
	{
		if (so->items_are_nulls)
			scan->xs_itup = so->null_itup;
		else
		{
			store_att_byval(so->value_at, alex_key_decode(so->kind, e->key), so->value_len);
			scan->xs_itup = so->value_itup;
		}
	}
	return true;
}

int64
alexgetbitmap(IndexScanDesc scan, TIDBitmap *tbm)
{
	AlexScanOpaque so = (AlexScanOpaque) scan->opaque;
	ItemPointerData *tids = palloc(Max(alex_data_max_capacity(ALEX_SPAN_BYTES), ALEX_NULLS_PER_PAGE) *
								   sizeof(ItemPointerData));
	int64		ntids = 0;

	start_scan(scan, ForwardScanDirection);
	while (next_page(scan))
	{
		int			i;

		for (i = 0; i < so->nitems; i++)
			alex_tid_from_entry(&tids[i], &so->items[i]);
		tbm_add_tuples(tbm, tids, so->nitems, so->bounds.recheck);
		ntids += so->nitems;
		so->next_item = so->nitems;
		CHECK_FOR_INTERRUPTS();
	}
	pfree(tids);
	return ntids;
}
