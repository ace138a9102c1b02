// Package codec decodes and re-encodes compressed HTTP bodies so that response filters
// (error sanitization, field masking) can inspect what the client would actually read.
//
// Place in the pipeline: a response filter that needs the body calls Decode with the
// upstream Content-Encoding and its body budget, rewrites the plain bytes, and calls
// Encode with the same encoding so that the Content-Encoding header it forwards stays
// honest. Filters that do not inspect bodies never touch this package.
//
// Threats it answers:
//
//   - Evasion: a leak hidden behind Content-Encoding would pass a filter that only reads
//     identity bodies. Decode supports gzip, x-gzip, br, zstd and deflate.
//   - Decompression bombs: a few KiB of gzip can expand to gigabytes. Decode never holds
//     more than max+1 decoded bytes and returns ErrTooLarge past max. Decoder memory is
//     bounded too: zstd windows are capped at 8 MiB (RFC 9659), brotli windows at the
//     format's 16 MiB, and zstd decodes synchronously, without helper goroutines.
//   - Ambiguity: stacked encodings ("gzip, br") and unknown ones are refused with
//     ErrUnsupported rather than guessed at; the caller fails closed or passes the body
//     through untouched, as its configuration says.
//
// Tolerances, each chosen to match what clients accept: names are case-insensitive and
// trimmed (RFC 9110 §8.4.1); an empty body decodes to an empty body whatever the encoding
// (servers send Content-Encoding on empty 204 and 304 responses); "deflate" is the zlib
// format (RFC 9110 §8.4.1.2), but raw DEFLATE, which some servers send, is accepted when
// the first two bytes are not a valid zlib header. Encode always writes zlib for deflate.
package codec
