/*
 * Chunk compression: zstd, lz4 or none, from Debian's libraries.
 */
#include "columnar.h"

#include <lz4.h>
#include <zstd.h>

const char *
columnar_compression_name(ColumnarCompression c)
{
	switch (c)
	{
		case COLUMNAR_COMPRESSION_NONE:
			return "none";
		case COLUMNAR_COMPRESSION_LZ4:
			return "lz4";
		case COLUMNAR_COMPRESSION_ZSTD:
			return "zstd";
	}
	return "unknown";
}

bool
columnar_compression_parse(const char *name, ColumnarCompression *c)
{
	if (strcmp(name, "none") == 0)
		*c = COLUMNAR_COMPRESSION_NONE;
	else if (strcmp(name, "lz4") == 0)
		*c = COLUMNAR_COMPRESSION_LZ4;
	else if (strcmp(name, "zstd") == 0)
		*c = COLUMNAR_COMPRESSION_ZSTD;
	else
		return false;
	return true;
}

/*
 * One compression and one decompression context for the backend's life: the one-shot
 * ZSTD_compress and ZSTD_decompress would set up (and free) one per call, a cost paid
 * for every block of every column a load writes or a point lookup reads.
 */
static ZSTD_CCtx *cctx;
static ZSTD_DCtx *dctx;

/*
 * Appends src compressed to dst and returns the compressed length, or returns 0 and
 * leaves dst as it was when the codec does not shrink the data: the caller then stores
 * it uncompressed, so a reader never pays for decompression that saved nothing.
 * Compressing in place at dst's end spares a load an allocation and a copy per block.
 */
Size
columnar_compress(ColumnarCompression c, int level, const char *src, Size srclen,
				  StringInfo dst)
{
	Size		bound;
	Size		len;
	char	   *out;

	if (srclen == 0 || srclen > (Size) INT_MAX)
		return 0;
	switch (c)
	{
		case COLUMNAR_COMPRESSION_ZSTD:
			bound = ZSTD_compressBound(srclen);
			if (cctx == NULL && (cctx = ZSTD_createCCtx()) == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_OUT_OF_MEMORY),
						 errmsg("out of memory for a zstd compression context")));
			enlargeStringInfo(dst, bound);
			out = dst->data + dst->len;
			len = ZSTD_compressCCtx(cctx, out, bound, src, srclen, level);
			if (ZSTD_isError(len))
				elog(ERROR, "zstd compression failed: %s", ZSTD_getErrorName(len));
			break;
		case COLUMNAR_COMPRESSION_LZ4:
			bound = LZ4_compressBound((int) srclen);
			enlargeStringInfo(dst, bound);
			out = dst->data + dst->len;
			len = LZ4_compress_default(src, out, (int) srclen, (int) bound);
			if (len == 0)
				elog(ERROR, "lz4 compression failed");
			break;
		default:
			return 0;
	}
	if (len >= srclen)
		return 0;
	dst->len += len;
	return len;
}

void
columnar_decompress(ColumnarCompression c, const char *src, Size srclen, char *dst,
					Size rawlen)
{
	switch (c)
	{
		case COLUMNAR_COMPRESSION_NONE:
			if (srclen != rawlen)
				break;
			memcpy(dst, src, rawlen);
			return;
		case COLUMNAR_COMPRESSION_ZSTD:
			{
				Size		len;

				if (dctx == NULL && (dctx = ZSTD_createDCtx()) == NULL)
					ereport(ERROR,
							(errcode(ERRCODE_OUT_OF_MEMORY),
							 errmsg("out of memory for a zstd decompression context")));
				len = ZSTD_decompressDCtx(dctx, dst, rawlen, src, srclen);
				if (!ZSTD_isError(len) && len == rawlen)
					return;
				break;
			}
		case COLUMNAR_COMPRESSION_LZ4:
			if (LZ4_decompress_safe(src, dst, (int) srclen, (int) rawlen) == (int) rawlen)
				return;
			break;
	}
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("columnar block does not decompress (%s, %zu bytes to %zu)",
					columnar_compression_name(c), srclen, rawlen)));
}

/*
 * Numeric values as scaled integers, for bit-packed blocks of numeric columns: value *
 * 10^dscale. PostgreSQL's numeric layout is private to numeric.c but is what is on
 * disk, so it is stable; these are the parts of it needed here (a short-header value:
 * sign, display scale and weight of the first base-10000 digit in one uint16, then the
 * digits).
 */
#define NBASE 10000
#define DEC_DIGITS 4
#define NUMERIC_SIGN_MASK 0xC000
#define NUMERIC_NEG 0x4000
#define NUMERIC_SHORT 0x8000
#define NUMERIC_SPECIAL 0xC000
#define NUMERIC_DSCALE_MASK 0x3FFF
#define NUMERIC_SHORT_SIGN_MASK 0x2000
#define NUMERIC_SHORT_DSCALE_MASK 0x1F80
#define NUMERIC_SHORT_DSCALE_SHIFT 7
#define NUMERIC_SHORT_WEIGHT_SIGN_MASK 0x0040
#define NUMERIC_SHORT_WEIGHT_MASK 0x003F

/*
 * Limits of what is packed: a display scale that needs at most 4 base-10000 digits
 * after the point, and magnitudes whose scaled value times 10^3 (the padding to a whole
 * digit) stays within uint64.
 */
#define SCALED_MAX_DSCALE 15
#define SCALED_MAX INT64CONST(999999999999999)

static const uint64 pow10[DEC_DIGITS] = {1, 10, 100, 1000};

/*
 * A numeric value as value * 10^dscale, and its dscale; false when it is NaN or
 * infinite or beyond the limits above.
 */
bool
columnar_numeric_scaled(Datum value, int *dscale, int64 *scaled)
{
	const char *p = VARDATA_ANY(DatumGetPointer(value));
	Size		len = VARSIZE_ANY_EXHDR(DatumGetPointer(value));
	uint16		header;
	bool		neg;
	int			weight,
				ndigits,
				frac;
	const char *digits;
	uint64		u = 0;

	if (len < sizeof(uint16))
		return false;
	memcpy(&header, p, sizeof(header));
	if ((header & NUMERIC_SIGN_MASK) == NUMERIC_SPECIAL)
		return false;
	if (header & NUMERIC_SHORT)
	{
		neg = (header & NUMERIC_SHORT_SIGN_MASK) != 0;
		*dscale = (header & NUMERIC_SHORT_DSCALE_MASK) >> NUMERIC_SHORT_DSCALE_SHIFT;
		weight = header & NUMERIC_SHORT_WEIGHT_MASK;
		if (header & NUMERIC_SHORT_WEIGHT_SIGN_MASK)
			weight -= NUMERIC_SHORT_WEIGHT_MASK + 1;
		digits = p + sizeof(uint16);
		ndigits = (len - sizeof(uint16)) / sizeof(int16);
	}
	else
	{
		int16		w;

		if (len < 2 * sizeof(uint16))
			return false;
		neg = (header & NUMERIC_SIGN_MASK) == NUMERIC_NEG;
		*dscale = header & NUMERIC_DSCALE_MASK;
		memcpy(&w, p + sizeof(uint16), sizeof(w));
		weight = w;
		digits = p + 2 * sizeof(uint16);
		ndigits = (len - 2 * sizeof(uint16)) / sizeof(int16);
	}
	if (*dscale > SCALED_MAX_DSCALE || weight > 3)
		return false;
	frac = (*dscale + DEC_DIGITS - 1) / DEC_DIGITS;
	if (ndigits > 0 && weight - (ndigits - 1) < -frac)
		return false;
	for (int k = weight; k >= -frac; k--)
	{
		int16		d = 0;

		if (weight - k < ndigits)
			memcpy(&d, digits + (weight - k) * sizeof(int16), sizeof(d));
		if (d < 0 || d >= NBASE || u > (PG_UINT64_MAX - d) / NBASE)
			return false;
		u = u * NBASE + d;
	}
	if (u % pow10[frac * DEC_DIGITS - *dscale] != 0)
		return false;
	u /= pow10[frac * DEC_DIGITS - *dscale];
	if (u > (uint64) SCALED_MAX)
		return false;
	*scaled = neg ? -(int64) u : (int64) u;
	return true;
}

/*
 * Writes the numeric value scaled / 10^dscale into buf (COLUMNAR_NUMERIC_BUF bytes,
 * MAXALIGN'd) in the form numeric.c gives every result (no leading or trailing zero
 * digits, zero with weight 0 and no sign), with a 4-byte header; returns its length.
 * The writer packs a block only when this gives back each value's exact bytes. Returns
 * 0 for a value beyond the limits (only a corrupt block holds one).
 */
Size
columnar_numeric_build(int64 scaled, int dscale, char *buf)
{
	uint64		u = scaled < 0 ? -(uint64) scaled : (uint64) scaled;
	int			frac = (dscale + DEC_DIGITS - 1) / DEC_DIGITS;
	int16		d[8];			/* base-10000 digits, least significant first */
	int			n = 0,
				lo = 0,
				weight;
	bool		neg = scaled < 0;
	uint16		header;
	char	   *p;

	if (dscale < 0 || dscale > SCALED_MAX_DSCALE || u > (uint64) SCALED_MAX)
		return 0;
	u *= pow10[frac * DEC_DIGITS - dscale];
	while (u > 0)
	{
		d[n++] = (int16) (u % NBASE);
		u /= NBASE;
	}
	weight = n - 1 - frac;
	while (lo < n && d[lo] == 0)
		lo++;
	if (lo == n)
	{
		weight = 0;
		neg = false;
	}
	header = NUMERIC_SHORT | (neg ? NUMERIC_SHORT_SIGN_MASK : 0) |
		(dscale << NUMERIC_SHORT_DSCALE_SHIFT) |
		(weight < 0 ? NUMERIC_SHORT_WEIGHT_SIGN_MASK : 0) |
		(weight & NUMERIC_SHORT_WEIGHT_MASK);
	p = buf + VARHDRSZ;
	memcpy(p, &header, sizeof(header));
	p += sizeof(header);
	for (int i = n - 1; i >= lo; i--)
	{
		memcpy(p, &d[i], sizeof(int16));
		p += sizeof(int16);
	}
	SET_VARSIZE(buf, p - buf);
	return p - buf;
}
