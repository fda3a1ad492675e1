// Command hare-runc is dockerd's default runtime in hack/docker.sh: runc, after dropping from a new container's
// OCI spec (and from an exec's process) every capability this host's bounding set lacks. These machines give root no CAP_SYS_RESOURCE, and
// Docker 20.10 asks for every capability it knows for a --privileged container (kind's nodes), which runc then
// fails to apply ("unable to apply caps: operation not permitted"). Everything else goes to runc unchanged.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// capability names by number (linux/capability.h)
var names = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
	"CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
	"CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
	"CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
}

// bounding returns the names of the capabilities in this process's bounding set.
func bounding() (map[string]bool, error) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if hex, ok := strings.CutPrefix(line, "CapBnd:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
			if err != nil {
				return nil, err
			}
			set := map[string]bool{}
			for i, n := range names {
				if mask&(1<<uint(i)) != 0 {
					set[n] = true
				}
			}
			return set, nil
		}
	}
	return nil, fmt.Errorf("no CapBnd line in /proc/self/status")
}

// specFile is the JSON file a `runc create|run` (BUNDLE/config.json, a whole spec) or `runc exec` (--process FILE,
// a process) call reads, and whether it is a process only; "" for any other call.
func specFile(args []string) (string, bool) {
	cmd := ""
	for i, a := range args {
		next := ""
		if i+1 < len(args) {
			next = args[i+1]
		}
		switch {
		case cmd == "" && (a == "create" || a == "run" || a == "exec"):
			cmd = a
		case cmd != "exec" && cmd != "" && (a == "--bundle" || a == "-b") && next != "":
			return filepath.Join(next, "config.json"), false
		case cmd != "exec" && cmd != "" && strings.HasPrefix(a, "--bundle="):
			return filepath.Join(strings.TrimPrefix(a, "--bundle="), "config.json"), false
		case cmd == "exec" && (a == "--process" || a == "-p") && next != "":
			return next, true
		case cmd == "exec" && strings.HasPrefix(a, "--process="):
			return strings.TrimPrefix(a, "--process="), true
		}
	}
	return "", false
}

// filterSpec drops from every capability set in the file the names not in keep.
func filterSpec(path string, processOnly bool, keep map[string]bool) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return err
	}
	proc := doc
	if !processOnly {
		proc, _ = doc["process"].(map[string]any)
	}
	caps, _ := proc["capabilities"].(map[string]any)
	if caps == nil {
		return nil
	}
	for set, v := range caps {
		list, _ := v.([]any)
		kept := []any{}
		for _, c := range list {
			if s, ok := c.(string); ok && keep[s] {
				kept = append(kept, s)
			}
		}
		caps[set] = kept
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o600)
}

func main() {
	runc := os.Getenv("HARE_RUNC")
	if runc == "" {
		runc = "/usr/sbin/runc"
	}
	if file, processOnly := specFile(os.Args[1:]); file != "" {
		keep, err := bounding()
		if err == nil {
			err = filterSpec(file, processOnly, keep)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "hare-runc: %v\n", err)
			os.Exit(1)
		}
	}
	err := syscall.Exec(runc, append([]string{runc}, os.Args[1:]...), os.Environ())
	fmt.Fprintf(os.Stderr, "hare-runc: exec %s: %v\n", runc, err)
	os.Exit(1)
}
