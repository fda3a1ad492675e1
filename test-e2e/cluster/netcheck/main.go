// netcheck probes, from inside a pod, the paths a consumer and the operator need: the API server through the
// `kubernetes` Service (TLS verified with the service-account CA, authenticated with the pod's token) and
// AMQP brokers (the server must answer the protocol header with connection.start) and HTTP endpoints such as the
// RabbitMQ management API (credentials from the URL, HTTP 200 expected). Exit 0 when all pass.
//
// -isolated fails when the pod has a default route (pods must have no way out); it reads /proc/net/route only.
//
// Usage: netcheck [-api] [-amqp host:port]... [-http url]... [-isolated] [-sleep]
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

const saDir = "/var/run/secrets/kubernetes.io/serviceaccount"

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func checkAPI() error {
	host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
	if host == "" || port == "" {
		return fmt.Errorf("KUBERNETES_SERVICE_HOST/PORT not set")
	}
	caPEM, err := os.ReadFile(saDir + "/ca.crt")
	if err != nil {
		return err
	}
	token, err := os.ReadFile(saDir + "/token")
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return fmt.Errorf("no certificate in %s/ca.crt", saDir)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	body := []byte(`{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}`)
	url := "https://" + net.JoinHostPort(host, port) + "/apis/authentication.k8s.io/v1/selfsubjectreviews"
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d: %s", res.StatusCode, raw)
	}
	var review struct {
		Status struct {
			UserInfo struct{ Username string } `json:"userInfo"`
		} `json:"status"`
	}
	if err := json.Unmarshal(raw, &review); err != nil {
		return err
	}
	fmt.Printf("api %s: authenticated as %s\n", url, review.Status.UserInfo.Username)
	return nil
}

func checkAMQP(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte("AMQP\x00\x00\x09\x01")); err != nil {
		return err
	}
	// frame header: type(1) channel(2) size(4), then class-id(2) method-id(2)
	head := make([]byte, 11)
	if _, err := io.ReadFull(conn, head); err != nil {
		return fmt.Errorf("reading connection.start: %w", err)
	}
	class, method := binary.BigEndian.Uint16(head[7:9]), binary.BigEndian.Uint16(head[9:11])
	if head[0] != 1 || class != 10 || method != 10 {
		return fmt.Errorf("unexpected frame type=%d class=%d method=%d", head[0], class, method)
	}
	fmt.Printf("amqp %s: connection.start received\n", addr)
	return nil
}

func checkHTTP(rawURL string) error {
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		return err
	}
	if u := req.URL.User; u != nil {
		pass, _ := u.Password()
		req.SetBasicAuth(u.Username(), pass)
		req.URL.User = nil
	}
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", res.StatusCode)
	}
	fmt.Printf("http %s: 200\n", req.URL.Redacted())
	return nil
}

func checkIsolated() error {
	raw, err := os.ReadFile("/proc/net/route")
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(raw), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 7 && f[1] == "00000000" && f[7] == "00000000" {
			return fmt.Errorf("default route via %s", f[0])
		}
	}
	fmt.Println("isolated: no default route")
	return nil
}

func main() {
	api := flag.Bool("api", false, "check the API server through the kubernetes Service")
	sleep := flag.Bool("sleep", false, "after the checks, sleep until terminated")
	isolated := flag.Bool("isolated", false, "fail when the pod has a default route")
	var amqp, urls list
	flag.Var(&amqp, "amqp", "host:port of an AMQP 0-9-1 broker (repeatable)")
	flag.Var(&urls, "http", "URL that must answer 200; user:pass@ becomes basic auth (repeatable)")
	flag.Parse()
	failed := false
	report := func(what string, err error) {
		if err != nil {
			fmt.Printf("FAIL %s: %v\n", what, err)
			failed = true
		}
	}
	if *api {
		report("api", checkAPI())
	}
	for _, a := range amqp {
		report("amqp "+a, checkAMQP(a))
	}
	for _, u := range urls {
		report("http", checkHTTP(u))
	}
	if *isolated {
		report("isolated", checkIsolated())
	}
	if failed {
		os.Exit(1)
	}
	fmt.Println("netcheck: all checks passed")
	if *sleep {
		// as PID 1 there is no default SIGTERM action: exit on it explicitly
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
		<-stop
	}
}
