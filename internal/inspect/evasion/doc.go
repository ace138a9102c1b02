// Package evasion is Bulwark's adaptive test of its injection detectors: a
// mutation fuzzer in the spirit of WAF-A-MoLE. Each blocked seed payload is
// mutated by semantics-preserving operators of its class, every mutant is
// checked by an oracle to still be a working attack, and the fuzzer keeps
// trying (up to Tries mutants per seed and channel) until a mutant passes
// the target or the budget is spent.
//
// The operators and what each oracle proves:
//
//   - cmdi: a backslash inside a word (w\hoami), empty quotes (u""name,
//     /b”in/id), empty expansions (${x:-}, $@, $*, $9, ${9}), $IFS
//     spellings as a blank (${IFS}, $IFS$9, ${IFS:0:1}), brace expansion
//     ({cat,/etc/passwd}), a TAB for a space, a newline for ';', and a bin
//     directory before a command (/usr/bin/id). Oracle: the payload is
//     placed in the argument of a command ("echo X", "echo 'X'" or
//     "echo \"X\"", the first in which the seed runs a command), parsed with
//     mvdan.cc/sh/v3 and every simple command's words expanded with its
//     expand package (brace, parameter and arithmetic expansion, field
//     splitting on the default IFS, quote removal; command substitutions
//     are walked as commands of their own). The mutant is a working attack
//     when every command the seed runs (its name's base name and its
//     arguments) is also run by the mutant in its own context.
//   - sqli: MySQL blanks (TAB, LF, CR, VT, FF), /**/ and /*x*/ comments,
//     "-- x" and "#x" line comments followed by a newline as blanks,
//     versioned comments around keywords (/*!50000UNION*/), keyword case,
//     || and && for OR and AND, other tautologies (true, 1, ~0, 2>1,
//     not false, 1 like 1, 'x'='x') and a switch from single- to
//     double-quoted strings. Oracle: the seed is placed in the first of the
//     contexts WHERE c = X, WHERE c = 'X', WHERE c = "X" in which it lexes
//     cleanly (every string and comment closed) and is not one string
//     literal; the mutant likewise. Both are lexed as MySQL does (every
//     blank and comment form, versioned comment bodies as code, case
//     folded, || and && as OR and AND) and every maximal run of constants
//     between connectives and clause keywords is folded to its truth value
//     (MySQL's numeric truthiness: 1, true, ~0, 2>1 are true). The mutant
//     is a working attack when both streams are equal: the same statement,
//     up to blanks, comments, case and the spelling of constant conditions.
//   - traversal: ./ inserted between segments, doubled slashes, one level
//     of percent-encoding of dots or slashes (the application decodes once),
//     backslashes for slashes when the seed already uses them. Oracle: the
//     mutant, decoded once, resolves from /srv/app/files to the same path
//     as the seed, outside that directory.
//   - nosqli: JSON documents with a query operator. Operators: $ne as
//     $nin of one element or $not of $eq, $gt "" as $gte "", the document
//     wrapped in $and, JSON \u escapes of key characters (JSON channel),
//     and %-escapes of $ and brackets (query channel, bracket syntax).
//     Oracle: the mutant decoded as the application does (encoding/json, or
//     bracket-syntax query parsing), with those operator synonyms folded,
//     equals the seed's document.
package evasion
