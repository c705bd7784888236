/*
 * Table options, as SQL functions.
 *
 * PG15 gives table access methods no reloptions hook (CREATE TABLE ... WITH accepts only
 * heap's options), so options are set with columnar_set_options() and kept in
 * omendb.columnar_options, transactionally, keyed by the storage id. They apply to
 * stripes written afterwards.
 */
#include "columnar.h"

#include "access/table.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(columnar_set_options);
PG_FUNCTION_INFO_V1(columnar_get_options);

static int
int_option(FunctionCallInfo fcinfo, int arg, const char *name, int current, int min, int max)
{
	int			v;

	if (PG_ARGISNULL(arg))
		return current;
	v = PG_GETARG_INT32(arg);
	if (v < min || v > max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be between %d and %d, not %d", name, min, max, v)));
	return v;
}

/* columnar_set_options(table, compression, compression_level, stripe_row_limit,
 *                      chunk_group_row_limit): NULL keeps an option as it is. */
Datum
columnar_set_options(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Relation	rel;
	uint64		storage_id;
	ColumnarOptions opts;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("columnar_set_options needs a table")));
	relid = PG_GETARG_OID(0);
	rel = columnar_open(relid, ShareUpdateExclusiveLock);
	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, RelationGetRelationName(rel));
	storage_id = columnar_storage_id(rel);
	columnar_read_options(storage_id, &opts);

	if (!PG_ARGISNULL(1))
	{
		char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(1));

		if (!columnar_compression_parse(name, &opts.compression))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown columnar compression \"%s\"", name),
					 errhint("Valid values are \"zstd\", \"lz4\" and \"none\".")));
	}
	opts.compression_level = int_option(fcinfo, 2, "compression_level", opts.compression_level,
										COLUMNAR_MIN_LEVEL, COLUMNAR_MAX_LEVEL);
	opts.stripe_row_limit = int_option(fcinfo, 3, "stripe_row_limit", opts.stripe_row_limit,
									   COLUMNAR_MIN_STRIPE_ROWS, COLUMNAR_MAX_STRIPE_ROWS);
	opts.chunk_group_row_limit = int_option(fcinfo, 4, "chunk_group_row_limit",
											opts.chunk_group_row_limit,
											COLUMNAR_MIN_CHUNK_GROUP_ROWS,
											COLUMNAR_MAX_CHUNK_GROUP_ROWS);
	if (opts.chunk_group_row_limit > opts.stripe_row_limit)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("chunk_group_row_limit (%d) must not exceed stripe_row_limit (%d)",
						opts.chunk_group_row_limit, opts.stripe_row_limit)));
	columnar_write_options(storage_id, &opts);
	table_close(rel, NoLock);
	PG_RETURN_VOID();
}

Datum
columnar_get_options(PG_FUNCTION_ARGS)
{
	Relation	rel = columnar_open(PG_GETARG_OID(0), AccessShareLock);
	ColumnarOptions opts;
	TupleDesc	desc;
	Datum		values[4];
	bool		nulls[4] = {0};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "columnar_options must return a record");
	columnar_read_options(columnar_storage_id(rel), &opts);
	table_close(rel, AccessShareLock);
	values[0] = CStringGetTextDatum(columnar_compression_name(opts.compression));
	values[1] = Int32GetDatum(opts.compression_level);
	values[2] = Int32GetDatum(opts.stripe_row_limit);
	values[3] = Int32GetDatum(opts.chunk_group_row_limit);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
