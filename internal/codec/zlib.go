package codec

import (
	"bytes"
	"encoding/binary"
	"hash/adler32"

	"github.com/klauspost/compress/flate"
)

// zlibHeader is CMF 0x78 (deflate, 32 KiB window) and FLG 0x01 (fastest, no dictionary,
// check bits making the pair a multiple of 31), RFC 1950 §2.2.
var zlibHeader = [2]byte{0x78, 0x01}

// encodeZlib writes body in the zlib format (RFC 1950) around a stateless DEFLATE
// stream. The library's zlib writer has no stateless level, and its fastest level
// allocates ~800 KiB per writer.
func encodeZlib(body []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(body)/2 + 64)
	buf.Write(zlibHeader[:])
	if err := flate.StatelessDeflate(&buf, body, true, nil); err != nil {
		return nil, err
	}
	var trailer [4]byte
	binary.BigEndian.PutUint32(trailer[:], adler32.Checksum(body))
	buf.Write(trailer[:])
	return buf.Bytes(), nil
}
