WITH t AS (SELECT 1 AS "delete") SELECT * FROM t -- drop
