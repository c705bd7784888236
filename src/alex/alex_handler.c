/*
 * The access method's handler: what alex can do, its options and its costs.
 */
#include "alex_am.h"

#include "access/reloptions.h"
#include "utils/elog.h"
#include "utils/memutils.h"
#include "commands/vacuum.h"
#include "utils/index_selfuncs.h"
#include "utils/selfuncs.h"

PG_FUNCTION_INFO_V1(alexhandler);

static relopt_kind alex_relopt_kind;
static emit_log_hook_type next_emit_log_hook = NULL;

void
alex_init_reloptions(void)
{
	alex_relopt_kind = add_reloption_kind();
	add_int_reloption(alex_relopt_kind, "fillfactor",
					  "How full CREATE INDEX packs data pages, in percent",
					  ALEX_DEFAULT_FILLFACTOR, ALEX_MIN_FILLFACTOR, 100, AccessExclusiveLock);
}

/*
 * CREATE INDEX ... USING alex on a type without an alex operator class fails in core
 * (ResolveOpClass) before any alex code runs; this names the types alex supports in that
 * error's hint instead of core's advice to define an operator class.
 */
static void
alex_hint_supported_types(ErrorData *edata)
{
	if (edata->elevel == ERROR && edata->message_id != NULL && edata->message != NULL &&
		strcmp(edata->message_id, "data type %s has no default operator class for access method \"%s\"") == 0 &&
		strstr(edata->message, "\"alex\"") != NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(ErrorContext);

		edata->hint = psprintf("alex indexes support these types: %s.", alex_supported_types());
		MemoryContextSwitchTo(old);
	}
	if (next_emit_log_hook)
		next_emit_log_hook(edata);
}

void
alex_install_error_hint(void)
{
	next_emit_log_hook = emit_log_hook;
	emit_log_hook = alex_hint_supported_types;
}

static bytea *
alexoptions(Datum reloptions, bool validate)
{
	static const relopt_parse_elt tab[] = {
		{"fillfactor", RELOPT_TYPE_INT, offsetof(AlexOptions, fillfactor)},
	};

	return (bytea *) build_reloptions(reloptions, validate, alex_relopt_kind,
									  sizeof(AlexOptions), tab, lengthof(tab));
}

/*
 * Floats cannot be returned from the index: -0 and NaN payloads are folded into one
 * code each (keys.h), so the stored key is not always the heap's value.
 */
static bool
alexcanreturn(Relation index, int attno)
{
	AlexKeyKind kind = alex_index_key_kind(index);

	return kind != ALEX_KEY_FLOAT4 && kind != ALEX_KEY_FLOAT8;
}

/*
 * btree's estimate fits: alex follows btree's strategies, so btcostestimate finds the
 * boundary quals and the correlation. It charges no descent for us (tree_height is -1
 * for non-btree indexes before PG 18): a lookup pins one data page, as alex does when
 * its model pages are cached.
 */
static void
alexcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				 Cost *indexStartupCost, Cost *indexTotalCost,
				 Selectivity *indexSelectivity, double *indexCorrelation,
				 double *indexPages)
{
	btcostestimate(root, path, loop_count, indexStartupCost, indexTotalCost,
				   indexSelectivity, indexCorrelation, indexPages);
}

Datum
alexhandler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *amroutine = makeNode(IndexAmRoutine);

	amroutine->amstrategies = BTMaxStrategyNumber;
	amroutine->amsupport = 1;
	amroutine->amoptsprocnum = 0;
	amroutine->amcanorder = true;
	amroutine->amcanorderbyop = false;
	amroutine->amcanbackward = false;
	amroutine->amcanunique = false;
	amroutine->amcanmulticol = false;
	amroutine->amoptionalkey = true;
	amroutine->amsearcharray = false;
	amroutine->amsearchnulls = true;
	amroutine->amstorage = false;
	amroutine->amclusterable = false;
	amroutine->ampredlocks = false;
	amroutine->amcanparallel = false;
	amroutine->amcaninclude = false;
	amroutine->amusemaintenanceworkmem = false;
#if PG_VERSION_NUM >= 160000
	amroutine->amsummarizing = false;
#endif
	amroutine->amparallelvacuumoptions = VACUUM_OPTION_NO_PARALLEL;
	amroutine->amkeytype = InvalidOid;

	amroutine->ambuild = alexbuild;
	amroutine->ambuildempty = alexbuildempty;
	amroutine->aminsert = alexinsert;
	amroutine->ambulkdelete = alexbulkdelete;
	amroutine->amvacuumcleanup = alexvacuumcleanup;
	amroutine->amcanreturn = alexcanreturn;
	amroutine->amcostestimate = alexcostestimate;
	amroutine->amoptions = alexoptions;
	amroutine->amproperty = NULL;
	amroutine->ambuildphasename = alexbuildphasename;
	amroutine->amvalidate = alexvalidate;
	amroutine->amadjustmembers = NULL;
	amroutine->ambeginscan = alexbeginscan;
	amroutine->amrescan = alexrescan;
	amroutine->amgettuple = alexgettuple;
	amroutine->amgetbitmap = alexgetbitmap;
	amroutine->amendscan = alexendscan;
	amroutine->ammarkpos = NULL;
	amroutine->amrestrpos = NULL;
	amroutine->amestimateparallelscan = NULL;
	amroutine->aminitparallelscan = NULL;
	amroutine->amparallelrescan = NULL;

	PG_RETURN_POINTER(amroutine);
}
