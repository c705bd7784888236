/*
 * alex_index_check: verifies the invariants of an alex index (docs/ALEX_AM.md), in the
 * spirit of amcheck's bt_index_check. alex_index_stats: the shape of an index.
 *
 * The check reads every page once in physical order, checking each on its own; walks
 * every level along its links; checks that the model pages list the level below in
 * order; follows the NULL chain; then searches for every entry as a scan would. Pages
 * are copied under a share lock held for the copy only, so the pieces add up to one
 * index only if nobody changes it meanwhile: the check holds ShareLock on the table,
 * which keeps out inserts and VACUUM. A standby cannot take that lock; there the check
 * is only meaningful while replay leaves the index alone.
 */
#include "alex_am.h"

#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xlog.h"
#include "catalog/index.h"
#include "catalog/pg_class.h"
#include "commands/defrem.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

PG_FUNCTION_INFO_V1(alex_index_check);
PG_FUNCTION_INFO_V1(alex_index_stats);

/* How many entries alex_index_stats looks up to measure pages_per_lookup. */
#define ALEX_STATS_SAMPLE 10000

/* An index and its table, locked, with the caller's identity saved. */
typedef struct AlexTarget
{
	Relation	heap;
	Relation	index;
	LOCKMODE	heap_lock;
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
} AlexTarget;

/* What the physical pass learns about one block, for the walks that follow it. */
typedef struct AlexPageInfo
{
	uint16		kind;			/* ALEX_PAGE_*, 0 for a new page */
	uint16		flags;
	uint16		level;
	bool		reached;		/* by the walk of its level, or the NULL chain */
	uint32		position;		/* in the walk of its level */
	BlockNumber left;
	BlockNumber right;			/* of a NULL page: the next in the chain */
	BlockNumber first_child;	/* of a model page */
	AlexFences	fences;
} AlexPageInfo;

typedef struct AlexCheckState
{
	Relation	index;
	AlexKeyKind kind;
	BufferAccessStrategy strategy;
	AlexMetaPageData meta;
	BlockNumber nblocks;
	AlexPageInfo *pages;
	Page		copy;			/* the page being checked */
	AlexChild  *children;		/* a model page's, room for the largest */
	size_t		children_len;
	int64		nentries;		/* on the data pages, by the physical pass */

	/* heapallindexed: every entry in key order, every NULL TID */
	bool		heapallindexed;
	AlexEntry  *entries;
	int64		entries_len;
	int64		entries_cap;
	ItemPointerData *nulls;
	int64		nulls_len;
	int64		nulls_cap;
	Oid			typoutput;
} AlexCheckState;

/* What alex_index_stats returns, before it becomes a tuple. */
typedef struct AlexShape
{
	int32		height;
	int64		data_pages;
	int64		model_pages;
	int64		null_pages;
	int64		entries;
	int64		null_entries;
	double		capacity;		/* slots on all data pages */
	double		error_sum;		/* model error, weighted by entries */
	int64		max_error;
	double		bytes_per_key;
	double		pages_per_lookup;
	int64		free_pages;		/* deleted by VACUUM, or never initialized */
} AlexShape;

static const AlexEntry lowest_entry = {0, 0};

/*
 * Nothing here sends invalidations, so the locks can go before the end of the
 * transaction, as amcheck lets them go.
 */
static void
close_target(AlexTarget *t)
{
	AtEOXact_GUC(false, t->save_nestlevel);
	SetUserIdAndSecContext(t->save_userid, t->save_sec_context);
	relation_close(t->index, AccessShareLock);
	table_close(t->heap, t->heap_lock);
}

/*
 * Locks the table, then the index (the order everyone takes them in), and switches to
 * the table's owner: a heap scan evaluates the index's expressions and predicate, the
 * owner's code, which must not run with a (possibly superuser) caller's privileges.
 * False, after a notice, for an unlogged index on a standby, which has no main fork.
 */
static bool
open_target(Oid indrelid, LOCKMODE heap_lock, AlexTarget *t)
{
	Oid			heapid = IndexGetRelation(indrelid, true);

	t->heap = NULL;
	t->heap_lock = heap_lock;
	if (OidIsValid(heapid))
	{
		/* Checked before locking: the lock alone would let anyone block any table's writers. */
		AclResult	aclresult = pg_class_aclcheck(heapid, GetUserId(), ACL_SELECT);

		if (aclresult != ACLCHECK_OK)
			aclcheck_error(aclresult, OBJECT_TABLE, get_rel_name(heapid));
		t->heap = table_open(heapid, heap_lock);
		GetUserIdAndSecContext(&t->save_userid, &t->save_sec_context);
		SetUserIdAndSecContext(t->heap->rd_rel->relowner,
							   t->save_sec_context | SECURITY_RESTRICTED_OPERATION);
		t->save_nestlevel = NewGUCNestLevel();
	}
	t->index = relation_open(indrelid, AccessShareLock);
	if (t->index->rd_rel->relkind == RELKIND_PARTITIONED_INDEX &&
		t->index->rd_rel->relam == get_index_am_oid("alex", false))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is a partitioned index, which has no pages of its own",
						RelationGetRelationName(t->index)),
				 errhint("Check the indexes of its partitions.")));
	if (t->index->rd_rel->relkind != RELKIND_INDEX ||
		t->index->rd_rel->relam != get_index_am_oid("alex", false))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an alex index", RelationGetRelationName(t->index))));
	/* The table was looked up unlocked: the index may have been dropped and its OID reused. */
	if (t->heap == NULL || heapid != IndexGetRelation(indrelid, false))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("could not open the table of index \"%s\"", RelationGetRelationName(t->index))));
	if (RELATION_IS_OTHER_TEMP(t->index))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot access temporary tables of other sessions")));
	if (!t->index->rd_index->indisvalid)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("index \"%s\" is not valid", RelationGetRelationName(t->index))));
	if (t->index->rd_rel->relpersistence == RELPERSISTENCE_UNLOGGED && RecoveryInProgress())
	{
		ereport(NOTICE,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot read unlogged index \"%s\" during recovery, skipping",
						RelationGetRelationName(t->index))));
		close_target(t);
		return false;
	}
	return true;
}

static void
read_page(Relation index, BlockNumber block, BufferAccessStrategy strategy, Page copy)
{
	Buffer		buf = ReadBufferExtended(index, MAIN_FORKNUM, block, RBM_NORMAL, strategy);

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	memcpy(copy, BufferGetPage(buf), BLCKSZ);
	UnlockReleaseBuffer(buf);
}

static void
report(AlexCheckState *cs, BlockNumber block, const char *fmt,...)
			pg_attribute_printf(3, 4) pg_attribute_noreturn();

static void
report(AlexCheckState *cs, BlockNumber block, const char *fmt,...)
{
	StringInfoData what;

	initStringInfo(&what);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&what, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&what, needed);
	}
	alex_report_page(cs->index, block, what.data);
}

/* Key codes as numbers: no output function can fail on a corrupted one. */
static char *
entry_string(AlexKeyKind kind, const AlexEntry *e)
{
	char		key[64];

	if (kind == ALEX_KEY_FLOAT4 || kind == ALEX_KEY_FLOAT8)
		snprintf(key, sizeof(key), "%g", alex_double_from_code(e->key));
	else
		snprintf(key, sizeof(key), INT64_FORMAT, alex_int_from_code(e->key));
	return psprintf("(key %s, heap TID (%u,%u))", key, (unsigned) (e->tid >> 16), (unsigned) (e->tid & 0xFFFF));
}

static int
entry_qsort_cmp(const void *a, const void *b)
{
	return alex_entry_cmp((const AlexEntry *) a, (const AlexEntry *) b);
}

static int
tid_qsort_cmp(const void *a, const void *b)
{
	return ItemPointerCompare((ItemPointer) a, (ItemPointer) b);
}

/* The kind of a page; 0 for a new page (the buffer manager verified it is all zeros). */
static uint16
page_kind(AlexCheckState *cs, BlockNumber block, Page page)
{
	AlexPageOpaque opaque;

	if (PageIsNew(page))
		return 0;
	if (((PageHeader) page)->pd_special != BLCKSZ - MAXALIGN(sizeof(AlexPageOpaqueData)) ||
		AlexPageGetOpaque(page)->page_id != ALEX_PAGE_ID)
		report(cs, block, "not an alex page");
	/* Generic WAL neither logs nor restores what lies between pd_lower and pd_upper. */
	if (((PageHeader) page)->pd_lower != ALEX_SPAN_OFFSET + ALEX_SPAN_BYTES)
		report(cs, block, "pd_lower %u does not cover the page's span", ((PageHeader) page)->pd_lower);
	opaque = AlexPageGetOpaque(page);
	if (opaque->kind < ALEX_PAGE_META || opaque->kind > ALEX_PAGE_DELETED)
		report(cs, block, "unknown page kind %u", opaque->kind);
	if ((opaque->flags & ~ALEX_INCOMPLETE_SPLIT) != 0 ||
		((opaque->flags & ALEX_INCOMPLETE_SPLIT) && opaque->kind != ALEX_PAGE_DATA &&
		 opaque->kind != ALEX_PAGE_MODEL))
		report(cs, block, "page kind %u has flags 0x%04X", opaque->kind, opaque->flags);
	return opaque->kind;
}

static void
check_meta(AlexCheckState *cs)
{
	AlexMetaPage meta;

	if (cs->nblocks == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has no metapage", RelationGetRelationName(cs->index))));
	read_page(cs->index, ALEX_METAPAGE_BLKNO, cs->strategy, cs->copy);
	if (page_kind(cs, ALEX_METAPAGE_BLKNO, cs->copy) != ALEX_PAGE_META)
		report(cs, ALEX_METAPAGE_BLKNO, "not a metapage");
	meta = AlexPageGetMeta(cs->copy);
	if (meta->magic != ALEX_META_MAGIC)
		report(cs, ALEX_METAPAGE_BLKNO, "metapage magic 0x%08X, expected 0x%08X", meta->magic, ALEX_META_MAGIC);
	if (meta->version != ALEX_META_VERSION)
		report(cs, ALEX_METAPAGE_BLKNO, "format version %u, expected %u", meta->version, ALEX_META_VERSION);
	if (meta->key_kind != (uint32) cs->kind)
		report(cs, ALEX_METAPAGE_BLKNO, "key kind %u, but the indexed column's is %d",
			   meta->key_kind, (int) cs->kind);
	if ((meta->null_head == InvalidBlockNumber) != (meta->null_tail == InvalidBlockNumber))
		report(cs, ALEX_METAPAGE_BLKNO, "NULL chain head %u and tail %u disagree",
			   meta->null_head, meta->null_tail);
	cs->meta = *meta;
}

static void
check_fences(AlexCheckState *cs, BlockNumber block, const AlexFences *f)
{
	if (!f->high_infinite && alex_entry_cmp(&f->low, &f->high) >= 0)
		report(cs, block, "low fence %s is not below high fence %s",
			   entry_string(cs->kind, &f->low), entry_string(cs->kind, &f->high));
}

/* Heap TIDs are stored in 48 bits: block << 16 | offset. */
static void
check_tid(AlexCheckState *cs, BlockNumber block, const AlexEntry *e)
{
	if ((e->tid & 0xFFFF) == 0 || (e->tid >> 16) > MaxBlockNumber)
		report(cs, block, "entry %s has an invalid heap TID", entry_string(cs->kind, e));
}

/*
 * Entries strictly increasing, inside the fences, and each found by the page's own
 * search (which relies on the gaps copying their successors).
 */
static void
check_data_page(AlexCheckState *cs, BlockNumber block, AlexPageInfo *info)
{
	const void *span = AlexPageSpan(cs->copy);
	size_t		slot;
	size_t		n = 0;
	AlexEntry	prev = lowest_entry;

	if (!alex_data_valid(span, ALEX_SPAN_BYTES))
		report(cs, block, "invalid data page header");
	if (info->level != 0)
		report(cs, block, "data page of level %u", info->level);
	alex_data_fences(span, ALEX_SPAN_BYTES, &info->fences);
	alex_data_links(span, ALEX_SPAN_BYTES, &info->left, &info->right);
	check_fences(cs, block, &info->fences);
	for (slot = alex_data_first(span, ALEX_SPAN_BYTES); slot != ALEX_END;
		 slot = alex_data_next(span, ALEX_SPAN_BYTES, slot))
	{
		AlexEntry	e = alex_data_entry(span, ALEX_SPAN_BYTES, slot);

		if (n > 0 && alex_entry_cmp(&prev, &e) >= 0)
			report(cs, block, "entry %s in slot %zu is not above the entry before it %s",
				   entry_string(cs->kind, &e), slot, entry_string(cs->kind, &prev));
		if (!alex_entry_in_fences(&e, &info->fences))
			report(cs, block, "entry %s in slot %zu lies outside the page's fences",
				   entry_string(cs->kind, &e), slot);
		check_tid(cs, block, &e);
		if (alex_data_lower_bound(span, ALEX_SPAN_BYTES, e) != slot)
			report(cs, block, "a search of the page for entry %s in slot %zu does not find it",
				   entry_string(cs->kind, &e), slot);
		prev = e;
		n++;
	}
	if (n != alex_data_count(span, ALEX_SPAN_BYTES))
		report(cs, block, "%zu slots are marked occupied, but only %zu of them lie before the page's end",
			   alex_data_count(span, ALEX_SPAN_BYTES), n);
	cs->nentries += n;
}

static void
check_model_page(AlexCheckState *cs, BlockNumber block, AlexPageInfo *info)
{
	const void *span = AlexPageSpan(cs->copy);
	size_t		n;

	if (!alex_model_valid(span, ALEX_SPAN_BYTES))
		report(cs, block, "invalid model page header");
	if (alex_model_level(span, ALEX_SPAN_BYTES) != info->level)
		report(cs, block, "model of level %d on a page of level %u",
			   alex_model_level(span, ALEX_SPAN_BYTES), info->level);
	alex_model_fences(span, ALEX_SPAN_BYTES, &info->fences);
	alex_model_links(span, ALEX_SPAN_BYTES, &info->left, &info->right);
	check_fences(cs, block, &info->fences);
	/* A child in two runs of slots is listed twice and makes the lists disagree. */
	n = alex_model_children(span, ALEX_SPAN_BYTES, cs->children, cs->children_len);
	if (n != alex_model_child_count(span, ALEX_SPAN_BYTES))
		report(cs, block, "the header counts %zu children, the slots hold %zu runs",
			   alex_model_child_count(span, ALEX_SPAN_BYTES), n);
	info->first_child = cs->children[0].block;
}

static void
check_null_page(AlexCheckState *cs, BlockNumber block, AlexPageInfo *info)
{
	AlexNullPage nulls = (AlexNullPage) AlexPageSpan(cs->copy);
	uint32		i;

	if (nulls->count > ALEX_NULLS_PER_PAGE)
		report(cs, block, "NULL page counts %u entries, room for %zu", nulls->count, (size_t) ALEX_NULLS_PER_PAGE);
	info->right = nulls->next;
	for (i = 0; i < nulls->count; i++)
	{
		if (!ItemPointerIsValid(&nulls->tids[i]))
			report(cs, block, "NULL entry %u has an invalid heap TID", i);
		if (!cs->heapallindexed)
			continue;
		if (cs->nulls_len == cs->nulls_cap)
		{
			cs->nulls_cap *= 2;
			cs->nulls = repalloc_huge(cs->nulls, cs->nulls_cap * sizeof(ItemPointerData));
		}
		cs->nulls[cs->nulls_len++] = nulls->tids[i];
	}
}

/* Every page on its own, in physical order. */
static void
scan_pages(AlexCheckState *cs)
{
	BlockNumber block;

	for (block = ALEX_METAPAGE_BLKNO + 1; block < cs->nblocks; block++)
	{
		AlexPageInfo *info = &cs->pages[block];

		read_page(cs->index, block, cs->strategy, cs->copy);
		info->kind = page_kind(cs, block, cs->copy);
		if (info->kind != 0)
		{
			info->flags = AlexPageGetOpaque(cs->copy)->flags;
			info->level = AlexPageGetOpaque(cs->copy)->level;
		}
		if (info->kind == ALEX_PAGE_META)
			report(cs, block, "a metapage beyond block 0");
		switch (info->kind)
		{
			case ALEX_PAGE_DATA:
				check_data_page(cs, block, info);
				break;
			case ALEX_PAGE_MODEL:
				check_model_page(cs, block, info);
				break;
			case ALEX_PAGE_NULLS:
				check_null_page(cs, block, info);
				break;
		}
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * Walks one level from its leftmost page (named by block `from`) along right links:
 * each page must be of the level, link back to its left neighbour and start where that
 * one ends, so that the level's fences run from the lowest entry up without a gap.
 * Returns the level's blocks in key order.
 */
static BlockNumber *
walk_level(AlexCheckState *cs, int level, BlockNumber leftmost, BlockNumber from, int64 *n)
{
	uint16		kind = level == 0 ? ALEX_PAGE_DATA : ALEX_PAGE_MODEL;
	int64		cap = 16;
	BlockNumber *blocks = palloc(cap * sizeof(BlockNumber));
	BlockNumber prev = InvalidBlockNumber;
	BlockNumber block = leftmost;

	*n = 0;
	while (block != InvalidBlockNumber)
	{
		AlexPageInfo *info;

		if (block >= cs->nblocks)
			report(cs, prev == InvalidBlockNumber ? from : prev,
				   "links to block %u beyond the end of the index", block);
		info = &cs->pages[block];
		if (info->kind != kind || info->level != level)
			report(cs, block, "page of kind %u and level %u on the chain of level %d",
				   info->kind, info->level, level);
		if (info->reached)
			report(cs, block, "reached twice by the walk of level %d", level);
		if (prev == InvalidBlockNumber)
		{
			if (info->left != InvalidBlockNumber)
				report(cs, block, "the leftmost page of level %d links left to block %u", level, info->left);
			if (alex_entry_cmp(&info->fences.low, &lowest_entry) != 0)
				report(cs, block, "the leftmost page of level %d has low fence %s, not the lowest entry",
					   level, entry_string(cs->kind, &info->fences.low));
		}
		else
		{
			if (info->left != prev)
				report(cs, block, "links left to block %u, but block %u links right to it", info->left, prev);
			if (alex_entry_cmp(&info->fences.low, &cs->pages[prev].fences.high) != 0)
				report(cs, block, "low fence %s is not the high fence %s of block %u to its left",
					   entry_string(cs->kind, &info->fences.low),
					   entry_string(cs->kind, &cs->pages[prev].fences.high), prev);
		}
		if ((info->right == InvalidBlockNumber) != (info->fences.high_infinite != 0))
			report(cs, block, "the high fence is %s but the page %s a right link",
				   info->fences.high_infinite ? "infinite" : "finite",
				   info->right == InvalidBlockNumber ? "has no" : "has");
		if ((info->flags & ALEX_INCOMPLETE_SPLIT) && info->right == InvalidBlockNumber)
			report(cs, block, "an incomplete split without a right page");
		info->reached = true;
		info->position = (uint32) *n;
		if (*n == cap)
		{
			cap *= 2;
			blocks = repalloc_huge(blocks, cap * sizeof(BlockNumber));
		}
		blocks[(*n)++] = block;
		prev = block;
		block = info->right;
		CHECK_FOR_INTERRUPTS();
	}
	return blocks;
}

/*
 * Pages [from, to) of a level that no model page lists. Only the right half of a split
 * whose second WAL record (the one adding it to the parent) is yet to come may be
 * unlisted, and its left neighbour then carries ALEX_INCOMPLETE_SPLIT.
 */
static void
check_unlisted(AlexCheckState *cs, const BlockNumber *blocks, int64 from, int64 to)
{
	int64		i;

	for (i = from; i < to; i++)
		if (i == 0 || !(cs->pages[blocks[i - 1]].flags & ALEX_INCOMPLETE_SPLIT))
			report(cs, blocks[i],
				   "no model page of level %u lists this page, and the page to its left has no incomplete split",
				   cs->pages[blocks[i]].level + 1);
}

/*
 * The children of a level's model pages, read left to right, are the pages of the level
 * below in key order, each listed once (check_unlisted allows the exceptions). A model
 * page's fences are the union of its children's: with both levels' fences chained, it
 * is enough that each starts where its first child starts.
 */
static void
check_children(AlexCheckState *cs, const BlockNumber *upper, int64 nupper, const BlockNumber *lower, int64 nlower)
{
	int64		next = 0;		/* position in `lower` the next child should have */
	int64		i;

	for (i = 0; i < nupper; i++)
	{
		int			level = cs->pages[upper[i]].level;
		size_t		n;
		size_t		j;

		read_page(cs->index, upper[i], cs->strategy, cs->copy);
		if (!alex_page_is(cs->copy, ALEX_PAGE_MODEL))
			report(cs, upper[i], "no longer a model page: the index changed during the check");
		n = alex_model_children(AlexPageSpan(cs->copy), ALEX_SPAN_BYTES, cs->children, cs->children_len);
		for (j = 0; j < n; j++)
		{
			BlockNumber child = cs->children[j].block;
			AlexPageInfo *info = child < cs->nblocks ? &cs->pages[child] : NULL;

			if (info == NULL || !info->reached || info->level != level - 1 ||
				info->kind != (level == 1 ? ALEX_PAGE_DATA : ALEX_PAGE_MODEL))
				report(cs, upper[i], "child %u is not on the chain of level %d", child, level - 1);
			if (info->position < next)
				report(cs, upper[i], "child %u is out of key order or listed by two model pages", child);
			if (j == 0 && alex_entry_cmp(&info->fences.low, &cs->pages[upper[i]].fences.low) != 0)
				report(cs, upper[i], "low fence %s is not the low fence %s of its first child %u",
					   entry_string(cs->kind, &cs->pages[upper[i]].fences.low),
					   entry_string(cs->kind, &info->fences.low), child);
			check_unlisted(cs, lower, next, info->position);
			next = info->position + 1;
		}
		CHECK_FOR_INTERRUPTS();
	}
	check_unlisted(cs, lower, next, nlower);
}

/* The first data page, as a scan finds it: a search for the lowest entry. */
static BlockNumber
leftmost_data_page(Relation index)
{
	Buffer		buf = alex_settle(index, alex_descend(index, &lowest_entry, 0), &lowest_entry, 0,
									  BUFFER_LOCK_SHARE);
	BlockNumber block = BufferGetBlockNumber(buf);

	UnlockReleaseBuffer(buf);
	return block;
}

/*
 * Walks every level from the root down. The root level has more than the root only
 * while the root's split is incomplete. Returns the data pages in key order.
 */
static BlockNumber *
check_levels(AlexCheckState *cs, int64 *ndata)
{
	int			level = (int) cs->meta.root_level;
	int64		nupper;
	BlockNumber *upper;

	if (cs->meta.root_level > PG_UINT16_MAX)
		report(cs, ALEX_METAPAGE_BLKNO, "root level %u", cs->meta.root_level);
	upper = walk_level(cs, level, cs->meta.root, ALEX_METAPAGE_BLKNO, &nupper);
	check_unlisted(cs, upper, 1, nupper);
	for (; level >= 1; level--)
	{
		BlockNumber leftmost = level == 1 ? leftmost_data_page(cs->index) : cs->pages[upper[0]].first_child;
		int64		nlower;
		BlockNumber *lower = walk_level(cs, level - 1, leftmost, upper[0], &nlower);

		check_children(cs, upper, nupper, lower, nlower);
		pfree(upper);
		upper = lower;
		nupper = nlower;
	}
	*ndata = nupper;
	return upper;
}

static void
check_null_chain(AlexCheckState *cs)
{
	BlockNumber block = cs->meta.null_head;
	BlockNumber prev = InvalidBlockNumber;

	while (block != InvalidBlockNumber)
	{
		BlockNumber from = prev == InvalidBlockNumber ? ALEX_METAPAGE_BLKNO : prev;

		if (block >= cs->nblocks || cs->pages[block].kind != ALEX_PAGE_NULLS)
			report(cs, from, "the NULL chain leads to block %u, not a NULL page", block);
		if (cs->pages[block].reached)
			report(cs, from, "the NULL chain returns to block %u", block);
		cs->pages[block].reached = true;
		prev = block;
		block = cs->pages[block].right;
		CHECK_FOR_INTERRUPTS();
	}
	if (prev != cs->meta.null_tail)
		report(cs, ALEX_METAPAGE_BLKNO, "the NULL chain ends at block %u, the metapage names %u as its tail",
			   prev, cs->meta.null_tail);
}

/*
 * Every data, model and NULL page is on its chain: nothing is lost to searches. Deleted
 * pages are on none (and no model page routes to one: the walks of the model levels
 * check each child's kind).
 */
static void
check_reached(AlexCheckState *cs)
{
	BlockNumber block;

	for (block = ALEX_METAPAGE_BLKNO + 1; block < cs->nblocks; block++)
		if (cs->pages[block].kind != 0 && cs->pages[block].kind != ALEX_PAGE_DELETED && !cs->pages[block].reached)
			report(cs, block, "page of kind %u and level %u is on no chain",
				   cs->pages[block].kind, cs->pages[block].level);
}

/* A search for e, through the model pages and then the links, ends at `block`. */
static void
check_descent(AlexCheckState *cs, BlockNumber block, const AlexEntry *e)
{
	Buffer		buf = alex_settle(cs->index, alex_descend(cs->index, e, 0), e, 0, BUFFER_LOCK_SHARE);
	BlockNumber found = BufferGetBlockNumber(buf);

	UnlockReleaseBuffer(buf);
	if (found != block)
		report(cs, block, "a search for entry %s ends at block %u", entry_string(cs->kind, e), found);
}

/*
 * The entries of the data pages in key order: increasing across pages, each reached by
 * a search, and collected for heapallindexed.
 */
static void
check_entries(AlexCheckState *cs, const BlockNumber *blocks, int64 n)
{
	AlexEntry	prev = lowest_entry;
	int64		seen = 0;
	int64		i;

	for (i = 0; i < n; i++)
	{
		const void *span = AlexPageSpan(cs->copy);
		size_t		slot;

		read_page(cs->index, blocks[i], cs->strategy, cs->copy);
		if (!alex_page_is(cs->copy, ALEX_PAGE_DATA))
			report(cs, blocks[i], "no longer a data page: the index changed during the check");
		for (slot = alex_data_first(span, ALEX_SPAN_BYTES); slot != ALEX_END;
			 slot = alex_data_next(span, ALEX_SPAN_BYTES, slot))
		{
			AlexEntry	e = alex_data_entry(span, ALEX_SPAN_BYTES, slot);

			if (seen > 0 && alex_entry_cmp(&prev, &e) >= 0)
				report(cs, blocks[i], "entry %s is not above the last entry %s of the pages to its left",
					   entry_string(cs->kind, &e), entry_string(cs->kind, &prev));
			check_descent(cs, blocks[i], &e);
			if (cs->heapallindexed)
			{
				if (cs->entries_len == cs->entries_cap)
				{
					cs->entries_cap *= 2;
					cs->entries = repalloc_huge(cs->entries, cs->entries_cap * sizeof(AlexEntry));
				}
				cs->entries[cs->entries_len++] = e;
			}
			prev = e;
			seen++;
			CHECK_FOR_INTERRUPTS();
		}
	}
	if (seen != cs->nentries)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\": the data level holds " INT64_FORMAT " entries, its pages " INT64_FORMAT,
						RelationGetRelationName(cs->index), seen, cs->nentries)));
}

static void
report_missing(AlexCheckState *cs, ItemPointer tid, const char *key)
{
	ereport(ERROR,
			(errcode(ERRCODE_INDEX_CORRUPTED),
			 errmsg("heap tuple (%u,%u) with key %s is not in index \"%s\"",
					ItemPointerGetBlockNumber(tid), ItemPointerGetOffsetNumber(tid), key,
					RelationGetRelationName(cs->index))));
}

/*
 * Recently dead tuples are not looked for: CREATE INDEX CONCURRENTLY does not index
 * the ones already dead when it starts.
 */
static void
heap_tuple_callback(Relation index, ItemPointer tid, Datum *values, bool *isnull, bool tupleIsAlive, void *state)
{
	AlexCheckState *cs = (AlexCheckState *) state;

	if (!tupleIsAlive)
		return;
	if (isnull[0])
	{
		if (bsearch(tid, cs->nulls, cs->nulls_len, sizeof(ItemPointerData), tid_qsort_cmp) == NULL)
			report_missing(cs, tid, "NULL");
	}
	else
	{
		AlexEntry	e;

		alex_entry_from_tid(&e, alex_key_encode(cs->kind, values[0]), tid);
		if (bsearch(&e, cs->entries, cs->entries_len, sizeof(AlexEntry), entry_qsort_cmp) == NULL)
			report_missing(cs, tid, OidOutputFunctionCall(cs->typoutput, values[0]));
	}
}

/*
 * Every live heap tuple the index should hold is in it. The scan is the one CREATE
 * INDEX makes (SnapshotAny, each tuple judged by HeapTupleSatisfiesVacuum), with
 * nothing to wait for: the ShareLock keeps other writers out.
 */
static void
check_heap(AlexCheckState *cs, Relation heap)
{
	IndexInfo  *indexInfo = BuildIndexInfo(cs->index);
	ItemPointerData *dup;
	bool		isvarlena;

	getTypeOutputInfo(TupleDescAttr(RelationGetDescr(cs->index), 0)->atttypid, &cs->typoutput, &isvarlena);
	qsort(cs->nulls, cs->nulls_len, sizeof(ItemPointerData), tid_qsort_cmp);
	for (dup = cs->nulls + 1; dup < cs->nulls + cs->nulls_len; dup++)
		if (ItemPointerEquals(dup - 1, dup))
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("index \"%s\" holds heap tuple (%u,%u) twice among its NULLs",
							RelationGetRelationName(cs->index), ItemPointerGetBlockNumber(dup),
							ItemPointerGetOffsetNumber(dup))));
	/* Never unique, but an exclusion constraint's index would make the scan wait on others' checks. */
	indexInfo->ii_Unique = false;
	indexInfo->ii_ExclusionOps = NULL;
	indexInfo->ii_ExclusionProcs = NULL;
	indexInfo->ii_ExclusionStrats = NULL;
	table_index_build_scan(heap, cs->index, indexInfo, true, false, heap_tuple_callback, cs, NULL);
}

static void
check_index(Relation index, Relation heap, bool heapallindexed)
{
	AlexCheckState cs;
	BlockNumber *data;
	int64		ndata;

	memset(&cs, 0, sizeof(cs));
	cs.index = index;
	cs.kind = alex_index_key_kind(index);
	cs.strategy = GetAccessStrategy(BAS_BULKREAD);
	cs.nblocks = RelationGetNumberOfBlocks(index);
	cs.pages = palloc_extended(Max(cs.nblocks, 1) * sizeof(AlexPageInfo), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	cs.copy = palloc(BLCKSZ);
	cs.children_len = alex_model_max_fanout(ALEX_SPAN_BYTES);
	cs.children = palloc(cs.children_len * sizeof(AlexChild));
	cs.heapallindexed = heapallindexed;
	cs.entries_cap = cs.nulls_cap = 1024;
	cs.entries = palloc(cs.entries_cap * sizeof(AlexEntry));
	cs.nulls = palloc(cs.nulls_cap * sizeof(ItemPointerData));

	/* Searches must use the model pages as they are now, not as this backend cached them. */
	alex_invalidate_cache(index);

	check_meta(&cs);
	scan_pages(&cs);
	data = check_levels(&cs, &ndata);
	check_null_chain(&cs);
	check_reached(&cs);
	check_entries(&cs, data, ndata);
	if (heapallindexed)
		check_heap(&cs, heap);
}

Datum
alex_index_check(PG_FUNCTION_ARGS)
{
	Oid			indrelid = PG_GETARG_OID(0);
	bool		heapallindexed = PG_GETARG_BOOL(1);
	AlexTarget	t;

	/* A standby can neither keep replay from the table nor judge its in-progress tuples. */
	if (heapallindexed && RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("heapallindexed cannot be checked during recovery")));
	if (open_target(indrelid, RecoveryInProgress() ? AccessShareLock : ShareLock, &t))
	{
		check_index(t.index, t.heap, heapallindexed);
		close_target(&t);
	}
	PG_RETURN_VOID();
}

/*
 * The data pages a search for e reads: the one the model pages predict, then each one
 * the links lead to until the fences hold e -- alex_settle's path, counted.
 */
static int
pages_to_entry(Relation index, const AlexEntry *e, Page copy)
{
	BlockNumber block = alex_descend(index, e, 0);
	int			touched = 0;
	int			restarts = 0;

	for (;;)
	{
		AlexFences	fences;
		AlexBlock	left,
					right;

		if (block != InvalidBlockNumber)
		{
			read_page(index, block, NULL, copy);
			touched++;
		}
		if (block == InvalidBlockNumber || !alex_page_is(copy, ALEX_PAGE_DATA))
		{
			/* A stale route, as alex_settle handles it: read the model pages again. */
			if (restarts++ > 2)
				ereport(ERROR,
						(errcode(ERRCODE_INDEX_CORRUPTED),
						 errmsg("index \"%s\" has no data page for a key", RelationGetRelationName(index))));
			alex_invalidate_cache(index);
			block = alex_descend(index, e, 0);
			continue;
		}
		alex_data_fences(AlexPageSpan(copy), ALEX_SPAN_BYTES, &fences);
		alex_data_links(AlexPageSpan(copy), ALEX_SPAN_BYTES, &left, &right);
		if (alex_entry_cmp(e, &fences.low) < 0 && left != ALEX_INVALID_BLOCK)
			block = left;
		else if (!fences.high_infinite && alex_entry_cmp(e, &fences.high) >= 0 && right != ALEX_INVALID_BLOCK)
			block = right;
		else
			return touched;
		CHECK_FOR_INTERRUPTS();
	}
}

/* Counts the pages by kind and the entries, and sums what the data pages report. */
static void
measure_pages(Relation index, BufferAccessStrategy strategy, Page copy, AlexShape *s)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	BlockNumber block;

	for (block = ALEX_METAPAGE_BLKNO + 1; block < nblocks; block++)
	{
		const void *span = AlexPageSpan(copy);

		read_page(index, block, strategy, copy);
		if (alex_page_is(copy, ALEX_PAGE_DATA))
		{
			double		mean;
			int64_t		max;
			size_t		n;

			if (!alex_data_valid(span, ALEX_SPAN_BYTES))
				alex_report_page(index, block, "invalid data page header");
			n = alex_data_count(span, ALEX_SPAN_BYTES);
			alex_data_model_error(span, ALEX_SPAN_BYTES, &mean, &max);
			s->data_pages++;
			s->entries += n;
			s->capacity += alex_data_capacity_of(span, ALEX_SPAN_BYTES);
			s->error_sum += mean * n;
			s->max_error = Max(s->max_error, max);
		}
		else if (alex_page_is(copy, ALEX_PAGE_MODEL))
			s->model_pages++;
		else if (alex_page_is(copy, ALEX_PAGE_NULLS))
		{
			s->null_pages++;
			s->null_entries += ((AlexNullPage) span)->count;
		}
		else if (PageIsNew(copy) || alex_page_is(copy, ALEX_PAGE_DELETED))
			s->free_pages++;
		CHECK_FOR_INTERRUPTS();
	}
	if (s->entries + s->null_entries > 0)
		s->bytes_per_key = (double) nblocks * BLCKSZ / (s->entries + s->null_entries);
}

/*
 * Looks up every stride-th entry of the data pages (in physical order, which spreads
 * the sample over the whole index) and averages the pages each lookup reads.
 */
static void
measure_lookups(Relation index, BufferAccessStrategy strategy, Page copy, AlexShape *s)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	int64		stride = Max((s->entries + ALEX_STATS_SAMPLE - 1) / ALEX_STATS_SAMPLE, 1);
	AlexEntry  *sample = palloc(ALEX_STATS_SAMPLE * sizeof(AlexEntry));
	int			nsample = 0;
	int64		ordinal = 0;	/* of the page's first entry among all entries */
	int64		pages = 0;
	BlockNumber block;
	int			i;

	for (block = ALEX_METAPAGE_BLKNO + 1; block < nblocks && nsample < ALEX_STATS_SAMPLE; block++)
	{
		const void *span = AlexPageSpan(copy);
		size_t		slot;
		int64		at;

		read_page(index, block, strategy, copy);
		if (!alex_page_is(copy, ALEX_PAGE_DATA))
			continue;
		/* The next sampled ordinal is the first multiple of the stride from here on. */
		at = ordinal;
		for (slot = alex_data_first(span, ALEX_SPAN_BYTES); slot != ALEX_END && nsample < ALEX_STATS_SAMPLE;
			 slot = alex_data_next(span, ALEX_SPAN_BYTES, slot), at++)
			if (at % stride == 0)
				sample[nsample++] = alex_data_entry(span, ALEX_SPAN_BYTES, slot);
		ordinal += alex_data_count(span, ALEX_SPAN_BYTES);
		CHECK_FOR_INTERRUPTS();
	}
	for (i = 0; i < nsample; i++)
		pages += pages_to_entry(index, &sample[i], copy);
	s->pages_per_lookup = nsample > 0 ? (double) pages / nsample : 0;
	pfree(sample);
}

static void
measure(Relation index, AlexShape *s)
{
	BufferAccessStrategy strategy = GetAccessStrategy(BAS_BULKREAD);
	Page		copy = palloc(BLCKSZ);
	AlexMetaPageData meta;

	memset(s, 0, sizeof(*s));
	alex_read_meta(index, &meta);
	s->height = (int32) meta.root_level + 1;
	measure_pages(index, strategy, copy, s);
	measure_lookups(index, strategy, copy, s);
	pfree(copy);
	FreeAccessStrategy(strategy);
}

Datum
alex_index_stats(PG_FUNCTION_ARGS)
{
	Oid			indrelid = PG_GETARG_OID(0);
	TupleDesc	desc;
	AlexTarget	t;
	AlexShape	s;
	Datum		values[12];
	bool		nulls[12];
	bool		any;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (!open_target(indrelid, AccessShareLock, &t))
		PG_RETURN_NULL();
	measure(t.index, &s);
	close_target(&t);

	/* Averages over no entries are NULL. */
	any = s.entries + s.null_entries > 0;
	memset(nulls, 0, sizeof(nulls));
	values[0] = Int32GetDatum(s.height);
	values[1] = Int64GetDatum(s.data_pages);
	values[2] = Int64GetDatum(s.model_pages);
	values[3] = Int64GetDatum(s.null_pages);
	values[4] = Int64GetDatum(s.entries);
	values[5] = Int64GetDatum(s.null_entries);
	values[6] = Float8GetDatum(s.capacity > 0 ? s.entries / s.capacity : 0);
	values[7] = Float8GetDatum(s.bytes_per_key);
	nulls[7] = !any;
	values[8] = Float8GetDatum(s.entries > 0 ? s.error_sum / s.entries : 0);
	nulls[8] = s.entries == 0;
	values[9] = Int64GetDatum(s.max_error);
	nulls[9] = s.entries == 0;
	values[10] = Float8GetDatum(s.pages_per_lookup);
	nulls[10] = s.entries == 0;
	values[11] = Int64GetDatum(s.free_pages);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
