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
 * Compresses src into a palloc'd *dst and returns its length, or returns 0 when the
 * codec does not shrink the data: the caller then stores it uncompressed, so a reader
 * never pays for decompression that saved nothing.
 */
Size
columnar_compress(ColumnarCompression c, int level, const char *src, Size srclen,
				  char **dst)
{
	Size		bound;
	Size		len;

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
			*dst = palloc(bound);
			len = ZSTD_compressCCtx(cctx, *dst, bound, src, srclen, level);
			if (ZSTD_isError(len))
				elog(ERROR, "zstd compression failed: %s", ZSTD_getErrorName(len));
			break;
		case COLUMNAR_COMPRESSION_LZ4:
			bound = LZ4_compressBound((int) srclen);
			*dst = palloc(bound);
			len = LZ4_compress_default(src, *dst, (int) srclen, (int) bound);
			if (len == 0)
				elog(ERROR, "lz4 compression failed");
			break;
		default:
			return 0;
	}
	if (len >= srclen)
	{
		pfree(*dst);
		*dst = NULL;
		return 0;
	}
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
