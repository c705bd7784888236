/*
 * Pages of a columnar relation: the metapage and the stripe data pages, all through
 * shared buffers and core WAL records (generic WAL, log_newpage), so recovery and
 * replicas replay them without this library.
 *
 * Data pages hold a byte stream: each page carries COLUMNAR_PAGE_DATA bytes after its
 * header and pd_lower marks their end, so the unused tail is the page's "hole" that
 * full-page images leave out. Pages are written once, when their stripe is flushed.
 */
#include "columnar.h"

#include "access/generic_xlog.h"
#include "access/xloginsert.h"
#include "catalog/storage.h"
#include "storage/lmgr.h"
#include "storage/smgr.h"
#include "utils/memutils.h"

static void
columnar_fill_metapage(Page page, uint64 storage_id)
{
	ColumnarMetapage *meta;

	PageInit(page, BLCKSZ, 0);
	meta = (ColumnarMetapage *) PageGetContents(page);
	meta->magic = COLUMNAR_MAGIC;
	meta->format_version = COLUMNAR_FORMAT_VERSION;
	meta->storage_id = storage_id;
	meta->next_row_number = 0;
	((PageHeader) page)->pd_lower = (char *) (meta + 1) - (char *) page;
}

/*
 * Writes the metapage of storage that is being created (CREATE TABLE, TRUNCATE). The
 * relation's buffers still belong to its old storage, so this goes through smgr like
 * an index's init fork: logged as a full page and synced before commit.
 */
void
columnar_init_storage(const RelFileNode *rnode, SMgrRelation srel, char persistence,
					  uint64 storage_id)
{
	PGAlignedBlock block;
	RelFileNode node = *rnode;

	columnar_fill_metapage(block.data, storage_id);
	if (persistence == RELPERSISTENCE_PERMANENT && XLogIsNeeded())
		log_newpage(&node, MAIN_FORKNUM, COLUMNAR_METAPAGE_BLKNO, block.data, true);
	PageSetChecksumInplace(block.data, COLUMNAR_METAPAGE_BLKNO);
	smgrextend(srel, MAIN_FORKNUM, COLUMNAR_METAPAGE_BLKNO, block.data, true);
	if (persistence != RELPERSISTENCE_TEMP)
		smgrimmedsync(srel, MAIN_FORKNUM);
}

/* Truncates storage created in this transaction back to a fresh metapage. */
void
columnar_reset_storage(Relation rel, uint64 storage_id)
{
	Buffer		buf;
	GenericXLogState *state;

	RelationTruncate(rel, 0);
	buf = ReadBufferExtended(rel, MAIN_FORKNUM, P_NEW, RBM_NORMAL, NULL);
	Assert(BufferGetBlockNumber(buf) == COLUMNAR_METAPAGE_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(rel);
	columnar_fill_metapage(GenericXLogRegisterBuffer(state, buf, GENERIC_XLOG_FULL_IMAGE),
						   storage_id);
	GenericXLogFinish(state);
	UnlockReleaseBuffer(buf);
}

static ColumnarMetapage *
columnar_check_metapage(Relation rel, Page page)
{
	ColumnarMetapage *meta = (ColumnarMetapage *) PageGetContents(page);

	if (meta->magic != COLUMNAR_MAGIC)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("\"%s\" is not a columnar relation: bad metapage magic %08X",
						RelationGetRelationName(rel), meta->magic)));
	if (meta->format_version != COLUMNAR_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("columnar relation \"%s\" has storage format %u, this library reads %u",
						RelationGetRelationName(rel), meta->format_version,
						COLUMNAR_FORMAT_VERSION)));
	return meta;
}

/* What rd_amcache holds: the storage id of the relfilenode it was read from. */
typedef struct StorageIdCache
{
	RelFileNode node;
	uint64		storage_id;
} StorageIdCache;

/*
 * The storage id, from the metapage the first time and then from the relcache entry
 * (rd_amcache goes with any relcache invalidation; the relfilenode check catches new
 * storage before the invalidation arrives, as within the TRUNCATE that made it).
 */
uint64
columnar_storage_id(Relation rel)
{
	StorageIdCache *cached = rel->rd_amcache;
	Buffer		buf;
	uint64		id;

	if (cached != NULL && RelFileNodeEquals(cached->node, rel->rd_node))
		return cached->storage_id;
	if (RelationGetNumberOfBlocks(rel) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("columnar relation \"%s\" has no metapage",
						RelationGetRelationName(rel))));
	buf = ReadBuffer(rel, COLUMNAR_METAPAGE_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	id = columnar_check_metapage(rel, BufferGetPage(buf))->storage_id;
	UnlockReleaseBuffer(buf);
	if (cached == NULL)
		rel->rd_amcache = cached = MemoryContextAlloc(CacheMemoryContext, sizeof(StorageIdCache));
	cached->node = rel->rd_node;
	cached->storage_id = id;
	return id;
}

/*
 * Hands out count consecutive row numbers, starting at expected if given (the end of
 * the caller's previous range, to extend it), else wherever the free numbers start.
 * Returns the first number, or InvalidRowNumber if expected is no longer the end.
 * Not transactional: numbers of an aborted writer are never reused, so a TID never
 * names two rows.
 */
uint64
columnar_reserve_rows(Relation rel, int count, uint64 expected)
{
	Buffer		buf;
	GenericXLogState *state;
	ColumnarMetapage *meta;
	uint64		first;

	buf = ReadBuffer(rel, COLUMNAR_METAPAGE_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(rel);
	meta = columnar_check_metapage(rel, GenericXLogRegisterBuffer(state, buf, 0));
	first = meta->next_row_number;
	if (expected != InvalidRowNumber && first != expected)
	{
		GenericXLogAbort(state);
		UnlockReleaseBuffer(buf);
		return InvalidRowNumber;
	}
	if (first + count > COLUMNAR_MAX_ROW_NUMBER)
	{
		GenericXLogAbort(state);
		UnlockReleaseBuffer(buf);
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("columnar relation \"%s\" has run out of row numbers",
						RelationGetRelationName(rel)),
				 errhint("Copy the rows into a new table.")));
	}
	meta->next_row_number = first + count;
	GenericXLogFinish(state);
	UnlockReleaseBuffer(buf);
	return first;
}

/*
 * Appends the byte stream head followed by data as new pages at the end of the
 * relation, one full-page WAL record per page, and returns the first block. Taking the
 * stream in two parts lets a stripe's directory and chunks, encoded apart, go to the
 * pages without being joined in memory first. The extension lock keeps a stripe's
 * pages contiguous when writers flush at the same time.
 */
BlockNumber
columnar_write_pages(Relation rel, const char *head, Size head_len, const char *data,
					 Size data_len, int *nblocks)
{
	BlockNumber first;
	Size		len = head_len + data_len;
	Size		off = 0;
	int			n = (int) ((len + COLUMNAR_PAGE_DATA - 1) / COLUMNAR_PAGE_DATA);

	LockRelationForExtension(rel, ExclusiveLock);
	first = RelationGetNumberOfBlocks(rel);
	for (int i = 0; i < n; i++)
	{
		Buffer		buf = ReadBufferExtended(rel, MAIN_FORKNUM, P_NEW, RBM_NORMAL, NULL);
		GenericXLogState *state;
		Page		page;
		Size		chunk = Min(COLUMNAR_PAGE_DATA, len - off);
		char	   *dest;
		Size		from_head = off < head_len ? Min(chunk, head_len - off) : 0;

		if (BufferGetBlockNumber(buf) != first + i)
			elog(ERROR, "columnar relation \"%s\" grew while locked for extension",
				 RelationGetRelationName(rel));
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		state = GenericXLogStart(rel);
		page = GenericXLogRegisterBuffer(state, buf, GENERIC_XLOG_FULL_IMAGE);
		PageInit(page, BLCKSZ, 0);
		dest = (char *) page + SizeOfPageHeaderData;
		if (from_head > 0)
			memcpy(dest, head + off, from_head);
		if (chunk > from_head)
			memcpy(dest + from_head, data + (off + from_head - head_len), chunk - from_head);
		((PageHeader) page)->pd_lower = SizeOfPageHeaderData + chunk;
		GenericXLogFinish(state);
		UnlockReleaseBuffer(buf);
		off += chunk;
		CHECK_FOR_INTERRUPTS();
	}
	UnlockRelationForExtension(rel, ExclusiveLock);
	*nblocks = n;
	return first;
}

/* Copies len bytes at offset of the byte stream that starts at first_block. */
void
columnar_read_bytes(Relation rel, BlockNumber first_block, uint64 offset, Size len,
					char *dest, BufferAccessStrategy strategy)
{
	while (len > 0)
	{
		BlockNumber blk = first_block + (BlockNumber) (offset / COLUMNAR_PAGE_DATA);
		Size		in = offset % COLUMNAR_PAGE_DATA;
		Size		n = Min(len, COLUMNAR_PAGE_DATA - in);
		Buffer		buf = ReadBufferExtended(rel, MAIN_FORKNUM, blk, RBM_NORMAL, strategy);
		Page		page;

		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (((PageHeader) page)->pd_lower < SizeOfPageHeaderData + in + n)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("columnar relation \"%s\": block %u holds less data than its stripe says",
							RelationGetRelationName(rel), blk)));
		memcpy(dest, (char *) page + SizeOfPageHeaderData + in, n);
		UnlockReleaseBuffer(buf);
		dest += n;
		offset += n;
		len -= n;
	}
}
