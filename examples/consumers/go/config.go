// Config: the HARE_* environment of the pod contract (docs/pod-contract.md), parsed and validated.
package main

import (
	"fmt"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config is what the operator tells the pod through its environment.
type Config struct {
	BrokerURI       string
	Queue           string
	Exchange        string // empty: the pool names no exchange
	RoutingKey      string
	Prefetch        int
	QueueType       string // classic | quorum
	Declare         string // operator: declare the topology (again, as a check) | none: only check that it exists
	RetryLimit      int
	RetryDelaysMs   []int // ascending; the last one repeats
	RedeliveryLimit int
	DrainTimeout    time.Duration
	PodName         string
	HTTPPort        int // 0: no http endpoints
	TLS             TLSFiles

	// Settings of this example, not of the contract (the e2e suite uses them).
	RecordQueue       string // EXAMPLE_RECORD_QUEUE: publish a record of each handled message here before its ack
	UnnamedConnection bool   // EXAMPLE_UNNAMED_CONNECTION=true: name no connection, as many images do
}

// TLSFiles are the pod contract's HARE_TLS_* paths; empty when the pool sets no spec.broker.tls.
type TLSFiles struct {
	CAFile, CertFile, KeyFile string
}

// LoadConfig reads the environment; every problem is reported, each naming its variable.
func LoadConfig(getenv func(string) string) (Config, error) {
	var problems []string
	fail := func(name, problem string) { problems = append(problems, name+": "+problem) }
	text := func(name string) string { return strings.TrimSpace(getenv(name)) }
	integer := func(name string, def, min, max int) int {
		raw := text(name)
		if raw == "" {
			return def
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < min || n > max {
			fail(name, fmt.Sprintf("must be an integer from %d to %d (got %q)", min, max, raw))
			return def
		}
		return n
	}
	c := Config{
		BrokerURI:       text("HARE_BROKER_URI"),
		Queue:           text("HARE_QUEUE"),
		Exchange:        text("HARE_EXCHANGE"),
		RoutingKey:      text("HARE_ROUTING_KEY"),
		Prefetch:        integer("HARE_PREFETCH", 1, 1, 65535),
		QueueType:       text("HARE_QUEUE_TYPE"),
		Declare:         text("HARE_DECLARE"),
		RetryLimit:      integer("HARE_RETRY_LIMIT", 15, 0, 1_000_000),
		RedeliveryLimit: integer("HARE_REDELIVERY_LIMIT", 10, 1, 1000),
		PodName:         text("HARE_POD_NAME"),
		HTTPPort:        integer("HARE_HTTP_PORT", 0, 0, 65535),
		TLS:             TLSFiles{CAFile: text("HARE_TLS_CA_FILE"), CertFile: text("HARE_TLS_CERT_FILE"), KeyFile: text("HARE_TLS_KEY_FILE")},
		RecordQueue:     text("EXAMPLE_RECORD_QUEUE"),
	}
	if u, err := url.Parse(c.BrokerURI); c.BrokerURI == "" || err != nil || (u.Scheme != "amqp" && u.Scheme != "amqps") {
		fail("HARE_BROKER_URI", "must be an amqp:// or amqps:// URI (not shown, it may hold credentials)")
	}
	if c.Queue == "" || strings.ContainsAny(c.Queue, " \t\n") || strings.HasPrefix(c.Queue, "amq.") {
		fail("HARE_QUEUE", "is required, without whitespace, not starting with 'amq.'")
	}
	if c.RoutingKey == "" {
		c.RoutingKey = c.Queue
	}
	switch c.QueueType {
	case "":
		c.QueueType = "classic"
	case "classic", "quorum":
	default:
		fail("HARE_QUEUE_TYPE", fmt.Sprintf("must be classic or quorum (got %q)", c.QueueType))
	}
	switch c.Declare {
	case "":
		c.Declare = "operator"
	case "operator", "none":
	default:
		fail("HARE_DECLARE", fmt.Sprintf("must be operator or none (got %q)", c.Declare))
	}
	c.RetryDelaysMs = parseDelays(text("HARE_RETRY_DELAYS_MS"), func(p string) { fail("HARE_RETRY_DELAYS_MS", p) })
	c.DrainTimeout = parseSeconds(text("HARE_DRAIN_TIMEOUT_SECONDS"), func(p string) { fail("HARE_DRAIN_TIMEOUT_SECONDS", p) })
	switch text("EXAMPLE_UNNAMED_CONNECTION") {
	case "", "false":
	case "true":
		c.UnnamedConnection = true
	default:
		fail("EXAMPLE_UNNAMED_CONNECTION", "must be true or false")
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		fail("HARE_TLS_CERT_FILE", "and HARE_TLS_KEY_FILE come together (a client certificate and its key)")
	}
	if c.PodName == "" {
		c.PodName, _ = os.Hostname()
	}
	if len(problems) > 0 {
		return c, fmt.Errorf("invalid configuration: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

func parseDelays(raw string, fail func(string)) []int {
	if raw == "" {
		raw = "10000"
	}
	var delays []int
	for _, part := range strings.Split(raw, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(part), 10, 32)
		if err != nil || n < 1 {
			fail(fmt.Sprintf("must be a comma-separated list of integers from 1 to 4294967295 milliseconds (got %q)", raw))
			return []int{10000}
		}
		delays = append(delays, int(n))
	}
	sort.Ints(delays)
	return delays
}

func parseSeconds(raw string, fail func(string)) time.Duration {
	if raw == "" {
		return 30 * time.Second
	}
	s, err := strconv.ParseFloat(raw, 64)
	if err != nil || s < 0 || s > 86400 {
		fail(fmt.Sprintf("must be a number of seconds from 0 to 86400 (got %q)", raw))
		return 30 * time.Second
	}
	return time.Duration(s * float64(time.Second))
}
