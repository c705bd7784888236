/*
 * ColumnarAgg: simple aggregates computed inside the scan, on decoded column vectors.
 *
 * For SELECT of count(*), count, sum, avg, min and max over integer and float columns
 * of one columnar table, optionally grouped by integer, date and timestamp columns, with
 * no WHERE clause, the per-row executor work (a slot per row, an Agg transition call per
 * row and aggregate) costs more than reading the column; this node replaces Agg and
 * scan by one loop over each chunk group's decoded vectors. It reads through the same
 * scan as everything else (columnar_scan_next_batch), so the snapshot, this
 * transaction's buffered rows and the rows a group hides are honoured as in a scan.
 *
 * Results are exactly those of the built-in aggregates, which it mirrors: sum(int2/int4)
 * is an int8 sum, sum(int8) and avg of integers are exact (128-bit) and returned as
 * numeric (avg divides with numeric_div, as int8_avg does), float sums add in scan order
 * with the same overflow error, float min/max order NaN above everything. Anything else
 * (avg of floats, whose Youngs-Cramer state can fail differently; DISTINCT, FILTER,
 * ORDER BY in aggregates; HAVING; expressions) is left to the ordinary plan.
 */
#include "columnar.h"

#include "access/table.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_type.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "nodes/extensible.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planner.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/selfuncs.h"
#include "utils/typcache.h"

static bool columnar_aggregate = true;
static create_upper_paths_hook_type next_create_upper_paths_hook = NULL;

/* What one output column is. */
typedef enum OutputKind
{
	OUT_KEY,					/* a grouping column's value */
	OUT_COUNT_STAR,
	OUT_COUNT,
	OUT_SUM_INT,				/* int2/int4 -> int8 */
	OUT_SUM_INT8,				/* -> numeric */
	OUT_SUM_FLOAT4,
	OUT_SUM_FLOAT8,
	OUT_AVG_INT,				/* int2/int4/int8 -> numeric */
	OUT_MIN,
	OUT_MAX
} OutputKind;

/* The plan's custom_private: one IntList/OidList per field, one element per output. */
enum
{
	PRIV_KINDS,
	PRIV_ATTNOS,				/* the aggregate's argument or the key column; 0 for count(*) */
	PRIV_TYPES,					/* that column's type */
	PRIV_KEYS,					/* attnos of the grouping columns */
	PRIV_COUNT
};

#define MAX_KEYS 8

/* ---- planning ---- */

static Plan *agg_plan_path(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
						   List *tlist, List *clauses, List *custom_plans);
static Node *agg_create_state(CustomScan *cscan);

static const CustomPathMethods agg_path_methods = {
	.CustomName = "ColumnarAgg",
	.PlanCustomPath = agg_plan_path,
};

static const CustomScanMethods agg_plan_methods = {
	.CustomName = "ColumnarAgg",
	.CreateCustomScanState = agg_create_state,
};

static bool
integer_type(Oid type)
{
	return type == INT2OID || type == INT4OID || type == INT8OID;
}

static bool
float_type(Oid type)
{
	return type == FLOAT4OID || type == FLOAT8OID;
}

/* Grouping columns compare equal exactly when their Datums do. */
static bool
key_type(Oid type)
{
	return integer_type(type) || type == DATEOID || type == TIMESTAMPOID ||
		type == TIMESTAMPTZOID || type == BOOLOID;
}

/* The kind of a supported aggregate over a column of type, or -1. */
static int
aggregate_kind(Oid fn, Oid type)
{
	switch (fn)
	{
		case F_COUNT_:
			return OUT_COUNT_STAR;
		case F_COUNT_ANY:
			return OUT_COUNT;
		case F_SUM_INT2:
		case F_SUM_INT4:
			return OUT_SUM_INT;
		case F_SUM_INT8:
			return OUT_SUM_INT8;
		case F_SUM_FLOAT4:
			return OUT_SUM_FLOAT4;
		case F_SUM_FLOAT8:
			return OUT_SUM_FLOAT8;
		case F_AVG_INT2:
		case F_AVG_INT4:
		case F_AVG_INT8:
			return OUT_AVG_INT;
		case F_MIN_INT2:
		case F_MIN_INT4:
		case F_MIN_INT8:
		case F_MIN_FLOAT4:
		case F_MIN_FLOAT8:
			return OUT_MIN;
		case F_MAX_INT2:
		case F_MAX_INT4:
		case F_MAX_INT8:
		case F_MAX_FLOAT4:
		case F_MAX_FLOAT8:
			return OUT_MAX;
	}
	return -1;
}

/*
 * Fills priv from the grouping target when every output is a grouping column or a
 * supported aggregate of a column of the relation; false otherwise.
 */
static bool
describe_outputs(PlannerInfo *root, Index relid, PathTarget *target, List **priv)
{
	Query	   *parse = root->parse;
	ListCell   *lc;

	foreach(lc, parse->groupClause)
	{
		SortGroupClause *sgc = lfirst(lc);
		Var		   *var = (Var *) get_sortgroupclause_expr(sgc, parse->targetList);

		if (!IsA(var, Var) || var->varno != relid || var->varattno <= 0 ||
			!key_type(var->vartype) || list_length(priv[PRIV_KEYS]) >= MAX_KEYS ||
			sgc->eqop != lookup_type_cache(var->vartype, TYPECACHE_EQ_OPR)->eq_opr)
			return false;
		priv[PRIV_KEYS] = lappend_int(priv[PRIV_KEYS], var->varattno);
	}
	foreach(lc, target->exprs)
	{
		Node	   *expr = lfirst(lc);
		int			kind;
		Var		   *arg = NULL;

		if (IsA(expr, Var))
		{
			Var		   *var = (Var *) expr;

			if (var->varno != relid || !list_member_int(priv[PRIV_KEYS], var->varattno))
				return false;
			kind = OUT_KEY;
			arg = var;
		}
		else if (IsA(expr, Aggref))
		{
			Aggref	   *agg = (Aggref *) expr;

			if (agg->aggorder || agg->aggdistinct || agg->aggfilter || agg->agglevelsup != 0 ||
				agg->aggkind != AGGKIND_NORMAL || agg->aggsplit != AGGSPLIT_SIMPLE ||
				list_length(agg->args) > 1)
				return false;
			if (agg->args != NIL)
			{
				arg = (Var *) ((TargetEntry *) linitial(agg->args))->expr;
				if (!IsA(arg, Var) || arg->varno != relid || arg->varattno <= 0 ||
					!(integer_type(arg->vartype) || float_type(arg->vartype)))
					return false;
			}
			kind = aggregate_kind(agg->aggfnoid, arg ? arg->vartype : InvalidOid);
			if (kind < 0 || (kind == OUT_COUNT_STAR) != (arg == NULL))
				return false;
		}
		else
			return false;
		priv[PRIV_KINDS] = lappend_int(priv[PRIV_KINDS], kind);
		priv[PRIV_ATTNOS] = lappend_int(priv[PRIV_ATTNOS], arg ? arg->varattno : 0);
		priv[PRIV_TYPES] = lappend_oid(priv[PRIV_TYPES], arg ? arg->vartype : InvalidOid);
	}
	return true;
}

static void
columnar_upper_paths(PlannerInfo *root, UpperRelationKind stage, RelOptInfo *input_rel,
					 RelOptInfo *output_rel, void *extra)
{
	Query	   *parse = root->parse;
	RangeTblEntry *rte;
	Relation	r;
	bool		columnar;
	List	   *priv[PRIV_COUNT] = {NIL};
	CustomPath *path;
	Path	   *input;
	double		groups = 1;

	if (next_create_upper_paths_hook)
		next_create_upper_paths_hook(root, stage, input_rel, output_rel, extra);
	if (stage != UPPERREL_GROUP_AGG || !columnar_aggregate ||
		input_rel->reloptkind != RELOPT_BASEREL || input_rel->rtekind != RTE_RELATION ||
		!parse->hasAggs || parse->groupingSets || parse->havingQual || parse->hasTargetSRFs ||
		input_rel->baserestrictinfo != NIL || input_rel->lateral_relids != NULL ||
		root->minmax_aggs != NIL)
		return;
	rte = planner_rt_fetch(input_rel->relid, root);
	if (rte->inh || rte->tablesample)
		return;
	r = table_open(rte->relid, NoLock);
	columnar = columnar_is_columnar(r);
	table_close(r, NoLock);
	if (!columnar || !describe_outputs(root, input_rel->relid, output_rel->reltarget, priv))
		return;

	input = input_rel->cheapest_total_path;
	if (parse->groupClause != NIL)
		groups = estimate_num_groups(root, get_sortgrouplist_exprs(parse->groupClause,
																   parse->targetList),
									 input_rel->rows, NULL, NULL);
	path = makeNode(CustomPath);
	path->path.pathtype = T_CustomScan;
	path->path.parent = output_rel;
	path->path.pathtarget = output_rel->reltarget;
	path->path.rows = groups;
	/* the scan without its per-row cost, plus a little per row and aggregate */
	path->path.startup_cost = input->total_cost - input->rows * cpu_tuple_cost +
		input->rows * cpu_operator_cost * 0.1 * list_length(priv[PRIV_KINDS]);
	path->path.total_cost = path->path.startup_cost + groups * cpu_tuple_cost;
	path->methods = &agg_path_methods;
	for (int i = 0; i < PRIV_COUNT; i++)
		path->custom_private = lappend(path->custom_private, priv[i]);
	path->custom_private = lappend_int(path->custom_private, input_rel->relid);
	add_path(output_rel, &path->path);
}

/*
 * The scan tuple is the grouping target itself (custom_scan_tlist): setrefs then maps
 * the plan's target list, Aggrefs and all, onto its columns.
 */
static Plan *
agg_plan_path(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path, List *tlist,
			  List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);

	cscan->scan.scanrelid = llast_int(best_path->custom_private);
	cscan->scan.plan.targetlist = tlist;
	cscan->custom_scan_tlist = copyObject(tlist);
	cscan->custom_private = list_copy_head(best_path->custom_private, PRIV_COUNT);
	cscan->flags = best_path->flags;
	cscan->methods = &agg_plan_methods;
	return &cscan->scan.plan;
}

/* ---- execution ---- */

/* One aggregate's state in one group. */
typedef struct AggValue
{
	int64		count;			/* non-NULL inputs (rows, for count(*)) */
	int128		isum;
	float8		fsum;			/* float4 sums are kept rounded to float4 */
	Datum		minmax;
} AggValue;

typedef struct AggGroup
{
	Datum		keys[MAX_KEYS];
	bool		nulls[MAX_KEYS];
	AggValue   *values;			/* [output] */
} AggGroup;

typedef struct ColumnarAggState
{
	CustomScanState css;
	int			noutputs;
	OutputKind *kinds;
	AttrNumber *attnos;
	Oid		   *types;
	int			nkeys;
	AttrNumber	keys[MAX_KEYS];
	bool	   *read;			/* [attno - 1]: columns the scan decodes */
	/* the groups, and an open-addressing index of them (power of two slots) */
	AggGroup	   *groups;
	int			ngroups;
	int			maxgroups;
	int		   *slots;			/* group + 1, 0 = empty */
	int			nslots;
	int		   *row_group;		/* [row of the current batch] */
	bool		done;
	int			next_output;	/* next group to return */
} ColumnarAggState;

static void agg_begin(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *agg_exec(CustomScanState *node);
static void agg_end(CustomScanState *node);
static void agg_rescan(CustomScanState *node);
static void agg_explain(CustomScanState *node, List *ancestors, ExplainState *es);

static const CustomExecMethods agg_exec_methods = {
	.CustomName = "ColumnarAgg",
	.BeginCustomScan = agg_begin,
	.ExecCustomScan = agg_exec,
	.EndCustomScan = agg_end,
	.ReScanCustomScan = agg_rescan,
	.ExplainCustomScan = agg_explain,
};

static Node *
agg_create_state(CustomScan *cscan)
{
	ColumnarAggState   *state = palloc0(sizeof(ColumnarAggState));
	List	   *kinds = list_nth(cscan->custom_private, PRIV_KINDS);
	List	   *keys = list_nth(cscan->custom_private, PRIV_KEYS);
	ListCell   *lc;

	NodeSetTag(state, T_CustomScanState);
	state->css.methods = &agg_exec_methods;
	state->noutputs = list_length(kinds);
	state->kinds = palloc(state->noutputs * sizeof(OutputKind));
	state->attnos = palloc(state->noutputs * sizeof(AttrNumber));
	state->types = palloc(state->noutputs * sizeof(Oid));
	for (int i = 0; i < state->noutputs; i++)
	{
		state->kinds[i] = list_nth_int(kinds, i);
		state->attnos[i] = list_nth_int(list_nth(cscan->custom_private, PRIV_ATTNOS), i);
		state->types[i] = list_nth_oid(list_nth(cscan->custom_private, PRIV_TYPES), i);
	}
	foreach(lc, keys)
		state->keys[state->nkeys++] = lfirst_int(lc);
	return (Node *) state;
}

static void
agg_begin(CustomScanState *node, EState *estate, int eflags)
{
	ColumnarAggState   *state = (ColumnarAggState *) node;
	Relation	rel = node->ss.ss_currentRelation;

	state->read = palloc0(Max(RelationGetDescr(rel)->natts, 1) * sizeof(bool));
	for (int i = 0; i < state->noutputs; i++)
		if (state->attnos[i] > 0)
			state->read[state->attnos[i] - 1] = true;
	for (int k = 0; k < state->nkeys; k++)
		state->read[state->keys[k] - 1] = true;
}

static uint32
hash_keys(const Datum *keys, const bool *nulls, int nkeys)
{
	uint64		h = 0x9E3779B97F4A7C15;

	for (int k = 0; k < nkeys; k++)
		h = (h ^ (nulls[k] ? 0x5bd1e995 : (uint64) keys[k])) * 0xff51afd7ed558ccdULL;
	return (uint32) (h ^ (h >> 32));
}

static int
new_group(ColumnarAggState *state, const Datum *keys, const bool *nulls)
{
	AggGroup	   *g;

	if (state->ngroups == state->maxgroups)
	{
		state->maxgroups = Max(16, state->maxgroups * 2);
		state->groups = state->groups ? repalloc(state->groups, state->maxgroups * sizeof(AggGroup))
			: palloc(state->maxgroups * sizeof(AggGroup));
	}
	g = &state->groups[state->ngroups];
	memcpy(g->keys, keys, sizeof(g->keys));
	memcpy(g->nulls, nulls, sizeof(g->nulls));
	g->values = palloc0(Max(state->noutputs, 1) * sizeof(AggValue));
	return state->ngroups++;
}

static void
grow_slots(ColumnarAggState *state)
{
	int			nslots = Max(64, state->nslots * 2);

	state->slots = state->slots ? repalloc(state->slots, nslots * sizeof(int)) : palloc(nslots * sizeof(int));
	memset(state->slots, 0, nslots * sizeof(int));
	state->nslots = nslots;
	for (int i = 0; i < state->ngroups; i++)
	{
		AggGroup	   *g = &state->groups[i];
		uint32		s = hash_keys(g->keys, g->nulls, state->nkeys) & (nslots - 1);

		while (state->slots[s] != 0)
			s = (s + 1) & (nslots - 1);
		state->slots[s] = i + 1;
	}
}

/* The group of a key tuple, made if new. */
static int
find_group(ColumnarAggState *state, const Datum *keys, const bool *nulls)
{
	uint32		s;

	if (state->ngroups * 2 >= state->nslots)
		grow_slots(state);
	s = hash_keys(keys, nulls, state->nkeys) & (state->nslots - 1);
	for (;;)
	{
		int			i = state->slots[s] - 1;
		AggGroup	   *g;
		bool		same = true;

		if (i < 0)
		{
			i = new_group(state, keys, nulls);
			state->slots[s] = i + 1;
			return i;
		}
		g = &state->groups[i];
		for (int k = 0; k < state->nkeys && same; k++)
			same = g->nulls[k] == nulls[k] && (nulls[k] || g->keys[k] == keys[k]);
		if (same)
			return i;
		s = (s + 1) & (state->nslots - 1);
	}
}

/* Assigns each row of the batch its group (-1 for a hidden row). */
static void
assign_groups(ColumnarAggState *state, const ColumnarGroup *batch)
{
	Datum		keys[MAX_KEYS] = {0};
	bool		nulls[MAX_KEYS] = {0};
	int			last = -1;

	for (int r = 0; r < batch->nrows; r++)
	{
		bool		same = last >= 0;

		if (batch->hidden != NULL && batch->hidden[r])
		{
			state->row_group[r] = -1;
			continue;
		}
		for (int k = 0; k < state->nkeys; k++)
		{
			int			a = state->keys[k] - 1;
			Datum		key = batch->isnull[a][r] ? (Datum) 0 : batch->values[a][r];

			same = same && nulls[k] == batch->isnull[a][r] && keys[k] == key;
			keys[k] = key;
			nulls[k] = batch->isnull[a][r];
		}
		/* runs of one key (a column in load order) skip the hash */
		if (!same)
			last = find_group(state, keys, nulls);
		state->row_group[r] = last;
	}
}

static int64
int_value(Oid type, Datum d)
{
	return type == INT2OID ? DatumGetInt16(d) : type == INT4OID ? DatumGetInt32(d) : DatumGetInt64(d);
}

static float8
float_value(Oid type, Datum d)
{
	return type == FLOAT4OID ? (float8) DatumGetFloat4(d) : DatumGetFloat8(d);
}

/* min/max as the built-ins' transition functions (float8smaller/larger, int4smaller...) */
static inline void
fold_minmax(OutputKind kind, Oid type, AggValue *v, Datum d)
{
	if (v->count++ == 0)
		v->minmax = d;
	else if (float_type(type))
	{
		float8		cur = float_value(type, v->minmax),
					x = float_value(type, d);

		/* float4 values compare the same widened to float8 */
		if (kind == OUT_MIN ? !float8_lt(cur, x) : !float8_gt(cur, x))
			v->minmax = d;
	}
	else if (kind == OUT_MIN ? int_value(type, d) < int_value(type, v->minmax)
			 : int_value(type, d) > int_value(type, v->minmax))
		v->minmax = d;
}

/* Folds one batch's column into output i of each row's group. */
static void
accumulate(ColumnarAggState *state, int i, const ColumnarGroup *batch)
{
	OutputKind	kind = state->kinds[i];
	Oid			type = state->types[i];
	const Datum *values = kind == OUT_COUNT_STAR ? NULL : batch->values[state->attnos[i] - 1];
	const bool *isnull = kind == OUT_COUNT_STAR ? NULL : batch->isnull[state->attnos[i] - 1];
	const int  *row_group = state->row_group;
	AggGroup   *groups = state->groups;

/* the rows of the batch that count, with v the state of their group */
#define FOR_EACH_ROW(body) \
	for (int r = 0; r < batch->nrows; r++) \
	{ \
		AggValue   *v; \
		if (row_group[r] < 0 || (isnull != NULL && isnull[r])) \
			continue; \
		v = &groups[row_group[r]].values[i]; \
		body; \
	}

	switch (kind)
	{
		case OUT_KEY:
			break;
		case OUT_COUNT_STAR:
		case OUT_COUNT:
			FOR_EACH_ROW(v->count++);
			break;
		case OUT_SUM_INT:
		case OUT_SUM_INT8:
		case OUT_AVG_INT:
			if (type == INT4OID)
				FOR_EACH_ROW((v->isum += DatumGetInt32(values[r]), v->count++))
			else
				FOR_EACH_ROW((v->isum += int_value(type, values[r]), v->count++))
			break;
		case OUT_SUM_FLOAT4:
			/* float4pl: the sum is a float4 */
			FOR_EACH_ROW(v->fsum = v->count++ == 0 ? DatumGetFloat4(values[r]) :
						 float4_pl((float4) v->fsum, DatumGetFloat4(values[r])));
			break;
		case OUT_SUM_FLOAT8:
			FOR_EACH_ROW(v->fsum = v->count++ == 0 ? DatumGetFloat8(values[r]) :
						 float8_pl(v->fsum, DatumGetFloat8(values[r])));
			break;
		case OUT_MIN:
		case OUT_MAX:
			FOR_EACH_ROW(fold_minmax(kind, type, v, values[r]));
			break;
	}
#undef FOR_EACH_ROW
}

/* An exact integer as numeric. */
static Datum
int128_numeric(int128 v)
{
	char		buf[48];
	char	   *p = buf + sizeof(buf) - 1;
	bool		negative = v < 0;
	uint128		u = negative ? -(uint128) v : (uint128) v;

	if (v >= PG_INT64_MIN && v <= PG_INT64_MAX)
		return NumericGetDatum(int64_to_numeric((int64) v));
	*p = '\0';
	do
	{
		*--p = '0' + (int) (u % 10);
		u /= 10;
	} while (u != 0);
	if (negative)
		*--p = '-';
	return DirectFunctionCall3(numeric_in, CStringGetDatum(p), ObjectIdGetDatum(InvalidOid),
							   Int32GetDatum(-1));
}

/* The final value of output i in group g. */
static Datum
final_value(ColumnarAggState *state, AggGroup *g, int i, bool *isnull)
{
	AggValue   *v = &g->values[i];

	*isnull = false;
	switch (state->kinds[i])
	{
		case OUT_KEY:
			for (int k = 0; k < state->nkeys; k++)
				if (state->keys[k] == state->attnos[i])
				{
					*isnull = g->nulls[k];
					return g->keys[k];
				}
			elog(ERROR, "ColumnarAgg output is no grouping column");
			break;
		case OUT_COUNT_STAR:
		case OUT_COUNT:
			return Int64GetDatum(v->count);
		default:
			break;
	}
	if (v->count == 0)
	{
		*isnull = true;
		return (Datum) 0;
	}
	switch (state->kinds[i])
	{
		case OUT_SUM_INT:
			return Int64GetDatum((int64) v->isum);
		case OUT_SUM_INT8:
			return int128_numeric(v->isum);
		case OUT_AVG_INT:
			return DirectFunctionCall2(numeric_div, int128_numeric(v->isum),
									   NumericGetDatum(int64_to_numeric(v->count)));
		case OUT_SUM_FLOAT4:
			return Float4GetDatum((float4) v->fsum);
		case OUT_SUM_FLOAT8:
			return Float8GetDatum(v->fsum);
		default:
			return v->minmax;
	}
}

/* Reads the whole table into the groups. */
static void
aggregate_all(ColumnarAggState *state)
{
	ScanState  *ss = &state->css.ss;
	TableScanDesc scan = table_beginscan(ss->ss_currentRelation, ss->ps.state->es_snapshot,
										 0, NULL);
	TupleDesc	desc = RelationGetDescr(ss->ss_currentRelation);
	const ColumnarGroup *batch;
	int			maxrows = 0;

	columnar_scan_set_columns(scan, state->read);
	ss->ss_currentScanDesc = scan;
	if (state->nkeys == 0)
	{
		Datum		keys[MAX_KEYS] = {0};
		bool		nulls[MAX_KEYS] = {0};

		/* no GROUP BY: one group, even for no rows */
		find_group(state, keys, nulls);
	}
	while ((batch = columnar_scan_next_batch(scan, desc)) != NULL)
	{
		if (batch->nrows > maxrows)
		{
			maxrows = batch->nrows;
			state->row_group = state->row_group ? repalloc(state->row_group, maxrows * sizeof(int))
				: palloc(maxrows * sizeof(int));
		}
		if (state->nkeys > 0)
			assign_groups(state, batch);
		else
			for (int r = 0; r < batch->nrows; r++)
				state->row_group[r] = batch->hidden != NULL && batch->hidden[r] ? -1 : 0;
		for (int i = 0; i < state->noutputs; i++)
			accumulate(state, i, batch);
		CHECK_FOR_INTERRUPTS();
	}
	state->done = true;
}

static TupleTableSlot *
agg_next(ScanState *ss)
{
	ColumnarAggState   *state = (ColumnarAggState *) ss;
	TupleTableSlot *slot = ss->ss_ScanTupleSlot;
	AggGroup	   *g;

	if (!state->done)
		aggregate_all(state);
	if (state->next_output >= state->ngroups)
		return NULL;
	g = &state->groups[state->next_output++];
	ExecClearTuple(slot);
	for (int i = 0; i < state->noutputs; i++)
		slot->tts_values[i] = final_value(state, g, i, &slot->tts_isnull[i]);
	return ExecStoreVirtualTuple(slot);
}

static bool
agg_recheck(ScanState *ss, TupleTableSlot *slot)
{
	return true;
}

static TupleTableSlot *
agg_exec(CustomScanState *node)
{
	return ExecScan(&node->ss, agg_next, agg_recheck);
}

static void
agg_end(CustomScanState *node)
{
	if (node->ss.ss_currentScanDesc != NULL)
		table_endscan(node->ss.ss_currentScanDesc);
}

/* Nothing it reads changes between rescans (no parameters): the groups are returned again. */
static void
agg_rescan(CustomScanState *node)
{
	((ColumnarAggState *) node)->next_output = 0;
}

static void
agg_explain(CustomScanState *node, List *ancestors, ExplainState *es)
{
	ColumnarAggState   *state = (ColumnarAggState *) node;
	TupleDesc	desc = RelationGetDescr(node->ss.ss_currentRelation);
	List	   *names = NIL;

	for (int a = 0; a < desc->natts; a++)
		if (state->read[a])
			names = lappend(names, NameStr(TupleDescAttr(desc, a)->attname));
	if (names != NIL)
		ExplainPropertyList("Columnar Projected Columns", names, es);
	else
		ExplainPropertyText("Columnar Projected Columns", "none", es);
}

void
columnar_agg_init(void)
{
	DefineCustomBoolVariable("omendb.columnar_aggregate",
							 "Computes simple aggregates of columnar tables inside the scan.",
							 "count, sum, avg, min and max over integer and float columns, "
							 "grouped by integer, date or timestamp columns or not, "
							 "without WHERE; off plans an Agg over the scan.",
							 &columnar_aggregate, true, PGC_USERSET, 0, NULL, NULL, NULL);
	RegisterCustomScanMethods(&agg_plan_methods);
	next_create_upper_paths_hook = create_upper_paths_hook;
	create_upper_paths_hook = columnar_upper_paths;
}
