-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION omendb" to load this file. \quit

-- The version of the loaded library and of its C++ core; a call proves both are linked.
CREATE FUNCTION omendb_version() RETURNS text
AS 'MODULE_PATHNAME', 'omendb_version'
LANGUAGE C STRICT STABLE PARALLEL SAFE;

-- The alex index access method: a learned (ALEX) index on Postgres pages.
CREATE FUNCTION alexhandler(internal) RETURNS index_am_handler
AS 'MODULE_PATHNAME', 'alexhandler'
LANGUAGE C;

CREATE ACCESS METHOD alex TYPE INDEX HANDLER alexhandler;
COMMENT ON ACCESS METHOD alex IS 'ALEX learned index: ordered, one page per lookup';

-- Verifies every structural invariant of an alex index; raises index_corrupted naming
-- the page and the invariant. heapallindexed also checks every live heap tuple is indexed.
CREATE FUNCTION alex_index_check(index regclass, heapallindexed boolean DEFAULT false)
RETURNS void
AS 'MODULE_PATHNAME', 'alex_index_check'
LANGUAGE C STRICT PARALLEL RESTRICTED;

-- The shape of an alex index.
CREATE FUNCTION alex_index_stats(index regclass,
    OUT height integer, OUT data_pages bigint, OUT model_pages bigint, OUT null_pages bigint,
    OUT entries bigint, OUT null_entries bigint, OUT fill double precision,
    OUT bytes_per_key double precision, OUT mean_model_error double precision,
    OUT max_model_error bigint, OUT pages_per_lookup double precision, OUT free_pages bigint)
AS 'MODULE_PATHNAME', 'alex_index_stats'
LANGUAGE C STRICT PARALLEL RESTRICTED;

-- Operator classes: the built-in operators and btree comparison functions with btree's
-- strategy and support numbers, so the planner treats alex as ordered like btree.

CREATE OPERATOR FAMILY integer_ops USING alex;
CREATE OPERATOR FAMILY float_ops USING alex;
CREATE OPERATOR FAMILY datetime_ops USING alex;

CREATE OPERATOR CLASS int2_ops DEFAULT FOR TYPE int2 USING alex FAMILY integer_ops AS
    OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >,
    FUNCTION 1 btint2cmp(int2, int2);
CREATE OPERATOR CLASS int4_ops DEFAULT FOR TYPE int4 USING alex FAMILY integer_ops AS
    OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >,
    FUNCTION 1 btint4cmp(int4, int4);
CREATE OPERATOR CLASS int8_ops DEFAULT FOR TYPE int8 USING alex FAMILY integer_ops AS
    OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >,
    FUNCTION 1 btint8cmp(int8, int8);

CREATE OPERATOR CLASS float4_ops DEFAULT FOR TYPE float4 USING alex FAMILY float_ops AS
    OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >,
    FUNCTION 1 btfloat4cmp(float4, float4);
CREATE OPERATOR CLASS float8_ops DEFAULT FOR TYPE float8 USING alex FAMILY float_ops AS
    OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >,
    FUNCTION 1 btfloat8cmp(float8, float8);

CREATE OPERATOR CLASS date_ops DEFAULT FOR TYPE date USING alex FAMILY datetime_ops AS
    OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >,
    FUNCTION 1 date_cmp(date, date);
CREATE OPERATOR CLASS timestamp_ops DEFAULT FOR TYPE timestamp USING alex FAMILY datetime_ops AS
    OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >,
    FUNCTION 1 timestamp_cmp(timestamp, timestamp);
CREATE OPERATOR CLASS timestamptz_ops DEFAULT FOR TYPE timestamptz USING alex FAMILY datetime_ops AS
    OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >,
    FUNCTION 1 timestamptz_cmp(timestamptz, timestamptz);

-- Cross-type members: every pair of types of a family, so a qual such as
-- int4col < 5::int8 or datecol < now() can use the index.
ALTER OPERATOR FAMILY integer_ops USING alex ADD
    OPERATOR 1 < (int2, int4), OPERATOR 2 <= (int2, int4), OPERATOR 3 = (int2, int4),
    OPERATOR 4 >= (int2, int4), OPERATOR 5 > (int2, int4),
    FUNCTION 1 (int2, int4) btint24cmp(int2, int4),
    OPERATOR 1 < (int2, int8), OPERATOR 2 <= (int2, int8), OPERATOR 3 = (int2, int8),
    OPERATOR 4 >= (int2, int8), OPERATOR 5 > (int2, int8),
    FUNCTION 1 (int2, int8) btint28cmp(int2, int8),
    OPERATOR 1 < (int4, int2), OPERATOR 2 <= (int4, int2), OPERATOR 3 = (int4, int2),
    OPERATOR 4 >= (int4, int2), OPERATOR 5 > (int4, int2),
    FUNCTION 1 (int4, int2) btint42cmp(int4, int2),
    OPERATOR 1 < (int4, int8), OPERATOR 2 <= (int4, int8), OPERATOR 3 = (int4, int8),
    OPERATOR 4 >= (int4, int8), OPERATOR 5 > (int4, int8),
    FUNCTION 1 (int4, int8) btint48cmp(int4, int8),
    OPERATOR 1 < (int8, int2), OPERATOR 2 <= (int8, int2), OPERATOR 3 = (int8, int2),
    OPERATOR 4 >= (int8, int2), OPERATOR 5 > (int8, int2),
    FUNCTION 1 (int8, int2) btint82cmp(int8, int2),
    OPERATOR 1 < (int8, int4), OPERATOR 2 <= (int8, int4), OPERATOR 3 = (int8, int4),
    OPERATOR 4 >= (int8, int4), OPERATOR 5 > (int8, int4),
    FUNCTION 1 (int8, int4) btint84cmp(int8, int4);

ALTER OPERATOR FAMILY float_ops USING alex ADD
    OPERATOR 1 < (float4, float8), OPERATOR 2 <= (float4, float8), OPERATOR 3 = (float4, float8),
    OPERATOR 4 >= (float4, float8), OPERATOR 5 > (float4, float8),
    FUNCTION 1 (float4, float8) btfloat48cmp(float4, float8),
    OPERATOR 1 < (float8, float4), OPERATOR 2 <= (float8, float4), OPERATOR 3 = (float8, float4),
    OPERATOR 4 >= (float8, float4), OPERATOR 5 > (float8, float4),
    FUNCTION 1 (float8, float4) btfloat84cmp(float8, float4);

ALTER OPERATOR FAMILY datetime_ops USING alex ADD
    OPERATOR 1 < (date, timestamp), OPERATOR 2 <= (date, timestamp),
    OPERATOR 3 = (date, timestamp), OPERATOR 4 >= (date, timestamp),
    OPERATOR 5 > (date, timestamp),
    FUNCTION 1 (date, timestamp) date_cmp_timestamp(date, timestamp),
    OPERATOR 1 < (date, timestamptz), OPERATOR 2 <= (date, timestamptz),
    OPERATOR 3 = (date, timestamptz), OPERATOR 4 >= (date, timestamptz),
    OPERATOR 5 > (date, timestamptz),
    FUNCTION 1 (date, timestamptz) date_cmp_timestamptz(date, timestamptz),
    OPERATOR 1 < (timestamp, date), OPERATOR 2 <= (timestamp, date),
    OPERATOR 3 = (timestamp, date), OPERATOR 4 >= (timestamp, date),
    OPERATOR 5 > (timestamp, date),
    FUNCTION 1 (timestamp, date) timestamp_cmp_date(timestamp, date),
    OPERATOR 1 < (timestamp, timestamptz), OPERATOR 2 <= (timestamp, timestamptz),
    OPERATOR 3 = (timestamp, timestamptz), OPERATOR 4 >= (timestamp, timestamptz),
    OPERATOR 5 > (timestamp, timestamptz),
    FUNCTION 1 (timestamp, timestamptz) timestamp_cmp_timestamptz(timestamp, timestamptz),
    OPERATOR 1 < (timestamptz, date), OPERATOR 2 <= (timestamptz, date),
    OPERATOR 3 = (timestamptz, date), OPERATOR 4 >= (timestamptz, date),
    OPERATOR 5 > (timestamptz, date),
    FUNCTION 1 (timestamptz, date) timestamptz_cmp_date(timestamptz, date),
    OPERATOR 1 < (timestamptz, timestamp), OPERATOR 2 <= (timestamptz, timestamp),
    OPERATOR 3 = (timestamptz, timestamp), OPERATOR 4 >= (timestamptz, timestamp),
    OPERATOR 5 > (timestamptz, timestamp),
    FUNCTION 1 (timestamptz, timestamp) timestamptz_cmp_timestamp(timestamptz, timestamp);

-- The columnar table access method: CREATE TABLE ... USING columnar.
CREATE FUNCTION columnar_handler(internal) RETURNS table_am_handler
AS 'MODULE_PATHNAME', 'columnar_handler'
LANGUAGE C;

CREATE ACCESS METHOD columnar TYPE TABLE HANDLER columnar_handler;
COMMENT ON ACCESS METHOD columnar IS 'compressed column stripes for analytic scans';

-- Metadata of columnar tables, keyed by the storage id in each table's metapage (a
-- table gets new storage, and a new id, on TRUNCATE and rewrites). docs/COLUMNAR.md.
CREATE SCHEMA omendb;
COMMENT ON SCHEMA omendb IS 'omendb internals: metadata of columnar tables';
CREATE SEQUENCE omendb.columnar_storage_id_seq;
CREATE TABLE omendb.columnar_options (
    storage_id bigint PRIMARY KEY,
    compression text NOT NULL,
    compression_level integer NOT NULL,
    stripe_row_limit integer NOT NULL,
    chunk_group_row_limit integer NOT NULL);
-- Row numbers a writer reserved; a unique check finds an unflushed writer through it.
CREATE TABLE omendb.columnar_reservation (
    storage_id bigint NOT NULL,
    first_row bigint NOT NULL,
    row_limit bigint NOT NULL,
    PRIMARY KEY (storage_id, first_row));
-- One row per written stripe: a stripe exists for exactly the snapshots that see it.
CREATE TABLE omendb.columnar_stripe (
    storage_id bigint NOT NULL,
    first_row bigint NOT NULL,
    row_count bigint NOT NULL,
    chunk_group_count integer NOT NULL,
    first_block bigint NOT NULL,
    block_count integer NOT NULL,
    stored_bytes bigint NOT NULL,
    raw_bytes bigint NOT NULL,
    PRIMARY KEY (storage_id, first_row));
-- One row per deleted row (a DELETE, the old version of an UPDATE, a row VACUUM moved):
-- the row is deleted for exactly the snapshots that see this row, and the row's xmin is
-- the deleter that a concurrent updater waits for. successor is the row number of the
-- new version (-1: deleted, -2: moved to another partition).
CREATE TABLE omendb.columnar_delete (
    storage_id bigint NOT NULL,
    row_number bigint NOT NULL,
    successor bigint NOT NULL);
CREATE INDEX columnar_delete_row ON omendb.columnar_delete (storage_id, row_number);
-- One row per row lock (SELECT ... FOR UPDATE/SHARE, foreign-key checks): held while the
-- row's xmin runs. mode is a LockTupleMode (0 key share .. 3 update); VACUUM removes the
-- rows of finished lockers.
CREATE TABLE omendb.columnar_row_lock (
    storage_id bigint NOT NULL,
    row_number bigint NOT NULL,
    mode smallint NOT NULL);
CREATE INDEX columnar_row_lock_row ON omendb.columnar_row_lock (storage_id, row_number);
GRANT USAGE ON SCHEMA omendb TO PUBLIC;
GRANT SELECT ON omendb.columnar_options, omendb.columnar_reservation, omendb.columnar_stripe,
    omendb.columnar_delete, omendb.columnar_row_lock TO PUBLIC;

-- Options for stripes written from now on; NULL keeps an option as it is.
CREATE FUNCTION columnar_set_options(tbl regclass,
    compression text DEFAULT NULL, compression_level integer DEFAULT NULL,
    stripe_row_limit integer DEFAULT NULL, chunk_group_row_limit integer DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'columnar_set_options'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION columnar_options(tbl regclass,
    OUT compression text, OUT compression_level integer,
    OUT stripe_row_limit integer, OUT chunk_group_row_limit integer)
AS 'MODULE_PATHNAME', 'columnar_get_options'
LANGUAGE C STRICT STABLE PARALLEL RESTRICTED;

-- What the calling statement sees of a columnar table's storage.
CREATE FUNCTION columnar_stats(tbl regclass,
    OUT stripes bigint, OUT chunk_groups bigint, OUT rows bigint, OUT deleted_rows bigint,
    OUT raw_bytes bigint, OUT compressed_bytes bigint, OUT compression text)
AS 'MODULE_PATHNAME', 'columnar_stats'
LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;

-- Loads the library at the start of DROP commands so that its drop hook removes the
-- metadata of dropped columnar tables (src/columnar/columnar_handler.c).
CREATE FUNCTION omendb.columnar_load() RETURNS event_trigger
AS 'MODULE_PATHNAME', 'columnar_load'
LANGUAGE C;
CREATE EVENT TRIGGER omendb_columnar_load ON ddl_command_start
    WHEN TAG IN ('DROP TABLE', 'DROP MATERIALIZED VIEW', 'DROP SCHEMA', 'DROP OWNED',
                 'DROP EXTENSION', 'DROP ACCESS METHOD')
    EXECUTE FUNCTION omendb.columnar_load();
