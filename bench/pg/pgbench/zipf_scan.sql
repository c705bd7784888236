-- YCSB E scan: 1 to 100 rows in key order from a skewed start key.
\set r permute(random_zipfian(1, :n, 1.1), :n)
\set len random(1, 100)
SELECT count(*), sum(v) FROM
  (SELECT v FROM t_AM WHERE k >= (SELECT k FROM keys WHERE rid = :r) ORDER BY k LIMIT :len) s;
