// A reference consumer for hare-operator's generic pods: reads the HARE_* environment, declares the
// runtime's topology, consumes with retries through the delay cascade and drains on SIGTERM.
package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// exitConfig: the configuration is invalid; restarting into the same state will not help.
const exitConfig = 2

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg, err := LoadConfig(os.Getenv)
	if err != nil {
		log.Error(err.Error())
		os.Exit(exitConfig)
	}
	log = log.With("pod", cfg.PodName, "queue", cfg.Queue)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	var ready atomic.Bool
	if cfg.HTTPPort != 0 {
		go serveHealth(cfg.HTTPPort, &ready, log)
	}
	c := &consumer{cfg: cfg, log: log, ready: &ready}
	for attempt := 0; ; attempt++ {
		err := c.session(ctx.Done())
		if err == nil {
			log.Info("exiting")
			return
		}
		if !errors.Is(err, errLost) {
			log.Error(err.Error())
			os.Exit(1)
		}
		delay := min(time.Duration(1<<min(attempt, 5))*500*time.Millisecond, 15*time.Second)
		log.Warn("reconnecting after backoff", "err", err, "delay", delay)
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			log.Info("exiting (stopped while disconnected)")
			return
		}
	}
}

// serveHealth answers the optional probes of the contract: /healthz (alive) and /readyz (consuming).
func serveHealth(port int, ready *atomic.Bool, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = w.Write([]byte(strconv.FormatBool(ready.Load()) + "\n"))
	})
	if err := http.ListenAndServe(":"+strconv.Itoa(port), mux); err != nil {
		log.Error("http server stopped", "err", err)
	}
}
