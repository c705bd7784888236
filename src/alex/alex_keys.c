/*
 * The column types alex indexes, their key codes, and scan keys as ranges of codes.
 *
 * The code mapping itself lives in the core (keys.h, behind alex_c.h) so that the core
 * and the shim cannot disagree about order.  This file only moves Datums in and out of
 * it and turns btree-style scan keys into one inclusive range of codes.
 */
#include "alex_am.h"

#include "access/nbtree.h"
#include "access/stratnum.h"
#include "catalog/pg_type.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

/*
 * Callers keep decoded Datums without freeing them (index-only scans, the binary
 * search below); that is only leak-free while int8 and float8 are passed by value.
 */
StaticAssertDecl(FLOAT8PASSBYVAL, "alex needs 64-bit Datums passed by value");

/* Types of one family compare across types, so a scan key may carry any of them. */
typedef enum AlexKeyFamily
{
	ALEX_FAMILY_INTEGER,
	ALEX_FAMILY_FLOAT,
	ALEX_FAMILY_DATETIME
} AlexKeyFamily;

/*
 * A cross-type datetime scan key, ready to be compared against column values with
 * the opfamily's comparison function, and the column type's domain in code order:
 * -infinity, the valid finite values, +infinity.  Nothing else may be handed to the
 * comparison function: it is not defined on invalid values.
 */
typedef struct DatetimeProbe
{
	AlexKeyKind kind;			/* the column's */
	FmgrInfo	cmp;			/* cmp(column value, argument) */
	Oid			collation;
	Datum		argument;
	uint64		minus_infinity;
	uint64		first_finite;
	uint64		last_finite;
	uint64		plus_infinity;
} DatetimeProbe;

AlexKeyKind
alex_key_kind_for_type(Oid typid)
{
	switch (typid)
	{
		case INT2OID:
			return ALEX_KEY_INT2;
		case INT4OID:
			return ALEX_KEY_INT4;
		case INT8OID:
			return ALEX_KEY_INT8;
		case FLOAT4OID:
			return ALEX_KEY_FLOAT4;
		case FLOAT8OID:
			return ALEX_KEY_FLOAT8;
		case DATEOID:
			return ALEX_KEY_DATE;
		case TIMESTAMPOID:
			return ALEX_KEY_TIMESTAMP;
		case TIMESTAMPTZOID:
			return ALEX_KEY_TIMESTAMPTZ;
		default:
			return 0;
	}
}

const char *
alex_supported_types(void)
{
	return "int2, int4, int8, float4, float8, date, timestamp, timestamptz";
}

uint64
alex_key_encode(AlexKeyKind kind, Datum value)
{
	switch (kind)
	{
		case ALEX_KEY_INT2:
			return alex_code_from_int(DatumGetInt16(value));
		case ALEX_KEY_INT4:
			return alex_code_from_int(DatumGetInt32(value));
		case ALEX_KEY_INT8:
			return alex_code_from_int(DatumGetInt64(value));
		case ALEX_KEY_FLOAT4:
			return alex_code_from_double((double) DatumGetFloat4(value));
		case ALEX_KEY_FLOAT8:
			return alex_code_from_double(DatumGetFloat8(value));
		case ALEX_KEY_DATE:
			return alex_code_from_int(DatumGetDateADT(value));
		case ALEX_KEY_TIMESTAMP:
			return alex_code_from_int(DatumGetTimestamp(value));
		case ALEX_KEY_TIMESTAMPTZ:
			return alex_code_from_int(DatumGetTimestampTz(value));
	}
	elog(ERROR, "unrecognized alex key kind: %d", (int) kind);
	return 0;					/* keep compiler quiet */
}

/*
 * The narrowing casts are exact for codes of the kind; float4 in particular went in
 * by exact widening, so narrowing the double back gives the same float4.
 */
Datum
alex_key_decode(AlexKeyKind kind, uint64 code)
{
	switch (kind)
	{
		case ALEX_KEY_INT2:
			return Int16GetDatum((int16) alex_int_from_code(code));
		case ALEX_KEY_INT4:
			return Int32GetDatum((int32) alex_int_from_code(code));
		case ALEX_KEY_INT8:
			return Int64GetDatum(alex_int_from_code(code));
		case ALEX_KEY_FLOAT4:
			return Float4GetDatum((float4) alex_double_from_code(code));
		case ALEX_KEY_FLOAT8:
			return Float8GetDatum(alex_double_from_code(code));
		case ALEX_KEY_DATE:
			return DateADTGetDatum((DateADT) alex_int_from_code(code));
		case ALEX_KEY_TIMESTAMP:
			return TimestampGetDatum(alex_int_from_code(code));
		case ALEX_KEY_TIMESTAMPTZ:
			return TimestampTzGetDatum(alex_int_from_code(code));
	}
	elog(ERROR, "unrecognized alex key kind: %d", (int) kind);
	return (Datum) 0;			/* keep compiler quiet */
}

static AlexKeyFamily
key_family(AlexKeyKind kind)
{
	switch (kind)
	{
		case ALEX_KEY_INT2:
		case ALEX_KEY_INT4:
		case ALEX_KEY_INT8:
			return ALEX_FAMILY_INTEGER;
		case ALEX_KEY_FLOAT4:
		case ALEX_KEY_FLOAT8:
			return ALEX_FAMILY_FLOAT;
		case ALEX_KEY_DATE:
		case ALEX_KEY_TIMESTAMP:
		case ALEX_KEY_TIMESTAMPTZ:
			return ALEX_FAMILY_DATETIME;
	}
	elog(ERROR, "unrecognized alex key kind: %d", (int) kind);
	return ALEX_FAMILY_INTEGER; /* keep compiler quiet */
}

/*
 * The codes a column of this kind can hold.  Starting from them rather than from the
 * whole code space makes a key beyond the type's range (int2col > 100000) come out
 * empty instead of costing a descent.
 */
static void
kind_code_range(AlexKeyKind kind, uint64 *low, uint64 *high)
{
	switch (kind)
	{
		case ALEX_KEY_INT2:
			*low = alex_code_from_int(PG_INT16_MIN);
			*high = alex_code_from_int(PG_INT16_MAX);
			break;
		case ALEX_KEY_INT4:
		case ALEX_KEY_DATE:
			*low = alex_code_from_int(PG_INT32_MIN);
			*high = alex_code_from_int(PG_INT32_MAX);
			break;
		default:
			*low = 0;
			*high = PG_UINT64_MAX;
			break;
	}
}

/*
 * The codes [*low, *high] satisfying "column <strategy> argument" when the argument's
 * code is `code` in the column's code space; false when none do.  Strictness is code
 * +/- 1, which is exact because order on codes is the order of the values.
 */
static bool
strategy_code_range(StrategyNumber strategy, uint64 code, uint64 *low, uint64 *high)
{
	*low = 0;
	*high = PG_UINT64_MAX;
	switch (strategy)
	{
		case BTLessStrategyNumber:
			if (code == 0)
				return false;
			*high = code - 1;
			return true;
		case BTLessEqualStrategyNumber:
			*high = code;
			return true;
		case BTEqualStrategyNumber:
			*low = code;
			*high = code;
			return true;
		case BTGreaterEqualStrategyNumber:
			*low = code;
			return true;
		case BTGreaterStrategyNumber:
			if (code == PG_UINT64_MAX)
				return false;
			*low = code + 1;
			return true;
	}
	elog(ERROR, "unrecognized strategy number: %d", (int) strategy);
	return false;				/* keep compiler quiet */
}

static void
datetime_probe_init(DatetimeProbe *probe, Relation index, AlexKeyKind kind, ScanKey key)
{
	Oid			opcintype = index->rd_opcintype[0];
	RegProcedure proc;

	proc = get_opfamily_proc(index->rd_opfamily[0], opcintype, key->sk_subtype,
							 BTORDER_PROC);
	if (!RegProcedureIsValid(proc))
		elog(ERROR, "missing support function %d(%u,%u) in opfamily %u of index \"%s\"",
			 BTORDER_PROC, opcintype, key->sk_subtype, index->rd_opfamily[0],
			 RelationGetRelationName(index));
	fmgr_info(proc, &probe->cmp);
	probe->kind = kind;
	probe->collation = index->rd_indcollation[0];
	probe->argument = key->sk_argument;

	if (kind == ALEX_KEY_DATE)
	{
		probe->minus_infinity = alex_code_from_int(DATEVAL_NOBEGIN);
		probe->first_finite = alex_code_from_int(DATETIME_MIN_JULIAN - POSTGRES_EPOCH_JDATE);
		probe->last_finite = alex_code_from_int(DATE_END_JULIAN - POSTGRES_EPOCH_JDATE - 1);
		probe->plus_infinity = alex_code_from_int(DATEVAL_NOEND);
	}
	else
	{
		probe->minus_infinity = alex_code_from_int(DT_NOBEGIN);
		probe->first_finite = alex_code_from_int(MIN_TIMESTAMP);
		probe->last_finite = alex_code_from_int(END_TIMESTAMP - 1);
		probe->plus_infinity = alex_code_from_int(DT_NOEND);
	}
}

/* Whether the column value with this code compares >= the argument (> when `past`). */
static bool
datetime_probe_reaches(DatetimeProbe *probe, uint64 code, bool past)
{
	int32		c;

	c = DatumGetInt32(FunctionCall2Coll(&probe->cmp, probe->collation,
										alex_key_decode(probe->kind, code),
										probe->argument));
	return past ? c > 0 : c >= 0;
}

/*
 * The first code of the column's domain whose value reaches the argument (see
 * datetime_probe_reaches); false when no value does.  The opfamily's comparison is
 * monotonic over the domain (but see comparison_needs_recheck), so this is a binary
 * search, and the answer is the boundary btree's descent finds with the same function.
 */
static bool
datetime_first_reaching(DatetimeProbe *probe, bool past, uint64 *code)
{
	uint64		lo = probe->first_finite;
	uint64		hi = probe->last_finite;

	if (datetime_probe_reaches(probe, probe->minus_infinity, past))
	{
		*code = probe->minus_infinity;
		return true;
	}
	if (!datetime_probe_reaches(probe, hi, past))
	{
		if (!datetime_probe_reaches(probe, probe->plus_infinity, past))
			return false;
		*code = probe->plus_infinity;
		return true;
	}
	while (lo < hi)
	{
		uint64		mid = lo + (hi - lo) / 2;

		if (datetime_probe_reaches(probe, mid, past))
			hi = mid;
		else
			lo = mid + 1;
	}
	*code = lo;
	return true;
}

/*
 * *high = the last code before the first one reaching the argument, unchanged when no
 * value reaches it; false when the very first code already does.
 */
static bool
datetime_codes_before(DatetimeProbe *probe, bool past, uint64 *high)
{
	uint64		first;

	if (!datetime_first_reaching(probe, past, &first))
		return true;
	if (first == 0)
		return false;
	*high = first - 1;
	return true;
}

/*
 * As strategy_code_range, for a datetime argument of another type than the column.
 * Converting the argument by hand would have to reproduce the cross-type comparison's
 * time zone and overflow rules; asking the comparison itself cannot get them wrong.
 */
static bool
datetime_code_range(Relation index, AlexKeyKind kind, ScanKey key,
					uint64 *low, uint64 *high)
{
	DatetimeProbe probe;

	datetime_probe_init(&probe, index, kind, key);
	*low = 0;
	*high = PG_UINT64_MAX;
	switch (key->sk_strategy)
	{
		case BTLessStrategyNumber:
			return datetime_codes_before(&probe, false, high);
		case BTLessEqualStrategyNumber:
			return datetime_codes_before(&probe, true, high);
		case BTEqualStrategyNumber:
			return datetime_first_reaching(&probe, false, low) &&
				datetime_codes_before(&probe, true, high);
		case BTGreaterEqualStrategyNumber:
			return datetime_first_reaching(&probe, false, low);
		case BTGreaterStrategyNumber:
			return datetime_first_reaching(&probe, true, low);
	}
	elog(ERROR, "unrecognized strategy number: %d", (int) key->sk_strategy);
	return false;				/* keep compiler quiet */
}

/* The kind of a comparison key's argument, which must be of the column's family. */
static AlexKeyKind
argument_kind(Relation index, AlexKeyKind kind, ScanKey key)
{
	AlexKeyKind argkind;

	if (!OidIsValid(key->sk_subtype))
		return kind;
	argkind = alex_key_kind_for_type(key->sk_subtype);
	if (argkind == 0 || key_family(argkind) != key_family(kind))
		elog(ERROR, "alex index \"%s\" cannot compare its key with type %s",
			 RelationGetRelationName(index), format_type_be(key->sk_subtype));
	return argkind;
}

/*
 * Whether the comparison of column values with the argument can disagree with the
 * column's order.  A timestamp compared with a timestamptz is converted at the
 * session's time zone, and a local time inside a daylight-saving gap converts to a
 * later instant than the times just after the gap (02:30 to 03:30 daylight time,
 * after 03:00), so no range of codes is exactly the matching set.  btree checks
 * every tuple with the operator; alex has the executor do it.
 */
static bool
comparison_needs_recheck(AlexKeyKind kind, AlexKeyKind argkind)
{
	return kind == ALEX_KEY_TIMESTAMP && argkind == ALEX_KEY_TIMESTAMPTZ;
}

/*
 * The codes [*low, *high] a comparison key admits; false when it admits none.
 * Integer and float arguments of another type of the family convert exactly into the
 * family's shared code space (int64; double, which is how float48 comparisons widen
 * float4), so only datetime arguments need the comparison function.
 */
static bool
key_code_range(Relation index, AlexKeyKind kind, AlexKeyKind argkind, ScanKey key,
			   uint64 *low, uint64 *high)
{
	if (argkind != kind && key_family(kind) == ALEX_FAMILY_DATETIME)
		return datetime_code_range(index, kind, key, low, high);
	return strategy_code_range(key->sk_strategy, alex_key_encode(argkind, key->sk_argument),
							   low, high);
}

/*
 * A superset of the timestamp codes a timestamptz key can match, for keys the executor
 * rechecks: converting a local time to an instant moves it by the zone's offset, which
 * no zone has pushed beyond a day, plus at most a day more inside a skipped day (Samoa,
 * 2011). So a local time more than two days from the instant cannot match on the wrong
 * side of it.
 */
static void
recheck_code_range(ScanKey key, uint64 *low, uint64 *high)
{
	const int64 margin = INT64CONST(2) * USECS_PER_DAY;
	int64		at = DatumGetTimestampTz(key->sk_argument);
	int64		below = at < PG_INT64_MIN + margin ? PG_INT64_MIN : at - margin;
	int64		above = at > PG_INT64_MAX - margin ? PG_INT64_MAX : at + margin;
	bool		upward = key->sk_strategy == BTGreaterStrategyNumber ||
		key->sk_strategy == BTGreaterEqualStrategyNumber;
	bool		downward = key->sk_strategy == BTLessStrategyNumber ||
		key->sk_strategy == BTLessEqualStrategyNumber;

	*low = downward ? 0 : alex_key_encode(ALEX_KEY_TIMESTAMP, Int64GetDatum(below));
	*high = upward ? PG_UINT64_MAX : alex_key_encode(ALEX_KEY_TIMESTAMP, Int64GetDatum(above));
}

static void
apply_null_key(ScanKey key, AlexScanBounds *out)
{
	if (key->sk_flags & SK_SEARCHNULL)
		out->want_values = false;
	else if (key->sk_flags & SK_SEARCHNOTNULL)
		out->want_nulls = false;
	else
	{
		/* a comparison with NULL: the operators are strict, nothing matches */
		out->want_nulls = false;
		out->want_values = false;
	}
}

static void
apply_comparison_key(Relation index, AlexKeyKind kind, ScanKey key, AlexScanBounds *out)
{
	AlexKeyKind argkind = argument_kind(index, kind, key);
	uint64		low;
	uint64		high;

	out->want_nulls = false;
	if (comparison_needs_recheck(kind, argkind))
	{
		out->recheck = true;
		recheck_code_range(key, &low, &high);
	}
	else if (!key_code_range(index, kind, argkind, key, &low, &high))
	{
		out->want_values = false;
		return;
	}
	out->low = Max(out->low, low);
	out->high = Min(out->high, high);
}

/*
 * Intersecting every key's range also settles redundant keys (k > 4 AND k > 14) and
 * contradictory ones (k = 3 AND k > 5), which btree handles in _bt_preprocess_keys.
 * low and high mean something only when want_values.
 */
void
alex_scan_bounds(Relation index, AlexKeyKind kind, ScanKey keys, int nkeys,
				 AlexScanBounds *out)
{
	out->want_nulls = true;
	out->want_values = true;
	out->recheck = false;
	kind_code_range(kind, &out->low, &out->high);

	for (int i = 0; i < nkeys; i++)
	{
		ScanKey		key = &keys[i];

		/* the handler does not ask for array or row comparison keys */
		if (key->sk_flags & (SK_ROW_HEADER | SK_SEARCHARRAY))
			elog(ERROR, "alex does not support row or array scan keys");

		if (key->sk_flags & SK_ISNULL)
			apply_null_key(key, out);
		else
			apply_comparison_key(index, kind, key, out);
	}

	if (out->low > out->high)
		out->want_values = false;
	out->empty = !out->want_nulls && !out->want_values;
}
