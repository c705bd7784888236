/*
 * The sort under CREATE INDEX: (key code, TID) entries, 16 bytes each, within a memory
 * budget. Entries collect in one array; a full array is sorted by the core and written
 * to a temporary file as a run, and the end merges the runs with the last array.
 *
 * tuplesort would do, but it keeps a pointer and a header per tuple (about three times
 * the memory of the entry itself) and so spills three times as early; fixed-size entries
 * sorted in place need neither.
 */
#include "alex_am.h"

#include "lib/binaryheap.h"
#include "miscadmin.h"
#include "storage/buffile.h"

/* One sorted source of the merge: a run on disk, or the array still in memory. */
typedef struct AlexSortSource
{
	BufFile    *file;			/* NULL for the array */
	AlexEntry	head;			/* its smallest entry not yet returned */
} AlexSortSource;

struct AlexSort
{
	AlexEntry  *entries;
	size_t		len;
	size_t		cap;
	size_t		pos;			/* the array's next entry, once sorted */

	BufFile   **runs;
	int			nruns;

	AlexSortSource *sources;
	binaryheap *heap;			/* of source indexes, smallest head on top */
};

AlexSort *
alex_sort_begin(size_t memory_bytes)
{
	AlexSort   *sort = palloc0(sizeof(AlexSort));

	sort->cap = Max(memory_bytes / sizeof(AlexEntry), 1024);
	sort->entries = palloc_extended(sort->cap * sizeof(AlexEntry), MCXT_ALLOC_HUGE);
	return sort;
}

static void
write_run(AlexSort *sort)
{
	BufFile    *file = BufFileCreateTemp(false);

	alex_bulk_sort(sort->entries, sort->len);
	BufFileWrite(file, sort->entries, sort->len * sizeof(AlexEntry));
	if (BufFileSeek(file, 0, 0, SEEK_SET) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not rewind a temporary file of the alex index build: %m")));
	sort->runs = sort->runs ? repalloc(sort->runs, (sort->nruns + 1) * sizeof(BufFile *))
		: palloc(sizeof(BufFile *));
	sort->runs[sort->nruns++] = file;
	sort->len = 0;
}

void
alex_sort_put(AlexSort *sort, const AlexEntry *e)
{
	if (sort->len == sort->cap)
		write_run(sort);
	sort->entries[sort->len++] = *e;
}

/* The next entry of one source into its head; false when it has none left. */
static bool
advance_source(AlexSort *sort, AlexSortSource *source)
{
	if (source->file == NULL)
	{
		if (sort->pos == sort->len)
			return false;
		source->head = sort->entries[sort->pos++];
		return true;
	}
#if PG_VERSION_NUM >= 160000
	return BufFileReadMaybeEOF(source->file, &source->head, sizeof(AlexEntry), true) == sizeof(AlexEntry);
#else
	return BufFileRead(source->file, &source->head, sizeof(AlexEntry)) == sizeof(AlexEntry);
#endif
}

static int
source_cmp(Datum a, Datum b, void *arg)
{
	AlexSort   *sort = (AlexSort *) arg;

	/* binaryheap keeps the largest on top: invert to get the smallest head first */
	return -alex_entry_cmp(&sort->sources[DatumGetInt32(a)].head, &sort->sources[DatumGetInt32(b)].head);
}

void
alex_sort_finish(AlexSort *sort)
{
	int			i;

	alex_bulk_sort(sort->entries, sort->len);
	if (sort->nruns == 0)
		return;
	sort->sources = palloc((sort->nruns + 1) * sizeof(AlexSortSource));
	sort->heap = binaryheap_allocate(sort->nruns + 1, source_cmp, sort);
	for (i = 0; i <= sort->nruns; i++)
	{
		sort->sources[i].file = i < sort->nruns ? sort->runs[i] : NULL;
		if (advance_source(sort, &sort->sources[i]))
			binaryheap_add_unordered(sort->heap, Int32GetDatum(i));
	}
	binaryheap_build(sort->heap);
}

bool
alex_sort_next(AlexSort *sort, AlexEntry *out)
{
	int			top;

	if (sort->heap == NULL)
	{
		if (sort->pos == sort->len)
			return false;
		*out = sort->entries[sort->pos++];
		return true;
	}
	if (binaryheap_empty(sort->heap))
		return false;
	top = DatumGetInt32(binaryheap_first(sort->heap));
	*out = sort->sources[top].head;
	if (advance_source(sort, &sort->sources[top]))
		binaryheap_replace_first(sort->heap, Int32GetDatum(top));
	else
		binaryheap_remove_first(sort->heap);
	return true;
}

void
alex_sort_end(AlexSort *sort)
{
	int			i;

	for (i = 0; i < sort->nruns; i++)
		BufFileClose(sort->runs[i]);
	if (sort->heap)
		binaryheap_free(sort->heap);
	pfree(sort->entries);
	pfree(sort);
}
