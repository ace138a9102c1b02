package nosql

// operators maps the lower-case form of every operator that changes what a
// MongoDB query, update or pipeline does to its canonical MongoDB spelling.
// Keys that are data formats or other protocols' reserved words (JSON Schema,
// Extended JSON, OData, pagination helpers) are deliberately absent; doc.go
// says why for each group.
var operators = func() map[string]string {
	m := make(map[string]string, 96)
	for _, op := range []string{
		// Comparison: {"password": {"$ne": null}} is the classic login bypass.
		"$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin",
		// Logical: add alternatives or negate a condition.
		"$and", "$or", "$nor", "$not",
		// Element: {"$exists": true} and {"$type": "string"} match any value.
		"$exists", "$type",
		// Evaluation: regex and text search leak values one character at a
		// time; $where, $expr, $function and $accumulator run expressions or
		// server-side JavaScript.
		"$regex", "$where", "$expr", "$jsonSchema", "$mod", "$text",
		"$function", "$accumulator",
		// Array and bitwise predicates.
		"$all", "$elemMatch", "$size",
		"$bitsAllClear", "$bitsAllSet", "$bitsAnyClear", "$bitsAnySet",
		// Geospatial predicates.
		"$geoIntersects", "$geoWithin", "$near", "$nearSphere", "$within",
		// Update operators: an update body that reaches the driver as-is can
		// set, rename or remove fields the API never exposed (mass assignment).
		"$set", "$unset", "$inc", "$mul", "$rename", "$setOnInsert", "$min",
		"$max", "$currentDate", "$addToSet", "$pop", "$pull", "$push",
		"$pullAll", "$bit",
		// Aggregation stages that read other collections, write, run code,
		// reshape what is returned or report on the server.
		"$lookup", "$graphLookup", "$unionWith", "$merge", "$out", "$match",
		"$group", "$project", "$addFields", "$replaceRoot", "$replaceWith",
		"$facet", "$redact", "$collStats", "$indexStats", "$currentOp",
		"$listSessions", "$listLocalSessions", "$planCacheStats",
	} {
		m[toLowerASCII(op)] = op
	}
	return m
}()

// maxOperatorLen is the length of the longest operator name, a cheap bound
// before the map lookup.
const maxOperatorLen = len("$listLocalSessions")

// Operator reports whether key, a decoded JSON object key, is a MongoDB
// query, update or aggregation operator that changes what a query does; op
// is the operator's canonical MongoDB spelling ("$ne", "$elemMatch").
// Matching ignores case: MongoDB itself is case-sensitive, but ODMs and other
// document stores are not all so strict, and no legitimate key is an
// operator in another case. Legitimate $-keys (JSON Schema, Extended JSON,
// OData, pagination) are not operators; see the package documentation.
func Operator(key string) (op string, hit bool) {
	if len(key) < 3 || len(key) > maxOperatorLen || key[0] != '$' {
		return "", false
	}
	var buf [maxOperatorLen]byte
	for i := 0; i < len(key); i++ {
		c := key[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	op, hit = operators[string(buf[:len(key)])]
	return op, hit
}

// toLowerASCII lower-cases ASCII letters; it is used only to build the table.
func toLowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
