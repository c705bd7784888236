/*
 * columnar_stats(table): what a columnar table's storage holds, as SQL sees it.
 */
#include "columnar.h"

#include "access/table.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"

PG_FUNCTION_INFO_V1(columnar_stats);

/*
 * The stripes the calling statement's snapshot sees (rows counts all their rows,
 * deleted_rows those of them deleted for the snapshot), after flushing this
 * transaction's earlier rows as a scan would (rows an enclosing subtransaction still
 * buffers are not in a stripe yet and not counted).
 */
Datum
columnar_stats(PG_FUNCTION_ARGS)
{
	Relation	rel = columnar_open(PG_GETARG_OID(0), AccessShareLock);
	Snapshot	snapshot = GetActiveSnapshot();
	ColumnarStripe *stripes;
	ColumnarOptions opts;
	int			n;
	int64		groups = 0,
				rows = 0,
				deleted,
				raw = 0,
				stored = 0;
	TupleDesc	desc;
	Datum		values[7];
	bool		nulls[7] = {0};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "columnar_stats must return a record");
	list_free(columnar_flush_for_read(rel, snapshot->curcid, false));
	stripes = columnar_list_stripes(columnar_storage_id(rel), snapshot, &n);
	for (int i = 0; i < n; i++)
	{
		groups += stripes[i].chunk_group_count;
		rows += stripes[i].row_count;
		raw += stripes[i].raw_bytes;
		stored += stripes[i].stored_bytes;
	}
	deleted = columnar_count_deleted(columnar_storage_id(rel), stripes, n, snapshot, NULL);
	columnar_read_options(columnar_storage_id(rel), &opts);
	table_close(rel, AccessShareLock);
	values[0] = Int64GetDatum(n);
	values[1] = Int64GetDatum(groups);
	values[2] = Int64GetDatum(rows);
	values[3] = Int64GetDatum(deleted);
	values[4] = Int64GetDatum(raw);
	values[5] = Int64GetDatum(stored);
	values[6] = CStringGetTextDatum(columnar_compression_name(opts.compression));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
