/*
 * The read path: sequential scans, index fetches and ANALYZE sampling, all through a
 * reader that keeps the current stripe's directory and one decoded chunk group (for
 * ANALYZE, one block of rows), so consecutive rows of a group (a scan, or an index scan
 * over clustered keys) decompress it once.
 *
 * Values of a decoded group live in the reader's memory until it moves to another
 * group: slots filled from it are virtual and valid until the next call, like a heap
 * scan's buffer slots are until the next tuple.
 *
 * Every row a reader returns has passed reader_row_deleted: the delete marks of its
 * group, loaded once per group and snapshot (columnar_delete.c).
 */
#include "columnar.h"

#include "access/xact.h"
#include "commands/vacuum.h"
#include "common/pg_prng.h"
#include "port/pg_bitutils.h"
#include "storage/proc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

static void
columnar_reader_init(ColumnarReader *reader, Relation rel, BufferAccessStrategy strategy)
{
	memset(reader, 0, sizeof(*reader));
	reader->rel = rel;
	reader->storage_id = columnar_storage_id(rel);
	reader->strategy = strategy;
	reader->stripe_cxt = AllocSetContextCreate(CurrentMemoryContext, "columnar stripe",
											   ALLOCSET_DEFAULT_SIZES);
	reader->group_cxt = AllocSetContextCreate(CurrentMemoryContext, "columnar chunk group",
											  ALLOCSET_DEFAULT_SIZES);
	reader->delete_cxt = AllocSetContextCreate(CurrentMemoryContext, "columnar deleted rows",
											   ALLOCSET_SMALL_SIZES);
	reader->group = -1;
}

static void
columnar_reader_free(ColumnarReader *reader)
{
	MemoryContextDelete(reader->stripe_cxt);
	MemoryContextDelete(reader->group_cxt);
	MemoryContextDelete(reader->delete_cxt);
}

/*
 * Whether row is deleted for snapshot. The marks of the row's chunk group (of the
 * reader's stripe; of the row alone when the row is not in it) are loaded once and kept
 * for the same snapshot and command, after asking once per MVCC snapshot whether the
 * storage has marks at all; a dirty snapshot loads every time, because it reports a
 * running deleter through the snapshot itself.
 */
static bool
reader_row_deleted(ColumnarReader *reader, uint64 row, Snapshot snapshot)
{
	ColumnarDeleteSet *set = &reader->deletes;

	if (snapshot->snapshot_type == SNAPSHOT_ANY)
		return false;
	if (IsMVCCSnapshot(snapshot))
	{
		if (!columnar_snapshot_key_matches(&reader->any_deletes_key, snapshot))
		{
			reader->any_deletes = columnar_any_deletes(reader->storage_id, snapshot);
			columnar_snapshot_key_set(&reader->any_deletes_key, snapshot);
		}
		if (!reader->any_deletes)
			return false;
	}
	if (snapshot->snapshot_type == SNAPSHOT_DIRTY ||
		!columnar_snapshot_key_matches(&reader->deletes_key, snapshot) ||
		row < set->first_row || row - set->first_row >= set->nrows)
	{
		const ColumnarStripe *s = &reader->stripe;
		uint64		first = row;
		uint32		n = 1;
		MemoryContext old;

		if (reader->have_stripe && row >= s->first_row && row - s->first_row < s->row_count)
		{
			uint64		group_rows = reader->dir->group_rows[0];

			first = s->first_row + (row - s->first_row) / group_rows * group_rows;
			n = (uint32) Min(group_rows, s->first_row + s->row_count - first);
		}
		MemoryContextReset(reader->delete_cxt);
		old = MemoryContextSwitchTo(reader->delete_cxt);
		columnar_load_deletes(reader->storage_id, first, n, snapshot, set);
		MemoryContextSwitchTo(old);
		columnar_snapshot_key_set(&reader->deletes_key, snapshot);
	}
	return columnar_row_deleted(set, row);
}

/* Bytes of the current stripe: from its pages, or from memory if not written yet. */
static void
stripe_bytes(ColumnarReader *reader, uint64 offset, Size len, char *dest)
{
	if (reader->stripe.mem != NULL)
	{
		if (offset + len > (uint64) reader->stripe.stored_bytes)
			elog(ERROR, "read past the end of an unwritten columnar stripe");
		memcpy(dest, reader->stripe.mem + offset, len);
	}
	else
		columnar_read_bytes(reader->rel, reader->stripe.first_block, offset, len, dest,
							reader->strategy);
}

static void
corrupt_stripe(ColumnarReader *reader, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("columnar relation \"%s\": stripe at row %llu starting at block %lld: %s",
					RelationGetRelationName(reader->rel),
					(unsigned long long) reader->stripe.first_row,
					(long long) reader->stripe.first_block, what)));
}

/* Reads and parses the directory of the reader's stripe into memory of cxt. */
static ColumnarDirectory *
read_directory(ColumnarReader *reader, MemoryContext cxt)
{
	const ColumnarStripe *stripe = &reader->stripe;
	ColumnarStripeHeader header;
	ColumnarDirectory *d;
	MemoryContext old;
	char	   *dir,
			   *p,
			   *end;

	stripe_bytes(reader, 0, sizeof(header), (char *) &header);
	/* "STR" and the format's digit, in the magic's low byte */
	if (header.magic != COLUMNAR_STRIPE_MAGIC &&
		(header.magic & ~0xFF) == (COLUMNAR_STRIPE_MAGIC & ~0xFF))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("columnar relation \"%s\" has a stripe in storage format %c, which this library does not read",
						RelationGetRelationName(reader->rel), (char) (header.magic & 0xFF)),
				 errhint("Recreate the table from a dump made with the omendb version that wrote it.")));
	if (header.magic != COLUMNAR_STRIPE_MAGIC || header.row_count != (uint64) stripe->row_count ||
		header.chunk_group_count != (uint32) stripe->chunk_group_count ||
		header.natts > (uint32) MaxHeapAttributeNumber || header.block_rows == 0)
		corrupt_stripe(reader, "header does not match its metadata");
	old = MemoryContextSwitchTo(cxt);
	d = palloc(sizeof(ColumnarDirectory));
	dir = palloc(header.directory_bytes);
	stripe_bytes(reader, sizeof(header), header.directory_bytes, dir);
	d->natts = header.natts;
	d->data_start = sizeof(header) + header.directory_bytes;
	d->block_rows = header.block_rows;
	d->group_rows = palloc(header.chunk_group_count * sizeof(uint32));
	d->entries = palloc(header.chunk_group_count * sizeof(ColumnarChunkEntry *));
	d->blocks = palloc(header.chunk_group_count * sizeof(ColumnarBlockEntry **));
	d->minmax = palloc(header.chunk_group_count * sizeof(const char **));
	p = dir;
	end = dir + header.directory_bytes;
	for (uint32 g = 0; g < header.chunk_group_count; g++)
	{
		uint32		nblocks;

		if (p + sizeof(uint32) > end)
			corrupt_stripe(reader, "directory too short");
		memcpy(&d->group_rows[g], p, sizeof(uint32));
		p += sizeof(uint32);
		if (d->group_rows[g] == 0)
			corrupt_stripe(reader, "empty chunk group");
		nblocks = (d->group_rows[g] + d->block_rows - 1) / d->block_rows;
		d->entries[g] = palloc(Max(header.natts, 1) * sizeof(ColumnarChunkEntry));
		d->blocks[g] = palloc0(Max(header.natts, 1) * sizeof(ColumnarBlockEntry *));
		d->minmax[g] = palloc(Max(header.natts, 1) * sizeof(const char *));
		for (uint32 a = 0; a < header.natts; a++)
		{
			ColumnarChunkEntry *e = &d->entries[g][a];
			Size		block_bytes;

			if (p + sizeof(ColumnarChunkEntry) > end)
				corrupt_stripe(reader, "directory too short");
			memcpy(e, p, sizeof(ColumnarChunkEntry));
			p += sizeof(ColumnarChunkEntry);
			if (p + e->minmax_len > end)
				corrupt_stripe(reader, "directory too short");
			d->minmax[g][a] = (e->flags & CHUNK_HAS_MINMAX) ? p : NULL;
			p += e->minmax_len;
			if (e->flags & CHUNK_ALL_NULL)
				continue;
			block_bytes = nblocks * sizeof(ColumnarBlockEntry);
			if (p + block_bytes > end)
				corrupt_stripe(reader, "directory too short");
			/* copied out: the entries after min/max images are not aligned */
			d->blocks[g][a] = palloc(block_bytes);
			memcpy(d->blocks[g][a], p, block_bytes);
			p += block_bytes;
			for (uint32 k = 0, at = 0; k < nblocks; k++)
			{
				const ColumnarBlockEntry *b = &d->blocks[g][a][k];

				if ((uint64) b->offset + b->stored_len > e->stored_len)
					corrupt_stripe(reader, "block beyond its chunk");
				/* decode_chunk reads a run of blocks as one range */
				if (b->offset != at)
					corrupt_stripe(reader, "block not after the one before it");
				at = b->offset + b->stored_len;
			}
		}
	}
	MemoryContextSwitchTo(old);
	return d;
}

/* Makes stripe the reader's current one, its directory read into the reader's memory. */
static void
columnar_reader_set_stripe(ColumnarReader *reader, const ColumnarStripe *stripe)
{
	MemoryContextReset(reader->stripe_cxt);
	MemoryContextReset(reader->group_cxt);
	reader->group = -1;
	reader->stripe = *stripe;
	reader->have_stripe = true;
	reader->dir = read_directory(reader, reader->stripe_cxt);
}

/* Rows of block k of a chunk of n rows. */
static int
block_nrows(const ColumnarDirectory *dir, int n, int k)
{
	return Min((int) dir->block_rows, n - k * (int) dir->block_rows);
}

/*
 * A block's values as written: stored itself when uncompressed and aligned, else
 * decompressed or copied into palloc'd memory; NULL for an all-NULL block. Values are
 * read in place like a heap tuple's, so they need its alignment, and a block within a
 * chunk starts wherever the blocks before it ended.
 */
static const char *
block_raw(const ColumnarBlockEntry *b, const char *stored)
{
	char	   *raw;

	if (b->flags & CHUNK_ALL_NULL)
		return NULL;
	if (b->compression == COLUMNAR_COMPRESSION_NONE)
	{
		if (b->stored_len != b->raw_len)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("uncompressed columnar block of %u bytes says it holds %u",
							b->stored_len, b->raw_len)));
		if ((uintptr_t) stored == MAXALIGN((uintptr_t) stored))
			return stored;
		raw = palloc(b->raw_len);
		memcpy(raw, stored, b->raw_len);
		return raw;
	}
	raw = palloc(b->raw_len);
	columnar_decompress((ColumnarCompression) b->compression, stored, b->stored_len,
						raw, b->raw_len);
	return raw;
}

/* Where each of a block's n values starts in raw, -1 for a NULL. */
static void
block_offsets(ColumnarReader *reader, Form_pg_attribute att, const ColumnarBlockEntry *b,
			  const char *raw, int n, int32 *offsets)
{
	Size		off = 0;
	const bits8 *bitmap = NULL;

	if (b->flags & CHUNK_HAS_NULLS)
	{
		bitmap = (const bits8 *) raw;
		off = MAXALIGN((n + 7) / 8);
	}
	for (int i = 0; i < n; i++)
	{
		if (bitmap != NULL && att_isnull(i, bitmap))
		{
			offsets[i] = -1;
			continue;
		}
		off = att_align_nominal(off, att->attalign);
		if (off >= b->raw_len)
			corrupt_stripe(reader, "block holds fewer values than its rows");
		offsets[i] = (int32) off;
		off = att_addlength_pointer(off, att->attlen, raw + off);
	}
	if (off > b->raw_len)
		corrupt_stripe(reader, "block values overrun the block");
}

/*
 * The distance between values of a block of fixed-width values without NULLs, which
 * need no offsets; 0 for other blocks.
 */
static int
block_stride(ColumnarReader *reader, Form_pg_attribute att, const ColumnarBlockEntry *b, int n)
{
	int			stride;

	if (att->attlen <= 0 || (b->flags & CHUNK_HAS_NULLS))
		return 0;
	stride = att_align_nominal(att->attlen, att->attalign);
	if ((Size) n * stride > b->raw_len)
		corrupt_stripe(reader, "block holds fewer values than its rows");
	return stride;
}

/* A bit-packed block's parts (ColumnarPackedHeader), in its stored bytes. */
typedef struct PackedBlock
{
	const bits8 *bitmap;		/* NULL: no NULLs */
	ColumnarPackedHeader h;
	bool		numeric;		/* COLUMNAR_BLOCK_PACKED_NUMERIC */
	const char *fields;
} PackedBlock;

/* How many of the first n rows of a null bitmap have a value. */
static int
bitmap_rank(const bits8 *bitmap, int n)
{
	int			rank = (int) pg_popcount((const char *) bitmap, n / 8);

	if (n % 8 != 0)
		rank += pg_number_of_ones[bitmap[n / 8] & ((1 << (n % 8)) - 1)];
	return rank;
}

/* Finds the parts of a packed block of n rows in stored, checked against its length. */
static void
packed_open(ColumnarReader *reader, const ColumnarBlockEntry *b, const char *stored, int n,
			PackedBlock *p)
{
	Size		off = 0;
	int			nvalues = n;

	p->bitmap = NULL;
	p->numeric = b->compression == COLUMNAR_BLOCK_PACKED_NUMERIC;
	if (b->flags & CHUNK_HAS_NULLS)
	{
		p->bitmap = (const bits8 *) stored;
		off = MAXALIGN((n + 7) / 8);
		if (off > b->stored_len)
			corrupt_stripe(reader, "packed block shorter than its null bitmap");
		nvalues = bitmap_rank(p->bitmap, n);
	}
	if (off + sizeof(p->h) > b->stored_len)
		corrupt_stripe(reader, "packed block shorter than its header");
	memcpy(&p->h, stored + off, sizeof(p->h));
	off += sizeof(p->h);
	if (p->h.bits > 64 || off + COLUMNAR_PACKED_BYTES(nvalues, p->h.bits) > b->stored_len)
		corrupt_stripe(reader, "packed block holds fewer values than its rows");
	p->fields = stored + off;
}

/*
 * The j-th non-NULL value of a packed block, as fetchatt would return it; a numeric
 * value is built in buf (COLUMNAR_NUMERIC_BUF bytes, MAXALIGN'd).
 */
static Datum
packed_value(ColumnarReader *reader, const PackedBlock *p, Form_pg_attribute att, int j,
			 char *buf)
{
	uint64		field = 0;
	uint64		x;

	if (p->h.bits > 0)
	{
		uint64		pos = (uint64) j * p->h.bits;
		int			shift = pos % 64;
		uint64		word;

		memcpy(&word, p->fields + pos / 64 * 8, sizeof(word));
		field = word >> shift;
		if (shift + p->h.bits > 64)
		{
			memcpy(&word, p->fields + pos / 64 * 8 + 8, sizeof(word));
			field |= word << (64 - shift);
		}
		if (p->h.bits < 64)
			field &= (UINT64CONST(1) << p->h.bits) - 1;
	}
	x = (uint64) p->h.base + p->h.factor * field;
	if (p->numeric)
	{
		if (columnar_numeric_build((int64) x, (int) p->h.dscale, buf) == 0)
			corrupt_stripe(reader, "packed numeric beyond its limits");
		return PointerGetDatum(buf);
	}
	switch (att->attlen)
	{
		case 1:
			return CharGetDatum((char) x);
		case 2:
			return Int16GetDatum((int16) x);
		case 4:
			return Int32GetDatum((int32) x);
		default:
			return Int64GetDatum((int64) x);
	}
}

/* Decodes the n rows of a packed block into values and isnull. */
static void
decode_packed(ColumnarReader *reader, Form_pg_attribute att, const ColumnarBlockEntry *b,
			  const char *stored, int n, Datum *values, bool *isnull)
{
	PackedBlock p;
	int			j = 0;
	char	   *bufs = NULL;

	packed_open(reader, b, stored, n, &p);
	if (p.numeric)
		bufs = palloc(n * COLUMNAR_NUMERIC_BUF);
	for (int i = 0; i < n; i++)
	{
		isnull[i] = p.bitmap != NULL && att_isnull(i, p.bitmap);
		values[i] = isnull[i] ? (Datum) 0 :
			packed_value(reader, &p, att, j++,
						 p.numeric ? bufs + i * COLUMNAR_NUMERIC_BUF : NULL);
	}
}

/* Decodes the n rows of one block into values and isnull (pointing into raw). */
static void
decode_block(ColumnarReader *reader, Form_pg_attribute att, const ColumnarBlockEntry *b,
			 const char *raw, int n, Datum *values, bool *isnull)
{
	int			stride;
	int32	   *offsets;

	if (raw == NULL)
	{
		memset(isnull, true, n * sizeof(bool));
		return;
	}
	stride = block_stride(reader, att, b, n);
	if (stride > 0)
	{
		memset(isnull, false, n * sizeof(bool));
		for (int i = 0; i < n; i++)
			values[i] = fetchatt(att, raw + (Size) i * stride);
		return;
	}
	offsets = palloc(n * sizeof(int32));
	block_offsets(reader, att, b, raw, n, offsets);
	for (int i = 0; i < n; i++)
	{
		isnull[i] = offsets[i] < 0;
		values[i] = isnull[i] ? (Datum) 0 : fetchatt(att, raw + offsets[i]);
	}
	pfree(offsets);
}

/*
 * Decodes column a of blocks [first, first + count) of a chunk group of the current
 * stripe (of n rows) into values and isnull, from the first block's first row on: one
 * read of the blocks' stored bytes (they lie one after the other), then block by block.
 */
static void
decode_chunk(ColumnarReader *reader, Form_pg_attribute att, int group, int a, int n,
			 int first, int count, Datum *values, bool *isnull)
{
	const ColumnarChunkEntry *e = &reader->dir->entries[group][a];
	const ColumnarBlockEntry *blocks = reader->dir->blocks[group][a];
	int			block_rows = reader->dir->block_rows;
	uint32		lo,
				hi;
	char	   *stored;

	if (e->flags & CHUNK_ALL_NULL)
	{
		memset(isnull, true, Min(count * block_rows, n - first * block_rows) * sizeof(bool));
		return;
	}
	lo = blocks[first].offset;
	hi = blocks[first + count - 1].offset + blocks[first + count - 1].stored_len;
	stored = palloc(hi - lo);
	stripe_bytes(reader, reader->dir->data_start + e->offset + lo, hi - lo, stored);
	for (int k = first; k < first + count; k++)
	{
		const ColumnarBlockEntry *b = &blocks[k];
		int			at = (k - first) * block_rows;

		if ((b->compression == COLUMNAR_BLOCK_PACKED ||
			 b->compression == COLUMNAR_BLOCK_PACKED_NUMERIC) && !(b->flags & CHUNK_ALL_NULL))
			decode_packed(reader, att, b, stored + (b->offset - lo), block_nrows(reader->dir, n, k),
						  values + at, isnull + at);
		else
			decode_block(reader, att, b, block_raw(b, stored + (b->offset - lo)),
						 block_nrows(reader->dir, n, k), values + at, isnull + at);
	}
}

/*
 * One min/max image (a uint16 length, then the value laid out as in a chunk) as a
 * Datum in the stripe's memory; returns the position after it.
 */
static const char *
read_image(ColumnarReader *reader, const char *p, Form_pg_attribute att, Datum *value)
{
	uint16		len;
	char	   *copy;

	memcpy(&len, p, sizeof(len));
	/* MAXALIGN'd memory: the image starts at offset 0 of a chunk's aligned layout */
	copy = MemoryContextAlloc(reader->stripe_cxt, Max(len, 1));
	memcpy(copy, p + sizeof(len), len);
	*value = fetchatt(att, copy);
	return p + sizeof(len) + len;
}

/*
 * What the directory knows about column attno (0-based) of a group of the current
 * stripe: whether it is all NULL, and the bounds of its values when they were kept.
 * A column added after the stripe was written is unknown (its default fills it).
 */
void
columnar_chunk_range(ColumnarReader *reader, int group, int attno, ColumnarChunkRange *range)
{
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(reader->rel), attno);
	const char *img;

	memset(range, 0, sizeof(*range));
	if (attno >= reader->dir->natts)
		return;
	range->all_null = (reader->dir->entries[group][attno].flags & CHUNK_ALL_NULL) != 0;
	img = reader->dir->minmax[group][attno];
	if (img == NULL)
		return;
	img = read_image(reader, img, att, &range->min);
	read_image(reader, img, att, &range->max);
	range->has_minmax = true;
}

/*
 * Decodes the read columns of blocks [first, first + count) of a chunk group of the
 * current stripe: whole groups for scans, one block for ANALYZE's sample.
 */
static void
columnar_reader_load_blocks(ColumnarReader *reader, int group, int first, int count,
							TupleDesc desc)
{
	ColumnarGroup *d = &reader->decoded;
	MemoryContext old;
	int			block_rows = reader->dir->block_rows;
	int			group_n = reader->dir->group_rows[group];
	int			n = Min(count * block_rows, group_n - first * block_rows);

	MemoryContextReset(reader->group_cxt);
	old = MemoryContextSwitchTo(reader->group_cxt);
	d->first_row = reader->stripe.first_row + (uint64) group * reader->dir->group_rows[0] +
		(uint64) first * block_rows;
	d->nrows = n;
	d->values = palloc(Max(desc->natts, 1) * sizeof(Datum *));
	d->isnull = palloc(Max(desc->natts, 1) * sizeof(bool *));
	for (int a = 0; a < desc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);

		if (reader->columns != NULL && !reader->columns[a])
		{
			d->values[a] = NULL;
			d->isnull[a] = NULL;
			continue;
		}
		d->values[a] = palloc(n * sizeof(Datum));
		d->isnull[a] = palloc(n * sizeof(bool));
		if (a < reader->dir->natts && !att->attisdropped)
			decode_chunk(reader, att, group, a, group_n, first, count, d->values[a],
						 d->isnull[a]);
		else
		{
			/* a column added after the stripe was written reads as its default */
			bool		isnull;
			Datum		v = att->attisdropped ? (Datum) 0 : getmissingattr(desc, a + 1, &isnull);

			if (att->attisdropped)
				isnull = true;
			for (int i = 0; i < n; i++)
			{
				d->values[a][i] = v;
				d->isnull[a][i] = isnull;
			}
		}
	}
	d->hidden = NULL;			/* set by columnar_scan_next_batch for its consumers */
	MemoryContextSwitchTo(old);
	/* a scan steps from group to group: only a whole one counts as its current group */
	reader->group = n == group_n ? group : -1;
	reader->desc = desc;
}

/* Decodes the read columns of one chunk group of the current stripe. */
static void
columnar_reader_load_group(ColumnarReader *reader, int group, TupleDesc desc)
{
	int			block_rows = reader->dir->block_rows;

	columnar_reader_load_blocks(reader, group, 0,
								(reader->dir->group_rows[group] + block_rows - 1) / block_rows,
								desc);
}

static void
columnar_store_row(ColumnarReader *reader, uint64 row, TupleTableSlot *slot)
{
	ColumnarGroup *d = &reader->decoded;
	int			r = (int) (row - d->first_row);
	int			natts = slot->tts_tupleDescriptor->natts;

	ExecClearTuple(slot);
	for (int a = 0; a < natts; a++)
	{
		/* a column the reader skips reads as NULL: nothing above asks for it */
		bool		read = d->values[a] != NULL;

		slot->tts_values[a] = read ? d->values[a][r] : (Datum) 0;
		slot->tts_isnull[a] = read ? d->isnull[a][r] : true;
	}
	ExecStoreVirtualTuple(slot);
	columnar_row_to_tid(row, &slot->tts_tid);
	slot->tts_tableOid = RelationGetRelid(reader->rel);
}

/* A row that exists but cannot be read yet: another writer's, for a unique check. */
static void
columnar_store_nulls(Relation rel, uint64 row, TupleTableSlot *slot)
{
	ExecStoreAllNullTuple(slot);
	columnar_row_to_tid(row, &slot->tts_tid);
	slot->tts_tableOid = RelationGetRelid(rel);
}

static int
stripe_cmp(const void *a, const void *b)
{
	uint64		x = ((const ColumnarStripe *) a)->first_row;
	uint64		y = ((const ColumnarStripe *) b)->first_row;

	return x < y ? -1 : x > y;
}

/*
 * The stripes a scan reads, in row order: the written ones the snapshot sees, and
 * this transaction's unwritten rows it sees. A non-MVCC snapshot sees committed
 * stripes and this transaction's; SnapshotAny would also see those of aborted
 * writers, which hold no rows anyone may see, so it reads as SnapshotSelf.
 */
static ColumnarStripe *
scan_stripes(Relation rel, Snapshot snapshot, int *n)
{
	List	   *unwritten = columnar_flush_for_read(rel,
													IsMVCCSnapshot(snapshot) ? snapshot->curcid : InvalidCommandId,
													true);
	ColumnarStripe *stripes;
	ListCell   *lc;

	if (snapshot->snapshot_type == SNAPSHOT_ANY)
		snapshot = SnapshotSelf;
	stripes = columnar_list_stripes(columnar_storage_id(rel), snapshot, n);
	if (unwritten == NIL)
		return stripes;
	stripes = repalloc(stripes, (*n + list_length(unwritten)) * sizeof(ColumnarStripe));
	foreach(lc, unwritten)
		stripes[(*n)++] = *(ColumnarStripe *) lfirst(lc);
	qsort(stripes, *n, sizeof(ColumnarStripe), stripe_cmp);
	return stripes;
}

uint64
columnar_count_rows(Relation rel, Snapshot snapshot)
{
	int			n;
	ColumnarStripe *stripes = columnar_list_stripes(columnar_storage_id(rel), snapshot, &n);
	uint64		rows = 0;

	for (int i = 0; i < n; i++)
		rows += stripes[i].row_count;
	pfree(stripes);
	return rows;
}

TableScanDesc
columnar_scan_begin(Relation rel, Snapshot snapshot, int nkeys, struct ScanKeyData *key,
					ParallelTableScanDesc pscan, uint32 flags)
{
	ColumnarScanDesc scan;
	MemoryContext old;

	if (pscan != NULL)
		columnar_unsupported("parallel scans");
	if (flags & SO_TYPE_SAMPLESCAN)
		columnar_unsupported("TABLESAMPLE");
	columnar_check_isolation(snapshot);

	scan = palloc0(sizeof(ColumnarScanDescData));
	scan->base.rs_rd = rel;
	scan->base.rs_nkeys = nkeys;
	scan->base.rs_key = key;
	scan->base.rs_flags = flags;
	if (snapshot == NULL)
	{
		/* ANALYZE passes none: it samples what a new snapshot sees */
		snapshot = RegisterSnapshot(GetTransactionSnapshot());
		scan->base.rs_flags |= SO_TEMP_SNAPSHOT;
	}
	scan->base.rs_snapshot = snapshot;
	columnar_reader_init(&scan->reader, rel,
						 (flags & SO_ALLOW_STRAT) ? GetAccessStrategy(BAS_BULKREAD) : NULL);
	/* the list, and any buffered rows encoded for it, go with the scan */
	scan->stripes_cxt = AllocSetContextCreate(CurrentMemoryContext, "columnar scan stripes",
											  ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(scan->stripes_cxt);
	scan->stripes = scan_stripes(rel, snapshot, &scan->nstripes);
	MemoryContextSwitchTo(old);
	return &scan->base;
}

void
columnar_scan_end(TableScanDesc sscan)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;

	if (scan->reader.strategy != NULL)
		FreeAccessStrategy(scan->reader.strategy);
	columnar_reader_free(&scan->reader);
	if (sscan->rs_flags & SO_TEMP_SNAPSHOT)
		UnregisterSnapshot(sscan->rs_snapshot);
	MemoryContextDelete(scan->stripes_cxt);
	pfree(scan);
}

void
columnar_scan_rescan(TableScanDesc sscan, struct ScanKeyData *key, bool set_params,
					 bool allow_strat, bool allow_sync, bool allow_pagemode)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;

	scan->next_stripe = 0;
	scan->reader.have_stripe = false;
	scan->reader.group = -1;
}

/* For index builds: whether a row the scan returned is deleted for another snapshot. */
bool
columnar_scan_row_deleted(TableScanDesc sscan, uint64 row, Snapshot snapshot)
{
	return reader_row_deleted(&((ColumnarScanDesc) sscan)->reader, row, snapshot);
}

/* For VACUUM: the scan reads only these stripes (in row order) from the start. */
void
columnar_scan_set_stripes(TableScanDesc sscan, ColumnarStripe *stripes, int n)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;

	pfree(scan->stripes);
	scan->stripes = stripes;
	scan->nstripes = n;
	columnar_scan_rescan(sscan, NULL, false, false, false, false);
}

/*
 * Projection for the CustomScan: only columns[a] (by the slot descriptor's attnos) are
 * decoded, the others read as NULL. The array must outlive the scan.
 */
void
columnar_scan_set_columns(TableScanDesc sscan, const bool *columns)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;

	scan->reader.columns = columns;
	scan->reader.group = -1;
}

/* Chunk groups for which filter returns true are stepped over undecoded. */
void
columnar_scan_set_filter(TableScanDesc sscan, ColumnarGroupFilter filter, void *arg)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;

	scan->skip_group = filter;
	scan->skip_arg = arg;
}

/*
 * Decodes the next chunk group the filter does not refute, in this stripe or the
 * following ones; false at the end of the table.
 */
static bool
columnar_scan_next_group(ColumnarScanDesc scan, TupleDesc desc)
{
	ColumnarReader *reader = &scan->reader;
	int			group = reader->have_stripe ? reader->group + 1 : reader->stripe.chunk_group_count;

	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (!reader->have_stripe || group >= reader->stripe.chunk_group_count)
		{
			if (scan->next_stripe >= scan->nstripes)
				return false;
			columnar_reader_set_stripe(reader, &scan->stripes[scan->next_stripe++]);
			group = 0;
		}
		if (scan->skip_group != NULL && scan->skip_group(reader, group, scan->skip_arg))
		{
			scan->groups_skipped++;
			group++;
			continue;
		}
		columnar_reader_load_group(reader, group, desc);
		scan->next_row = reader->decoded.first_row;
		return true;
	}
}

/*
 * The scan's next chunk group, for callers that consume whole groups (the aggregate
 * of columnar_agg.c): its decoded columns and hidden rows; NULL at the end.
 */
const ColumnarGroup *
columnar_scan_next_batch(TableScanDesc sscan, TupleDesc desc)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;
	ColumnarReader *reader = &scan->reader;
	ColumnarGroup *d = &reader->decoded;

	if (!columnar_scan_next_group(scan, desc))
		return NULL;
	scan->next_row = d->first_row + d->nrows;
	for (int r = 0; r < d->nrows; r++)
	{
		if (!reader_row_deleted(reader, d->first_row + r, sscan->rs_snapshot))
		{
			/* the first row loaded the whole group's marks: none, nothing to hide */
			if (reader->deletes.ndeleted == 0)
				break;
			continue;
		}
		if (d->hidden == NULL)
			d->hidden = MemoryContextAllocZero(reader->group_cxt, d->nrows * sizeof(bool));
		d->hidden[r] = true;
	}
	return d;
}

/*
 * The one place rows leave a scan (plain sequential scans and the CustomScan alike).
 */
bool
columnar_scan_getnextslot(TableScanDesc sscan, ScanDirection direction, TupleTableSlot *slot)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;
	ColumnarReader *reader = &scan->reader;

	if (ScanDirectionIsBackward(direction))
		columnar_unsupported("backward scans");
	for (;;)
	{
		if (reader->group >= 0 && reader->desc != slot->tts_tupleDescriptor)
			columnar_reader_load_group(reader, reader->group, slot->tts_tupleDescriptor);
		while (reader->group >= 0 &&
			   scan->next_row < reader->decoded.first_row + reader->decoded.nrows)
		{
			uint64		row = scan->next_row++;

			if (reader_row_deleted(reader, row, sscan->rs_snapshot))
				continue;
			columnar_store_row(reader, row, slot);
			return true;
		}
		if (!columnar_scan_next_group(scan, slot->tts_tupleDescriptor))
		{
			ExecClearTuple(slot);
			return false;
		}
	}
}

/*
 * ANALYZE samples physical blocks, which do not hold rows here; block b of N stands
 * for the b-th of N equal slices of the row numbers instead, so that rows found per
 * sampled block times N still estimates the row count.
 *
 * Reading every row of the slices it asks for would read the whole table: its
 * BlockSampler asks for min(N, targrows) blocks, and a columnar table has few pages
 * for its rows (the benchmark's 10M rows fill about 26,000, targrows is 30,000 by
 * default). So the unit read is a block of rows (block_rows rows of each column, what
 * decompresses on its own, not a chunk group), and of a table with many more rows than
 * ANALYZE wants only a sample of units is read: the units are numbered in the order
 * the slices asked for meet them, the numbers cut into strata of S, and of each stratum
 * the one unit at a position drawn from the stratum and a seed drawn per ANALYZE is
 * read. So every row of the slices asked for is read with the same probability 1/S,
 * and ANALYZE's reservoir stays a uniform sample; and the units read are spread over
 * the slices, none more than 2S units apart, at positions that no periodic pattern of
 * the rows can line up with (a fixed step could).
 *
 * How many rows a slice holds is known without reading it (the stripes say which row
 * numbers exist), so the counts ANALYZE extrapolates from are the slices' rows,
 * exactly, split into live and dead in the proportion the rows read show (analyze_count).
 * Counting each row read as S rows instead would be unbiased too, but off by several
 * percent: the units read are few (hundreds), and how much of each falls in the
 * slices asked for varies.
 *
 * S is set so that about ANALYZE_READ_FACTOR times targrows rows are read: with only
 * targrows, the sample would be every row of a few hundred units, and a run of equal
 * values within a unit would look to n_distinct like a value repeated throughout the
 * table; read from four times as many units, the reservoir keeps a quarter of each.
 * A table with fewer than twice that many rows is read whole (S = 1), as heap reads
 * every block of a table of fewer than targrows blocks. A unit that extends into the
 * next slice has its rows there read with that slice, so that each row counts for the
 * block ANALYZE took it from.
 */
#define ANALYZE_READ_FACTOR 4

/*
 * The rows ANALYZE samples from rel, as do_analyze_rel computes them: 300 per unit of
 * the largest statistics target of its columns (std_typanalyze's rule, which the
 * other typanalyze functions keep), at least 100. ANALYZE of some columns only wants
 * fewer.
 */
static double
analyze_target_rows(Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			target = 0;

	for (int a = 0; a < desc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);

		if (!att->attisdropped)
			target = Max(target, att->attstattarget < 0 ? default_statistics_target :
						 att->attstattarget);
	}
	return Max(100.0, 300.0 * target);
}

/* How many rows of the scan's stripes have row numbers in [lo, hi). */
static uint64
rows_between(ColumnarScanDesc scan, uint64 lo, uint64 hi)
{
	uint64		rows = 0;

	for (int i = Max(columnar_stripes_starting_by(scan->stripes, scan->nstripes, lo) - 1, 0);
		 i < scan->nstripes && scan->stripes[i].first_row < hi; i++)
	{
		const ColumnarStripe *s = &scan->stripes[i];
		uint64		from = Max(lo, s->first_row);
		uint64		to = Min(hi, s->first_row + s->row_count);

		if (from < to)
			rows += to - from;
	}
	return rows;
}

bool
columnar_scan_analyze_next_block(TableScanDesc sscan, BlockNumber blockno,
								 BufferAccessStrategy bstrategy)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;
	ColumnarAnalyze *an = &scan->analyze;

	if (an->rows_per_block == 0)
	{
		ColumnarStripe *last = scan->nstripes > 0 ? &scan->stripes[scan->nstripes - 1] : NULL;
		uint64		end = last ? last->first_row + last->row_count : 0;
		BlockNumber nblocks = RelationGetNumberOfBlocks(sscan->rs_rd);
		double		targrows = analyze_target_rows(sscan->rs_rd);
		double		asked = 0;

		/* the rows of the slices the BlockSampler will ask for */
		if (nblocks > 0)
			asked = rows_between(scan, 0, end) * Min(nblocks, targrows) / nblocks;
		an->stride = Max(1, (uint64) (asked / (ANALYZE_READ_FACTOR * targrows)));
		an->seed = pg_prng_uint64(&pg_global_prng_state);
		an->unit = InvalidRowNumber;
		an->rows_per_block = nblocks > 0 ? (double) end / nblocks : 0;
		if (an->rows_per_block == 0)
			an->rows_per_block = -1;
	}
	if (an->rows_per_block < 0)
		return false;
	scan->next_row = (uint64) (blockno * an->rows_per_block);
	an->hi = (uint64) ((blockno + 1) * an->rows_per_block);
	an->rows += rows_between(scan, scan->next_row, an->hi);
	return true;
}

/*
 * Whether ANALYZE reads the unit holding row (of the reader's stripe); if so its rows
 * are the reader's decoded ones, if not the scan moves past it.
 */
static bool
analyze_read_unit(ColumnarScanDesc scan, uint64 row, TupleDesc desc)
{
	ColumnarAnalyze *an = &scan->analyze;
	ColumnarReader *reader = &scan->reader;
	const ColumnarDirectory *dir = reader->dir;
	uint64		in_stripe = row - reader->stripe.first_row;
	int			group = (int) (in_stripe / dir->group_rows[0]);
	int			block;
	uint64		first;

	if (group >= reader->stripe.chunk_group_count ||
		in_stripe - (uint64) group * dir->group_rows[0] >= dir->group_rows[group])
		corrupt_stripe(reader, "row beyond its chunk groups");
	block = (int) ((in_stripe - (uint64) group * dir->group_rows[0]) / dir->block_rows);
	first = reader->stripe.first_row + (uint64) group * dir->group_rows[0] +
		(uint64) block * dir->block_rows;
	if (first != an->unit)
	{
		uint64		unit = an->units++;

		an->unit = first;
		an->unit_read = true;
		if (an->stride > 1)
		{
			pg_prng_state stratum;

			pg_prng_seed(&stratum, an->seed + unit / an->stride);
			an->unit_read = unit % an->stride ==
				pg_prng_uint64_range(&stratum, 0, an->stride - 1);
		}
		if (an->unit_read)
			columnar_reader_load_blocks(reader, group, block, 1, desc);
	}
	if (!an->unit_read)
		scan->next_row = first + block_nrows(dir, dir->group_rows[group], block);
	return an->unit_read;
}

/*
 * Brings ANALYZE's counts of live and dead rows to the estimate so far: the rows of the
 * blocks asked for, the share of the rows read that is deleted counted dead. They are
 * acquire_sample_rows' sums, which it only adds to and reads once all blocks are done,
 * so the estimate may move either way meanwhile.
 */
static void
analyze_count(ColumnarAnalyze *an, double *liverows, double *deadrows)
{
	double		dead = an->read > 0 ? (double) an->rows * an->dead / an->read : 0;

	*liverows += (an->rows - dead) - an->live_given;
	*deadrows += dead - an->dead_given;
	an->live_given = an->rows - dead;
	an->dead_given = dead;
}

bool
columnar_scan_analyze_next_tuple(TableScanDesc sscan, TransactionId OldestXmin,
								 double *liverows, double *deadrows, TupleTableSlot *slot)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;
	ColumnarAnalyze *an = &scan->analyze;
	ColumnarReader *reader = &scan->reader;

	while (scan->next_row < an->hi)
	{
		uint64		row = scan->next_row;
		int			lo;
		ColumnarStripe *s;

		if (reader->have_stripe && row >= reader->stripe.first_row &&
			row - reader->stripe.first_row < (uint64) reader->stripe.row_count)
		{
			if (!analyze_read_unit(scan, row, slot->tts_tupleDescriptor))
				continue;
			scan->next_row++;
			an->read++;
			if (reader_row_deleted(reader, row, sscan->rs_snapshot))
			{
				an->dead++;
				continue;
			}
			columnar_store_row(reader, row, slot);
			analyze_count(an, liverows, deadrows);
			return true;
		}
		lo = columnar_stripes_starting_by(scan->stripes, scan->nstripes, row);
		if (lo == 0)
		{
			if (scan->nstripes == 0)
				break;
			scan->next_row = scan->stripes[0].first_row;
			continue;
		}
		s = &scan->stripes[lo - 1];
		if (row < s->first_row + s->row_count)
		{
			/* the decoded unit goes with the stripe */
			columnar_reader_set_stripe(reader, s);
			an->unit = InvalidRowNumber;
		}
		else if (lo < scan->nstripes)
			scan->next_row = scan->stripes[lo].first_row;
		else
			break;
	}
	analyze_count(an, liverows, deadrows);
	ExecClearTuple(slot);
	return false;
}

/* ---- index fetches ---- */

/*
 * Index fetches read single rows through the fetch cache (columnar_cache.c): a block
 * (COLUMNAR_BLOCK_ROWS rows of one column) is decompressed once and its values' offsets
 * computed once, then any row of it is a lookup. A fetch only decides which row it
 * returns; a columnar slot decodes the row's columns when the executor asks for them
 * (columnar_slot.c), so a query that reads the first few columns reads and decompresses
 * blocks of those only, and the cache keeps only those.
 */

/*
 * A cached block: its raw values and where each row's value starts, or its packed
 * fields (read in place: a packed block is cached as stored, a fraction of its raw
 * size, so the cache holds more of them).
 */
typedef struct CachedBlock
{
	bool		loaded;			/* read; the rest is unset until then */
	const char *raw;			/* NULL: all NULL, or packed */
	int32	   *offsets;		/* [row], -1 for NULL; NULL: fixed stride, no NULLs */
	int			stride;
	bool		is_packed;
	PackedBlock packed;
} CachedBlock;

/*
 * Block k of each column of a chunk group, read column by column as rows of it are
 * asked for: one cache entry for a block of rows, so that a row costs one hash lookup,
 * one memory context and one eviction, not one per column.
 */
typedef struct CachedRows
{
	MemoryContext cxt;			/* the cache entry's: columns read later go here too */
	int			nrows;
	int			natts;			/* the stripe's */
	CachedBlock cols[FLEXIBLE_ARRAY_MEMBER];
} CachedRows;

typedef struct ColumnarIndexFetch
{
	IndexFetchTableData base;
	ColumnarReader reader;		/* names the stripe being read; its directory is cached */
	uint64		storage_id;
	/* the MVCC snapshot whose first fetch probed for its one stripe */
	ColumnarSnapshotKey probed_key;
	/* the stripes this MVCC snapshot sees, listed at its second fetch */
	ColumnarSnapshotKey stripes_key;
	ColumnarStripe *stripes;
	int			nstripes;
	/* values decoded for a slot of another type, until it copies them; NULL until then */
	MemoryContext values_cxt;
} ColumnarIndexFetch;

struct IndexFetchTableData *
columnar_index_fetch_begin(Relation rel)
{
	ColumnarIndexFetch *f = palloc0(sizeof(ColumnarIndexFetch));

	f->base.rel = rel;
	columnar_reader_init(&f->reader, rel, NULL);
	f->storage_id = columnar_storage_id(rel);
	return &f->base;
}

/*
 * Called at every rescan, for each outer row of a nested loop. The fetch pins no
 * buffers, and what it keeps (stripe list, delete marks) is keyed by what the snapshot
 * sees, so it stays right across rescans: keeping it makes a nested loop probe the
 * metadata once per snapshot instead of once per outer row.
 */
void
columnar_index_fetch_reset(struct IndexFetchTableData *data)
{
}

void
columnar_index_fetch_end(struct IndexFetchTableData *data)
{
	ColumnarIndexFetch *f = (ColumnarIndexFetch *) data;

	columnar_reader_free(&f->reader);
	if (f->stripes != NULL)
		pfree(f->stripes);
	if (f->values_cxt != NULL)
		MemoryContextDelete(f->values_cxt);
	pfree(f);
}

/*
 * The stripe holding row as the snapshot sees it. An MVCC snapshot's stripes are
 * listed once and searched (stripes are immutable and never overlap); other snapshots
 * (unique checks, SnapshotSelf) ask the metadata each time, since what they see moves.
 * The first fetch of an MVCC snapshot asks the metadata for its one stripe too: a
 * point SELECT fetches one row per snapshot, and listing the ~70 stripes of 10M rows
 * for it would cost more than the probe.
 */
static bool
fetch_find_stripe(ColumnarIndexFetch *f, uint64 row, Snapshot snapshot, ColumnarStripe *stripe)
{
	int			i;

	if (!IsMVCCSnapshot(snapshot))
		return columnar_find_stripe(f->storage_id, row,
									snapshot->snapshot_type == SNAPSHOT_ANY ? SnapshotSelf : snapshot,
									stripe);
	if (!columnar_snapshot_key_matches(&f->stripes_key, snapshot))
	{
		if (!columnar_snapshot_key_matches(&f->probed_key, snapshot))
		{
			columnar_snapshot_key_set(&f->probed_key, snapshot);
			return columnar_find_stripe(f->storage_id, row, snapshot, stripe);
		}
		if (f->stripes != NULL)
			pfree(f->stripes);
		f->stripes = columnar_list_stripes(f->storage_id, snapshot, &f->nstripes);
		columnar_snapshot_key_set(&f->stripes_key, snapshot);
	}
	i = columnar_stripe_holding(f->stripes, f->nstripes, row);
	if (i < 0)
		return false;
	*stripe = f->stripes[i];
	return true;
}

static void
cache_key(ColumnarReader *reader, int group, int attno, int block, ColumnarCacheKey *key)
{
	memset(key, 0, sizeof(*key));
	key->storage_id = reader->stripe.storage_id;
	key->first_row = reader->stripe.first_row;
	key->first_block = reader->stripe.first_block;
	key->group = group;
	key->attno = attno;
	key->block = block;
}

/* The directory of the reader's (written) stripe, from the cache or read into it. */
static ColumnarDirectory *
cached_directory(ColumnarReader *reader)
{
	ColumnarCacheKey key;
	ColumnarDirectory *dir;
	MemoryContext cxt;

	cache_key(reader, -1, -1, -1, &key);
	dir = columnar_cache_lookup(&key);
	if (dir != NULL)
		return dir;
	cxt = AllocSetContextCreate(CurrentMemoryContext, "columnar cached directory",
								ALLOCSET_SMALL_SIZES);
	dir = read_directory(reader, cxt);
	columnar_cache_insert(&key, dir, cxt);
	return dir;
}

/* Points the reader at a written stripe, with its directory from the cache. */
static void
fetch_set_stripe(ColumnarReader *reader, const ColumnarStripe *stripe)
{
	reader->stripe = *stripe;
	reader->have_stripe = true;
	reader->group = -1;
	reader->dir = cached_directory(reader);
}

/* Reads and decodes block k (n rows) of column attno of a group of the reader's stripe. */
static void
read_block(ColumnarReader *reader, int group, int attno, int k, int n, Form_pg_attribute att,
		   CachedBlock *c)
{
	const ColumnarChunkEntry *e = &reader->dir->entries[group][attno];
	const ColumnarBlockEntry *b;
	char	   *stored;

	if ((e->flags & CHUNK_ALL_NULL) || (reader->dir->blocks[group][attno][k].flags & CHUNK_ALL_NULL))
		return;
	b = &reader->dir->blocks[group][attno][k];
	stored = palloc(b->stored_len);
	stripe_bytes(reader, reader->dir->data_start + e->offset + b->offset, b->stored_len, stored);
	if (b->compression == COLUMNAR_BLOCK_PACKED ||
		b->compression == COLUMNAR_BLOCK_PACKED_NUMERIC)
	{
		c->is_packed = true;
		packed_open(reader, b, stored, n, &c->packed);
		return;
	}
	c->raw = block_raw(b, stored);
	if (c->raw != stored)
		pfree(stored);
	c->stride = block_stride(reader, att, b, n);
	if (c->stride == 0)
	{
		c->offsets = palloc(n * sizeof(int32));
		block_offsets(reader, att, b, c->raw, n, c->offsets);
	}
}

/* An empty cache entry for a block of rows of the reader's stripe. */
static CachedRows *
new_cached_rows(ColumnarReader *reader, const ColumnarCacheKey *key)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "columnar cached rows",
											  ALLOCSET_SMALL_SIZES);
	CachedRows *rows = MemoryContextAllocZero(cxt, offsetof(CachedRows, cols) +
											  reader->dir->natts * sizeof(CachedBlock));

	rows->cxt = cxt;
	rows->natts = reader->dir->natts;
	rows->nrows = block_nrows(reader->dir, reader->dir->group_rows[key->group], key->block);
	columnar_cache_insert(key, rows, cxt);
	return rows;
}

/*
 * Row i's value in a cached block, a value passed by reference copied into cxt: the
 * cache may drop the block at the next fetch, while the slot still holds the row.
 */
static Datum
row_value(ColumnarReader *reader, const CachedBlock *c, Form_pg_attribute att, int i,
		  bool *isnull, MemoryContext cxt)
{
	int32		off;
	Size		len;
	char	   *copy;

	if (c->is_packed)
	{
		const bits8 *bitmap = c->packed.bitmap;

		*isnull = bitmap != NULL && att_isnull(i, bitmap);
		if (*isnull)
			return (Datum) 0;
		return packed_value(reader, &c->packed, att, bitmap != NULL ? bitmap_rank(bitmap, i) : i,
							c->packed.numeric ? MemoryContextAlloc(cxt, COLUMNAR_NUMERIC_BUF) : NULL);
	}
	off = c->raw == NULL ? -1 : c->offsets ? c->offsets[i] : i * c->stride;
	*isnull = off < 0;
	if (*isnull)
		return (Datum) 0;
	if (att->attbyval)
		return fetchatt(att, c->raw + off);
	len = att_addlength_pointer(0, att->attlen, c->raw + off);
	copy = MemoryContextAlloc(cxt, len);
	memcpy(copy, c->raw + off, len);
	return PointerGetDatum(copy);
}

/* Sets the reader's directory: the ref's stripe's. */
static void
ref_directory(ColumnarRowRef *ref, ColumnarReader *reader)
{
	if (ref->dir == NULL)
		ref->dir = cached_directory(reader);
	reader->dir = ref->dir;
}

/*
 * Columns [from, to) of a fetched row (by desc's attnos) into values and isnull, values
 * passed by reference copied into copy_cxt. Blocks of columns not read before are read
 * into the row's cache entry, which is made again if the cache dropped it since: the
 * stripe's pages never change while the relation is open. A column added after the
 * stripe was written reads as its default, a dropped one as NULL.
 */
void
columnar_row_ref_values(ColumnarRowRef *ref, TupleDesc desc, int from, int to,
						Datum *values, bool *isnull, MemoryContext copy_cxt)
{
	Relation	rel = RelationIdGetRelation(ref->relid);
	ColumnarReader reader;
	ColumnarCacheKey key;
	CachedRows *rows;
	bool		grew = false;

	if (!RelationIsValid(rel))
		elog(ERROR, "could not open relation with OID %u", ref->relid);
	memset(&reader, 0, sizeof(reader));
	reader.rel = rel;
	reader.storage_id = ref->stripe.storage_id;
	reader.stripe = ref->stripe;
	reader.have_stripe = true;
	reader.group = -1;
	if (ref->generation != columnar_cache_generation())
	{
		ref->dir = NULL;
		ref->rows = NULL;
		ref->generation = columnar_cache_generation();
	}
	cache_key(&reader, ref->group, -1, ref->block, &key);
	if (ref->rows == NULL)
		ref->rows = columnar_cache_lookup(&key);
	for (int a = from; a < to; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);
		CachedBlock *c;

		if (att->attisdropped)
		{
			values[a] = (Datum) 0;
			isnull[a] = true;
			continue;
		}
		if (ref->rows == NULL)
		{
			ref_directory(ref, &reader);
			ref->rows = new_cached_rows(&reader, &key);
		}
		rows = ref->rows;
		if (a >= rows->natts)
		{
			values[a] = getmissingattr(desc, a + 1, &isnull[a]);
			continue;
		}
		c = &rows->cols[a];
		if (!c->loaded)
		{
			MemoryContext old;

			ref_directory(ref, &reader);
			old = MemoryContextSwitchTo(rows->cxt);
			read_block(&reader, ref->group, a, ref->block, rows->nrows, att, c);
			MemoryContextSwitchTo(old);
			c->loaded = true;
			grew = true;
		}
		values[a] = row_value(&reader, c, att, ref->row, &isnull[a], copy_cxt);
	}
	if (grew)
		columnar_cache_resized(&key);
	RelationClose(rel);
}

/*
 * Stores row of the fetch's stripe in slot: in a columnar slot as a reference that it
 * decodes as columns are asked for, in a slot of another type decoded and copied.
 */
static void
fetch_store_row(ColumnarIndexFetch *f, uint64 row, TupleTableSlot *slot)
{
	ColumnarReader *reader = &f->reader;
	uint64		in_stripe = row - reader->stripe.first_row;
	int			group = (int) (in_stripe / reader->dir->group_rows[0]);
	int			r = (int) (in_stripe - (uint64) group * reader->dir->group_rows[0]);
	ColumnarRowRef ref;

	if (group >= reader->stripe.chunk_group_count || r >= (int) reader->dir->group_rows[group])
		corrupt_stripe(reader, "row beyond its chunk groups");
	ref.relid = RelationGetRelid(reader->rel);
	ref.stripe = reader->stripe;
	ref.group = group;
	ref.block = r / reader->dir->block_rows;
	ref.row = r - ref.block * reader->dir->block_rows;
	ref.generation = columnar_cache_generation();
	ref.dir = reader->dir;
	ref.rows = NULL;
	if (TTS_IS_COLUMNAR(slot))
		columnar_slot_store_ref(slot, &ref);
	else
	{
		TupleDesc	desc = slot->tts_tupleDescriptor;

		if (f->values_cxt == NULL)
			f->values_cxt = AllocSetContextCreate(GetMemoryChunkContext(f),
												  "columnar fetched values",
												  ALLOCSET_SMALL_SIZES);
		MemoryContextReset(f->values_cxt);
		ExecClearTuple(slot);
		columnar_row_ref_values(&ref, desc, 0, desc->natts, slot->tts_values, slot->tts_isnull,
								f->values_cxt);
		ExecStoreVirtualTuple(slot);
		ExecMaterializeSlot(slot);
	}
	columnar_row_to_tid(row, &slot->tts_tid);
	slot->tts_tableOid = RelationGetRelid(reader->rel);
}

bool
columnar_index_fetch_tuple(struct IndexFetchTableData *data, ItemPointer tid,
						   Snapshot snapshot, TupleTableSlot *slot, bool *call_again,
						   bool *all_dead)
{
	ColumnarIndexFetch *f = (ColumnarIndexFetch *) data;
	Relation	rel = data->rel;
	uint64		row = columnar_tid_to_row(tid);
	ColumnarStripe stripe;

	*call_again = false;
	if (all_dead)
		*all_dead = false;

	if (snapshot->snapshot_type == SNAPSHOT_DIRTY)
	{
		/* the heap leaves a writer's xid here for the caller; ours is no one to wait for */
		snapshot->xmin = snapshot->xmax = InvalidTransactionId;
		snapshot->speculativeToken = 0;
	}
	columnar_check_isolation(snapshot);
	if (IsMVCCSnapshot(snapshot))
		columnar_flush_for_read(rel, snapshot->curcid, false);
	if (columnar_pending_row(rel, row, snapshot, slot))
	{
		/* its values are the write state's, which a flush frees */
		ExecMaterializeSlot(slot);
		return !reader_row_deleted(&f->reader, row, snapshot);
	}
	if (!fetch_find_stripe(f, row, snapshot, &stripe))
		return false;
	if (stripe.first_block < 0)
	{
		/* another writer's unflushed row: only a unique check gets here */
		columnar_store_nulls(rel, row, slot);
		return !reader_row_deleted(&f->reader, row, snapshot);
	}
	columnar_cache_trim();
	fetch_set_stripe(&f->reader, &stripe);
	if (reader_row_deleted(&f->reader, row, snapshot))
		return false;
	fetch_store_row(f, row, slot);
	return true;
}

/*
 * UPDATE and DELETE fetch the old version of every row they change, EvalPlanQual the
 * rows it rechecks: one fetch per transaction, for the relation asked last, keeps the
 * snapshot's stripe list and the delete marks of the last chunk group between these
 * calls (the blocks themselves are in the fetch cache), so that changing the rows of
 * one group lists the stripes and reads its marks once. It lives in TopTransactionContext, which takes it at transaction
 * end; a call cut short by an error leaves it marked busy, and it is rebuilt.
 */
static struct
{
	ColumnarIndexFetch *fetch;
	LocalTransactionId lxid;
	Oid			relid;
	RelFileNode node;
	bool		busy;
} row_version;

bool
columnar_fetch_row_version(Relation rel, ItemPointer tid, Snapshot snapshot,
						   TupleTableSlot *slot)
{
	ColumnarIndexFetch *f;
	bool		call_again;
	bool		found;

	if (row_version.fetch == NULL || row_version.lxid != MyProc->lxid || row_version.busy ||
		row_version.relid != RelationGetRelid(rel) ||
		!RelFileNodeEquals(row_version.node, rel->rd_node))
	{
		MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);

		if (row_version.fetch != NULL && row_version.lxid == MyProc->lxid)
			columnar_index_fetch_end(&row_version.fetch->base);
		row_version.fetch = (ColumnarIndexFetch *) columnar_index_fetch_begin(rel);
		row_version.lxid = MyProc->lxid;
		row_version.relid = RelationGetRelid(rel);
		row_version.node = rel->rd_node;
		MemoryContextSwitchTo(old);
	}
	f = row_version.fetch;
	/* the caller's relcache entry; what it read stays keyed by snapshot */
	f->base.rel = f->reader.rel = rel;
	row_version.busy = true;
	found = columnar_index_fetch_tuple(&f->base, tid, snapshot, slot, &call_again, NULL);
	row_version.busy = false;
	return found;
}

bool
columnar_tuple_satisfies_snapshot(Relation rel, TupleTableSlot *slot, Snapshot snapshot)
{
	/* a columnar slot: nothing of the row is decoded */
	TupleTableSlot *probe = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsColumnar);
	bool		visible = columnar_fetch_row_version(rel, &slot->tts_tid, snapshot, probe);

	ExecDropSingleTupleTableSlot(probe);
	return visible;
}
