/*
 * CREATE INDEX: scan the heap, sort (key code, TID) within maintenance_work_mem
 * (alex_sort.c), then load bottom-up: data pages packed at the fill factor, level-1
 * model pages grouped by ALEX's cost model with the data-page boundaries moved to where
 * each model page routes, then the upper model levels. Pages are written without WAL
 * and logged in one pass at the end (docs/ALEX_AM.md, "WAL").
 *
 * Block order: the metapage, NULL pages (written during the heap scan), data pages in
 * key order, then model pages level by level.
 */
#include "alex_am.h"

#include "access/tableam.h"
#include "catalog/index.h"
#include "catalog/pg_type_d.h"
#include "commands/progress.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/backend_progress.h"
#include "utils/rel.h"

#define ALEX_PHASE_SORT			2
#define ALEX_PHASE_LOAD			3
#define ALEX_PHASE_MODEL		4
#define ALEX_PHASE_WAL			5

typedef struct AlexBuildState
{
	Relation	index;
	ForkNumber	fork;
	AlexKeyKind kind;
	double		fill;

	AlexSort   *sort;
	double		heap_tuples;
	double		entries;

	/* NULL pages, written as they fill during the heap scan */
	Buffer		null_buf;
	BlockNumber null_head;
	BlockNumber null_tail;

	/*
	 * The load: a window of sorted entries inside a buffer twice the size it is topped
	 * up to, so it moves forward and is moved back only when it reaches the end; the
	 * data pages planned beyond the last group (cuts[0..carried] of load_group); and the
	 * next block a page will get.
	 */
	AlexEntry  *window_buf;
	size_t		window_cap;
	AlexEntry  *window;
	size_t		window_len;
	size_t		carried;
	bool		sort_done;
	BlockNumber next_block;
	bool		first_data_page;
	int64		loaded;

	/* model page images of the level being built, in key order */
	char	  **images;
	AlexEntry  *image_lows;
	int			nimages;
	int			images_cap;
} AlexBuildState;

static Buffer
build_extend(AlexBuildState *bs)
{
	Buffer		buf = ReadBufferExtended(bs->index, bs->fork, P_NEW, RBM_NORMAL, NULL);

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	Assert(BufferGetBlockNumber(buf) == bs->next_block);
	bs->next_block++;
	return buf;
}

static void
build_finish(Buffer buf)
{
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);
}

static void
build_add_null(AlexBuildState *bs, ItemPointer tid)
{
	AlexNullPage nulls = NULL;

	if (BufferIsValid(bs->null_buf))
		nulls = (AlexNullPage) AlexPageSpan(BufferGetPage(bs->null_buf));
	if (nulls == NULL || nulls->count == ALEX_NULLS_PER_PAGE)
	{
		Buffer		buf = build_extend(bs);
		AlexNullPage fresh;

		alex_init_page(BufferGetPage(buf), ALEX_PAGE_NULLS, 0);
		fresh = (AlexNullPage) AlexPageSpan(BufferGetPage(buf));
		fresh->next = InvalidBlockNumber;
		if (nulls != NULL)
		{
			nulls->next = BufferGetBlockNumber(buf);
			build_finish(bs->null_buf);
		}
		else
			bs->null_head = BufferGetBlockNumber(buf);
		bs->null_buf = buf;
		bs->null_tail = BufferGetBlockNumber(buf);
		nulls = fresh;
	}
	nulls->tids[nulls->count++] = *tid;
}

static void
build_callback(Relation index, ItemPointer tid, Datum *values, bool *isnull, bool tupleIsAlive, void *state)
{
	AlexBuildState *bs = (AlexBuildState *) state;

	bs->heap_tuples++;
	if (isnull[0])
	{
		build_add_null(bs, tid);
		return;
	}
	{
		AlexEntry	e;

		alex_entry_from_tid(&e, alex_key_encode(bs->kind, values[0]), tid);
		alex_sort_put(bs->sort, &e);
	}
	bs->entries++;
}

/* Drops the first `consumed` entries of the window and tops it up to `want`. */
static void
refill_window(AlexBuildState *bs, size_t consumed, size_t want)
{
	bs->window += consumed;
	bs->window_len -= consumed;
	if (bs->window + want > bs->window_buf + bs->window_cap)
	{
		memmove(bs->window_buf, bs->window, bs->window_len * sizeof(AlexEntry));
		bs->window = bs->window_buf;
	}
	while (!bs->sort_done && bs->window_len < want)
	{
		if (!alex_sort_next(bs->sort, &bs->window[bs->window_len]))
		{
			bs->sort_done = true;
			break;
		}
		bs->window_len++;
	}
}

static void
write_data_page(AlexBuildState *bs, const AlexEntry *entries, size_t n, bool last)
{
	Buffer		buf = build_extend(bs);
	BlockNumber block = BufferGetBlockNumber(buf);
	AlexFences	fences;
	AlexStatus	st;

	/* The leftmost page starts at the lowest entry, the rightmost is open above. */
	fences.low = bs->first_data_page ? (AlexEntry) {0, 0} : entries[0];
	fences.high = last ? (AlexEntry) {0, 0} : entries[n];
	fences.high_infinite = last;
	alex_init_page(BufferGetPage(buf), ALEX_PAGE_DATA, 0);
	st = alex_data_layout(AlexPageSpan(BufferGetPage(buf)), ALEX_SPAN_BYTES, entries, n, &fences,
						  bs->first_data_page ? ALEX_INVALID_BLOCK : block - 1,
						  last ? ALEX_INVALID_BLOCK : block + 1);
	if (st != ALEX_OK)
		elog(ERROR, "alex build: laying out a data page failed: %s", alex_status_name(st));
	build_finish(buf);
	bs->first_data_page = false;
	bs->loaded += n;
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, bs->loaded);
}

static void
add_image(AlexBuildState *bs, const AlexChild *children, size_t n, int level, const AlexFences *fences)
{
	char	   *image;

	if (bs->nimages == bs->images_cap)
	{
		bs->images_cap *= 2;
		bs->images = repalloc_huge(bs->images, bs->images_cap * sizeof(char *));
		bs->image_lows = repalloc_huge(bs->image_lows, bs->images_cap * sizeof(AlexEntry));
	}
	image = palloc0(ALEX_SPAN_BYTES);
	if (alex_model_build(image, ALEX_SPAN_BYTES, children, n, level, fences,
						 ALEX_INVALID_BLOCK, ALEX_INVALID_BLOCK) != ALEX_OK)
		elog(ERROR, "alex build: building a model page over %zu children failed", n);
	bs->images[bs->nimages] = image;
	bs->image_lows[bs->nimages] = children[0].low;
	bs->nimages++;
}

/*
 * Loads the data pages under one level-1 model page: plans pages over the window,
 * lets the cost model choose how many share the model page, builds its image, moves
 * the page boundaries to where it routes and writes the pages. False after the last.
 * Where keys come in clusters a group takes a few pages of the hundreds planned: the
 * rest stay planned for the next group rather than being planned again.
 */
static bool
load_group(AlexBuildState *bs, AlexChild *children, size_t *cuts, size_t group_max, size_t page_max)
{
	size_t		planned = bs->carried;
	size_t		pos = planned > 0 ? cuts[planned] : 0;
	size_t		take;
	size_t		i;
	bool		last_group;

	refill_window(bs, 0, (group_max + 2) * page_max);
	for (i = 0; i < planned; i++)
	{
		children[i].low = bs->window[cuts[i]];
		children[i].block = bs->next_block + i;
	}
	/* One planned page more than a group can take gives the group its high fence. */
	do
	{
		cuts[planned] = pos;
		children[planned].low = pos < bs->window_len ? bs->window[pos] : (AlexEntry) {0, 0};
		children[planned].block = bs->next_block + planned;
		pos += alex_bulk_take_data_page(bs->window + pos, bs->window_len - pos, bs->fill, ALEX_SPAN_BYTES);
		planned++;
	} while (planned <= group_max && pos < bs->window_len);
	cuts[planned] = pos;

	take = Max(alex_bulk_take_model_group(children, planned, ALEX_SPAN_BYTES, 1, false), 1);
	last_group = take == planned && pos == bs->window_len && bs->sort_done;

	/* A lone data page is the root itself. */
	if (!(last_group && bs->nimages == 0 && take == 1))
	{
		AlexFences	fences;

		fences.low = bs->nimages == 0 ? (AlexEntry) {0, 0} : children[0].low;
		fences.high = last_group ? (AlexEntry) {0, 0} : children[take].low;
		fences.high_infinite = last_group;
		add_image(bs, children, take, 1, &fences);
		alex_bulk_align_cuts(bs->images[bs->nimages - 1], ALEX_SPAN_BYTES, bs->window, bs->window_len,
							 cuts, take + 1, children[0].block, bs->fill);
	}
	for (i = 0; i < take; i++)
	{
		/* The window holds the next page's first entry, the high fence, unless last. */
		write_data_page(bs, bs->window + cuts[i], cuts[i + 1] - cuts[i], last_group && i + 1 == take);
		CHECK_FOR_INTERRUPTS();
	}
	/* The last planned page stays unplanned: the window's end may have cut it short. */
	bs->carried = planned > take + 1 ? planned - take - 1 : 0;
	pos = cuts[take];
	for (i = 0; i <= bs->carried; i++)
		cuts[i] = cuts[take + i] - pos;
	refill_window(bs, pos, 0);
	return !last_group;
}

/*
 * Writes the model page images of one level to consecutive blocks, linked in key
 * order, and returns them as the children of the next level.
 */
static AlexChild *
write_images(AlexBuildState *bs)
{
	AlexChild  *written = palloc_extended(Max(bs->nimages, 1) * sizeof(AlexChild), MCXT_ALLOC_HUGE);
	BlockNumber first = bs->next_block;
	int			i;

	for (i = 0; i < bs->nimages; i++)
	{
		Buffer		buf = build_extend(bs);

		alex_init_page(BufferGetPage(buf), ALEX_PAGE_MODEL,
					   alex_model_level(bs->images[i], ALEX_SPAN_BYTES));
		alex_model_set_links(bs->images[i], ALEX_SPAN_BYTES,
							 i == 0 ? ALEX_INVALID_BLOCK : first + i - 1,
							 i + 1 == bs->nimages ? ALEX_INVALID_BLOCK : first + i + 1);
		memcpy(AlexPageSpan(BufferGetPage(buf)), bs->images[i], ALEX_SPAN_BYTES);
		build_finish(buf);
		pfree(bs->images[i]);
		written[i].low = bs->image_lows[i];
		written[i].block = first + i;
	}
	return written;
}

/* Builds the model levels above `children` (the level below, in key order). */
static void
build_upper_levels(AlexBuildState *bs, AlexChild *children, int n, int level, AlexMetaPageData *meta)
{
	while (n > 1)
	{
		int			pos = 0;

		bs->nimages = 0;
		while (pos < n)
		{
			size_t		take = Max(alex_bulk_take_model_group(children + pos, n - pos, ALEX_SPAN_BYTES, level, pos == 0), 1);
			bool		last = pos + take == (size_t) n;
			AlexFences	fences;

			fences.low = pos == 0 ? (AlexEntry) {0, 0} : children[pos].low;
			fences.high = last ? (AlexEntry) {0, 0} : children[pos + take].low;
			fences.high_infinite = last;
			add_image(bs, children + pos, take, level, &fences);
			pos += take;
		}
		pfree(children);
		children = write_images(bs);
		n = bs->nimages;
		level++;
	}
	meta->root = children[0].block;
	meta->root_level = level - 1;
	pfree(children);
}

static void
write_metapage(AlexBuildState *bs, const AlexMetaPageData *meta)
{
	Buffer		buf = ReadBufferExtended(bs->index, bs->fork, ALEX_METAPAGE_BLKNO, RBM_NORMAL, NULL);

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	alex_init_page(BufferGetPage(buf), ALEX_PAGE_META, 0);
	*AlexPageGetMeta(BufferGetPage(buf)) = *meta;
	build_finish(buf);
}

/* Loads the sorted entries (if any) and writes every page but the NULL pages. */
static void
load(AlexBuildState *bs)
{
	size_t		group_max = alex_model_max_fanout(ALEX_SPAN_BYTES) / 4;
	size_t		page_max = alex_data_max_capacity(ALEX_SPAN_BYTES);
	AlexChild  *children = palloc((group_max + 2) * sizeof(AlexChild));
	size_t	   *cuts = palloc((group_max + 2) * sizeof(size_t));
	AlexMetaPageData meta;

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, ALEX_PHASE_LOAD);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, (int64) bs->entries);
	bs->window_cap = 2 * (group_max + 2) * page_max;
	bs->window_buf = palloc_extended(bs->window_cap * sizeof(AlexEntry), MCXT_ALLOC_HUGE);
	bs->window = bs->window_buf;
	bs->images_cap = 8;
	bs->images = palloc(bs->images_cap * sizeof(char *));
	bs->image_lows = palloc(bs->images_cap * sizeof(AlexEntry));
	bs->first_data_page = true;

	memset(&meta, 0, sizeof(meta));
	meta.magic = ALEX_META_MAGIC;
	meta.version = ALEX_META_VERSION;
	meta.key_kind = bs->kind;
	meta.null_head = bs->null_head;
	meta.null_tail = bs->null_tail;
	meta.root = bs->next_block;	/* the lone data page, unless model pages follow */
	meta.root_level = 0;

	while (load_group(bs, children, cuts, group_max, page_max))
		;
	if (bs->nimages > 0)
	{
		pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, ALEX_PHASE_MODEL);
		build_upper_levels(bs, write_images(bs), bs->nimages, 2, &meta);
	}
	write_metapage(bs, &meta);
	pfree(children);
	pfree(cuts);
	pfree(bs->window_buf);
}

static void
init_build(AlexBuildState *bs, Relation index, ForkNumber fork)
{
	Buffer		meta;

	alex_check_index_definition(index);
	memset(bs, 0, sizeof(*bs));
	bs->index = index;
	bs->fork = fork;
	bs->kind = alex_index_key_kind(index);
	bs->fill = alex_fillfactor(index) / 100.0;
	bs->null_buf = InvalidBuffer;
	bs->null_head = bs->null_tail = InvalidBlockNumber;
	if (RelationGetNumberOfBlocksInFork(index, fork) != 0)
		elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));
	/* Block 0 is the metapage; it is written last, when the root is known. */
	meta = build_extend(bs);
	build_finish(meta);
}

static void
finish_build(AlexBuildState *bs)
{
	if (BufferIsValid(bs->null_buf))
		build_finish(bs->null_buf);
	bs->null_buf = InvalidBuffer;
}

static void
log_pages(AlexBuildState *bs)
{
	if (RelationNeedsWAL(bs->index) || bs->fork == INIT_FORKNUM)
	{
		pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, ALEX_PHASE_WAL);
		log_newpage_range(bs->index, bs->fork, 0, RelationGetNumberOfBlocksInFork(bs->index, bs->fork), true);
	}
}

IndexBuildResult *
alexbuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	AlexBuildState bs;
	IndexBuildResult *result;

	init_build(&bs, index, MAIN_FORKNUM);
	bs.sort = alex_sort_begin((size_t) maintenance_work_mem * 1024);

	table_index_build_scan(heap, index, indexInfo, true, true, build_callback, &bs, NULL);
	finish_build(&bs);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, ALEX_PHASE_SORT);
	alex_sort_finish(bs.sort);
	load(&bs);
	alex_sort_end(bs.sort);
	log_pages(&bs);

	result = palloc(sizeof(IndexBuildResult));
	result->heap_tuples = bs.heap_tuples;
	result->index_tuples = bs.heap_tuples;
	return result;
}

/* The init fork of an unlogged index: an empty index, always WAL-logged. */
void
alexbuildempty(Relation index)
{
	AlexBuildState bs;

	init_build(&bs, index, INIT_FORKNUM);
	bs.sort_done = true;
	load(&bs);
	log_pages(&bs);
}

char *
alexbuildphasename(int64 phase)
{
	switch (phase)
	{
		case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
			return "initializing";
		case ALEX_PHASE_SORT:
			return "sorting";
		case ALEX_PHASE_LOAD:
			return "loading data pages";
		case ALEX_PHASE_MODEL:
			return "building model pages";
		case ALEX_PHASE_WAL:
			return "writing WAL";
		default:
			return NULL;
	}
}
