// Unit tests of hare-runc's pure parts (go test ./hack/docker-runc): which calls it edits, and what it keeps.
package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSpecFileOnlyForCreateRunAndExec(t *testing.T) {
	type want struct {
		file        string
		processOnly bool
	}
	cases := map[string]want{
		"--root /r --log /l create --bundle /b --pid-file /p id": {"/b/config.json", false},
		"run -b /b2 id":          {"/b2/config.json", false},
		"create --bundle=/b3 id": {"/b3/config.json", false},
		"--root /r exec --process /tmp/p.json --detach --pid-file x id": {"/tmp/p.json", true},
		"--root /r start id":         {"", false},
		"--root /r delete --force x": {"", false},
	}
	for args, w := range cases {
		if file, processOnly := specFile(strings.Fields(args)); file != w.file || processOnly != w.processOnly {
			t.Errorf("specFile(%q) = %q, %v; want %q, %v", args, file, processOnly, w.file, w.processOnly)
		}
	}
}

func TestFilterSpecKeepsOnlyBoundingCapabilities(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	spec := `{"ociVersion":"1.0.2","process":{"capabilities":{"bounding":["CAP_SYS_ADMIN","CAP_SYS_RESOURCE"],"effective":["CAP_SYS_RESOURCE"]}},"root":{"path":"rootfs"}}`
	if err := os.WriteFile(path, []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := filterSpec(path, false, map[string]bool{"CAP_SYS_ADMIN": true}); err != nil {
		t.Fatal(err)
	}
	out, _ := os.ReadFile(path)
	got := string(out)
	for _, want := range []string{`"bounding":["CAP_SYS_ADMIN"]`, `"effective":[]`, `"root":{"path":"rootfs"}`} {
		if !strings.Contains(got, want) {
			t.Errorf("filtered spec %s lacks %s", got, want)
		}
	}
}

func TestFilterProcessOfAnExec(t *testing.T) {
	path := filepath.Join(t.TempDir(), "process.json")
	if err := os.WriteFile(path, []byte(`{"args":["cat"],"capabilities":{"bounding":["CAP_KILL","CAP_SYS_RESOURCE"]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := filterSpec(path, true, map[string]bool{"CAP_KILL": true}); err != nil {
		t.Fatal(err)
	}
	if out, _ := os.ReadFile(path); !strings.Contains(string(out), `"bounding":["CAP_KILL"]`) {
		t.Errorf("filtered process %s", out)
	}
}
