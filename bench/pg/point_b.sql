\set x random(0, 8589934591)
SELECT k FROM tb WHERE k = :x;
