// Package corpustest holds the helpers that the injection detectors' corpus
// tests share. It is an ordinary package so that tests in several packages
// can import it, but only tests use it: no gateway code imports it, and it
// is not part of the request pipeline.
//
// The corpus tests measure the detectors (internal/inspect/sqli, nosql, cmdi,
// traversal) and the inspector itself on the public attack and benign corpora
// and print their figures for people to read; they never fail on figures.
// This package
//   - locates the corpora (Dir): $BULWARK_CORPORA when set, otherwise
//     ../shared/corpora from the repository root (the directory holding
//     go.mod); when neither is there, the test is skipped with a message
//     saying so, since the corpora are not part of the repository;
//   - reads their file formats: one item per line (Lines, and Items, which
//     adds a sibling *.multiline.jsonl), JSON lines of strings (Strings) and
//     JSON lines of objects (Objects);
//   - measures a string detector on an attack or benign file and prints the
//     per-file figures (Probe, Tally, Benign). Set BULWARK_CORPUS_DUMP to a
//     directory to also write every miss and false positive there.
package corpustest
