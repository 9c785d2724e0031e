-- sqlite3 in-memory workload for the leaktrace benchmark suite.
-- Run as: sqlite3 :memory: < bench/sqlite.sql
-- Inserts 120,000 rows with text payloads, builds two indexes, runs
-- aggregates, a self-join, updates and deletes.  Prints a few checksums.
PRAGMA cache_size = -65536;
CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, name TEXT, payload TEXT);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 120000)
INSERT INTO t(id, k, name, payload)
  SELECT i, (i * 7919) % 10007, 'name-' || (i % 5000),
         printf('%.*c', 20 + (i * 31) % 200, 'x')
  FROM c;
CREATE INDEX t_k ON t(k);
CREATE INDEX t_name ON t(name);
SELECT count(*), sum(k), sum(length(payload)) FROM t;
SELECT name, count(*), avg(k) FROM t GROUP BY name ORDER BY 2 DESC, 1 LIMIT 3;
SELECT count(*) FROM t a JOIN t b ON a.k = b.k WHERE a.id < 12000 AND b.id % 7 = 0;
UPDATE t SET payload = payload || upper(name) WHERE k % 3 = 0;
DELETE FROM t WHERE k % 5 = 0;
SELECT count(*), sum(length(payload)) FROM t;
SELECT group_concat(name, ',') IS NOT NULL FROM (SELECT DISTINCT name FROM t ORDER BY name);
