/*
 * The fetch cache: stripe directories and decompressed blocks that index fetches keep
 * in backend memory across fetches, statements and transactions, least recently used
 * first out, up to omendb.columnar_cache_size.
 *
 * A point lookup through an index would otherwise decompress a block of every column
 * for one row. Caching across transactions is sound because what is cached is
 * immutable: a stripe's pages are written once, and the key names a written stripe by
 * storage id (never reused), first row and first block. Whether a stripe is visible is
 * decided by the metadata on every fetch, never by the cache. The one way storage
 * changes under the same name, TRUNCATE in place of a table created in the same
 * transaction (it restarts row numbers), calls columnar_cache_forget.
 *
 * Entries are evicted only by columnar_cache_trim, which fetches call before they look
 * anything up, so what one fetch looked up stays valid until it has stored its row.
 * A row that a slot decodes later (columnar_slot.c) keeps the entries it looked up
 * together with the generation, which every eviction advances: while it is unchanged,
 * they are still there. An entry may grow after it was inserted (a block of rows whose
 * columns are read as they are asked for); columnar_cache_resized counts what it took.
 */
#include "columnar.h"

#include "lib/ilist.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

typedef struct CacheEntry
{
	ColumnarCacheKey key;
	dlist_node	lru;			/* head: most recently used */
	MemoryContext cxt;			/* holds data */
	void	   *data;
	Size		bytes;
} CacheEntry;

static int	columnar_cache_kb = 128 * 1024;
static HTAB *cache;
static MemoryContext cache_cxt;
static dlist_head lru = DLIST_STATIC_INIT(lru);
static Size cached_bytes;
static uint64 generation;

static void
cache_create(void)
{
	HASHCTL		ctl;

	cache_cxt = AllocSetContextCreate(TopMemoryContext, "columnar fetch cache",
									  ALLOCSET_DEFAULT_SIZES);
	ctl.keysize = sizeof(ColumnarCacheKey);
	ctl.entrysize = sizeof(CacheEntry);
	ctl.hcxt = cache_cxt;
	cache = hash_create("columnar fetch cache", 1024, &ctl,
						HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

void *
columnar_cache_lookup(const ColumnarCacheKey *key)
{
	CacheEntry *e;

	if (cache == NULL)
		return NULL;
	e = hash_search(cache, key, HASH_FIND, NULL);
	if (e == NULL)
		return NULL;
	dlist_move_head(&lru, &e->lru);
	return e->data;
}

/*
 * Takes over cxt, which holds data (built in a context of the caller's, so that an
 * error while building it leaks nothing into the cache). The entry counts all the
 * memory the context took, block headers and free space too: entries are small (a
 * block of rows, a few kB), so that overhead is a visible share of the budget.
 */
void
columnar_cache_insert(const ColumnarCacheKey *key, void *data, MemoryContext cxt)
{
	Size		bytes = MemoryContextMemAllocated(cxt, true);
	CacheEntry *e;
	bool		found;

	if (cache == NULL)
		cache_create();
	e = hash_search(cache, key, HASH_ENTER, &found);
	if (found)
	{
		/* the same immutable bytes: keep the first copy */
		MemoryContextDelete(cxt);
		return;
	}
	MemoryContextSetParent(cxt, cache_cxt);
	e->cxt = cxt;
	e->data = data;
	e->bytes = bytes;
	dlist_push_head(&lru, &e->lru);
	cached_bytes += bytes;
}

/* The entry's data grew (in its context) since it was inserted or last measured. */
void
columnar_cache_resized(const ColumnarCacheKey *key)
{
	CacheEntry *e = cache ? hash_search(cache, key, HASH_FIND, NULL) : NULL;
	Size		bytes;

	if (e == NULL)
		return;
	bytes = MemoryContextMemAllocated(e->cxt, true);
	cached_bytes += bytes - e->bytes;
	e->bytes = bytes;
}

uint64
columnar_cache_generation(void)
{
	return generation;
}

static void
cache_remove(CacheEntry *e)
{
	generation++;
	dlist_delete(&e->lru);
	cached_bytes -= e->bytes;
	MemoryContextDelete(e->cxt);
	hash_search(cache, &e->key, HASH_REMOVE, NULL);
}

/* Evicts the least recently used entries down to the budget. */
void
columnar_cache_trim(void)
{
	while (cached_bytes > (Size) columnar_cache_kb * 1024 && !dlist_is_empty(&lru))
		cache_remove(dlist_tail_element(CacheEntry, lru, &lru));
}

/* Storage whose row numbers start over under the same storage id. */
void
columnar_cache_forget(uint64 storage_id)
{
	dlist_mutable_iter iter;

	dlist_foreach_modify(iter, &lru)
	{
		CacheEntry *e = dlist_container(CacheEntry, lru, iter.cur);

		if (e->key.storage_id == storage_id)
			cache_remove(e);
	}
}

void
columnar_cache_init(void)
{
	DefineCustomIntVariable("omendb.columnar_cache_size",
							"Memory per backend for decoded columnar blocks kept for index fetches.",
							"Point lookups through an index decode a block of each column "
							"once and then read rows from this cache.",
							&columnar_cache_kb, 128 * 1024, 0, MAX_KILOBYTES, PGC_USERSET,
							GUC_UNIT_KB, NULL, NULL, NULL);
}
