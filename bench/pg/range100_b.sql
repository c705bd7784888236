\set x random(0, 8589934591)
\set y :x + 85000
SELECT count(*), sum(k) FROM tb WHERE k >= :x AND k < :y;
