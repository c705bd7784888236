-- The extension installs, reports the versions of the library and of its C++ core,
-- and leaves nothing behind when dropped, repeatedly.
CREATE EXTENSION omendb;

-- The library's version must equal the installed SQL script's version.
SELECT omendb_version() ~ '^omendb [0-9.]+ \(omendb-alex [^)]+\)$' AS well_formed,
       split_part(omendb_version(), ' ', 2) = extversion AS library_matches_script
  FROM pg_extension WHERE extname = 'omendb';

-- Everything the extension owns; grows as features arrive.
SELECT pg_describe_object(classid, objid, objsubid) AS member
  FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'omendb')
 ORDER BY 1;

DROP EXTENSION omendb;

-- Nothing of ours remains.
SELECT count(*) AS leftovers FROM pg_extension WHERE extname = 'omendb';
SELECT proname FROM pg_proc WHERE probin LIKE '%omendb%' OR proname LIKE 'omendb%';
SELECT omendb_version();

-- A second round trip works on the already loaded library.
CREATE EXTENSION omendb;
SELECT omendb_version() IS NOT NULL AS callable;
DROP EXTENSION omendb;
SELECT count(*) AS leftovers FROM pg_proc WHERE probin LIKE '%omendb%';
