/*
 * omendb: definitions shared by the C shim's files.
 */
#ifndef OMENDB_H
#define OMENDB_H

/* Must equal default_version in omendb.control; the regression test checks it. */
#define OMENDB_VERSION "1.0"

#endif							/* OMENDB_H */
