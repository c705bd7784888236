/*
 * amvalidate for alex: checks an operator class against what alex assumes of it.
 *
 * alex orders keys by their codes (alex_keys.c), not by calling the opclass, so an
 * opclass is only correct if its operators and comparison functions are exactly
 * btree's for the same types: that is what the codes reproduce, and what lets the
 * planner find btree's sort order for the index.  Beyond btvalidate's checks this
 * file therefore requires every member to be the one btree's family has.
 */
#include "alex_am.h"

#include "access/amvalidate.h"
#include "access/htup_details.h"
#include "access/nbtree.h"
#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_amproc.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

#define ALEX_AM_NAME "alex"

#define ALEX_ALL_STRATEGIES \
	((1 << BTLessStrategyNumber) | (1 << BTLessEqualStrategyNumber) | \
	 (1 << BTEqualStrategyNumber) | (1 << BTGreaterEqualStrategyNumber) | \
	 (1 << BTGreaterStrategyNumber))

/* What every member of the family is checked against. */
typedef struct AlexFamilyCheck
{
	const char *opfamilyname;
	Oid			opcintype;
	Oid			btfamily;		/* opcintype's default btree family, or InvalidOid */
} AlexFamilyCheck;

/* The family of the type's default btree opclass: the one whose semantics keys.h codes. */
static Oid
btree_family_for(Oid typid)
{
	Oid			opclass = GetDefaultOpClass(typid, BTREE_AM_OID);

	return OidIsValid(opclass) ? get_opclass_family(opclass) : InvalidOid;
}

static bool
validate_input_type(const char *opclassname, Oid opcintype)
{
	if (alex_key_kind_for_type(opcintype) != 0)
		return true;
	ereport(INFO,
			(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
			 errmsg("operator class \"%s\" of access method %s is for unsupported type %s",
					opclassname, ALEX_AM_NAME, format_type_be(opcintype)),
			 errdetail("%s supports %s.", ALEX_AM_NAME, alex_supported_types())));
	return false;
}

/*
 * Only support function 1: alex sorts and compares key codes itself, so btree's
 * sortsupport, in_range and equalimage functions would never be called.
 */
static bool
validate_proc(const AlexFamilyCheck *check, Form_pg_amproc procform)
{
	Oid			left = procform->amproclefttype;
	Oid			right = procform->amprocrighttype;

	if (procform->amprocnum != BTORDER_PROC)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("operator family \"%s\" of access method %s contains function %s with invalid support number %d",
						check->opfamilyname, ALEX_AM_NAME,
						format_procedure(procform->amproc), procform->amprocnum)));
		return false;
	}
	if (!check_amproc_signature(procform->amproc, INT4OID, true, 2, 2, left, right))
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("operator family \"%s\" of access method %s contains function %s with wrong signature for support number %d",
						check->opfamilyname, ALEX_AM_NAME,
						format_procedure(procform->amproc), procform->amprocnum)));
		return false;
	}
	if (OidIsValid(check->btfamily) &&
		get_opfamily_proc(check->btfamily, left, right, BTORDER_PROC) != procform->amproc)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("operator family \"%s\" of access method %s contains function %s for types %s and %s, which the default btree operator family of type %s does not",
						check->opfamilyname, ALEX_AM_NAME, format_procedure(procform->amproc),
						format_type_be(left), format_type_be(right),
						format_type_be(check->opcintype))));
		return false;
	}
	return true;
}

static bool
validate_operator(const AlexFamilyCheck *check, Form_pg_amop oprform)
{
	Oid			left = oprform->amoplefttype;
	Oid			right = oprform->amoprighttype;
	bool		ok = true;

	if (oprform->amopstrategy < 1 || oprform->amopstrategy > BTMaxStrategyNumber)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("operator family \"%s\" of access method %s contains operator %s with invalid strategy number %d",
						check->opfamilyname, ALEX_AM_NAME,
						format_operator(oprform->amopopr), oprform->amopstrategy)));
		ok = false;
	}
	if (oprform->amoppurpose != AMOP_SEARCH || OidIsValid(oprform->amopsortfamily))
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("operator family \"%s\" of access method %s contains invalid ORDER BY specification for operator %s",
						check->opfamilyname, ALEX_AM_NAME, format_operator(oprform->amopopr))));
		ok = false;
	}
	if (!check_amop_signature(oprform->amopopr, BOOLOID, left, right))
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("operator family \"%s\" of access method %s contains operator %s with wrong signature",
						check->opfamilyname, ALEX_AM_NAME, format_operator(oprform->amopopr))));
		ok = false;
	}
	if (OidIsValid(check->btfamily) &&
		get_opfamily_member(check->btfamily, left, right,
							oprform->amopstrategy) != oprform->amopopr)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("operator family \"%s\" of access method %s contains operator %s as strategy %d for types %s and %s, which the default btree operator family of type %s does not",
						check->opfamilyname, ALEX_AM_NAME, format_operator(oprform->amopopr),
						oprform->amopstrategy, format_type_be(left), format_type_be(right),
						format_type_be(check->opcintype))));
		ok = false;
	}
	return ok;
}

/*
 * Every type pair present needs all five operators and a comparison function, and
 * every pair of the family's types must be present: a scan key may be of any type of
 * the family, and the planner derives cross-type quals from equivalence classes.
 */
static bool
validate_groups(const AlexFamilyCheck *check, const char *opclassname,
				CatCList *oprlist, CatCList *proclist)
{
	List	   *groups = identify_opfamily_groups(oprlist, proclist);
	List	   *types = NIL;
	bool		has_opclass_group = false;
	bool		ok = true;
	ListCell   *lc;

	foreach(lc, groups)
	{
		OpFamilyOpFuncGroup *group = (OpFamilyOpFuncGroup *) lfirst(lc);

		if (group->lefttype == check->opcintype && group->righttype == check->opcintype)
			has_opclass_group = true;
		types = list_append_unique_oid(types, group->lefttype);
		types = list_append_unique_oid(types, group->righttype);

		if (group->operatorset != ALEX_ALL_STRATEGIES)
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("operator family \"%s\" of access method %s is missing operator(s) for types %s and %s",
							check->opfamilyname, ALEX_AM_NAME,
							format_type_be(group->lefttype), format_type_be(group->righttype))));
			ok = false;
		}
		if ((group->functionset & (UINT64CONST(1) << BTORDER_PROC)) == 0)
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("operator family \"%s\" of access method %s is missing support function for types %s and %s",
							check->opfamilyname, ALEX_AM_NAME,
							format_type_be(group->lefttype), format_type_be(group->righttype))));
			ok = false;
		}
	}

	if (!has_opclass_group)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("operator class \"%s\" of access method %s is missing operator(s)",
						opclassname, ALEX_AM_NAME)));
		ok = false;
	}
	if (list_length(groups) != list_length(types) * list_length(types))
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("operator family \"%s\" of access method %s is missing cross-type operator(s)",
						check->opfamilyname, ALEX_AM_NAME)));
		ok = false;
	}
	return ok;
}

/*
 * Reports every problem with ereport(INFO) rather than stopping at the first, as the
 * built-in validators do, and returns whether there was none.
 */
bool
alexvalidate(Oid opclassoid)
{
	HeapTuple	classtup;
	HeapTuple	familytup;
	Form_pg_opclass classform;
	AlexFamilyCheck check;
	const char *opclassname;
	CatCList   *oprlist;
	CatCList   *proclist;
	bool		result;

	classtup = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclassoid));
	if (!HeapTupleIsValid(classtup))
		elog(ERROR, "cache lookup failed for operator class %u", opclassoid);
	classform = (Form_pg_opclass) GETSTRUCT(classtup);
	opclassname = NameStr(classform->opcname);

	familytup = SearchSysCache1(OPFAMILYOID, ObjectIdGetDatum(classform->opcfamily));
	if (!HeapTupleIsValid(familytup))
		elog(ERROR, "cache lookup failed for operator family %u", classform->opcfamily);
	check.opfamilyname = NameStr(((Form_pg_opfamily) GETSTRUCT(familytup))->opfname);
	check.opcintype = classform->opcintype;
	check.btfamily = btree_family_for(check.opcintype);

	oprlist = SearchSysCacheList1(AMOPSTRATEGY, ObjectIdGetDatum(classform->opcfamily));
	proclist = SearchSysCacheList1(AMPROCNUM, ObjectIdGetDatum(classform->opcfamily));

	result = validate_input_type(opclassname, check.opcintype);
	for (int i = 0; i < proclist->n_members; i++)
	{
		HeapTuple	proctup = &proclist->members[i]->tuple;

		result = validate_proc(&check, (Form_pg_amproc) GETSTRUCT(proctup)) && result;
	}
	for (int i = 0; i < oprlist->n_members; i++)
	{
		HeapTuple	oprtup = &oprlist->members[i]->tuple;

		result = validate_operator(&check, (Form_pg_amop) GETSTRUCT(oprtup)) && result;
	}
	result = validate_groups(&check, opclassname, oprlist, proclist) && result;

	ReleaseCatCacheList(proclist);
	ReleaseCatCacheList(oprlist);
	ReleaseSysCache(familytup);
	ReleaseSysCache(classtup);

	return result;
}
