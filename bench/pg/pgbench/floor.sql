-- The ceiling: point.sql's round trip and key lookup without the indexed table.
\set r random(1, :n)
SELECT (SELECT k FROM keys WHERE rid = :r);
