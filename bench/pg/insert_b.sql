\set x random(0, 8589934591)
INSERT INTO tb VALUES (:x);
