package bufpool

import "testing"

func TestGetHasRoom(t *testing.T) {
	for _, n := range []int{0, 1, 1023, 1024, 1025, 4096, 5000, 1 << 18, 1<<18 + 1, 1 << 20} {
		p := Get(n)
		if len(*p) != 0 || cap(*p) < n {
			t.Fatalf("Get(%d): len %d cap %d", n, len(*p), cap(*p))
		}
		*p = append(*p, 'x')
		Put(p)
	}
}

func TestClassSizes(t *testing.T) {
	tests := []struct{ n, class int }{
		{0, 0}, {1024, 0}, {1025, 1}, {2048, 1}, {2049, 2}, {1 << 18, 8}, {1<<18 + 1, -1},
	}
	for _, tt := range tests {
		if got := class(tt.n); got != tt.class {
			t.Errorf("class(%d) = %d, want %d", tt.n, got, tt.class)
		}
	}
}

func TestPutDropsForeignSizes(t *testing.T) {
	b := make([]byte, 0, 1500) // not a class size: never handed out again
	Put(&b)
	Put(nil)
	for range 100 {
		if p := Get(1024); cap(*p) == 1500 {
			t.Fatal("a buffer of a foreign size came back from the pool")
		}
	}
}

func TestReusedBufferIsEmpty(t *testing.T) {
	p := Get(100)
	*p = append(*p, "secret"...)
	Put(p)
	q := Get(100)
	if len(*q) != 0 {
		t.Fatalf("reused buffer has length %d", len(*q))
	}
}

func BenchmarkGetPut(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		p := Get(1069)
		*p = append(*p, 1)
		Put(p)
	}
}
