-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION omendb" to load this file. \quit

-- The version of the loaded library and of its C++ core; a call proves both are linked.
CREATE FUNCTION omendb_version() RETURNS text
AS 'MODULE_PATHNAME', 'omendb_version'
LANGUAGE C STRICT STABLE PARALLEL SAFE;
