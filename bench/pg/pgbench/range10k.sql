-- Exactly 10,000 consecutive keys, index-only (count and sum of the key).
\set r random(1, :n - 9999)
SELECT count(*), sum(k) FROM t_AM
WHERE k BETWEEN (SELECT k FROM keys WHERE rid = :r) AND (SELECT k FROM keys WHERE rid = :r + 9999);
