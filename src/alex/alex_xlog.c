/*
 * WAL for the two page changes every alex insert makes: an entry into a data page, and
 * the split of a full data page. The rarer changes (parents, roots, NULL pages, VACUUM)
 * are generic WAL where they happen.
 *
 * docs/ALEX_AM.md, "WAL", states both modes. In short, omendb.alex_wal chooses:
 *
 * - generic (the default): generic WAL, whose record is a byte diff of each page. Any
 *   server replays it without the library, but a gapped array spreads a change over the
 *   page: an insert that shifts a run logs the run, and a split logs the new page whole.
 *   These records are built here, not through generic_xlog.h (see log_generic).
 * - compact: records of our own resource manager that name the change, not its bytes --
 *   an insert logs its entry, a split the entries it moves -- and replay reruns the core's
 *   page operations, which are deterministic functions of the page and the entry. It
 *   needs omendb in shared_preload_libraries on this server and on every server that
 *   replays its WAL (standbys, crash recovery, PITR).
 *
 * Either way the page is changed in place inside a critical section, which is safe because
 * the core checks that an insert fits before it writes and a split is computed on copies.
 * An index that needs no WAL (unlogged, temporary) takes the same path without a record.
 */
#include "alex_am.h"

#include "access/bufmask.h"
#include "access/rmgr.h"
#include "access/xlog_internal.h"
#include "access/xloginsert.h"
#include "access/xlogutils.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/*
 * The extension-development id of the custom-rmgr registry
 * (https://wiki.postgresql.org/wiki/CustomWALResourceManagers); a release reserves its own.
 */
#define ALEX_RMGR_ID		RM_EXPERIMENTAL_ID
#define ALEX_RMGR_NAME		"omendb_alex"

#define XLOG_ALEX_INSERT	0x00	/* block 0: the data page; its data: the entry */
#define XLOG_ALEX_SPLIT		0x10	/* blocks: 0 the left page, 1 the new page (its data: the
									 * entries moved), 2 the old right neighbour if any;
									 * main data: xl_alex_split */

/*
 * An entry as logged: a byte holding two lengths, then the key's distance above a base
 * (an insert's page's low fence; a moved entry's predecessor) and the TID, each in as
 * few little-endian bytes as hold it. An insert record then carries 12 bytes for
 * most pages (a page's keys span 7 bytes of distance even on uniform keys over all of
 * int8, a TID below 2^32 fits 4), so it fills 56 bytes where 14 fixed bytes made 64:
 * records are 8-aligned.
 */
#define ALEX_XLOG_ENTRY_MAX (1 + 8 + 6)

typedef struct xl_alex_split
{
	AlexEntry	boundary;		/* the new page's low fence */
	AlexFences	old_fences;		/* the left page's before the split */
	BlockNumber old_right;		/* the left page's right link before the split */
	AlexEntry	incoming;		/* the entry the split makes room for */
	uint8		incoming_into;	/* SPLIT_INTO_* */
} xl_alex_split;

#define SPLIT_INTO_NONE		0		/* did not fit its half: the inserter tries again */
#define SPLIT_INTO_LEFT		1
#define SPLIT_INTO_NEW		2

typedef enum AlexWalMode
{
	ALEX_WAL_GENERIC,
	ALEX_WAL_COMPACT
} AlexWalMode;

static const struct config_enum_entry alex_wal_options[] = {
	{"generic", ALEX_WAL_GENERIC, false},
	{"compact", ALEX_WAL_COMPACT, false},
	{NULL, 0, false}
};

static int	alex_wal_mode = ALEX_WAL_GENERIC;
static bool alex_rmgr_registered = false;

/* Replay's scratch space for the core, for the life of the redo loop. */
static MemoryContext redo_context = NULL;
static AlexInsertScratch redo_scratch;

static int
bytes_for(uint64 value)
{
	int			n = 0;

	for (; value != 0; value >>= 8)
		n++;
	return n;
}

static size_t
pack_entry(char *out, const AlexEntry *e, uint64 base)
{
	uint64		distance = e->key - base;
	int			key_bytes = bytes_for(distance);
	int			tid_bytes = bytes_for(e->tid);

	out[0] = (char) (key_bytes << 4 | tid_bytes);
	memcpy(out + 1, &distance, key_bytes);	/* little-endian: the low bytes */
	memcpy(out + 1 + key_bytes, &e->tid, tid_bytes);
	return 1 + key_bytes + tid_bytes;
}

static size_t
unpack_entry(const char *in, uint64 base, AlexEntry *e)
{
	int			key_bytes = (uint8) in[0] >> 4;
	int			tid_bytes = in[0] & 0x0F;
	uint64		distance = 0;

	e->tid = 0;
	memcpy(&distance, in + 1, key_bytes);
	memcpy(&e->tid, in + 1 + key_bytes, tid_bytes);
	e->key = base + distance;
	return 1 + key_bytes + tid_bytes;
}

/* An insert's base: its page's low fence, which an insert never changes. */
static uint64
insert_base(Page page)
{
	AlexFences	fences;

	alex_data_fences(AlexPageSpan(page), ALEX_SPAN_BYTES, &fences);
	return fences.low.key;
}

static bool
logs_generic(Relation index)
{
	return alex_wal_mode == ALEX_WAL_GENERIC && RelationNeedsWAL(index);
}

/*
 * Generic WAL for data pages, written here instead of through generic_xlog.h: the record
 * is the one GenericXLogFinish writes (resource manager RM_GENERIC_ID; each page's data a
 * list of fragments, each a 2-byte offset, a 2-byte length and the page's new bytes there),
 * so PostgreSQL's own generic redo replays it on any server, without the library. What
 * differs is the search for the changed bytes: GenericXLogFinish compares a copy of the
 * page byte by byte, about six instructions a byte over the whole page, which perf put at
 * a tenth of an inserting backend's time; page_delta compares eight bytes at a time and
 * goes byte by byte only at the ends of a changed run.
 */
#define DELTA_FRAGMENT_HEADER (2 * sizeof(uint16))
#define DELTA_MAX (BLCKSZ + DELTA_FRAGMENT_HEADER)
#define GENERIC_PAGES_MAX 3		/* a split: left, new and right pages */

/*
 * Writes into `out` the fragments that turn `before` into `after` and returns their
 * length, at most DELTA_MAX. A fragment ends at an unchanged 8-byte word: a gap that long
 * costs more inside a fragment than the next fragment's header.
 */
static size_t
page_delta(const char *before, const char *after, char *out)
{
	const uint64 *before_words = (const uint64 *) before;
	const uint64 *after_words = (const uint64 *) after;
	const int	words = BLCKSZ / sizeof(uint64);
	size_t		len = 0;
	int			w = 0;

	while (w < words)
	{
		uint16		start,
					end,
					length;

		if (before_words[w] == after_words[w])
		{
			w++;
			continue;
		}
		start = w * sizeof(uint64);
		while (w < words && before_words[w] != after_words[w])
			w++;
		end = w * sizeof(uint64);
		while (before[start] == after[start])
			start++;
		while (before[end - 1] == after[end - 1])
			end--;
		length = end - start;
		memcpy(out + len, &start, sizeof(start));
		memcpy(out + len + sizeof(start), &length, sizeof(length));
		memcpy(out + len + DELTA_FRAGMENT_HEADER, after + start, length);
		len += DELTA_FRAGMENT_HEADER + length;
	}
	return len;
}

/*
 * Logs, as one generic WAL record, the change of each of the n pages in `bufs` (changed
 * in place, dirty, locked exclusively) from its copy in before[i], or the page whole
 * where before[i] is NULL. Runs inside the caller's critical section.
 */
static void
log_generic(int n, const Buffer *bufs, const char *const *before)
{
	char		deltas[GENERIC_PAGES_MAX][DELTA_MAX];
	XLogRecPtr	lsn;
	int			i;

	Assert(n <= GENERIC_PAGES_MAX);
	XLogBeginInsert();
	for (i = 0; i < n; i++)
	{
		if (before[i] == NULL)
			XLogRegisterBuffer(i, bufs[i], REGBUF_FORCE_IMAGE | REGBUF_STANDARD);
		else
		{
			XLogRegisterBuffer(i, bufs[i], REGBUF_STANDARD);
			XLogRegisterBufData(i, deltas[i], page_delta(before[i], BufferGetPage(bufs[i]), deltas[i]));
		}
	}
	lsn = XLogInsert(RM_GENERIC_ID, 0);
	for (i = 0; i < n; i++)
		PageSetLSN(BufferGetPage(bufs[i]), lsn);
}

/*
 * Inserts e into the data page in `buf` (locked exclusively) and logs it. The page is
 * unchanged unless the result is ALEX_OK: the core checks before it writes.
 */
AlexStatus
alex_log_data_insert(Relation index, Buffer buf, const AlexEntry *e, AlexInsertScratch *scratch)
{
	Page		page = BufferGetPage(buf);
	bool		generic = logs_generic(index);
	PGAlignedBlock before;
	AlexStatus	st;

	if (generic)
		memcpy(before.data, page, BLCKSZ);
	START_CRIT_SECTION();
	st = alex_data_insert(AlexPageSpan(page), ALEX_SPAN_BYTES, *e, scratch->entries, scratch->entries_len);
	if (st == ALEX_OK)
	{
		MarkBufferDirty(buf);
		if (generic)
		{
			const char *befores[1] = {before.data};

			log_generic(1, &buf, befores);
		}
		else if (RelationNeedsWAL(index))
		{
			char		packed[ALEX_XLOG_ENTRY_MAX];
			size_t		len = pack_entry(packed, e, insert_base(page));
			XLogRecPtr	lsn;

			XLogBeginInsert();
			XLogRegisterBuffer(0, buf, REGBUF_STANDARD);
			XLogRegisterBufData(0, packed, len);
			lsn = XLogInsert(ALEX_RMGR_ID, XLOG_ALEX_INSERT);	/* PageSetLSN reads its argument twice */
			PageSetLSN(page, lsn);
		}
	}
	END_CRIT_SECTION();
	return st;
}

/* Points the old right neighbour's left link at the new page. */
static void
relink_right(Page right, BlockNumber new_block)
{
	AlexBlock	left,
				right_link;

	alex_data_links(AlexPageSpan(right), ALEX_SPAN_BYTES, &left, &right_link);
	alex_data_set_links(AlexPageSpan(right), ALEX_SPAN_BYTES, new_block, right_link);
}

/*
 * Splits the full data page `buf` at `boundary`: its entries from the boundary on move to
 * the blank page `new_buf` linked right of it, the old right neighbour `right` (if valid)
 * links back to the new page, e goes into its half if it fits there, and the left page is
 * flagged ALEX_INCOMPLETE_SPLIT until its parent knows the new page. All three buffers are
 * locked exclusively. Returns whether e went in. The split is computed on copies first,
 * so a failure reports the page before anything changes.
 */
bool
alex_log_data_split(Relation index, Buffer buf, Buffer new_buf, Buffer right, AlexEntry boundary,
					const AlexEntry *e, AlexInsertScratch *scratch)
{
	BlockNumber block = BufferGetBlockNumber(buf);
	BlockNumber new_block = BufferGetBlockNumber(new_buf);
	bool		generic = logs_generic(index);
	PGAlignedBlock left;
	PGAlignedBlock fresh;
	PGAlignedBlock left_before;
	PGAlignedBlock right_before;
	xl_alex_split rec;
	AlexBlock	old_left;
	AlexStatus	st;
	char	   *moved = NULL;
	size_t		moved_len = 0;

	memset(&rec, 0, sizeof(rec));	/* its padding goes into the record */
	memcpy(left.data, BufferGetPage(buf), BLCKSZ);
	alex_data_fences(AlexPageSpan(left.data), ALEX_SPAN_BYTES, &rec.old_fences);
	alex_data_links(AlexPageSpan(left.data), ALEX_SPAN_BYTES, &old_left, &rec.old_right);
	alex_init_page(fresh.data, ALEX_PAGE_DATA, 0);
	st = alex_data_split(AlexPageSpan(left.data), AlexPageSpan(fresh.data), ALEX_SPAN_BYTES, block, new_block,
						 boundary, scratch->entries, scratch->entries_len);
	if (st != ALEX_OK)
		alex_report_page(index, block, "splitting a data page failed");

	if (RelationNeedsWAL(index) && !generic)
	{
		void	   *span = AlexPageSpan(fresh.data);
		uint64		base = boundary.key;
		size_t		slot;

		moved = palloc(alex_data_count(span, ALEX_SPAN_BYTES) * ALEX_XLOG_ENTRY_MAX);
		for (slot = alex_data_first(span, ALEX_SPAN_BYTES); slot != ALEX_END;
			 slot = alex_data_next(span, ALEX_SPAN_BYTES, slot))
		{
			AlexEntry	m = alex_data_entry(span, ALEX_SPAN_BYTES, slot);

			moved_len += pack_entry(moved + moved_len, &m, base);
			base = m.key;
		}
	}

	rec.boundary = boundary;
	rec.incoming = *e;
	rec.incoming_into = alex_entry_cmp(e, &boundary) < 0 ? SPLIT_INTO_LEFT : SPLIT_INTO_NEW;
	st = alex_data_insert(AlexPageSpan(rec.incoming_into == SPLIT_INTO_LEFT ? left.data : fresh.data),
						  ALEX_SPAN_BYTES, *e, scratch->entries, scratch->entries_len);
	if (st == ALEX_PAGE_FULL)
		rec.incoming_into = SPLIT_INTO_NONE;
	else if (st != ALEX_OK)
		alex_report_page(index, block, alex_status_name(st));
	AlexPageGetOpaque(left.data)->flags |= ALEX_INCOMPLETE_SPLIT;

	if (generic)
	{
		memcpy(left_before.data, BufferGetPage(buf), BLCKSZ);
		if (BufferIsValid(right))
			memcpy(right_before.data, BufferGetPage(right), BLCKSZ);
	}

	START_CRIT_SECTION();
	memcpy(BufferGetPage(buf), left.data, BLCKSZ);
	memcpy(BufferGetPage(new_buf), fresh.data, BLCKSZ);
	MarkBufferDirty(buf);
	MarkBufferDirty(new_buf);
	if (BufferIsValid(right))
	{
		relink_right(BufferGetPage(right), new_block);
		MarkBufferDirty(right);
	}
	if (generic)
	{
		Buffer		bufs[GENERIC_PAGES_MAX] = {buf, new_buf, right};
		const char *befores[GENERIC_PAGES_MAX] = {left_before.data, NULL, right_before.data};

		log_generic(BufferIsValid(right) ? 3 : 2, bufs, befores);
	}
	else if (RelationNeedsWAL(index))
	{
		XLogRecPtr	lsn;

		XLogBeginInsert();
		XLogRegisterData((char *) &rec, sizeof(rec));
		XLogRegisterBuffer(0, buf, REGBUF_STANDARD);
		XLogRegisterBuffer(1, new_buf, REGBUF_WILL_INIT | REGBUF_STANDARD);
		XLogRegisterBufData(1, moved, moved_len);
		if (BufferIsValid(right))
			XLogRegisterBuffer(2, right, REGBUF_STANDARD);
		lsn = XLogInsert(ALEX_RMGR_ID, XLOG_ALEX_SPLIT);
		PageSetLSN(BufferGetPage(buf), lsn);
		PageSetLSN(BufferGetPage(new_buf), lsn);
		if (BufferIsValid(right))
			PageSetLSN(BufferGetPage(right), lsn);
	}
	END_CRIT_SECTION();
	if (moved)
		pfree(moved);
	return rec.incoming_into != SPLIT_INTO_NONE;
}

/* Replay. A core operation that fails here means the page is not what the primary had. */

static void
redo_check(AlexStatus st, XLogReaderState *record, const char *what)
{
	if (st != ALEX_OK)
		elog(PANIC, "omendb_alex redo: %s failed at %X/%X: %s", what,
			 LSN_FORMAT_ARGS(record->ReadRecPtr), alex_status_name(st));
}

static void
redo_insert(XLogReaderState *record)
{
	Buffer		buf;

	if (XLogReadBufferForRedo(record, 0, &buf) == BLK_NEEDS_REDO)
	{
		Size		len;
		char	   *data = XLogRecGetBlockData(record, 0, &len);
		Page		page = BufferGetPage(buf);
		AlexEntry	e;

		Assert(len > 0);
		unpack_entry(data, insert_base(page), &e);
		redo_check(alex_data_insert(AlexPageSpan(page), ALEX_SPAN_BYTES, e, redo_scratch.entries,
									redo_scratch.entries_len), record, "insert");
		PageSetLSN(page, record->EndRecPtr);
		MarkBufferDirty(buf);
	}
	if (BufferIsValid(buf))
		UnlockReleaseBuffer(buf);
}

static void
redo_split(XLogReaderState *record)
{
	xl_alex_split *rec = (xl_alex_split *) XLogRecGetData(record);
	BlockNumber block,
				new_block;
	Buffer		buf;
	Page		page;
	AlexFences	new_fences = rec->old_fences;
	Size		len;
	char	   *data;
	size_t		n = 0,
				at;
	uint64		base;

	XLogRecGetBlockTag(record, 0, NULL, NULL, &block);
	XLogRecGetBlockTag(record, 1, NULL, NULL, &new_block);

	if (XLogReadBufferForRedo(record, 0, &buf) == BLK_NEEDS_REDO)
	{
		PGAlignedBlock discarded;

		page = BufferGetPage(buf);
		redo_check(alex_data_split(AlexPageSpan(page), AlexPageSpan(discarded.data), ALEX_SPAN_BYTES, block,
								   new_block, rec->boundary, redo_scratch.entries, redo_scratch.entries_len),
				   record, "split");
		if (rec->incoming_into == SPLIT_INTO_LEFT)
			redo_check(alex_data_insert(AlexPageSpan(page), ALEX_SPAN_BYTES, rec->incoming, redo_scratch.entries,
										redo_scratch.entries_len), record, "insert into the left half");
		AlexPageGetOpaque(page)->flags |= ALEX_INCOMPLETE_SPLIT;
		PageSetLSN(page, record->EndRecPtr);
		MarkBufferDirty(buf);
	}
	if (BufferIsValid(buf))
		UnlockReleaseBuffer(buf);

	/* The new page, from the entries it received. */
	buf = XLogInitBufferForRedo(record, 1);
	page = BufferGetPage(buf);
	alex_init_page(page, ALEX_PAGE_DATA, 0);
	data = XLogRecGetBlockData(record, 1, &len);
	for (at = 0, base = rec->boundary.key; at < len; base = redo_scratch.entries[n++].key)
		at += unpack_entry(data + at, base, &redo_scratch.entries[n]);
	new_fences.low = rec->boundary;
	redo_check(alex_data_layout(AlexPageSpan(page), ALEX_SPAN_BYTES, redo_scratch.entries, n, &new_fences, block,
								rec->old_right), record, "laying out the new page");
	if (rec->incoming_into == SPLIT_INTO_NEW)
		redo_check(alex_data_insert(AlexPageSpan(page), ALEX_SPAN_BYTES, rec->incoming, redo_scratch.entries,
									redo_scratch.entries_len), record, "insert into the new page");
	PageSetLSN(page, record->EndRecPtr);
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);

	if (XLogRecHasBlockRef(record, 2))
	{
		if (XLogReadBufferForRedo(record, 2, &buf) == BLK_NEEDS_REDO)
		{
			page = BufferGetPage(buf);
			relink_right(page, new_block);
			PageSetLSN(page, record->EndRecPtr);
			MarkBufferDirty(buf);
		}
		if (BufferIsValid(buf))
			UnlockReleaseBuffer(buf);
	}
}

static void
alex_redo(XLogReaderState *record)
{
	uint8		info = XLogRecGetInfo(record) & ~XLR_INFO_MASK;

	switch (info)
	{
		case XLOG_ALEX_INSERT:
			redo_insert(record);
			break;
		case XLOG_ALEX_SPLIT:
			redo_split(record);
			break;
		default:
			elog(PANIC, "omendb_alex redo: unknown record type %u", info);
	}
}

static void
alex_redo_startup(void)
{
	MemoryContext old;

	redo_context = AllocSetContextCreate(CurrentMemoryContext, "omendb_alex redo", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(redo_context);
	alex_scratch_init(&redo_scratch);
	MemoryContextSwitchTo(old);
}

static void
alex_redo_cleanup(void)
{
	MemoryContextDelete(redo_context);
	redo_context = NULL;
}

static const char *
alex_identify(uint8 info)
{
	switch (info & ~XLR_INFO_MASK)
	{
		case XLOG_ALEX_INSERT:
			return "INSERT";
		case XLOG_ALEX_SPLIT:
			return "SPLIT";
	}
	return NULL;
}

static void
alex_desc(StringInfo buf, XLogReaderState *record)
{
	uint8		info = XLogRecGetInfo(record) & ~XLR_INFO_MASK;
	Size		len = 0;
	char	   *data = XLogRecGetBlockData(record, 0, &len);

	if (info == XLOG_ALEX_INSERT && len > 0)
	{
		AlexEntry	e;

		/* the base is on the page, which a description does not read */
		unpack_entry(data, 0, &e);
		appendStringInfo(buf, "key " UINT64_FORMAT " above the low fence, tid (%u,%u)", e.key,
						 (unsigned) (e.tid >> 16), (unsigned) (e.tid & 0xFFFF));
	}
	else if (info == XLOG_ALEX_SPLIT)
	{
		xl_alex_split *rec = (xl_alex_split *) XLogRecGetData(record);

		XLogRecGetBlockData(record, 1, &len);
		appendStringInfo(buf, "boundary key " UINT64_FORMAT ", %zu bytes of moved entries, incoming %s",
						 rec->boundary.key, (size_t) len,
						 rec->incoming_into == SPLIT_INTO_LEFT ? "left" :
						 rec->incoming_into == SPLIT_INTO_NEW ? "new" : "retried");
	}
}

/* wal_consistency_checking compares replayed pages with the primary's, but for these. */
static void
alex_mask(char *page, BlockNumber blkno)
{
	mask_page_lsn_and_checksum(page);
	mask_unused_space(page);
}

static RmgrData alex_rmgr = {
	.rm_name = ALEX_RMGR_NAME,
	.rm_redo = alex_redo,
	.rm_desc = alex_desc,
	.rm_identify = alex_identify,
	.rm_startup = alex_redo_startup,
	.rm_cleanup = alex_redo_cleanup,
	.rm_mask = alex_mask,
};

static bool
check_alex_wal(int *newval, void **extra, GucSource source)
{
	if (*newval == ALEX_WAL_COMPACT && !alex_rmgr_registered)
	{
		GUC_check_errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE);
		GUC_check_errdetail("Compact WAL records are replayed by omendb's resource manager, which is registered only when omendb is in shared_preload_libraries.");
		GUC_check_errhint("Add omendb to shared_preload_libraries on this server and on every server that replays its WAL, then restart.");
		return false;
	}
	return true;
}

void
alex_xlog_init(void)
{
	if (process_shared_preload_libraries_in_progress)
	{
		RegisterCustomRmgr(ALEX_RMGR_ID, &alex_rmgr);
		alex_rmgr_registered = true;
	}
	DefineCustomEnumVariable("omendb.alex_wal",
							 "How alex indexes log inserts and data-page splits.",
							 "generic: generic WAL, replayed without the library; compact: omendb's own records, "
							 "a fraction of the size, which need omendb in shared_preload_libraries on every "
							 "server that replays them.",
							 &alex_wal_mode, ALEX_WAL_GENERIC, alex_wal_options,
							 PGC_SIGHUP, 0, check_alex_wal, NULL, NULL);
}
