-- YCSB read: a skewed key (zipfian 1.1, the hot keys scattered by permute).
\set r permute(random_zipfian(1, :n, 1.1), :n)
SELECT v FROM t_AM WHERE k = (SELECT k FROM keys WHERE rid = :r);
