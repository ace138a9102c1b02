package sanitize

import "bytes"

// sqlRules detect database and driver error text. A leaked one confirms an injection
// point and often quotes the query (error-based SQL injection, CWE-209).
func sqlRules() []rule {
	rules := literals(SQLError,
		"You have an error in your SQL syntax", // MySQL
		"mysql_fetch",
		"mysql_num_rows(",
		"mysqli_sql_exception",
		"com.mysql.jdbc.",
		"com.mysql.cj.jdbc.",
		"in 'field list'",
		"ER_PARSE_ERROR",
		"SQLSTATE[", // PDO
		"PDOException",
		"syntax error at or near", // PostgreSQL
		"unterminated quoted string",
		"duplicate key value violates unique constraint",
		"PG::",
		"org.postgresql.util.PSQLException",
		"psycopg2.",
		"Npgsql.PostgresException",
		"quoted string not properly terminated", // Oracle
		"SQL command not properly ended",
		"sqlite3.OperationalError", // SQLite
		"SQLite error",
		"SQLITE_ERROR",
		"SQLITE_CONSTRAINT",
		"Microsoft OLE DB Provider for SQL Server", // SQL Server
		"[ODBC SQL Server Driver]",
		"Incorrect syntax near",
		"Unclosed quotation mark after the character string",
		"Data.SqlClient.SqlException",
		"java.sql.SQL", // drivers and ORMs
		"org.hibernate.exception.",
		"sqlalchemy.exc.",
		"ActiveRecord::StatementInvalid",
		"SequelizeDatabaseError",
	)
	return append(rules,
		rule{"ORA-", SQLError, isOracleCode},
		rule{`": syntax error`, SQLError, isSQLiteNear},
		rule{"pq: ", SQLError, isPQPrefix},
		rule{`" does not exist`, SQLError, isMissingRelation},
		rule{`' doesn't exist`, SQLError, isMissingTable},
	)
}

// isOracleCode matches "ORA-00933:": five digits and a colon, unlike an order or SKU
// number such as "ORA-0042".
func isOracleCode(_, after []byte) bool {
	return digitsAt(after) == 5 && len(after) > 5 && after[5] == ':'
}

// isSQLiteNear matches SQLite's `near "FROM": syntax error`.
func isSQLiteNear(before, _ []byte) bool {
	return bytes.Contains(lineTail(before, 256), []byte(`near "`))
}

// isPQPrefix matches the Go lib/pq driver's "pq: " error prefix at a word start.
func isPQPrefix(before, _ []byte) bool {
	return len(before) == 0 || !isWordByte(before[len(before)-1])
}

// isMissingRelation matches PostgreSQL's `relation "users" does not exist` (and column,
// table), but not a business message such as `user "bob" does not exist`.
func isMissingRelation(before, _ []byte) bool {
	line := lineTail(before, 256)
	return bytes.Contains(line, []byte(`relation "`)) ||
		bytes.Contains(line, []byte(`column "`)) ||
		bytes.Contains(line, []byte(`table "`))
}

// isMissingTable matches MySQL's "Table 'shop.users' doesn't exist".
func isMissingTable(before, _ []byte) bool {
	return bytes.Contains(lineTail(before, 256), []byte(`Table '`))
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}
