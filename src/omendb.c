/*
 * omendb: the module's entry points.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "omendb.h"
#include "omendb/alex/alex_c.h"
#include "alex/alex_am.h"
#include "columnar/columnar.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(omendb_version);

void		_PG_init(void);

void
_PG_init(void)
{
	alex_init_reloptions();
	alex_xlog_init();
	alex_install_error_hint();
	columnar_init();
}

Datum
omendb_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(psprintf("omendb %s (%s)",
											  OMENDB_VERSION, alex_core_version())));
}
