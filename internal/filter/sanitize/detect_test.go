package sanitize

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	const (
		st = StackTrace
		sq = SQLError
		dp = DebugPage
		ip = InternalPath
	)
	cases := []struct {
		name string
		body string
		want []Leak
	}{
		// Go
		{"go goroutine header", "goroutine 1 [running]:\nmain.main()", []Leak{st}},
		{"go panic line", "panic: assignment to entry in nil map\n", []Leak{st}},
		{"go panic runtime error in json", `{"error":"panic: runtime error: index out of range [3] with length 2"}`, []Leak{st}},
		{"go frame", "main.handler(...)\n\t/src/app/main.go:123 +0x1d\n", []Leak{st, ip}},
		{"go stdlib path", "net/http.(*conn).serve\n\t/usr/local/go/src/net/http/server.go:2009", []Leak{st, ip}},
		// Java / Kotlin
		{"java frame", "java.lang.IllegalStateException: boom\n\tat com.example.Foo.bar(Foo.java:42)\n", []Leak{st}},
		{"java native frame", "\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)", []Leak{st}},
		{"kotlin frame in json", `{"trace":"kotlin.KotlinNullPointerException\n\tat com.shop.OrderService.find(OrderService.kt:17)"}`, []Leak{st}},
		{"java thread", `Exception in thread "main" java.lang.RuntimeException`, []Leak{st}},
		{"java caused by", "Caused by: java.sql.SQLException: Access denied", []Leak{st, sq}},
		// Python
		{"python traceback", "Traceback (most recent call last):\n  x\nValueError: bad", []Leak{st}},
		{"python frame", "  File \"/app/x.py\", line 3, in handler\n", []Leak{st, ip}},
		// Node.js
		{"node anonymous", "Error: boom\n    at Object.<anonymous> (/app/index.js:10:5)\n", []Leak{st, ip}},
		{"node ticks", "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)", []Leak{st}},
		{"node bare path", "TypeError: x is undefined\n    at /srv/api/routes.js:22:13", []Leak{st, ip}},
		// .NET
		{"dotnet frame", "System.NullReferenceException: Object reference\n   at System.Web.Mvc.ControllerActionInvoker.InvokeAction(ControllerContext ctx)", []Leak{st}},
		{"dotnet end of trace", "--- End of stack trace from previous location ---", []Leak{st}},
		{"dotnet line ref", `   at Shop.Api.OrdersController.Get(Int32 id) in C:\build\Shop\OrdersController.cs:line 42`, []Leak{st, ip}},
		// Ruby
		{"ruby frame", "/app/models/order.rb:12:in `total'", []Leak{st, ip}},
		{"ruby 3.4 frame", "app/models/order.rb:12:in 'Order#total'", []Leak{st}},
		// PHP
		{"php stack trace", "Stack trace:\n#0 /var/www/html/index.php(12): run()", []Leak{st, ip}},
		{"php html stack trace", "Stack trace:<br />#0 {main}", []Leak{st}},
		{"php fatal uncaught", "PHP Fatal error:  Uncaught Exception: nope", []Leak{st}},
		{"php html fatal", "<b>Fatal error</b>:  Uncaught Error: Call to undefined function", []Leak{st}},
		// SQL
		{"mysql syntax", "You have an error in your SQL syntax; check the manual", []Leak{sq}},
		{"pdo sqlstate", `{"message":"SQLSTATE[42S22]: Column not found"}`, []Leak{sq}},
		{"postgres syntax", `ERROR:  syntax error at or near "FROM"`, []Leak{sq}},
		{"oracle code", "ORA-00933: SQL command not properly ended", []Leak{sq}},
		{"oracle code alone", "error ORA-01756: bad", []Leak{sq}},
		{"rails pg", "PG::UndefinedTable: ERROR: relation", []Leak{sq}},
		{"sqlite python", "sqlite3.OperationalError: no such table: users", []Leak{sq}},
		{"sqlite dotnet", "SQLite error (1): no such column", []Leak{sq}},
		{"sqlite near", `near "FROMM": syntax error`, []Leak{sq}},
		{"postgres unterminated", "unterminated quoted string at or near \"'abc\"", []Leak{sq}},
		{"mssql oledb", "Microsoft OLE DB Provider for SQL Server error '80040e14'", []Leak{sq}},
		{"mssql incorrect syntax", "Incorrect syntax near 'x'.", []Leak{sq}},
		{"php mysql_fetch", "Warning: mysql_fetch_array() expects parameter 1", []Leak{sq}},
		{"go pq", `{"error":"pq: duplicate key"}`, []Leak{sq}},
		{"postgres relation", `ERROR:  relation "users" does not exist`, []Leak{sq}},
		{"postgres column json", `{"detail":"column \"pasword\" does not exist"}`, []Leak{sq}},
		{"mysql table", "Table 'shop.users' doesn't exist", []Leak{sq}},
		// Debug pages
		{"django", "You're seeing this error because you have DEBUG = True in your Django settings file.", []Leak{dp}},
		{"django html", "You&#x27;re seeing this error because you have <code>DEBUG = True</code> in", []Leak{dp}},
		{"werkzeug", "<title>Werkzeug Debugger</title>", []Leak{dp}},
		{"werkzeug caught", "The debugger caught an exception in your WSGI application.", []Leak{dp}},
		{"whoops", "<h2>Whoops! There was an error.</h2>", []Leak{dp}},
		{"laravel class json", `{"exception":"Illuminate\\Database\\QueryException"}`, []Leak{dp}},
		{"rails", "<title>Action Controller: Exception caught</title>", []Leak{dp}},
		{"aspnet ysod", "<h1>Server Error in '/' Application.<hr></h1>", []Leak{dp}},
		{"aspnet ysod app path", "Server Error in '/ShopApi' Application.", []Leak{dp}},
		{"aspnet core", "An unhandled exception occurred while processing the request.", []Leak{dp}},
		{"spring", "<h1>Whitelabel Error Page</h1>", []Leak{dp}},
		{"express dev", "<pre>TypeError: Cannot read properties of undefined<br> &nbsp; &nbsp;at /app/routes/orders.js:14:22<br></pre>", []Leak{st, dp, ip}},
		{"symfony", "<title>Symfony Exception</title>", []Leak{dp}},
		// Internal paths
		{"site-packages", "error in /usr/lib/python3/dist-packages/requests/api.py", []Leak{ip}},
		{"node_modules", "Cannot find module '/srv/app/node_modules/left-pad'", []Leak{ip}},
		{"inetpub", `Could not find file 'C:\inetpub\wwwroot\web.config'`, []Leak{ip}},
		{"php on line", "Warning: Division by zero in /srv/shop/cart.php on line 7", []Leak{ip}},
		// Several at once
		{"spring json trace", `{"status":500,"trace":"org.postgresql.util.PSQLException: ERROR\n\tat org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2676)"}`, []Leak{st, sq}},

		// Benign look-alikes: must not match.
		{"json not found", `{"error":"order not found"}`, nil},
		{"select a product", `{"errors":[{"field":"product","message":"Please select a product from the list"}]}`, nil},
		{"support at home", "Our support team is available at home and at work.\nat home: call us\n  at home we care", nil},
		{"dont panic", "Don't panic: your order ships tomorrow.", nil},
		{"caused by plain", "Caused by: heavy traffic, please retry.", nil},
		{"user does not exist", `{"error":"user \"bob\" does not exist"}`, nil},
		{"sku ora", `{"sku":"ORA-0042","error":"out of stock"}`, nil},
		{"pq in word", "Unknown code: xpq: 12", nil},
		{"url with js and port", `{"error":"see https://cdn.example.com/app.js:443 for details"}`, nil},
		{"url path", `{"type":"https://example.com/home/problems/not-found","instance":"/app/orders/42"}`, nil},
		{"express production", "<pre>Internal Server Error</pre>", nil},
		{"json timestamps", `{"created_at":"2024-01-02T10:11:12Z","at":"10:30:45","error":"conflict"}`, nil},
		{"generic 500 problem", `{"type":"about:blank","title":"Internal Server Error","status":500}`, nil},
		{"validation syntax", `{"error":"syntax error in field 'email'"}`, nil},
		{"meeting text", "Meet us\n  at 12:30:00 near the desk", nil},
		{"filename in validation", `{"error":"upload invoice.py is not allowed"}`, nil},
		{"empty", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Detect([]byte(tc.body))
			if !slices.Equal(got, tc.want) {
				t.Errorf("Detect(%q) = %v, want %v", tc.body, got, tc.want)
			}
		})
	}
}

func TestDetectBounded(t *testing.T) {
	pad := bytes.Repeat([]byte(" "), MaxScan)
	late := append(bytes.Clone(pad), "Traceback (most recent call last):"...)
	if got := Detect(late); got != nil {
		t.Errorf("trace after MaxScan: got %v, want nil", got)
	}
	early := append([]byte("Traceback (most recent call last):"), pad...)
	if got := Detect(early); !slices.Equal(got, []Leak{StackTrace}) {
		t.Errorf("trace before MaxScan: got %v", got)
	}
}

func TestDetectDoesNotModify(t *testing.T) {
	body := []byte(`{"stack":"Error\n    at f (/app/a.js:1:2)","x":"&lt;br&gt;"}`)
	orig := bytes.Clone(body)
	Detect(body)
	if !bytes.Equal(body, orig) {
		t.Fatalf("Detect modified its input: %q", body)
	}
}

func TestNormalize(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"plain", "abc", "abc"},
		{"json escapes", `a\nb\tc\"d\\e\/f`, "a\nb\tc\"d\\e/f"},
		{"json unicode", `\u003cpre\u003e \u00e9 \u20ac`, `<pre> \u00e9 \u20ac`},
		{"html", "&lt;b&gt; &quot;x&quot; &#39;y&#x27; &amp;&nbsp;", `<b> "x" 'y' & `},
		{"br", "a<br>b<br/>c<br />d<bra>", "a\nb\nc\nd<bra>"},
		{"dangling", `abc\`, `abc\`},
		{"short unicode", `\u00`, `\u00`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(normalize([]byte(tc.in))); got != tc.want {
				t.Errorf("normalize(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzDetect(f *testing.F) {
	seeds := []string{
		"", `{"error":"order not found"}`, "goroutine 1 [running]:", "\tat a.B(C.java:1)",
		`File "/a.py", line 1`, "Stack trace:\n#0 ", `\u00`, `&#x2`, "<pre>Error:\n at ",
		"ORA-00001:", `near "x": syntax error`, "x.go:1 +0x", "Server Error in '", `Illuminate\`,
		"/a.rb:1:in `x'", "pq: ", `" does not exist`, "<br", "at (", "    at :1:",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got := Detect(body)
		seen := map[Leak]bool{}
		for _, l := range got {
			switch l {
			case StackTrace, SQLError, DebugPage, InternalPath:
			default:
				t.Fatalf("unknown leak %q", l)
			}
			if seen[l] {
				t.Fatalf("duplicate leak %q in %v", l, got)
			}
			seen[l] = true
		}
		n := normalize(body)
		if len(n) > len(body) {
			t.Fatalf("normalize grew %d -> %d bytes", len(body), len(n))
		}
		if len(body) <= MaxScan {
			if fast, slow := index.scan(n), naiveScan(n); fast != slow {
				t.Fatalf("index scan = %b, naive scan = %b", fast, slow)
			}
		}
	})
}

// benignJSON is a 10 KiB API error-free response body, the common case Detect must
// pass quickly.
func benignJSON(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"orders":[`)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"status":"shipped","created_at":"2024-05-%02dT10:%02d:00Z","note":"Delivered at home \u00e9, see https://example.com/orders/%d","total":%d.50}`, i, i%28+1, i%60, i, i*3)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

func BenchmarkDetect(b *testing.B) {
	body := benignJSON(10 << 10)
	if got := Detect(body); got != nil {
		b.Fatalf("benign body detected as %v", got)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		Detect(body)
	}
}

// BenchmarkDetectHostile measures bodies built to make the shape checks work hardest:
// each repeats a rule's prefix so that its check runs at every few bytes.
func BenchmarkDetectHostile(b *testing.B) {
	bodies := map[string]string{
		"pre":      "<pre>Error:",
		"path":     "/a.go:1/",
		"frame":    "\n\tat a",
		"relation": `" does not exist`,
		"escapes":  `\u00`,
	}
	for name, unit := range bodies {
		body := bytes.Repeat([]byte(unit), MaxScan/len(unit)+1)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(MaxScan)
			for b.Loop() {
				Detect(body)
			}
		})
	}
}
