package deploy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"text/template"

	"go.yaml.in/yaml/v3"

	"github.com/bulwark-gw/bulwark/internal/config"
)

// fakeEnv answers every ${env:NAME} with a value long enough for any secret.
func fakeEnv(name string) (string, bool) { return "deploy-test-" + name + "-0123456789abcdef", true }

// mustConfig parses a Bulwark config as `bulwark check` would and fails on any error.
func mustConfig(t *testing.T, name string, src []byte) *config.Plan {
	t.Helper()
	plan, diags := config.Parse(name, src, fakeEnv, os.ReadFile)
	if diags.HasErrors() {
		t.Fatalf("%s does not pass bulwark check:\n%v", name, diags)
	}
	return plan
}

// chart is the Helm chart's metadata, values and templates.
type chart struct {
	meta   map[string]any
	values map[string]any
	tpl    *template.Template
}

func loadChart(t *testing.T, dir string) *chart {
	t.Helper()
	c := &chart{}
	readYAML(t, filepath.Join(dir, "Chart.yaml"), &c.meta)
	readYAML(t, filepath.Join(dir, "values.yaml"), &c.values)
	root := template.New("chart").Option("missingkey=error")
	root.Funcs(helmFuncs(root))
	files, err := filepath.Glob(filepath.Join(dir, "templates", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := root.New(filepath.Base(f)).Parse(string(b)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	c.tpl = root
	return c
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// helmFuncs are the template functions the chart uses, with Helm's meaning.
// The chart sticks to these; a template calling anything else fails to parse.
func helmFuncs(root *template.Template) template.FuncMap {
	return template.FuncMap{
		"include": func(name string, data any) (string, error) {
			var b bytes.Buffer
			err := root.ExecuteTemplate(&b, name, data)
			return b.String(), err
		},
		"toYaml": func(v any) (string, error) {
			b, err := yaml.Marshal(v)
			return strings.TrimSuffix(string(b), "\n"), err
		},
		"nindent": func(n int, s string) string { return "\n" + indent(n, s) },
		"indent":  indent,
		"quote":   func(v any) string { return fmt.Sprintf("%q", fmt.Sprint(v)) },
		"trunc": func(n int, s string) string {
			if len(s) > n {
				return s[:n]
			}
			return s
		},
		"trimSuffix": func(suffix, s string) string { return strings.TrimSuffix(s, suffix) },
		"required": func(msg string, v any) (any, error) {
			if v == nil || v == "" {
				return nil, errors.New(msg)
			}
			return v, nil
		},
		"int": func(v any) int {
			switch n := v.(type) {
			case int:
				return n
			case float64:
				return int(n)
			}
			return 0
		},
		"fail": func(msg string) (string, error) { return "", errors.New(msg) },
	}
}

func indent(n int, s string) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(s, "\n", "\n"+pad)
}

// render executes every template with values overridden by set and returns
// the manifests by kind.
func (c *chart) render(t *testing.T, set map[string]any) (map[string]map[string]any, error) {
	t.Helper()
	values := map[string]any{}
	for k, v := range c.values {
		values[k] = v
	}
	for k, v := range set {
		values[k] = v
	}
	data := map[string]any{
		"Values":  values,
		"Release": map[string]any{"Name": "edge", "Namespace": "default", "Service": "Helm"},
		"Chart":   map[string]any{"Name": c.meta["name"], "AppVersion": c.meta["appVersion"], "Version": c.meta["version"]},
	}
	out := map[string]map[string]any{}
	for _, tp := range c.tpl.Templates() {
		name := tp.Name()
		if name == "chart" || strings.HasPrefix(name, "_") || !strings.HasSuffix(name, ".yaml") {
			continue
		}
		var b bytes.Buffer
		if err := c.tpl.ExecuteTemplate(&b, name, data); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if strings.TrimSpace(b.String()) == "" {
			continue
		}
		var m map[string]any
		if err := yaml.Unmarshal(b.Bytes(), &m); err != nil {
			t.Fatalf("%s renders invalid YAML: %v\n%s", name, err, b.String())
		}
		out[m["kind"].(string)] = m
	}
	return out, nil
}

// dig walks a rendered manifest by keys and list indexes.
func dig(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %v: not a map", path)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("at %v: not a list of %d", path, k+1)
			}
			v = l[k]
		}
	}
	return v
}

func TestHelmChartRenders(t *testing.T) {
	c := loadChart(t, filepath.Join("helm", "bulwark"))
	kinds, err := c.render(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"Deployment", "Service", "ConfigMap", "PodDisruptionBudget"} {
		if kinds[k] == nil {
			t.Fatalf("the chart renders no %s", k)
		}
	}
	if kinds["PersistentVolumeClaim"] != nil {
		t.Fatal("a volume claim without persistence.enabled")
	}
	dep := kinds["Deployment"]
	if dig(t, dep, "spec", "replicas") != 2 {
		t.Fatalf("replicas: %v", dig(t, dep, "spec", "replicas"))
	}
	pod := dig(t, dep, "spec", "template", "spec")
	if dig(t, pod, "securityContext", "runAsNonRoot") != true || dig(t, pod, "automountServiceAccountToken") != false {
		t.Fatal("the pod may run as root or mounts a service account token")
	}
	ctr := dig(t, pod, "containers", 0)
	if dig(t, ctr, "securityContext", "readOnlyRootFilesystem") != true || dig(t, ctr, "securityContext", "allowPrivilegeEscalation") != false {
		t.Fatal("the container's root filesystem is writable or it may escalate")
	}
	for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz", "startupProbe": "/healthz"} {
		if dig(t, ctr, probe, "httpGet", "path") != path || dig(t, ctr, probe, "httpGet", "port") != "metrics" {
			t.Fatalf("%s: %v", probe, dig(t, ctr, probe))
		}
	}
	if dig(t, ctr, "envFrom", 0, "secretRef", "name") != "bulwark-secrets" {
		t.Fatal("secrets do not come from the Secret")
	}
	// The config the ConfigMap carries is one Bulwark accepts, and its metrics
	// listener is where the probes look.
	cfg := dig(t, kinds["ConfigMap"], "data", "bulwark.yaml").(string)
	plan := mustConfig(t, "values.yaml#config", []byte(cfg))
	if !strings.HasSuffix(plan.Metrics.Listen, ":9091") {
		t.Fatalf("metrics listen %q: the probes look at port 9091", plan.Metrics.Listen)
	}
	if g := dig(t, dep, "spec", "template", "spec", "terminationGracePeriodSeconds").(int); float64(g) <= plan.Server.ShutdownGrace.Seconds() {
		t.Fatalf("terminationGracePeriodSeconds %d does not leave room for shutdown_grace %v", g, plan.Server.ShutdownGrace)
	}

	// One replica on a volume; several replicas on one SQLite volume refused.
	kinds, err = c.render(t, map[string]any{"replicaCount": 1, "persistence": map[string]any{"enabled": true, "size": "2Gi"}})
	if err != nil || kinds["PersistentVolumeClaim"] == nil || kinds["PodDisruptionBudget"] != nil {
		t.Fatalf("one replica with persistence: %v %v", err, kinds)
	}
	if _, err := c.render(t, map[string]any{"persistence": map[string]any{"enabled": true, "size": "2Gi"}}); err == nil || !strings.Contains(err.Error(), "replicaCount: 1") {
		t.Fatalf("two replicas on one SQLite volume: %v", err)
	}
	if _, err := c.render(t, map[string]any{"existingSecret": ""}); err == nil {
		t.Fatal("a chart without a Secret rendered")
	}
}

func TestComposeFile(t *testing.T) {
	var compose struct {
		Services map[string]map[string]any `yaml:"services"`
	}
	readYAML(t, filepath.Join("compose", "compose.yaml"), &compose)
	for _, name := range []string{"postgres", "redis", "shop", "bulwark-1", "bulwark-2"} {
		if compose.Services[name] == nil {
			t.Fatalf("no %s service", name)
		}
	}
	for _, name := range []string{"bulwark-1", "bulwark-2", "shop"} {
		s := compose.Services[name]
		if s["read_only"] != true || s["user"] != "65532:65532" {
			t.Fatalf("%s: read_only %v user %v", name, s["read_only"], s["user"])
		}
	}
	for _, name := range []string{"bulwark-1", "bulwark-2"} {
		ports := fmt.Sprint(compose.Services[name]["ports"])
		// The admin API and metrics are published on the host's loopback only.
		if regexp.MustCompile(`(^|[\[ ])\d+:909[01]`).MatchString(ports) {
			t.Fatalf("%s publishes admin or metrics beyond loopback: %s", name, ports)
		}
	}
	if fmt.Sprint(compose.Services["shop"]["ports"]) != "<nil>" {
		t.Fatal("the vulnerable demo shop is published")
	}
	src, err := os.ReadFile(filepath.Join("compose", "bulwark.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	plan := mustConfig(t, "compose/bulwark.yaml", src)
	if !strings.HasPrefix(plan.Store, "postgres://") || plan.Cluster.Redis == "" {
		t.Fatalf("the compose nodes do not share PostgreSQL and Redis: %q %q", plan.Store, plan.Cluster.Redis)
	}
	// Every variable the config references is set for the nodes.
	env := fmt.Sprint(compose.Services["bulwark-1"]["environment"])
	for _, m := range regexp.MustCompile(`\$\{env:([A-Z_]+)\}`).FindAllStringSubmatch(string(src), -1) {
		if !strings.Contains(env, m[1]) {
			t.Fatalf("the config needs %s, the compose file does not set it", m[1])
		}
	}
}

func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	if n := len(regexp.MustCompile(`(?m)^FROM `).FindAllString(src, -1)); n < 2 {
		t.Fatalf("%d stages: the image must not carry the toolchain", n)
	}
	for _, want := range []string{"CGO_ENABLED=0", "\nUSER 65532:65532", `ENTRYPOINT ["/usr/local/bin/bulwark"]`} {
		if !strings.Contains(src, want) {
			t.Fatalf("Dockerfile lacks %q", want)
		}
	}
	if regexp.MustCompile(`(?m)^ADD\s+https?:`).MatchString(src) {
		t.Fatal("the Dockerfile downloads with ADD")
	}
	// The builder's Go is the one go.mod asks for.
	mod, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goVer := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod)
	if goVer == nil || !strings.Contains(src, "ARG GO_VERSION="+string(goVer[1])) {
		t.Fatalf("the Dockerfile's GO_VERSION does not match go.mod's go %s", goVer[1])
	}
}

func TestSystemdUnit(t *testing.T) {
	f, err := os.Open(filepath.Join("systemd", "bulwark.service"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sections := map[string]map[string]string{}
	var cur string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			cur = strings.Trim(line, "[]")
			sections[cur] = map[string]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || cur == "" {
				t.Fatalf("line %d: not a key=value in a section: %q", n, line)
			}
			sections[cur][k] = v
		}
	}
	svc := sections["Service"]
	for k, want := range map[string]string{
		"ExecStart":       "/usr/local/bin/bulwark serve -c /etc/bulwark/bulwark.yaml",
		"ExecReload":      "/bin/kill -HUP $MAINPID",
		"KillSignal":      "SIGTERM",
		"DynamicUser":     "yes",
		"NoNewPrivileges": "yes",
		"ProtectSystem":   "strict",
	} {
		if svc[k] != want {
			t.Fatalf("[Service] %s=%q, want %q", k, svc[k], want)
		}
	}
	if sections["Install"]["WantedBy"] != "multi-user.target" || sections["Unit"]["After"] == "" {
		t.Fatal("unit or install section incomplete")
	}
}
