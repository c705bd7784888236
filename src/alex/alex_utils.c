/*
 * Pages, the metapage, the per-backend model-page cache and the descent to a page.
 *
 * docs/ALEX_AM.md, "Search": the model pages route, the fences decide. A descent goes
 * through the cached copies of the model pages without locking anything; the page it
 * predicts is then locked and its fences checked, moving left or right until they hold
 * the entry (Lehman-Yao). A cache that sends searches sideways too often is dropped and
 * read again.
 */
#include "alex_am.h"

#include "access/relscan.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/indexfsm.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

/*
 * A descent that needed more steps to the right than this counts as a sign of a stale
 * cache (pages split to the right since it was read). Steps left are not: they say the
 * model cannot separate the keys there -- a run of equal keys over several pages --
 * which a fresh copy would not change. Neither would it on locally hard keys, whose
 * models send some lookups a few pages off however fresh; so the cache is read again
 * only after ALEX_CACHE_RELOAD_RATIO such descents per page it holds, which keeps the
 * cost of reading it below a quarter of a page per descent that asked for it.
 */
#define ALEX_CACHE_MAX_HOPS 2
#define ALEX_CACHE_RELOAD_RATIO 4

/*
 * Blocks whose last buffer a backend remembers (4 bytes each, in the cache's chunk): an
 * index of up to 2 GB. Beyond it, blocks go through the buffer-mapping table only.
 */
#define ALEX_RECENT_BUFFERS_MAX (256 * 1024)

/* Sideways steps a descent takes per model level before trusting the data level. */
#define ALEX_DESCENT_MAX_STEPS 64

/* Where the copy of one model page sits in the cache's arena. */
typedef struct AlexCachedPage
{
	BlockNumber block;
	uint32		offset;			/* MAXALIGNed, from AlexCache.arena */
	uint32		bytes;			/* alex_model_used_bytes: header and slots */
} AlexCachedPage;

/*
 * The model pages of one index, copied into backend memory (rd_amcache). One chunk, so
 * that relcache invalidation frees it with a single pfree: the directory sorted by
 * block, then each page's used prefix (a full fanout fills half a page; nodes over a
 * few children, as where keys come in clusters, far less).
 */
typedef struct AlexCache
{
	AlexMetaPageData meta;
	int			npages;
	int			stale_descents; /* see ALEX_CACHE_MAX_HOPS */
	char	   *arena;
	BlockNumber nrecent;		/* blocks below this have a slot in recent */
	Buffer	   *recent;			/* by block: the buffer it was last read into, or 0 */
	AlexCachedPage pages[FLEXIBLE_ARRAY_MEMBER];	/* sorted by block */
} AlexCache;

void
alex_init_page(Page page, uint16 kind, uint16 level)
{
	AlexPageOpaque opaque;

	PageInit(page, BLCKSZ, sizeof(AlexPageOpaqueData));
	opaque = AlexPageGetOpaque(page);
	opaque->kind = kind;
	opaque->level = level;
	opaque->page_id = ALEX_PAGE_ID;
	/* The core's span is all "header": generic WAL then diffs and restores it whole. */
	((PageHeader) page)->pd_lower = ALEX_SPAN_OFFSET + ALEX_SPAN_BYTES;
}

bool
alex_page_is(Page page, uint16 kind)
{
	return !PageIsNew(page) &&
		PageGetSpecialSize(page) == MAXALIGN(sizeof(AlexPageOpaqueData)) &&
		AlexPageGetOpaque(page)->page_id == ALEX_PAGE_ID &&
		AlexPageGetOpaque(page)->kind == kind;
}

/*
 * alex_page_is for a page about to be searched or followed: of the kind, and then its
 * span's header must be sound, for the search trusts it to stay within the page. A
 * corrupted one is reported, not searched.
 */
bool
alex_page_holds(Relation index, Buffer buf, uint16 kind)
{
	Page		page = BufferGetPage(buf);

	if (!alex_page_is(page, kind))
		return false;
	if ((kind == ALEX_PAGE_DATA && !alex_data_valid(AlexPageSpan(page), ALEX_SPAN_BYTES)) ||
		(kind == ALEX_PAGE_MODEL && !alex_model_valid(AlexPageSpan(page), ALEX_SPAN_BYTES)))
		alex_report_page(index, BufferGetBlockNumber(buf),
						 kind == ALEX_PAGE_DATA ? "invalid data page header" : "invalid model page header");
	return true;
}

void
alex_report_page(Relation index, BlockNumber block, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INDEX_CORRUPTED),
			 errmsg("index \"%s\" block %u: %s", RelationGetRelationName(index), block, what)));
}

/*
 * A page that may be reused: never initialized (an extension whose WAL record was
 * lost), or deleted so long ago that no snapshot can still follow a link to it.
 */
bool
alex_page_recyclable(Page page)
{
	if (PageIsNew(page))
		return true;
	return alex_page_is(page, ALEX_PAGE_DELETED) &&
		GlobalVisCheckRemovableFullXid(NULL, ((AlexDeletedPage) AlexPageSpan(page))->safexid);
}

/*
 * A page for the caller to initialize, locked exclusively: a recycled one from the free
 * space map when `may_reuse`, else a new one at the end of the index. Data-page splits
 * reuse only while no VACUUM pass runs (docs/ALEX_AM.md, "Vacuum"), since a pass must
 * not miss entries moved behind it.
 */
Buffer
alex_new_buffer(Relation index, bool may_reuse)
{
	Buffer		buf;

	while (may_reuse)
	{
		BlockNumber block = GetFreeIndexPage(index);

		if (block == InvalidBlockNumber)
			break;
		/* The map is only a hint: the page must still be free, and nobody else's. */
		buf = ReadBuffer(index, block);
		if (ConditionalLockBuffer(buf))
		{
			if (alex_page_recyclable(BufferGetPage(buf)))
				return buf;
			LockBuffer(buf, BUFFER_LOCK_UNLOCK);
		}
		ReleaseBuffer(buf);
	}
	/*
	 * Locked before the extension lock goes: until then VACUUM could see the page new,
	 * put it in the free space map, and another backend take it from there.
	 */
	LockRelationForExtension(index, ExclusiveLock);
	buf = ReadBuffer(index, P_NEW);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	UnlockRelationForExtension(index, ExclusiveLock);
	return buf;
}

void
alex_read_meta(Relation index, AlexMetaPageData *out)
{
	Buffer		buf = ReadBuffer(index, ALEX_METAPAGE_BLKNO);
	Page		page;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (!alex_page_is(page, ALEX_PAGE_META) || AlexPageGetMeta(page)->magic != ALEX_META_MAGIC)
		alex_report_page(index, ALEX_METAPAGE_BLKNO, "not an alex metapage");
	if (AlexPageGetMeta(page)->version != ALEX_META_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("index \"%s\" has alex format version %u, this library reads version %u",
						RelationGetRelationName(index), AlexPageGetMeta(page)->version, ALEX_META_VERSION),
				 errhint("REINDEX the index.")));
	*out = *AlexPageGetMeta(page);
	UnlockReleaseBuffer(buf);
}

/*
 * The key kind follows from the column's type; every entry point checks the definition
 * before trusting it.
 */
AlexKeyKind
alex_index_key_kind(Relation index)
{
	return alex_key_kind_for_type(index->rd_opcintype[0]);
}

/* The operator class's input type decides the kind: a domain indexes as its base type. */
void
alex_check_index_definition(Relation index)
{
	Oid			type = index->rd_opcintype[0];

	if (IndexRelationGetNumberOfAttributes(index) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("alex indexes have exactly one column")));
	if (alex_key_kind_for_type(type) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("alex indexes do not support type %s", format_type_be(type)),
				 errhint("Supported types: %s.", alex_supported_types())));
	if (index->rd_indoption[0] != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("alex indexes do not support DESC or NULLS FIRST yet"),
				 errhint("Create the index in ascending order: backward scans serve ORDER BY ... DESC.")));
}

int
alex_fillfactor(Relation index)
{
	AlexOptions *opts = (AlexOptions *) index->rd_options;

	return opts ? opts->fillfactor : ALEX_DEFAULT_FILLFACTOR;
}

void
alex_entry_from_tid(AlexEntry *e, uint64 key, ItemPointer tid)
{
	e->key = key;
	e->tid = ((uint64) ItemPointerGetBlockNumberNoCheck(tid) << 16) | ItemPointerGetOffsetNumberNoCheck(tid);
}

void
alex_tid_from_entry(ItemPointer tid, const AlexEntry *e)
{
	ItemPointerSet(tid, (BlockNumber) (e->tid >> 16), (OffsetNumber) (e->tid & 0xFFFF));
}

int
alex_entry_cmp(const AlexEntry *a, const AlexEntry *b)
{
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	return 0;
}

bool
alex_entry_in_fences(const AlexEntry *e, const AlexFences *f)
{
	return alex_entry_cmp(e, &f->low) >= 0 &&
		(f->high_infinite || alex_entry_cmp(e, &f->high) < 0);
}

/* A data or model page's fences. */
void
alex_page_fences(Page page, AlexFences *out)
{
	if (AlexPageGetOpaque(page)->kind == ALEX_PAGE_DATA)
		alex_data_fences(AlexPageSpan(page), ALEX_SPAN_BYTES, out);
	else
		alex_model_fences(AlexPageSpan(page), ALEX_SPAN_BYTES, out);
}

/* A data or model page's links. */
void
alex_page_links(Page page, BlockNumber *left, BlockNumber *right)
{
	if (AlexPageGetOpaque(page)->kind == ALEX_PAGE_DATA)
		alex_data_links(AlexPageSpan(page), ALEX_SPAN_BYTES, left, right);
	else
		alex_model_links(AlexPageSpan(page), ALEX_SPAN_BYTES, left, right);
}

/* Is this page of the kind and level a descent to `level` must arrive at? */
static bool
page_at_level(Relation index, Buffer buf, int level)
{
	return level == 0 ? alex_page_holds(index, buf, ALEX_PAGE_DATA)
		: alex_page_holds(index, buf, ALEX_PAGE_MODEL) && AlexPageGetOpaque(BufferGetPage(buf))->level == level;
}

void
alex_invalidate_cache(Relation index)
{
	if (index->rd_amcache != NULL)
		pfree(index->rd_amcache);
	index->rd_amcache = NULL;
}

static int
cached_page_cmp(const void *a, const void *b)
{
	BlockNumber x = ((const AlexCachedPage *) a)->block;
	BlockNumber y = ((const AlexCachedPage *) b)->block;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* Copies every model page, level by level, each level walked along its right links. */
static AlexCache *
load_cache(Relation index)
{
	AlexMetaPageData meta;
	int			capacity = 8;
	int			npages = 0;
	AlexCachedPage *pages = palloc(capacity * sizeof(AlexCachedPage));
	Size		arena_capacity = 8 * ALEX_SPAN_BYTES;
	Size		arena_used = 0;
	char	   *arena = palloc(arena_capacity);
	AlexCache  *cache;
	Size		directory;
	BlockNumber nrecent;
	BlockNumber leftmost;
	int			level;

	alex_read_meta(index, &meta);
	leftmost = meta.root;
	for (level = meta.root_level; level >= 1; level--)
	{
		BlockNumber block = leftmost;

		leftmost = InvalidBlockNumber;
		while (block != InvalidBlockNumber)
		{
			Buffer		buf = ReadBuffer(index, block);
			Page		page;
			BlockNumber left;
			Size		used;

			LockBuffer(buf, BUFFER_LOCK_SHARE);
			page = BufferGetPage(buf);
			if (!page_at_level(index, buf, level))
				alex_report_page(index, block, "expected a model page while caching the model levels");
			used = alex_model_used_bytes(AlexPageSpan(page), ALEX_SPAN_BYTES);
			if (npages == capacity)
			{
				capacity *= 2;
				pages = repalloc_huge(pages, capacity * sizeof(AlexCachedPage));
			}
			if (arena_used + MAXALIGN(used) > arena_capacity)
			{
				arena_capacity = Max(2 * arena_capacity, arena_used + MAXALIGN(used));
				arena = repalloc_huge(arena, arena_capacity);
			}
			pages[npages].block = block;
			pages[npages].offset = arena_used;
			pages[npages].bytes = used;
			memcpy(arena + arena_used, AlexPageSpan(page), used);
			arena_used += MAXALIGN(used);
			npages++;
			if (leftmost == InvalidBlockNumber)
			{
				AlexEntry	lowest = {0, 0};

				leftmost = alex_model_route(AlexPageSpan(page), ALEX_SPAN_BYTES, lowest);
			}
			alex_page_links(page, &left, &block);
			UnlockReleaseBuffer(buf);
			CHECK_FOR_INTERRUPTS();
		}
	}
	qsort(pages, npages, sizeof(AlexCachedPage), cached_page_cmp);
	directory = MAXALIGN(offsetof(AlexCache, pages) + npages * sizeof(AlexCachedPage));
	/* ReadRecentBuffer serves shared buffers only (PG15's local-buffer path is unsafe). */
	nrecent = RelationUsesLocalBuffers(index) ? 0 :
		Min(RelationGetNumberOfBlocks(index), ALEX_RECENT_BUFFERS_MAX);
	cache = MemoryContextAllocHuge(index->rd_indexcxt, directory + arena_used + nrecent * sizeof(Buffer));
	cache->meta = meta;
	cache->npages = npages;
	cache->stale_descents = 0;
	cache->arena = (char *) cache + directory;
	cache->nrecent = nrecent;
	cache->recent = (Buffer *) (cache->arena + arena_used);
	memset(cache->recent, 0, nrecent * sizeof(Buffer));
	memcpy(cache->pages, pages, npages * sizeof(AlexCachedPage));
	memcpy(cache->arena, arena, arena_used);
	pfree(pages);
	pfree(arena);
	return cache;
}

static void
note_right_steps(Relation index, int right_steps)
{
	AlexCache  *cache = (AlexCache *) index->rd_amcache;

	if (cache == NULL || right_steps <= ALEX_CACHE_MAX_HOPS)
		return;
	if (++cache->stale_descents >= ALEX_CACHE_RELOAD_RATIO * Max(cache->npages, 1))
		alex_invalidate_cache(index);
}

/* The cached copy of model page `block` and its length, or NULL if not cached. */
static const void *
cached_span(const AlexCache *cache, BlockNumber block, Size *bytes)
{
	AlexCachedPage key;
	const AlexCachedPage *found;

	key.block = block;
	found = bsearch(&key, cache->pages, cache->npages, sizeof(AlexCachedPage), cached_page_cmp);
	if (found == NULL)
		return NULL;
	*bytes = found->bytes;
	return cache->arena + found->offset;
}

/*
 * The page of `level` (0: a data page) a search for e should start from, predicted
 * through the model pages: their cached copies, or the pages themselves when not cached.
 * Each model page's fences are checked on the way down and its links followed when they
 * do not hold e, so a stale copy costs a step at its own level rather than a walk along
 * the data pages; a cache that needed steps is dropped afterwards. Only a descent to the
 * data level loads the cache: the others come from page splits, which hold locks on
 * lower pages that reading the whole model would wait for.
 */
BlockNumber
alex_descend(Relation index, const AlexEntry *e, int to_level)
{
	AlexCache  *cache;
	AlexMetaPageData meta;
	BlockNumber block;
	int			level;
	int			steps = 0;
	int			right_steps = 0;
	char	   *copy = NULL;

	if (index->rd_amcache == NULL && to_level == 0)
		index->rd_amcache = load_cache(index);
	cache = (AlexCache *) index->rd_amcache;
	if (cache)
		meta = cache->meta;
	else
		alex_read_meta(index, &meta);
	if (meta.root_level < (uint32) to_level)
		return InvalidBlockNumber;
	block = meta.root;
	level = meta.root_level;
	while (level > to_level)
	{
		Size		span_bytes = ALEX_SPAN_BYTES;
		const void *span = cache ? cached_span(cache, block, &span_bytes) : NULL;
		AlexFences	fences;
		AlexBlock	left,
					right;

		if (span == NULL)
		{
			Buffer		buf = ReadBuffer(index, block);

			if (copy == NULL)
				copy = palloc(ALEX_SPAN_BYTES);
			LockBuffer(buf, BUFFER_LOCK_SHARE);
			if (!page_at_level(index, buf, level))
			{
				/* A stale route; the caller's settle starts over from the metapage. */
				UnlockReleaseBuffer(buf);
				block = InvalidBlockNumber;
				break;
			}
			memcpy(copy, AlexPageSpan(BufferGetPage(buf)), ALEX_SPAN_BYTES);
			UnlockReleaseBuffer(buf);
			span = copy;
		}
		alex_model_fences(span, span_bytes, &fences);
		alex_model_links(span, span_bytes, &left, &right);
		if (alex_entry_cmp(e, &fences.low) < 0 && left != ALEX_INVALID_BLOCK && steps < ALEX_DESCENT_MAX_STEPS)
			block = left;
		else if (!fences.high_infinite && alex_entry_cmp(e, &fences.high) >= 0 && right != ALEX_INVALID_BLOCK &&
				 steps < ALEX_DESCENT_MAX_STEPS)
		{
			block = right;
			right_steps++;
		}
		else
		{
			block = alex_model_route(span, span_bytes, *e);
			level--;
			continue;
		}
		steps++;
	}
	if (copy)
		pfree(copy);
	note_right_steps(index, right_steps);
	return block;
}

/*
 * Pins `block`. On a large index the buffer-mapping table's lookup is a cache miss or two
 * per descent (a fifth of an index-only probe's time at 10M keys), so the backend first
 * offers the buffer it last found the block in: ReadRecentBuffer pins it only if it still
 * holds this block, and otherwise the mapping table decides as usual.
 */
Buffer
alex_read_buffer(Relation index, BlockNumber block)
{
	AlexCache  *cache = (AlexCache *) index->rd_amcache;
	Buffer		buf;

	if (cache == NULL || block >= cache->nrecent)
		return ReadBuffer(index, block);
	buf = cache->recent[block];
#if PG_VERSION_NUM >= 160000
	if (BufferIsValid(buf) && ReadRecentBuffer(index->rd_locator, MAIN_FORKNUM, block, buf))
#else
	if (BufferIsValid(buf) && ReadRecentBuffer(index->rd_node, MAIN_FORKNUM, block, buf))
#endif
	{
		/* ReadBuffer's per-relation counts, which ReadRecentBuffer leaves to its caller */
		pgstat_count_buffer_read(index);
		pgstat_count_buffer_hit(index);
		return buf;
	}
	buf = ReadBuffer(index, block);
	cache->recent[block] = buf;
	return buf;
}

/*
 * Locks (in `mode`) the page of `level` whose fences hold e, starting from `block`
 * (InvalidBlockNumber: from the root) and following left and right links. A page of the
 * wrong kind means the route was stale: the cache is dropped and the descent repeated.
 */
Buffer
alex_settle(Relation index, BlockNumber block, const AlexEntry *e, int level, int mode)
{
	int			right_hops = 0;
	int			restarts = 0;

	for (;;)
	{
		Buffer		buf;
		Page		page;
		AlexFences	fences;
		BlockNumber left,
					right;

		if (block == InvalidBlockNumber)
		{
			if (restarts++ > 2)
				ereport(ERROR,
						(errcode(ERRCODE_INDEX_CORRUPTED),
						 errmsg("index \"%s\" has no page of level %d for a key",
								RelationGetRelationName(index), level)));
			alex_invalidate_cache(index);
			block = alex_descend(index, e, level);
			if (block == InvalidBlockNumber)
				continue;
		}
		buf = alex_read_buffer(index, block);
		LockBuffer(buf, mode);
		page = BufferGetPage(buf);
		if (!page_at_level(index, buf, level))
		{
			UnlockReleaseBuffer(buf);
			block = InvalidBlockNumber;
			continue;
		}
		alex_page_fences(page, &fences);
		alex_page_links(page, &left, &right);
		if (alex_entry_cmp(e, &fences.low) < 0 && left != InvalidBlockNumber)
			block = left;
		else if (!fences.high_infinite && alex_entry_cmp(e, &fences.high) >= 0 && right != InvalidBlockNumber)
		{
			block = right;
			right_hops++;
		}
		else
		{
			note_right_steps(index, right_hops);
			return buf;
		}
		UnlockReleaseBuffer(buf);
		CHECK_FOR_INTERRUPTS();
	}
}
