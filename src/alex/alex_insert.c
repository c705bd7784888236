/*
 * aminsert: one entry into its data page; page splits propagated up the model levels.
 *
 * docs/ALEX_AM.md, "Insert" and "WAL": a split is two generic WAL records -- the level
 * (left page, new right page, the old right sibling's left link) and then the parent --
 * with ALEX_INCOMPLETE_SPLIT on the left page in between, so a crash or error between
 * them leaves a consistent index whose next inserter finishes the job. Locks are taken
 * left to right within a level and child before parent; the metapage counts as above
 * the root.
 */
#include "alex_am.h"

#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "utils/memutils.h"
#include "utils/rel.h"

static void insert_into_parent(Relation index, Buffer child, int level, BlockNumber new_block,
							   AlexEntry split, AlexInsertScratch *scratch);
static void add_to_parent(Relation index, Buffer parent, Buffer child, int level, BlockNumber new_block,
						  AlexEntry split, AlexInsertScratch *scratch);

void
alex_scratch_init(AlexInsertScratch *scratch)
{
	scratch->entries_len = alex_data_max_capacity(ALEX_SPAN_BYTES) + 1;
	scratch->entries = palloc(scratch->entries_len * sizeof(AlexEntry));
	scratch->children_len = alex_model_max_fanout(ALEX_SPAN_BYTES) + 1;
	scratch->children = palloc(scratch->children_len * sizeof(AlexChild));
}

/*
 * The scratch space lives as long as the statement (IndexInfo's ii_AmCache), so a bulk
 * INSERT does not allocate it per row.
 */
static AlexInsertScratch *
statement_scratch(IndexInfo *indexInfo)
{
	AlexInsertScratch *scratch = (AlexInsertScratch *) indexInfo->ii_AmCache;

	if (scratch == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(indexInfo->ii_Context);

		scratch = palloc(sizeof(AlexInsertScratch));
		alex_scratch_init(scratch);
		MemoryContextSwitchTo(old);
		indexInfo->ii_AmCache = scratch;
	}
	return scratch;
}

static void
page_set_flag(Page page, uint16 flag, bool on)
{
	if (on)
		AlexPageGetOpaque(page)->flags |= flag;
	else
		AlexPageGetOpaque(page)->flags &= ~flag;
}

/*
 * Where a page's entries start, for fitting a parent's model: the low fence, except on
 * the leftmost page of a level, whose fence (the lowest entry) says nothing.
 */
static AlexEntry
page_low_hint(Page page)
{
	void	   *span = AlexPageSpan(page);
	AlexFences	fences;
	BlockNumber left,
				right;

	alex_page_fences(page, &fences);
	alex_page_links(page, &left, &right);
	if (left != InvalidBlockNumber)
		return fences.low;
	if (AlexPageGetOpaque(page)->kind == ALEX_PAGE_DATA)
	{
		if (alex_data_count(span, ALEX_SPAN_BYTES) > 0)
			return alex_data_entry(span, ALEX_SPAN_BYTES, alex_data_first(span, ALEX_SPAN_BYTES));
	}
	else
	{
		AlexChild	first[3];

		/*
		 * The model's estimate for its first child is the lowest entry too; extrapolate
		 * one child's width left of the second child instead.
		 */
		if (alex_model_children(span, ALEX_SPAN_BYTES, first, 3) == 3 &&
			first[2].low.key > first[1].low.key && first[2].low.key != PG_UINT64_MAX)
		{
			uint64		width = first[2].low.key - first[1].low.key;
			AlexEntry	hint = {first[1].low.key > width ? first[1].low.key - width : 0, 0};

			return hint;
		}
	}
	return fences.low;
}

static BlockNumber
page_right_link(Page page)
{
	BlockNumber left,
				right;

	alex_page_links(page, &left, &right);
	return right;
}

/*
 * Finishes the split a page's ALEX_INCOMPLETE_SPLIT flag records: its right neighbour
 * is the new half, whose low fence (it never changes) is the split entry. `buf` is
 * locked exclusively and released.
 */
static void
finish_split(Relation index, Buffer buf, AlexInsertScratch *scratch)
{
	Page		page = BufferGetPage(buf);
	BlockNumber right = page_right_link(page);
	Buffer		rbuf;
	AlexFences	fences;

	if (right == InvalidBlockNumber)
		alex_report_page(index, BufferGetBlockNumber(buf), "incomplete split without a right page");
	rbuf = ReadBuffer(index, right);
	LockBuffer(rbuf, BUFFER_LOCK_SHARE);
	alex_page_fences(BufferGetPage(rbuf), &fences);
	UnlockReleaseBuffer(rbuf);
	insert_into_parent(index, buf, AlexPageGetOpaque(page)->level, right, fences.low, scratch);
}

bool
alex_model_page_has_child(Page page, BlockNumber child, AlexInsertScratch *scratch)
{
	size_t		n = alex_model_children(AlexPageSpan(page), ALEX_SPAN_BYTES, scratch->children,
										scratch->children_len);
	size_t		i;

	for (i = 0; i < n; i++)
		if (scratch->children[i].block == child)
			return true;
	return false;
}

/* How far along a level the parent of a page may be from where its split entry routes. */
#define ALEX_PARENT_SEARCH	16

/*
 * The parent of `child` (of `level`), locked exclusively. The page whose fences hold the
 * split entry is the parent or a near neighbour: look right, then left. A parent with an
 * unfinished split of its own is finished first, and the search repeated. InvalidBuffer
 * if no page lists the child: it is itself the right half of an unfinished split.
 */
Buffer
alex_find_parent(Relation index, BlockNumber child, int level, const AlexEntry *split, AlexInsertScratch *scratch)
{
	int			finished = 0;

	while (finished < 100)
	{
		Buffer		origin = alex_settle(index, alex_descend(index, split, level + 1), split, level + 1,
										 BUFFER_LOCK_EXCLUSIVE);
		BlockNumber origin_block = BufferGetBlockNumber(origin);
		bool		retry = false;
		int			direction;

		for (direction = 0; direction < 2 && !retry; direction++)
		{
			Buffer		buf = direction == 0 ? origin : InvalidBuffer;
			BlockNumber block = origin_block;
			int			steps;

			for (steps = 0; steps <= ALEX_PARENT_SEARCH; steps++)
			{
				Page		page;
				AlexBlock	left,
							right;

				if (!BufferIsValid(buf))
				{
					buf = ReadBuffer(index, block);
					LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
				}
				page = BufferGetPage(buf);
				if (!alex_page_is(page, ALEX_PAGE_MODEL) || AlexPageGetOpaque(page)->level != level + 1)
					alex_report_page(index, block, "a model page links to a page that is not its sibling");
				if (alex_model_page_has_child(page, child, scratch))
				{
					if (!(AlexPageGetOpaque(page)->flags & ALEX_INCOMPLETE_SPLIT))
						return buf;
					finish_split(index, buf, scratch);	/* releases buf */
					buf = InvalidBuffer;
					finished++;
					retry = true;
					break;
				}
				alex_model_links(AlexPageSpan(page), ALEX_SPAN_BYTES, &left, &right);
				UnlockReleaseBuffer(buf);
				buf = InvalidBuffer;
				block = direction == 0 ? right : left;
				if (block == ALEX_INVALID_BLOCK)
					break;
			}
			if (BufferIsValid(buf))
				UnlockReleaseBuffer(buf);
		}
		if (!retry)
			break;
	}
	return InvalidBuffer;
}

/*
 * The root split: a new root over the old one and its new right half, recorded with
 * the metapage and the old root (whose split flag it clears) in one WAL record.
 */
static void
grow_root(Relation index, Buffer child, int level, BlockNumber new_block, AlexEntry split)
{
	Buffer		root = alex_new_buffer(index, true);
	Buffer		meta = ReadBuffer(index, ALEX_METAPAGE_BLKNO);
	GenericXLogState *state;
	Page		root_page,
				meta_page,
				child_page;
	AlexChild	children[2];
	AlexFences	fences = {{0, 0}, {0, 0}, 1};
	AlexMetaPage m;

	LockBuffer(meta, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(index);
	root_page = GenericXLogRegisterBuffer(state, root, GENERIC_XLOG_FULL_IMAGE);
	meta_page = GenericXLogRegisterBuffer(state, meta, 0);
	child_page = GenericXLogRegisterBuffer(state, child, 0);

	m = AlexPageGetMeta(meta_page);
	if (m->root != BufferGetBlockNumber(child) || m->root_level != (uint32) level)
		alex_report_page(index, BufferGetBlockNumber(child), "the metapage does not name this page as the root");
	children[0].low = page_low_hint(child_page);
	children[0].block = BufferGetBlockNumber(child);
	children[1].low = split;
	children[1].block = new_block;
	alex_init_page(root_page, ALEX_PAGE_MODEL, level + 1);
	if (alex_model_build(AlexPageSpan(root_page), ALEX_SPAN_BYTES, children, 2, level + 1, &fences,
						 ALEX_INVALID_BLOCK, ALEX_INVALID_BLOCK) != ALEX_OK)
		elog(ERROR, "alex: building a new root failed");
	m->root = BufferGetBlockNumber(root);
	m->root_level = level + 1;
	m->router_version++;
	page_set_flag(child_page, ALEX_INCOMPLETE_SPLIT, false);
	GenericXLogFinish(state);
	UnlockReleaseBuffer(root);
	UnlockReleaseBuffer(meta);
	UnlockReleaseBuffer(child);
}

/*
 * Replaces the estimated lows in scratch->children (a full parent's children, the new
 * one included) with the children's real low fences where they can be read without
 * waiting: the parent is locked, and waiting for a child under it could deadlock with an
 * inserter going up. The child that split (locked here) and the new page are known
 * exactly; the rest are tried with a conditional lock and keep their estimate if busy.
 * Returns where to split the parent if it must: the exactly known child nearest the
 * middle, so that model fences are real fences.
 */
static size_t
read_child_lows(Relation index, Buffer child, BlockNumber new_block, size_t n, AlexInsertScratch *scratch)
{
	AlexChild  *c = scratch->children;
	bool	   *exact = palloc0(n * sizeof(bool));
	size_t		at = 0;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		if (c[i].block == BufferGetBlockNumber(child))
		{
			c[i].low = page_low_hint(BufferGetPage(child));
			exact[i] = true;
		}
		else if (c[i].block == new_block)
			exact[i] = true;
		else
		{
			Buffer		buf = ReadBuffer(index, c[i].block);

			if (ConditionalLockBuffer(buf))
			{
				Page		page = BufferGetPage(buf);

				if (!PageIsNew(page) && AlexPageGetOpaque(page)->level == AlexPageGetOpaque(BufferGetPage(child))->level)
				{
					c[i].low = page_low_hint(page);
					exact[i] = true;
				}
				LockBuffer(buf, BUFFER_LOCK_UNLOCK);
			}
			ReleaseBuffer(buf);
		}
	}
	/* Estimates must stay in order between the real lows around them. */
	for (i = 1; i < n; i++)
		if (!exact[i] && alex_entry_cmp(&c[i].low, &c[i - 1].low) < 0)
			c[i].low = c[i - 1].low;
	for (i = n - 1; i-- > 0;)
		if (!exact[i] && alex_entry_cmp(&c[i].low, &c[i + 1].low) > 0)
			c[i].low = c[i + 1].low;
	for (i = 1; i < n; i++)
		if (exact[i] && (at == 0 || Abs((int64) i - (int64) n / 2) < Abs((int64) at - (int64) n / 2)))
			at = i;
	pfree(exact);
	return at;
}

/*
 * Splits the full model page `parent` over `scratch->children` (its children with the
 * new one) at child `at` into itself and a new right sibling, in one record with the sibling's right
 * neighbour and the child whose split flag this clears; then the parent's own split
 * goes up a level.
 */
static void
split_model(Relation index, Buffer parent, GenericXLogState *state, Page parent_page, Buffer child,
			Page child_page, size_t n, size_t at, AlexInsertScratch *scratch)
{
	Buffer		sibling = alex_new_buffer(index, true);
	BlockNumber sibling_block = BufferGetBlockNumber(sibling);
	Page		sibling_page = GenericXLogRegisterBuffer(state, sibling, GENERIC_XLOG_FULL_IMAGE);
	Buffer		right = InvalidBuffer;
	AlexBlock	left_link,
				right_link;
	AlexEntry	middle = scratch->children[at].low;
	int			level = AlexPageGetOpaque(parent_page)->level;

	alex_model_links(AlexPageSpan(parent_page), ALEX_SPAN_BYTES, &left_link, &right_link);
	alex_init_page(sibling_page, ALEX_PAGE_MODEL, level);
	if (alex_model_split(AlexPageSpan(parent_page), AlexPageSpan(sibling_page), ALEX_SPAN_BYTES,
						 BufferGetBlockNumber(parent), sibling_block, scratch->children, n, at) != ALEX_OK)
		elog(ERROR, "alex: splitting a model page failed");
	if (right_link != ALEX_INVALID_BLOCK)
	{
		Page		right_page;
		AlexBlock	l,
					r;

		right = ReadBuffer(index, right_link);
		LockBuffer(right, BUFFER_LOCK_EXCLUSIVE);
		right_page = GenericXLogRegisterBuffer(state, right, 0);
		alex_model_links(AlexPageSpan(right_page), ALEX_SPAN_BYTES, &l, &r);
		alex_model_set_links(AlexPageSpan(right_page), ALEX_SPAN_BYTES, sibling_block, r);
	}
	page_set_flag(child_page, ALEX_INCOMPLETE_SPLIT, false);
	page_set_flag(parent_page, ALEX_INCOMPLETE_SPLIT, true);
	GenericXLogFinish(state);
	UnlockReleaseBuffer(sibling);
	if (BufferIsValid(right))
		UnlockReleaseBuffer(right);
	UnlockReleaseBuffer(child);
	insert_into_parent(index, parent, level, sibling_block, middle, scratch);
}

/*
 * `child` split, but has no parent entry itself yet: it is the right half of its left
 * neighbour's unfinished split (reached by moving left, or left over by a crash between
 * the two records). Let go of it (locks go left to right), finish the neighbour's split,
 * then this one.
 */
static void
finish_left_split_first(Relation index, Buffer child, int level, BlockNumber new_block, AlexEntry split,
						AlexInsertScratch *scratch)
{
	BlockNumber child_block = BufferGetBlockNumber(child);
	Page		page = BufferGetPage(child);
	BlockNumber left,
				right;
	Buffer		buf;

	alex_page_links(page, &left, &right);
	UnlockReleaseBuffer(child);
	if (left == ALEX_INVALID_BLOCK)
		alex_report_page(index, child_block, "no model page of the level above routes to this page");
	buf = ReadBuffer(index, left);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	if ((AlexPageGetOpaque(BufferGetPage(buf))->flags & ALEX_INCOMPLETE_SPLIT) &&
		page_right_link(BufferGetPage(buf)) == child_block)
		finish_split(index, buf, scratch);
	else
		UnlockReleaseBuffer(buf);	/* finished meanwhile by another backend */

	child = ReadBuffer(index, child_block);
	LockBuffer(child, BUFFER_LOCK_EXCLUSIVE);
	if (!(AlexPageGetOpaque(BufferGetPage(child))->flags & ALEX_INCOMPLETE_SPLIT))
	{
		UnlockReleaseBuffer(child);
		return;
	}
	buf = alex_find_parent(index, child_block, level, &split, scratch);
	if (!BufferIsValid(buf))
		alex_report_page(index, child_block, "no model page of the level above routes to this page");
	add_to_parent(index, buf, child, level, new_block, split, scratch);
}

/*
 * Records in the level above that the page in `child` (locked exclusively, its split
 * flag set) split at `split` into itself and `new_block`. Releases `child`.
 */
static void
insert_into_parent(Relation index, Buffer child, int level, BlockNumber new_block, AlexEntry split,
				   AlexInsertScratch *scratch)
{
	AlexMetaPageData meta;
	Buffer		parent;

	alex_read_meta(index, &meta);
	if (meta.root_level == (uint32) level && meta.root == BufferGetBlockNumber(child))
	{
		grow_root(index, child, level, new_block, split);
		return;
	}
	/* At the root's level but not the root: the right half of the root's own split. */
	parent = meta.root_level == (uint32) level ? InvalidBuffer
		: alex_find_parent(index, BufferGetBlockNumber(child), level, &split, scratch);
	if (BufferIsValid(parent))
		add_to_parent(index, parent, child, level, new_block, split, scratch);
	else
		finish_left_split_first(index, child, level, new_block, split, scratch);
}

/*
 * The second record of a split: `parent` (locked) gets slots for `new_block`, split
 * off `child` at `split`; the parent retrains or splits when it has none to give.
 */
static void
add_to_parent(Relation index, Buffer parent, Buffer child, int level, BlockNumber new_block, AlexEntry split,
			  AlexInsertScratch *scratch)
{
	BlockNumber child_block = BufferGetBlockNumber(child);
	GenericXLogState *state;
	Page		parent_page,
				child_page;
	size_t		n;
	AlexStatus	st;

	state = GenericXLogStart(index);
	parent_page = GenericXLogRegisterBuffer(state, parent, 0);
	child_page = GenericXLogRegisterBuffer(state, child, 0);
	st = alex_model_split_child(AlexPageSpan(parent_page), ALEX_SPAN_BYTES, child_block, new_block, split);
	if (st == ALEX_NODE_FULL)
	{
		size_t		at;

		if (alex_model_children_after_split(AlexPageSpan(parent_page), ALEX_SPAN_BYTES, child_block, new_block,
											split, scratch->children, scratch->children_len, &n) != ALEX_OK)
			alex_report_page(index, BufferGetBlockNumber(parent), "a model page does not list its child");
		at = read_child_lows(index, child, new_block, n, scratch);
		st = alex_model_retrain(AlexPageSpan(parent_page), ALEX_SPAN_BYTES, scratch->children, n);
		if (st == ALEX_NODE_FULL)
		{
			split_model(index, parent, state, parent_page, child, child_page, n, at, scratch);
			return;
		}
	}
	if (st != ALEX_OK)
		alex_report_page(index, BufferGetBlockNumber(parent), "adding a child to a model page failed");
	page_set_flag(child_page, ALEX_INCOMPLETE_SPLIT, false);
	GenericXLogFinish(state);
	UnlockReleaseBuffer(parent);
	UnlockReleaseBuffer(child);
}

/*
 * Splits the full data page in `buf` (locked exclusively) and inserts e into the half
 * it belongs to: one record for the left page, the new right page and the old right
 * neighbour's left link; then the parent. False if e did not fit that half: each half
 * holds a subset of the page's entries, so it fits their slot format, but e may need a
 * wider one with fewer slots (a key far from a run of equal keys); the caller then
 * inserts again, and that half splits in turn. The metapage stays share-locked until the
 * entries have moved, so a VACUUM pass cannot start in between and miss them on a
 * reused page (docs/ALEX_AM.md, "Vacuum"); it is taken after the page locks, and no
 * holder of its exclusive lock waits for a page.
 */
static bool
split_data(Relation index, Buffer buf, const AlexEntry *e, AlexInsertScratch *scratch)
{
	Page		page = BufferGetPage(buf);
	AlexEntry	boundary = alex_data_choose_split(AlexPageSpan(page), ALEX_SPAN_BYTES, *e,
												  alex_fillfactor(index) / 100.0);
	Buffer		meta;
	Buffer		new_buf;
	BlockNumber new_block;
	Buffer		right = InvalidBuffer;
	AlexBlock	left_link,
				right_link;
	bool		inserted;

	alex_data_links(AlexPageSpan(page), ALEX_SPAN_BYTES, &left_link, &right_link);
	if (right_link != ALEX_INVALID_BLOCK)
	{
		right = ReadBuffer(index, right_link);
		LockBuffer(right, BUFFER_LOCK_EXCLUSIVE);
	}
	meta = ReadBuffer(index, ALEX_METAPAGE_BLKNO);
	LockBuffer(meta, BUFFER_LOCK_SHARE);
	new_buf = alex_new_buffer(index, !AlexPageGetMeta(BufferGetPage(meta))->vacuum_active);
	new_block = BufferGetBlockNumber(new_buf);
	inserted = alex_log_data_split(index, buf, new_buf, right, boundary, e, scratch);
	UnlockReleaseBuffer(meta);
	UnlockReleaseBuffer(new_buf);
	if (BufferIsValid(right))
		UnlockReleaseBuffer(right);
	insert_into_parent(index, buf, 0, new_block, boundary, scratch);
	return inserted;
}

static void
insert_entry(Relation index, const AlexEntry *e, AlexInsertScratch *scratch)
{
	for (;;)
	{
		Buffer		buf = alex_settle(index, alex_descend(index, e, 0), e, 0, BUFFER_LOCK_EXCLUSIVE);
		AlexStatus	st;

		if (AlexPageGetOpaque(BufferGetPage(buf))->flags & ALEX_INCOMPLETE_SPLIT)
		{
			finish_split(index, buf, scratch);
			continue;
		}
		st = alex_log_data_insert(index, buf, e, scratch);
		if (st == ALEX_OK)
		{
			UnlockReleaseBuffer(buf);
			break;
		}
		if (st == ALEX_PAGE_FULL)
		{
			if (split_data(index, buf, e, scratch))
				break;
			continue;
		}
		UnlockReleaseBuffer(buf);
		if (st == ALEX_DUPLICATE)
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("index \"%s\" already holds an entry for heap tuple (%u,%u)",
							RelationGetRelationName(index), (unsigned) (e->tid >> 16),
							(unsigned) (e->tid & 0xFFFF))));
		alex_report_page(index, BufferGetBlockNumber(buf), alex_status_name(st));
	}
}

/* NULLs go to the last NULL page; a full one gets a successor, linked from it and the metapage. */
static void
insert_null(Relation index, ItemPointer tid)
{
	AlexMetaPageData meta;
	BlockNumber block;

	alex_read_meta(index, &meta);
	block = meta.null_tail;
	for (;;)
	{
		Buffer		buf = InvalidBuffer;
		Buffer		new_buf;
		Buffer		meta_buf;
		GenericXLogState *state;
		Page		new_page;
		AlexMetaPage m;
		AlexNullPage nulls = NULL;

		if (block != InvalidBlockNumber)
		{
			buf = ReadBuffer(index, block);
			LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
			if (!alex_page_is(BufferGetPage(buf), ALEX_PAGE_NULLS))
				alex_report_page(index, block, "expected a NULL page");
			nulls = (AlexNullPage) AlexPageSpan(BufferGetPage(buf));
			if (nulls->count < ALEX_NULLS_PER_PAGE)
			{
				state = GenericXLogStart(index);
				nulls = (AlexNullPage) AlexPageSpan(GenericXLogRegisterBuffer(state, buf, 0));
				nulls->tids[nulls->count++] = *tid;
				GenericXLogFinish(state);
				UnlockReleaseBuffer(buf);
				return;
			}
			if (nulls->next != InvalidBlockNumber)
			{
				block = nulls->next;
				UnlockReleaseBuffer(buf);
				continue;
			}
		}

		new_buf = alex_new_buffer(index, true);
		meta_buf = ReadBuffer(index, ALEX_METAPAGE_BLKNO);
		LockBuffer(meta_buf, BUFFER_LOCK_EXCLUSIVE);
		m = AlexPageGetMeta(BufferGetPage(meta_buf));
		if (!BufferIsValid(buf) && m->null_tail != InvalidBlockNumber)
		{
			/* Someone else made the first NULL page: use it (the new page stays unused). */
			block = m->null_tail;
			UnlockReleaseBuffer(meta_buf);
			UnlockReleaseBuffer(new_buf);
			continue;
		}
		state = GenericXLogStart(index);
		new_page = GenericXLogRegisterBuffer(state, new_buf, GENERIC_XLOG_FULL_IMAGE);
		m = AlexPageGetMeta(GenericXLogRegisterBuffer(state, meta_buf, 0));
		alex_init_page(new_page, ALEX_PAGE_NULLS, 0);
		nulls = (AlexNullPage) AlexPageSpan(new_page);
		nulls->next = InvalidBlockNumber;
		nulls->tids[nulls->count++] = *tid;
		if (BufferIsValid(buf))
			((AlexNullPage) AlexPageSpan(GenericXLogRegisterBuffer(state, buf, 0)))->next = BufferGetBlockNumber(new_buf);
		else
			m->null_head = BufferGetBlockNumber(new_buf);
		m->null_tail = BufferGetBlockNumber(new_buf);
		GenericXLogFinish(state);
		UnlockReleaseBuffer(new_buf);
		UnlockReleaseBuffer(meta_buf);
		if (BufferIsValid(buf))
			UnlockReleaseBuffer(buf);
		return;
	}
}

bool
alexinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid, Relation heap,
		   IndexUniqueCheck checkUnique, bool indexUnchanged, IndexInfo *indexInfo)
{
	if (isnull[0])
		insert_null(index, heap_tid);
	else
	{
		AlexEntry	e;

		alex_entry_from_tid(&e, alex_key_encode(alex_index_key_kind(index), values[0]), heap_tid);
		insert_entry(index, &e, statement_scratch(indexInfo));
	}
	return false;
}
