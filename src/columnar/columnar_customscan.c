/*
 * The columnar CustomScan: a sequential scan that decodes only the columns the query
 * uses and steps over chunk groups whose min/max refute a qual.
 *
 * PG15's table AM API gives a scan no column list and no quals, so this node replaces
 * the planner's SeqScan paths of a columnar table with a path that carries both. It
 * reads through the ordinary scan (columnar_scan_begin / columnar_scan_getnextslot), so
 * snapshot handling, this transaction's buffered rows and every row check stay in one
 * place; it only tells that scan which columns to decode and which groups to skip.
 *
 * A qual can skip groups when it is "column op expression" (either way round) with op a
 * strict member of the btree operator family that orders the column's type (the one the
 * min/max were computed with), the same collation, and an expression free of this
 * table's columns and of volatile functions: it is evaluated once at scan start (and
 * at each rescan, for nestloop parameters). BETWEEN arrives as two such quals. The
 * quals stay in the plan as a filter: skipping only saves work, never decides a row.
 */
#include "columnar.h"

#include "access/nbtree.h"
#include "access/stratnum.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "nodes/extensible.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/restrictinfo.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/spccache.h"
#include "utils/typcache.h"

static bool columnar_custom_scan = true;

/* ---- planning ---- */

/*
 * A qual usable for skipping, as the plan keeps it: custom_private holds one list per
 * field (IntList/OidList, so the plan copies and prints), custom_exprs the expressions.
 */
typedef struct SkipQual
{
	AttrNumber	attno;
	int			strategy;		/* BTLessStrategyNumber ... as "column op value" */
	Oid			cmp_proc;		/* btree order proc (column type, value type) */
	Oid			collation;
} SkipQual;

enum
{
	PRIV_COLUMNS,				/* IntList of the attnos read */
	PRIV_ATTNOS,
	PRIV_STRATEGIES,
	PRIV_PROCS,
	PRIV_COLLATIONS,
	PRIV_COUNT
};

static Plan *columnar_plan_path(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
								List *tlist, List *clauses, List *custom_plans);
static Node *columnar_create_state(CustomScan *cscan);

static const CustomPathMethods columnar_path_methods = {
	.CustomName = "ColumnarScan",
	.PlanCustomPath = columnar_plan_path,
};

static const CustomScanMethods columnar_plan_methods = {
	.CustomName = "ColumnarScan",
	.CreateCustomScanState = columnar_create_state,
};

/* The attnos (1-based) the query reads: what rows leave the scan with, and the quals. */
static List *
columns_read(RelOptInfo *rel, List *quals, int natts)
{
	Bitmapset  *attrs = NULL;
	List	   *columns = NIL;

	pull_varattnos((Node *) rel->reltarget->exprs, rel->relid, &attrs);
	pull_varattnos((Node *) quals, rel->relid, &attrs);
	for (int a = 1; a <= natts; a++)
	{
		/* a whole-row reference reads them all */
		if (bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs) ||
			bms_is_member(a - FirstLowInvalidHeapAttributeNumber, attrs))
			columns = lappend_int(columns, a);
	}
	return columns;
}

/* The strategy of "b op a" when op has strategy s in "a op b". */
static int
commute_strategy(int s)
{
	switch (s)
	{
		case BTLessStrategyNumber:
			return BTGreaterStrategyNumber;
		case BTLessEqualStrategyNumber:
			return BTGreaterEqualStrategyNumber;
		case BTGreaterEqualStrategyNumber:
			return BTLessEqualStrategyNumber;
		case BTGreaterStrategyNumber:
			return BTLessStrategyNumber;
		default:
			return s;
	}
}

/* If clause can skip chunk groups, fills q and returns the value expression. */
static Expr *
skip_qual(Index relid, Expr *clause, SkipQual *q)
{
	OpExpr	   *op;
	Var		   *var;
	Expr	   *value;
	bool		var_left;
	TypeCacheEntry *tc;
	int			strategy;
	Oid			lefttype,
				righttype;

	if (!IsA(clause, OpExpr) || list_length(((OpExpr *) clause)->args) != 2)
		return NULL;
	op = (OpExpr *) clause;
	var_left = IsA(linitial(op->args), Var);
	var = (Var *) (var_left ? linitial(op->args) : lsecond(op->args));
	value = (Expr *) (var_left ? lsecond(op->args) : linitial(op->args));
	if (!IsA(var, Var) || var->varno != relid || var->varlevelsup != 0 || var->varattno <= 0)
		return NULL;
	/* evaluated once per scan: no column of this row, nothing volatile */
	if (bms_is_member(relid, pull_varnos(NULL, (Node *) value)) ||
		contain_volatile_functions((Node *) value) || contain_subplans((Node *) value))
		return NULL;
	/* all-NULL groups are skipped too: a NULL must never satisfy the operator */
	if (!op_strict(op->opno))
		return NULL;
	tc = lookup_type_cache(var->vartype, TYPECACHE_BTREE_OPFAMILY);
	if (!OidIsValid(tc->btree_opf) || !op_in_opfamily(op->opno, tc->btree_opf))
		return NULL;
	get_op_opfamily_properties(op->opno, tc->btree_opf, false, &strategy, &lefttype,
							   &righttype);
	/* min/max were compared under the column's collation */
	if (OidIsValid(var->varcollid) && op->inputcollid != var->varcollid)
		return NULL;
	q->attno = var->varattno;
	q->strategy = var_left ? strategy : commute_strategy(strategy);
	q->cmp_proc = get_opfamily_proc(tc->btree_opf, var->vartype,
									var_left ? righttype : lefttype, BTORDER_PROC);
	q->collation = op->inputcollid;
	if (!OidIsValid(q->cmp_proc))
		return NULL;
	return value;
}

static Plan *
columnar_plan_path(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
				   List *tlist, List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);
	List	   *quals = extract_actual_clauses(clauses, false);
	List	   *priv[PRIV_COUNT] = {NIL};
	ListCell   *lc;

	priv[PRIV_COLUMNS] = linitial(best_path->custom_private);
	foreach(lc, quals)
	{
		SkipQual	q;
		Expr	   *value = skip_qual(rel->relid, lfirst(lc), &q);

		if (value == NULL)
			continue;
		priv[PRIV_ATTNOS] = lappend_int(priv[PRIV_ATTNOS], q.attno);
		priv[PRIV_STRATEGIES] = lappend_int(priv[PRIV_STRATEGIES], q.strategy);
		priv[PRIV_PROCS] = lappend_oid(priv[PRIV_PROCS], q.cmp_proc);
		priv[PRIV_COLLATIONS] = lappend_oid(priv[PRIV_COLLATIONS], q.collation);
		cscan->custom_exprs = lappend(cscan->custom_exprs, copyObject(value));
	}
	cscan->scan.scanrelid = rel->relid;
	cscan->scan.plan.targetlist = tlist;
	cscan->scan.plan.qual = quals;
	cscan->flags = best_path->flags;
	cscan->methods = &columnar_plan_methods;
	for (int i = 0; i < PRIV_COUNT; i++)
		cscan->custom_private = lappend(cscan->custom_private, priv[i]);
	return &cscan->scan.plan;
}

/*
 * Costed as the SeqScan it replaces with the page reads scaled to the share of columns
 * read (so it always wins against the SeqScan, and competes with index paths on the
 * pages it really touches). Skipping is not costed: how much it saves depends on how
 * the data is ordered, which the statistics do not say per chunk group.
 */
static Path *
columnar_path(RelOptInfo *rel, Path *seqscan, int natts)
{
	CustomPath *path = makeNode(CustomPath);
	List	   *quals = extract_actual_clauses(rel->baserestrictinfo, false);
	List	   *columns;
	double		spc_seq_page_cost;
	Cost		disk;
	Cost		share;

	if (seqscan->param_info)
		quals = list_concat(quals, extract_actual_clauses(seqscan->param_info->ppi_clauses,
														  false));
	columns = columns_read(rel, quals, natts);
	get_tablespace_page_costs(rel->reltablespace, NULL, &spc_seq_page_cost);
	disk = spc_seq_page_cost * rel->pages;
	share = (double) Max(list_length(columns), 1) / Max(natts, 1);

	path->path.pathtype = T_CustomScan;
	path->path.parent = rel;
	path->path.pathtarget = rel->reltarget;
	path->path.param_info = seqscan->param_info;
	path->path.rows = seqscan->rows;
	path->path.startup_cost = seqscan->startup_cost;
	path->path.total_cost = seqscan->total_cost - disk * (1 - share);
	path->methods = &columnar_path_methods;
	path->custom_private = list_make1(columns);
	return &path->path;
}

/*
 * Replaces the SeqScan paths of a columnar relation (one per parameterization) by
 * CustomScan paths. No partial paths are offered: columnar tables have no parallel scan.
 */
void
columnar_customscan_paths(PlannerInfo *root, RelOptInfo *rel, Relation r)
{
	List	   *replaced = NIL;
	ListCell   *lc;

	if (!columnar_custom_scan)
		return;
	foreach(lc, rel->pathlist)
	{
		Path	   *path = lfirst(lc);

		if (path->pathtype == T_SeqScan)
		{
			replaced = lappend(replaced, columnar_path(rel, path, RelationGetDescr(r)->natts));
			rel->pathlist = foreach_delete_current(rel->pathlist, lc);
		}
	}
	foreach(lc, replaced)
		add_path(rel, lfirst(lc));
}

/* ---- execution ---- */

/* A skip qual while the scan runs. */
typedef struct SkipQualState
{
	SkipQual	q;
	FmgrInfo	cmp;
	ExprState  *expr;
	Datum		value;			/* the expression's value at scan start */
	bool		isnull;
} SkipQualState;

typedef struct ColumnarScanState
{
	CustomScanState css;
	List	   *columns;		/* attnos read (for EXPLAIN) */
	bool	   *read;			/* [attno - 1]: what the table scan decodes */
	int			nquals;
	SkipQualState *quals;
	bool		values_ready;	/* quals' values evaluated since the (re)scan */
	MemoryContext values_cxt;
} ColumnarScanState;

static void columnar_begin(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *columnar_exec(CustomScanState *node);
static void columnar_end(CustomScanState *node);
static void columnar_rescan(CustomScanState *node);
static void columnar_explain(CustomScanState *node, List *ancestors, ExplainState *es);

static const CustomExecMethods columnar_exec_methods = {
	.CustomName = "ColumnarScan",
	.BeginCustomScan = columnar_begin,
	.ExecCustomScan = columnar_exec,
	.EndCustomScan = columnar_end,
	.ReScanCustomScan = columnar_rescan,
	.ExplainCustomScan = columnar_explain,
};

static Node *
columnar_create_state(CustomScan *cscan)
{
	ColumnarScanState *state = palloc0(sizeof(ColumnarScanState));
	List	   *attnos = list_nth(cscan->custom_private, PRIV_ATTNOS);

	NodeSetTag(state, T_CustomScanState);
	state->css.methods = &columnar_exec_methods;
	state->columns = list_nth(cscan->custom_private, PRIV_COLUMNS);
	state->nquals = list_length(attnos);
	state->quals = palloc0(Max(state->nquals, 1) * sizeof(SkipQualState));
	for (int i = 0; i < state->nquals; i++)
	{
		SkipQual   *q = &state->quals[i].q;

		q->attno = list_nth_int(attnos, i);
		q->strategy = list_nth_int(list_nth(cscan->custom_private, PRIV_STRATEGIES), i);
		q->cmp_proc = list_nth_oid(list_nth(cscan->custom_private, PRIV_PROCS), i);
		q->collation = list_nth_oid(list_nth(cscan->custom_private, PRIV_COLLATIONS), i);
	}
	return (Node *) state;
}

static void
columnar_begin(CustomScanState *node, EState *estate, int eflags)
{
	ColumnarScanState *state = (ColumnarScanState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	Relation	rel = node->ss.ss_currentRelation;
	ListCell   *lc;

	state->read = palloc0(Max(RelationGetDescr(rel)->natts, 1) * sizeof(bool));
	foreach(lc, state->columns)
		state->read[lfirst_int(lc) - 1] = true;
	for (int i = 0; i < state->nquals; i++)
	{
		SkipQualState *qs = &state->quals[i];

		fmgr_info(qs->q.cmp_proc, &qs->cmp);
		qs->expr = ExecInitExpr(list_nth(cscan->custom_exprs, i), &node->ss.ps);
	}
	state->values_cxt = AllocSetContextCreate(estate->es_query_cxt, "columnar skip values",
											  ALLOCSET_SMALL_SIZES);
}

/* The quals' values for this scan (params may differ from one rescan to the next). */
static void
evaluate_values(ColumnarScanState *state)
{
	ExprContext *econtext = state->css.ss.ps.ps_ExprContext;

	MemoryContextReset(state->values_cxt);
	for (int i = 0; i < state->nquals; i++)
	{
		SkipQualState *qs = &state->quals[i];
		Oid			type = exprType((Node *) qs->expr->expr);
		int16		typlen;
		bool		typbyval;
		MemoryContext old;

		qs->value = ExecEvalExprSwitchContext(qs->expr, econtext, &qs->isnull);
		get_typlenbyval(type, &typlen, &typbyval);
		old = MemoryContextSwitchTo(state->values_cxt);
		if (!qs->isnull)
			qs->value = datumCopy(qs->value, typbyval, typlen);
		MemoryContextSwitchTo(old);
	}
	ResetExprContext(econtext);
	state->values_ready = true;
}

/* Whether the min/max of a group refute one of the quals: then no row of it qualifies. */
static bool
skip_group(ColumnarReader *reader, int group, void *arg)
{
	ColumnarScanState *state = arg;

	for (int i = 0; i < state->nquals; i++)
	{
		SkipQualState *qs = &state->quals[i];
		ColumnarChunkRange range;
		int			vs_min,
					vs_max;

		/* a NULL value: the operator is strict, the filter drops every row */
		if (qs->isnull)
			return true;
		columnar_chunk_range(reader, group, qs->q.attno - 1, &range);
		if (range.all_null)
			return true;
		if (!range.has_minmax)
			continue;
		vs_min = DatumGetInt32(FunctionCall2Coll(&qs->cmp, qs->q.collation, range.min, qs->value));
		vs_max = DatumGetInt32(FunctionCall2Coll(&qs->cmp, qs->q.collation, range.max, qs->value));
		switch (qs->q.strategy)
		{
			case BTLessStrategyNumber:
				if (vs_min >= 0)
					return true;
				break;
			case BTLessEqualStrategyNumber:
				if (vs_min > 0)
					return true;
				break;
			case BTEqualStrategyNumber:
				if (vs_min > 0 || vs_max < 0)
					return true;
				break;
			case BTGreaterEqualStrategyNumber:
				if (vs_max < 0)
					return true;
				break;
			case BTGreaterStrategyNumber:
				if (vs_max <= 0)
					return true;
				break;
		}
	}
	return false;
}

static TupleTableSlot *
columnar_next(ScanState *ss)
{
	ColumnarScanState *state = (ColumnarScanState *) ss;
	EState	   *estate = ss->ps.state;

	if (ss->ss_currentScanDesc == NULL)
	{
		ss->ss_currentScanDesc = table_beginscan(ss->ss_currentRelation,
												 estate->es_snapshot, 0, NULL);
		columnar_scan_set_columns(ss->ss_currentScanDesc, state->read);
		if (state->nquals > 0)
			columnar_scan_set_filter(ss->ss_currentScanDesc, skip_group, state);
	}
	if (!state->values_ready)
		evaluate_values(state);
	if (table_scan_getnextslot(ss->ss_currentScanDesc, estate->es_direction,
							   ss->ss_ScanTupleSlot))
		return ss->ss_ScanTupleSlot;
	return NULL;
}

/*
 * The quals stay in the plan's filter, which ExecScan applies; nothing to recheck here.
 * EvalPlanQual passes the row it rechecks in a slot of the table's type, whose columns
 * a fetch leaves to decode on demand; PG15 gives a CustomScan's quals and projection a
 * virtual scan slot, which they read without asking it to decode anything: decode all.
 */
static bool
columnar_recheck(ScanState *ss, TupleTableSlot *slot)
{
	slot_getallattrs(slot);
	return true;
}

static TupleTableSlot *
columnar_exec(CustomScanState *node)
{
	return ExecScan(&node->ss, columnar_next, columnar_recheck);
}

static void
columnar_end(CustomScanState *node)
{
	if (node->ss.ss_currentScanDesc != NULL)
		table_endscan(node->ss.ss_currentScanDesc);
}

static void
columnar_rescan(CustomScanState *node)
{
	ColumnarScanState *state = (ColumnarScanState *) node;

	state->values_ready = false;
	if (node->ss.ss_currentScanDesc != NULL)
		table_rescan(node->ss.ss_currentScanDesc, NULL);
}

static void
columnar_explain(CustomScanState *node, List *ancestors, ExplainState *es)
{
	ColumnarScanState *state = (ColumnarScanState *) node;
	TupleDesc	desc = RelationGetDescr(node->ss.ss_currentRelation);
	List	   *names = NIL;
	List	   *skipping = NIL;
	ListCell   *lc;

	foreach(lc, state->columns)
		names = lappend(names, NameStr(TupleDescAttr(desc, lfirst_int(lc) - 1)->attname));
	if (names != NIL)
		ExplainPropertyList("Columnar Projected Columns", names, es);
	else
		ExplainPropertyText("Columnar Projected Columns", "none", es);
	for (int i = 0; i < state->nquals; i++)
	{
		char	   *name = NameStr(TupleDescAttr(desc, state->quals[i].q.attno - 1)->attname);

		if (!list_member_ptr(skipping, name))
			skipping = lappend(skipping, name);
	}
	if (skipping != NIL)
		ExplainPropertyList("Columnar Chunk Group Filters On", skipping, es);
	if (es->analyze)
	{
		ColumnarScanDesc scan = (ColumnarScanDesc) node->ss.ss_currentScanDesc;

		ExplainPropertyInteger("Columnar Chunk Groups Skipped", NULL,
							   scan ? (int64) scan->groups_skipped : 0, es);
	}
}

void
columnar_customscan_init(void)
{
	DefineCustomBoolVariable("omendb.columnar_custom_scan",
							 "Scans columnar tables with the ColumnarScan custom scan.",
							 "It reads only the columns a query uses and skips chunk groups "
							 "whose min/max refute its quals; off plans plain sequential scans.",
							 &columnar_custom_scan, true, PGC_USERSET, 0, NULL, NULL, NULL);
	RegisterCustomScanMethods(&columnar_plan_methods);
}
