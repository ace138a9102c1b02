// Package bufpool lends byte buffers for bodies the gateway holds while it
// handles one request (a response it filters, the document it builds from
// it), so that each request does not leave them to the garbage collector.
//
// Buffers come in power-of-two classes from 1 KiB to 256 KiB; a larger
// request is an ordinary allocation that Put drops. A buffer must not be used
// after it is put back: the owner that puts it is the last one to read it.
package bufpool

import (
	"math/bits"
	"sync"
)

const (
	minShift = 10 // 1 KiB
	maxShift = 18 // 256 KiB
)

var classes [maxShift - minShift + 1]sync.Pool

// class returns the index of the smallest class holding n bytes, or -1.
func class(n int) int {
	if n > 1<<maxShift {
		return -1
	}
	if n <= 1<<minShift {
		return 0
	}
	return bits.Len(uint(n-1)) - minShift
}

// Get returns an empty buffer with room for at least n bytes.
func Get(n int) *[]byte {
	c := class(n)
	if c < 0 {
		b := make([]byte, 0, n)
		return &b
	}
	if p, ok := classes[c].Get().(*[]byte); ok {
		return p
	}
	b := make([]byte, 0, 1<<(c+minShift))
	return &b
}

// Put returns p to its class, emptied. A buffer whose capacity is not a
// class size (grown by append, or from an oversize Get) is dropped.
func Put(p *[]byte) {
	if p == nil {
		return
	}
	n := cap(*p)
	c := class(n)
	if c < 0 || n != 1<<(c+minShift) {
		return
	}
	*p = (*p)[:0]
	classes[c].Put(p)
}
