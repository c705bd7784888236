/*
 * The write path: rows are buffered per relation, subtransaction and command, then
 * encoded and written as one stripe.
 *
 * A write state holds the rows one command of one subtransaction wrote to one relation
 * (the relation's storage, precisely: TRUNCATE starts new storage). It takes row
 * numbers from the metapage as it grows, so each row has its TID at once, and records
 * reservation rows so that unique checks of other backends find the writer.
 * It is flushed when it fills, when a later command of the same subtransaction writes
 * or reads the relation, at the end of a bulk insert, at subtransaction commit and at
 * pre-commit; it is discarded by an abort of its subtransaction. Because a state never
 * spans commands, its stripe row can carry the command id of its rows and the snapshot
 * rules of the heap give exact visibility within the writing transaction too.
 */
#include "columnar.h"

#include "access/detoast.h"
#include "access/relation.h"
#include "access/xact.h"
#include "catalog/pg_publication.h"
#include "catalog/pg_type.h"
#include "pgstat.h"
#include "port/pg_bitutils.h"
#include "utils/datum.h"
#include "utils/memutils.h"
#include "utils/relcache.h"
#include "utils/sortsupport.h"
#include "utils/typcache.h"

typedef struct WriteState
{
	struct WriteState *next;
	Oid			relid;
	RelFileNode node;
	SubTransactionId subxid;
	CommandId	cid;
	MemoryContext cxt;
	int			natts;
	ColumnarOptions opts;
	ColumnarStripe stripe;		/* storage_id, first_row, row_limit (0: no range yet) */
	int			nrows;
	int			cap;
	Size		bytes;
	Datum	  **values;			/* [att][row] */
	bool	  **isnull;
	/* copies of values passed by reference: see value_space */
	List	   *blocks;
	int			block;
	Size		block_used;
	MemoryContext large_cxt;
	/* the stripe's encoding: header and directory, chunks, one block's scratch */
	StringInfoData head;
	StringInfoData data;
	StringInfoData raw;
} WriteState;

/* Live from the first write of a transaction to its end, in TopTransactionContext. */
static WriteState *states = NULL;

/* Longest min or max image kept for chunk skipping. */
#define MINMAX_MAX_IMAGE 64

/*
 * Value blocks grow from the first size to the last, so that a one-row INSERT stays
 * small; a value above a quarter of the last size gets an allocation of its own.
 */
#define VALUE_BLOCK_FIRST ((Size) 16 * 1024)
#define VALUE_BLOCK_LAST ((Size) 1024 * 1024)

static void
unlink_state(WriteState *st)
{
	WriteState **p;

	for (p = &states; *p != st; p = &(*p)->next)
		;
	*p = st->next;
	MemoryContextDelete(st->cxt);
}

static WriteState *
open_state(Relation rel, CommandId cid)
{
	MemoryContext cxt = AllocSetContextCreate(TopTransactionContext, "columnar write state",
											  ALLOCSET_DEFAULT_SIZES);
	WriteState *st = MemoryContextAllocZero(cxt, sizeof(WriteState));
	PublicationDesc pubdesc;
	MemoryContext old;

	RelationBuildPublicationDesc(rel, &pubdesc);
	if (pubdesc.pubactions.pubinsert)
		columnar_unsupported("logical replication (the table is in a publication)");

	st->cxt = cxt;
	st->relid = RelationGetRelid(rel);
	st->node = rel->rd_node;
	st->subxid = GetCurrentSubTransactionId();
	st->cid = cid;
	st->natts = RelationGetDescr(rel)->natts;
	st->stripe.storage_id = columnar_storage_id(rel);
	columnar_read_options(st->stripe.storage_id, &st->opts);
	st->cap = Min(st->opts.stripe_row_limit, 1024);
	st->values = MemoryContextAlloc(cxt, st->natts * sizeof(Datum *));
	st->isnull = MemoryContextAlloc(cxt, st->natts * sizeof(bool *));
	for (int a = 0; a < st->natts; a++)
	{
		st->values[a] = MemoryContextAlloc(cxt, st->cap * sizeof(Datum));
		st->isnull[a] = MemoryContextAlloc(cxt, st->cap * sizeof(bool));
	}
	st->large_cxt = AllocSetContextCreate(cxt, "columnar large values", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	initStringInfo(&st->head);
	initStringInfo(&st->data);
	initStringInfo(&st->raw);
	MemoryContextSwitchTo(old);
	st->next = states;
	states = st;
	return st;
}

/*
 * Room for a copy of a value passed by reference. Copies are laid out one after the
 * other in blocks that the state keeps from one stripe to the next (write_stripe starts
 * again at the first), so a load of many stripes allocates, and page-faults in, the
 * memory for its values once rather than once per value and stripe: allocating afresh
 * for each stripe (and each value) was a tenth of a columnar COPY's time.
 */
static char *
value_space(WriteState *st, Size len)
{
	Size		need = MAXALIGN(len);
	char	   *p;

	if (need > VALUE_BLOCK_LAST / 4)
		return MemoryContextAlloc(st->large_cxt, len);
	for (;;)
	{
		Size		size = Min(VALUE_BLOCK_FIRST << Min(st->block, 6), VALUE_BLOCK_LAST);

		if (st->block == list_length(st->blocks))
		{
			MemoryContext old = MemoryContextSwitchTo(st->cxt);

			st->blocks = lappend(st->blocks, palloc(size));
			MemoryContextSwitchTo(old);
		}
		if (st->block_used + need <= size)
			break;
		st->block++;
		st->block_used = 0;
	}
	p = (char *) list_nth(st->blocks, st->block) + st->block_used;
	st->block_used += need;
	return p;
}

/*
 * Copies a value into the state: varlena values detoasted (chunks keep them inline)
 * with a 4-byte header, which is what the chunk encoding stores.
 */
static Datum
copy_value(WriteState *st, Form_pg_attribute att, Datum value)
{
	char	   *src = DatumGetPointer(value);
	struct varlena *detoasted = NULL;
	char	   *copy;
	Size		len;

	if (att->attbyval)
	{
		st->bytes += att->attlen;
		return value;
	}
	if (att->attlen == -1)
	{
		if (VARATT_IS_EXTERNAL(src) || VARATT_IS_COMPRESSED(src))
			src = (char *) (detoasted = detoast_attr((struct varlena *) src));
		/* a short (1-byte) header, as in rows read from a heap, is widened here */
		len = VARSIZE_ANY_EXHDR(src) + VARHDRSZ;
		copy = value_space(st, len);
		SET_VARSIZE(copy, len);
		memcpy(VARDATA(copy), VARDATA_ANY(src), len - VARHDRSZ);
		if (detoasted != NULL)
			pfree(detoasted);
	}
	else
	{
		len = att_addlength_datum(0, att->attlen, value);
		copy = value_space(st, len);
		memcpy(copy, src, len);
	}
	st->bytes += len;
	return PointerGetDatum(copy);
}

static void
append_row(WriteState *st, TupleDesc desc, TupleTableSlot *slot)
{
	int			r = st->nrows;

	if (r == st->cap)
	{
		st->cap = Min(st->cap * 2, st->opts.stripe_row_limit);
		for (int a = 0; a < st->natts; a++)
		{
			st->values[a] = repalloc(st->values[a], st->cap * sizeof(Datum));
			st->isnull[a] = repalloc(st->isnull[a], st->cap * sizeof(bool));
		}
	}
	slot_getallattrs(slot);
	for (int a = 0; a < st->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);

		st->isnull[a][r] = slot->tts_isnull[a] || att->attisdropped;
		st->values[a][r] = st->isnull[a][r] ? (Datum) 0 :
			copy_value(st, att, slot->tts_values[a]);
	}
	st->nrows++;
	columnar_row_to_tid(st->stripe.first_row + r, &slot->tts_tid);
	slot->tts_tableOid = st->relid;
}

/* Serializes one value at the aligned end of buf, as a heap tuple lays it out. */
static void
put_value(StringInfo buf, Form_pg_attribute att, Datum value)
{
	int			off = att_align_nominal(buf->len, att->attalign);
	Size		len = att_addlength_datum(0, att->attlen, value);

	enlargeStringInfo(buf, off - buf->len + len);
	memset(buf->data + buf->len, 0, off - buf->len);
	if (att->attbyval)
		store_att_byval(buf->data + off, value, att->attlen);
	else
		memcpy(buf->data + off, DatumGetPointer(value), len);
	buf->len = off + len;
}

/*
 * ApplySortComparator, with the comparators that tuplesort also inlines (integers,
 * dates, timestamps) inlined here too: min/max over a load's every value of those
 * columns made the indirect call a visible share of COPY.
 */
static inline int
minmax_compare(Datum a, Datum b, SortSupport ssup)
{
	if (ssup->comparator == ssup_datum_signed_cmp)
		return (DatumGetInt64(a) > DatumGetInt64(b)) - (DatumGetInt64(a) < DatumGetInt64(b));
	if (ssup->comparator == ssup_datum_int32_cmp)
		return (DatumGetInt32(a) > DatumGetInt32(b)) - (DatumGetInt32(a) < DatumGetInt32(b));
	return ApplySortComparator(a, false, b, false, ssup);
}

/*
 * Appends the min and max images of a chunk when the type orders and they are short.
 * The default btree opclass's order, compared through sort support: a load compares
 * every value once or twice, and the fmgr call of the plain comparison proc was a
 * visible part of COPY's time.
 */
static int
put_minmax(StringInfo dir, Form_pg_attribute att, Datum *values, bool *isnull, int n)
{
	TypeCacheEntry *tc = lookup_type_cache(att->atttypid, TYPECACHE_LT_OPR);
	SortSupportData ssup = {0};
	Datum		min = 0,
				max = 0;
	bool		any = false;
	Size		minlen,
				maxlen;
	uint16		len;

	if (!OidIsValid(tc->lt_opr))
		return 0;
	ssup.ssup_cxt = CurrentMemoryContext;
	ssup.ssup_collation = att->attcollation;
	PrepareSortSupportFromOrderingOp(tc->lt_opr, &ssup);
	for (int i = 0; i < n; i++)
	{
		if (isnull[i])
			continue;
		if (!any)
		{
			min = max = values[i];
			any = true;
			continue;
		}
		if (minmax_compare(values[i], min, &ssup) < 0)
			min = values[i];
		else if (minmax_compare(values[i], max, &ssup) > 0)
			max = values[i];
	}
	minlen = att_addlength_datum(0, att->attlen, min);
	maxlen = att_addlength_datum(0, att->attlen, max);
	if (!any || minlen > MINMAX_MAX_IMAGE || maxlen > MINMAX_MAX_IMAGE)
		return 0;
	/* Each image: a uint16 length, then the bytes (unaligned; copied out to read). */
	for (int k = 0; k < 2; k++)
	{
		Datum		v = k == 0 ? min : max;
		StringInfoData img;

		initStringInfo(&img);
		put_value(&img, att, v);
		len = (uint16) img.len;
		appendBinaryStringInfo(dir, (char *) &len, sizeof(len));
		appendBinaryStringInfo(dir, img.data, img.len);
		pfree(img.data);
	}
	return (int) (2 * sizeof(uint16) + minlen + maxlen);
}

/*
 * Starts a block's encoding in raw (reset first): a null bitmap when there are NULLs
 * (bit set = value present, as in heap tuples), padded to MAXALIGN. Returns the
 * block's NULL flags.
 */
static uint8
put_nulls(StringInfo raw, const bool *isnull, int n)
{
	int			nnull = 0;
	int			bytes = (n + 7) / 8;

	resetStringInfo(raw);
	for (int i = 0; i < n; i++)
		nnull += isnull[i];
	if (nnull == n)
		return CHUNK_HAS_NULLS | CHUNK_ALL_NULL;
	if (nnull == 0)
		return 0;
	enlargeStringInfo(raw, MAXALIGN(bytes));
	memset(raw->data, 0, MAXALIGN(bytes));
	for (int i = 0; i < n; i++)
		if (!isnull[i])
			raw->data[i / 8] |= 1 << (i % 8);
	raw->len = MAXALIGN(bytes);
	return CHUNK_HAS_NULLS;
}

/*
 * Appends a block's non-null values to its null bitmap in raw, laid out like a heap
 * tuple's data so that fetchatt reads them in place.
 */
static void
put_values(StringInfo raw, Form_pg_attribute att, const Datum *values, const bool *isnull,
		   int n)
{
	for (int i = 0; i < n; i++)
		if (!isnull[i])
			put_value(raw, att, values[i]);
}

/* A value passed by value of 1, 2, 4 or 8 bytes as the integer its bytes spell. */
static inline int64
packed_integer(Form_pg_attribute att, Datum value)
{
	switch (att->attlen)
	{
		case 1:
			return (int8) DatumGetChar(value);
		case 2:
			return DatumGetInt16(value);
		case 4:
			return DatumGetInt32(value);
		default:
			return DatumGetInt64(value);
	}
}

/*
 * A numeric value as value * 10^dscale, when it is in packing's limits and reads back
 * as the same bytes.
 */
static bool
packed_numeric(Datum value, int *dscale, int64 *scaled)
{
	char		buf[COLUMNAR_NUMERIC_BUF];
	Size		len;

	if (!columnar_numeric_scaled(value, dscale, scaled))
		return false;
	len = columnar_numeric_build(*scaled, *dscale, buf);
	return len - VARHDRSZ == VARSIZE_ANY_EXHDR(DatumGetPointer(value)) &&
		memcmp(buf + VARHDRSZ, VARDATA_ANY(DatumGetPointer(value)), len - VARHDRSZ) == 0;
}

static uint64
gcd64(uint64 a, uint64 b)
{
	while (b != 0)
	{
		uint64		t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/*
 * Appends a block's non-null values to its null bitmap in raw bit-packed (see
 * ColumnarPackedHeader) when the type allows it (values passed by value of 1, 2, 4 or
 * 8 bytes; numeric values of one display scale within columnar_numeric_scaled's limits)
 * and packing saves a quarter of the values' bytes at least, and returns the length the
 * block's heap-like layout would have had (its raw_len) and its compression code;
 * otherwise leaves raw as it was and returns 0, and the block is compressed as usual.
 * Packing wins over compression even where compression would be smaller (a sorted or
 * low-cardinality column): it costs no decompression to read, a row is read in place,
 * and it is cheaper to write.
 */
static Size
put_packed(StringInfo raw, Form_pg_attribute att, const Datum *values, const bool *isnull,
		   int n, uint8 *compression)
{
	bool		numeric = att->atttypid == NUMERICOID;
	ColumnarPackedHeader h = {0};
	uint64		span = 0,
				factor = 0;
	int			nvalues = 0;
	int64	   *ints;
	Size		bytes,
				layout = raw->len;
	uint64	   *words;

	if (!numeric && (!att->attbyval ||
					 (att->attlen != 1 && att->attlen != 2 && att->attlen != 4 && att->attlen != 8)))
		return 0;
	ints = palloc(n * sizeof(int64));
	for (int i = 0; i < n; i++)
	{
		int			dscale = 0;

		if (isnull[i])
			continue;
		if (numeric && (!packed_numeric(values[i], &dscale, &ints[nvalues]) ||
						(nvalues > 0 && (uint32) dscale != h.dscale)))
		{
			pfree(ints);
			return 0;
		}
		if (!numeric)
			ints[nvalues] = packed_integer(att, values[i]);
		h.dscale = dscale;
		if (nvalues == 0 || ints[nvalues] < h.base)
			h.base = ints[nvalues];
		nvalues++;
		layout = att_addlength_datum(att_align_nominal(layout, att->attalign), att->attlen,
									 values[i]);
	}
	for (int j = 0; j < nvalues; j++)
	{
		uint64		d = (uint64) ints[j] - (uint64) h.base;

		span = Max(span, d);
		if (factor != 1)
			factor = gcd64(d, factor);
	}
	h.factor = factor == 0 ? 1 : factor;
	h.bits = span == 0 ? 0 : pg_leftmost_one_pos64(span / h.factor) + 1;
	bytes = COLUMNAR_PACKED_BYTES(nvalues, h.bits);
	if ((sizeof(h) + bytes) * 4 > (layout - raw->len) * 3)
	{
		pfree(ints);
		return 0;
	}
	appendBinaryStringInfo(raw, (char *) &h, sizeof(h));
	enlargeStringInfo(raw, bytes);
	words = (uint64 *) (raw->data + raw->len);
	memset(words, 0, bytes);
	for (int j = 0; j < nvalues && h.bits > 0; j++)
	{
		uint64		pos = (uint64) j * h.bits;
		uint64		field = (uint64) ints[j] - (uint64) h.base;
		int			shift = pos % 64;

		/* a division per value was a visible share of COPY: most blocks have factor 1 */
		if (h.factor != 1)
			field /= h.factor;

		words[pos / 64] |= field << shift;
		if (shift + h.bits > 64)
			words[pos / 64 + 1] |= field >> (64 - shift);
	}
	raw->len += bytes;
	pfree(ints);
	*compression = numeric ? COLUMNAR_BLOCK_PACKED_NUMERIC : COLUMNAR_BLOCK_PACKED;
	return layout;
}

/*
 * Encodes one column of one chunk group: its directory entry, min/max images and block
 * entries into dir, its blocks, each packed or compressed on its own, into data. A
 * block that does not shrink is stored uncompressed; an all-NULL block or chunk stores
 * nothing.
 */
static void
put_chunk(StringInfo dir, StringInfo data, Form_pg_attribute att, const ColumnarOptions *opts,
		  Datum *values, bool *isnull, int n, int block_rows, StringInfo raw,
		  uint64 *raw_total)
{
	ColumnarChunkEntry entry = {0};
	int			nblocks = (n + block_rows - 1) / block_rows;
	ColumnarBlockEntry *blocks = palloc0(nblocks * sizeof(ColumnarBlockEntry));
	uint8		all_null = CHUNK_ALL_NULL;
	int			entry_at;

	entry.offset = data->len;
	for (int k = 0; k < nblocks; k++)
	{
		ColumnarBlockEntry *b = &blocks[k];
		int			first = k * block_rows;
		Size		compressed_len;
		int			rows = Min(block_rows, n - first);

		b->offset = data->len - entry.offset;
		b->flags = put_nulls(raw, isnull + first, rows);
		entry.flags |= b->flags & CHUNK_HAS_NULLS;
		all_null &= b->flags;
		if (b->flags & CHUNK_ALL_NULL)
			continue;
		/* 'none' stores values as they are: packed is what 'none' asks not to do */
		if (opts->compression != COLUMNAR_COMPRESSION_NONE &&
			(b->raw_len = put_packed(raw, att, values + first, isnull + first, rows,
									 &b->compression)) > 0)
		{
			b->stored_len = raw->len;
			appendBinaryStringInfo(data, raw->data, raw->len);
			entry.raw_len += b->raw_len;
			continue;
		}
		put_values(raw, att, values + first, isnull + first, rows);
		b->raw_len = raw->len;
		compressed_len = columnar_compress(opts->compression, opts->compression_level,
										   raw->data, raw->len, data);
		b->compression = compressed_len > 0 ? opts->compression : COLUMNAR_COMPRESSION_NONE;
		b->stored_len = compressed_len > 0 ? compressed_len : raw->len;
		if (compressed_len == 0)
			appendBinaryStringInfo(data, raw->data, raw->len);
		entry.raw_len += b->raw_len;
	}
	entry.stored_len = data->len - entry.offset;
	*raw_total += entry.raw_len;
	entry_at = dir->len;
	appendBinaryStringInfo(dir, (char *) &entry, sizeof(entry));
	if (all_null)
		entry.flags = CHUNK_ALL_NULL;
	else
	{
		entry.minmax_len = put_minmax(dir, att, values, isnull, n);
		if (entry.minmax_len > 0)
			entry.flags |= CHUNK_HAS_MINMAX;
		appendBinaryStringInfo(dir, (char *) blocks, nblocks * sizeof(ColumnarBlockEntry));
	}
	memcpy(dir->data + entry_at, &entry, sizeof(entry));
	pfree(blocks);
}

/*
 * Encodes the state's rows as a stripe: its header and directory into head, its chunks
 * into data (both reset first; raw is scratch), and fills in the stripe's counts.
 */
static void
encode_stripe(TupleDesc desc, WriteState *st, const ColumnarOptions *opts,
			  ColumnarStripe *stripe, StringInfo head, StringInfo data, StringInfo raw)
{
	int			group_rows = opts->chunk_group_row_limit;
	int			ngroups = (st->nrows + group_rows - 1) / group_rows;
	ColumnarStripeHeader header = {0};
	uint64		raw_total = 0;

	resetStringInfo(head);
	resetStringInfo(data);
	/* the header goes first and is filled in last, once the directory's size is known */
	appendBinaryStringInfo(head, (char *) &header, sizeof(header));
	for (int g = 0; g < ngroups; g++)
	{
		int			start = g * group_rows;
		uint32		n = Min(group_rows, st->nrows - start);

		appendBinaryStringInfo(head, (char *) &n, sizeof(n));
		for (int a = 0; a < st->natts; a++)
			put_chunk(head, data, TupleDescAttr(desc, a), opts,
					  st->values[a] + start, st->isnull[a] + start, n, COLUMNAR_BLOCK_ROWS,
					  raw, &raw_total);
		CHECK_FOR_INTERRUPTS();
	}
	header.magic = COLUMNAR_STRIPE_MAGIC;
	header.natts = st->natts;
	header.chunk_group_count = ngroups;
	header.directory_bytes = head->len - sizeof(header);
	header.row_count = st->nrows;
	header.block_rows = COLUMNAR_BLOCK_ROWS;
	memcpy(head->data, &header, sizeof(header));

	*stripe = st->stripe;
	stripe->row_count = st->nrows;
	stripe->chunk_group_count = ngroups;
	stripe->stored_bytes = head->len + data->len;
	stripe->raw_bytes = raw_total;
	stripe->first_block = -1;
	stripe->block_count = 0;
	stripe->mem = NULL;
}

/*
 * Encodes the state's rows as a stripe, writes its pages and publishes it, and leaves
 * the state empty with no row numbers: its memory serves the next stripe of the same
 * command, which takes numbers when its first row comes (state_with_room).
 */
static void
write_stripe(Relation rel, WriteState *st)
{
	ColumnarStripe stripe;
	int			nblocks;
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "columnar stripe encoding",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);

	encode_stripe(RelationGetDescr(rel), st, &st->opts, &stripe, &st->head, &st->data,
				  &st->raw);
	stripe.first_block = columnar_write_pages(rel, st->head.data, st->head.len,
											  st->data.data, st->data.len, &nblocks);
	stripe.block_count = nblocks;
	columnar_complete_stripe(&stripe, st->cid);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);

	st->nrows = 0;
	st->bytes = 0;
	st->stripe.row_limit = 0;
	st->block = 0;
	st->block_used = 0;
	MemoryContextReset(st->large_cxt);
}

/*
 * Writes a state's stripe (rel may be NULL: opened here) and forgets the state. A
 * state whose relation is gone or has new storage is dropped unwritten: nothing can
 * see those rows any more.
 */
static void
flush_state(WriteState *st, Relation rel)
{
	Relation	own = NULL;

	if (rel == NULL)
		rel = own = try_relation_open(st->relid, NoLock);
	if (rel != NULL && RelFileNodeEquals(rel->rd_node, st->node) && st->nrows > 0)
		write_stripe(rel, st);
	if (own != NULL)
		relation_close(own, NoLock);
	unlink_state(st);
}

static WriteState *
state_for_insert(Relation rel, CommandId cid)
{
	SubTransactionId subxid = GetCurrentSubTransactionId();

	for (WriteState *st = states; st != NULL; st = st->next)
	{
		if (st->relid != RelationGetRelid(rel) || st->subxid != subxid ||
			!RelFileNodeEquals(st->node, rel->rd_node))
			continue;
		if (st->cid == cid)
			return st;
		flush_state(st, rel);
		break;
	}
	return open_state(rel, cid);
}

/*
 * Ends the state's stripe in the middle of its command: the state goes on with the
 * next one, under the options in force now, as a newly opened state would.
 */
static void
next_stripe(Relation rel, WriteState *st)
{
	write_stripe(rel, st);
	columnar_read_options(st->stripe.storage_id, &st->opts);
}

/*
 * Row numbers are taken a chunk group's worth at a time and the range grows (doubling)
 * while no other writer took numbers after it, so that a one-row statement wastes few
 * numbers and a bulk load still gets whole stripes. When another writer got in
 * between, the stripe ends here and a new one begins. A state takes its first range
 * with its first row, in a new stripe too.
 */
static WriteState *
state_with_room(Relation rel, WriteState *st)
{
	ColumnarStripe more = st->stripe;
	int			grow;

	if (st->nrows < st->stripe.row_limit)
		return st;
	if (st->nrows > 0)
	{
		grow = (int) Min(st->stripe.row_limit, st->opts.stripe_row_limit - st->stripe.row_limit);
		more.first_row = columnar_reserve_rows(rel, grow,
											   st->stripe.first_row + st->stripe.row_limit);
		if (more.first_row != InvalidRowNumber)
		{
			more.row_limit = grow;
			columnar_insert_reservation(&more, st->cid);
			st->stripe.row_limit += grow;
			return st;
		}
		next_stripe(rel, st);
	}
	st->stripe.row_limit = st->opts.chunk_group_row_limit;
	st->stripe.first_row = columnar_reserve_rows(rel, st->stripe.row_limit, InvalidRowNumber);
	columnar_insert_reservation(&st->stripe, st->cid);
	return st;
}

/*
 * Buffers one row and sets slot->tts_tid to its TID: INSERT, COPY, the new version of
 * an UPDATE and the rows VACUUM moves all come here.
 */
void
columnar_write_row(Relation rel, TupleTableSlot *slot, CommandId cid)
{
	WriteState *st = state_with_room(rel, state_for_insert(rel, cid));

	append_row(st, RelationGetDescr(rel), slot);
	if (st->nrows >= st->opts.stripe_row_limit || st->bytes >= COLUMNAR_MAX_STRIPE_BYTES)
		next_stripe(rel, st);
}

void
columnar_tuple_insert(Relation rel, TupleTableSlot *slot, CommandId cid, int options,
					  struct BulkInsertStateData *bistate)
{
	columnar_write_row(rel, slot, cid);
	pgstat_count_heap_insert(rel, 1);
}

void
columnar_multi_insert(Relation rel, TupleTableSlot **slots, int nslots, CommandId cid,
					  int options, struct BulkInsertStateData *bistate)
{
	for (int i = 0; i < nslots; i++)
		columnar_write_row(rel, slots[i], cid);
	pgstat_count_heap_insert(rel, nslots);
}

/*
 * COPY, CREATE TABLE AS and table rewrites end here: the rows go out now, while the
 * relation they were written to is certainly the one to flush them into (a rewrite
 * swaps the storage to another relation right after).
 */
void
columnar_finish_bulk_insert(Relation rel, int options)
{
	SubTransactionId subxid = GetCurrentSubTransactionId();
	WriteState *st = states;

	while (st != NULL)
	{
		WriteState *next = st->next;

		if (st->relid == RelationGetRelid(rel) && st->subxid == subxid)
			flush_state(st, rel);
		st = next;
	}
}

/*
 * Before a read with a snapshot of command curcid: rows of earlier commands are
 * visible to it, so they are flushed. Rows buffered by an enclosing subtransaction
 * cannot be flushed from inside a subtransaction (the stripe would belong to it and
 * vanish if it rolled back), nor can anything be in parallel mode (no heap inserts);
 * if want_unwritten, such rows come back as stripes encoded in memory (uncompressed)
 * for the caller to read, otherwise the caller reads them with columnar_pending_row.
 */
List *
columnar_flush_for_read(Relation rel, CommandId curcid, bool want_unwritten)
{
	SubTransactionId subxid = GetCurrentSubTransactionId();
	WriteState *st = states;
	List	   *unwritten = NIL;

	while (st != NULL)
	{
		WriteState *next = st->next;

		if (st->relid == RelationGetRelid(rel) && st->cid < curcid &&
			RelFileNodeEquals(st->node, rel->rd_node) && st->nrows > 0)
		{
			if (st->subxid == subxid && !IsInParallelMode())
				flush_state(st, rel);
			else if (want_unwritten)
			{
				ColumnarStripe *stripe = palloc(sizeof(ColumnarStripe));
				ColumnarOptions opts = st->opts;
				char	   *mem;

				opts.compression = COLUMNAR_COMPRESSION_NONE;
				encode_stripe(RelationGetDescr(rel), st, &opts, stripe, &st->head, &st->data,
							  &st->raw);
				mem = palloc(st->head.len + st->data.len);
				memcpy(mem, st->head.data, st->head.len);
				memcpy(mem + st->head.len, st->data.data, st->data.len);
				stripe->mem = mem;
				unwritten = lappend(unwritten, stripe);
			}
		}
		st = next;
	}
	return unwritten;
}

/*
 * A row this backend wrote but has not flushed, if the snapshot sees it: any
 * non-MVCC snapshot (a unique check), or an MVCC one of a later command.
 */
bool
columnar_pending_row(Relation rel, uint64 row, Snapshot snapshot, TupleTableSlot *slot)
{
	for (WriteState *st = states; st != NULL; st = st->next)
	{
		int			r;
		int			natts = slot->tts_tupleDescriptor->natts;

		if (st->relid != RelationGetRelid(rel) || !RelFileNodeEquals(st->node, rel->rd_node) ||
			row < st->stripe.first_row || row >= st->stripe.first_row + st->nrows)
			continue;
		if (IsMVCCSnapshot(snapshot) && st->cid >= snapshot->curcid)
			return false;
		r = (int) (row - st->stripe.first_row);
		ExecClearTuple(slot);
		for (int a = 0; a < natts; a++)
		{
			if (a < st->natts)
			{
				slot->tts_values[a] = st->values[a][r];
				slot->tts_isnull[a] = st->isnull[a][r];
			}
			else
				slot->tts_values[a] = getmissingattr(slot->tts_tupleDescriptor, a + 1,
													 &slot->tts_isnull[a]);
		}
		ExecStoreVirtualTuple(slot);
		columnar_row_to_tid(row, &slot->tts_tid);
		slot->tts_tableOid = st->relid;
		return true;
	}
	return false;
}

/* The relation is being dropped or gets new storage: its buffered rows die with it. */
void
columnar_discard_writes(Oid relid)
{
	WriteState *st = states;

	while (st != NULL)
	{
		WriteState *next = st->next;

		if (st->relid == relid)
			unlink_state(st);
		st = next;
	}
}

static void
columnar_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			while (states != NULL)
				flush_state(states, NULL);
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			/* Their memory went with TopTransactionContext. */
			states = NULL;
			break;
	}
}

static void
columnar_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						  SubTransactionId parentSubid, void *arg)
{
	WriteState *st = states;

	if (event != SUBXACT_EVENT_PRE_COMMIT_SUB && event != SUBXACT_EVENT_ABORT_SUB)
		return;
	while (st != NULL)
	{
		WriteState *next = st->next;

		if (st->subxid == mySubid)
		{
			if (event == SUBXACT_EVENT_PRE_COMMIT_SUB)
				flush_state(st, NULL);
			else
				unlink_state(st);
		}
		st = next;
	}
}

void
columnar_register_xact_callbacks(void)
{
	RegisterXactCallback(columnar_xact_callback, NULL);
	RegisterSubXactCallback(columnar_subxact_callback, NULL);
}
