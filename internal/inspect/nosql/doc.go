// Package nosql detects NoSQL (MongoDB) query injection. It is one of the
// string detectors of the injection inspector (internal/inspect), which
// decodes every query, form, cookie, header and JSON value once and calls
// Operator on JSON object keys, QueryKey on query, form and cookie names,
// and Value on every string value.
//
// The threat: an API that passes parsed request data into a MongoDB filter
// lets a client replace a value by an operator document. {"password":
// {"$ne": null}} logs in without a password; username[$ne]=x does the same
// through qs, PHP or Rails bracket parsing; $where, $function and
// $accumulator run server-side JavaScript; $regex leaks values character by
// character; $lookup, $unionWith, $merge and $out read or write other
// collections; update operators ($set, $rename, $unset) reach fields the API
// never exposed.
//
// Which $-keys are operators. A $-key is flagged only when MongoDB gives it
// meaning in a query, update or pipeline (the list is in operator.go). These
// pass, because they are data formats or other protocols' reserved words:
//   - JSON Schema keywords: $schema, $id, $ref, $defs, $anchor,
//     $dynamicAnchor, $dynamicRef, $recursiveRef, $vocabulary, $comment.
//     ($comment is also a harmless query annotation.)
//   - MongoDB Extended JSON type wrappers: $oid, $date, $numberInt,
//     $numberLong, $numberDouble, $numberDecimal, $binary, $uuid,
//     $timestamp, $regularExpression, $symbol, $code, $scope, $minKey,
//     $maxKey, $undefined, $dbPointer, and DBRef's $ref/$id/$db. They
//     describe a value; a driver decodes them into BSON values, never into
//     query operators. Two legacy (v1) Extended JSON spellings collide with
//     operators and are flagged: {"$regex": ..., "$options": ...} (a
//     regular expression, which is exactly the $regex operator when it
//     reaches a filter) and the $type of a legacy $binary (the $type
//     operator matches any value of a type: {"password": {"$type":
//     "string"}}). Canonical v2 Extended JSON ($regularExpression, $binary
//     with subType) passes.
//   - OData system query options: $filter, $select, $expand, $orderby, $top,
//     $skip, $count, $search, $format, $apply, $compute, $skiptoken,
//     $deltatoken. They are query-string names of a different protocol.
//   - Pagination and projection helpers that do not change which documents
//     match ($limit, $skip, $sort, $count, $sample, $unwind, $slice, $each,
//     $position, $natural, $hint, $options, $meta): Feathers, Strapi and
//     Mongo-REST APIs use several of them legitimately.
//
// Matching ignores case and returns the canonical MongoDB spelling
// ($elemMatch), so that the inspector's per-route allow list compares one
// form. Routes whose API is a Mongo filter language by design (Feathers,
// Strapi, RESTHeart, Parse) allow the operators they accept, on the route
// (inspect.Config.AllowOperators) or on one field (inspect.Exclusion.Operators),
// rather than weakening the detector.
//
// Value looks inside string values: an operator in key position of an
// embedded document or fragment ({"$ne": null}, j:{"$gt":""}, { $where: ..},
// [$ne]=1, also with \u0024 escapes), server-side JavaScript (this.x
// access with a call or comparison, return statements after a statement
// boundary, sleep(N), busy loops, new Date(), db.collection calls, regular
// expression literals that match anything), literal tautologies (1==1,
// 'a'=='a') and quote break-outs that close a JavaScript object (' } ],).
// GraphQL variable definitions ($where: orders_bool_exp!) are types, not
// operators, and pass.
package nosql
