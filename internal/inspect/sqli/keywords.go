package sqli

// kwID identifies a SQL word the rules care about; 0 is any other word.
type kwID uint8

const (
	kwNone kwID = iota
	kwSelect
	kwUnion
	kwAll
	kwDistinct
	kwFrom
	kwWhere
	kwOrder
	kwGroup
	kwBy
	kwHaving
	kwLimit
	kwInto
	kwOutfile
	kwInsert
	kwUpdate
	kwDelete
	kwDrop
	kwCreate
	kwAlter
	kwTruncate
	kwExec
	kwDeclare
	kwShutdown
	kwWaitfor
	kwDelay
	kwSet
	kwCase
	kwWhen
	kwThen
	kwElse
	kwEnd
	kwNull
	kwTrue
	kwOr
	kwAnd
	kwNot
	kwLike
	kwIs
	kwIn
	kwBetween
	kwAs
	kwObject // table, database, user, view, procedure, function, ... after DROP/CREATE
	kwTop
	kwAscDesc
	kwBegin
	kwWith
	kwValues
	kwLoad
	kwData
	kwInfile
	kwDiv
	kwCount
	kwGrant   // GRANT, REVOKE
	kwBackup  // BACKUP, COPY: file-writing statements
	kwNiladic // CURRENT_USER, SESSION_USER...: functions called without parentheses
	kwFunc    // a SQL function often used to build or probe (char, concat, version...)
	kwDanger  // a time, error, file or out-of-band primitive (sleep, updatexml...)
	kwSchema  // a catalog table or schema (information_schema, sysobjects...)
	kwCatalog // a database or table name that is only telling when qualified (master..x, mysql.user)
	kwSysProc // xp_cmdshell and friends: dangerous even without parentheses
	kwMax
)

// keywords maps lower-case words to their ids. Function and catalog names
// come from the MySQL, PostgreSQL, MSSQL, Oracle, SQLite, DB2 and Firebird
// manuals: the primitives blind, error-based and out-of-band injection use.
var keywords = map[string]kwID{
	"select": kwSelect, "union": kwUnion, "all": kwAll, "distinct": kwDistinct,
	"distinctrow": kwDistinct, "from": kwFrom, "where": kwWhere, "order": kwOrder,
	"group": kwGroup, "by": kwBy, "having": kwHaving, "limit": kwLimit,
	"offset": kwLimit, "into": kwInto, "outfile": kwOutfile, "dumpfile": kwOutfile,
	"insert": kwInsert, "update": kwUpdate, "delete": kwDelete, "drop": kwDrop,
	"create": kwCreate, "alter": kwAlter, "truncate": kwTruncate, "exec": kwExec,
	"execute": kwExec, "declare": kwDeclare, "shutdown": kwShutdown,
	"waitfor": kwWaitfor, "delay": kwDelay, "time": kwDelay, "set": kwSet,
	"case": kwCase, "when": kwWhen, "then": kwThen, "else": kwElse, "end": kwEnd,
	"null": kwNull, "true": kwTrue, "false": kwTrue, "or": kwOr, "and": kwAnd,
	"xor": kwOr, "not": kwNot, "like": kwLike, "rlike": kwLike, "regexp": kwLike,
	"ilike": kwLike, "glob": kwLike, "sounds": kwLike, "is": kwIs, "in": kwIn,
	"between": kwBetween, "as": kwAs, "top": kwTop, "asc": kwAscDesc,
	"desc": kwAscDesc, "begin": kwBegin, "with": kwWith, "values": kwValues,
	"load": kwLoad, "data": kwData, "infile": kwInfile, "div": kwDiv, "mod": kwDiv,
	"count": kwCount, "grant": kwGrant, "revoke": kwGrant, "backup": kwBackup,
	"copy": kwBackup, "current_user": kwNiladic, "session_user": kwNiladic,
	"system_user": kwNiladic, "current_date": kwNiladic, "localtime": kwNiladic,

	"table": kwObject, "database": kwObject, "schema": kwObject, "view": kwObject,
	"procedure": kwObject, "function": kwObject, "user": kwObject,
	"login": kwObject, "index": kwObject, "trigger": kwObject,

	// building and probing functions
	"char": kwFunc, "chr": kwFunc, "nchar": kwFunc, "concat": kwFunc,
	"concat_ws": kwFunc, "group_concat": kwFunc, "string_agg": kwFunc,
	"substring": kwFunc, "substr": kwFunc, "mid": kwFunc, "ascii": kwFunc,
	"ord": kwFunc, "length": kwFunc, "len": kwFunc, "cast": kwFunc,
	"convert": kwFunc, "version": kwFunc, "hex": kwFunc,
	"unhex": kwFunc, "md5": kwFunc, "sha1": kwFunc, "rand": kwFunc,
	"floor": kwFunc, "if": kwFunc, "iif": kwFunc, "ifnull": kwFunc,
	"isnull": kwFunc, "nullif": kwFunc, "coalesce": kwFunc, "elt": kwFunc,
	"make_set": kwFunc, "row": kwFunc, "repeat": kwFunc, "reverse": kwFunc,
	"regexp_substring": kwFunc, "regexp_like": kwFunc, "instr": kwFunc,
	"locate": kwFunc, "position": kwFunc, "bin": kwFunc, "conv": kwFunc,
	"db_name": kwFunc, "user_name": kwFunc, "suser_name": kwFunc,
	"host_name": kwFunc, "current_database": kwFunc, "unicode": kwFunc,
	"crypt_key": kwFunc, "rawtohex": kwFunc, "to_char": kwFunc,
	"json_extract": kwFunc, "exp": kwFunc, "greatest": kwFunc, "least": kwFunc,
	"sqlite_version": kwFunc, "typeof": kwFunc, "zeroblob": kwFunc,
	"generate_series": kwFunc, "upper": kwFunc, "lower": kwFunc, "left": kwFunc,
	"right": kwFunc, "strcmp": kwFunc, "field": kwFunc, "export_set": kwFunc,
	"xmltype": kwFunc, "dbms_xmlgen": kwFunc, "sys_context": kwFunc,
	"is_srvrolemember": kwFunc, "has_dbaccess": kwFunc, "quotename": kwFunc,
	"benchmark": kwDanger, "sleep": kwDanger, "pg_sleep": kwDanger,
	"extractvalue": kwDanger, "updatexml": kwDanger, "load_file": kwDanger,
	"name_const": kwDanger, "gtid_subset": kwDanger, "gtid_subtract": kwDanger,
	"randomblob": kwDanger, "receive_message": kwDanger,
	"get_host_address": kwDanger, "get_host_name": kwDanger,
	"utl_inaddr": kwDanger, "utl_http": kwDanger, "dbms_pipe": kwDanger,
	"dbms_lock": kwDanger, "ctxsys": kwDanger, "pg_read_file": kwDanger,
	"pg_ls_dir": kwDanger, "lo_import": kwDanger, "dblink": kwDanger,
	"json_keys": kwDanger, "geometrycollection": kwDanger,
	"multipoint": kwDanger, "polygon": kwDanger, "multipolygon": kwDanger,
	"linestring": kwDanger, "multilinestring": kwDanger,
	"openrowset": kwDanger, "opendatasource": kwDanger,
	"xp_cmdshell": kwSysProc, "xp_dirtree": kwSysProc, "xp_fileexist": kwSysProc,
	"xp_regread": kwSysProc, "xp_servicecontrol": kwSysProc,
	"xp_availablemedia": kwSysProc, "xp_makecab": kwSysProc,
	"xp_ntsec_enumdomains": kwSysProc, "xp_terminate_process": kwSysProc,
	"sp_executesql": kwSysProc, "sp_oacreate": kwSysProc,
	"sp_oamethod": kwSysProc, "sp_makewebtask": kwSysProc,
	"sp_addlogin": kwSysProc, "sp_addsrvrolemember": kwSysProc,
	"sp_password": kwSysProc, "sp_configure": kwSysProc,
	"information_schema": kwSchema, "sysobjects": kwSchema,
	"syscolumns": kwSchema, "systables": kwSchema, "sysusers": kwSchema,
	"sysdatabases": kwSchema, "sysprocesses": kwSchema, "syslogins": kwSchema,
	"sysservers": kwSchema, "sysibm": kwSchema, "syscat": kwSchema,
	"pg_catalog": kwSchema, "pg_tables": kwSchema,
	"pg_user": kwSchema, "pg_shadow": kwSchema, "pg_database": kwSchema,
	"pg_class": kwSchema, "pg_namespace": kwSchema, "sqlite_master": kwSchema,
	"sqlite_schema": kwSchema, "sqlite_temp_master": kwSchema,
	"msysobjects": kwSchema, "msysaccessobjects": kwSchema,
	"all_tables": kwSchema, "user_tables": kwSchema, "all_tab_columns": kwSchema,
	"user_tab_columns": kwSchema, "all_users": kwSchema, "dba_users": kwSchema,
	"dba_role_privs": kwSchema, "user_role_privs": kwSchema, "v$version": kwSchema,
	"dual": kwCatalog, "mysql": kwCatalog, "master": kwCatalog, "sys": kwCatalog,
	"sysmaster": kwCatalog,
}

// maxKeyword is the longest key in keywords; longer words are never keywords.
const maxKeyword = 24

// classify returns the keyword id of word (any case), or kwNone.
func classify(word string) kwID {
	if len(word) < 2 || len(word) > maxKeyword {
		return kwNone
	}
	var buf [maxKeyword]byte
	for i := 0; i < len(word); i++ {
		c := word[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	if id, ok := keywords[string(buf[:len(word)])]; ok {
		return id
	}
	if len(word) > 4 && (buf[0] == 'r' && buf[1] == 'd' && buf[2] == 'b' && buf[3] == '$') {
		return kwSchema // Firebird catalog: RDB$RELATIONS, RDB$FIELDS...
	}
	return kwNone
}

// isLogic reports whether t is a boolean connective: OR, AND, XOR, ||, &&.
func isLogic(t token) bool {
	return t.kind == kLogic || (t.kind == kWord && (t.kw == kwOr || t.kw == kwAnd))
}

// isCmp reports whether t compares: = < > <> != LIKE RLIKE REGEXP IS ...
func isCmp(t token) bool {
	return t.kind == kCmp || (t.kind == kWord && (t.kw == kwLike || t.kw == kwIs || t.kw == kwBetween))
}
